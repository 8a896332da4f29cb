"""The backup folder, whichever back end it came from: a database file, the photos it refers to and the manifest.

A backup is a folder, for its owner alone (0700, files 0600): the database (`audit.duckdb` from the embedded
file, `audit.pgdump` from PostgreSQL: pg_dump's custom format), `photos/` (the same layout as the photo store)
and `backup.json`, written last: a folder without it is an interrupted backup and is never restored. The
manifest says which back end the database came from (`backend`; a backup made before PostgreSQL existed has
none and is an embedded one) and lists every file with its sha256 (format 2; format 1 backups, made before,
list none: their photos are still named by their sha256 and their database is read whole, which DuckDB checks
block by block, so they stay restorable).

Checking a backup before a restore: no symbolic link or other special file anywhere, a manifest of the right
shape, every listed file copied into a hidden staging folder with its checksum. What the database itself must
pass is the back end's (embedded.py, postgres.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from audit import photos
from audit.errors import UserFacingError

EMBEDDED, POSTGRES = "duckdb", "postgres"
DATABASE_FILE = "audit.duckdb"
DUMP_FILE = "audit.pgdump"
# The database file of a backup, by the back end it came from.
DATABASE_FILES = {EMBEDDED: DATABASE_FILE, POSTGRES: DUMP_FILE}
PHOTO_FOLDER = "photos"
MANIFEST = "backup.json"
FORMAT = 2
_PHOTO_NAME = re.compile(r"photos/([0-9a-f]{2})/(\1[0-9a-f]{62})\.jpg")  # photos/ab/ab….jpg, named by sha256
_MISSING_NAME = re.compile(r"[0-9a-f]{64}\.jpg")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20
# A backup's manifest.json: format, backend, created_at, schema_version, audits, photos, missing, files (name ->
# sha256) and facts for the reader. Read back from JSON, it holds what _check_manifest has checked.
Manifest = dict[str, Any]


class BackupError(UserFacingError):
    """A backup or restore that cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    path: Path  # the backup folder (a backup), the data folder (a restore of the embedded file)
    schema_version: int
    audits: int
    photos: int  # photo files (pictures and thumbnails)
    missing: tuple[str, ...]  # files the database refers to that were not in the photo store
    bytes: int
    seconds: float
    database: str | None = None  # a restore into PostgreSQL: the database's name


def restored(
    path: Path,
    source: Path,
    manifest: Manifest,
    version: int,
    audits: int,
    photos: int,
    started: float,
    database: str | None = None,
) -> Summary:
    """What a restore of the backup in `source` gave, begun at perf_counter() `started`."""
    return Summary(
        path,
        version,
        audits,
        photos,
        tuple(manifest["missing"]),
        folder_bytes(source),
        time.perf_counter() - started,
        database,
    )


def is_empty(folder: Path) -> bool:
    return not folder.exists() or not any(folder.iterdir())


