"""The same demo on the embedded DuckDB file and on PostgreSQL (seen through a process's DuckDB copy, as every
replica sees it) gives the same dashboard, visit and export numbers: every page view of the benchmark and a
dealer's summary, compared cell by cell (bench.agreement)."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date

import pandas as pd
import pytest

from audit import pg, scoring
from audit.auth import get_user
from audit.db import Database
from audit.exports.summary import ExportRequest, build_summary
from audit.opening import open_database
from audit.replica import LOCAL_KEYS, ReplicatedDatabase
from bench import agreement
from bench.pages import cases

TODAY = date(2026, 11, 20)  # the demo's last day


@pytest.fixture
def both(demo_template, tmp_path, postgres_url, monkeypatch):
    """(embedded, replica): the demo's own file, and the same rows moved into PostgreSQL with a fresh copy."""
    embedded_dir, replica_dir = tmp_path / "embedded", tmp_path / "replica"
    shutil.copytree(demo_template, embedded_dir)
    replica_dir.mkdir()
    monkeypatch.setenv("AUDIT_DATA_DIR", str(embedded_dir))
    embedded = open_database(embedded_dir / "audit.duckdb")
    pg.migrate(postgres_url)
    copied = pg.copy_from_duckdb(postgres_url, embedded_dir / "audit.duckdb")
    assert copied["audit_lines"] > 1000 and copied["audits"] > 100  # the demo itself, not an empty database
    replica = ReplicatedDatabase(postgres_url, replica_dir / "audit.duckdb", on_change=scoring.follow_changes)
    yield embedded, replica
    replica.close()
    embedded.close()


def _table_rows(db: Database, table: str) -> pd.DataFrame:
    return db.query_df(f"SELECT * FROM {table} ORDER BY ALL")


def test_every_table_and_every_count_arrives_whole(both):
    embedded, replica = both
    for table in [*pg.CHANGE_KEYS, *pg.DERIVED_TABLES]:
        expected, actual = _table_rows(embedded, table), _table_rows(replica, table)
        if table == "app_meta":  # the copy also notes how far into the change log it is, and of which database
            actual = actual[~actual.key.isin(LOCAL_KEYS)].reset_index(drop=True)
        agreement.check_frames(table, expected, actual)
        assert len(expected) == len(actual), table


def test_every_page_view_gives_the_same_numbers(both):
    embedded, replica = both
    compared = filled = 0
    for case, twin in zip(cases(embedded, TODAY), cases(replica, TODAY), strict=True):
        for call, same_call in zip(case.calls, twin.calls, strict=True):
            what = f"{case.page} ({case.filters}): {call.name}"
            expected, actual = call.run(embedded), same_call.run(replica)
            agreement.check(what, expected, actual, call.keys)
            compared += 1
            filled += not (isinstance(expected, pd.DataFrame) and expected.empty)
    assert compared >= 40 and filled >= 35  # the comparisons compared numbers, not empty tables


def test_a_dealers_export_holds_the_same_numbers(both):
    embedded, replica = both
    manager = get_user(embedded, "manager")
    dealer = embedded.query_one("SELECT min(dealer_code) FROM stores WHERE dealer_code IS NOT NULL")[0]
    request = ExportRequest(dealer, date(2026, 9, 1), TODAY)
    now = pd.Timestamp("2026-11-21 09:00").to_pydatetime()
    expected, actual = build_summary(embedded, manager, request, now), build_summary(replica, manager, request, now)
    for field in dataclasses.fields(expected):
        a, b = getattr(expected, field.name), getattr(actual, field.name)
        if isinstance(a, pd.Series):
            agreement.check(field.name, a.to_dict(), b.to_dict())
        elif isinstance(a, pd.DataFrame | list | tuple | dict):
            agreement.check(field.name, a, b)
        else:
            assert a == b, field.name
    assert len(expected.audits) > 0 and len(expected.findings) > 0
