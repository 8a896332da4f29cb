"""A restore checks the whole backup before it moves anything: a truncated, foreign or tampered database, a
manifest of the wrong shape, a symbolic link or a changed photo anywhere in the backup is refused with a message
in English and Chinese, and the data folder (database, photos) stays byte for byte as it was. These are the
embedded file's backups, whatever --backend says; PostgreSQL's are checked in test_backup_postgres.py."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from audit import backup
from audit.__main__ import main
from audit.db import Database
from tests.helpers.backup import (
    NEWER_SCHEMA,
    PHOTO_DAMAGE,
    a_photo,
    damaged_backup_refused,
    folder_state,
    manifest,
    table_contents,
    write_manifest,
)
from tests.helpers.paths import ROOT


@pytest.fixture
def backend() -> str:
    return "duckdb"


@pytest.fixture
def good_backup(demo_dir, tmp_path) -> Path:
    database = Database(demo_dir / "audit.duckdb")
    backup.backup(database, tmp_path / "good", demo_dir / "photos")
    database.close()
    return tmp_path / "good"


def as_format_1(folder: Path) -> None:
    """A backup as made before manifests listed checksums."""
    old = manifest(folder)
    del old["files"], old["format"]
    write_manifest(folder, old)


def truncated_database(folder: Path) -> None:
    data = (folder / "audit.duckdb").read_bytes()
    (folder / "audit.duckdb").write_bytes(data[: int(len(data) * 0.9)])


def random_database(folder: Path) -> None:
    size = (folder / "audit.duckdb").stat().st_size
    (folder / "audit.duckdb").write_bytes(os.urandom(size))


def another_database(folder: Path) -> None:
    """A whole, valid database of this app, but not the one the backup was made of."""
    (folder / "audit.duckdb").unlink()
    Database(folder / "audit.duckdb").close()


def newer_schema(folder: Path) -> None:
    con = duckdb.connect(str(folder / "audit.duckdb"))
    con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, '999_future.sql')")
    con.close()
    described = manifest(folder)
    described["schema_version"] = 999
    described["files"]["audit.duckdb"] = backup.sha256(folder / "audit.duckdb")
    write_manifest(folder, described)


def empty_manifest(folder: Path) -> None:
    write_manifest(folder, {})


def manifest_not_an_object(folder: Path) -> None:
    write_manifest(folder, ["audit.duckdb"])


def manifest_path_outside(folder: Path) -> None:
    described = manifest(folder)
    described["files"]["../../outside.jpg"] = "0" * 64
    write_manifest(folder, described)


def symlinked_database(folder: Path) -> None:
    (folder / "audit.duckdb").unlink()
    (folder / "audit.duckdb").symlink_to("/etc/passwd")


def symlinked_photo(folder: Path) -> None:
    """Even a link to a file with the right bytes: a link can be pointed elsewhere between check and copy."""
    photo = a_photo(folder)
    outside = folder.parent / "outside.jpg"
    shutil.move(photo, outside)
    photo.symlink_to(outside)


DAMAGED = ("is damaged (audit.duckdb): nothing was restored.", "中的备份已损坏（audit.duckdb）：未恢复任何内容。")
CASES = {
    "truncated database": (truncated_database, DAMAGED),
    "random bytes as database": (random_database, DAMAGED),
    "another database": (another_database, DAMAGED),
    "format 1, truncated database": (lambda f: (as_format_1(f), truncated_database(f)), DAMAGED),
    "format 1, random bytes as database": (lambda f: (as_format_1(f), random_database(f)), DAMAGED),
    "newer schema": (newer_schema, NEWER_SCHEMA),
    "{} as manifest": (
        empty_manifest,
        (
            "has a damaged or unknown backup.json (schema_version): nothing",
            "backup.json 已损坏或无法识别（schema_version）：未恢复任何内容",
        ),
    ),
    "a list as manifest": (
        manifest_not_an_object,
        ("has a damaged or unknown backup.json (backup.json)", "backup.json 已损坏或无法识别（backup.json）"),
    ),
    "a path outside the backup": (
        manifest_path_outside,
        ("unknown backup.json (files: ../../outside.jpg)", "无法识别（files: ../../outside.jpg）"),
    ),
    "symlinked database": (
        symlinked_database,
        ("holds a symbolic link (audit.duckdb); a backup holds only plain", "含有符号链接（audit.duckdb）"),
    ),
    "symlinked photo": (symlinked_photo, ("holds a symbolic link (photos/", "含有符号链接（photos/")),
    **PHOTO_DAMAGE,
}


@pytest.mark.parametrize("case", CASES)
def test_a_broken_backup_is_refused_and_the_data_stays_as_it_was(case, good_backup, demo_dir, capsys):
    before = folder_state(demo_dir)
    damaged_backup_refused(capsys, good_backup, *CASES[case])
    assert folder_state(demo_dir) == before  # nothing moved aside, no staging folder left, every byte the same


def test_a_pipe_in_a_backup_is_refused_without_waiting_on_it(good_backup, demo_dir, tmp_path):
    broken = Path(shutil.copytree(good_backup, tmp_path / "broken"))
    photo = a_photo(broken)
    photo.unlink()
    os.mkfifo(photo)  # reading it would wait for a writer forever
    before = folder_state(demo_dir)
    run = subprocess.run(
        [sys.executable, "-m", "audit", "restore", str(broken), "--replace"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "AUDIT_DATA_DIR": str(demo_dir)},
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"is damaged ({photo.relative_to(broken)}): nothing was restored." in run.stderr
    assert folder_state(demo_dir) == before


def test_a_backup_made_before_checksums_still_restores_whole(good_backup, demo_dir, tmp_path):
    as_format_1(good_backup)
    done, aside = backup.restore(good_backup, tmp_path / "restored")
    assert aside is None and done.photos == manifest(good_backup)["photos"]
    assert table_contents(tmp_path / "restored" / "audit.duckdb") == table_contents(demo_dir / "audit.duckdb")


def test_the_manifest_lists_every_file_with_its_checksum(good_backup):
    described = manifest(good_backup)
    files = {str(p.relative_to(good_backup)) for p in good_backup.rglob("*") if p.is_file()} - {"backup.json"}
    assert set(described["files"]) == files and len(files) == described["photos"] + 1
    assert all(backup.sha256(good_backup / name) == sha for name, sha in described["files"].items())


def test_a_damaged_database_in_the_data_folder_is_replaced_by_a_restore(good_backup, demo_dir, capsys):
    """What the message about a damaged database tells the administrator to do works."""
    random_database(demo_dir)
    damaged = (demo_dir / "audit.duckdb").read_bytes()
    assert main(["restore", str(good_backup), "--replace"]) == 0
    aside = next(demo_dir.glob("before-restore-*"))
    assert (aside / "audit.duckdb").read_bytes() == damaged
    assert table_contents(demo_dir / "audit.duckdb")["audits"]
