"""Day one: a company's own master data with no audit history, and a tiny demo. Every page opens for every
role in both languages, and a merchandiser can open, start and submit an audit of a store never audited."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from audit import auth, capture
from audit.db import Database
from audit.demo import generate_demo
from audit.i18n import fmt_date, fmt_money
from audit.masterdata import apply_import, prepare_import
from audit.settings import ScoringSettings
from audit.ui.navigation import page_specs_for
from audit.values import is_missing
from tests.helpers.apptest import APP
from tests.helpers.paths import ROOT

SAMPLES = ROOT / "data" / "samples"
IMPORT_ORDER = ("dealers", "products", "pop_types", "competitors", "users", "stores")


@pytest.fixture
def empty_db(data_dir, backend, request, monkeypatch) -> Database:
    """The process's shared database in an empty data folder, the one the pages open: with --backend postgres
    a fresh PostgreSQL database (AUDIT_DATABASE_URL, which the pages' shared_database honours too)."""
    from audit.opening import shared_database

    if backend == "postgres":
        monkeypatch.setenv("AUDIT_DATABASE_URL", request.getfixturevalue("postgres_url"))
    db = shared_database(data_dir / "audit.duckdb")
    assert db.dialect == backend  # writes go where the run says
    return db


@pytest.fixture
def imported_db(empty_db) -> Database:
    """Only the sample files a company would import: no audits, drafts, plans or photos."""
    db = empty_db
    for kind in IMPORT_ORDER:
        plan = prepare_import(db, kind, (SAMPLES / f"{kind}.csv").read_bytes(), f"{kind}.csv")
        assert plan.ok, [p for p in plan.problems]
        apply_import(db, plan)
    return db


@pytest.fixture
def tiny_demo_db(empty_db) -> Database:
    generate_demo(empty_db, stores=6, weeks=1, seed=3, photos=2)
    return empty_db


def signed_in(db: Database, username: str, lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.session_state["session_token"] = auth.start_session(db, username)
    return at.run()


def users_by_role(db: Database) -> dict[str, str]:
    rows = db.cursor().execute("SELECT role, min(username) FROM users WHERE active GROUP BY role").fetchall()
    return dict(rows)


def every_page_opens(db: Database) -> int:
    opened = 0
    for role, username in users_by_role(db).items():
        user = auth.get_user(db, username)
        for spec in page_specs_for(user):
            for lang in ("en", "zh"):
                at = signed_in(db, username, lang).switch_page(spec.path).run()
                assert not at.exception, (role, spec.path, lang, at.exception)
                assert not at.error, (role, spec.path, lang, [e.value for e in at.error])
                opened += 1
    return opened


def test_every_page_opens_for_every_role_on_imported_master_data(imported_db):
    assert users_by_role(imported_db).keys() >= {"admin", "manager", "merchandiser", "dealer"}
    assert every_page_opens(imported_db) > 30


def test_every_page_opens_for_every_role_on_a_tiny_demo(tiny_demo_db):
    assert every_page_opens(tiny_demo_db) > 30


def audit_a_store_never_audited(db: Database, username: str, lang: str) -> None:
    user = auth.get_user(db, username)
    queue = capture.store_queue(db, user, lang)
    never = queue[queue.last_visit.isna()]
    assert len(never), "the world must hold a store never audited"
    code = never.code.iloc[0]
    at = signed_in(db, username, lang).switch_page("views/capture.py").run()
    assert not at.exception, at.exception
    # Every store of the queue is listed, the never-audited ones included.
    listed = {b.key.removeprefix("open_") for b in at.button if b.key and b.key.startswith("open_")}
    assert set(queue.code.head(60)) <= listed
    next(b for b in at.button if b.key == f"open_{code}").click().run()
    assert not at.exception, at.exception
    next(b for b in at.button if b.key == "capture_start").click().run()
    assert not at.exception, at.exception
    assert capture.get_draft(db, user, code) is not None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_merchandiser_starts_an_audit_of_an_imported_store(imported_db, lang):
    audit_a_store_never_audited(imported_db, "zhang.min", lang)


def test_a_merchandiser_starts_an_audit_of_a_never_audited_store_in_a_tiny_demo(tiny_demo_db):
    user = users_by_role(tiny_demo_db)["merchandiser"]
    merchandisers = [
        r[0]
        for r in tiny_demo_db.cursor()
        .execute(
            """SELECT DISTINCT s.merchandiser FROM stores s
           WHERE NOT EXISTS (SELECT 1 FROM audits a WHERE a.store_code = s.code) ORDER BY 1"""
        )
        .fetchall()
    ]
    assert merchandisers, user
    audit_a_store_never_audited(tiny_demo_db, merchandisers[0], "en")


@pytest.mark.parametrize("gap", [None, float("nan"), pd.NA, pd.NaT])
def test_a_gap_of_any_kind_formats_as_a_dash_and_has_no_band(gap):
    assert is_missing(gap)
    assert fmt_date(gap, "en") == fmt_money(gap) == "—"
    assert ScoringSettings().band(gap) is None
    assert not is_missing(0) and not is_missing("") and ScoringSettings().band(0.0) == "red"
