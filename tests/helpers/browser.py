"""Driving the app in Debian's Chromium at tablet sizes: pages, waiting for a rerun, signing in,
screenshots under tests/artifacts/. The fixtures that start the app and the browser are in conftest.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.helpers.paths import ARTIFACTS, ROOT

CHROMIUM = "/usr/bin/chromium"
# Chromium as the tests and the form benchmark (bench/capture_form.py) launch it: offline, no updates.
CHROMIUM_NO_CAMERA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHROMIUM_ARGS = [
    *CHROMIUM_NO_CAMERA_ARGS,
    # st.camera_input takes a real picture from Chromium's fake camera.
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


TABLETS = {"landscape": (1024, 768), "portrait": (768, 1024)}
SERVERS: dict[str, subprocess.Popen] = {}  # app_url -> its server, for a test that stops it mid-page


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    data: Path, log_path: Path, code: Path = ROOT, script: str = "server.py"
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run SCRIPT` in `code` on data folder `data`, on a free port, until it answers its health
    check: (url, process); stopped afterwards. Its output goes to `log_path`: a pipe nobody reads fills up
    and stalls the server mid-test."""
    url = f"http://127.0.0.1:{free_port()}"
    command = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true"]
    command += ["--server.port", url.rpartition(":")[2], "--server.address", "127.0.0.1"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=code, env={**os.environ, "AUDIT_DATA_DIR": str(data)}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError as not_yet:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the app did not start: " + log_path.read_text(errors="replace")[-2000:]
                    ) from not_yet
                time.sleep(0.3)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def new_tablet_page(browser, orientation: str, locale: str = "en-GB"):
    width, height = TABLETS[orientation]
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=False, locale=locale
    )
    context.add_init_script(WEBSOCKET_WATCH)
    return context, context.new_page()


# When the page last sent or received a websocket message (a tap's message to the server, the rerun's answers):
# settle() waits until that has been quiet for a while, so a rerun that starts late is not taken for one over.
WEBSOCKET_WATCH = """(() => {
  const Original = window.WebSocket;
  window.WebSocket = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { window.__wsLast = performance.now(); });
    }
    send(data) { window.__wsLast = performance.now(); return super.send(data); }
  };
})()"""
QUIET_MS = 400


def settle(page) -> None:
    """Until the app's rerun is over and nothing of the previous screen is left (Streamlit marks it stale).
    On a page from new_tablet_page, also until no websocket message has passed for QUIET_MS: a fixed wait alone
    let a loaded machine's late rerun look finished, and the next tap went to a screen about to change."""
    page.wait_for_timeout(250)
    page.wait_for_function(
        f"() => window.__wsLast === undefined || performance.now() - window.__wsLast > {QUIET_MS}", timeout=30_000
    )
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=30_000)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=30_000)
    page.wait_for_timeout(250)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


SIGN_IN_LABELS = {"en": ("User name", "Password", "Sign in"), "zh": ("用户名", "密码", "登录")}
STORE_LIST_HINT = {"en": "Tap a row to open the store card.", "zh": "点击一行打开门店资料卡。"}


def choose_option(page, label: str, option: str, tries: int = 3) -> None:
    """Pick `option` in the multiselect labelled `label` from the keyboard, as a tablet with a keyboard
    would: type it, wait until the list holds that option alone, Enter, and see its tag in the field.
    The list closes when the page scrolls (the expander around it still opening, or a click scrolling
    an option into view), which took a click or an Enter meant for it in loaded runs: a try whose tag
    does not appear opens the list and types again."""
    narrowed = (
        "([text]) => { const o = [...document.querySelectorAll('[role=option]')];"
        " return o.length === 1 && o[0].innerText.trim() === text; }"
    )
    field = page.locator('[data-testid="stMultiSelect"]').filter(has=page.get_by_label(label, exact=True))
    tag = field.locator(f'[data-testid="stMultiSelectTagsContainer"] [data-tag][aria-label="{option}"]').first
    box = page.get_by_label(label, exact=True).first
    for attempt in range(tries):
        box.scroll_into_view_if_needed()
        page.wait_for_timeout(300)  # let an opening expander come to rest before the list opens
        box.click()
        page.keyboard.type(option)
        try:
            page.wait_for_function(narrowed, arg=[option], timeout=10_000)
            page.keyboard.press("Enter")
            tag.wait_for(state="attached", timeout=5_000)
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
        else:
            break
        finally:
            page.keyboard.press("Escape")


def sign_in(page, url: str, username: str, password: str = "demo", lang: str = "en") -> None:
    name_label, password_label, button = SIGN_IN_LABELS[lang]
    page.goto(url)
    page.get_by_label(name_label).fill(username)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button).click()


def sign_in_to_stores(page, url: str, username: str, lang: str = "en") -> None:
    """Sign in and reach the store list (a merchandiser lands on today's plan: the list is one address away)."""
    sign_in(page, url, username, lang=lang)
    page.locator(".st-key-sign_out button").wait_for(timeout=30_000)
    if page.get_by_text(STORE_LIST_HINT[lang]).count() == 0:
        page.goto(url)
    page.get_by_text(STORE_LIST_HINT[lang]).wait_for(timeout=30_000)


def answer_every_open_question(page, option: str, limit: int = 200) -> int:
    """Tap the first not-yet-chosen `option` of a segmented choice until none is left (answers that
    open follow-up questions, such as 'restocked', get theirs too). Each tap waits for the app to
    show it as chosen, so a slow rerun never gets the same choice tapped twice."""
    chosen = page.get_by_role("radio", name=option, exact=True, checked=True)
    for taps in range(limit):
        pending = page.get_by_role("radio", name=option, exact=True, checked=False)
        if pending.count() == 0:
            return taps
        before = chosen.count()
        pending.first.click()
        deadline = time.time() + 10
        while chosen.count() <= before and time.time() < deadline:
            page.wait_for_timeout(100)
        page.wait_for_timeout(150)
    raise AssertionError("questions kept appearing")


def go_to_step(page, name: str) -> None:
    page.get_by_role("radio", name=name, exact=True).first.click()
    page.wait_for_timeout(800)


STEP = {
    "en": {"shelf": "Shelf", "price": "Price tags", "competitors": "Competitors", "photos": "Photos"},
    "zh": {"shelf": "货架", "price": "价格牌", "competitors": "竞品", "photos": "照片"},
}
LOCALE = {"en": "en-GB", "zh": "zh-CN"}


SCREENS = {"wide": (1366, 768), "tablet": (1024, 768)}


def open_as_manager(browser, size: str, locale: str = "en-GB"):
    width, height = SCREENS[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    return context, context.new_page()


def charts_drawn(page, count: int) -> None:
    page.locator('[data-testid="stPlotlyChart"]').nth(count - 1).wait_for(timeout=90_000)
    page.wait_for_timeout(1200)


def scroll_to(page, text: str) -> None:
    """Bring the element with this text to the top of the screen, so the screenshot shows what follows."""
    page.get_by_text(text, exact=True).first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(800)
