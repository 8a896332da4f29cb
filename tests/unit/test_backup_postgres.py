"""Backup and restore on PostgreSQL (AUDIT_DATABASE_URL): `python -m audit backup DIR` writes pg_dump's custom
format of the shared database and the photos it refers to, in the folder and manifest the embedded back end
uses; `restore DIR` checks all of it first, then replaces the database's tables in one transaction (what was
there kept in a before_restore schema). Every table's rows and every photo come back; a broken backup is refused
in the user's language with the database, the photos and the data folder as they were. Runs on the throwaway
PostgreSQL whatever --backend says."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest

from audit import backup, config, pg, photos, replica, scoring
from audit.__main__ import main
from audit.backup import archive
from audit.backup import postgres as pg_backup
from audit.db import Database
from audit.opening import open_database
from tests.helpers.audits import comparable, picture
from tests.helpers.backup import (
    NEWER_SCHEMA,
    PHOTO_DAMAGE,
    damaged_backup_refused,
    folder_state,
    manifest,
    refused_in_both_languages,
    table_contents,
    write_manifest,
)


@pytest.fixture
def backend() -> str:
    """The demo fixtures' back end here: PostgreSQL, whatever --backend says."""
    return "postgres"


@pytest.fixture
def good_backup(demo_dir, tmp_path, capsys) -> Path:
    """A backup of the demo in PostgreSQL, made by the command line."""
    assert main(["backup", str(tmp_path / "good")]) == 0
    assert "Backup written to" in capsys.readouterr().out
    return tmp_path / "good"


@pytest.fixture
def other_database(postgres_server) -> str:
    """A second, empty database on the same server (the first is the demo's)."""
    url = postgres_server.create_database("restored_here")
    yield url
    postgres_server.drop_database("restored_here")


