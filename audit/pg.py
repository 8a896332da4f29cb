"""PostgreSQL as the shared system of record (AUDIT_DATABASE_URL=postgresql://…): connections, one write
transaction at a time across every app process, the migrations, and the change log the replicas follow.

Every write holds one advisory lock from its start to its commit. Writes are short (a tap's draft, a submit),
and this makes ids taken as `max(id) + 1` safe and the change log's order the commit order, which is what lets
each replica catch up by sequence number alone (audit/replica.py). The app's SQL is written once in the part of
SQL both DuckDB and PostgreSQL accept; `?` placeholders are filled in on the client (psycopg's ClientCursor), so
an untyped `? IS NULL` works as it does in DuckDB.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import FloatLoader
from psycopg_pool import ConnectionPool

from audit import db as duck

DIALECT = "postgres"
# The advisory lock every write takes (any number no other program on the server uses).
WRITE_LOCK = 0x5A0D17
MIGRATION_LOCK = WRITE_LOCK + 1
# Which database this is: one row, a new id on every restore (renew_identity). A replica's copy notes the id it
# was loaded from and reloads whole when the id changes (audit/replica.py).
IDENTITY_TABLE = "database_identity"
IDENTITY = f"SELECT min(id) FROM {IDENTITY_TABLE}"
# Tables derived from the audits on each replica (audit/scoring.py counts them there): never written here.
DERIVED_TABLES = ("audit_sku_metrics", "audit_metrics", "audit_totals")
# Each replicated table's changes are logged under one column: a replica replaces all its rows with that
# value. Tables without a key of their own (an audit's lines) are logged by the audit they belong to.
CHANGE_KEYS = {
    "app_meta": "key",
    "regions": "code",
    "dealers": "code",
    "users": "username",
    "sessions": "token_sha256",
    "stores": "code",
    "products": "code",
    "competitors": "code",
    "pop_types": "code",
    "audits": "id",
    "audit_lines": "audit_id",
    "audit_pop": "audit_id",
    "competitor_observations": "audit_id",
    "photos": "sha256",
    "audit_photos": "audit_id",
    "audit_drafts": "username",
    "draft_photos": "submission_key",
    "settings": "key",
    "planned_visits": "id",
    "signin_failures": "username",
    "signin_client_failures": "client",
    "cookie_tickets": "ticket_sha256",
    "actions": "id",
    "action_events": "action_id",
}

# A frame a write reads or inserts: a DataFrame, or an Arrow table (the import keeps its parsed types in one).
Frame: TypeAlias = pd.DataFrame | pa.Table
_INTEGER_TYPES = ("smallint", "integer", "bigint")


def placeholders(sql: str) -> str:
    """DuckDB's `?` placeholders as psycopg's `%s` (and a literal `%` doubled), leaving quoted text alone."""
    out, quote = [], ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        if char == "%":
            out.append("%%")
            continue
        out.append(char)
    return "".join(out)


def _plain(value: Any) -> Any:
    """A parameter as psycopg knows it: numpy and pandas scalars as Python values, pandas' gaps as NULL."""
    if isinstance(value, list | tuple | np.ndarray):  # an array parameter, or a DuckDB list in a DataFrame
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, str | bool | int | float | datetime | date):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _plain(value.item())
    return value


