"""The manager's pages of issue 13 in Debian's Chromium: Enter applies a typed period, the period goes
along when another page is opened from the sidebar, the weakest-stores table fits 1366 px, a photo opens
full size in a dialog; screenshots of the dashboard, visits and My audits at 1366x768 and 1024x768 are kept
in tests/artifacts/ to be looked at."""

from __future__ import annotations

import pytest

from tests.helpers.browser import SCREENS, charts_drawn, open_as_manager, scroll_to, shot, sign_in

pytestmark = pytest.mark.browser


def signed_in_manager(app_url, browser, size: str):
    context, page = open_as_manager(browser, size)
    sign_in(page, app_url, "manager")
    page.get_by_text("of 40 stores").wait_for(timeout=60_000)
    return context, page


def open_from_sidebar(page, name: str) -> None:
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name, exact=True).click()
    page.get_by_role("heading", name=name, exact=True).wait_for(timeout=60_000)


def type_period(page, start: str, end: str) -> None:
    """Type both dates into the period field, segment by segment, as a person with a keyboard does."""
    page.get_by_label("year, Period start date").click()
    page.keyboard.type(start.replace("-", ""))
    page.get_by_label("year, Period end date").click()
    page.keyboard.type(end.replace("-", ""))


def period_in_url(page) -> str:
    return page.evaluate("location.search")


def test_enter_applies_a_typed_period_and_the_period_goes_along(app_url, browser):
    context, page = signed_in_manager(app_url, browser, "wide")
    open_from_sidebar(page, "Dashboard")
    charts_drawn(page, 2)
    type_period(page, "2026-10-12", "2026-11-08")
    page.keyboard.press("Enter")  # the field keeps the focus: only Enter can apply it
    page.get_by_text("Filters · 12 Oct 2026 – 08 Nov 2026").wait_for(timeout=30_000)
    assert "from=2026-10-12&to=2026-11-08" in period_in_url(page)
    for name in ("Visits", "Exports", "Competitors"):  # the sidebar's links carry no address
        open_from_sidebar(page, name)
        page.wait_for_function("() => location.search.includes('from=2026-10-12&to=2026-11-08')", timeout=30_000)
        field = page.locator('[data-testid="stDateInputField"]').first.inner_text().replace("\n", "")
        assert "2026-10-12" in field and "2026-11-08" in field, (name, field)
    context.close()


def test_weakest_stores_fit_and_photos_open_in_a_dialog(app_url, browser):
    context, page = signed_in_manager(app_url, browser, "wide")
    page.goto(f"{app_url}/overview?from=2026-10-12&to=2026-11-20")
    charts_drawn(page, 4)
    scroll_to(page, "Weakest stores")
    grid = page.locator('[data-testid="stDataFrame"] .dvn-scroller').first
    wide, room = grid.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert wide <= room, f"the table scrolls sideways: {wide} px in {room} px"

    page.goto(f"{app_url}/audits")
    page.get_by_text("audits found").first.wait_for(timeout=60_000)
    table = page.locator('[data-testid="stDataFrame"]').first
    box = table.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # the newest audit (the demo's newest have photos)
    page.get_by_role("button", name="Full size").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="Full size").first.click()
    dialog = page.get_by_role("dialog")
    dialog.locator("img").wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    photo = dialog.locator("img").bounding_box()
    assert photo["height"] >= 400 and photo["width"] >= 500, photo  # the popover's was 94 px tall
    assert photo["y"] >= 0 and photo["y"] + photo["height"] <= 768, photo  # the whole photo on the screen
    shot(page, "audit_photo_full_size_wide_en")
    context.close()


@pytest.mark.parametrize("size", list(SCREENS))
def test_screenshots_of_the_dashboard_visits_and_my_audits(app_url, browser, size):
    context, page = signed_in_manager(app_url, browser, size)
    open_from_sidebar(page, "Dashboard")
    charts_drawn(page, 2)
    shot(page, f"issue13_dashboard_{size}_en")
    scroll_to(page, "Weakest stores")
    shot(page, f"issue13_dashboard_weakest_{size}_en")
    scroll_to(page, "Where the weakest stores fall short")
    shot(page, f"issue13_dashboard_heatmap_{size}_en")
    open_from_sidebar(page, "Visits")
    charts_drawn(page, 2)
    shot(page, f"issue13_visits_{size}_en")
    scroll_to(page, "Visits per week")
    shot(page, f"issue13_visits_weekly_{size}_en")
    page.get_by_role("heading", name="Overdue stores").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
    shot(page, f"issue13_visits_overdue_{size}_en")
    open_from_sidebar(page, "My audits")
    page.get_by_text("audits found").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    shot(page, f"issue13_my_audits_{size}_en")
    context.close()


def test_back_to_the_defaults_shows_the_defaults_in_the_form(app_url, browser):
    """The browser holds what was typed in a field: the defaults must reach the fields themselves."""
    context, page = signed_in_manager(app_url, browser, "tablet")
    open_from_sidebar(page, "Scoring settings")
    availability, green = page.get_by_label("Availability", exact=True), page.get_by_label("Green from (score)")
    availability.fill("40")
    green.fill("90")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Saved. Every score now uses these settings.").wait_for(timeout=30_000)
    page.get_by_text("Set by manager on").first.wait_for(timeout=30_000)  # at once, not after a reload
    page.get_by_role("button", name="Back to the defaults").click()
    page.get_by_text("Back to the default settings.").wait_for(timeout=30_000)
    assert (availability.input_value(), green.input_value()) == ("25", "85")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("Saved. Every score now uses these settings.").wait_for(timeout=30_000)
    assert (availability.input_value(), green.input_value()) == ("25", "85")
    shot(page, "issue13_settings_after_defaults_tablet_en")
    context.close()
