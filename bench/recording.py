"""The exact SQL a data function runs: recorded while it runs, replayed straight on a cursor.

A RecordingDatabase stands in for audit.db.Database (the data functions use only query_df, query_one and
cursor().execute(...).fetch...), passes every statement through to the real database and keeps its text,
parameters, how it was fetched and what came back. Replaying those statements on a plain cursor is "the
raw SQL the function needs": the difference to calling the function is our Python around the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from audit.db import Database


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any
    fetch: str  # "df", "fetchall" or "fetchone": how the function read the result
    result: Any  # what the function got back


class _RecordingCursor:
    def __init__(self, recorder: RecordingDatabase):
        self._recorder = recorder
        self._pending: tuple[str, Any] | None = None

    def execute(self, sql: str, params=None) -> _RecordingCursor:
        self._pending = (sql, params or [])
        self._result = self._recorder.db.cursor().execute(sql, params or [])
        return self

    def _fetch(self, how: str):
        result = getattr(self._result, how)()
        self._recorder.statements.append(Statement(*self._pending, how, result))
        return result

    def df(self):
        return self._fetch("df")

    def fetchall(self):
        return self._fetch("fetchall")

    def fetchone(self):
        return self._fetch("fetchone")


class RecordingDatabase:
    """A Database that remembers every statement run through it."""

    def __init__(self, db: Database):
        self.db = db
        self.path = db.path
        self.statements: list[Statement] = []

    def cursor(self) -> _RecordingCursor:
        return _RecordingCursor(self)

    def query_df(self, sql: str, params=None):
        return self.cursor().execute(sql, params).df()

    def query_one(self, sql: str, params=None):
        rows = self.cursor().execute(sql, params).fetchall()
        return rows[0] if rows else None


def record(call: Callable[[Any], Any], db: Database) -> tuple[Any, list[Statement]]:
    """Run call(db) through a recorder: its result and the statements it ran, in order."""
    recorder = RecordingDatabase(db)
    return call(recorder), recorder.statements


def replay(db: Database, statements: list[Statement]) -> list:
    """Run the statements as they were run, on the thread's cursor; their results in order."""
    cur = db.cursor()
    return [getattr(cur.execute(s.sql, s.params), s.fetch)() for s in statements]
