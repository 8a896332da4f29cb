"""What the web server adds around the Streamlit app (server.py mounts it with st.App):

- security headers on every HTTP response: the app cannot be framed by another site (clickjacking), and
  browsers do not guess content types;
- the session cookie, set by the server as HttpOnly (a script on the page, even an injected one, cannot
  read it): after a sign-in the page trades a one-time ticket for it at POST /api/session; DELETE signs
  the browser out and clears it;
- a readiness route for the load balancer, GET /api/ready: 503 until the process has opened its database
  (with PostgreSQL, loaded its DuckDB copy: minutes at field scale), 200 after. Streamlit's /_stcore/health
  answers as soon as the server listens, so a balancer checking only that would send a tablet to a replica
  that then keeps its first page waiting for the copy.

Starlette only; no Streamlit import, so it is tested as a plain ASGI app.
"""

from __future__ import annotations

import logging
import threading

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from audit import auth, config
from audit.opening import shared_database

SESSION_COOKIE = "audit_session"
SESSION_PATH = "/api/session"
READY_PATH = "/api/ready"
SECURITY_HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (plain ASGI: websockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *(h for h in SECURITY_HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_https(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto") if config.TRUST_PROXY_HEADER else None
    return (forwarded or request.url.scheme) == "https"


def _same_origin(request: Request) -> bool:
    """A cross-site page must not be able to plant its own session in a victim's browser (login CSRF)."""
    origin = request.headers.get("origin")
    return origin is not None and origin.split("://", 1)[-1] == request.headers.get("host")


async def session_cookie(request: Request) -> Response:
    db = shared_database()
    if request.method == "DELETE":
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await run_in_threadpool(auth.end_session, db, token)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_is_https(request))
        return response
    if not _same_origin(request):
        return Response(status_code=403)
    ticket = (await request.body())[:200].decode("ascii", errors="replace")
    token = await run_in_threadpool(auth.redeem_cookie_ticket, db, ticket)
    if token is None:
        return Response(status_code=403)
    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=config.SESSION_DAYS * 24 * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_is_https(request),
    )
    return response


class DatabaseOpening:
    """The process's database (the one every page uses), opened in a thread of its own by the first readiness
    check, so the check answers at once while a replica loads its copy. An open that fails is logged and
    tried again by the next check (PostgreSQL may come up after the replica)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._open = False

    def ready(self) -> bool:
        with self._lock:
            if self._open:
                return True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="open-database", daemon=True)
                self._thread.start()
            return False

    def _run(self) -> None:
        try:
            shared_database()
        except Exception:  # the log says why; the balancer keeps browsers away until an open succeeds
            logging.getLogger(__name__).exception("the database did not open; the next readiness check tries again")
            return
        with self._lock:
            self._open = True


database_opening = DatabaseOpening()


async def readiness(request: Request) -> Response:
    """200 once this process's database is open, else 503 (and the open begins). Says nothing else: the route
    answers anyone who reaches the replica."""
    if database_opening.ready():
        return Response("ready\n", status_code=200, media_type="text/plain", headers={"Cache-Control": "no-store"})
    return Response("starting\n", status_code=503, media_type="text/plain", headers={"Cache-Control": "no-store"})


ROUTES = [
    Route(SESSION_PATH, session_cookie, methods=["POST", "DELETE"]),
    Route(READY_PATH, readiness, methods=["GET"]),
]
