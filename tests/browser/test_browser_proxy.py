"""The production path: the app behind Debian's nginx with the shipped deploy/nginx.conf, over TLS with a
certificate made for the test. Chromium signs in through it (the websocket passes the proxy), the session
cookie is HttpOnly and Secure, plain HTTP is redirected, HTTPS answers carry HSTS, uploads larger than the
app takes stop at the proxy, and a client cannot choose the address the sign-in throttle counts."""

from __future__ import annotations

import http.client
import os
import re
import socket
import ssl
import subprocess
import time
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.browser import TABLETS, free_port, shot, sign_in, sign_in_to_stores
from tests.helpers.paths import ROOT

pytestmark = pytest.mark.browser

NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx.conf"
SESSION_COOKIE = "audit_session"
MAX_UPLOAD_MB = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]
CLIENT_MAX_FAILURES = 2  # the app's pause after wrong passwords from one client, lowered to keep the test short

# The main context around the site file: everything nginx writes goes into the test's folder.
MAIN_CONF = """{user}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def render_site(app_port: int, http_port: int, https_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx.conf with the four values its header says to change (IPv6 listeners dropped: a test
    machine may have none). Each must be in the file, so the test always runs the file as shipped."""
    site = SITE.read_text()
    for shipped, here in {
        "server 127.0.0.1:8501;": f"server 127.0.0.1:{app_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "/etc/ssl/certs/store-audit.pem": str(cert),
        "/etc/ssl/private/store-audit.key": str(key),
    }.items():
        assert shipped in site, f"deploy/nginx.conf no longer has {shipped!r}"
        site = site.replace(shipped, here)
    return site


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.time() + 15
    while time.time() < deadline:
        if process.poll() is not None:
            pytest.fail("nginx stopped: " + log.read_text(errors="replace")[-2000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("nginx did not listen: " + log.read_text(errors="replace")[-2000:])


@pytest.fixture(autouse=True)
def app_behind_proxy(monkeypatch):
    """Set before app_url starts the app (autouse fixtures come first): the app trusts the proxy's headers."""
    monkeypatch.setenv("AUDIT_TRUST_PROXY", "1")
    monkeypatch.setenv("AUDIT_SIGNIN_CLIENT_MAX_FAILURES", str(CLIENT_MAX_FAILURES))


@pytest.fixture
def proxy(app_url, tmp_path):
    """nginx running deploy/nginx.conf in front of the app; yields (https url, http url, certificate)."""
    folder = tmp_path / "nginx"
    folder.mkdir()
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    http_port, https_port = free_port(), free_port()
    (folder / "site.conf").write_text(render_site(urlsplit(app_url).port, http_port, https_port, cert, key))
    # As root, nginx's workers would switch to `nobody`, who cannot use the test's folder.
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(MAIN_CONF.format(user=user, dir=folder))
    log = folder / "error.log"
    nginx = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(https_port, nginx, log)
        yield f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}", cert
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        print("nginx error log: " + log.read_text(errors="replace")[-2000:])


def tls_context(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))  # the test's own certificate, verified


def request(
    url: str, cert: Path, method: str = "GET", body: bytes | None = None, headers: dict | None = None
) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, context=tls_context(cert), timeout=30)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request(
        method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=headers or {}
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def https_page(browser, extra_headers: dict | None = None):
    width, height = TABLETS["landscape"]
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, locale="en-GB", ignore_https_errors=True
    )  # the test's self-signed certificate
    page = context.new_page()
    if extra_headers:
        page.set_extra_http_headers(extra_headers)
    return context, page


def test_a_manager_works_over_https_through_the_proxy_which_limits_uploads(proxy, browser):
    https_url, http_url, cert = proxy
    context, page = https_page(browser)
    sign_in_to_stores(page, https_url, "manager")  # every click travels over the proxied websocket
    page.get_by_text("of 40 stores").wait_for(timeout=30_000)
    page.wait_for_timeout(1_000)  # let the ticket exchange for the cookie land
    shot(page, "proxy_stores_https")
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] and cookies[SESSION_COOKIE]["secure"]
    page.reload()  # the cookie keeps the browser signed in through the proxy
    page.get_by_text("of 40 stores").wait_for(timeout=30_000)
    context.close()

    # Every HTTPS answer carries HSTS besides the app's own headers (once each).
    answer = request(https_url + "/", cert)
    assert answer.status == 200
    assert answer.getheader("Strict-Transport-Security") == "max-age=31536000"
    assert answer.headers.get_all("X-Frame-Options") == ["DENY"]

    # Plain HTTP goes to the same address over HTTPS.
    answer = request(http_url + "/overview?region=E", cert)
    assert answer.status == 301
    assert answer.getheader("Location") == "https://127.0.0.1/overview?region=E"

    # Uploads: the proxy takes what the app takes, and refuses more.
    upload = https_url + "/_stcore/upload_file/some-session/some-file"
    # A file at the app's limit with its form envelope is passed on: the app answers (it refuses a PUT
    # without a signed-in session and its form token; its answers carry its X-Frame-Options, nginx's do not).
    at_limit = request(upload, cert, "PUT", b"x" * (MAX_UPLOAD_MB * 1024 * 1024 + 4096))
    assert at_limit.status != 413 and at_limit.getheader("X-Frame-Options") == "DENY"
    # Two megabytes over it is refused by nginx before the app sees a byte.
    over = request(upload, cert, "PUT", b"x" * ((MAX_UPLOAD_MB + 2) * 1024 * 1024))
    assert over.status == 413 and over.getheader("X-Frame-Options") is None


def failed_sign_in(browser, url: str, forged_address: str) -> str:
    """One wrong password from a fresh page (a new websocket) claiming `forged_address`; the message shown."""
    context, page = https_page(browser, {"X-Real-IP": forged_address, "X-Forwarded-For": forged_address})
    sign_in(page, url, "manager", password="not-the-password")
    alert = page.get_by_role("alert").filter(has_text=re.compile("wrong password|Wrong user name"))
    alert.first.wait_for(timeout=30_000)
    text = alert.first.inner_text()
    context.close()
    return text


def test_a_client_cannot_choose_the_address_the_sign_in_throttle_counts(proxy, app_url, browser):
    https_url, _, _ = proxy
    paused = "Too many wrong passwords from this device"
    # Control: straight to the app (which trusts X-Real-IP), a new forged address for every try is a new
    # client each time, never paused. This shows the browser does send the header over the websocket.
    direct = [failed_sign_in(browser, app_url, f"203.0.113.{i}") for i in range(CLIENT_MAX_FAILURES)]
    assert not any(paused in message for message in direct), direct
    # Through the proxy the app counts the address nginx saw, whatever the client claims: paused.
    proxied = [failed_sign_in(browser, https_url, f"198.51.100.{i}") for i in range(CLIENT_MAX_FAILURES)]
    assert paused not in proxied[0] and paused in proxied[-1], proxied
