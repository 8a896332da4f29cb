"""The audit form in Chromium at tablet sizes, English and Chinese: the shelf level's four options, the
competitor prices 2 × 2, a decimal comma caught on the spot, and photos removed from a draft.
Screenshots go to tests/artifacts/capture_fix_*.png, to be looked at."""

from __future__ import annotations

import pytest

from tests.helpers.audits import picture
from tests.helpers.browser import LOCALE, STEP, TABLETS, go_to_step, new_tablet_page, shot, sign_in_to_stores

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("orientation", list(TABLETS))
def test_the_audit_form_fits_a_tablet_and_catches_a_decimal_comma(draft_app, browser, orientation, lang, tmp_path):
    url, store, first = draft_app
    context, page = new_tablet_page(browser, orientation, locale=LOCALE[lang])
    sign_in_to_stores(page, url, "merch01", lang)
    page.goto(f"{url}/capture?store={store}")
    steps = STEP[lang]
    level = "4 Floor" if lang == "en" else "4 底层"
    page.get_by_text(level).first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    # All four shelf levels are on screen, inside the page, none cut off.
    width = TABLETS[orientation][0]
    last = page.get_by_text(level).first.bounding_box()
    assert last["x"] + last["width"] <= width
    page.get_by_text(level).first.scroll_into_view_if_needed()
    shot(page, f"capture_fix_shelf_{orientation}_{lang}")

    go_to_step(page, steps["price"])
    field = page.locator('[data-testid="stNumberInput"] input').first
    field.click()
    page.keyboard.type("12,50")  # a decimal comma, as typed on a tablet set to a European keyboard
    page.keyboard.press("Enter")
    warning = page.get_by_text("check the decimal point" if lang == "en" else "请检查小数点").first
    warning.wait_for(timeout=15_000)
    warning.scroll_into_view_if_needed()
    shot(page, f"capture_fix_price_{orientation}_{lang}")

    go_to_step(page, steps["competitors"])
    normal = page.locator('[data-testid="stNumberInput"] input').first
    normal.wait_for(timeout=15_000)
    normal.scroll_into_view_if_needed()
    assert normal.input_value() == "650.00"
    page.get_by_text("¥650.00").first.wait_for(timeout=15_000)  # the on-the-spot warning names the value
    # Every stepper of the four fields is inside the page.
    for plus in page.locator('[data-testid="stNumberInputStepUp"]').all():
        box = plus.bounding_box()
        assert box and box["x"] + box["width"] <= width
    shot(page, f"capture_fix_competitors_{orientation}_{lang}")

    go_to_step(page, steps["photos"])
    images = page.locator('[data-testid="stImage"]')
    images.nth(1).wait_for(timeout=15_000)
    images.nth(1).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, f"capture_fix_photos_{orientation}_{lang}")
    remove = page.get_by_role("button", name="Remove" if lang == "en" else "删除", exact=True)
    assert remove.count() == 2  # one per photo
    remove.last.click()
    page.wait_for_timeout(2500)
    assert images.count() == 1
    # The store photo again, uploaded a second time: refused, and said so.
    again = tmp_path / "store.jpg"
    again.write_bytes(picture(1))
    page.locator('input[type="file"]').last.set_input_files(str(again))  # the gallery box
    page.get_by_text("This photo is already attached" if lang == "en" else "这张照片已添加到").wait_for(timeout=15_000)
    page.wait_for_timeout(1000)
    assert images.count() == 1
    shot(page, f"capture_fix_photos_duplicate_{orientation}_{lang}")
    context.close()
