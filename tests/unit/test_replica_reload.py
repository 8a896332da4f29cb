"""A process's DuckDB copy notices when PostgreSQL holds another database than the one it followed, and reloads
whole instead of applying another database's change log from its own place in it: after a restore (a new
identity, the log perhaps behind the copy), after a restore made by hand with pg_restore (the old identity, the
log behind), and when the URL names another database. Runs on the throwaway PostgreSQL whatever --backend says."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from audit import backup, pg
from audit.backup import postgres as pg_backup
from audit.opening import open_database
from audit.replica import ReplicatedDatabase


@pytest.fixture
def shared(postgres_url, tmp_path, monkeypatch) -> str:
    monkeypatch.setenv("AUDIT_DATABASE_URL", postgres_url)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "data"))
    return postgres_url


@pytest.fixture
def another_database(postgres_server, tmp_path) -> str:
    url = postgres_server.create_database("another")
    pg.migrate(url)
    yield url
    postgres_server.drop_database("another")


def a_copy(folder: Path) -> ReplicatedDatabase:
    folder.mkdir(exist_ok=True)
    database = open_database(folder / "audit.duckdb")
    assert isinstance(database, ReplicatedDatabase)
    return database


def write(url: str, *pairs: tuple[str, str]) -> None:
    store = pg.PostgresStore(url)
    try:
        with store.write() as cur:
            for key, value in pairs:
                cur.execute("INSERT INTO app_meta (key, value) VALUES (?, ?)", [key, value])
    finally:
        store.close()


def meta(database: ReplicatedDatabase) -> dict[str, str]:
    database.fresh(force=True)
    rows = database.query_df("SELECT key, value FROM app_meta WHERE key NOT LIKE 'replica_%'")
    return dict(zip(rows.key, rows.value, strict=True))


def test_a_copy_ahead_of_a_restored_database_reloads_it_whole(shared, tmp_path):
    copy = a_copy(tmp_path / "copy")
    try:
        write(shared, ("before the backup", "kept"))
        backup.backup(copy, tmp_path / "bk")
        write(shared, ("after the backup", "gone"), ("and another", "gone"))
        assert meta(copy) == {"before the backup": "kept", "after the backup": "gone", "and another": "gone"}
        backup.restore(tmp_path / "bk", replace=True)
        assert meta(copy) == {"before the backup": "kept"}
        write(shared, ("after the restore", "new"))  # and it follows the restored database's log from there
        assert meta(copy) == {"before the backup": "kept", "after the restore": "new"}
    finally:
        copy.close()


def test_a_copy_behind_a_restored_log_of_another_database_reloads_it_whole(shared, another_database, tmp_path):
    """The restored log is longer than the copy's place in it: only the identity tells it is another history."""
    copy = a_copy(tmp_path / "copy")
    try:
        write(shared, ("only here", "gone"))
        assert meta(copy) == {"only here": "gone"}
        write(another_database, *[(f"there {n}", "restored") for n in range(3)])
        write(another_database, ("there later", "restored"), ("and later", "restored"))
        made = backup.backup_postgres(another_database, tmp_path / "bk")
        assert made.audits == 0
        backup.restore(tmp_path / "bk", replace=True)
        assert meta(copy) == {
            **{f"there {n}": "restored" for n in range(3)},
            "there later": "restored",
            "and later": "restored",
        }
    finally:
        copy.close()


def test_a_copy_ahead_of_a_log_restored_by_hand_reloads_it_whole(shared, tmp_path):
    """pg_restore run by hand brings back the database's old identity: the copy sees the log behind its place."""
    copy = a_copy(tmp_path / "copy")
    try:
        write(shared, ("before the dump", "kept"))
        backup.backup(copy, tmp_path / "bk")
        write(shared, ("after the dump", "gone"))
        assert meta(copy) == {"before the dump": "kept", "after the dump": "gone"}
        conninfo, env = pg_backup.client_connection(shared)
        subprocess.run(
            [
                pg_backup.program("pg_restore"),
                "--clean",
                "--if-exists",
                "--single-transaction",
                f"--dbname={conninfo}",
                str(tmp_path / "bk" / "audit.pgdump"),
            ],
            env=env,
            check=True,
        )
        assert meta(copy) == {"before the dump": "kept"}
    finally:
        copy.close()


def test_a_copy_of_one_database_opened_on_another_reloads_it_whole(shared, another_database, tmp_path, monkeypatch):
    copy = a_copy(tmp_path / "copy")
    write(shared, ("in the first", "gone"))
    assert meta(copy) == {"in the first": "gone"}
    copy.close()
    write(another_database, *[(f"in the second {n}", "here") for n in range(4)])  # a longer log than the first's
    monkeypatch.setenv("AUDIT_DATABASE_URL", another_database)
    copy = a_copy(tmp_path / "copy")  # the same folder, the same file
    try:
        assert meta(copy) == {f"in the second {n}": "here" for n in range(4)}
    finally:
        copy.close()
