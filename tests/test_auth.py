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


def test_wrong_passwords_in_a_row_lock_the_name_for_a_while(db):
    from audit import config

    users.create_user(db, "admin", "Admin", "admin", "first password")
    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    start = datetime(2026, 12, 1, 9, 0)
    assert auth.tries_left(db, "m1", now=start) == config.SIGNIN_MAX_FAILURES
    for attempt in range(config.SIGNIN_MAX_FAILURES - 1):
        assert auth.authenticate(db, "m1", "guess", now=start + timedelta(seconds=attempt)) is None
    assert auth.tries_left(db, "M1 ", now=start + timedelta(seconds=5)) == 1  # as typed at sign-in
    with pytest.raises(auth.SignInLocked) as caught:  # the failure that locks says so at once
        auth.authenticate(db, "m1", "guess", now=start + timedelta(seconds=10))
    assert caught.value.message("en").startswith("Too many wrong passwords")
    assert f"{config.SIGNIN_LOCK_MINUTES} 分钟" in caught.value.message("zh")
    # While locked even the right password is refused, without checking it.
    with pytest.raises(auth.SignInLocked) as caught:
        auth.authenticate(db, "m1", "right password", now=start + timedelta(minutes=5, seconds=10))
    assert caught.value.values["n"] == config.SIGNIN_LOCK_MINUTES - 5
    # Other names are not affected, and the lock ends by itself.
    assert auth.authenticate(db, "admin", "first password", now=start + timedelta(minutes=5)) is not None
    after = start + timedelta(minutes=config.SIGNIN_LOCK_MINUTES, seconds=11)
    assert auth.authenticate(db, "m1", "right password", now=after).username == "m1"
    # A success starts the count again: one more wrong password does not lock.
    assert auth.authenticate(db, "m1", "guess", now=after + timedelta(seconds=1)) is None
    assert auth.authenticate(db, "m1", "right password", now=after + timedelta(seconds=2)) is not None


def test_unknown_names_lock_like_real_ones_and_a_password_reset_unlocks(db):
    from audit import config

    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    now = datetime(2026, 12, 1, 9, 0)
    for name in ("nobody", "m1"):
        for _ in range(config.SIGNIN_MAX_FAILURES - 1):
            assert auth.authenticate(db, name, "guess", now=now) is None
        with pytest.raises(auth.SignInLocked):
            auth.authenticate(db, name, "guess", now=now)
    users.reset_password(db, "m1", "new password")
    assert auth.authenticate(db, "m1", "new password", now=now) is not None


def test_failures_spread_over_more_than_the_lock_time_do_not_lock(db):
    from audit import config

    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    now = datetime(2026, 12, 1, 9, 0)
    for attempt in range(config.SIGNIN_MAX_FAILURES * 2):
        later = now + attempt * timedelta(minutes=config.SIGNIN_LOCK_MINUTES + 1)
        assert auth.authenticate(db, "m1", "guess", now=later) is None
