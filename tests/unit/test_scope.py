"""The viewer's scope (stores.scope_clause: a dealer sees the dealer's stores, a merchandiser their own) applied
by each data function itself, called directly as a page or an export would, not only through the screens
(tests/pages/test_access.py covers the store list and card, the checklist, audits, store scores, photos, the
competitor log, exports and actions). Each check would see other stores if that function's scope were taken
out: every function gets a viewer and a question whose honest answer is narrower than everyone's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from audit import actions, auth, capture, dashboard, plans, scoring, settings, stores, visits
from audit.exports import summary
from audit.exports.summary import ExportRequest
from audit.filters import DashboardFilters
from tests.helpers.demo import DEMO_TODAY

PERIOD = DashboardFilters(date(2026, 1, 1), DEMO_TODAY)


@pytest.fixture
def people(demo_db):
    """A dealer and a merchandiser, each with their stores; the manager, who sees every store."""
    dealer, merch = auth.get_user(demo_db, "dealer01"), auth.get_user(demo_db, "merch01")
    everything = demo_db.query_df("SELECT code, dealer_code, merchandiser FROM stores WHERE active")
    return {
        "dealer": dealer,
        "merch": merch,
        "manager": auth.get_user(demo_db, "manager"),
        "dealers_stores": set(everything[everything.dealer_code == dealer.dealer_code].code),
        "merchs_stores": set(everything[everything.merchandiser == merch.username].code),
        "all": set(everything.code),
        "other_dealer": sorted(set(everything.dealer_code.dropna()) - {dealer.dealer_code})[0],
    }


def audited_store_outside(demo_db, stores_of: set[str]) -> str:
    return demo_db.query_one(
        "SELECT store_code FROM audits WHERE NOT list_contains(?, store_code) ORDER BY id DESC LIMIT 1",
        [sorted(stores_of)],
    )[0]


def test_the_people_see_fewer_stores_than_the_manager(people):
    assert people["dealers_stores"] and people["merchs_stores"]
    assert people["dealers_stores"] < people["all"] and people["merchs_stores"] < people["all"]


def test_store_counts_and_filter_choices_are_the_viewers(demo_db, people):
    dealer, merch = people["dealer"], people["merch"]
    assert stores.count_visible_stores(demo_db, dealer) == len(people["dealers_stores"])
    assert stores.count_visible_stores(demo_db, merch) == len(people["merchs_stores"])
    assert set(stores.filter_options(demo_db, dealer, "en").dealers) == {dealer.dealer_code}
    assert set(stores.filter_options(demo_db, merch, "en").merchandisers) == {merch.username}


def test_the_merchandisers_queue_and_last_findings_are_their_stores(demo_db, people):
    merch = people["merch"]
    assert set(capture.store_queue(demo_db, merch, "en", today=DEMO_TODAY).code) == people["merchs_stores"]
    elsewhere = audited_store_outside(demo_db, people["merchs_stores"])
    assert capture.last_findings(demo_db, merch, elsewhere, "en") is None
    assert capture.last_findings(demo_db, people["manager"], elsewhere, "en") is not None


def test_plans_show_the_viewers_stores(demo_db, people):
    dealer, merch, manager = people["dealer"], people["merch"], people["manager"]
    monday = plans.week_start(DEMO_TODAY)
    planned = demo_db.query_df(
        "SELECT store_code, merchandiser FROM planned_visits WHERE planned_date BETWEEN ? AND ?",
        [monday, monday + timedelta(days=6)],
    )
    # A merchandiser with stores of the dealer and of others: the dealer sees only the dealer's part of the week.
    shared = planned[planned.store_code.isin(people["dealers_stores"])].merchandiser.value_counts().index[0]
    week = plans.week_plan(demo_db, dealer, monday, shared, "en", today=DEMO_TODAY)
    assert set(week.store_code) <= people["dealers_stores"]
    assert len(plans.week_plan(demo_db, manager, monday, shared, "en", today=DEMO_TODAY)) > len(week)
    overview = plans.week_overview(demo_db, dealer, monday, "en", today=DEMO_TODAY)
    assert overview.stores.sum() == len(people["dealers_stores"])  # each merchandiser's stores of the dealer
    assert set(plans.assigned_stores(demo_db, dealer, "en").code) == people["dealers_stores"]
    assert set(plans.assigned_stores(demo_db, merch, "en").code) == people["merchs_stores"]


def test_a_store_handed_to_a_colleague_leaves_the_merchandisers_day_at_once(demo_db, people):
    merch = people["merch"]
    day = demo_db.query_one(
        "SELECT planned_date FROM planned_visits WHERE merchandiser = ? GROUP BY ALL HAVING count(*) >= 2 LIMIT 1",
        [merch.username],
    )[0]
    stops = list(plans.today_plan(demo_db, merch, "en", today=day).stops.code)
    assert len(stops) >= 2
    with demo_db.write() as cur:
        cur.execute("UPDATE stores SET merchandiser = 'merch02' WHERE code = ?", [stops[0]])
    assert list(plans.today_plan(demo_db, merch, "en", today=day).stops.code) == stops[1:]


def test_dashboard_figures_of_a_dealer_are_those_of_the_dealers_stores(demo_db, people):
    """A dealer's figures equal the manager's with the dealer's stores chosen in the filters."""
    dealer, manager = people["dealer"], people["manager"]
    chosen = replace(PERIOD, dealers=(dealer.dealer_code,))
    rules = settings.load(demo_db)
    for figures in (dashboard.sku_availability, dashboard.competitor_prices, dashboard.share_of_shelf):
        mine, theirs = figures(demo_db, dealer, PERIOD, "en"), figures(demo_db, manager, chosen, "en")
        assert len(mine) and mine.equals(theirs), figures.__name__
        assert not mine.equals(figures(demo_db, manager, PERIOD, "en")), figures.__name__
    sql, params = scoring.scored_audits(dealer, PERIOD, rules)
    scored = set(demo_db.query_df(f"SELECT DISTINCT store_code FROM ({sql})", params).store_code)
    assert scored and scored <= people["dealers_stores"]