def database_rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table in every schema of the app's database but the system's."""
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": conn.execute(f'SELECT * FROM "{schema}"."{table}" AS t ORDER BY t::text').fetchall()
            for schema, table in tables
        }


def app_rows(url: str, schema: str = "public") -> dict[str, list[tuple]]:
    """The app's tables in one schema, but for the database's identity (a restore gives it a new one)."""
    prefix = f"{schema}."
    return {
        name.removeprefix(prefix): rows
        for name, rows in database_rows(url).items()
        if name.startswith(prefix) and name != f"{prefix}{pg.IDENTITY_TABLE}"
    }


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def identity(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute(pg.IDENTITY).fetchone()[0]


def photo_files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("*/*.jpg"))}


def relist_dump(folder: Path) -> None:
    """The manifest made to agree with a changed dump: only what the dump holds can refuse it then."""
    described = manifest(folder)
    described["files"]["audit.pgdump"] = backup.sha256(folder / "audit.pgdump")
    write_manifest(folder, described)


def test_backup_and_restore_give_back_every_table_and_photo(
    good_backup, demo_dir, other_database, tmp_path, monkeypatch, capsys
):
    described = manifest(good_backup)
    assert described["backend"] == "postgres" and described["server_version"].startswith("15")
    assert set(described["files"]) == {str(p.relative_to(good_backup)) for p in good_backup.rglob("*.*")} - {
        "backup.json"
    }
    assert all(backup.sha256(good_backup / name) == sha for name, sha in described["files"].items())
    listing = subprocess.run(
        [pg_backup.program("pg_restore"), "--list", str(good_backup / "audit.pgdump")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Format: CUSTOM" in listing and "TABLE DATA public audit_lines" in listing

    original_url = os.environ["AUDIT_DATABASE_URL"]
    original, original_photos = app_rows(original_url), photo_files(demo_dir / "photos")
    assert original["audits"] and original["photos"] and len(original_photos) == 2 * len(original["photos"])
    monkeypatch.setenv("AUDIT_DATABASE_URL", other_database)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "elsewhere"))  # another machine, its photo folder shared
    monkeypatch.setenv("AUDIT_PHOTO_DIR", str(tmp_path / "shared photos"))
    assert main(["--lang", "zh", "restore", str(good_backup)]) == 0
    out = capsys.readouterr().out
    assert "已恢复到 PostgreSQL 数据库 restored_here：架构版本" in out and f"{len(original['audits'])} 次检查" in out
    assert app_rows(other_database) == original  # the change log and its position too
    assert identity(other_database) != identity(original_url)  # another database: replicas reload
    assert photo_files(tmp_path / "shared photos") == original_photos
    assert not (tmp_path / "elsewhere" / "photos").exists()
    for entries in ([good_backup, *good_backup.rglob("*")], list((tmp_path / "shared photos").rglob("*"))):
        assert {str(p): mode(p) for p in entries} == {str(p): 0o700 if p.is_dir() else 0o600 for p in entries}

    # A process of the app on the restored database sees what the original held and writes as before.
    copy = open_database(tmp_path / "elsewhere" / "audit.duckdb")
    try:
        assert copy.query_one("SELECT count(*) FROM audits")[0] == len(original["audits"])
        assert copy.query_one("SELECT count(*) FROM audit_totals")[0] == len(original["audits"])
        with copy.write() as cur:
            cur.execute("INSERT INTO app_meta (key, value) VALUES ('after restore', 'written')")
        assert copy.get_meta("after restore") == "written"
    finally:
        copy.close()


def test_restore_refuses_a_database_with_data_unless_told_and_keeps_it_aside(good_backup, demo_dir, tmp_path, capsys):
    url = os.environ["AUDIT_DATABASE_URL"]
    with psycopg.connect(url) as conn:  # written after the backup: the restore takes it back
        conn.execute("INSERT INTO app_meta (key, value) VALUES ('after the backup', 'later')")
    before = database_rows(url)
    refused_in_both_languages(
        capsys,
        ["restore", str(good_backup)],
        f"The PostgreSQL database {pg_backup.database_name(url)} already holds data: nothing was restored.",
        f"PostgreSQL 数据库 {pg_backup.database_name(url)} 中已有数据：未恢复任何内容。",
    )
    assert database_rows(url) == before

    assert main(["restore", str(good_backup), "--replace"]) == 0
    out = capsys.readouterr().out
    aside = next(name for name in database_rows(url) if name.startswith("before_restore_")).split(".")[0]
    assert f"The previous tables were kept in the schema {aside} of the database" in out
    assert app_rows(url, aside) == {
        name.removeprefix("public."): rows
        for name, rows in before.items()
        if name.startswith("public.") and name != f"public.{pg.IDENTITY_TABLE}"
    }
    assert ("after the backup", "later") not in app_rows(url)["app_meta"]
    assert app_rows(url)["audits"] == app_rows(url, aside)["audits"]


# ---------------------------------------------------------------- broken backups


def truncated_dump(folder: Path) -> None:
    data = (folder / "audit.pgdump").read_bytes()
    (folder / "audit.pgdump").write_bytes(data[: int(len(data) * 0.9)])


def random_dump(folder: Path) -> None:
    (folder / "audit.pgdump").write_bytes(os.urandom((folder / "audit.pgdump").stat().st_size))
    relist_dump(folder)


def damaged_data_block(folder: Path) -> None:
    """Bytes changed inside the rows' compressed blocks: the table of contents still reads, the rows do not."""
    data = bytearray((folder / "audit.pgdump").read_bytes())
    for at in range(len(data) // 2, len(data) // 2 + 64):
        data[at] ^= 0x5A
    (folder / "audit.pgdump").write_bytes(bytes(data))
    listing = subprocess.run([pg_backup.program("pg_restore"), "--list", str(folder / "audit.pgdump")], check=False)
    assert listing.returncode == 0  # only reading the rows can tell
    relist_dump(folder)


def another_database_dump(folder: Path) -> None:
    """A whole, valid dump, but of a database that is not the app's."""
    server_url = os.environ["AUDIT_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    conninfo, env = pg_backup.client_connection(server_url)
    (folder / "audit.pgdump").unlink()
    subprocess.run(
        [pg_backup.program("pg_dump"), "-Fc", "-f", str(folder / "audit.pgdump"), f"--dbname={conninfo}"],
        env=env,
        check=True,
    )
    relist_dump(folder)


def schema_version_not_the_dumps(folder: Path) -> None:
    described = manifest(folder)
    described["schema_version"] -= 1
    write_manifest(folder, described)


def newer_schema(folder: Path) -> None:
    described = manifest(folder)
    described["schema_version"] = 999
    write_manifest(folder, described)


def unknown_backend(folder: Path) -> None:
    described = manifest(folder)
    described["backend"] = "oracle"
    write_manifest(folder, described)


def symlinked_dump(folder: Path) -> None:
    (folder / "audit.pgdump").unlink()
    (folder / "audit.pgdump").symlink_to("/etc/passwd")


DAMAGED_DUMP = ("is damaged (audit.pgdump): nothing was restored.", "中的备份已损坏（audit.pgdump）：未恢复任何内容。")
CASES = {
    "truncated dump": (truncated_dump, DAMAGED_DUMP),
    "random bytes as dump": (random_dump, DAMAGED_DUMP),
    "a damaged block of rows": (damaged_data_block, DAMAGED_DUMP),
    "a dump of another database": (another_database_dump, DAMAGED_DUMP),
    "the manifest's schema version is not the dump's": (schema_version_not_the_dumps, DAMAGED_DUMP),
    "newer schema": (newer_schema, NEWER_SCHEMA),
    "unknown back end": (unknown_backend, ("unknown backup.json (backend)", "无法识别（backend）")),
    "symlinked dump": (symlinked_dump, ("holds a symbolic link (audit.pgdump)", "含有符号链接（audit.pgdump）")),
    **PHOTO_DAMAGE,
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_backup_is_refused_and_nothing_changes(case, good_backup, demo_dir, capsys):
    url = os.environ["AUDIT_DATABASE_URL"]
    before, files_before = database_rows(url), folder_state(demo_dir)
    damaged_backup_refused(capsys, good_backup, *CASES[case])
    assert database_rows(url) == before  # no schema set aside, no row changed, the same identity
    assert folder_state(demo_dir) == files_before  # photos and data folder as they were, no staging left


def test_a_postgresql_backup_is_not_restored_into_the_embedded_file(good_backup, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("AUDIT_DATABASE_URL")
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "embedded"))
    refused_in_both_languages(
        capsys,
        ["restore", str(good_backup)],
        "is of a PostgreSQL database: set AUDIT_DATABASE_URL to the database to restore it into.",
        "中的备份来自 PostgreSQL 数据库：请将 AUDIT_DATABASE_URL 设为要恢复到的数据库。",
    )
    assert not (tmp_path / "embedded" / "audit.duckdb").exists()
    assert not archive.photo_files(tmp_path / "embedded" / "photos")


# ---------------------------------------------------------------- an embedded backup into PostgreSQL


def test_an_embedded_backup_moves_into_postgresql(demo_template, tmp_path, other_database, monkeypatch, capsys):
    """A one-process installation's backup restored with AUDIT_DATABASE_URL set: its rows go into PostgreSQL
    (pg.copy_rows_from_duckdb) and a replica's copy of it holds what the embedded file held."""
    embedded_dir = Path(shutil.copytree(demo_template, tmp_path / "embedded"))
    database = Database(embedded_dir / "audit.duckdb")
    backup.backup(database, tmp_path / "bk", embedded_dir / "photos")
    database.close()
    monkeypatch.setenv("AUDIT_DATABASE_URL", other_database)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "replica"))
    assert main(["restore", str(tmp_path / "bk")]) == 0
    assert "Restored into the PostgreSQL database restored_here" in capsys.readouterr().out
    assert photo_files(tmp_path / "replica" / "photos") == photo_files(embedded_dir / "photos")

    copy = open_database(tmp_path / "replica" / "audit.duckdb")
    copy.close()
    expected, actual = (
        table_contents(embedded_dir / "audit.duckdb"),
        table_contents(tmp_path / "replica" / "audit.duckdb"),
    )
    actual["app_meta"] = [row for row in actual["app_meta"] if row[0] not in replica.LOCAL_KEYS]
    for contents in (expected, actual):  # the copy applied the migrations itself, at another time
        contents["schema_migrations"] = [row[:2] for row in contents["schema_migrations"]]
    assert actual.keys() == expected.keys()
    for table in expected:
        # The copy counts the audits itself (scoring.follow_changes): its sums may differ in a float's last bit.
        counted = table in scoring.COUNT_TABLES
        assert (comparable(actual[table]) if counted else actual[table]) == (
            comparable(expected[table]) if counted else expected[table]
        ), table
    assert expected["audits"] and expected["audit_totals"]


