"""The one DuckDB database of a process: opening, migrations, reads and serialised writes.

DuckDB allows one read-write process per file, and one connection object must not be used by two
threads at once. So a process opens the file once (`Database`), every thread reads through its own
cursor, and every write goes through `Database.write()`, which holds one lock and one transaction.
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import duckdb

if TYPE_CHECKING:
    import pandas as pd  # not at run time: `python -m audit init` starts without pandas

from audit import config
from audit.errors import UserFacingError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DIALECT = "duckdb"

# A query's parameters: values for its `?` in order, or by name for its `$name`s.
Params = Sequence[object] | Mapping[str, object]


class Cursor(Protocol):
    """What the services call on a cursor, in a write transaction or not, on either back end: DuckDB's
    connection, or audit/pg.py's Cursor over PostgreSQL (which keeps DuckDB's call shapes)."""

    def execute(self, query: str, parameters: Any = None, /) -> Cursor: ...

    def executemany(self, query: str, parameters: Any, /) -> Cursor: ...

    def fetchone(self) -> tuple[Any, ...] | None: ...

    def fetchall(self) -> list[tuple[Any, ...]]: ...

    def df(self) -> pd.DataFrame: ...


def dialect_of(cur: Any) -> str:
    """Which SQL a transaction's cursor runs: DuckDB's own, or PostgreSQL's (audit/pg.py's cursor says so)."""
    return getattr(cur, "dialect", DIALECT)


_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.(sql|py)$")


class DatabaseLocked(UserFacingError):
    """Another process (usually the running app) holds the database file."""

    def __init__(self, path: Path):
        super().__init__("db.error.locked", path=str(path))


class DatabaseDamaged(UserFacingError):
    """The file cannot be read as this app's database (cut short, overwritten, not a database): nothing is changed."""

    def __init__(self, path: Path, detail: str):
        super().__init__("db.error.damaged", path=str(path), detail=detail)


class DatabaseWriteFailed(UserFacingError):
    """The disk refused a write (full, quota, file size limit): the transaction rolled back, nothing of it stored."""

    def __init__(self, path: Path):
        super().__init__("db.error.write_failed", path=str(path))


class DatabaseStopped(UserFacingError):
    """DuckDB stopped the open database after a failed write to disk (it must be reopened: a restart of the app)."""

    def __init__(self, path: Path):
        super().__init__("db.error.stopped", path=str(path))


_LOCKED = "could not set lock on file"
# A DuckDB file is three 4 KiB headers followed by its blocks (block n at FILE_HEADERS + n * block size).
_FILE_HEADERS = 3 * 4096


def keep_files_private() -> None:
    """Files this process creates from now on are its owner's alone (0600, folders 0700), as PostgreSQL does.
    DuckDB creates its write-ahead log anew after every checkpoint, with no mode of its own to ask for."""
    os.umask(0o077)


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """Open the file read-write, private to its owner. DatabaseLocked when another process has it open,
    DatabaseDamaged when it is not a whole database file."""
    keep_files_private()
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        if _LOCKED in str(exc).lower():
            raise DatabaseLocked(path) from exc
        if isinstance(exc, duckdb.IOException) and path.exists():
            raise DatabaseDamaged(path, str(exc)) from exc
        raise
    try:
        if path.stat().st_mode & 0o077:  # a file from before files were private
            path.chmod(0o600)
        _check_whole(con, path)
    except BaseException:
        con.close()
        raise
    return con


