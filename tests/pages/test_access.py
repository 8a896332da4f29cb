"""Access control, enumerated: every role × page, every demo account × store, audit and dealer export,
also through URL query parameters. The rules are written out here from the README's page table, apart
from the code that enforces them, so a change to either shows up as a difference."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from audit import actions, audit_history, auth, capture, dashboard, exports, plans, settings, stores
from audit.exports import ExportError, ExportRequest
from audit.filters import DashboardFilters
from tests.helpers.apptest import APP, ROLE_USERS

# Who may open which page (README, "Pages").
PAGE_ROLES = {
    "views/stores.py": {"merchandiser", "manager", "dealer", "admin"},
    "views/overview.py": {"manager", "admin"},
    "views/actions.py": {"manager", "admin", "dealer"},
    "views/competitors.py": {"manager", "admin"},
    "views/capture.py": {"merchandiser", "admin"},
    "views/audits.py": {"merchandiser", "manager", "admin"},
    "views/plans.py": {"manager", "admin"},
    "views/visits.py": {"manager", "admin"},
    "views/exports.py": {"manager", "admin", "dealer"},
    "views/settings.py": {"manager", "admin"},
    "views/admin.py": {"admin"},
}
PERIOD = DashboardFilters(date(2026, 1, 1), date(2026, 12, 31))


def may_see_store(user: auth.User, store: dict) -> bool:
    if user.role in ("manager", "admin"):
        return True
    if user.role == "dealer":
        return store["dealer_code"] == user.dealer_code
    return store["merchandiser"] == user.username


def may_audit_store(user: auth.User, store: dict) -> bool:
    return user.role == "admin" or (user.role == "merchandiser" and store["merchandiser"] == user.username)


def may_read_audit(user: auth.User, audit: dict) -> bool:
    return user.role in ("manager", "admin") or (user.role == "merchandiser" and audit["merchandiser"] == user.username)


def may_export_dealer(user: auth.User, dealer_code: str) -> bool:
    return user.role in ("manager", "admin") or (user.role == "dealer" and user.dealer_code == dealer_code)


@pytest.fixture
def world(demo_db):
    everyone = [auth.get_user(demo_db, name) for name in demo_db.query_df("SELECT username FROM users").username]
    return {
        "users": everyone,
        "stores": demo_db.query_df("SELECT code, dealer_code, merchandiser FROM stores").to_dict("records"),
        "audits": demo_db.query_df("SELECT id, store_code, merchandiser FROM audits").to_dict("records"),
        "dealers": list(demo_db.query_df("SELECT code FROM dealers").code),
    }


def test_the_demo_has_every_role_and_stores_spread_over_people(world):
    roles = {user.role for user in world["users"]}
    assert roles == {"merchandiser", "manager", "dealer", "admin"}
    assert len({s["merchandiser"] for s in world["stores"]}) > 5 and len(world["dealers"]) > 5


def test_every_account_sees_and_audits_exactly_the_stores_the_rules_allow(demo_db, world):
    checked = 0
    for user in world["users"]:
        listed = set(stores.list_stores(demo_db, user, stores.StoreFilters(), "en").code)
        assert listed == {s["code"] for s in world["stores"] if may_see_store(user, s)}, user.username
        for store in world["stores"]:
            assert (stores.store_card(demo_db, user, store["code"], "en") is not None) == may_see_store(user, store)
            history = stores.recent_audits(demo_db, user, store["code"], "en")
            assert history.empty or may_see_store(user, store)
            if may_audit_store(user, store):
                assert capture.checklist(demo_db, user, store["code"], "en").store_code == store["code"]
            else:
                with pytest.raises(capture.CaptureError) as refused:
                    capture.open_draft(demo_db, user, store["code"])
                assert refused.value.key in ("capture.error.no_store", "capture.error.not_allowed")
            checked += 1
    assert checked == len(world["users"]) * len(world["stores"])
    assert demo_db.query_one("SELECT count(*) FROM audit_drafts")[0] == 0  # no refused draft was started


def test_every_account_reads_exactly_the_audits_the_rules_allow(demo_db, world):
    audits = world["audits"]
    sample = {a["merchandiser"]: a for a in audits}.values()  # one audit of every merchandiser
    for user in world["users"]:
        listed = set(audit_history.find_audits(demo_db, user, audit_history.AuditSearch(), "en", limit=100_000).rows.id)
        assert listed == {a["id"] for a in audits if may_read_audit(user, a)}, user.username
        for audit in sample:
            record = capture.audit_record(demo_db, user, audit["id"], "en")
            assert (record is not None) == may_read_audit(user, audit), (user.username, audit)


def test_dashboard_data_is_limited_to_the_viewers_stores_whoever_calls_it(demo_db, world):
    rules = settings.load(demo_db)
    for user in world["users"]:
        visible = {s["code"] for s in world["stores"] if may_see_store(user, s)}
        assert set(dashboard.store_scores(demo_db, user, PERIOD, rules, "en").code) <= visible
        assert set(dashboard.photos(demo_db, user, PERIOD, limit=10_000).store_code) <= visible
        assert set(dashboard.competitor_log(demo_db, user, PERIOD, "en", limit=10_000).get("store_code", [])) <= visible


def test_every_account_exports_exactly_the_dealers_the_rules_allow(demo_db, world):
    stores_of = {d: {s["code"] for s in world["stores"] if s["dealer_code"] == d} for d in world["dealers"]}
    for user in world["users"]:
        assert set(exports.dealer_options(demo_db, user, "en")) == {
            d for d in world["dealers"] if may_export_dealer(user, d)
        }
        for dealer in world["dealers"]:
            request = ExportRequest(dealer, date(2026, 10, 1), date(2026, 11, 20), "en", "csv")
            if may_export_dealer(user, dealer):
                exports.summary.authorise(demo_db, user, request)
                continue
            for fmt in ("csv", "xlsx"):
                with pytest.raises(ExportError):
                    exports.export(demo_db, user, ExportRequest(dealer, request.date_from, request.date_to, "en", fmt))
        if user.role not in ("manager", "admin"):
            with pytest.raises(ExportError):
                next(exports.export_all(demo_db, user, date(2026, 10, 1), date(2026, 11, 20), "en", "csv"))
    dealer = auth.get_user(demo_db, "dealer01")
    lines = exports.summary.audit_lines(
        demo_db, dealer, ExportRequest(dealer.dealer_code, date(2026, 1, 1), date(2026, 12, 31), "en", "csv")
    )
    assert len(lines) and set(lines.store_code) <= stores_of[dealer.dealer_code]


def test_only_planners_change_plans(demo_db, world):
    monday = plans.week_start(date.today())
    for user in world["users"]:
        if user.role in ("manager", "admin"):
            continue
        with pytest.raises(plans.PlanError) as refused:
            plans.generate_week(demo_db, user, monday)
        assert refused.value.key == "plans.error.not_allowed"


def session_for(db, username: str, **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["session_token"] = auth.start_session(db, username)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("role", ROLE_USERS)
def test_each_role_opens_exactly_its_pages(demo_db, role):
    at = session_for(demo_db, ROLE_USERS[role])
    for page, roles in PAGE_ROLES.items():
        if role in roles:
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            assert at.title, page
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(page)


@pytest.mark.parametrize("role", ROLE_USERS)
def test_ids_put_in_the_url_reach_nothing_that_is_not_the_users(demo_db, world, role):
    user = auth.get_user(demo_db, ROLE_USERS[role])
    foreign_store = next((s["code"] for s in world["stores"] if not may_see_store(user, s)), None)
    foreign_audit = next((a["id"] for a in world["audits"] if not may_read_audit(user, a)), None)
    if foreign_store:
        at = session_for(demo_db, user.username, store=foreign_store)
        assert [w.value for w in at.warning] == [f"Store {foreign_store} does not exist or is not one of your stores."]
        assert not at.metric and "Recent audits" not in [s.value for s in at.subheader]
    if foreign_audit and role in PAGE_ROLES["views/audits.py"]:
        at = session_for(demo_db, user.username, audit=str(foreign_audit))
        at.switch_page("views/audits.py").run()
        assert [w.value for w in at.warning] == [f"Audit {foreign_audit} does not exist or is not one you may see."]
        assert not at.dataframe and not at.image
    if foreign_store and role in PAGE_ROLES["views/capture.py"]:
        at = session_for(demo_db, user.username, store=foreign_store)
        at.switch_page("views/capture.py").run()
        assert [w.value for w in at.warning] == [f"Store {foreign_store} does not exist or is not one of your stores."]
        assert not [b for b in at.button if b.key == "capture_start"]
    if role == "dealer":
        other = next(d for d in world["dealers"] if d != user.dealer_code)
        at = session_for(demo_db, user.username, dealer=other)
        at.switch_page("views/exports.py").run()
        assert [e.value for e in at.error] == [f"You can export only your own stores; dealer {other} is not yours."]
        assert not [b for b in at.button if b.key == "export_prepare"]


def may_mark_done(user: auth.User, store: dict, action: dict) -> bool:
    """Anyone who sees the store, but a dealer only the dealer's own actions."""
    if not may_see_store(user, store):
        return False
    return user.role != "dealer" or (action["owner_role"] == "dealer" and action["owner"] == user.dealer_code)


