"""Local accounts: argon2 password hashes, browser sessions, role rules."""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit import config
from audit.db import Database
from audit.errors import UserFacingError

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

    @property
    def sees_all_stores(self) -> bool:
        return self.role in ("manager", "admin")


_USER_COLUMNS = "username, display_name, role, dealer_code, language"


def get_user(db: Database, username: str) -> User | None:
    row = db.query_one(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ? AND active", [username])
    return User(*row) if row else None


class SignInLocked(UserFacingError):
    """Too many wrong passwords in a row for this user name: sign-in refused until the lock ends."""


def _check_not_locked(db: Database, username: str, now: datetime) -> None:
    row = db.query_one("SELECT locked_until FROM signin_failures WHERE username = ? AND locked_until > ?",
                       [username, now])
    if row:
        raise SignInLocked("signin.locked", n=math.ceil((row[0] - now).total_seconds() / 60))


def _record_failure(db: Database, username: str, now: datetime) -> None:
    """Count the failure (a run older than the lock time starts again); lock the name after too many."""
    window = timedelta(minutes=config.SIGNIN_LOCK_MINUTES)
    with db.write() as cur:
        # Runs that ended long ago are forgotten, so guesses at made-up names cannot grow the table forever.
        cur.execute("DELETE FROM signin_failures WHERE last_failure_at < ? AND coalesce(locked_until, ?) < ?",
                    [now - window, now, now])
        failures = cur.execute(
            """INSERT INTO signin_failures VALUES (?, 1, ?, NULL)
               ON CONFLICT (username) DO UPDATE SET
                   failures = CASE WHEN signin_failures.last_failure_at < excluded.last_failure_at - ?
                                   THEN 1 ELSE signin_failures.failures + 1 END,
                   last_failure_at = excluded.last_failure_at
               RETURNING failures""", [username, now, window]).fetchone()[0]
        if failures >= config.SIGNIN_MAX_FAILURES:
            cur.execute("UPDATE signin_failures SET locked_until = ? WHERE username = ?", [now + window, username])
    if failures >= config.SIGNIN_MAX_FAILURES:
        _check_not_locked(db, username, now)


def tries_left(db: Database, username: str, now: datetime | None = None) -> int:
    """Wrong passwords this user name may still have before it is locked (for the warning at sign-in)."""
    now = now or datetime.now()
    row = db.query_one("SELECT failures FROM signin_failures WHERE username = ? AND last_failure_at >= ?",
                       [username.strip().lower(), now - timedelta(minutes=config.SIGNIN_LOCK_MINUTES)])
    return max(config.SIGNIN_MAX_FAILURES - (row[0] if row else 0), 0)


def clear_failures(cur, username: str) -> None:
    cur.execute("DELETE FROM signin_failures WHERE username = ?", [username])


def authenticate(db: Database, username: str, password: str, now: datetime | None = None) -> User | None:
    """The account for this name and password, or None. Raises SignInLocked while the name is locked
    after config.SIGNIN_MAX_FAILURES wrong passwords in a row (unknown names are counted the same way)."""
    now = now or datetime.now()
    username = username.strip().lower()
    _check_not_locked(db, username, now)
    row = db.query_one("SELECT password_hash FROM users WHERE username = ? AND active", [username])
    if row is None:
        _hasher.hash(password)  # same cost whether or not the name exists
    if row is None or not password_matches(row[0], password):
        _record_failure(db, username, now)
        return None
    with db.write() as cur:
        clear_failures(cur, username)
    return get_user(db, username)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Database, username: str, now: datetime | None = None) -> str:
    """A new random session token for a browser cookie; only its digest is stored."""
    now = now or datetime.now()
    token = secrets.token_urlsafe(32)
    with db.write() as cur:
        cur.execute("DELETE FROM sessions WHERE expires_at < ?", [now])
        cur.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?)",
            [_token_digest(token), username, now, now + timedelta(days=config.SESSION_DAYS)],
        )
    return token


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
