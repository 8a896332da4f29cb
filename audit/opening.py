"""Opening the app's database for use: the file and its migrations (audit.db), then the per-audit counts
scoring keeps, for audits stored before those counts existed (an older database, a restored backup).
The database layer knows nothing of scoring; this is the one step that prepares a database, and every
place that opens one for the app, a task or a restore goes through it."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb

from audit import config, pg, scoring
from audit.db import Database, DatabaseDamaged
from audit.replica import ReplicatedDatabase


def open_database(path: Path | str | None = None) -> Database:
    """The database at `path` (the configured one by default), migrated and with every audit counted. With
    AUDIT_DATABASE_URL, the shared PostgreSQL database (migrated once, whichever process comes first) through
    this process's DuckDB copy at `path`, which counts the audits that arrive."""
    url = config.database_url()
    if url:
        pg.migrate(url)
        return ReplicatedDatabase(url, path, on_change=scoring.follow_changes)
    return open_embedded(path)


def open_embedded(path: Path | str | None = None) -> Database:
    """The embedded DuckDB file at `path`, migrated and with every audit counted, whatever AUDIT_DATABASE_URL
    says (a restore checks a backup's file this way before it goes anywhere)."""
    db = Database(path)
    try:
        scoring.fill_missing(db)
    except duckdb.IOException as exc:  # a damaged block met while reading (DuckDB checks each block's checksum)
        db.close()
        raise DatabaseDamaged(db.path, str(exc)) from exc
    except BaseException:
        db.close()
        raise
    return db


_open_databases: dict[Path, Database] = {}
_open_lock = threading.Lock()


def shared_database(path: Path | str | None = None) -> Database:
    """The process's one Database for a file (the app, its tests and tasks share it)."""
    resolved = Path(path or config.database_path()).resolve()
    with _open_lock:
        if resolved not in _open_databases:
            _open_databases[resolved] = open_database(resolved)
        return _open_databases[resolved]


def close_shared_databases() -> None:
    """Close every database shared_database opened (the next call opens afresh): for tests, each with its own
    data directory, and for a task that must let go of the file."""
    with _open_lock:
        while _open_databases:
            _open_databases.popitem()[1].close()
