"""Two app processes on one PostgreSQL database, each reading its own DuckDB copy in its own data folder (what
two replicas behind the balancer are): what one writes, the other reads. A tablet that fails over to another
replica is still signed in, a password guessed on several replicas counts towards one lock, and a manager's new
price tolerance changes the scores every replica shows. Runs on the throwaway PostgreSQL whatever --backend says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from audit import auth, config, dashboard, replica, scoring, settings, users
from audit.auth import SignInLocked, User
from audit.opening import open_database
from audit.settings import ScoringSettings

NOW = datetime(2026, 11, 20, 9, 0)
MANAGER = User("boss", "Boss", "manager", None, "en")
PASSWORD = "long enough"


@pytest.fixture
def replicas(postgres_url, tmp_path, monkeypatch):
    """Two processes' databases as the app opens them: the same AUDIT_DATABASE_URL, two data folders."""
    monkeypatch.setenv("AUDIT_DATABASE_URL", postgres_url)
    opened = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        opened.append(open_database(folder / "audit.duckdb"))
    yield opened
    for database in opened:
        database.close()


def test_each_process_reads_its_own_copy(replicas):
    first, second = replicas
    assert isinstance(first, replica.ReplicatedDatabase) and isinstance(second, replica.ReplicatedDatabase)
    assert first.path != second.path and first.url == second.url


def test_a_session_started_on_one_replica_is_accepted_by_the_other(replicas):
    first, second = replicas
    users.create_user(first, "chief", "Chief", "admin", PASSWORD)
    token = auth.start_session(first, "chief")
    second.fresh(force=True)
    assert auth.user_for_session(second, token).username == "chief"

    # The one-time cookie ticket: issued by one, traded at the other, and then gone for both.
    ticket = auth.issue_cookie_ticket(first, token)
    assert auth.redeem_cookie_ticket(second, ticket) == token
    assert auth.redeem_cookie_ticket(first, ticket) is None

    # Signing out on the second ends the session on the first too.
    auth.end_session(second, token)
    first.fresh(force=True)
    assert auth.user_for_session(first, token) is None


def test_a_password_reset_on_one_replica_ends_sessions_on_the_other(replicas):
    first, second = replicas
    users.create_user(first, "chief", "Chief", "admin", PASSWORD)
    users.create_user(first, "m1", "Merch", "merchandiser", PASSWORD)
    token = auth.start_session(second, "m1")
    users.reset_password(first, "m1", "another long one")
    second.fresh(force=True)
    assert auth.user_for_session(second, token) is None
    assert auth.authenticate(second, "m1", "another long one").username == "m1"


def test_wrong_passwords_on_both_replicas_count_towards_one_lock(replicas):
    first, second = replicas
    users.create_user(first, "m1", "Merch", "merchandiser", PASSWORD)
    limit = config.SIGNIN_MAX_FAILURES
    for attempt in range(limit - 1):  # from as many places as it takes, so no client is paused first
        database = (first, second)[attempt % 2]
        assert auth.authenticate(database, "m1", "wrong", client=f"10.0.0.{attempt}", now=NOW) is None
    for database in (first, second):
        database.fresh(force=True)
        assert auth.tries_left(database, "m1", client="10.9.9.9", now=NOW) == 1
    with pytest.raises(SignInLocked) as locked:  # the failure that locks says so at once
        auth.authenticate(second, "m1", "wrong", client="10.0.0.99", now=NOW)
    assert locked.value.key == "signin.locked"
    first.fresh(force=True)
    with pytest.raises(SignInLocked):  # locked on the first replica too, even with the right password
        auth.authenticate(first, "m1", PASSWORD, client="10.0.0.100", now=NOW + timedelta(minutes=1))
    later = NOW + timedelta(minutes=config.SIGNIN_LOCK_MINUTES, seconds=1)
    assert auth.authenticate(first, "m1", PASSWORD, client="10.0.0.100", now=later).username == "m1"


