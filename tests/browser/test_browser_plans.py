"""The visit plans and visit measures in Debian's Chromium at 1024×768, as the manager and a
merchandiser would use them; screenshots kept in tests/artifacts/ to be looked at."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from audit import plans
from audit.db import Database
from tests.helpers.browser import choose_option, new_tablet_page, shot, sign_in, sign_in_to_stores

pytestmark = pytest.mark.browser


@pytest.fixture
def plan_for_today(demo_dir):
    """Four of merch07's seven stores planned today (the demo's plans follow the demo's own dates), the
    first one already visited; written before the app opens the database."""
    database = Database(demo_dir / "audit.duckdb")
    today = date.today()
    codes = [
        r[0]
        for r in database.cursor()
        .execute("SELECT code FROM stores WHERE merchandiser = 'merch07' ORDER BY code")
        .fetchall()
    ][:4]
    assert len(codes) == 4
    now = datetime.now().replace(microsecond=0)
    with database.write() as cur:
        cur.execute("DELETE FROM planned_visits WHERE planned_date = ? AND merchandiser = 'merch07'", [today])
        first = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM planned_visits").fetchall()[0][0]
        cur.executemany(
            "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date) VALUES (?, ?, ?, ?)",
            [(first + i, code, "merch07", today) for i, code in enumerate(codes)],
        )
        audit_id = cur.execute("SELECT max(id) + 1 FROM audits").fetchall()[0][0]
        cur.execute(
            "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at,"
            " submitted_at, order_placed) VALUES (?, 'browser-plan', ?, 'merch07', ?, ?, ?, TRUE)",
            [audit_id, codes[0], today, now - timedelta(minutes=30), now],
        )
    stores = (
        database.cursor().execute("SELECT code, grade FROM stores WHERE merchandiser = 'merch01' AND active").fetchall()
    )
    database.close()
    return {"today": codes, "merch01_stores": stores}


def test_manager_reads_the_visit_measures_and_plans_a_week(plan_for_today, app_url, browser):
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
    page.get_by_text("Filters", exact=True).click()
    choose_option(page, "Region", "East")
    page.wait_for_url("**region=E**", timeout=15_000)
    assert parse_qs(urlparse(page.url).query)["region"] == ["E"]  # East alone, not every region
    page.wait_for_timeout(1500)
    shot(page, "visits_filtered_en")

    # The planning page: a past week with what was done and missed.
    page.goto(app_url + "/plans?week=2026-11-16&merch=merch01")
    page.get_by_text("Wang Wei's week").wait_for(timeout=30_000)
    # done visits are marked (the grid's cells are an accessibility layer under its canvas: attached, not visible)
    page.get_by_text("done", exact=True).first.wait_for(state="attached", timeout=30_000)
    page.wait_for_timeout(500)
    shot(page, "plans_en")

    # A week ahead with nothing planned: generate it.
    ahead = plans.week_start(date.today()) + timedelta(weeks=3)
    page.goto(app_url + f"/plans?week={ahead.isoformat()}&merch=merch01")
    page.get_by_text("Nothing is planned for Wang Wei this week yet").wait_for(timeout=30_000)
    page.get_by_role("button", name="Generate plan for the week of").click()
    expected = sum(plans.visits_in_week(grade, code, ahead, "high") for code, grade in plan_for_today["merch01_stores"])
    page.get_by_text(f"Planned {expected} visits for 1 merchandiser.").wait_for(timeout=30_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    shown = sum(int(text.split(":")[1]) for text in page.get_by_text("Visits: ").all_inner_texts())
    assert shown == expected
    shot(page, "plans_generated_en")
    context.close()


def test_merchandiser_starts_from_todays_plan_and_cannot_reach_the_manager_pages(
    plan_for_today,
    app_url,
    browser,
):
    context, page = new_tablet_page(browser, "landscape")
    sign_in_to_stores(page, app_url, "merch07")
    assert page.get_by_role("link", name="Visits").count() == 0
    assert page.get_by_role("link", name="Visit plans").count() == 0
    page.goto(app_url + "/capture")
    page.get_by_text("Today's plan · 1 of 4 done").wait_for(timeout=30_000)
    page.get_by_text("Suggested order: round trip").wait_for()
    page.get_by_text("Other stores", exact=True).wait_for()
    page.wait_for_timeout(800)
    shot(page, "capture_plan_en")
    for forbidden in ("/visits", "/plans"):
        page.goto(app_url + forbidden)
        page.get_by_role("heading", name="Stores").wait_for(timeout=30_000)
        assert page.get_by_text("Visit completion").count() == 0
    context.close()
