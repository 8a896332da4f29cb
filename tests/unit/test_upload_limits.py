"""Issue 13: no upload before sign-in, a budget per session, one size limit. Streamlit's own upload route
(the Starlette handler `streamlit run` serves) is driven through the hooks of audit/ui/upload_guard.py;
the last tests fail loudly when the Streamlit these hooks were written against changes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import streamlit
from streamlit import config as st_config
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.state.session_state import SessionState
from streamlit.web.server.starlette.starlette_routes import create_upload_routes

from audit import auth, photos
from audit.ui import upload_guard
from tests.helpers.paths import ROOT

MB = 1024 * 1024


class FakeSession:
    """What the guard reads of Streamlit's AppSession: its session state."""

    def __init__(self, token: str | None):
        self.session_state = SessionState()
        if token is not None:
            self.session_state["session_token"] = token

    def hold(self, *file_ids: str) -> None:
        """The browser's file uploader now holds these files (as its widget state says on a rerun)."""
        states = WidgetStates()
        widget = states.widgets.add()
        widget.id = "$$ID-uploader"
        for file_id in file_ids:
            widget.file_uploader_state_value.uploaded_file_info.add(file_id=file_id, name=file_id, size=1)
        self.session_state._new_widget_state.states.clear()
        self.session_state.set_widgets_from_proto(states)


class FakeRuntime:
    """The parts of Streamlit's Runtime the upload route and the guard use, with a real file manager."""

    def __init__(self):
        self.uploaded_file_mgr = MemoryUploadedFileManager("/_stcore/upload_file")
        self.sessions: dict[str, FakeSession] = {}

    def is_active_session(self, session_id: str) -> bool:
        return session_id in self.sessions

    def get_app_session(self, session_id: str):
        return self.sessions.get(session_id)


@pytest.fixture
def no_xsrf():
    """The browser's XSRF token is not the subject here (the browser test sends it)."""
    before = st_config.get_option("server.enableXsrfProtection")
    st_config.set_option("server.enableXsrfProtection", False)
    yield
    st_config.set_option("server.enableXsrfProtection", before)


@pytest.fixture
def server(demo_db, no_xsrf):
    """Streamlit's upload route, guarded, with a signed-out session and a merchandiser's."""
    runtime = FakeRuntime()
    runtime.sessions["signed-out"] = FakeSession(None)
    runtime.sessions["forged-token"] = FakeSession("not-a-session-token")
    runtime.sessions["merch01"] = FakeSession(auth.start_session(demo_db, "merch01"))
    guard = upload_guard.UploadGuard(runtime, budget=3 * MB)
    runtime.is_active_session = guard.is_active_and_signed_in
    runtime.uploaded_file_mgr.add_file = guard.add_file
    from starlette.applications import Starlette

    runtime.app = Starlette(routes=create_upload_routes(runtime, runtime.uploaded_file_mgr, None))
    return runtime