# ---------------------------------------------------------------- the backup itself


def written_by_the_app(url: str, statement) -> None:
    """One write transaction as the app makes it (under the write lock every writer takes)."""
    store = pg.PostgresStore(url)
    try:
        with store.write() as cur:
            statement(cur)
    finally:
        store.close()


def test_writes_go_on_while_photos_are_copied_and_wait_only_for_those_added_since(
    demo_dir, tmp_path, other_database, monkeypatch
):
    """The photos are copied while writes go on (a photo stored meanwhile is in the backup); then no row can be
    written (nor a photo row forgotten and its file swept) while the photos added since are copied, at the moment
    the dump is of; after that writes go on, and the dump does not hold the write that waited."""
    url = os.environ["AUDIT_DATABASE_URL"]
    copy_photos, passes, done = archive.copy_photos, [], {}
    meanwhile = photos.process_photo(picture(99))

    def store_a_photo() -> None:  # as submit stores one: its files, then its row
        photos.save_files(meanwhile, demo_dir / "photos")
        written_by_the_app(url, lambda cur: photos.insert_photo_row(cur, meanwhile))
        done["photo"] = time.monotonic()

    def write_a_row() -> None:
        written_by_the_app(url, lambda cur: cur.execute("INSERT INTO app_meta (key, value) VALUES ('waited', 'x')"))
        done["row"] = time.monotonic()

    waiter = threading.Thread(target=write_a_row)

    def copying(hashes, photo_root, target, already=None):
        passes.append(set(hashes))
        if len(passes) == 1:
            storing = threading.Thread(target=store_a_photo)
            storing.start()
            storing.join(timeout=30)
            assert "photo" in done  # nothing held it up
        else:
            waiter.start()
            with psycopg.connect(url) as conn:
                deadline = time.monotonic() + 30
                while not conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                ).fetchone()[0]:
                    assert time.monotonic() < deadline, "the writer never waited for the lock"
                    time.sleep(0.05)
            time.sleep(0.3)
            assert "row" not in done
        copied = copy_photos(hashes, photo_root, target, already)
        done[f"pass {len(passes)}"] = time.monotonic()
        return copied

    monkeypatch.setattr(archive, "copy_photos", copying)
    made = backup.backup_postgres(url, tmp_path / "bk")
    waiter.join()
    assert done["row"] > done["pass 2"] and passes[1] - passes[0] == {meanwhile.sha256, meanwhile.thumb_sha256}
    assert made.photos == len(photo_files(demo_dir / "photos")) and made.missing == ()
    assert ("waited", "x") in app_rows(url)["app_meta"]
    backup.restore(tmp_path / "bk", tmp_path / "other", photo_root=tmp_path / "photos", database_url=other_database)
    restored = app_rows(other_database)
    assert ("waited", "x") not in restored["app_meta"] and len(restored["audits"]) == made.audits
    assert meanwhile.sha256 in {row[0] for row in restored["photos"]}
    assert photos.photo_path(meanwhile.sha256, tmp_path / "photos").read_bytes() == meanwhile.jpeg


