"""Backup and restore of the embedded DuckDB file.

The backup's `audit.duckdb` is a copy made by DuckDB's COPY FROM DATABASE from one snapshot, so it needs no stop
of the app when made through the app's own connection. A restore checks the staged copy before anything else
opens it read-write (a database of this app that reads whole and upgrades); only then is the current data moved
aside into a `before-restore-*` folder of the data folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import duckdb

from audit.backup import archive
from audit.backup.archive import DATABASE_FILE, PHOTO_FOLDER, BackupError, Manifest, Summary
from audit.db import Database, DatabaseDamaged, connect, migration_files, scalar, schema_version
from audit.opening import open_embedded


def backup(db: Database, target: Path, photo_root: Path) -> Summary:
    """Copy the database and every photo file it refers to into the new or empty folder `target`."""
    started = time.perf_counter()
    archive.start(target)
    early, _ = archive.copy_photos(_photo_hashes(db.cursor()), photo_root, target)
    # No write until the database is copied and the photos added since: a photo row of the copy cannot be
    # forgotten (and its file swept) meanwhile. Reads go on; submits wait for this part.
    with db.writes_paused() as cur:
        name = scalar(cur, "SELECT current_database()")
        cur.execute("ATTACH ? AS backup_copy", [str(target / DATABASE_FILE)])
        try:
            cur.execute(f'COPY FROM DATABASE "{name}" TO backup_copy')
        finally:
            cur.execute("DETACH backup_copy")
        version, audits = schema_version(cur), scalar(cur, "SELECT count(*) FROM audits")
        files, missing = archive.copy_photos(_photo_hashes(cur), photo_root, target, early)
    archive.finish(target, archive.EMBEDDED, version, audits, files, missing)
    return Summary(
        target, version, audits, len(files), tuple(missing), archive.folder_bytes(target), time.perf_counter() - started
    )


def _photo_hashes(cur: duckdb.DuckDBPyConnection) -> set[str]:
    return {h for row in cur.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}


# ---------------------------------------------------------------- checking the database of a backup


def _check_database(source: Path, path: Path, manifest: Manifest) -> None:
    """Read the staged copy of the backup's database before anything else opens it read-write: a database of
    this app (its schema version as the manifest says, not newer than this code), every table read whole."""
    known = max(number for number, _ in migration_files())
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        raise archive.damaged(source, DATABASE_FILE) from None
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
        }
        if not {"schema_migrations", "audits", "photos"} <= tables:
            raise archive.damaged(source, DATABASE_FILE)
        version = schema_version(con)
        if version > known:
            raise BackupError("backup.error.newer", path=str(source), version=version, known=known)
        if version != manifest["schema_version"]:
            raise archive.damaged(source, DATABASE_FILE)
        for table in sorted(tables):  # DuckDB checks each block it reads: a damaged one fails here
            con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{table}" AS t').fetchall()
    except duckdb.Error:
        raise archive.damaged(source, DATABASE_FILE) from None
    finally:
        con.close()


def stage(source: Path, manifest: Manifest, staging: Path) -> tuple[int, int, list[str]]:
    """Copy and check the whole backup into `staging`: (schema version after upgrade, audits, photo names)."""
    database_path = archive.stage_database(source, manifest, staging)
    _check_database(source, database_path, manifest)
    listed = archive.stage_photos(source, manifest, staging)
    try:
        # An older backup upgrades here (and has its audits counted), before it is installed.
        database = open_embedded(database_path)
    except DatabaseDamaged:
        raise archive.damaged(source, DATABASE_FILE) from None
    try:
        cur = database.cursor()
        version, audits = schema_version(cur), scalar(cur, "SELECT count(*) FROM audits")
        referred = _photo_hashes(cur)
    finally:
        database.close()
    archive.check_photo_rows(source, manifest, referred, listed)
    return version, audits, sorted(listed)


# ---------------------------------------------------------------- restore


def _holds_data(data_dir: Path, photo_root: Path) -> bool:
    """A database or photos (the data folder may hold other files, e.g. the master-data samples)."""
    return (data_dir / DATABASE_FILE).exists() or bool(archive.photo_files(photo_root))


def _not_in_use(data_dir: Path) -> None:
    """DatabaseLocked while the app (or a task) holds the current database."""
    if (data_dir / DATABASE_FILE).exists():
        # A damaged database is what a restore is for (a holder would be refused first).
        with contextlib.suppress(DatabaseDamaged):
            connect(data_dir / DATABASE_FILE).close()


def _set_aside(data_dir: Path, photo_root: Path) -> Path:
    """Move the current database and photos into a new folder in the data folder (nothing is deleted)."""
    _not_in_use(data_dir)
    aside = data_dir / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}"
    aside.mkdir(mode=0o700)
    for current, kept in (
        (data_dir / DATABASE_FILE, aside / DATABASE_FILE),
        (data_dir / f"{DATABASE_FILE}.wal", aside / f"{DATABASE_FILE}.wal"),
        (photo_root, aside / PHOTO_FOLDER),
    ):
        if current.exists():
            os.replace(current, kept)
    return aside


def restore(
    source: Path, manifest: Manifest, data_dir: Path, photo_root: Path, replace: bool
) -> tuple[Summary, Path | None]:
    """Restore an embedded backup into a data folder without a database or photos (or, with `replace`, after
    moving them aside: returned as the second value). The whole backup is checked (and an older one upgraded)
    in a staging folder first: a refused backup leaves the data folder as it was."""
    started = time.perf_counter()
    if _holds_data(data_dir, photo_root) and not replace:
        raise BackupError("backup.error.data_not_empty", path=str(data_dir))
    _not_in_use(data_dir)
    staging = archive.staging_folder(data_dir)
    try:
        version, audits, names = stage(source, manifest, staging)
        aside = _set_aside(data_dir, photo_root) if _holds_data(data_dir, photo_root) else None
        # Photos first, the database last: as in the app, no row is there before its file.
        archive.place_photos(staging, names, photo_root)
        os.replace(staging / DATABASE_FILE, data_dir / DATABASE_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return archive.restored(data_dir, source, manifest, version, audits, len(names), started), aside
