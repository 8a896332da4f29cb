"""One app process's DuckDB copy of the shared PostgreSQL database (AUDIT_DATABASE_URL): every read runs
here, in the app's DuckDB SQL, and every write goes to PostgreSQL and comes back through its change log.

The copy is the same DuckDB file the embedded app uses (same migrations, same queries, one text per measure),
kept under this process's AUDIT_DATA_DIR. PostgreSQL logs each changed row's key in commit order
(audit/pg.py); catching up replaces the rows of each logged key with PostgreSQL's, in one DuckDB transaction,
and tells `on_change` (set at opening: scoring counts new audits here) what changed. A process catches up
before reads at most every FRESH_SECONDS, and always right after its own write, so a page shows what it saved.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import psycopg

from audit import pg
from audit.db import Database, single_row

# How stale a read may be for changes made by *other* processes (own writes are seen at once).
FRESH_SECONDS = 0.25
# How many log entries one catch-up applies at most (a far-behind copy catches up in several steps).
BATCH = 20_000

# Where the copy notes how far into PostgreSQL's change log it is, and which database it follows (pg.IDENTITY):
# keys PostgreSQL never writes.
_SEQ_KEY = "replica_seq"
_SOURCE_KEY = "replica_of"
LOCAL_KEYS = (_SEQ_KEY, _SOURCE_KEY)

# Where PostgreSQL stands: which database it is (pg.IDENTITY, new after a restore) and its last logged change.
_POSITION = f"SELECT ({pg.IDENTITY}), (SELECT coalesce(max(seq), 0) FROM replication_log)"

ChangeHandler = Callable[[duckdb.DuckDBPyConnection, dict[str, set[str]]], None]


class ReplicatedDatabase(Database):
    """A Database whose writes go to PostgreSQL and whose reads run on a local DuckDB copy of it."""

    dialect = pg.DIALECT

    def __init__(self, url: str, path: Path | str | None = None, on_change: ChangeHandler | None = None):
        super().__init__(path)  # the local copy, with the DuckDB migrations
        self.url = url
        self.store = pg.PostgresStore(url)
        self.on_change = on_change
        self._probe: psycopg.Connection | None = None
        self._sync_lock = threading.Lock()
        self._checked = 0.0
        try:
            self._seq = self._local_seq()
            self._source = self._local_meta(_SOURCE_KEY)
            if self._seq is None:
                self._load_everything()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ reads: the copy, kept fresh

    def cursor(self) -> duckdb.DuckDBPyConnection:
        self.fresh()
        return super().cursor()

    def fresh(self, force: bool = False) -> None:
        """Apply what other processes wrote since the last look (at most every FRESH_SECONDS unless forced)."""
        if not force and time.monotonic() - self._checked < FRESH_SECONDS:
            return
        with self._sync_lock:
            if not force and time.monotonic() - self._checked < FRESH_SECONDS:
                return
            if self._moved_on():
                while self._catch_up():
                    pass
            self._checked = time.monotonic()

    def _moved_on(self) -> bool:
        """Whether PostgreSQL holds anything this copy has not: one statement on a connection of its own (no
        pool, no transaction), since pages ask many times a second and the answer is almost always no."""
        for attempt in (1, 2):
            try:
                if self._probe is None or self._probe.closed:
                    self._probe = pg.connect(self.url, autocommit=True)
                row = self._probe.execute(_POSITION).fetchone()
                break
            except psycopg.OperationalError:  # the server restarted since: connect again, once
                self._probe = None
                if attempt == 2:
                    raise
        source: str
        last: int
        source, last = row  # type: ignore[misc]
        return source != self._source or last != self._seq

    # ------------------------------------------------------------------ writes: PostgreSQL

    @contextmanager
    def write(self) -> Iterator[pg.Cursor]:  # type: ignore[override]
        with self.store.write() as cur:
            yield cur
        self.fresh(force=True)  # read your own write

    @contextmanager
    def writes_paused(self) -> Iterator[duckdb.DuckDBPyConnection]:
        raise NotImplementedError("a backup on PostgreSQL uses pg_dump (audit/backup.py)")
        yield  # pragma: no cover

    def close(self) -> None:
        probe = getattr(self, "_probe", None)
        if probe is not None:
            probe.close()
        store = getattr(self, "store", None)
        if store is not None:
            store.close()
        super().close()

    # ------------------------------------------------------------------ keeping the copy

    def _copy(self) -> duckdb.DuckDBPyConnection:
        return Database.cursor(self)

    def _local_meta(self, key: str) -> str | None:
        row = self._copy().execute("SELECT value FROM app_meta WHERE key = ?", [key]).fetchall()
        return row[0][0] if row else None

    def _local_seq(self) -> int | None:
        seq = self._local_meta(_SEQ_KEY)
        return None if seq is None else int(seq)

    def _load_everything(self) -> None:
        """A new copy: every replicated table whole, as of one moment, then the derived counts. Tables come as
        CSV (PostgreSQL's COPY out, DuckDB's COPY in); the few with list columns (a product's channels) as rows."""
        with self.store.snapshot() as remote, self._write_lock, tempfile.TemporaryDirectory() as scratch:
            source, seq = single_row(remote, _POSITION)
            local = self._copy()
            local.execute("BEGIN TRANSACTION")
            try:
                for table in pg.CHANGE_KEYS:
                    local.execute(f"DELETE FROM {table}")
                    columns = local.execute(
                        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?"
                        " AND database_name = current_database() ORDER BY column_index",
                        [table],
                    ).fetchall()
                    listed = ", ".join(f'"{name}"' for name, _ in columns)
                    if any(kind.endswith("[]") for _, kind in columns):
                        _copy_rows(local, table, remote.execute(f"SELECT {listed} FROM {table}").df())
                        continue
                    csv = Path(scratch) / f"{table}.csv"
                    # In key order: audits and their lines arrive in date order, as the embedded file holds them,
                    # so DuckDB's zone maps skip what lies outside a dashboard's period.
                    order = pg.CHANGE_KEYS[table]
                    remote.copy_out(f"COPY (SELECT {listed} FROM {table} ORDER BY {order}) TO STDOUT (FORMAT csv)", csv)
                    if csv.stat().st_size:
                        # PostgreSQL's CSV: NULL unquoted and empty, an empty text quoted ("").
                        local.execute(
                            f"COPY {table} ({listed}) FROM '{csv}' (FORMAT csv, HEADER false, DELIMITER ',',"
                            " QUOTE '\"', ESCAPE '\"', ALLOW_QUOTED_NULLS false, AUTO_DETECT false)"
                        )
                    csv.unlink()
                self.set_meta(_SEQ_KEY, str(seq), cur=local)
                self.set_meta(_SOURCE_KEY, source, cur=local)
                if self.on_change is not None:
                    self.on_change(local, {table: set() for table in pg.CHANGE_KEYS})
                local.execute("COMMIT")
            except BaseException:
                local.execute("ROLLBACK")
                raise
        self._seq, self._source = seq, source

    def _replaced(self, remote: pg.Cursor) -> bool:
        """PostgreSQL holds another database than the one this copy follows: a restore gave it a new identity (and
        may have taken its log back behind the copy), or the URL now names another database."""
        source, last = single_row(remote, _POSITION)
        return bool(source != self._source or last < self._seq)

    def _catch_up(self) -> bool:
        """One batch of the change log applied; True when there may be more."""
        with self.store.snapshot() as remote:
            if self._replaced(remote):  # its log positions mean nothing there: the copy starts again, whole
                self._load_everything()
                return False
            log = remote.execute(
                "SELECT seq, tbl, key FROM replication_log WHERE seq > ? ORDER BY seq LIMIT ?", [self._seq, BATCH]
            ).fetchall()
            if not log:
                return False
            changed: dict[str, set[str]] = defaultdict(set)
            whole: set[str] = set()
            for _, table, key in log:
                if key is None:
                    whole.add(table)
                else:
                    changed[table].add(key)
            fetched = {}
            for table in whole:
                fetched[table] = remote.execute(f"SELECT * FROM {table}").df()
            for table, keys in changed.items():
                if table not in whole:
                    column = pg.CHANGE_KEYS[table]
                    # In key order: PostgreSQL's heap order is no promise, and the copy's reads (an audit's
                    # lines by audit id, so by date) skip row groups by the order rows arrive in.
                    fetched[table] = remote.execute(
                        f"SELECT * FROM {table} WHERE {column}::text = ANY(?) ORDER BY {column}", [sorted(keys)]
                    ).df()
        with self._write_lock:
            local = self._copy()
            local.execute("BEGIN TRANSACTION")
            try:
                for table, rows in fetched.items():
                    if table in whole:
                        local.execute(f"DELETE FROM {table}")
                    else:
                        column = pg.CHANGE_KEYS[table]
                        local.execute(
                            f"DELETE FROM {table} WHERE CAST({column} AS VARCHAR) IN (SELECT unnest(?))",
                            [sorted(changed[table])],
                        )
                    _copy_rows(local, table, rows)
                self.set_meta(_SEQ_KEY, str(log[-1][0]), cur=local)
                if self.on_change is not None:
                    self.on_change(local, {t: (set() if t in whole else changed[t]) for t in fetched})
                local.execute("COMMIT")
            except BaseException:
                local.execute("ROLLBACK")
                raise
        self._seq = log[-1][0]
        return len(log) == BATCH


def _copy_rows(local: duckdb.DuckDBPyConnection, table: str, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    local.register("replica_rows", rows)
    try:
        local.execute(f"INSERT INTO {table} BY NAME SELECT * FROM replica_rows")
    finally:
        local.unregister("replica_rows")
