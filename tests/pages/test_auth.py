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


def test_a_cookie_ticket_works_once_for_a_minute_and_only_digests_are_kept(db):
    users.create_user(db, "boss", "Boss", "manager", "long enough")
    token = auth.start_session(db, "boss")
    ticket = auth.issue_cookie_ticket(db, token)
    assert db.query_one("SELECT count(*) FROM cookie_tickets WHERE ticket_sha256 = ?", [ticket])[0] == 0
    assert auth.redeem_cookie_ticket(db, ticket) == token
    assert auth.redeem_cookie_ticket(db, ticket) is None  # once
    late = auth.issue_cookie_ticket(db, token)
    assert auth.redeem_cookie_ticket(db, late, now=datetime.now() + timedelta(seconds=auth.TICKET_SECONDS + 1)) is None


def test_issuing_a_session_or_a_ticket_clears_out_the_expired_ones(db):
    users.create_user(db, "boss", "Boss", "manager", "long enough")
    long_ago = datetime.now() - timedelta(days=30)
    old_token = auth.start_session(db, "boss", now=long_ago)
    auth.issue_cookie_ticket(db, old_token, now=long_ago)
    auth.issue_cookie_ticket(db, auth.start_session(db, "boss"))
    assert db.query_one("SELECT count(*) FROM sessions")[0] == 1
    assert db.query_one("SELECT count(*) FROM cookie_tickets")[0] == 1


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


def test_wrong_passwords_from_many_places_lock_the_name_for_a_while(db):
    from audit import config

    users.create_user(db, "admin", "Admin", "admin", "first password")
    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    start = datetime(2026, 12, 1, 9, 0)
    assert auth.tries_left(db, "m1", "10.0.0.1", now=start) == config.SIGNIN_CLIENT_MAX_FAILURES
    for attempt in range(config.SIGNIN_MAX_FAILURES - 1):  # each guess from another address
        assert auth.authenticate(db, "m1", "guess", f"10.0.1.{attempt}", now=start + timedelta(seconds=attempt)) is None
    assert auth.tries_left(db, "M1 ", "10.0.0.1", now=start + timedelta(seconds=50)) == 1  # as typed at sign-in
    with pytest.raises(auth.SignInLocked) as caught:  # the failure that locks says so at once
        auth.authenticate(db, "m1", "guess", "10.0.2.1", now=start + timedelta(seconds=60))
    assert caught.value.message("en").startswith("Too many wrong passwords for this user name")
    assert f"{config.SIGNIN_LOCK_MINUTES} 分钟" in caught.value.message("zh")
    # While locked even the right password is refused, without checking it.
    with pytest.raises(auth.SignInLocked) as caught:
        auth.authenticate(db, "m1", "right password", "10.0.0.1", now=start + timedelta(minutes=5, seconds=60))
    assert caught.value.values["n"] == config.SIGNIN_LOCK_MINUTES - 5
    # Other names are not affected, and the lock ends by itself.
    assert auth.authenticate(db, "admin", "first password", "10.0.0.1", now=start + timedelta(minutes=5)) is not None
    after = start + timedelta(minutes=config.SIGNIN_LOCK_MINUTES, seconds=61)
    assert auth.authenticate(db, "m1", "right password", "10.0.0.1", now=after).username == "m1"
    # A success starts the count again: one more wrong password does not lock.
    assert auth.authenticate(db, "m1", "guess", "10.0.3.1", now=after + timedelta(seconds=1)) is None
    assert auth.authenticate(db, "m1", "right password", "10.0.0.1", now=after + timedelta(seconds=2)) is not None


def test_one_client_cannot_lock_an_account_it_does_not_own(db):
    """A stranger hammering the admin's name from one address is paused; the admin elsewhere signs in."""
    from audit import config

    users.create_user(db, "admin", "Admin", "admin", "admin password")
    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    start = datetime(2026, 12, 1, 9, 0)
    attacker, office = "203.0.113.9", "10.0.0.7"
    guesses, hours = 0, 3
    for second in range(0, hours * 3600, 10):  # a try every 10 s for three hours
        now = start + timedelta(seconds=second)
        try:
            auth.BY_CLIENT.check(db, attacker, now)
        except auth.SignInLocked:
            continue  # paused: refused before any password is checked
        guesses += 1
        try:
            assert auth.authenticate(db, "admin", f"guess {guesses}", attacker, now=now) is None
        except auth.SignInLocked as locked:
            assert locked.key == "signin.client_locked"  # the client is paused, never the name
    assert guesses > config.SIGNIN_MAX_FAILURES  # more wrong guesses at the name than would lock it at once
    end = start + timedelta(hours=hours)
    assert auth.authenticate(db, "admin", "admin password", office, now=end).username == "admin"
    # The paused client is refused even with a right password for any name, and says so in Chinese too.
    with pytest.raises(auth.SignInLocked) as caught:
        auth.authenticate(db, "m1", "right password", attacker, now=end)
    assert "此设备" in caught.value.message("zh")
    assert auth.tries_left(db, "admin", office, now=end) == config.SIGNIN_CLIENT_MAX_FAILURES


def test_unknown_names_lock_like_real_ones_and_a_password_reset_unlocks(db):
    from audit import config

    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    now = datetime(2026, 12, 1, 9, 0)
    for name in ("nobody", "m1"):
        for attempt in range(config.SIGNIN_MAX_FAILURES - 1):
            assert auth.authenticate(db, name, "guess", f"10.0.{attempt}.1", now=now) is None
        with pytest.raises(auth.SignInLocked):
            auth.authenticate(db, name, "guess", "10.9.9.9", now=now)
    users.reset_password(db, "m1", "new password")
    assert auth.authenticate(db, "m1", "new password", "10.0.0.1", now=now) is not None


def test_failures_spread_over_more_than_the_lock_time_do_not_lock(db):
    from audit import config

    users.create_user(db, "m1", "王伟", "merchandiser", "right password")
    now = datetime(2026, 12, 1, 9, 0)
    for attempt in range(config.SIGNIN_MAX_FAILURES * 2):
        later = now + attempt * timedelta(minutes=config.SIGNIN_LOCK_MINUTES + 1)
        assert auth.authenticate(db, "m1", "guess", now=later) is None


def test_demo_accounts_are_unlisted_with_real_users_and_stop_with_a_real_administrator(demo_db):
    from tests.helpers.apptest import app_as, texts

    assert set(auth.listed_demo_accounts(demo_db, "en").role) == {"admin", "manager", "merchandiser", "dealer"}
    demo_session = auth.start_session(demo_db, "manager")
    users.create_user(demo_db, "zhang.min", "张敏", "merchandiser", "a real password")
    assert auth.listed_demo_accounts(demo_db, "en").empty  # nobody is shown a password any more
    assert "Demo accounts" not in texts(app_as(demo_db, None))
    # Until the company has its own administrator, the demo one still works (someone must set up the rest).
    assert auth.authenticate(demo_db, "admin", "demo", "10.0.0.1") is not None
    users.create_user(demo_db, "chief", "总管", "admin", "a real password")
    assert auth.authenticate(demo_db, "manager", "demo", "10.0.0.1") is None
    assert auth.user_for_session(demo_db, demo_session) is None  # a demo session ends at once
    assert auth.authenticate(demo_db, "chief", "a real password", "10.0.0.1").role == "admin"
    assert auth.authenticate(demo_db, "zhang.min", "a real password", "10.0.0.1") is not None
