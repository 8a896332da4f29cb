"""GET /api/ready (audit/web.py), what the balancer checks before it sends a replica browsers: 503 until the
process has opened its database (with PostgreSQL, loaded its DuckDB copy), 200 after, and the database it
opened is the one the pages use. An open that fails leaves it at 503, says nothing of why to the caller (the
log does), and the next check tries again."""

from __future__ import annotations

import asyncio
import threading

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware

from audit import opening, web
from tests.helpers.servers import wait_for
from tools.local_postgres import free_port


@pytest.fixture
def app(data_dir, backend, request, monkeypatch):
    """The app's routes as server.py mounts them, with a readiness state of their own, on this test's data
    folder (with --backend postgres, on a fresh PostgreSQL database through a copy in that folder)."""
    monkeypatch.setattr(web, "database_opening", web.DatabaseOpening())
    if backend == "postgres":
        monkeypatch.setenv("AUDIT_DATABASE_URL", request.getfixturevalue("postgres_url"))
    return Starlette(routes=web.ROUTES, middleware=[Middleware(web.SecurityHeaders)])


def answer(app, path: str = web.READY_PATH) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a GET as the balancer sends it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8501),
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    headers = {name.decode().lower(): value.decode() for name, value in sent[0]["headers"]}
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], headers, body.decode()


def get(app) -> tuple[int, str]:
    status, _, body = answer(app)
    return status, body


def test_ready_is_503_until_the_database_is_open_then_200_and_pages_get_that_database(app, monkeypatch):
    release, opened = threading.Event(), []

    def slow_open():  # the copy still loading, until the test lets it finish
        release.wait(timeout=60)
        opened.append(opening.shared_database())
        return opened[-1]

    monkeypatch.setattr(web, "shared_database", slow_open)
    assert get(app) == (503, "starting\n")
    assert get(app)[0] == 503, "still loading"
    release.set()
    wait_for(lambda: get(app)[0] == 200)
    assert get(app) == (200, "ready\n")
    assert len(opened) == 1, "checks made while it loaded did not start another open"
    assert opening.shared_database() is opened[0], "the pages use the database the check opened"
    with opened[0].write() as cur:  # open for writing, migrated
        assert cur.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_a_database_that_does_not_open_keeps_ready_at_503_without_saying_why_and_is_tried_again(
    app, backend, monkeypatch, caplog
):
    good_url = opening.config.database_url()
    unreachable = f"postgresql://audit:s3cret-password@127.0.0.1:{free_port()}/store_audit"
    monkeypatch.setenv("AUDIT_DATABASE_URL", unreachable)
    assert get(app)[0] == 503
    wait_for(lambda: "the database did not open" in caplog.text)
    status, body = get(app)  # the failed open is behind it: this check starts a second one
    assert (status, body) == (503, "starting\n")
    assert "s3cret" not in body and "127.0.0.1" not in body and "Error" not in body
    if good_url:
        monkeypatch.setenv("AUDIT_DATABASE_URL", good_url)
    else:
        monkeypatch.delenv("AUDIT_DATABASE_URL")
    wait_for(lambda: get(app)[0] == 200)
    assert caplog.text.count("the database did not open") >= 1


def test_the_readiness_answer_is_not_cached_and_carries_the_security_headers(app):
    wait_for(lambda: get(app)[0] == 200)
    status, headers, _ = answer(app)
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