def _check_whole(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """DuckDB reads a table's blocks only when a query needs them, so a file cut short opens; it is found
    here, from the block numbers every stored column segment lies in (metadata only, no data read)."""
    block_size = scalar(con, "SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database()"
    ).fetchall()
    last = -1
    for schema, table in tables:
        table_last = scalar(
            con,
            "SELECT max(greatest(block_id, coalesce(list_max(additional_block_ids), -1))) "
            "FROM pragma_storage_info(?) WHERE persistent",
            [f'"{schema}"."{table}"'],
        )
        last = max(last, table_last if table_last is not None else -1)
    needed = _FILE_HEADERS + (last + 1) * block_size
    size = path.stat().st_size
    if last >= 0 and size < needed:
        raise DatabaseDamaged(path, f"the file holds {size:,} bytes of the {needed:,} its tables need")


def migration_files() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    numbers = [n for n, _ in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two migrations share a number in {MIGRATIONS_DIR}")
    return found


def _apply(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    if path.suffix == ".sql":
        con.execute(path.read_text(encoding="utf-8"))
        return
    spec = importlib.util.spec_from_file_location(f"audit_migration_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"migration {path.name} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(con)


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration in one transaction; returns the numbers applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    pending = [(n, p) for n, p in migration_files() if n not in done]
    if not pending:
        return []
    con.execute("BEGIN TRANSACTION")
    try:
        for number, path in pending:
            _apply(con, path)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [number, path.name])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return [n for n, _ in pending]


def single_row(con: Cursor, sql: str, params: Params | None = None) -> tuple[Any, ...]:
    """The row of a query that always gives one (an aggregate, a row looked up by a key known to exist)."""
    # fetchall: after fetchone DuckDB holds the result open, and the cursor refuses register() (pg.staged).
    rows = con.execute(sql, params or []).fetchall()
    if not rows:
        raise LookupError(f"no row from {sql}")
    return rows[0]


def scalar(con: Cursor, sql: str, params: Params | None = None) -> Any:
    """The one value of a query that always gives one row (a count, a max, a setting of the database)."""
    return single_row(con, sql, params)[0]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return cast(int, scalar(con, "SELECT coalesce(max(version), 0) FROM schema_migrations"))


class Database:
    """One open database file with its migrations applied."""

    dialect = DIALECT

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else config.database_path()
        self._con = connect(self.path)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        try:
            migrate(self._con)
        except duckdb.IOException as exc:  # a damaged block met while reading (DuckDB checks each block's checksum)
            self._con.close()
            raise DatabaseDamaged(self.path, str(exc)) from exc
        except BaseException:
            self._con.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread (DuckDB connections must not be shared across threads)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def query_df(self, sql: str, params: Params | None = None) -> pd.DataFrame:
        return self.cursor().execute(sql, params or []).df()

    def query_one(self, sql: str, params: Params | None = None) -> tuple[Any, ...] | None:
        # fetchall: a half-read result would leave the thread's cursor unusable for register().
        rows = self.cursor().execute(sql, params or []).fetchall()
        return rows[0] if rows else None

    def query_row(self, sql: str, params: Params | None = None) -> tuple[Any, ...]:
        """The one row of a query that always gives one (counts, a max, a setting)."""
        return single_row(self.cursor(), sql, params)

    def query_value(self, sql: str, params: Params | None = None) -> Any:
        """The first value of a query that always gives one row (a count, a max)."""
        return self.query_row(sql, params)[0]

    @contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Serialised write transaction: commits on success, rolls back on any error."""
        with self.writes_paused() as cur, _disk_failures_explained(self.path):
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")  # outside the try: a failed commit has rolled back, a ROLLBACK would hide why

    @contextmanager
    def writes_paused(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The thread's cursor, with no other write in the process until the block ends (for a backup)."""
        with self._write_lock:
            yield self.cursor()

    def get_meta(self, key: str) -> str | None:
        row = self.query_one("SELECT value FROM app_meta WHERE key = ?", [key])
        return row[0] if row else None

    def set_meta(self, key: str, value: str, cur: duckdb.DuckDBPyConnection | None = None) -> None:
        sql = "INSERT INTO app_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
        if cur is not None:
            cur.execute(sql, [key, value])
            return
        with self.write() as w:
            w.execute(sql, [key, value])

    def close(self) -> None:
        self._con.close()


_DISK_REFUSED = ("could not write", "no space left", "disk quota", "file too large")


@contextmanager
def _disk_failures_explained(path: Path) -> Iterator[None]:
    """A write the disk refused becomes a message for the user; DuckDB has rolled the transaction back, so a
    draft and its answers are as they were. Any other error passes unchanged."""
    try:
        yield
    except duckdb.FatalException as exc:  # the commit may be durable, but the open database is unusable
        raise DatabaseStopped(path) from exc
    except (duckdb.IOException, duckdb.TransactionException) as exc:
        if any(words in str(exc).lower() for words in _DISK_REFUSED):
            raise DatabaseWriteFailed(path) from exc
        raise