def test_a_dealers_summary_parts_hold_nothing_of_another_dealer(demo_db, people):
    """Each part of the export, asked directly for another dealer (authorise refuses it first on the page)."""
    dealer, other = people["dealer"], people["other_dealer"]
    theirs = ExportRequest(other, PERIOD.date_from, PERIOD.date_to)
    rules = settings.load(demo_db)
    manager_sees = summary._findings(demo_db, people["manager"], theirs, rules)
    assert len(manager_sees)
    assert summary._stores(demo_db, dealer, theirs, rules).empty  # not even the roster of another's stores
    assert len(summary._stores(demo_db, people["manager"], theirs, rules))
    assert summary._findings(demo_db, dealer, theirs, rules).empty
    assert summary._photos(demo_db, dealer, theirs.filters(), "en").empty
    assert len(summary._photos(demo_db, people["manager"], theirs.filters(), "en"))


def test_visit_measures_count_the_viewers_stores(demo_db, people):
    dealer, manager = people["dealer"], people["manager"]
    period = visits.VisitFilters(DEMO_TODAY - timedelta(days=27), DEMO_TODAY)
    chosen = replace(period, dealers=(dealer.dealer_code,))
    assert visits.totals(demo_db, dealer, period, today=DEMO_TODAY) == visits.totals(
        demo_db, manager, chosen, today=DEMO_TODAY
    )
    assert visits.totals(demo_db, dealer, period, today=DEMO_TODAY) != visits.totals(
        demo_db, manager, period, today=DEMO_TODAY
    )
    late = visits.overdue_stores(demo_db, dealer, period, "en", today=DEMO_TODAY)
    assert set(late.code) <= people["dealers_stores"]


