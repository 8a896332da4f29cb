"""Backups of the app's data: the database and the photo files it refers to, consistent with each other, into
one folder whose manifest lists every file with its sha256 (archive.py).

On the embedded back end the database is a copy of the DuckDB file (embedded.py); with AUDIT_DATABASE_URL it is
PostgreSQL's own dump, pg_dump's custom format (postgres.py). A restore checks the whole backup in a staging
folder before it changes anything, and restores where the app is configured to keep its data: a PostgreSQL
backup into the configured PostgreSQL database, an embedded one into the data folder, or, with
AUDIT_DATABASE_URL set, into PostgreSQL too (moving a one-process installation to the shared database).
"""

from __future__ import annotations

from pathlib import Path

from audit import config
from audit.backup import archive, embedded, postgres
from audit.backup.archive import BackupError, Summary, sha256
from audit.db import Database
from audit.replica import ReplicatedDatabase

__all__ = ["BackupError", "Summary", "backup", "backup_postgres", "restore", "sha256"]


def backup(db: Database, target: Path | str, photo_root: Path | None = None) -> Summary:
    """Copy the database and every photo file it refers to into the new or empty folder `target`."""
    if isinstance(db, ReplicatedDatabase):
        return backup_postgres(db.url, target, photo_root)
    return embedded.backup(db, Path(target), Path(photo_root or config.photo_dir()))


def backup_postgres(url: str, target: Path | str, photo_root: Path | None = None) -> Summary:
    """pg_dump of the PostgreSQL database at `url` and every photo file it refers to, into `target` (no DuckDB
    copy of the database is needed)."""
    return postgres.backup(url, Path(target), Path(photo_root or config.photo_dir()))


def restore(
    source: Path | str,
    data_dir: Path | None = None,
    replace: bool = False,
    photo_root: Path | None = None,
    database_url: str | None = None,
) -> tuple[Summary, Path | str | None]:
    """Restore a backup where the app keeps its data, refusing to overwrite data unless `replace`; returns what
    was there before, kept: a folder (the embedded file and photos) or a PostgreSQL schema's name.

    With a database URL (by default AUDIT_DATABASE_URL) the backup goes into that PostgreSQL database and its
    photos into the photo folder beside those there; without, into the data folder `data_dir` (by default the
    configured one). The photos go to `photo_root`: by default the configured photo folder (AUDIT_PHOTO_DIR)
    for the configured data folder, else the given data folder's own."""
    source = Path(source)
    if photo_root is None:
        photo_root = config.photo_dir() if data_dir is None else Path(data_dir) / archive.PHOTO_FOLDER
    data_dir = Path(data_dir or config.data_dir())
    url = database_url or config.database_url()
    manifest = archive.read_manifest(source)
    if url:
        return postgres.restore(source, manifest, url, data_dir, photo_root, replace)
    if archive.backend_of(manifest) == archive.POSTGRES:
        raise BackupError("backup.error.needs_postgres", path=str(source))
    return embedded.restore(source, manifest, data_dir, photo_root, replace)
