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
    return data_dir() / "audit.duckdb"


def photo_dir() -> Path:
    path = data_dir() / "photos"
    path.mkdir(parents=True, exist_ok=True)
    return path


SESSION_DAYS = int(os.environ.get("AUDIT_SESSION_DAYS", "7"))
# A user name is locked for SIGNIN_LOCK_MINUTES after SIGNIN_MAX_FAILURES wrong passwords in a row.
SIGNIN_MAX_FAILURES = int(os.environ.get("AUDIT_SIGNIN_MAX_FAILURES", "5"))
SIGNIN_LOCK_MINUTES = int(os.environ.get("AUDIT_SIGNIN_LOCK_MINUTES", "15"))
