"""Fixtures: every test gets its own data directory; the demo database is built once and copied."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from audit import auth, capture, pg, photos
from audit.db import Database
from audit.opening import close_shared_databases, open_database, shared_database
from tests.helpers.audits import complete_answers, picture
from tests.helpers.browser import CHROMIUM, CHROMIUM_ARGS, SERVERS, running_app
from tests.helpers.demo import DEMO_SIZE
from tools import local_postgres


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("AUDIT_DATA_DIR", str(path))
    return path


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="postgres: the `db` fixture is a throwaway PostgreSQL database seen through a DuckDB copy",
    )


@pytest.fixture
def backend(request) -> str:
    return request.config.getoption("--backend")


@pytest.fixture
def db(data_dir, backend, request, monkeypatch) -> Database:
    """An empty database: the embedded DuckDB file, or with --backend postgres the shared-database set-up
    (a fresh PostgreSQL database, this test's DuckDB copy of it), opened as the app opens it."""
    if backend == "postgres":
        monkeypatch.setenv("AUDIT_DATABASE_URL", request.getfixturevalue("postgres_url"))
        database = open_database(data_dir / "audit.duckdb")
    else:
        database = Database(data_dir / "audit.duckdb")
    yield database
    database.close()


@pytest.fixture(scope="session")
def postgres_server() -> local_postgres.LocalPostgres:
    """One throwaway PostgreSQL for the run: Debian's binaries in a temporary folder, on a free port."""
    server = local_postgres.start()
    yield server
    server.stop()


_postgres_databases = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the run's PostgreSQL, dropped after the test."""
    name = f"t_{next(_postgres_databases)}"
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """A small demo data directory (database + photos), generated once per test run; or the one AUDIT_TEST_DEMO
    names, made by this code before (make mutants makes one for the thousand test runs of its mutants)."""
    from audit.demo import generate_demo

    if os.environ.get("AUDIT_TEST_DEMO"):
        return Path(os.environ["AUDIT_TEST_DEMO"])
    path = tmp_path_factory.mktemp("demo_template")
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIT_DATA_DIR", str(path))
    database = Database(path / "audit.duckdb")
    generate_demo(database, **DEMO_SIZE)
    database.close()
    mp.undo()
    return path


@pytest.fixture
def demo_dir(demo_template, tmp_path, monkeypatch, backend, request) -> Path:
    """A private copy of the demo data directory, set as AUDIT_DATA_DIR. With --backend postgres the demo's
    rows are moved into a fresh PostgreSQL database, and the folder's DuckDB file becomes a copy of that."""
    path = tmp_path / "demo"
    shutil.copytree(demo_template, path)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(path))
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        pg.migrate(url)
        pg.copy_from_duckdb(url, path / "audit.duckdb")
        (path / "audit.duckdb").unlink()
        monkeypatch.setenv("AUDIT_DATABASE_URL", url)
    return path


@pytest.fixture
def demo_db(demo_dir) -> Database:
    """The process's shared database on the demo copy: the one the pages under AppTest open too."""
    return shared_database(demo_dir / "audit.duckdb")


@pytest.fixture(autouse=True)
def _shared_databases_closed():
    """Whatever a test opened through shared_database (demo_db, the pages it ran) is closed after it."""
    yield
    close_shared_databases()


@pytest.fixture
def app_url(demo_dir, tmp_path):
    log_path = tmp_path / "server.log"
    with running_app(demo_dir, log_path) as (url, server):
        SERVERS[url] = server
        yield url
        SERVERS.pop(url)
    print(f"server log ({log_path.stat().st_size} bytes): " + log_path.read_text(errors="replace")[-3000:])


@pytest.fixture
def browser():
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def draft_app(demo_dir, request):
    """A draft of merch01's first store, made before the app opens the database: every product in stock,
    the first one's shelf price left for the browser to type, an observation compared with the first
    product at a normal price of 650.00, and two photos attached."""
    db = Database(demo_dir / "audit.duckdb")
    user = auth.get_user(db, "merch01")
    store = capture.store_queue(db, user, "en").code.iloc[0]
    draft = capture.open_draft(db, user, store)
    checklist = capture.checklist(db, user, store, "en")
    draft.answers = complete_answers(checklist)
    for line in draft.answers["shelf"].values():
        line.update(in_stock=True, facings=3, shelf_level=2, fifo_ok=True, near_expiry=False, damaged=False)
    first = checklist.skus.iloc[0]
    draft.answers["price"][first.code]["shelf_price"] = None
    draft.answers["competitors"][0].update(product_code=first.code, normal_price=650.0, flash_price=2.5)
    capture.save_draft(db, draft)
    for seed, section in ((1, "store"), (2, "shelf")):
        capture.add_draft_photo(db, draft, photos.process_photo(picture(seed)), section)
    db.close()
    return request.getfixturevalue("app_url"), store, first