def put(runtime: FakeRuntime, session_id: str, file_id: str, size: int) -> int:
    """PUT a file of `size` bytes the way the browser does (multipart, one file); the response status."""
    boundary = "----audit-test"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\n'
            f"Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + b"\xff" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    scope = {
        "type": "http",
        "method": "PUT",
        "path": f"/_stcore/upload_file/{session_id}/{file_id}",
        "raw_path": b"",
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "server": ("t", 80),
        "headers": [
            (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": chunks.pop(0) if chunks else b"", "more_body": bool(chunks)}

    async def send(message):
        sent.append(message)

    asyncio.run(runtime.app(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def held_bytes(runtime: FakeRuntime, session_id: str) -> int:
    return sum(len(f.data) for f in runtime.uploaded_file_mgr.file_storage.get(session_id, {}).values())


@pytest.mark.parametrize("session_id", ["signed-out", "forged-token"])
def test_a_session_not_signed_in_cannot_upload_and_nothing_is_stored(server, session_id):
    assert put(server, session_id, "f1", MB) == 400  # refused before the body is read
    assert held_bytes(server, session_id) == 0


def test_the_file_manager_itself_refuses_a_session_not_signed_in(server):
    """Were the route's first check to stop calling is_active_session, storing would still be refused."""
    from starlette.exceptions import HTTPException
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

    with pytest.raises(HTTPException) as refused:
        server.uploaded_file_mgr.add_file("signed-out", UploadedFileRec("f1", "p.jpg", "image/jpeg", b"x" * MB))
    assert refused.value.status_code == 403
    assert held_bytes(server, "signed-out") == 0


def test_a_signed_out_user_can_no_longer_upload(server, demo_db):
    assert put(server, "merch01", "f1", MB) == 204
    auth.end_session(demo_db, server.sessions["merch01"].session_state["session_token"])
    assert put(server, "merch01", "f2", MB) == 400


def test_a_signed_in_session_holds_at_most_its_budget(server):
    session = server.sessions["merch01"]
    assert put(server, "merch01", "a", MB) == 204
    assert put(server, "merch01", "b", MB) == 204
    session.hold("a", "b")
    assert put(server, "merch01", "c", int(1.5 * MB)) == 413  # 3.5 MB would be over the 3 MB budget
    assert held_bytes(server, "merch01") == 2 * MB
    assert put(server, "merch01", "c", MB) == 204  # exactly the budget
    assert held_bytes(server, "merch01") == 3 * MB


def test_files_no_widget_holds_are_released_for_new_uploads(server, monkeypatch):
    session = server.sessions["merch01"]
    for file_id in ("a", "b", "c"):
        assert put(server, "merch01", file_id, MB) == 204
    session.hold("c")  # the audit moved on: the uploader now shows only c
    assert put(server, "merch01", "d", MB) == 413  # a and b were uploaded a moment ago: kept for the browser
    later = upload_guard.time.monotonic() + upload_guard.RECENT_SECONDS + 1
    monkeypatch.setattr(upload_guard.time, "monotonic", lambda: later)
    assert put(server, "merch01", "d", MB) == 204
    assert set(server.uploaded_file_mgr.file_storage["merch01"]) == {"c", "d"}


@pytest.mark.parametrize(("setting", "budget"), [(None, 60 * MB), ("12", 12 * MB)])
def test_the_budget_comes_from_the_environment(setting, budget):
    env = {k: v for k, v in os.environ.items() if k != "AUDIT_UPLOAD_BUDGET_MB"}
    if setting:
        env["AUDIT_UPLOAD_BUDGET_MB"] = setting
    run = subprocess.run(
        [sys.executable, "-c", "from audit.ui import upload_guard; print(upload_guard.UPLOAD_BUDGET)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == str(budget)


def test_the_servers_upload_limit_is_the_photo_limit():
    """One number: Streamlit refuses a larger file before the app sees it, and the app's message says it."""
    server_config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server_config["maxUploadSize"] * MB == photos.MAX_BYTES


# ---------------------------------------------------------------- the pin: fail loudly when Streamlit changes


def test_streamlit_is_the_version_the_upload_guard_was_written_for():
    pinned = re.search(r"^streamlit==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE).group(1)
    assert streamlit.__version__ == pinned == upload_guard.STREAMLIT_VERSION, (
        "Streamlit changed: re-read how it receives uploads (starlette_routes.create_upload_routes) and "
        "check audit/ui/upload_guard.py before moving the pin"
    )


def test_only_the_upload_route_asks_is_active_session():
    """The guard answers is_active_session for uploads alone: no other caller may rely on it."""
    package = Path(streamlit.__file__).parent
    callers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "runtime.is_active_session(" in path.read_text(encoding="utf-8")
    )
    assert callers == ["web/server/starlette/starlette_routes.py"]
    route = (package / "web/server/starlette/starlette_routes.py").read_text(encoding="utf-8")
    upload = route[route.index("async def _upload_put") : route.index("async def _upload_delete")]
    assert upload.index("runtime.is_active_session(session_id)") < upload.index("await limited_request.form()")
    assert "upload_mgr.add_file(" in upload


def test_the_server_stores_uploads_in_the_manager_the_guard_wraps():
    from streamlit.web.server import server

    assert "MemoryUploadedFileManager(UPLOAD_FILE_ENDPOINT)" in Path(server.__file__).read_text(encoding="utf-8")
    assert hasattr(MemoryUploadedFileManager("/x"), "file_storage")
    assert hasattr(SessionState(), "_old_state")


def test_app_py_installs_the_guard():
    assert "upload_guard.install()" in (ROOT / "app.py").read_text(encoding="utf-8")


def test_install_guards_a_running_server_once(monkeypatch, demo_db):
    from streamlit import runtime

    server = FakeRuntime()
    server.sessions["signed-out"] = FakeSession(None)
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: server)
    upload_guard.install()
    upload_guard.install()  # the next page view: nothing more
    assert server.is_active_session("signed-out") is False
    guarded = server.uploaded_file_mgr.add_file
    assert guarded.__self__.__class__ is upload_guard.UploadGuard
    assert guarded.__self__._add_file.__self__ is server.uploaded_file_mgr  # wrapped once, not twice


def test_install_refuses_a_server_that_keeps_uploads_another_way(monkeypatch):
    from streamlit import runtime

    server = FakeRuntime()
    server.uploaded_file_mgr = object()
    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: server)
    with pytest.raises(RuntimeError, match="review audit/ui/upload_guard.py"):
        upload_guard.install()