def test_every_account_sees_and_changes_exactly_the_actions_the_rules_allow(demo_db, world):
    store_of = {s["code"]: s for s in world["stores"]}
    every = demo_db.query_df("SELECT id, store_code, status, owner_role, owner FROM actions").to_dict("records")
    still_open = [a for a in every if a["status"] == "open"]
    assert len(still_open) > 20 and {a["owner_role"] for a in still_open} == {"dealer", "merchandiser"}
    sample = {(a["store_code"], a["owner_role"]): a for a in still_open}.values()  # per store and owner role
    for user in world["users"]:
        listed = set(actions.open_actions(demo_db, user, "en", limit=100_000).id)
        visible = {
            a["id"] for a in every if a["status"] in ("open", "done") and may_see_store(user, store_of[a["store_code"]])
        }
        assert listed == visible, user.username
        for action in sample:
            store = store_of[action["store_code"]]
            assert (actions.get_action(demo_db, user, action["id"], "en") is not None) == may_see_store(user, store)
            history = actions.store_history(demo_db, user, store["code"], "en")
            assert history.empty == (not may_see_store(user, store))
            if may_mark_done(user, store, action):
                continue
            with pytest.raises(actions.ActionError) as refused:
                actions.mark_done(demo_db, user, action["id"], note="not mine")
            assert refused.value.key in ("actions.error.not_found", "actions.error.not_yours")
            if user.role not in ("manager", "admin"):
                for change, args in (
                    (actions.cancel, (action["id"], "no")),
                    (actions.reassign, (action["id"], "dealer", store["dealer_code"])),
                    (actions.add_action, (store["code"], "display", "x")),
                ):
                    with pytest.raises(actions.ActionError) as refused:
                        change(demo_db, user, *args)
                    assert refused.value.key == "actions.error.not_allowed"
    assert demo_db.query_one("SELECT count(*) FROM action_events WHERE note = 'not mine'")[0] == 0
    for user in world["users"]:  # what the loop measures count is the viewer's stores only
        visible = {s["code"] for s in world["stores"] if may_see_store(user, s)}
        shown = actions.recurring(demo_db, user, PERIOD, "en", limit=100_000)
        assert set(shown.store_code) <= visible
        counted = actions.open_by(demo_db, user, PERIOD, "dealer", "en").open.sum()
        assert counted == sum(1 for a in every if a["status"] in ("open", "done") and a["store_code"] in visible)


@pytest.mark.parametrize("role", ["dealer", "manager", "admin"])
def test_an_action_id_in_the_url_reaches_only_the_users_actions(demo_db, world, role):
    user = auth.get_user(demo_db, ROLE_USERS[role])
    store_of = {s["code"]: s for s in world["stores"]}
    every = demo_db.query_df("SELECT id, store_code FROM actions WHERE status = 'open' ORDER BY id").to_dict("records")
    foreign = next((a["id"] for a in every if not may_see_store(user, store_of[a["store_code"]])), None)
    own = next(a["id"] for a in every if may_see_store(user, store_of[a["store_code"]]))
    for wanted in (foreign, 99_999_999, "12abc", "9" * 30):
        if wanted is None:
            continue
        at = session_for(demo_db, user.username, action=str(wanted))
        at.switch_page("views/actions.py").run()
        assert [w.value for w in at.warning] == [f"Action {wanted} does not exist or is not in one of your stores."]
        assert not [b for b in at.button if b.key.startswith("done:") or b.key.startswith("manage_")]
    at = session_for(demo_db, user.username, action=str(own))
    at.switch_page("views/actions.py").run()
    assert not at.warning and not at.exception
