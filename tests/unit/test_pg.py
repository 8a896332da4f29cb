"""The PostgreSQL back end's own rules: placeholders, migrations applied once with the same tables as DuckDB,
every table followed by the change log, and a copy that follows inserts, updates, deletes and truncations,
whoever made them."""

from __future__ import annotations

import psycopg
import pytest

from audit import pg, scoring
from audit.db import Database
from audit.replica import ReplicatedDatabase


def test_placeholders_become_psycopgs_and_quoted_text_is_left_alone():
    assert pg.placeholders("SELECT ? WHERE a = '?' AND b LIKE 'x%' AND c = ?") == (
        "SELECT %s WHERE a = '?' AND b LIKE 'x%%' AND c = %s"
    )
    assert pg.placeholders('SELECT "odd?name" FROM t WHERE x = ?') == 'SELECT "odd?name" FROM t WHERE x = %s'


def test_migrations_apply_once_and_make_duckdbs_tables_and_columns(postgres_url, tmp_path):
    first = pg.migrate(postgres_url)
    assert first and pg.migrate(postgres_url) == []  # a second process finds nothing to do
    embedded = Database(tmp_path / "same.duckdb")
    duck_columns = set(
        embedded.cursor()
        .execute("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = current_database()")
        .fetchall()
    )
    embedded.close()
    with psycopg.connect(postgres_url) as conn:
        pg_columns = set(
            conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
                " AND table_name NOT IN ('replication_log', %s)",  # PostgreSQL's own bookkeeping for the replicas
                [pg.IDENTITY_TABLE],
            ).fetchall()
        )
    assert pg_columns == duck_columns


def test_a_table_nobody_said_how_to_follow_stops_the_migration(postgres_url):
    pg.migrate(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE visit_notes (id BIGINT PRIMARY KEY)")
    with pytest.raises(RuntimeError, match="visit_notes"):
        pg.migrate(postgres_url)


@pytest.fixture
def two_copies(postgres_url, tmp_path):
    pg.migrate(postgres_url)
    copies = [
        ReplicatedDatabase(postgres_url, tmp_path / f"copy{n}.duckdb", on_change=scoring.follow_changes) for n in (1, 2)
    ]
    yield copies
    for copy in copies:
        copy.close()


def _regions(db) -> list[tuple]:
    db.fresh(force=True)
    return db.query_df("SELECT code, name_en FROM regions ORDER BY code").itertuples(index=False, name=None)


def test_a_copy_follows_inserts_updates_deletes_and_truncations(two_copies, postgres_url):
    writer, reader = two_copies
    with writer.write() as cur:
        cur.executemany("INSERT INTO regions VALUES (?, ?, ?)", [("E", "East", "华东"), ("N", "North", "华北")])
    assert writer.query_df("SELECT count(*) AS n FROM regions").n[0] == 2  # its own write, at once
    assert list(_regions(reader)) == [("E", "East"), ("N", "North")]
    with writer.write() as cur:
        cur.execute("UPDATE regions SET code = 'S', name_en = 'South' WHERE code = 'N'")  # a key changed too
        cur.execute("UPDATE regions SET name_en = 'East China' WHERE code = 'E'")
    assert list(_regions(reader)) == [("E", "East China"), ("S", "South")]
    # Written past the app (an administrator's psql): the change log still carries it, in order.
    with psycopg.connect(postgres_url) as conn:
        conn.execute("DELETE FROM regions WHERE code = 'E'")
    assert list(_regions(reader)) == [("S", "South")]
    with psycopg.connect(postgres_url) as conn:
        conn.execute("TRUNCATE regions")
        conn.execute("INSERT INTO regions VALUES ('W', 'West', '西部')")
    assert list(_regions(reader)) == [("W", "West")]


def test_a_copy_that_reopens_continues_where_it_was(postgres_url, tmp_path):
    pg.migrate(postgres_url)
    path = tmp_path / "copy.duckdb"
    copy = ReplicatedDatabase(postgres_url, path, on_change=scoring.follow_changes)
    with copy.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('E', 'East', '华东')")
    copy.close()
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO regions VALUES ('N', 'North', '华北')")  # while the process was down
    copy = ReplicatedDatabase(postgres_url, path, on_change=scoring.follow_changes)
    assert list(_regions(copy)) == [("E", "East"), ("N", "North")]
    copy.close()
