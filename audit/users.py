"""Account administration: list, add, reset passwords, deactivate."""

from __future__ import annotations

import re
from typing import cast

import pandas as pd

from audit.access import ROLES
from audit.auth import clear_failures, hash_password
from audit.db import Database, scalar
from audit.errors import UserFacingError
from audit.i18n import name_column, person_sql

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD_LENGTH = 8


class UserError(UserFacingError):
    """A rejected account change."""


def list_users(db: Database, lang: str) -> pd.DataFrame:
    return db.query_df(
        f"SELECT username, {person_sql(lang)} AS display_name, role, dealer_code, active, is_demo, created_at"
        " FROM users u ORDER BY role, username"
    )


def dealer_labels(db: Database, lang: str) -> dict[str, str]:
    """Dealer code -> "code · name", for choosing the dealer of a dealer account."""
    names = name_column(lang)
    return dict(db.cursor().execute(f"SELECT code, code || ' · ' || {names} FROM dealers ORDER BY code").fetchall())


def count_users(db: Database) -> int:
    return cast(int, db.query_value("SELECT count(*) FROM users"))


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("users.error.password_short", n=MIN_PASSWORD_LENGTH)


def create_user(
    db: Database,
    username: str,
    display_name: str,
    role: str,
    password: str,
    dealer_code: str | None = None,
    display_name_en: str | None = None,
) -> str:
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise UserError("users.error.username_invalid")
    if not display_name.strip():
        raise UserError("users.error.display_name_required")
    if role not in ROLES:
        raise UserError("users.error.role_invalid", role=role)
    if role == "dealer":
        if not dealer_code or db.query_one("SELECT 1 FROM dealers WHERE code = ?", [dealer_code]) is None:
            raise UserError("users.error.dealer_required")
    else:
        dealer_code = None
    _check_password(password)
    password_hash = hash_password(password)
    with db.write() as cur:
        if cur.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
            raise UserError("users.error.username_taken", username=username)
        cur.execute(
            "INSERT INTO users (username, display_name, display_name_en, role, dealer_code, password_hash)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [username, display_name.strip(), (display_name_en or "").strip() or None, role, dealer_code, password_hash],
        )
    return username


def reset_password(db: Database, username: str, password: str) -> None:
    _check_password(password)
    password_hash = hash_password(password)
    with db.write() as cur:
        cur.execute(
            "UPDATE users SET password_hash = ?, updated_at = current_timestamp WHERE username = ?",
            [password_hash, username],
        )
        # A new password signs the account out everywhere, and ends a sign-in lock.
        cur.execute("DELETE FROM sessions WHERE username = ?", [username])
        clear_failures(cur, username)


def set_active(db: Database, username: str, active: bool) -> None:
    with db.write() as cur:
        if not active:
            admins_left = scalar(
                cur, "SELECT count(*) FROM users WHERE role = 'admin' AND active AND username <> ?", [username]
            )
            is_admin = cur.execute("SELECT role = 'admin' FROM users WHERE username = ?", [username]).fetchone()
            if is_admin and is_admin[0] and admins_left == 0:
                raise UserError("users.error.last_admin")
            cur.execute("DELETE FROM sessions WHERE username = ?", [username])
        cur.execute(
            "UPDATE users SET active = ?, updated_at = current_timestamp WHERE username = ?", [active, username]
        )
