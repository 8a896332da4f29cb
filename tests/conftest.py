"""Fixtures: every test gets its own data directory; the demo database is built once and copied."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from audit.db import Database

DEMO_TODAY = date(2026, 11, 20)
DEMO_SIZE = dict(stores=40, weeks=6, seed=7, photos=8, today=DEMO_TODAY)


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("AUDIT_DATA_DIR", str(path))
    return path


@pytest.fixture
def db(data_dir) -> Database:
    database = Database(data_dir / "audit.duckdb")
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A small demo data directory (database + photos), generated once per test run."""
    from audit.demo import generate_demo

    path = tmp_path_factory.mktemp("demo_template")
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIT_DATA_DIR", str(path))
    database = Database(path / "audit.duckdb")
    generate_demo(database, **DEMO_SIZE)
    database.close()
    mp.undo()
    return path


@pytest.fixture
def demo_dir(demo_template, tmp_path, monkeypatch) -> Path:
    """A private copy of the demo data directory, set as AUDIT_DATA_DIR."""
    path = tmp_path / "demo"
    shutil.copytree(demo_template, path)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(path))
    return path


@pytest.fixture
def demo_db(demo_dir) -> Database:
    from audit.db import shared_database

    return shared_database(demo_dir / "audit.duckdb")