def test_what_an_audit_did_to_actions_is_told_only_about_the_viewers_stores(demo_db, people):
    merch, manager = people["merch"], people["manager"]
    audit_id = demo_db.query_one(
        """SELECT e.audit_id FROM action_events e JOIN actions x ON x.id = e.action_id
           WHERE e.audit_id IS NOT NULL AND NOT list_contains(?, x.store_code) ORDER BY e.audit_id DESC LIMIT 1""",
        [sorted(people["merchs_stores"])],
    )[0]
    assert sum(actions.audit_outcome(demo_db, manager, audit_id).values()) > 0
    assert sum(actions.audit_outcome(demo_db, merch, audit_id).values()) == 0


def test_an_action_is_given_by_its_id_only_to_those_who_see_its_store(demo_db, people):
    """An action's link (the Actions page and the store card open it by id) gives nothing of another's store."""
    stores_of = demo_db.query_df("SELECT x.id, x.store_code FROM actions x ORDER BY x.id")
    for who, theirs in (("dealer", people["dealers_stores"]), ("merch", people["merchs_stores"])):
        inside = int(stores_of[stores_of.store_code.isin(theirs)].id.iloc[0])
        outside = int(stores_of[~stores_of.store_code.isin(theirs)].id.iloc[0])
        assert actions.get_action(demo_db, people[who], inside, "en")["store_code"] in theirs
        assert actions.get_action(demo_db, people[who], outside, "en") is None
        assert actions.get_action(demo_db, people["manager"], outside, "en") is not None


def test_nobody_marks_done_or_reads_the_actions_of_a_store_not_theirs(demo_db, people):
    merch, dealer = people["merch"], people["dealer"]
    action, store = demo_db.query_one(
        """SELECT x.id, x.store_code FROM actions x JOIN stores s ON s.code = x.store_code
           WHERE x.status = 'open' AND NOT list_contains(?, x.store_code) AND NOT list_contains(?, x.store_code)
           ORDER BY x.id LIMIT 1""",
        [sorted(people["merchs_stores"]), sorted(people["dealers_stores"])],
    )
    with pytest.raises(actions.ActionError) as refused:
        actions.mark_done(demo_db, merch, action, note="fixed")
    assert refused.value.key == "actions.error.not_found"
    assert actions.store_history(demo_db, merch, store, "en").empty
    assert actions.store_history(demo_db, dealer, store, "en").empty
    assert not actions.store_history(demo_db, people["manager"], store, "en").empty


def test_the_open_actions_listed_are_those_of_the_viewers_stores(demo_db, people):
    for who, theirs in (("dealer", people["dealers_stores"]), ("merch", people["merchs_stores"])):
        listed = set(actions.open_actions(demo_db, people[who], "en").store_code)
        assert listed and listed <= theirs
    assert set(actions.open_actions(demo_db, people["manager"], "en").store_code) - people["dealers_stores"]


def test_the_store_list_a_stores_card_its_audits_and_photos_are_the_viewers(demo_db, people):
    for who, theirs in (("dealer", people["dealers_stores"]), ("merch", people["merchs_stores"])):
        viewer, outside = people[who], audited_store_outside(demo_db, theirs)
        assert set(stores.list_stores(demo_db, viewer, stores.StoreFilters(), "en").code) == theirs
        assert stores.store_card(demo_db, viewer, outside, "en") is None
        assert stores.recent_audits(demo_db, viewer, outside, "en").empty
        shown = set(dashboard.photos(demo_db, viewer, PERIOD, limit=10_000).store_code)
        assert shown and shown <= theirs
    manager = people["manager"]
    outside = audited_store_outside(demo_db, people["dealers_stores"])
    assert stores.store_card(demo_db, manager, outside, "en") is not None
    assert not stores.recent_audits(demo_db, manager, outside, "en").empty