def test_one_client_guessing_on_both_replicas_is_paused_on_both(replicas):
    first, second = replicas
    users.create_user(first, "m1", "Merch", "merchandiser", PASSWORD)
    for attempt in range(config.SIGNIN_CLIENT_MAX_FAILURES - 1):
        auth.authenticate((first, second)[attempt % 2], f"name{attempt}", "wrong", client="10.1.1.1", now=NOW)
    with pytest.raises(SignInLocked) as locked:
        auth.authenticate(second, "anyone", "wrong", client="10.1.1.1", now=NOW)
    assert locked.value.key == "signin.client_locked"
    first.fresh(force=True)
    with pytest.raises(SignInLocked):
        auth.authenticate(first, "m1", PASSWORD, client="10.1.1.1", now=NOW)


def test_a_lock_placed_on_one_replica_holds_before_the_other_has_caught_up(replicas, monkeypatch):
    """The right password on a replica whose copy has not yet seen the lock another one placed: PostgreSQL's
    lock is what decides (a copy may be FRESH_SECONDS behind, time enough for a few guesses)."""
    first, second = replicas
    users.create_user(first, "m1", "Merch", "merchandiser", PASSWORD)
    second.fresh(force=True)
    monkeypatch.setattr(replica, "FRESH_SECONDS", 3600)  # the second's copy stays as it is unless forced
    for attempt in range(config.SIGNIN_MAX_FAILURES - 1):
        auth.authenticate(first, "m1", "wrong", client=f"10.0.0.{attempt}", now=NOW)
    with pytest.raises(SignInLocked):
        auth.authenticate(first, "m1", "wrong", client="10.0.0.99", now=NOW)
    assert auth.BY_NAME.left(second, "m1", NOW) == config.SIGNIN_MAX_FAILURES  # its copy has not seen them yet
    with pytest.raises(SignInLocked) as locked:
        auth.authenticate(second, "m1", PASSWORD, client="10.9.9.9", now=NOW)
    assert locked.value.key == "signin.locked"
    second.fresh(force=True)
    assert auth.BY_NAME.left(second, "m1", NOW) == 0  # the refused sign-in cleared nothing


def _one_audit_under_the_rrp(database) -> None:
    """One audit whose only price is 6 % under the RRP: it fails at the default 5 % tolerance, passes at 10 %."""
    with database.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('R1', 'North', '华北')")
        cur.execute(
            "INSERT INTO stores (code, name, channel, grade, region_code)"
            " VALUES ('S1', '一号店', 'traditional', 'A', 'R1')"
        )
        cur.execute(
            "INSERT INTO products (code, name_en, name_zh, brand, category, rrp, must_stock_channels)"
            " VALUES ('P1', 'Tea', '茶', 'Q', 'beverages', 10, ARRAY['traditional'])"
        )
        cur.execute(
            "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at, submitted_at)"
            " VALUES (1, 'k1', 'S1', 'm1', '2026-11-10', '2026-11-10 09:00', '2026-11-10 09:30')"
        )
        cur.execute(
            "INSERT INTO audit_lines (audit_id, product_code, must_stock, in_stock, facings, shelf_level, fifo_ok,"
            " near_expiry, damaged, tag_present, tag_placed_ok, tag_matches, tag_legible, shelf_price)"
            " VALUES (1, 'P1', TRUE, TRUE, 3, 2, TRUE, FALSE, FALSE, TRUE, TRUE, TRUE, TRUE, 9.4)"
        )


def test_a_new_price_tolerance_saved_on_one_replica_recounts_the_others_scores(replicas):
    first, second = replicas
    _one_audit_under_the_rrp(first)
    second.fresh(force=True)
    assert scoring.audit_score(second, MANAGER, 1, settings.load(second))["price"] == 0
    shown_with = dashboard.data_version(second)  # what the pages' cache is keyed by

    scoring.save_settings(first, ScoringSettings(price_tolerance=0.10), "boss", now=NOW)
    second.fresh(force=True)
    rules = settings.load(second)
    assert rules.price_tolerance == 0.10 and settings.last_change(second) == ("boss", NOW)
    assert dashboard.data_version(second) != shown_with  # the pages compute their numbers afresh
    assert scoring.audit_score(second, MANAGER, 1, rules)["price"] == 100
    assert scoring.audit_score(first, MANAGER, 1, rules)["price"] == 100
