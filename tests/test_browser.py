"""A person's path through the app in Debian's Chromium, at tablet sizes; screenshots kept in
tests/artifacts/ to be looked at."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
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


@pytest.fixture
def app_url(demo_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(demo_dir)}
    # The server's output goes to a file: a pipe nobody reads fills up and stalls the server mid-test.
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "server.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the app did not start: " + log_path.read_text(errors="replace")[-2000:])
    SERVERS[url] = server
    yield url
    SERVERS.pop(url)
    server.terminate()
    server.wait(timeout=20)
    print(f"server log ({log_path.stat().st_size} bytes): " + log_path.read_text(errors="replace")[-3000:])


@pytest.fixture
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


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
    constructor(...args) { super(...args); this.addEventListener('message', () => { window.__wsLast = performance.now(); }); }
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
