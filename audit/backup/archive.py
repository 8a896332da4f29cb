"""Backups of the data folder: the database and the photo files it refers to, consistent with each other.

A backup is a folder, for its owner alone (0700, files 0600): `audit.duckdb` (a copy made by DuckDB's COPY
FROM DATABASE from one snapshot, so it needs no stop of the app when made through the app's own connection),
`photos/` (the same layout as the photo store) and `backup.json`, written last: a folder without it is an
interrupted backup and is never restored. The manifest lists every file with its sha256 (format 2; format 1
backups, made before, list none: their photos are still named by their sha256 and their database is read
whole, which DuckDB checks block by block, so they stay restorable).

A restore checks the whole backup in a hidden staging folder inside the data folder before it moves anything:
no symbolic link or other special file anywhere, a manifest of the right shape, every listed file present with
its checksum, a database of this app that reads whole and upgrades. Only then is the current data moved aside.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from audit import config, photos
from audit.db import Database, DatabaseDamaged, connect, migration_files, scalar, schema_version
from audit.errors import UserFacingError
from audit.opening import open_database

DATABASE_FILE = "audit.duckdb"
PHOTO_FOLDER = "photos"
MANIFEST = "backup.json"
FORMAT = 2
_PHOTO_NAME = re.compile(r"photos/([0-9a-f]{2})/(\1[0-9a-f]{62})\.jpg")  # photos/ab/ab….jpg, named by sha256
_MISSING_NAME = re.compile(r"[0-9a-f]{64}\.jpg")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class BackupError(UserFacingError):
    """A backup or restore that cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    path: Path
    schema_version: int
    audits: int
    photos: int  # photo files (pictures and thumbnails)
    missing: tuple[str, ...]  # files the database refers to that were not in the photo store
    bytes: int
    seconds: float


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def _photo_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*.jpg") if not p.name.startswith("."))


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _photo_name(sha: str) -> str:
    return f"{PHOTO_FOLDER}/{sha[:2]}/{sha}.jpg"


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _copy_hashed(source: Path, target: Path) -> str:
    """Copy one regular file (never through a symbolic link, never from a pipe or device) to `target`, whole or
    not at all and readable by its owner alone; returns the sha256 of the bytes copied."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise IsADirectoryError(f"not a regular file: {source}")
        _private_folder(target.parent)
        part = target.with_name(f".{target.name}.part")
        digest = hashlib.sha256()
        with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
    os.replace(part, target)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- backup


def backup(db: Database, target: Path | str, photo_root: Path | None = None) -> Summary:
    """Copy the database and every photo file it refers to into the new or empty folder `target`."""
    started, target = time.perf_counter(), Path(target)
    if not _is_empty(target):
        raise BackupError("backup.error.target_not_empty", path=str(target))
    photo_root = Path(photo_root or config.photo_dir())
    _private_folder(target)
    _private_folder(target / PHOTO_FOLDER)
    files: dict[str, str] = {}
    # No write until the photos are copied: a photo row of the snapshot cannot be forgotten (and its file
    # swept) meanwhile. Reads go on; submits wait for the backup.
    with db.writes_paused() as cur:
        name = scalar(cur, "SELECT current_database()")
        cur.execute("ATTACH ? AS backup_copy", [str(target / DATABASE_FILE)])
        try:
            cur.execute(f'COPY FROM DATABASE "{name}" TO backup_copy')
        finally:
            cur.execute("DETACH backup_copy")
        version, audits = schema_version(cur), scalar(cur, "SELECT count(*) FROM audits")
        hashes = {h for row in cur.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}
        missing = []
        for sha in sorted(hashes):
            try:
                copied = _copy_hashed(photos.photo_path(sha, photo_root), target / _photo_name(sha))
            except OSError:
                copied = None
            if copied != sha:  # not in the store, or damaged there: a backup holding it could never be restored
                (target / _photo_name(sha)).unlink(missing_ok=True)
                missing.append(f"{sha}.jpg")
                continue
            files[_photo_name(sha)] = sha
    (target / DATABASE_FILE).chmod(0o600)
    files[DATABASE_FILE] = _sha256(target / DATABASE_FILE)
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "schema_version": version,
        "audits": audits,
        "photos": len(files) - 1,
        "missing": missing,
        "files": files,
    }
    _write_manifest(target, manifest)
    return Summary(
        target,
        version,
        audits,
        manifest["photos"],
        tuple(missing),
        _folder_bytes(target),
        time.perf_counter() - started,
    )


def _write_manifest(target: Path, manifest: dict) -> None:
    part = target / f".{MANIFEST}.part"
    with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, target / MANIFEST)


# ---------------------------------------------------------------- checking a backup


def _damaged(source: Path, file: str) -> BackupError:
    return BackupError("backup.error.damaged", path=str(source), file=file)


def _refuse_links(source: Path) -> None:
    """A backup holds folders and regular files only: a symbolic link could bring in any file of the server
    (/etc/passwd as the database), a pipe would hang the restore."""
    for folder, dirs, files in os.walk(source):
        for name in dirs + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise BackupError("backup.error.symlink", path=str(source), file=str(path.relative_to(source)))
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise _damaged(source, str(path.relative_to(source)))


def _read_manifest(source: Path) -> dict:
    try:
        fd = os.open(source / MANIFEST, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise BackupError("backup.error.not_a_backup", path=str(source)) from None
    with os.fdopen(fd, "rb") as f:
        try:
            manifest = json.loads(f.read().decode("utf-8"))
        except ValueError:
            raise BackupError("backup.error.bad_manifest", path=str(source), field=MANIFEST) from None
    _check_manifest(source, manifest)
    return manifest


def _check_manifest(source: Path, manifest) -> None:
    """Every field a restore relies on, of the right type; file names only of the backup's own layout (a name
    from the manifest becomes a path: no `..`, no absolute path)."""

    def bad(field: str) -> BackupError:
        return BackupError("backup.error.bad_manifest", path=str(source), field=field)

    def count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not isinstance(manifest, dict):
        raise bad(MANIFEST)
    for field in ("schema_version", "audits", "photos"):
        if not count(manifest.get(field)):
            raise bad(field)
    if not isinstance(manifest.get("created_at"), str):
        raise bad("created_at")
    missing = manifest.get("missing")
    if not isinstance(missing, list) or not all(isinstance(m, str) and _MISSING_NAME.fullmatch(m) for m in missing):
        raise bad("missing")
    if "files" not in manifest and manifest.get("format", 1) == 1:
        return  # made before backups listed their checksums
    files = manifest.get("files")
    if manifest.get("format") != FORMAT or not isinstance(files, dict) or DATABASE_FILE not in files:
        raise bad("files")
    for name, sha in files.items():
        photo = _PHOTO_NAME.fullmatch(name)
        if (
            not (isinstance(sha, str) and _SHA256.fullmatch(sha))
            or (name != DATABASE_FILE and not photo)
            or (photo and photo.group(2) != sha)
        ):
            raise bad(f"files: {name}")
    if len(files) - 1 != manifest["photos"]:
        raise bad("photos")


def _listed_photos(source: Path, manifest: dict) -> dict[str, str]:
    """Photo file name → its sha256: those the manifest lists, or for a format 1 backup the files it holds."""
    if "files" in manifest:
        return {name: sha for name, sha in manifest["files"].items() if name != DATABASE_FILE}
    found = {str(p.relative_to(source)): p.stem for p in _photo_files(source / PHOTO_FOLDER)}
    if len(found) != manifest["photos"] or not all(_PHOTO_NAME.fullmatch(name) for name in found):
        raise _damaged(source, PHOTO_FOLDER)
    return found


def _stage_file(source: Path, name: str, staging: Path, expected: str | None) -> None:
    try:
        copied = _copy_hashed(source / name, staging / name)
    except OSError:
        raise _damaged(source, name) from None
    if expected is not None and copied != expected:
        raise _damaged(source, name)


def _check_database(source: Path, path: Path, manifest: dict) -> None:
    """Read the staged copy of the backup's database before anything else opens it read-write: a database of
    this app (its schema version as the manifest says, not newer than this code), every table read whole."""
    known = max(number for number, _ in migration_files())
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        raise _damaged(source, DATABASE_FILE) from None
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
        }
        if not {"schema_migrations", "audits", "photos"} <= tables:
            raise _damaged(source, DATABASE_FILE)
        version = schema_version(con)
        if version > known:
            raise BackupError("backup.error.newer", path=str(source), version=version, known=known)
        if version != manifest["schema_version"]:
            raise _damaged(source, DATABASE_FILE)
        for table in sorted(tables):  # DuckDB checks each block it reads: a damaged one fails here
            con.execute(f'SELECT count(*), bit_xor(hash(t)) FROM "{table}" AS t').fetchall()
    except duckdb.Error:
        raise _damaged(source, DATABASE_FILE) from None
    finally:
        con.close()


def _stage(source: Path, manifest: dict, staging: Path) -> tuple[int, int, list[str]]:
    """Copy and check the whole backup into `staging`: (schema version after upgrade, audits, photo names)."""
    _stage_file(source, DATABASE_FILE, staging, manifest.get("files", {}).get(DATABASE_FILE))
    _check_database(source, staging / DATABASE_FILE, manifest)
    listed = _listed_photos(source, manifest)
    for name, sha in listed.items():
        _stage_file(source, name, staging, sha)
    try:
        # An older backup upgrades here (and has its audits counted), before it is installed.
        database = open_database(staging / DATABASE_FILE)
    except DatabaseDamaged:
        raise _damaged(source, DATABASE_FILE) from None
    try:
        version = schema_version(database.cursor())
        audits = database.query_one("SELECT count(*) FROM audits")[0]
        referred = {
            h for row in database.cursor().execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row
        }
    finally:
        database.close()
    if referred - set(listed.values()) - {name.removesuffix(".jpg") for name in manifest["missing"]}:
        raise _damaged(source, PHOTO_FOLDER)  # photo rows whose files the backup neither holds nor reports missing
    return version, audits, sorted(listed)


# ---------------------------------------------------------------- restore


def _holds_data(data_dir: Path, photo_root: Path) -> bool:
    """A database or photos (the data folder may hold other files, e.g. the master-data samples)."""
    return (data_dir / DATABASE_FILE).exists() or bool(_photo_files(photo_root))


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
    source: Path | str, data_dir: Path | None = None, replace: bool = False, photo_root: Path | None = None
) -> tuple[Summary, Path | None]:
    """Restore a backup into a data folder without a database or photos (or, with `replace`, after moving
    them aside: returned as the second value). The whole backup is checked (and an older one upgraded) in a
    staging folder first: a refused backup leaves the data folder as it was. The photos go to `photo_root`:
    by default the configured photo folder (AUDIT_PHOTO_DIR) for the configured data folder, else the given
    data folder's own."""
    started, source = time.perf_counter(), Path(source)
    if photo_root is None:
        photo_root = config.photo_dir() if data_dir is None else Path(data_dir) / PHOTO_FOLDER
    data_dir = Path(data_dir or config.data_dir())
    if not source.is_dir():
        raise BackupError("backup.error.not_a_backup", path=str(source))
    _refuse_links(source)
    manifest = _read_manifest(source)
    if _holds_data(data_dir, photo_root) and not replace:
        raise BackupError("backup.error.data_not_empty", path=str(data_dir))
    _not_in_use(data_dir)
    _private_folder(data_dir)
    staging = data_dir / f".restore-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    staging.mkdir(mode=0o700)
    try:
        version, audits, names = _stage(source, manifest, staging)
        aside = _set_aside(data_dir, photo_root) if _holds_data(data_dir, photo_root) else None
        # Photos first, the database last: as in the app, no row is there before its file.
        for name in names:
            target = photo_root / Path(name).relative_to(PHOTO_FOLDER)
            _private_folder(target.parent)
            os.replace(staging / name, target)
        os.replace(staging / DATABASE_FILE, data_dir / DATABASE_FILE)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Summary(
        data_dir,
        version,
        audits,
        len(names),
        tuple(manifest["missing"]),
        _folder_bytes(source),
        time.perf_counter() - started,
    ), aside
