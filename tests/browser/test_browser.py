"""A person's path through the app in Debian's Chromium, at tablet sizes; screenshots kept in
tests/artifacts/ to be looked at."""

from __future__ import annotations

import pytest

from tests.helpers.browser import (
    TABLETS,
    answer_every_open_question,
    go_to_step,
    new_tablet_page,
    settle,
    shot,
    sign_in,
    sign_in_to_stores,
)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("orientation", list(TABLETS))
def test_manager_signs_in_and_reaches_the_store_list(app_url, browser, orientation):
    context, page = new_tablet_page(browser, orientation)
    page.goto(app_url)
    page.get_by_text("Demo accounts").wait_for(timeout=30_000)
    shot(page, f"sign_in_{orientation}")
    sign_in(page, app_url, "manager")
    page.get_by_text("of 40 stores").wait_for(timeout=30_000)
    page.get_by_role("heading", name="Stores").wait_for()
    shot(page, f"stores_{orientation}")

    # A reload keeps the user signed in (session cookie), and the store list comes back.
    page.reload()
    page.get_by_text("of 40 stores").wait_for(timeout=30_000)

    # Search narrows the list; the query lives in the URL.
    page.get_by_role("textbox", name="Search").fill("S00001")
    page.get_by_role("textbox", name="Search").press("Enter")
    page.get_by_text("1 of 40 stores").wait_for(timeout=15_000)
    assert "q=S00001" in page.url
    context.close()


def test_chinese_browser_gets_chinese_and_a_store_card(app_url, browser):
    context, page = new_tablet_page(browser, "landscape", locale="zh-CN")
    page.goto(app_url)
    page.get_by_text("演示账号").wait_for(timeout=30_000)
    sign_in(page, app_url, "manager", lang="zh")
    page.get_by_text("共 40 家门店").wait_for(timeout=30_000)
    page.goto(app_url + "/?store=S00001")
    page.get_by_text("最近检查").wait_for(timeout=30_000)
    shot(page, "store_card_zh")
    context.close()


def test_admin_page_is_out_of_reach_without_the_admin_role(app_url, browser):
    context, page = new_tablet_page(browser, "landscape")
    # The very first request after the server starts, straight to the admin URL, signed out.
    page.goto(app_url + "/admin")
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    assert page.get_by_text("Import master data").count() == 0
    sign_in_to_stores(page, app_url, "merch01")
    assert page.get_by_role("link", name="Admin").count() == 0
    page.goto(app_url + "/admin")
    page.get_by_role("heading", name="Stores").wait_for(timeout=30_000)
    assert page.get_by_text("Import master data").count() == 0
    context.close()


def test_sign_out_ends_the_session(app_url, browser):
    context, page = new_tablet_page(browser, "landscape")
    sign_in(page, app_url, "merch01")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    shot(page, "signed_out")
    context.close()


