"""deploy/haproxy.cfg, the balancer in front of several replicas: HAProxy accepts the file as shipped, and,
run from it (tools/balancer.py, as `make cluster` runs it) in front of stand-in replicas, keeps a browser on
its replica, moves it to another when that one dies, stops sending new browsers to a replica whose health
check fails, replaces the address headers the app trusts, refuses an oversized upload unread, and over TLS
marks its cookie Secure, sends HSTS and redirects plain HTTP."""

from __future__ import annotations

import http.client
import json
import re
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from audit import web
from tests.helpers.servers import wait_for
from tools import balancer
from tools.local_postgres import free_port

HEALTH = web.READY_PATH  # what deploy/haproxy.cfg checks
COOKIE = "audit_replica"
MAX_BODY = 27262976  # 26 MB: the app's 25 MB photo limit and the upload form's envelope


class StandIn:
    """A replica's stand-in: answers its health route with `health` and anything else with its name and
    the headers it received."""

    def __init__(self, name: str):
        self.name, self.health, self.health_checks = name, 200, 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == HEALTH:
                    stand_in.health_checks += 1
                    self._answer(stand_in.health, b"ok")
                else:
                    self._answer(
                        200,
                        json.dumps(
                            {"replica": stand_in.name, "headers": {k.lower(): v for k, v in self.headers.items()}}
                        ).encode(),
                    )

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                self.do_GET()

            def _answer(self, status: int, body: bytes):
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_ins():
    replicas = [StandIn(f"replica{n}") for n in (1, 2, 3)]
    yield replicas
    for replica in replicas:
        if replica.server.socket.fileno() != -1:
            replica.stop()


@pytest.fixture
def certificate(tmp_path) -> Path:
    """A self-signed certificate for 127.0.0.1 and its key in one file, as HAProxy's `crt` takes them."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    both = tmp_path / "store-audit.pem"
    both.write_text(cert.read_text() + key.read_text())
    return both


@pytest.fixture
def plain_balancer(stand_ins, tmp_path):
    port = free_port()
    config = balancer.local_config([r.address for r in stand_ins], f"127.0.0.1:{port}")
    running = balancer.start(config, tmp_path / "haproxy", port)
    yield port, running
    running.stop()


def get(port: int, path: str = "/", headers: dict | None = None, tls: ssl.SSLContext | None = None):
    """One request on a new connection, as a new browser tab would make: (status, headers, JSON body or None)."""
    if tls:
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=tls, timeout=10)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    is_json = response.status == 200 and body.startswith(b"{")
    return response.status, response.headers, json.loads(body) if is_json else None


def replica_cookie(headers) -> str | None:
    """The value of the balancer's cookie in a Set-Cookie header, e.g. 'app2'."""
    match = re.search(rf"{COOKIE}=([^;]+)", headers.get("Set-Cookie") or "")
    return match.group(1) if match else None


def test_haproxy_accepts_the_shipped_file_as_it_is(certificate, tmp_path):
    shipped = balancer.SHIPPED.read_text()
    assert balancer.SHIPPED_CERTIFICATE in shipped
    config = tmp_path / "haproxy.cfg"  # only the certificate's path changed: HAProxy loads the file it names
    config.write_text(shipped.replace(balancer.SHIPPED_CERTIFICATE, str(certificate)))
    checked = balancer.check(config)
    assert checked.returncode == 0, checked.stdout
    assert "WARNING" not in checked.stdout and "ALERT" not in checked.stdout, checked.stdout


def test_haproxy_accepts_the_local_configurations(certificate, tmp_path):
    replicas = ["127.0.0.1:8601", "127.0.0.1:8602", "127.0.0.1:8603"]
    for name, text in {
        "plain": balancer.local_config(replicas, "127.0.0.1:8080"),
        "tls": balancer.local_config(replicas, "127.0.0.1:8443", certificate, "127.0.0.1:8081"),
    }.items():
        config = tmp_path / f"{name}.cfg"
        config.write_text(text)
        checked = balancer.check(config)
        assert checked.returncode == 0 and "WARNING" not in checked.stdout, (name, checked.stdout)
        assert "daemon" not in text and "chroot" not in text  # run in the foreground by whoever starts it


def test_a_local_configuration_fails_loudly_when_the_shipped_file_changes_under_it(monkeypatch, tmp_path):
    changed = tmp_path / "haproxy.cfg"
    changed.write_text(balancer.SHIPPED.read_text().replace("server app3 10.0.0.13:8501", "server app3 10.0.0.99:8501"))
    monkeypatch.setattr(balancer, "SHIPPED", changed)
    with pytest.raises(AssertionError, match="deploy/haproxy.cfg no longer has"):
        balancer.local_config(["127.0.0.1:8601"], "127.0.0.1:8080")


