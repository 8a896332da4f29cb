"""The manager's dashboards in Debian's Chromium at 1366×768 and 1024×768; screenshots kept in
tests/artifacts/ to be looked at."""

from __future__ import annotations

import pytest

from tests.helpers.browser import SCREENS, charts_drawn, open_as_manager, scroll_to, shot, sign_in

pytestmark = pytest.mark.browser

PERIOD = "from=2026-10-09&to=2026-11-20"


@pytest.mark.parametrize("size", list(SCREENS))
def test_manager_reads_the_dashboard_and_opens_the_weakest_store(app_url, browser, size):
    context, page = open_as_manager(browser, size)
    sign_in(page, app_url, "manager")
    page.get_by_text("of 40 stores").wait_for(timeout=60_000)
    page.goto(f"{app_url}/overview?{PERIOD}")
    page.get_by_role("heading", name="Dashboard", exact=True).wait_for(timeout=60_000)
    charts_drawn(page, 4)
    tiles = page.locator('[data-testid="stMetric"]')
    assert tiles.count() == 6 and "—" not in tiles.first.inner_text()
    shot(page, f"dashboard_{size}_en")
    scroll_to(page, "Weakest stores")
    shot(page, f"dashboard_weakest_{size}_en")
    scroll_to(page, "Stores by location")
    shot(page, f"dashboard_map_{size}_en")

    # A tap on the weakest store's row opens its page with its scores.
    scroll_to(page, "Weakest stores")
    table = page.locator('[data-testid="stDataFrame"]').first
    box = table.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 52)  # the row's selection cell
    page.get_by_role("heading", name="Scores", exact=True).wait_for(timeout=60_000)
    assert "store=" in page.url
    charts_drawn(page, 2)
    shot(page, f"store_card_{size}_en")
    scroll_to(page, "Scores")
    shot(page, f"store_scores_{size}_en")
    scroll_to(page, "Photo timeline")
    shot(page, f"store_photos_{size}_en")
    context.close()


@pytest.mark.parametrize("size", list(SCREENS))
def test_competitors_page_in_chinese(app_url, browser, size):
    context, page = open_as_manager(browser, size, "zh-CN")
    sign_in(page, app_url, "manager", lang="zh")
    page.get_by_text("共 40 家门店").wait_for(timeout=60_000)
    page.goto(f"{app_url}/competitors?{PERIOD}")
    page.get_by_role("heading", name="竞品", exact=True).wait_for(timeout=60_000)
    charts_drawn(page, 3)
    shot(page, f"competitors_{size}_zh")
    scroll_to(page, "竞品价格")
    charts_drawn(page, 4)
    shot(page, f"competitors_prices_{size}_zh")
    page.goto(f"{app_url}/overview?{PERIOD}")
    page.get_by_role("heading", name="仪表盘").wait_for(timeout=60_000)
    charts_drawn(page, 2)
    shot(page, f"dashboard_{size}_zh")
    context.close()


def test_scoring_settings_page(app_url, browser):
    context, page = open_as_manager(browser, "tablet")
    sign_in(page, app_url, "manager")
    page.get_by_text("of 40 stores").wait_for(timeout=60_000)
    page.goto(f"{app_url}/settings")
    page.get_by_role("heading", name="Component weights").wait_for(timeout=60_000)
    page.wait_for_timeout(800)
    shot(page, "settings_tablet_en")
    context.close()