class Cursor:
    """A transaction's cursor with DuckDB's call shapes: execute() returns the cursor, df() a DataFrame."""

    dialect = DIALECT

    def __init__(self, cursor: psycopg.Cursor):
        self._cur = cursor

    def execute(self, sql: str, params: Sequence[object] | None = None) -> Cursor:
        self._cur.execute(placeholders(sql), [_plain(p) for p in params or []])
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> Cursor:
        self._cur.executemany(placeholders(sql), [[_plain(p) for p in row] for row in rows])
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cur.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cur.fetchall()

    def df(self) -> pd.DataFrame:
        columns = [c.name for c in self._cur.description or []]
        return pd.DataFrame(self._cur.fetchall(), columns=columns)

    def copy_out(self, statement: str, path: Path) -> None:
        """Write what a `COPY … TO STDOUT` statement sends into a file."""
        with self._cur.copy(statement) as copy, open(path, "wb") as out:
            for chunk in copy:
                out.write(chunk)

    def insert_frame(self, table: str, frame: Frame) -> None:
        """Append a frame's rows to `table` by column name, with COPY (DuckDB registers and inserts)."""
        if len(frame):
            self._copy_in(table, _columns(frame, self._column_types(table)))

    def stage(self, name: str, frame: Frame, like: str | None = None) -> None:
        """A temporary table `name` holding the frame's rows, typed as `like`'s columns of the same names (else
        by the frame's own types); it goes at commit at the latest (see `staged`)."""
        columns = _columns(frame, self._column_types(like) if like else {})
        spec = ", ".join(f'"{column}" {kind}' for column, kind, _ in columns)
        self._cur.execute(f"CREATE TEMP TABLE {name} ({spec}) ON COMMIT DROP")
        self._copy_in(name, columns)

    def unstage(self, name: str) -> None:
        # A failed transaction refuses every statement; its rollback removes the table anyway.
        if self._cur.connection.info.transaction_status != TransactionStatus.INERROR:
            self._cur.execute(f"DROP TABLE IF EXISTS pg_temp.{name}")

    def _column_types(self, table: str) -> dict[str, str]:
        rows = self._cur.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped",
            [table],
        ).fetchall()
        if not rows:
            raise LookupError(f"no table {table} to take column types from")
        return dict(rows)

    def _copy_in(self, table: str, columns: list[tuple[str, str, list[object]]]) -> None:
        listed = ", ".join(f'"{column}"' for column, _, _ in columns)
        with self._cur.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
            for row in zip(*(values for _, _, values in columns), strict=True):
                copy.write_row(row)


def _names(frame: Frame) -> list[str]:
    return list(frame.column_names) if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]


def _arrow_column(frame: Frame, name: str) -> pa.Array | pa.ChunkedArray | None:
    if isinstance(frame, pa.Table):
        return frame.column(name)
    try:
        return pa.array(frame[name], from_pandas=True)  # NaN, NaT, None and pd.NA all become NULL
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # mixed Python values: psycopg adapts them one by one


def _pg_type(kind: pa.DataType) -> str:
    """PostgreSQL's type for a column staged without a table to copy types from."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _pg_type(kind.value_type) + "[]"
    for test, name in (
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_integer, "BIGINT"),
        (pa.types.is_floating, "DOUBLE PRECISION"),
        (pa.types.is_decimal, "NUMERIC"),
        (pa.types.is_date, "DATE"),
        (pa.types.is_timestamp, "TIMESTAMP"),
    ):
        if test(kind):
            return name
    return "TEXT"


def _columns(frame: Frame, target: dict[str, str]) -> list[tuple[str, str, list[object]]]:
    """Each column as (name, PostgreSQL type, Python values with None for NULL), read through Arrow: a
    fraction of the time per value that pandas' rows take. A float column bound for an integer column (pandas
    holds integers with gaps as floats) is cast, refusing fractions, since COPY takes no 12.0 for a BIGINT."""
    columns = []
    for name in _names(frame):
        array = _arrow_column(frame, name)
        kind = target.get(name) or ("TEXT" if array is None else _pg_type(array.type))
        if array is None:
            values = [_plain(v) for v in frame[name]]
        else:
            if kind in _INTEGER_TYPES and pa.types.is_floating(array.type):
                array = pc.cast(array, pa.int64())
            values = array.to_pylist()
        columns.append((name, kind, values))
    return columns


def insert_frame(cur: Any, table: str, frame: Frame) -> None:
    """Append a frame's rows to `table` by column name in the caller's write transaction, on either back end:
    PostgreSQL's cursor copies them in, DuckDB scans the frame where it lies."""
    if duck.dialect_of(cur) == DIALECT:
        cur.insert_frame(table, frame)
        return
    listed = ", ".join(_names(frame))
    with staged(cur, "inserted_rows", frame):
        cur.execute(f"INSERT INTO {table} ({listed}) SELECT {listed} FROM inserted_rows")


@contextmanager
def staged(cur: Any, name: str, frame: Frame, like: str | None = None) -> Iterator[None]:
    """The frame readable as the table `name` by the statements of the caller's write transaction, until the
    block ends, on either back end. DuckDB scans the frame where it lies (register). PostgreSQL cannot see a
    client's memory: the rows are copied into a temporary table, its columns typed as `like`'s of the same
    names (give the table the frame's rows are bound for: its types, not guesses from pandas), dropped at the
    end of the block and at commit at the latest (ON COMMIT DROP)."""
    if duck.dialect_of(cur) == DIALECT:
        cur.stage(name, frame, like)
        try:
            yield
        finally:
            cur.unstage(name)
        return
    cur.register(name, frame)
    try:
        yield
    finally:
        # An aborted transaction refuses even this; its rollback drops the view (registered in it) anyway.
        with suppress(duckdb.TransactionException):
            cur.unregister(name)


