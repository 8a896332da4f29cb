"""What the server guarantees a browser (Chromium): the session cookie is HttpOnly (no script on the page
can read it) yet keeps the browser signed in across a reload and goes at sign-out; no page can be framed
by another site; and a link a colleague shared keeps its page and filters through the sign-in."""

from __future__ import annotations

import urllib.parse
import urllib.request

import pytest

from tests.helpers.browser import new_tablet_page, shot, sign_in

pytestmark = pytest.mark.browser
SESSION_COOKIE = "audit_session"


def test_the_session_cookie_is_http_only_and_lasts_until_sign_out(app_url, browser):
    context, page = new_tablet_page(browser, "landscape")
    sign_in(page, app_url, "manager")
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    page.wait_for_function("() => true")  # let the ticket exchange land
    page.wait_for_timeout(1_000)
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] and cookies[SESSION_COOKIE]["sameSite"] == "Strict"
    assert SESSION_COOKIE not in page.evaluate("document.cookie")  # out of reach of any script on the page
    page.reload()
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)  # still signed in
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)
    assert SESSION_COOKIE not in {c["name"] for c in context.cookies()}
    page.reload()
    page.get_by_role("button", name="Sign in").wait_for(timeout=30_000)
    context.close()


def test_a_ticket_from_another_site_or_used_twice_sets_no_cookie(app_url):
    def post(origin: str, body: bytes) -> int:
        request = urllib.request.Request(app_url + "/api/session", data=body, method="POST", headers={"Origin": origin})
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as refused:
            return refused.code

    host = urllib.parse.urlsplit(app_url).netloc
    assert post("https://evil.example", b"anything") == 403
    assert post(f"http://{host}", b"not-a-ticket") == 403


@pytest.mark.parametrize("path", ["/", "/overview", "/_stcore/health", "/static/index.html"])
def test_no_page_can_be_framed_by_another_site(app_url, path):
    try:
        response = urllib.request.urlopen(app_url + path, timeout=10)
    except urllib.error.HTTPError as error:  # a missing static file still carries the headers
        response = error
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_framing_page_shows_no_app(app_url, browser, tmp_path):
    context, page = new_tablet_page(browser, "landscape")
    page.set_content(f'<iframe id="app" src="{app_url}" width="800" height="600"></iframe>')
    page.wait_for_timeout(3_000)
    frame = page.frame_locator("#app")
    assert frame.get_by_role("button", name="Sign in").count() == 0  # the browser refused to draw it
    context.close()


def test_a_shared_dashboard_link_opens_after_sign_in_with_its_filters(app_url, browser):
    context, page = new_tablet_page(browser, "landscape")
    sign_in(page, app_url + "/overview?region=E&grade=A", "manager")
    page.get_by_role("heading", name="Dashboard").wait_for(timeout=30_000)
    parts = urllib.parse.urlsplit(page.url)
    assert parts.path == "/overview"
    query = urllib.parse.parse_qs(parts.query)
    assert query.get("region") == ["E"] and query.get("grade") == ["A"]
    shot(page, "shared_link_after_sign_in")
    context.close()


def test_the_app_fetches_nothing_from_other_hosts(app_url, browser):
    """Self-hosted on a closed network: icons, fonts and scripts all come from the app itself."""
    context, page = new_tablet_page(browser, "landscape")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, app_url, "manager")
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)
    page.wait_for_timeout(2_000)
    favicon = page.evaluate("document.querySelector('link[rel~=icon]')?.href || ''")
    elsewhere = [url for url in [*requested, favicon] if url and not url.startswith((app_url, "data:", "blob:"))]
    assert elsewhere == []
    assert len(requested) > 10
    context.close()
