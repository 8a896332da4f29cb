"""The visit measures, computed by hand on a tiny world: completion, success, unplanned visits,
duration, overdue stores per grade at their boundaries, frequency against the target, filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from audit import capture, visits
from audit.visits import VisitFilters, VisitsError
from tests.helpers.planworld import MONDAY, add_audit, add_plan, build, user

FRIDAY = MONDAY + timedelta(days=4)
WEEK = VisitFilters(MONDAY, FRIDAY)


@pytest.fixture
def world(db):
    build(db)
    return db


def example_week(db) -> None:
    """The issue's example: 10 planned, 8 done, 2 unplanned, 5 of the done ones with an order.

    m1's ten planned visits: A1 and A2 Mon/Wed/Fri (6), B1 and B2 on Tuesday (2), C1 and C3 on Thursday.
    Done: all but A2 on Friday (missed) and C3 on Thursday (visited on Friday instead, so that visit
    is unplanned). Orders on five of the eight done ones. Unplanned: C3 on Friday, and B4 on Monday,
    which ended in an order that the success rate must not count."""
    days = {
        "mon": MONDAY,
        "tue": MONDAY + timedelta(days=1),
        "wed": MONDAY + timedelta(days=2),
        "thu": MONDAY + timedelta(days=3),
        "fri": FRIDAY,
    }
    plan = [
        ("A1", "mon"),
        ("A1", "wed"),
        ("A1", "fri"),
        ("A2", "mon"),
        ("A2", "wed"),
        ("A2", "fri"),
        ("B1", "tue"),
        ("B2", "tue"),
        ("C1", "thu"),
        ("C3", "thu"),
    ]
    for store, day in plan:
        add_plan(db, store, "m1", days[day])
    done = [
        ("A1", "mon", True),
        ("A1", "wed", False),
        ("A1", "fri", True),
        ("A2", "mon", True),
        ("A2", "wed", False),
        ("B1", "tue", True),
        ("B2", "tue", False),
        ("C1", "thu", True),
    ]
    for minutes, (store, day, order) in zip((10, 20, 30, 40, 50, 60, 70, 80), done, strict=True):
        add_audit(db, store, "m1", days[day], order=order, minutes=minutes)
    add_audit(db, "C3", "m1", days["fri"], order=False, minutes=90)
    add_audit(db, "B4", "m1", days["mon"], order=True, minutes=100)


def test_the_issues_example_by_hand(world):
    example_week(world)
    figures = visits.totals(world, user(world, "boss"), WEEK, today=FRIDAY)
    assert figures["planned"] == 10 and figures["done"] == 8 and figures["unplanned"] == 2
    assert figures["with_order"] == 5
    assert figures["completion"] == pytest.approx(0.80)
    assert figures["success"] == pytest.approx(0.625)
    assert figures["visits"] == 10
    assert figures["median_minutes"] == pytest.approx(55.0)  # ten audits of 10, 20, ..., 100 minutes


def test_another_merchandisers_visit_or_a_second_visit_fulfils_nothing(world):
    add_plan(world, "A1", "m1", MONDAY)
    add_plan(world, "A2", "m1", MONDAY)
    add_audit(world, "A1", "m2", MONDAY, order=True)  # covering colleague: not m1's planned visit
    add_audit(world, "A2", "m1", MONDAY, order=True)
    add_audit(world, "A2", "m1", MONDAY, order=True)  # the same store again that day
    figures = visits.totals(world, user(world, "boss"), WEEK, today=FRIDAY)
    assert (figures["planned"], figures["done"], figures["with_order"], figures["unplanned"]) == (2, 1, 1, 2)
    assert figures["completion"] == pytest.approx(0.5) and figures["success"] == pytest.approx(1.0)


def test_plans_after_today_are_not_yet_missed(world):
    example_week(world)
    wednesday = MONDAY + timedelta(days=2)
    figures = visits.totals(world, user(world, "boss"), WEEK, today=wednesday)
    # Monday to Wednesday: 6 planned (A1, A2 Mon and Wed; B1, B2 Tue), all done
    assert (figures["planned"], figures["done"], figures["completion"]) == (6, 6, 1.0)


def test_nothing_planned_gives_no_rate_rather_than_zero(world):
    add_audit(world, "A1", "m1", MONDAY)
    figures = visits.totals(world, user(world, "boss"), WEEK, today=FRIDAY)
    assert figures["planned"] == 0 and figures["completion"] is None and figures["success"] is None
    assert figures["unplanned"] == 1
    empty = visits.totals(world, user(world, "boss"), VisitFilters(date(2020, 1, 6), date(2020, 1, 10)), today=FRIDAY)
    assert empty["visits"] == 0 and empty["median_minutes"] is None


def test_measures_per_merchandiser_region_dealer_and_week(world):
    example_week(world)
    add_plan(world, "B3", "m2", MONDAY)
    add_plan(world, "A3", "m2", MONDAY)
    add_audit(world, "B3", "m2", MONDAY, order=True)
    boss = user(world, "boss")
    people = visits.league(world, boss, WEEK, "merchandiser", "en", today=FRIDAY).set_index("key")
    assert people.loc["m1", ["planned", "done", "unplanned"]].tolist() == [10, 8, 2]
    assert people.loc["m2", "name"] == "Merch Two" and people.loc["m2", "completion"] == pytest.approx(0.5)
    assert list(people.index) == ["m1", "m2"]  # best completion first
    regions = visits.league(world, boss, WEEK, "region", "zh", today=FRIDAY).set_index("key")
    assert regions.loc["N", "name"] == "华北" and regions.loc["N", "planned"] == 2
    dealers = visits.league(world, boss, WEEK, "dealer", "en", today=FRIDAY).set_index("key")
    # D2 supplies B2, C1 (m1, both done) and B3, A3 (m2, one done) -> 3 of 4
    assert dealers.loc["D2", "completion"] == pytest.approx(0.75) and dealers.loc["D2", "name"] == "Dealer Two"
    weeks = visits.weekly(world, boss, VisitFilters(MONDAY - timedelta(weeks=1), FRIDAY), today=FRIDAY)
    assert list(weeks.week.dt.date) == [MONDAY] and weeks.planned.iloc[0] == 12
    with pytest.raises(VisitsError):
        visits.league(world, boss, WEEK, "shoe size", "en", today=FRIDAY)


def test_filters_narrow_every_measure(world):
    example_week(world)
    add_plan(world, "B3", "m2", MONDAY)
    add_audit(world, "B3", "m2", MONDAY)
    boss = user(world, "boss")
    north = visits.totals(world, boss, VisitFilters(MONDAY, FRIDAY, regions=("N",)), today=FRIDAY)
    assert (north["planned"], north["done"], north["unplanned"]) == (1, 1, 0)
    d1 = visits.totals(world, boss, VisitFilters(MONDAY, FRIDAY, dealers=("D1",)), today=FRIDAY)
    # D1: A1 (3), A2 (3), B1 (1), C3 (1) planned; A1 3, A2 2, B1 1 done; B4 and C3 unplanned
    assert (d1["planned"], d1["done"], d1["unplanned"]) == (8, 6, 2)
    m2 = visits.totals(world, boss, VisitFilters(MONDAY, FRIDAY, merchandisers=("m2",)), today=FRIDAY)
    assert (m2["planned"], m2["done"]) == (1, 1)
    with pytest.raises(VisitsError) as backwards:
        VisitFilters(FRIDAY, MONDAY)
    assert backwards.value.message("zh").startswith("时间段的开始日期")


# ---------------------------------------------------------------- overdue, at each grade's boundary


@pytest.mark.parametrize(
    "grade_store, inside, outside",
    [
        ("A1", 3, 4),  # A: 2–3 a week -> at most 3.5 days between visits
        ("B1", 7, 8),  # B: 1–2 a week -> at most 7 days
        ("C1", 15, 16),  # C: 2–3 a month -> at most 15 days
    ],
)
def test_overdue_boundaries_per_grade(world, grade_store, inside, outside):
    boss, as_of = user(world, "boss"), date(2026, 11, 30)
    period = VisitFilters(as_of - timedelta(days=30), as_of)
    others = [
        code for code in ("A1", "A2", "A3", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4") if code != grade_store
    ]
    for code in others:
        add_audit(world, code, "m1", as_of)  # everybody else is fine
    grade = grade_store[0]

    add_audit(world, grade_store, "m1", as_of - timedelta(days=inside))
    assert visits.overdue_by_grade(world, boss, period, today=as_of)[grade] == 0
    assert visits.overdue_stores(world, boss, period, "en", today=as_of).empty
    queue = capture.store_queue(world, boss, "en", today=as_of).set_index("code")
    assert queue.loc[grade_store, "status"] == "due"  # the same rule in the merchandiser's queue

    with world.write() as cur:
        cur.execute(
            "UPDATE audits SET visit_date = ? WHERE store_code = ?", [as_of - timedelta(days=outside), grade_store]
        )
    assert visits.overdue_by_grade(world, boss, period, today=as_of) == {"A": 0, "B": 0, "C": 0} | {grade: 1}
    late = visits.overdue_stores(world, boss, period, "en", today=as_of)
    assert late[["code", "grade", "days_since"]].values.tolist() == [[grade_store, grade, outside]]
    assert late.allowed_days.iloc[0] == {"A": 3, "B": 7, "C": 15}[grade]
    assert capture.store_queue(world, boss, "en", today=as_of).set_index("code").loc[grade_store, "status"] == "overdue"


@pytest.mark.parametrize(
    "grade_store, ok, due",
    [
        ("A1", 2, 3),  # A: due from 7/3 days, the shortest gap of 3 visits a week
        ("B1", 3, 4),  # B: from 3.5 days
        ("C1", 9, 10),  # C: from 10 days, exactly (a month of 30 days over 3 visits)
    ],
)
def test_a_store_becomes_due_at_its_grades_shortest_gap(world, grade_store, ok, due):
    """capture.visit_state_sql's 'due': the merchandiser's queue shows a store due from the grade's shorter
    interval on (the store is not overdue yet); the day before it is ok."""
    boss, as_of = user(world, "boss"), date(2026, 11, 30)
    add_audit(world, grade_store, "m1", as_of - timedelta(days=ok))
    status = lambda: capture.store_queue(world, boss, "en", today=as_of).set_index("code").loc[grade_store]  # noqa: E731
    assert (status().days_since, status().status) == (ok, "ok")
    with world.write() as cur:
        cur.execute("UPDATE audits SET visit_date = ? WHERE store_code = ?", [as_of - timedelta(days=due), grade_store])
    assert (status().days_since, status().status) == (due, "due")


def test_never_visited_stores_are_overdue_first_and_the_period_end_is_the_reference(world):
    boss = user(world, "boss")
    add_audit(world, "A1", "m1", MONDAY)
    period = VisitFilters(MONDAY, MONDAY + timedelta(days=3))
    late = visits.overdue_stores(world, boss, period, "en", today=date(2027, 1, 1))
    assert "A1" not in set(late.code)  # on Thursday the Monday visit is 3 days old: fine
    assert late.last_visit.isna().all() and len(late) == 10
    wider = visits.overdue_stores(
        world, boss, VisitFilters(MONDAY, MONDAY + timedelta(days=4)), "en", today=date(2027, 1, 1)
    )
    assert wider.code.iloc[-1] == "A1"  # on Friday it is 4 days old: overdue, after the never-visited
    assert visits.overdue_by_grade(world, boss, VisitFilters(MONDAY, FRIDAY, regions=("N",)), today=FRIDAY) == {
        "A": 1,
        "B": 1,
        "C": 2,
    }


# ---------------------------------------------------------------- frequency against the target


def test_visit_frequency_per_grade_against_the_target(world):
    boss = user(world, "boss")
    two_weeks = VisitFilters(MONDAY, MONDAY + timedelta(days=13))
    for day in range(0, 14, 3):  # A1: 5 visits in 14 days -> 2.5 a week
        add_audit(world, "A1", "m1", MONDAY + timedelta(days=day))
    add_audit(world, "A2", "m1", MONDAY)  # A2: 1 visit -> 0.5 a week; A3 none
    freq = visits.frequency(world, boss, two_weeks, today=date(2027, 1, 1)).set_index("grade")
    assert freq.loc["A", "stores"] == 3 and freq.loc["A", "visits"] == 6
    assert freq.loc["A", "per_week"] == pytest.approx(6 / 3 / 2)
    assert freq.loc["A", "verdict"] == "below"
    assert (freq.loc["A", "target_low"], freq.loc["A", "target_high"]) == (2.0, 3.0)
    assert freq.loc["C", "target_low"] == pytest.approx(2 * 7 / (365.25 / 12))
    m1_a = visits.frequency(
        world, boss, VisitFilters(MONDAY, MONDAY + timedelta(days=13), merchandisers=("m1",)), today=date(2027, 1, 1)
    ).set_index("grade")
    assert m1_a.loc["A", "stores"] == 2 and m1_a.loc["A", "per_week"] == pytest.approx(1.5)
    for _ in range(8):
        for code in ("A1", "A2", "A3"):
            add_audit(world, code, "m1", MONDAY + timedelta(days=1))
    assert (
        visits.frequency(world, boss, two_weeks, today=date(2027, 1, 1)).set_index("grade").loc["A", "verdict"]
        == "above"
    )
