"""Accounts: hashed passwords, sessions that survive a reload and end on sign-out or expiry."""
from datetime import datetime, timedelta

import pytest

from audit import auth, users
from audit.users import UserError


@pytest.fixture
def dealer(db):
    with db.write() as cur:
        cur.execute("INSERT INTO dealers (code, name_en, name_zh) VALUES ('D01', 'Huamei Trading', '华美商贸')")
    return "D01"


def test_passwords_are_stored_as_argon2_hashes(db):
    users.create_user(db, "Li.Na", "李娜", "merchandiser", "correct horse")
    stored = db.query_one("SELECT password_hash FROM users WHERE username = 'li.na'")[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert auth.authenticate(db, "li.na", "correct horse").display_name == "李娜"
    assert auth.authenticate(db, " LI.NA ", "correct horse") is not None
    assert auth.authenticate(db, "li.na", "wrong password") is None
    assert auth.authenticate(db, "nobody", "correct horse") is None


def test_session_token_signs_in_until_sign_out(db):
    users.create_user(db, "boss", "Boss", "manager", "long enough")
    token = auth.start_session(db, "boss")
    assert auth.user_for_session(db, token).role == "manager"
    assert db.query_one("SELECT count(*) FROM sessions WHERE token_sha256 = ?", [token])[0] == 0  # only a digest
    auth.end_session(db, token)
    assert auth.user_for_session(db, token) is None


def test_sessions_expire(db):
    users.create_user(db, "boss", "Boss", "manager", "long enough")
    long_ago = datetime.now() - timedelta(days=30)
    token = auth.start_session(db, "boss", now=long_ago)
    assert auth.user_for_session(db, token) is None
    assert auth.user_for_session(db, token, now=long_ago + timedelta(hours=1)) is not None


def test_password_reset_and_deactivation_end_sessions(db):
    users.create_user(db, "admin", "Admin", "admin", "first password")
    users.create_user(db, "m1", "王伟", "merchandiser", "first password")
    token = auth.start_session(db, "m1")
    users.reset_password(db, "m1", "second password")
    assert auth.user_for_session(db, token) is None
    assert auth.authenticate(db, "m1", "first password") is None
    assert auth.authenticate(db, "m1", "second password") is not None
    token = auth.start_session(db, "m1")
    users.set_active(db, "m1", False)
    assert auth.user_for_session(db, token) is None
    assert auth.authenticate(db, "m1", "second password") is None


def test_account_rules(db, dealer):
    users.create_user(db, "admin", "Admin", "admin", "first password")
    cases = [
        (("x", "X", "manager", "long enough"), "users.error.username_invalid"),
        (("new", " ", "manager", "long enough"), "users.error.display_name_required"),
        (("new", "New", "boss", "long enough"), "users.error.role_invalid"),
        (("new", "New", "manager", "short"), "users.error.password_short"),
        (("new", "New", "dealer", "long enough"), "users.error.dealer_required"),
        (("admin", "Again", "manager", "long enough"), "users.error.username_taken"),
    ]
    for arguments, key in cases:
        with pytest.raises(UserError) as caught:
            users.create_user(db, *arguments)
        assert caught.value.key == key
    users.create_user(db, "dealer1", "华美", "dealer", "long enough", dealer)
    assert auth.get_user(db, "dealer1").dealer_code == "D01"
    with pytest.raises(UserError) as caught:
        users.set_active(db, "admin", False)
    assert caught.value.key == "users.error.last_admin"
