"""An empty database on the back end the run tests (pytest --backend), for tests that build their own: one per
module (a demo built once), or several in one test (the same demo built twice)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from audit.db import Database
from audit.opening import open_database


def empty_database(directory: Path, request: pytest.FixtureRequest) -> Database:
    """An empty database in `directory`: the embedded DuckDB file, or with --backend postgres a new database on
    the run's PostgreSQL seen through a DuckDB copy in `directory`, opened as the app opens it. Closed (and the
    PostgreSQL database dropped) when `request`'s test or fixture ends."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "audit.duckdb"
    if request.config.getoption("--backend") == "postgres":
        server = request.getfixturevalue("postgres_server")
        name = f"own_{uuid.uuid4().hex[:12]}"
        url = server.create_database(name)
        request.addfinalizer(lambda: server.drop_database(name))  # runs after the close below (last in, first out)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AUDIT_DATABASE_URL", url)
            database = open_database(path)
    else:
        database = Database(path)
    request.addfinalizer(database.close)
    return database