def _configure(conn: psycopg.Connection) -> None:
    # numeric as float, as DuckDB's DECIMAL arrives in a DataFrame: the two back ends give the same numbers.
    conn.adapters.register_loader("numeric", FloatLoader)
    conn.cursor_factory = psycopg.ClientCursor


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    conn = psycopg.connect(url, autocommit=autocommit, cursor_factory=psycopg.ClientCursor)
    _configure(conn)
    return conn


def ddl(sql: str) -> str:
    """A migration written for DuckDB, in PostgreSQL's spelling of the same types. The few differences are
    listed here once; a migration that needs more than these fails tests/unit/test_pg.py."""
    sql = re.sub(r"\bDOUBLE\b(?!\s+PRECISION)", "DOUBLE PRECISION", sql)
    sql = re.sub(r"\bTINYINT\b", "SMALLINT", sql)
    sql = re.sub(r"\bUBIGINT\b", "BIGINT", sql)  # 013 keeps photo hashes as signed 64-bit numbers in both
    return re.sub(r"DEFAULT\s*\[\]", "DEFAULT '{}'", sql)


_CHANGE_LOG = """
CREATE TABLE IF NOT EXISTS replication_log (
    seq  BIGSERIAL PRIMARY KEY,
    tbl  TEXT NOT NULL,
    key  TEXT            -- NULL: the whole table changed (TRUNCATE)
);
CREATE OR REPLACE FUNCTION log_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Writers that did not come through the app take the write lock here, so the log stays in commit order.
    PERFORM pg_advisory_xact_lock(%(lock)s);
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO replication_log (tbl, key) VALUES (TG_TABLE_NAME, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('INSERT INTO replication_log (tbl, key) SELECT DISTINCT %%L, %%I::text FROM old_rows',
                       TG_TABLE_NAME, TG_ARGV[0]);
    ELSE
        EXECUTE format('INSERT INTO replication_log (tbl, key) SELECT DISTINCT %%L, %%I::text FROM new_rows',
                       TG_TABLE_NAME, TG_ARGV[0]);
        IF TG_OP = 'UPDATE' THEN
            EXECUTE format('INSERT INTO replication_log (tbl, key) SELECT DISTINCT %%L, %%I::text FROM old_rows'
                           ' EXCEPT SELECT %%L, %%I::text FROM new_rows',
                           TG_TABLE_NAME, TG_ARGV[0], TG_TABLE_NAME, TG_ARGV[0]);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TABLE IF NOT EXISTS database_identity (id TEXT NOT NULL);
INSERT INTO database_identity (id) SELECT gen_random_uuid()::text WHERE NOT EXISTS (SELECT 1 FROM database_identity);
"""


