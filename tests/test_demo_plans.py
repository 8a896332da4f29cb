"""Demo visit plans: deterministic, and telling a story (completion 70–95 % by merchandiser, a few
unplanned visits, the rest of this week and the next planned by the generator)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit import auth, demo, plans, visits
from audit.db import Database

TODAY = date(2026, 11, 18)  # a Wednesday: the rest of the week is still to come
SIZE = dict(stores=120, weeks=12, seed=3, photos=0, today=TODAY)


def build(directory, monkeypatch, **size) -> Database:
    directory.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(directory))
    database = Database(directory / "audit.duckdb")
    demo.generate_demo(database, **size)
    return database


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    database = build(tmp_path_factory.mktemp("plans_demo"), mp, **SIZE)
    yield database
    database.close()
    mp.undo()


def fingerprint(database: Database) -> str:
    return database.query_one("SELECT md5(string_agg(p::VARCHAR, chr(10) ORDER BY id)) FROM planned_visits p")[0]


def test_demo_plans_are_deterministic(demo_db, tmp_path, monkeypatch):
    again = build(tmp_path / "again", monkeypatch, **SIZE)
    assert fingerprint(again) == fingerprint(demo_db)
    other = build(tmp_path / "other", monkeypatch, **{**SIZE, "seed": 4})
    assert fingerprint(other) != fingerprint(demo_db)


def test_completion_varies_by_merchandiser_within_the_story(demo_db):
    manager = auth.get_user(demo_db, "manager")
    period = visits.VisitFilters(TODAY - timedelta(weeks=12), TODAY)
    league = visits.league(demo_db, manager, period, "merchandiser", "en", today=TODAY)
    assert len(league) == 12
    assert league.completion.between(0.68, 0.97).all()
    assert league.completion.max() - league.completion.min() > 0.1
    total = visits.totals(demo_db, manager, period, today=TODAY)
    assert 0.75 <= total["completion"] <= 0.92
    assert 0.02 <= total["unplanned"] / total["visits"] <= 0.13
    assert 0.5 <= total["success"] <= 0.8


def test_planned_days_are_working_days_and_one_visit_per_store_and_day(demo_db):
    assert demo_db.query_one("SELECT count(*) FROM planned_visits WHERE isodow(planned_date) > 5")[0] == 0
    assert demo_db.query_one("SELECT count(*) - count(DISTINCT (store_code, planned_date)) FROM planned_visits")[0] == 0
    mismatched = demo_db.query_one("""SELECT count(*) FROM planned_visits p JOIN stores s ON s.code = p.store_code
                                      WHERE p.merchandiser <> s.merchandiser""")[0]
    assert mismatched == 0


def test_the_days_ahead_are_planned_by_the_generator(demo_db):
    monday = plans.week_start(TODAY)
    sources = dict(demo_db.cursor().execute(
        "SELECT source, max(planned_date) FROM planned_visits GROUP BY source").fetchall())
    assert sources["demo"] == TODAY and sources["generated"] == monday + timedelta(weeks=1, days=4)
    assert demo_db.query_one("SELECT min(planned_date) FROM planned_visits WHERE source = 'generated'")[0] == \
        TODAY + timedelta(days=1)
    # An A store gets its three visits this week: those up to today count, the rest are generated.
    a_store_weeks = demo_db.cursor().execute("""
        SELECT p.store_code, count(*) FROM planned_visits p JOIN stores s ON s.code = p.store_code
        WHERE s.grade = 'A' AND p.planned_date BETWEEN ? AND ? GROUP BY ALL""",
        [monday + timedelta(weeks=1), monday + timedelta(weeks=1, days=4)]).fetchall()
    assert a_store_weeks and {n for _, n in a_store_weeks} == {3}
    never_before = demo_db.query_one(
        "SELECT count(*) FROM planned_visits WHERE source = 'demo' AND created_at > planned_date")[0]
    assert never_before == 0
