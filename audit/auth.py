"""Local accounts: argon2 password hashes, browser sessions, role rules."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audit import config
from audit.db import Database

ROLES = ("merchandiser", "manager", "dealer", "admin")
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


def authenticate(db: Database, username: str, password: str) -> User | None:
    row = db.query_one(
        "SELECT password_hash FROM users WHERE username = ? AND active", [username.strip().lower()]
    )
    if row is None:
        _hasher.hash(password)  # same cost whether or not the name exists
        return None
    if not password_matches(row[0], password):
        return None
    return get_user(db, username.strip().lower())


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
