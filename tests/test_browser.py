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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
TABLETS = {"landscape": (1024, 768), "portrait": (768, 1024)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(demo_dir):
    port = free_port()
    env = {**os.environ, "AUDIT_DATA_DIR": str(demo_dir)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
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
        pytest.fail("the app did not start: " + server.stdout.read().decode(errors="replace")[-2000:])
    yield url
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def new_tablet_page(browser, orientation: str, locale: str = "en-GB"):
    width, height = TABLETS[orientation]
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=False, locale=locale
    )
    return context, context.new_page()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


def sign_in(page, url: str, username: str, password: str = "demo") -> None:
    page.goto(url)
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


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
    page.get_by_label("用户名").fill("manager")
    page.get_by_label("密码", exact=True).fill("demo")
    page.get_by_role("button", name="登录").click()
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
    sign_in(page, app_url, "merch01")
    page.get_by_text("Tap a row to open the store card.").wait_for(timeout=30_000)
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