def _install_change_log(cur: psycopg.Cursor) -> None:
    cur.execute(_CHANGE_LOG % {"lock": WRITE_LOCK})
    tables = {r[0] for r in cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
    unlogged = (
        tables - set(CHANGE_KEYS) - set(DERIVED_TABLES) - {"schema_migrations", "replication_log", IDENTITY_TABLE}
    )
    if unlogged:
        raise RuntimeError(f"say in audit/pg.py CHANGE_KEYS how replicas follow {sorted(unlogged)}")
    for table, key in CHANGE_KEYS.items():
        # A replica fetches changed rows by their logged key as text (audit/replica.py): found by an index,
        # not by reading 14 million SKU lines for each submit.
        cur.execute(f"CREATE INDEX IF NOT EXISTS follow_{table} ON {table} (({key}::text))")
        for op, rows in (("insert", "NEW TABLE AS new_rows"), ("delete", "OLD TABLE AS old_rows")):
            cur.execute(f"DROP TRIGGER IF EXISTS log_{op} ON {table}")
            cur.execute(
                f"CREATE TRIGGER log_{op} AFTER {op.upper()} ON {table} REFERENCING {rows}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION log_changes('{key}')"
            )
        cur.execute(f"DROP TRIGGER IF EXISTS log_update ON {table}")
        cur.execute(
            f"CREATE TRIGGER log_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows"
            f" NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION log_changes('{key}')"
        )
        cur.execute(f"DROP TRIGGER IF EXISTS log_truncate ON {table}")
        cur.execute(
            f"CREATE TRIGGER log_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION log_changes()"
        )


def migrate(url: str) -> list[int]:
    """Apply every pending migration in one transaction, once however many replicas start together; then
    (re)install the change log's triggers on every replicated table."""
    with connect(url) as conn, conn.transaction():
        return apply_migrations(conn.cursor())


def apply_migrations(cur: psycopg.Cursor) -> list[int]:
    """migrate() in the caller's transaction (a restore upgrades an older backup in the one it restores in)."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in cur.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for number, path in duck.migration_files():
        if number in done:
            continue
        if path.suffix != ".sql":
            raise RuntimeError(f"migration {path.name} is Python: give it a PostgreSQL form")
        cur.execute(ddl(path.read_text(encoding="utf-8")))
        cur.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", [number, path.name])
        applied.append(number)
    _install_change_log(cur)
    return applied


def renew_identity(cur: psycopg.Cursor) -> None:
    """A new identity for the database (a restore made it another one): every replica's copy reloads whole."""
    cur.execute(f"UPDATE {IDENTITY_TABLE} SET id = gen_random_uuid()::text")


def copy_from_duckdb(url: str, path: Path) -> dict[str, int]:
    """Every stored row of an embedded DuckDB file into an empty, migrated PostgreSQL database (moving a
    one-process installation to the shared database; the derived counts are not copied, replicas count).
    Returns the rows copied per table."""
    with connect(url) as conn, conn.transaction():
        return copy_rows_from_duckdb(conn.cursor(), path)


def copy_rows_from_duckdb(cur: psycopg.Cursor, path: Path) -> dict[str, int]:
    """copy_from_duckdb() in the caller's transaction (a restore of an embedded backup into PostgreSQL). Tables
    go through CSV files DuckDB writes and COPY reads (14 million SKU lines in minutes, not the hours of rows
    through Python)."""
    source = duckdb.connect(str(path))  # read only in practice; the same configuration as the app's own connection
    copied = {}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])
            for table in CHANGE_KEYS:
                columns = source.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND database_name ="
                    " current_database() ORDER BY column_index",
                    [table],
                ).fetchall()
                csv = Path(scratch) / f"{table}.csv"
                # A list column as PostgreSQL's array literal: its items are codes (no commas, quotes or braces).
                values = ", ".join(
                    f"'{{' || array_to_string(\"{name}\", ',') || '}}'" if kind.endswith("[]") else f'"{name}"'
                    for name, kind in columns
                )
                source.execute(f"COPY (SELECT {values} FROM {table}) TO '{csv}' (FORMAT csv, HEADER false)")
                listed = ", ".join(f'"{name}"' for name, _ in columns)
                with cur.copy(f"COPY {table} ({listed}) FROM STDIN (FORMAT csv)") as copy, open(csv, "rb") as rows:
                    while chunk := rows.read(1 << 20):
                        copy.write(chunk)
                copied[table] = cur.rowcount
    finally:
        source.close()
    return copied


class PostgresStore:
    """The shared database: a small pool of connections, and write() as one transaction under the write lock."""

    dialect = DIALECT

    def __init__(self, url: str, max_connections: int = 8):
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"cursor_factory": psycopg.ClientCursor},
            configure=_configure,
            open=True,
        )
        self._one_writer = threading.Lock()

    @contextmanager
    def write(self) -> Iterator[Cursor]:
        # This process's writers take turns before taking a connection: PostgreSQL lets one write at a time
        # anyway, and writers queued on the advisory lock would hold every pooled connection while the one
        # writing needs another to read (a replica catching up), which waited for the pool's timeout.
        with self._one_writer, self.pool.connection() as conn, conn.transaction():
            cur = Cursor(conn.cursor())
            cur.execute("SELECT pg_advisory_xact_lock(?)", [WRITE_LOCK])
            yield cur

    @contextmanager
    def snapshot(self) -> Iterator[Cursor]:
        """A read-only transaction that sees one moment of the database (the change log and rows agree)."""
        with self.pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield Cursor(conn.cursor())

    def close(self) -> None:
        self.pool.close()
