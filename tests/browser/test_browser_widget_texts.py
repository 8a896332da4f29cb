"""Issue 14 in Chromium at both tablet sizes: a Chinese merchandiser's photo step shows no English, Streamlit's
own texts included (upload boxes, the in-page camera, the lost connection); photos come through the box that
opens the tablet's camera, GIFs too, and a refused file leaves the box with a Chinese message naming it.
Screenshots: tests/artifacts/widget_texts_*.png."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from tests.helpers.audits import picture
from tests.helpers.browser import LOCALE, SERVERS, STEP, TABLETS, go_to_step, new_tablet_page, shot, sign_in

pytestmark = pytest.mark.browser

# Every text a person can see or hear: text nodes of shown elements (icon ligatures aside: the icon font draws
# "delete" as a bin) and the attributes a screen reader reads or a long press shows.
VISIBLE_TEXTS = """() => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('script, style') || !shown(el)) continue;
    if (getComputedStyle(el).fontFamily.includes('Material Symbols')) continue;
    if (node.data.trim()) texts.push(node.data.trim());
  }
  for (const el of document.body.querySelectorAll('[placeholder], [aria-label], [title], [alt]')) {
    if (!shown(el)) continue;
    for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
      const value = el.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  return texts;
}"""
# Latin words a Chinese screen may keep: the language switch names English in English; point-of-sale material
# is "POP" in the trade; file formats and units are written so on Chinese devices too.
ALLOWED = {"English", "POP", "JPG", "JPEG", "PNG", "HEIC", "WebP", "GIF"}
TAKE_PHOTO_INPUT = '[class*="-device_camera"] input[type="file"]'


def english_words(texts: list[str], also: set[str] = frozenset()) -> set[str]:
    return {word for text in texts for word in re.findall(r"[A-Za-z]{3,}", text)} - ALLOWED - set(also)


def open_photo_step(page, url: str, store: str, lang: str) -> None:
    sign_in(page, url, "merch01", lang=lang)
    page.get_by_text("退出登录" if lang == "zh" else "Sign out").wait_for(state="attached", timeout=30_000)
    page.goto(f"{url}/capture?store={store}")
    page.get_by_role("radio", name=STEP[lang]["photos"], exact=True).first.wait_for(timeout=30_000)
    go_to_step(page, STEP[lang]["photos"])
    page.locator(TAKE_PHOTO_INPUT).wait_for(state="attached", timeout=15_000)
    page.wait_for_function(f"document.documentElement.dataset.auditWidgetTexts === '{lang}'", timeout=15_000)


def files_in_boxes(page) -> int:
    return page.locator('[data-testid="stFileChip"]').count()


@pytest.mark.parametrize("orientation", list(TABLETS))
def test_a_chinese_photo_step_is_chinese_throughout_and_takes_photos_from_the_tablet_camera(
    draft_app, browser, orientation, tmp_path
):
    url, store, _ = draft_app
    context, page = new_tablet_page(browser, orientation, locale=LOCALE["zh"])
    open_photo_step(page, url, store, "zh")
    images = page.locator('[data-testid="stImage"]')
    images.nth(1).wait_for(timeout=15_000)  # the draft's two photos

    # The take-photo box opens the tablet's camera app; its button says so.
    assert page.locator(TAKE_PHOTO_INPUT).get_attribute("capture") == "environment"
    box = page.locator('[class*="-device_camera"]')
    assert box.locator("button", has_text="拍照").count() == 1
    assert "每个文件不超过 25 MB · 格式：JPG, PNG, HEIC, WebP, GIF" in box.inner_text()

    # The in-page camera, switched on: its button waits for the picture and says so, then takes the photo.
    page.get_by_text("页面内相机").click()
    camera = page.locator('[data-testid="stCameraInput"]')
    video = camera.locator("video")
    video.wait_for(timeout=30_000)
    camera.get_by_role("button", name="拍照", exact=True).wait_for(timeout=30_000)
    video.evaluate("video => video.pause()")  # as before its first frames: the button waits and says why
    waiting = camera.get_by_role("button", name="相机启动中…（请等画面出现）")
    waiting.wait_for(timeout=5_000)
    assert waiting.is_disabled()
    video.evaluate("video => video.play()")
    camera.get_by_role("button", name="拍照", exact=True).wait_for(timeout=10_000)
    assert camera.get_by_role("button", name="拍照", exact=True).is_enabled()
    page.wait_for_timeout(500)
    shot(page, f"widget_texts_photos_{orientation}_zh")
    left = english_words(page.evaluate(VISIBLE_TEXTS))
    assert not left, f"English left on the Chinese photo step: {sorted(left)}"

    # A JPEG and a GIF through the take-photo box: both attached, the box empty again.
    jpeg, gif = tmp_path / "shelf.jpg", tmp_path / "promo.gif"
    jpeg.write_bytes(picture(5))
    frames = [Image.new("RGB", (320, 240), (30 * i, 120, 200)) for i in range(3)]
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    page.locator(TAKE_PHOTO_INPUT).set_input_files([str(jpeg), str(gif)])
    images.nth(3).wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert images.count() == 4
    assert files_in_boxes(page) == 0
    assert page.locator(TAKE_PHOTO_INPUT).get_attribute("capture") == "environment"  # the new box too

    # A text file named .jpg: refused in Chinese, by its name, and not left in the box.
    fake = tmp_path / "notes.jpg"
    fake.write_text("shelf notes, not a photo")
    page.locator(TAKE_PHOTO_INPUT).set_input_files(str(fake))
    message = page.get_by_text("无法读取“notes.jpg”")
    message.wait_for(timeout=30_000)
    page.wait_for_timeout(1000)
    assert files_in_boxes(page) == 0 and images.count() == 4
    message.scroll_into_view_if_needed()
    shot(page, f"widget_texts_refused_{orientation}_zh")
    left = english_words(page.evaluate(VISIBLE_TEXTS), also={"notes", "jpg"})  # the file's own name
    assert not left, f"English left after a refused file: {sorted(left)}"

    # The server goes away mid-page: what the page says about it is Chinese too.
    SERVERS[url].kill()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=60_000)
    dialog.get_by_text("连接中断").wait_for(timeout=5_000)
    page.wait_for_timeout(1000)
    shot(page, f"widget_texts_connection_lost_{orientation}_zh")
    assert "服务器没有响应" in dialog.inner_text()
    left = english_words(page.evaluate(VISIBLE_TEXTS), also={"notes", "jpg"})
    assert not left, f"English left once the connection was lost: {sorted(left)}"
    context.close()


def test_the_english_upload_box_states_the_apps_own_limit_and_formats(draft_app, browser):
    url, store, _ = draft_app
    context, page = new_tablet_page(browser, "landscape", locale=LOCALE["en"])
    open_photo_step(page, url, store, "en")
    box = page.locator('[class*="-device_camera"]')
    assert "Limit 25 MB per file · JPG, PNG, HEIC, WebP, GIF" in box.inner_text()
    assert box.locator("button", has_text="Take photo").count() == 1
    assert page.locator(TAKE_PHOTO_INPUT).get_attribute("capture") == "environment"
    shot(page, "widget_texts_photos_landscape_en")
    context.close()
