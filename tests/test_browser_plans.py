"""The visit plans and visit measures in Debian's Chromium at 1024×768, as the manager and a
merchandiser would use them; screenshots kept in tests/artifacts/ to be looked at."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit import plans
from audit.db import Database
from test_browser import app_url, browser, new_tablet_page, shot, sign_in  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_for_today(demo_dir):
    """Four of merch01's stores planned today (the demo's plans follow the demo's own dates), one of
    them already visited; written before the app opens the database."""
    database = Database(demo_dir / "audit.duckdb")
    today = date.today()
    codes = [r[0] for r in database.cursor().execute(
        "SELECT code FROM stores WHERE merchandiser = 'merch01' ORDER BY code LIMIT 4").fetchall()]
    with database.write() as cur:
        cur.execute("DELETE FROM planned_visits WHERE planned_date = ? AND merchandiser = 'merch01'", [today])
        first = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM planned_visits").fetchall()[0][0]
        cur.executemany("INSERT INTO planned_visits (id, store_code, merchandiser, planned_date) VALUES (?, ?, ?, ?)",
                        [(first + i, code, "merch01", today) for i, code in enumerate(codes)])
    database.close()
    return codes


def test_manager_reads_the_visit_measures_and_plans_a_week(plan_for_today, app_url, browser):  # noqa: F811
    context, page = new_tablet_page(browser, "landscape")
    sign_in(page, app_url, "manager")
    page.get_by_text("of 40 stores").wait_for(timeout=30_000)
    assert page.get_by_role("link", name="Visits").count() == 1
    assert page.get_by_role("link", name="Visit plans").count() == 1

    page.goto(app_url + "/visits?from=2026-10-12&to=2026-11-20")
    page.get_by_text("Visit completion").first.wait_for(timeout=30_000)
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for(timeout=30_000)
    page.wait_for_timeout(1500)
    completion = page.locator('[data-testid="stMetric"]').first.inner_text()
    assert "%" in completion and "—" not in completion
    shot(page, "visits_en")
    page.get_by_text("League table").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot(page, "visits_league_en")
    page.get_by_role("heading", name="Overdue stores").scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    shot(page, "visits_overdue_en")
    assert "from=2026-10-12" in page.url and "to=2026-11-20" in page.url

    # A filter narrows the figures and lives in the URL.
    page.get_by_label("Region").first.click()
    page.get_by_role("option", name="East").click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(1500)
    assert "region=E" in page.url

    # The planning page: a past week with what was done and missed.
    page.goto(app_url + "/plans?week=2026-11-16&merch=merch01")
    page.get_by_text("王伟's week").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.get_by_text("done", exact=True).count() > 0
    shot(page, "plans_en")

    # A week ahead with nothing planned: generate it.
    ahead = plans.week_start(date.today()) + timedelta(weeks=3)
    page.goto(app_url + f"/plans?week={ahead.isoformat()}&merch=merch01")
    page.get_by_text("Nothing is planned for 王伟 this week yet").wait_for(timeout=30_000)
    page.get_by_role("button", name="Generate plan for the week of").click()
    page.get_by_text("Planned ").first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.get_by_text("planned", exact=True).count() > 5
    shot(page, "plans_generated_en")
    context.close()


def test_merchandiser_starts_from_todays_plan_and_cannot_reach_the_manager_pages(plan_for_today, app_url,  # noqa: F811
                                                                               browser):  # noqa: F811
    context, page = new_tablet_page(browser, "landscape")
    sign_in(page, app_url, "merch01")
    page.get_by_text("Tap a row to open the store card.").wait_for(timeout=30_000)
    assert page.get_by_role("link", name="Visits").count() == 0
    assert page.get_by_role("link", name="Visit plans").count() == 0
    page.goto(app_url + "/capture")
    page.get_by_text("Today's plan · 0 of 4 done").wait_for(timeout=30_000)
    page.get_by_text("Suggested order: round trip").wait_for()
    page.get_by_text("Other stores").wait_for()
    page.wait_for_timeout(800)
    shot(page, "capture_plan_en")
    for forbidden in ("/visits", "/plans"):
        page.goto(app_url + forbidden)
        page.get_by_role("heading", name="Stores").wait_for(timeout=30_000)
        assert page.get_by_text("Visit completion").count() == 0
    context.close()