def test_the_password_never_appears_on_a_command_line():
    conninfo, env = pg_backup.client_connection("postgresql://audit:s3cret@db.example:5433/field")
    assert "s3cret" not in conninfo and env["PGPASSWORD"] == "s3cret"
    assert psycopg.conninfo.conninfo_to_dict(conninfo) == {
        "user": "audit",
        "host": "db.example",
        "port": "5433",
        "dbname": "field",
    }


def test_without_postgresqls_programs_the_backup_says_what_to_install(demo_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(pg_backup, "DEBIAN_BINARIES", tmp_path / "no such folder")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    refused_in_both_languages(
        capsys,
        ["backup", str(tmp_path / "bk")],
        "PostgreSQL's pg_dump is not installed on this machine: install Debian's postgresql-client",
        "本机未安装 PostgreSQL 的 pg_dump：请安装 Debian 的 postgresql-client 软件包。",
    )
    assert not (tmp_path / "bk").exists()


def test_a_backup_needs_no_copy_of_the_database(demo_dir, tmp_path):
    """On a machine where a replica holds its DuckDB copy in the data folder, the backup task runs beside it."""
    holder = open_database(config.database_path())  # the replica
    try:
        assert main(["backup", str(tmp_path / "bk")]) == 0
    finally:
        holder.close()
    assert manifest(tmp_path / "bk")["audits"] == len(app_rows(os.environ["AUDIT_DATABASE_URL"])["audits"])
