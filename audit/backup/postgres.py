"""Backup and restore on PostgreSQL (AUDIT_DATABASE_URL), with PostgreSQL's own tools: pg_dump and pg_restore.

Backup: pg_dump's custom format of the app's schema (`public`), as of one moment that the photos agree with.
Every photo file is copied first, while writes go on. Then the backup takes the write lock every writer takes
(audit/pg.py), exports a snapshot, reads the photo rows in it and starts pg_dump on that same snapshot; the lock
is held only while the photos added since the first pass are copied (no photo row can be forgotten and its file
swept meanwhile), then writes go on while pg_dump reads the snapshot.

Restore, after the backup is checked in a staging folder (the manifest, every file's sha256, `pg_restore
--list` reading the dump's table of contents), runs in ONE transaction of the configured database, under the
migration and write locks: the current `public` schema is renamed `before_restore_<time>` (kept, like the
embedded restore's before-restore folder; dropped when it holds no row), pg_restore's script recreates the
schema and its rows, the backup's photo rows are checked against its files, an older backup is upgraded by the
same migrations, and the database gets a new identity (pg.renew_identity), from which every replica's DuckDB
copy learns to reload itself whole (audit/replica.py). Any failure rolls all of it back. This rather than
`pg_restore --clean --single-transaction` (which leaves tables the backup does not have, e.g. of a newer
migration, and keeps nothing of what it drops) or a new database renamed into place (which needs CREATEDB, no
connection to either database, so every replica cut off, and loses the database's own settings and grants).
The restoring role must own the database (it renames and creates its `public` schema); the restored objects
belong to it (pg_restore --no-owner), so the app's own URL is the one to restore with.

An embedded backup restored with AUDIT_DATABASE_URL set goes the same way, its rows copied by
pg.copy_rows_from_duckdb into a schema made by the migrations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from audit import pg
from audit.backup import archive, embedded
from audit.backup.archive import DUMP_FILE, BackupError, Manifest, Summary
from audit.db import migration_files

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SCHEMA = "public"  # the app's tables, functions and change log; the only schema backed up
_REQUIRED_TABLES = {"schema_migrations", "audits", "photos", "replication_log"}
_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE (\S+) (\S+) ")
_SCHEMA_ENTRY = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ")
_COPY = re.compile(rb"^COPY \S+ \(.*\) FROM stdin;\n$")
_COPY_END = b"\\.\n"
# psql's guard lines around a script (pg_dump 15.14 and later): meant for psql, nothing for the server.
_PSQL_GUARDS = (b"\\restrict ", b"\\unrestrict ")
_COPY_BATCH = 1 << 20


def program(name: str) -> str:
    """PostgreSQL's client program `name`: the newest of Debian's /usr/lib/postgresql/<version>/bin (pg_dump must
    be at least as new as the server), else the one on PATH."""
    found = [path for path in DEBIAN_BINARIES.glob(f"*/bin/{name}") if os.access(path, os.X_OK)]
    if found:
        return str(max(found, key=lambda path: _version_key(path.parent.parent.name)))
    on_path = shutil.which(name)
    if on_path is None:
        raise BackupError("backup.error.no_program", program=name)
    return on_path


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in name.split("."))


def client_connection(url: str) -> tuple[str, dict[str, str]]:
    """The connection for a client program: its parameters without the password, which goes in the environment
    (a command line is visible to every user of the machine)."""
    params = conninfo_to_dict(url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def database_name(url: str) -> str:
    params = conninfo_to_dict(url)
    return str(params.get("dbname") or params.get("user") or "")


def _reason(exc: psycopg.Error) -> str:
    """PostgreSQL's own words for a failure, in one line (never the connection's password)."""
    primary = exc.diag.message_primary if isinstance(exc, psycopg.DatabaseError) and exc.diag else None
    text = primary or str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _last_line(stream: IO[bytes]) -> str:
    stream.seek(0)
    lines = [line for line in stream.read().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


# ---------------------------------------------------------------- backup


def backup(url: str, target: Path, photo_root: Path) -> Summary:
    """pg_dump of the app's schema and every photo file its rows refer to, into the new or empty folder `target`."""
    started = time.perf_counter()
    pg_dump = program("pg_dump")
    archive.start(target)
    conninfo, env = client_connection(url)
    try:
        with pg.connect(url) as conn:  # every photo there is now, while writes go on (archive.copy_photos)
            early, _ = archive.copy_photos(_photo_hashes(conn.cursor()), photo_root, target)
        with pg.connect(url) as writes, pg.connect(url) as snapshot, tempfile.TemporaryFile() as errors:
            # The lock first, the snapshot after: every write is either in the snapshot or waits for the photos.
            writes.execute("SELECT pg_advisory_xact_lock(%s)", [pg.WRITE_LOCK])
            snapshot.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur = snapshot.cursor()
            name = _one(cur, "SELECT pg_export_snapshot()")
            version = _one(cur, "SELECT coalesce(max(version), 0) FROM schema_migrations")
            audits = _one(cur, "SELECT count(*) FROM audits")
            server = _one(cur, "SHOW server_version")
            hashes = _photo_hashes(cur)
            dump = subprocess.Popen(
                [
                    pg_dump,
                    "--format=custom",
                    f"--schema={SCHEMA}",
                    f"--snapshot={name}",
                    "--no-password",
                    f"--file={target / DUMP_FILE}",
                    f"--dbname={conninfo}",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
            try:
                files, missing = archive.copy_photos(hashes, photo_root, target, early)
                writes.rollback()  # writes go on; pg_dump reads the snapshot, kept until it is done
                finished = dump.wait()
            except BaseException:
                dump.kill()
                dump.wait()
                raise
            failure = _last_line(errors) if finished != 0 else ""
    except psycopg.Error as exc:
        raise BackupError("backup.error.postgres_backup", path=str(target), detail=_reason(exc)) from None
    if failure or not (target / DUMP_FILE).exists():
        raise BackupError("backup.error.postgres_backup", path=str(target), detail=failure or "pg_dump")
    archive.finish(target, archive.POSTGRES, version, audits, files, missing, server_version=server)
    return Summary(
        target, version, audits, len(files), tuple(missing), archive.folder_bytes(target), time.perf_counter() - started
    )


def _photo_hashes(cur: psycopg.Cursor) -> set[str]:
    return {h for row in cur.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}


def _one(cur: psycopg.Cursor, sql: str) -> Any:
    row = cur.execute(sql).fetchone()
    if row is None:
        raise LookupError(f"no row from {sql}")
    return row[0]


# ---------------------------------------------------------------- checking a dump


def _check_dump(source: Path, dump: Path) -> None:
    """pg_restore reads the dump's table of contents: a dump of this app's schema alone, with its tables."""
    listing = subprocess.run(
        [program("pg_restore"), "--list", str(dump)], capture_output=True, text=True, errors="replace", check=False
    )
    if listing.returncode != 0:
        raise archive.damaged(source, DUMP_FILE)
    lines = listing.stdout.splitlines()
    schemas = {m.group(1) for line in lines if (m := _SCHEMA_ENTRY.match(line))}
    tables = {m.group(2) for line in lines if (m := _TABLE_ENTRY.match(line)) and m.group(1) == SCHEMA}
    if schemas != {SCHEMA} or not tables >= _REQUIRED_TABLES:
        raise archive.damaged(source, DUMP_FILE)


# ---------------------------------------------------------------- restore


def restore(
    source: Path, manifest: Manifest, url: str, data_dir: Path, photo_root: Path, replace: bool
) -> tuple[Summary, str | None]:
    """Restore a backup (of PostgreSQL, or of the embedded file) into the PostgreSQL database at `url`, checked
    first in a staging folder inside `data_dir`. The database must hold no rows unless `replace`; what it held is
    kept in a schema whose name is returned. The photos join those in `photo_root` (content-addressed: a file
    no row refers to any more is left for `sweep-photos`)."""
    started = time.perf_counter()
    known = max(number for number, _ in migration_files())
    if manifest["schema_version"] > known:  # said before anything is read; the restored rows are checked again
        raise BackupError("backup.error.newer", path=str(source), version=manifest["schema_version"], known=known)
    staging = archive.staging_folder(data_dir)
    try:
        if archive.backend_of(manifest) == archive.POSTGRES:
            pg_restore = program("pg_restore")
            dump = archive.stage_database(source, manifest, staging)
            _check_dump(source, dump)
            listed = archive.stage_photos(source, manifest, staging)
            names = sorted(listed)

            def load(cur: psycopg.Cursor) -> None:
                _load_dump(cur, source, pg_restore, dump)
                _check_restored(cur, source, manifest, listed)
                pg.apply_migrations(cur)  # an older backup upgrades here, inside the same transaction
        else:
            # Checked, upgraded and its photos compared with its rows in staging, as on the embedded back end.
            _, _, names = embedded.stage(source, manifest, staging)
            copy = staging / archive.DATABASE_FILE

            def load(cur: psycopg.Cursor) -> None:
                cur.execute(f"CREATE SCHEMA {SCHEMA}")
                pg.apply_migrations(cur)
                pg.copy_rows_from_duckdb(cur, copy)

        version, audits, aside = _restore_in_one_transaction(url, source, replace, load, staging, names, photo_root)
    except psycopg.Error as exc:
        raise BackupError("backup.error.postgres_restore", path=str(source), detail=_reason(exc)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary = archive.restored(source, source, manifest, version, audits, len(names), started, database_name(url))
    return summary, aside


def _restore_in_one_transaction(
    url: str,
    source: Path,
    replace: bool,
    load: Callable[[psycopg.Cursor], None],
    staging: Path,
    names: list[str],
    photo_root: Path,
) -> tuple[int, int, str | None]:
    """(schema version, audits, the schema the previous tables were kept in) of a restore done in one
    transaction, committed only once the photos are in place."""
    with pg.connect(url) as conn:
        cur = conn.cursor()
        # Replicas starting (migrations) and every writer wait; readers see the old rows until the commit.
        cur.execute("SELECT pg_advisory_xact_lock(%s), pg_advisory_xact_lock(%s)", [pg.MIGRATION_LOCK, pg.WRITE_LOCK])
        aside = _clear_schema(cur, url, replace)
        load(cur)
        pg.renew_identity(cur)
        version = _one(cur, "SELECT coalesce(max(version), 0) FROM schema_migrations")
        audits = _one(cur, "SELECT count(*) FROM audits")
        added: list[Path] = []
        try:
            # Photos before the commit: as in the app, no row is there before its file.
            archive.place_photos(staging, names, photo_root, added)
            conn.commit()
        except BaseException:
            for path in added:  # files of a restore that did not happen
                path.unlink(missing_ok=True)
            raise
    return version, audits, aside


def _clear_schema(cur: psycopg.Cursor, url: str, replace: bool) -> str | None:
    """Make room for the restored schema: the current one renamed aside when it holds any row (only with
    `replace`), dropped when it holds none. Returns the name it was kept under."""
    tables = [
        row[0]
        for row in cur.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY 1",
            [SCHEMA],
        ).fetchall()
    ]
    holds_rows = any(
        _one(cur, f'SELECT EXISTS (SELECT 1 FROM {SCHEMA}."{table}")') for table in tables if table != pg.IDENTITY_TABLE
    )
    if holds_rows and not replace:
        raise BackupError("backup.error.database_not_empty", database=database_name(url))
    exists = _one(cur, f"SELECT count(*) FROM pg_namespace WHERE nspname = '{SCHEMA}'")
    if not exists:
        return None
    if not holds_rows:
        cur.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
        return None
    aside = f"before_restore_{datetime.now():%Y%m%d_%H%M%S}"
    cur.execute(f"ALTER SCHEMA {SCHEMA} RENAME TO {aside}")
    return aside


def _load_dump(cur: psycopg.Cursor, source: Path, pg_restore: str, dump: Path) -> None:
    """pg_restore's script of the dump, run in the caller's transaction: its statements as they are, each table's
    rows through COPY. Objects belong to the restoring role (--no-owner)."""
    with tempfile.TemporaryFile() as errors:
        script = subprocess.Popen(
            [pg_restore, "--no-owner", "--file=-", str(dump)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert script.stdout is not None
        lines = iter(script.stdout)
        try:
            try:
                _run_script(cur, lines)
            except (_CutShort, psycopg.Error):
                # A block pg_restore cannot read ends its script midway (its rows cut off, or a COPY left open):
                # how pg_restore ends tells a damaged dump from PostgreSQL refusing a whole one.
                for _ in lines:
                    pass
                if script.wait() != 0:
                    raise archive.damaged(source, DUMP_FILE) from None
                raise
            except _UnknownCommand as exc:
                raise BackupError("backup.error.postgres_restore", path=str(source), detail=str(exc)) from None
        except BaseException:
            script.kill()
            raise
        finally:
            script.stdout.close()
            finished = script.wait()
        if finished != 0:  # a block that does not read, after the last COPY
            raise archive.damaged(source, DUMP_FILE)
    cur.execute("RESET ALL")  # the script's settings (an empty search_path among them) end with it


class _CutShort(Exception):
    """The script ended inside a COPY block."""


class _UnknownCommand(Exception):
    """A psql command in the script other than its guards."""


def _run_script(cur: psycopg.Cursor, lines: Iterator[bytes]) -> None:
    """Run a plain-format dump script: the statements between COPY blocks in one go each, each COPY block's
    lines streamed in batches to `COPY … FROM STDIN`."""
    statements: list[bytes] = []

    def flush() -> None:
        text = b"".join(statements).decode("utf-8")
        statements.clear()
        if text.strip():
            cur.execute(text)

    for line in lines:
        if line.startswith(_PSQL_GUARDS):
            continue
        if _COPY.match(line):
            flush()
            with cur.copy(line.decode("utf-8").rstrip().removesuffix(";")) as copy:
                batch: list[bytes] = []
                size = 0
                for row in lines:
                    if row == _COPY_END:
                        break
                    batch.append(row)
                    size += len(row)
                    if size >= _COPY_BATCH:
                        copy.write(b"".join(batch))
                        batch, size = [], 0
                else:
                    raise _CutShort()
                copy.write(b"".join(batch))
            continue
        if line.startswith(b"\\"):
            raise _UnknownCommand(line[:40].decode("utf-8", "replace").strip())
        statements.append(line)
    flush()


def _check_restored(cur: psycopg.Cursor, source: Path, manifest: Manifest, listed: dict[str, str]) -> None:
    """What the embedded restore checks on its staged file, here on the restored rows before the commit: the
    schema version the manifest names and this code knows, and a file (or a note of it missing) for each photo."""
    known = max(number for number, _ in migration_files())
    version = _one(cur, "SELECT coalesce(max(version), 0) FROM schema_migrations")
    if version > known:
        raise BackupError("backup.error.newer", path=str(source), version=version, known=known)
    if version != manifest["schema_version"]:
        raise archive.damaged(source, DUMP_FILE)
    archive.check_photo_rows(source, manifest, _photo_hashes(cur), listed)
