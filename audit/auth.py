"""Local accounts: argon2 password hashes, browser sessions, role rules."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit import config
from audit.db import Cursor, Database, scalar
from audit.errors import UserFacingError
from audit.i18n import local_or_english, person_sql

if TYPE_CHECKING:
    import pandas as pd

_hasher = PasswordHasher()


def hash_password(plain: str) -> str:
    return _hasher.hash(plain)


def password_matches(password_hash: str, plain: str) -> bool:
    try:
        return _hasher.verify(password_hash, plain)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    dealer_code: str | None
    language: str
    display_name_en: str | None = None

    @property
    def sees_all_stores(self) -> bool:
        return self.role in ("manager", "admin")

    def name(self, lang: str) -> str:
        """The display name for a page in `lang` (the English one on English pages, when there is one)."""
        return local_or_english(self.display_name, self.display_name_en, lang)


_USER_COLUMNS = "username, display_name, role, dealer_code, language, display_name_en"
# Demo accounts (password "demo") stop working once the company has an administrator of its own: from then on
# the data is real. One condition for sign-in and for every session check (a demo session ends at once).
CAN_SIGN_IN = """active AND (NOT is_demo OR NOT EXISTS (
    SELECT 1 FROM users own WHERE own.role = 'admin' AND own.active AND NOT own.is_demo))"""


def get_user(db: Database, username: str) -> User | None:
    row = db.query_one(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ? AND {CAN_SIGN_IN}", [username])
    return User(*row) if row else None


def listed_demo_accounts(db: Database, lang: str) -> pd.DataFrame:
    """The demo accounts the sign-in page offers (one per role, with how many more), only while every account
    is a demo one: once real users exist, nobody is shown a password."""
    return db.query_df(
        f"""SELECT username, role, {person_sql(lang)} AS display_name, count(*) OVER (PARTITION BY role) - 1 AS others
            FROM users u WHERE is_demo AND {CAN_SIGN_IN} AND NOT EXISTS (SELECT 1 FROM users own WHERE NOT own.is_demo)
            QUALIFY row_number() OVER (PARTITION BY role ORDER BY username) = 1
            ORDER BY list_position(['admin', 'manager', 'merchandiser', 'dealer'], role)"""
    )


class SignInLocked(UserFacingError):
    """Too many wrong passwords in a row for this user name or from this client: refused until the lock ends."""


@dataclass(frozen=True)
class _FailureCount:
    """Wrong passwords counted per key (a user name, or the client they come from); after `limit` within
    config.SIGNIN_LOCK_MINUTES of the run's first failure, the key is locked for that long. Later failures
    start a new run."""

    table: str  # a constant below, never user input
    column: str
    limit: int
    locked_key: str  # the message while locked

    def check(self, db: Database, key: str, now: datetime) -> None:
        """SignInLocked while the key is locked (as this process reads the database)."""
        self.check_in(db.cursor(), key, now)

    def check_in(self, cur: Cursor, key: str, now: datetime) -> None:
        """check() as `cur` sees the database: in a write transaction, as it is shared by every process."""
        rows = cur.execute(
            f"SELECT locked_until FROM {self.table} WHERE {self.column} = ? AND locked_until > ?", [key, now]
        ).fetchall()
        if rows:
            raise SignInLocked(self.locked_key, n=math.ceil((rows[0][0] - now).total_seconds() / 60))

    def record(self, cur: Cursor, key: str, now: datetime) -> bool:
        """Count one failure; True when it locks the key."""
        window = timedelta(minutes=config.SIGNIN_LOCK_MINUTES)
        # Runs that ended long ago are forgotten, so guesses at made-up names cannot grow the table forever.
        cur.execute(
            f"DELETE FROM {self.table} WHERE first_failure_at < ? AND coalesce(locked_until, ?) < ?",
            [now - window, now, now],
        )
        failures = cast(
            int,
            scalar(
                cur,
                f"""INSERT INTO {self.table} ({self.column}, failures, last_failure_at, first_failure_at)
                VALUES (?, 1, ?, ?)
                ON CONFLICT ({self.column}) DO UPDATE SET
                    failures = CASE WHEN {self.table}.first_failure_at <= excluded.last_failure_at - ?
                                    THEN 1 ELSE {self.table}.failures + 1 END,
                    first_failure_at = CASE WHEN {self.table}.first_failure_at <= excluded.last_failure_at - ?
                                            THEN excluded.last_failure_at ELSE {self.table}.first_failure_at END,
                    last_failure_at = excluded.last_failure_at
                RETURNING failures""",
                [key, now, now, window, window],
            ),
        )
        if failures >= self.limit:
            cur.execute(f"UPDATE {self.table} SET locked_until = ? WHERE {self.column} = ?", [now + window, key])
        return failures >= self.limit

    def left(self, db: Database, key: str, now: datetime) -> int:
        row = db.query_one(
            f"SELECT failures FROM {self.table} WHERE {self.column} = ? AND first_failure_at > ?",
            [key, now - timedelta(minutes=config.SIGNIN_LOCK_MINUTES)],
        )
        return max(self.limit - (row[0] if row else 0), 0)

    def clear(self, cur: Cursor, key: str) -> None:
        cur.execute(f"DELETE FROM {self.table} WHERE {self.column} = ?", [key])


# One client (a browser's address) is paused after a few wrong passwords, whatever names it tries; a name is
# locked only after more failures than one client can make, so nobody can lock an account from one place,
# while guessing one name from many places is still stopped (config checks the order of the two limits).
BY_CLIENT = _FailureCount("signin_client_failures", "client", config.SIGNIN_CLIENT_MAX_FAILURES, "signin.client_locked")
BY_NAME = _FailureCount("signin_failures", "username", config.SIGNIN_MAX_FAILURES, "signin.locked")


def tries_left(db: Database, username: str, client: str = "", now: datetime | None = None) -> int:
    """Wrong passwords still allowed before this name or this client is locked (for the warning at sign-in)."""
    now = now or datetime.now()
    return min(BY_NAME.left(db, username.strip().lower(), now), BY_CLIENT.left(db, client, now))


def clear_failures(cur: Cursor, username: str) -> None:
    BY_NAME.clear(cur, username)


def authenticate(
    db: Database, username: str, password: str, client: str = "", now: datetime | None = None
) -> User | None:
    """The account for this name and password, or None. Raises SignInLocked while the client or the name
    is locked (unknown names are counted like real ones, so a lock tells nothing about which exist)."""
    now = now or datetime.now()
    username = username.strip().lower()
    counts = ((BY_CLIENT, client), (BY_NAME, username))
    for count, key in counts:
        count.check(db, key, now)
    row = db.query_one(f"SELECT password_hash FROM users WHERE username = ? AND {CAN_SIGN_IN}", [username])
    if row is None:
        _hasher.hash(password)  # same cost whether or not the name exists
    if row is None or not password_matches(row[0], password):
        with db.write() as cur:
            locked = [(count, key) for count, key in counts if count.record(cur, key, now)]
        for count, key in locked:  # the failure that locks says so at once
            count.check(db, key, now)
        return None
    with db.write() as cur:
        # Checked again where the failures are counted: with several replicas, the copy read above may not yet
        # hold a lock another replica placed a moment ago (audit/replica.py), and a right password must not
        # slip through it.
        for count, key in counts:
            count.check_in(cur, key, now)
            count.clear(cur, key)
    return get_user(db, username)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_secret(db: Database, table: str, values: list[object], now: datetime) -> str:
    """A new random secret for the browser: `table` stores only its digest, in its first column, with `values`
    after it, and loses its expired rows on the way."""
    secret = secrets.token_urlsafe(32)
    row = [_token_digest(secret), *values]
    with db.write() as cur:
        cur.execute(f"DELETE FROM {table} WHERE expires_at < ?", [now])
        cur.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
    return secret


def start_session(db: Database, username: str, now: datetime | None = None) -> str:
    """A new random session token for a browser cookie; only its digest is stored."""
    now = now or datetime.now()
    return _issue_secret(db, "sessions", [username, now, now + timedelta(days=config.SESSION_DAYS)], now)


TICKET_SECONDS = 60


def issue_cookie_ticket(db: Database, token: str, now: datetime | None = None) -> str:
    """A one-time ticket the browser trades at the server for `token` as an HttpOnly cookie (audit/web.py)."""
    now = now or datetime.now()
    return _issue_secret(db, "cookie_tickets", [token, now + timedelta(seconds=TICKET_SECONDS)], now)


def redeem_cookie_ticket(db: Database, ticket: str, now: datetime | None = None) -> str | None:
    """The session token a live ticket stands for, once: the ticket is gone afterwards."""
    with db.write() as cur:
        row = cur.execute(
            "DELETE FROM cookie_tickets WHERE ticket_sha256 = ? AND expires_at >= ? RETURNING token",
            [_token_digest(ticket), now or datetime.now()],
        ).fetchone()
    return row[0] if row else None


def user_for_session(db: Database, token: str | None, now: datetime | None = None) -> User | None:
    if not token:
        return None
    row = db.query_one(
        "SELECT username FROM sessions WHERE token_sha256 = ? AND expires_at > ?",
        [_token_digest(token), now or datetime.now()],
    )
    return get_user(db, row[0]) if row else None


def end_session(db: Database, token: str | None) -> None:
    if token:
        with db.write() as cur:
            cur.execute("DELETE FROM sessions WHERE token_sha256 = ?", [_token_digest(token)])