def photo_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*/*.jpg") if not p.name.startswith("."))


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _photo_name(sha: str) -> str:
    return f"{PHOTO_FOLDER}/{sha[:2]}/{sha}.jpg"


def private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def _copy_hashed(source: Path, target: Path) -> str:
    """Copy one regular file (never through a symbolic link, never from a pipe or device) to `target`, whole or
    not at all and readable by its owner alone; returns the sha256 of the bytes copied."""
    fd = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise IsADirectoryError(f"not a regular file: {source}")
        private_folder(target.parent)
        part = target.with_name(f".{target.name}.part")
        digest = hashlib.sha256()
        with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            for chunk in iter(lambda: src.read(_CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
    os.replace(part, target)
    return digest.hexdigest()


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- making a backup


def start(target: Path) -> None:
    """A new or empty folder for the backup, closed to others."""
    if not is_empty(target):
        raise BackupError("backup.error.target_not_empty", path=str(target))
    private_folder(target)
    private_folder(target / PHOTO_FOLDER)


def copy_photos(
    hashes: Iterable[str], photo_root: Path, target: Path, already: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Copy the photo files of these hashes from the photo store into the backup: ({file name: sha256} of those
    in it, names of those missing from the store or damaged there). Files `already` copied by an earlier pass
    stay when still wanted and go when not (their row was forgotten meanwhile).

    A backup copies twice: every photo while writes go on (the long part: a file never changes once written),
    then, with writes paused at the moment the database is copied, only those added since. The caller keeps the
    rows from being forgotten (and their files swept) during that second pass."""
    wanted = set(hashes)
    for name, sha in (already or {}).items():
        if sha not in wanted:
            (target / name).unlink(missing_ok=True)
    files = {name: sha for name, sha in (already or {}).items() if sha in wanted}
    missing = []
    for sha in sorted(wanted - set(files.values())):
        try:
            copied = _copy_hashed(photos.photo_path(sha, photo_root), target / _photo_name(sha))
        except OSError:
            copied = None
        if copied != sha:  # not in the store, or damaged there: a backup holding it could never be restored
            (target / _photo_name(sha)).unlink(missing_ok=True)
            missing.append(f"{sha}.jpg")
            continue
        files[_photo_name(sha)] = sha
    return files, missing


def finish(
    target: Path,
    backend: str,
    version: int,
    audits: int,
    photos_copied: dict[str, str],
    missing: list[str],
    **described: str,
) -> Manifest:
    """Close the backup: the database file made private and listed with the photos in the manifest, written
    last. `described` adds facts for the reader (e.g. the PostgreSQL server's version)."""
    database = DATABASE_FILES[backend]
    (target / database).chmod(0o600)
    manifest = {
        "format": FORMAT,
        "backend": backend,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "schema_version": version,
        "audits": audits,
        "photos": len(photos_copied),
        "missing": missing,
        "files": {database: sha256(target / database), **photos_copied},
        **described,
    }
    part = target / f".{MANIFEST}.part"
    with os.fdopen(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(part, target / MANIFEST)
    return manifest


# ---------------------------------------------------------------- checking a backup


def damaged(source: Path, file: str) -> BackupError:
    return BackupError("backup.error.damaged", path=str(source), file=file)


def refuse_links(source: Path) -> None:
    """A backup holds folders and regular files only: a symbolic link could bring in any file of the server
    (/etc/passwd as the database), a pipe would hang the restore."""
    for folder, dirs, files in os.walk(source):
        for name in dirs + files:
            path = Path(folder, name)
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise BackupError("backup.error.symlink", path=str(source), file=str(path.relative_to(source)))
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise damaged(source, str(path.relative_to(source)))


def read_manifest(source: Path) -> Manifest:
    """The manifest of a backup folder, checked (a folder without one, or any other path, is no backup)."""
    if not source.is_dir():
        raise BackupError("backup.error.not_a_backup", path=str(source))
    refuse_links(source)
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
    return cast(Manifest, manifest)


def backend_of(manifest: Manifest) -> str:
    return cast(str, manifest.get("backend", EMBEDDED))


def database_file(manifest: Manifest) -> str:
    return DATABASE_FILES[backend_of(manifest)]


def _check_manifest(source: Path, manifest: object) -> None:
    """Every field a restore relies on, of the right type; file names only of the backup's own layout (a name
    from the manifest becomes a path: no `..`, no absolute path)."""

    def bad(field: str) -> BackupError:
        return BackupError("backup.error.bad_manifest", path=str(source), field=field)

    def count(value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    if not isinstance(manifest, dict):
        raise bad(MANIFEST)
    for field in ("schema_version", "audits", "photos"):
        if not count(manifest.get(field)):
            raise bad(field)
    if not isinstance(manifest.get("created_at"), str):
        raise bad("created_at")
    if backend_of(manifest) not in DATABASE_FILES:
        raise bad("backend")
    missing = manifest.get("missing")
    if not isinstance(missing, list) or not all(isinstance(m, str) and _MISSING_NAME.fullmatch(m) for m in missing):
        raise bad("missing")
    if "files" not in manifest and manifest.get("format", 1) == 1 and backend_of(manifest) == EMBEDDED:
        return  # made before backups listed their checksums
    files, database = manifest.get("files"), database_file(manifest)
    if manifest.get("format") != FORMAT or not isinstance(files, dict) or database not in files:
        raise bad("files")
    for name, sha in files.items():
        photo = _PHOTO_NAME.fullmatch(name)
        if (
            not (isinstance(sha, str) and _SHA256.fullmatch(sha))
            or (name != database and not photo)
            or (photo and photo.group(2) != sha)
        ):
            raise bad(f"files: {name}")
    if len(files) - 1 != manifest["photos"]:
        raise bad("photos")


def listed_photos(source: Path, manifest: Manifest) -> dict[str, str]:
    """Photo file name → its sha256: those the manifest lists, or for a format 1 backup the files it holds."""
    if "files" in manifest:
        database = database_file(manifest)
        return {name: sha for name, sha in manifest["files"].items() if name != database}
    found = {str(p.relative_to(source)): p.stem for p in photo_files(source / PHOTO_FOLDER)}
    if len(found) != manifest["photos"] or not all(_PHOTO_NAME.fullmatch(name) for name in found):
        raise damaged(source, PHOTO_FOLDER)
    return found


def stage_file(source: Path, name: str, staging: Path, expected: str | None) -> None:
    """Copy one file of the backup into the staging folder, refused unless its checksum is the listed one."""
    try:
        copied = _copy_hashed(source / name, staging / name)
    except OSError:
        raise damaged(source, name) from None
    if expected is not None and copied != expected:
        raise damaged(source, name)


def stage_database(source: Path, manifest: Manifest, staging: Path) -> Path:
    """The backup's database file, checked against the manifest, in the staging folder."""
    name = database_file(manifest)
    stage_file(source, name, staging, manifest.get("files", {}).get(name))
    return staging / name


def stage_photos(source: Path, manifest: Manifest, staging: Path) -> dict[str, str]:
    """Every photo of the backup, each checked against its name and the manifest, in the staging folder."""
    listed = listed_photos(source, manifest)
    for name, sha in listed.items():
        stage_file(source, name, staging, sha)
    return listed


def check_photo_rows(source: Path, manifest: Manifest, referred: set[str], listed: dict[str, str]) -> None:
    """Refuse a backup whose database refers to photos it neither holds nor reports missing."""
    if referred - set(listed.values()) - {name.removesuffix(".jpg") for name in manifest["missing"]}:
        raise damaged(source, PHOTO_FOLDER)


def staging_folder(data_dir: Path) -> Path:
    """A new hidden folder inside the data folder, for the checked copy of a backup (removed after)."""
    private_folder(data_dir)
    staging = data_dir / f".restore-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}"
    staging.mkdir(mode=0o700)
    return staging


def place_photos(staging: Path, names: Iterable[str], photo_root: Path, added: list[Path] | None = None) -> None:
    """Move the staged photos into the photo store, noting in `added` the files that were not there before."""
    added = [] if added is None else added
    for name in names:
        target = photo_root / Path(name).relative_to(PHOTO_FOLDER)
        private_folder(target.parent)
        if not target.exists():
            added.append(target)
        os.replace(staging / name, target)