@pytest.mark.parametrize("orientation", list(TABLETS))
def test_merchandiser_audits_a_store_with_camera_and_upload_surviving_a_reload(app_url, browser, orientation, tmp_path):
    context, page = new_tablet_page(browser, orientation)
    sign_in_to_stores(page, app_url, "merch01")
    page.goto(app_url + "/capture")
    page.get_by_role("button", name="Open", exact=True).first.wait_for(timeout=30_000)
    settle(page)
    shot(page, f"capture_queue_{orientation}")
    page.get_by_role("button", name="Open", exact=True).first.click()
    settle(page)
    shot(page, f"capture_intro_{orientation}")
    page.get_by_role("button", name="Start audit").click()
    on_shelf = page.get_by_role("radio", name="Shelf", exact=True, checked=True)
    on_shelf.wait_for(timeout=30_000)
    page.get_by_role("radio", name="Out", exact=True).first.wait_for(timeout=30_000)  # the rows are drawn
    assert answer_every_open_question(page, "Out") > 10  # every SKU out of stock (restocking is optional)
    shot(page, f"capture_shelf_{orientation}")

    page.reload()  # a dropped connection or a reload: the draft comes back where it was
    on_shelf.wait_for(timeout=30_000)
    page.get_by_role("radio", name="Out", exact=True, checked=True).first.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.get_by_role("radio", name="Out", exact=True, checked=True).count() > 10

    for step, answer in (("Price tags", "No tag"), ("POP", "No")):
        go_to_step(page, step)
        answer_every_open_question(page, answer)
        shot(page, f"capture_{step.split()[0].lower()}_{orientation}")
    go_to_step(page, "Competitors")
    page.get_by_role("button", name="Add competitor observation").click()
    page.get_by_role("radio", name="Guanyi", exact=True).click()
    page.wait_for_timeout(800)
    page.get_by_text("Promotion", exact=True).first.click()
    page.wait_for_timeout(800)
    shot(page, f"capture_competitors_{orientation}")
    go_to_step(page, "Photos")
    page.get_by_text("Camera in this page").click()  # the fallback (the tablet's camera app is out of reach here)
    page.locator('[data-testid="stCameraInputButton"]', has_text="Take photo").click(timeout=30_000)
    page.get_by_text("Store", exact=True).last.wait_for()
    page.wait_for_timeout(2500)
    upload = tmp_path / "shelf.png"
    from PIL import Image

    Image.new("RGB", (1200, 900), (200, 120, 60)).save(upload)
    page.locator('input[type="file"]').last.set_input_files(str(upload))
    page.wait_for_timeout(3000)
    assert page.locator('[data-testid="stImage"]').count() == 2
    shot(page, f"capture_photos_{orientation}")

    go_to_step(page, "Visit")
    page.get_by_role("radio", name="Yes", exact=True).first.click()  # the store placed an order
    page.get_by_label("Order amount (¥)").wait_for()
    shot(page, f"capture_visit_{orientation}")
    page.get_by_role("button", name="Submit audit").click()
    page.get_by_text("Audit submitted.").wait_for(timeout=30_000)
    shot(page, f"capture_submitted_{orientation}")
    page.goto(app_url + "/audits")  # the sidebar is folded away on a portrait tablet
    page.locator('[data-testid="stDataFrame"]').wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    shot(page, f"capture_history_{orientation}")
    context.close()


def test_manager_prepares_and_downloads_a_dealer_summary(app_url, browser, tmp_path):
    context, page = new_tablet_page(browser, "landscape")
    sign_in_to_stores(page, app_url, "manager")
    page.goto(app_url + "/exports?dealer=D04&from=2026-10-20&to=2026-11-20")
    page.get_by_role("button", name="Prepare the file").wait_for(timeout=30_000)
    page.get_by_role("button", name="Prepare the file").click()
    download_button = page.get_by_role("button", name="Download")
    download_button.wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "exports_en")
    with page.expect_download(timeout=30_000) as download:
        download_button.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "audit-summary_D04_2026-10-20_2026-11-20_en.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    context.close()


def test_dealer_exports_only_their_own_stores_in_chinese(app_url, browser):
    context, page = new_tablet_page(browser, "landscape", locale="zh-CN")
    sign_in_to_stores(page, app_url, "dealer01", "zh")
    page.goto(app_url + "/exports?from=2026-10-20&to=2026-11-20")
    page.get_by_text("华美商贸有限公司 的门店。").wait_for(timeout=30_000)
    assert page.get_by_text("全部经销商（一个 ZIP 文件）").count() == 0
    page.get_by_role("radio", name="电子表格（XLSX）").click()
    page.get_by_role("button", name="生成文件").click()
    page.get_by_role("button", name="下载").wait_for(timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "exports_dealer_zh")
    page.goto(app_url + "/exports?dealer=D04")  # changing the URL does not reach another dealer's stores
    page.get_by_text("您只能导出自己的门店；经销商 D04 不属于您。").wait_for(timeout=30_000)
    assert page.get_by_role("button", name="生成文件").count() == 0
    context.close()


def test_admin_makes_a_backup_while_the_app_runs(app_url, browser, demo_dir):
    context, page = new_tablet_page(browser, "landscape")
    sign_in_to_stores(page, app_url, "admin")
    page.goto(app_url + "/admin")
    page.get_by_role("tab", name="Backup").click()
    folder = demo_dir / "backups" / "from-browser"
    page.get_by_label("Folder on the server (new or empty)").fill(str(folder))
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Make backup").click()
    page.get_by_text(f"Backup written to {folder}").wait_for(timeout=60_000)
    shot(page, "admin_backup_en")
    assert (folder / "backup.json").is_file() and any((folder / "photos").rglob("*.jpg"))
    context.close()