def test_a_browser_stays_on_its_replica_and_new_browsers_are_spread(plain_balancer, stand_ins):
    port, _ = plain_balancer
    status, headers, body = get(port)
    assert status == 200
    cookie = replica_cookie(headers)
    set_cookie = headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Secure" not in set_cookie
    served = {body["replica"] for _ in range(10) for body in [get(port, headers={"Cookie": f"{COOKIE}={cookie}"})[2]]}
    assert served == {body["replica"]}, "a browser with the cookie must always reach the same replica"
    assert f"replica{cookie[-1]}" == body["replica"], "the cookie names the replica that answered"
    # `indirect`: the balancer's cookie is taken off before the request reaches the app.
    seen = get(port, headers={"Cookie": f"{COOKIE}={cookie}; audit_session=abc"})[2]["headers"]
    assert seen.get("cookie") == "audit_session=abc"
    new_browsers = {get(port)[2]["replica"] for _ in range(9)}
    assert new_browsers == {"replica1", "replica2", "replica3"}


def test_a_browser_whose_replica_dies_goes_on_with_another(plain_balancer, stand_ins):
    port, _ = plain_balancer
    _, headers, body = get(port)
    cookie = replica_cookie(headers)
    dead = next(r for r in stand_ins if r.name == body["replica"])
    dead.stop()
    started = time.monotonic()
    status, headers, body = get(port, headers={"Cookie": f"{COOKIE}={cookie}"})
    took = time.monotonic() - started
    assert status == 200 and body["replica"] != dead.name
    new_cookie = replica_cookie(headers)
    assert new_cookie not in (None, cookie), "the cookie is rewritten to name the replica now serving it"
    assert took < 5, f"the failover took {took:.1f} s"
    again = get(port, headers={"Cookie": f"{COOKIE}={new_cookie}"})[2]
    assert again["replica"] == body["replica"]


def test_a_replica_failing_its_health_check_gets_no_new_browsers(plain_balancer, stand_ins):
    port, running = plain_balancer
    sick = stand_ins[1]
    wait_for(lambda: sick.health_checks > 0)  # HAProxy checks the route the file names
    sick.health = 503
    wait_for(lambda: "replicas/app2 is DOWN" in running.log.read_text(errors="replace"))
    assert {get(port)[2]["replica"] for _ in range(9)} == {"replica1", "replica3"}
    sick.health = 200
    wait_for(lambda: "replicas/app2 is UP" in running.log.read_text(errors="replace"))


def test_the_address_headers_the_app_trusts_are_the_balancers_own(plain_balancer):
    port, _ = plain_balancer
    forged = {"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    seen = get(port, headers=forged)[2]["headers"]
    assert (seen["x-real-ip"], seen["x-forwarded-for"], seen["x-forwarded-proto"]) == ("127.0.0.1", "127.0.0.1", "http")
    assert seen["host"] == f"127.0.0.1:{port}", "the app compares Host, with its port, with the page's Origin"


def test_an_upload_larger_than_the_app_takes_is_refused_unread(plain_balancer):
    port, _ = plain_balancer
    for length, expected in ((MAX_BODY + 1, 413), (1000, 200)):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.putrequest("POST", "/_stcore/upload_file/x/y")
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        if expected == 200:
            connection.send(b"x" * length)
        assert connection.getresponse().status == expected
        connection.close()


def test_over_tls_the_cookie_is_secure_https_is_told_and_plain_http_redirected(stand_ins, certificate, tmp_path):
    https_port, http_port = free_port(), free_port()
    config = balancer.local_config(
        [r.address for r in stand_ins], f"127.0.0.1:{https_port}", certificate, f"127.0.0.1:{http_port}"
    )
    running = balancer.start(config, tmp_path / "haproxy", https_port)
    try:
        tls = ssl.create_default_context(cafile=str(certificate))
        status, headers, body = get(https_port, tls=tls)
        assert status == 200 and body["headers"]["x-forwarded-proto"] == "https"
        assert "Secure" in headers["Set-Cookie"] and replica_cookie(headers)
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        status, headers, _ = get(http_port, "/?page=overview")
        assert status == 301 and headers["Location"] == f"https://127.0.0.1:{http_port}/?page=overview"
    finally:
        running.stop()
