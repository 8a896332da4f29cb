"""Where the app keeps its data, taken from the environment."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir() -> Path:
    """AUDIT_DATA_DIR, default ./data next to the code; created on first use, for its owner alone (0700)."""
    path = Path(os.environ.get("AUDIT_DATA_DIR") or DEFAULT_DATA_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def database_path() -> Path:
    """The embedded DuckDB file; with AUDIT_DATABASE_URL, this process's copy of the shared database."""
    return data_dir() / "audit.duckdb"


def database_url() -> str | None:
    """AUDIT_DATABASE_URL (postgresql://…): the shared PostgreSQL database several app processes write to.
    Unset (the default), the app runs on its embedded DuckDB file alone."""
    return os.environ.get("AUDIT_DATABASE_URL") or None


def photo_dir() -> Path:
    """AUDIT_PHOTO_DIR, default AUDIT_DATA_DIR/photos: the photo files, each under its hash. Replicas of the app
    share one such folder, while each keeps its own data folder (its DuckDB copy of the shared database)."""
    configured = os.environ.get("AUDIT_PHOTO_DIR")
    path = Path(configured) if configured else data_dir() / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


SESSION_DAYS = int(os.environ.get("AUDIT_SESSION_DAYS", "7"))
# Sign-in is paused for SIGNIN_LOCK_MINUTES for a client (browser address) after SIGNIN_CLIENT_MAX_FAILURES
# wrong passwords in a row, and for a user name after SIGNIN_MAX_FAILURES (from any clients). The name's limit
# must be higher: then one client alone can never lock somebody else's name.
SIGNIN_CLIENT_MAX_FAILURES = int(os.environ.get("AUDIT_SIGNIN_CLIENT_MAX_FAILURES", "5"))
SIGNIN_MAX_FAILURES = max(int(os.environ.get("AUDIT_SIGNIN_MAX_FAILURES", "20")), SIGNIN_CLIENT_MAX_FAILURES + 1)
SIGNIN_LOCK_MINUTES = int(os.environ.get("AUDIT_SIGNIN_LOCK_MINUTES", "15"))
# Behind the shipped reverse proxy (deploy/), the client's address is the X-Real-IP header it sets; trusted
# only when this is set, since anyone can send that header straight to the app.
TRUST_PROXY_HEADER = os.environ.get("AUDIT_TRUST_PROXY", "") == "1"
