"""Uploads only from signed-in sessions, and at most UPLOAD_BUDGET bytes held per session (issue 13).

Why: Streamlit takes `PUT /_stcore/upload_file/<session id>/<file id>` from any session that has an open
websocket, signed in or not, and keeps every file in memory until the session ends (minutes after the tab
closes): 20 × 45 MB from the sign-in page took the server from 336 MB to 1.24 GB. Streamlit offers no hook
for either rule when started with `streamlit run`, so `install()` wraps two methods of the running
instances (never the classes), written against Streamlit 1.67.0 as pinned in requirements.txt:

- `Runtime.is_active_session`, which in 1.67 only the upload route calls, before it reads the body: for a
  session whose user is not signed in it answers False, and the route refuses with 400 and stores nothing.
- `MemoryUploadedFileManager.add_file`, which the route calls with the file read: it checks the user again,
  releases the session's files no widget holds any more (an upload younger than RECENT_SECONDS counts as
  held: the browser sends the widget's new value just after the file), and refuses with 413 a file that
  would take the session over the budget.

tests/unit/test_upload_limits.py drives Streamlit's own upload route through these hooks and fails if the pin,
the route's code or the pieces used here change; tests/browser/test_browser_upload_memory.py measures the server.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

from audit import auth
from audit.opening import shared_database

if TYPE_CHECKING:
    from streamlit.runtime import Runtime
    from streamlit.runtime.uploaded_file_manager import UploadedFileRec

STREAMLIT_VERSION = "1.67.0"  # the version these hooks were written and tested against
UPLOAD_BUDGET = int(float(os.environ.get("AUDIT_UPLOAD_BUDGET_MB", "60")) * 1024 * 1024)
RECENT_SECONDS = 60
_INSTALLED = "_audit_upload_guard"
_INSTALL_LOCK = threading.Lock()
_LOG = logging.getLogger(__name__)


def install() -> None:
    """Install the hooks on the running server once (later calls do nothing). Without a server (bare
    mode) or under AppTest (a mock Runtime; its script runner keeps its own files) there is nothing to guard.
    A server that keeps uploads some other way stops every page here rather than run unguarded."""
    from unittest import mock

    from streamlit import runtime
    from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

    if not runtime.exists() or isinstance(runtime.get_instance(), mock.Mock):
        return
    instance = runtime.get_instance()
    with _INSTALL_LOCK:  # two first page views at once must not wrap twice
        if getattr(instance, _INSTALLED, False):
            return
        if not isinstance(instance.uploaded_file_mgr, MemoryUploadedFileManager):
            raise RuntimeError(f"Streamlit keeps uploads unlike {STREAMLIT_VERSION}: review audit/ui/upload_guard.py")
        guard = UploadGuard(instance)
        # Streamlit's own methods are replaced on purpose: the guard is this wrapping (module docstring).
        instance.is_active_session = guard.is_active_and_signed_in  # type: ignore[method-assign]
        instance.uploaded_file_mgr.add_file = guard.add_file  # type: ignore[method-assign]
        setattr(instance, _INSTALLED, True)


class UploadGuard:
    def __init__(self, runtime: Runtime, budget: int = UPLOAD_BUDGET) -> None:
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager

        self._runtime = runtime
        files = runtime.uploaded_file_mgr
        assert isinstance(files, MemoryUploadedFileManager)  # install() refuses a server that keeps them otherwise
        self._files = files
        self._is_active_session = runtime.is_active_session
        self._add_file = self._files.add_file
        self._budget = budget
        self._uploaded_at: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()  # one upload of a session at a time past the checks

    def is_active_and_signed_in(self, session_id: str) -> bool:
        return self._is_active_session(session_id) and self._signed_in(session_id)

    def add_file(self, session_id: str, file: UploadedFileRec) -> None:
        from starlette.exceptions import HTTPException

        if not self._signed_in(session_id):
            raise HTTPException(status_code=403, detail="Sign in first")
        with self._lock:
            held = self._release_unheld(session_id)
            if held + len(file.data) > self._budget:
                _LOG.warning(
                    "Upload refused: session %s would hold %d bytes (budget %d)",
                    session_id,
                    held + len(file.data),
                    self._budget,
                )
                raise HTTPException(status_code=413, detail="Upload budget of this session used up")
            self._add_file(session_id, file)
            self._uploaded_at[session_id, file.file_id] = time.monotonic()

    def _signed_in(self, session_id: str) -> bool:
        session = self._runtime.get_app_session(session_id)
        if session is None:
            return False
        try:
            token = session.session_state["session_token"]
            return auth.user_for_session(shared_database(), token) is not None
        except KeyError:  # no run has read the sign-in cookie yet
            return False
        except Exception:  # the database unavailable (a task holds it): refuse rather than guess
            _LOG.exception("Upload refused: could not check the session's user")
            return False

    def _release_unheld(self, session_id: str) -> int:
        """Remove the session's files that no widget holds and that are not recent; the bytes left."""
        stored = dict(self._files.file_storage.get(session_id, {}))
        held_ids = self._held_file_ids(session_id)
        now = time.monotonic()
        for file_id in list(stored):
            recent = now - self._uploaded_at.get((session_id, file_id), 0) < RECENT_SECONDS
            if held_ids is not None and file_id not in held_ids and not recent:
                self._files.remove_file(session_id, file_id)
                del stored[file_id]
        self._uploaded_at = {
            key: at for key, at in self._uploaded_at.items() if key[0] != session_id or key[1] in stored
        }
        return sum(len(rec.data) for rec in stored.values())

    def _held_file_ids(self, session_id: str) -> set[str] | None:
        """Ids of the files the session's widgets hold (file uploader, camera), or None if unknown."""
        session = self._runtime.get_app_session(session_id)
        if session is None:
            return set()
        state = session.session_state
        try:
            held = {
                info.file_id
                for widget in state.get_widget_states()
                if widget.WhichOneof("value") == "file_uploader_state_value"
                for info in widget.file_uploader_state_value.uploaded_file_info
            }
            for value in list(state._old_state.values()):  # values kept from earlier runs, deserialized
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    if isinstance(getattr(item, "file_id", None), str):
                        held.add(item.file_id)
        except Exception:  # the script thread changed the state meanwhile: release nothing this time
            return None
        return held
