"""Backups of the data folder: the database and the photo files it refers to, consistent with each other.

A backup is a folder: `audit.duckdb` (a copy made by DuckDB's COPY FROM DATABASE from one snapshot, so it
needs no stop of the app when made through the app's own connection), `photos/` (the same layout as the photo
store) and `backup.json`, written last: a folder without it is an interrupted backup and is never restored.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from audit import config, photos
from audit.db import Database, connect, schema_version
from audit.errors import UserFacingError

DATABASE_FILE = "audit.duckdb"
PHOTO_FOLDER = "photos"
MANIFEST = "backup.json"


class BackupError(UserFacingError):
    """A backup or restore that cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    path: Path
    schema_version: int
    audits: int
    photos: int              # photo files (pictures and thumbnails)
    missing: tuple[str, ...]  # files the database refers to that were not in the photo store
    bytes: int
    seconds: float


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def _photo_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*.jpg") if not p.name.startswith("."))


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _copy_photo(source: Path, root: Path) -> None:
    copy = photos.photo_path(source.stem, root)
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, copy)


def backup(db: Database, target: Path | str, photo_root: Path | None = None) -> Summary:
    """Copy the database and every photo file it refers to into the new or empty folder `target`."""
    started, target = time.perf_counter(), Path(target)
    if not _is_empty(target):
        raise BackupError("backup.error.target_not_empty", path=str(target))
    photo_root = Path(photo_root or config.photo_dir())
    (target / PHOTO_FOLDER).mkdir(parents=True, exist_ok=True)
    # No write until the photos are copied: a photo row of the snapshot cannot be forgotten (and its file
    # swept) meanwhile. Reads go on; submits wait for the backup.
    with db.writes_paused() as cur:
        name = cur.execute("SELECT current_database()").fetchone()[0]
        cur.execute("ATTACH ? AS backup_copy", [str(target / DATABASE_FILE)])
        try:
            cur.execute(f'COPY FROM DATABASE "{name}" TO backup_copy')
        finally:
            cur.execute("DETACH backup_copy")
        version, audits = schema_version(cur), cur.execute("SELECT count(*) FROM audits").fetchone()[0]
        hashes = {h for row in cur.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}
        missing = []
        for sha in sorted(hashes):
            source = photos.photo_path(sha, photo_root)
            if not source.exists():
                missing.append(source.name)
                continue
            _copy_photo(source, target / PHOTO_FOLDER)
    manifest = {"created_at": datetime.now().isoformat(timespec="seconds"), "schema_version": version,
                "audits": audits, "photos": len(hashes) - len(missing), "missing": missing}
    _write_manifest(target, manifest)
    return Summary(target, version, audits, manifest["photos"], tuple(missing), _folder_bytes(target),
                   time.perf_counter() - started)


def _write_manifest(target: Path, manifest: dict) -> None:
    part = target / f".{MANIFEST}.part"
    with open(part, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, target / MANIFEST)


def _checked_photos(source: Path, manifest: dict) -> list[Path]:
    """The backup's photo files, each named by the sha256 of its bytes, as many as the backup recorded."""
    files = _photo_files(source / PHOTO_FOLDER)
    for path in files:
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.stem:
            raise BackupError("backup.error.damaged", path=str(source), file=path.name)
    if len(files) != manifest["photos"]:
        raise BackupError("backup.error.damaged", path=str(source), file=PHOTO_FOLDER)
    return files


def _holds_data(data_dir: Path) -> bool:
    """A database or photos (the data folder may hold other files, e.g. the master-data samples)."""
    return (data_dir / DATABASE_FILE).exists() or bool(_photo_files(data_dir / PHOTO_FOLDER))


def _set_aside(data_dir: Path) -> Path:
    """Move the current database and photos into a new folder beside them (nothing is deleted)."""
    if (data_dir / DATABASE_FILE).exists():
        connect(data_dir / DATABASE_FILE).close()  # DatabaseLocked while the app holds it: nothing is moved
    aside = data_dir / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}"
    aside.mkdir()
    for name in (DATABASE_FILE, f"{DATABASE_FILE}.wal", PHOTO_FOLDER):
        if (data_dir / name).exists():
            os.replace(data_dir / name, aside / name)
    return aside


def restore(source: Path | str, data_dir: Path | None = None, replace: bool = False) -> tuple[Summary, Path | None]:
    """Restore a backup into a data folder without a database or photos (or, with `replace`, after moving
    them aside: returned as the second value). The database is opened afterwards, so an older backup upgrades."""
    started, source = time.perf_counter(), Path(source)
    data_dir = Path(data_dir or config.data_dir())
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError("backup.error.not_a_backup", path=str(source)) from None
    files = _checked_photos(source, manifest)
    aside = None
    if _holds_data(data_dir):
        if not replace:
            raise BackupError("backup.error.data_not_empty", path=str(data_dir))
        aside = _set_aside(data_dir)
    # Photos first, the database last: as in the app, no row is there before its file.
    for path in files:
        _copy_photo(path, data_dir / PHOTO_FOLDER)
    part = data_dir / f".{DATABASE_FILE}.part"
    shutil.copyfile(source / DATABASE_FILE, part)
    os.replace(part, data_dir / DATABASE_FILE)
    database = Database(data_dir / DATABASE_FILE)
    try:
        version = schema_version(database.cursor())
        audits = database.query_one("SELECT count(*) FROM audits")[0]
    finally:
        database.close()
    return Summary(data_dir, version, audits, len(files), tuple(manifest["missing"]), _folder_bytes(source),
                   time.perf_counter() - started), aside
