"""The Visit plans and Visits pages through AppTest: roles, filters in the URL, empty data, edits with
their messages; and the merchandiser's start screen following today's plan."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from audit import auth, i18n, plans, visits
from audit.ui.navigation import page_specs_for
from audit.visits import VisitFilters
from tests.helpers.paths import APP

DEMO_WEEKS = VisitFilters(date(2026, 10, 12), date(2026, 11, 20))
AHEAD = plans.week_start(date.today()) + timedelta(weeks=2)  # a week nobody has planned, editable


def page(db, username: str, screen: str, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.session_state["session_token"] = auth.start_session(db, username)
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(screen).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def shown(markdown: str) -> str:
    """What the reader sees of a message: Markdown's backslash escapes (values are shown literally) removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


# ---------------------------------------------------------------- who may open them


@pytest.mark.parametrize("username", ["merch01", "dealer01"])
def test_merchandisers_and_dealers_neither_see_nor_reach_the_pages(demo_db, username):
    user = auth.get_user(demo_db, username)
    listed = {spec.path for spec in page_specs_for(user)}
    assert "views/plans.py" not in listed and "views/visits.py" not in listed
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, username)
    at.run()
    for view in ("views/plans.py", "views/visits.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(view)
    assert at.title[0].value == "Stores"


@pytest.mark.parametrize("username", ["manager", "admin"])
def test_managers_and_admins_open_both_in_both_languages(demo_db, username):
    user = auth.get_user(demo_db, username)
    assert {"views/plans.py", "views/visits.py"} <= {spec.path for spec in page_specs_for(user)}
    for lang, plans_title, visits_title in (("en", "Visit plans", "Visits"), ("zh", "拜访计划", "拜访指标")):
        assert page(demo_db, username, "views/plans.py", lang).title[0].value == plans_title
        assert (
            page(demo_db, username, "views/visits.py", lang, **{"from": "2026-10-12", "to": "2026-11-20"})
            .title[0]
            .value
            == visits_title
        )


# ---------------------------------------------------------------- the Visits page


def test_tiles_show_the_measures_of_the_period_in_the_url(demo_db):
    manager = auth.get_user(demo_db, "manager")
    at = page(demo_db, "manager", "views/visits.py", **{"from": "2026-10-12", "to": "2026-11-20"})
    expected = visits.totals(demo_db, manager, DEMO_WEEKS)
    shown = metrics(at)
    assert shown["Visit completion"] == f"{expected['completion']:.1%}"
    assert shown["Visit success"] == f"{expected['success']:.1%}"
    assert shown["Unplanned visits"] == f"{expected['unplanned']:,}"
    assert shown["Planned visits"] == f"{expected['planned']:,}"
    assert 0.7 <= expected["completion"] <= 0.95  # the demo's story
    assert [s.value for s in at.subheader][:2] == ["Completion and success", "Visits per week"]
    assert len(at.get("plotly_chart")) == 3
    league = at.dataframe[1].value
    assert list(league.completion) == sorted(league.completion, reverse=True)
    assert len(league) == len(visits.league(demo_db, manager, DEMO_WEEKS, "merchandiser", "en"))


def test_filters_in_the_url_narrow_the_figures_and_the_league_groups_by_region(demo_db):
    manager = auth.get_user(demo_db, "manager")
    at = page(demo_db, "manager", "views/visits.py", **{"from": "2026-10-12", "to": "2026-11-20", "region": "E"})
    east = visits.totals(demo_db, manager, VisitFilters(DEMO_WEEKS.start, DEMO_WEEKS.end, regions=("E",)))
    assert metrics(at)["Planned visits"] == f"{east['planned']:,}"
    assert east["planned"] < visits.totals(demo_db, manager, DEMO_WEEKS)["planned"]
    assert at.multiselect(key="url_visits_region").value == ["E"]

    at.button_group(key="url_by").set_value("region").run()
    assert at.query_params["by"] in ("region", ["region"])
    assert list(at.dataframe[1].value.name) == ["East"]
    at.multiselect(key="url_visits_region").set_value([]).run()
    assert set(at.dataframe[1].value.name) == {"East", "South", "North", "Southwest", "Central"}


def test_the_overdue_list_leads_to_each_store_card(demo_db):
    manager = auth.get_user(demo_db, "manager")
    with demo_db.write() as cur:  # two stores not seen for three weeks
        cur.execute(
            "DELETE FROM audits WHERE store_code IN ('S00001', 'S00002') AND visit_date > ?", [date(2026, 10, 30)]
        )
    at = page(demo_db, "manager", "views/visits.py", **{"from": "2026-10-12", "to": "2026-11-20"})
    late = at.dataframe[-1].value
    assert {"./?store=S00001", "./?store=S00002"} <= set(late.code)
    assert len(late) == len(visits.overdue_stores(demo_db, manager, DEMO_WEEKS, "en"))
    assert metrics(at)["Overdue stores"] == str(len(late))

    card = AppTest.from_file(APP, default_timeout=60)  # where the link goes
    card.session_state["session_token"] = auth.start_session(demo_db, "manager")
    card.query_params["store"] = "S00001"
    card.run()
    assert "Recent audits" in [s.value for s in card.subheader]


def test_a_period_without_data_says_so(demo_db):
    at = page(demo_db, "manager", "views/visits.py", **{"from": "2020-01-06", "to": "2020-01-31"})
    assert [i.value for i in at.info][0].startswith("There are no planned visits and no audits in this period")
    assert metrics(at)["Visit completion"] == "—" and not at.get("plotly_chart")


def test_unreadable_dates_in_the_url_fall_back_with_a_message(demo_db):
    at = page(demo_db, "manager", "views/visits.py", **{"from": "yesterday", "to": "2026-02-30"})
    assert any("could not be used" in w.value for w in at.warning)
    assert metrics(at)["Visit completion"]  # the default period is shown
    assert at.query_params["from"] != "yesterday"


def test_an_empty_database_says_there_is_nothing_yet(data_dir):
    from audit.opening import shared_database
    from audit.users import create_user

    database = shared_database(data_dir / "audit.duckdb")
    create_user(database, "root", "Root", "admin", "a long password")
    for view in ("views/visits.py", "views/plans.py"):
        at = page(database, "root", view)
        assert [i.value for i in at.info] == [i18n.t("stores.none_yet_admin", "en")]
        assert not at.metric and not at.dataframe


# ---------------------------------------------------------------- the Visit plans page


def en_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def zh_day(day: date) -> str:
    return f"{'一二三四五六日'[day.weekday()].join(['周', ''])} {day.month}月{day.day}日"


def planned(db, merchandiser: str, monday: date) -> list[tuple]:
    return (
        db.cursor()
        .execute(
            "SELECT store_code, planned_date FROM planned_visits"
            " WHERE merchandiser = ? AND planned_date BETWEEN ? AND ? ORDER BY planned_date, store_code",
            [merchandiser, monday, monday + timedelta(days=6)],
        )
        .fetchall()
    )


def test_the_manager_generates_a_week_and_edits_it(demo_db):
    at = page(demo_db, "manager", "views/plans.py", week=AHEAD.isoformat(), merch="merch07")
    assert any("Nothing is planned for Zhao Lei this week yet" in i.value for i in at.info)  # 赵磊 in English
    button(at, "plan_generate").click().run()
    generated = planned(demo_db, "merch07", AHEAD)
    assert generated and {d.weekday() for _, d in generated} <= {0, 1, 2, 3, 4}
    assert [s.value for s in at.success] == [f"Planned {len(generated)} visits for 1 merchandiser."]
    assert len(at.dataframe[0].value) == len(generated)  # the week's visits, in the board table

    # Move the first visit to a day its store is free, remove it, then add one on that day.
    store, day = generated[0]
    visit_id = demo_db.query_one(
        "SELECT id FROM planned_visits WHERE store_code = ? AND planned_date = ?", [store, day]
    )[0]
    free = next(d for d in plans.week_days(AHEAD) if (store, d) not in generated)
    at.selectbox(key="edit_visit").set_value(visit_id)
    at.date_input(key="edit_day").set_value(free).run()
    button(at, "edit_move").click().run()
    assert demo_db.query_one("SELECT planned_date FROM planned_visits WHERE id = ?", [visit_id])[0] == free
    name = demo_db.query_one("SELECT coalesce(name_en, name) FROM stores WHERE code = ?", [store])[0]
    assert shown(at.success[0].value) == f"Moved {en_day(day)} · {store} · {name} to {en_day(free)}."
    at.selectbox(key="edit_visit").set_value(visit_id).run()
    button(at, "edit_remove").click().run()
    assert demo_db.query_one("SELECT count(*) FROM planned_visits WHERE id = ?", [visit_id])[0] == 0
    assert at.success[0].value.startswith("Removed ")

    at.selectbox(key="add_store").set_value(store)
    at.date_input(key="add_day").set_value(free).run()
    button(at, "add_visit").click().run()
    assert (store, free) in planned(demo_db, "merch07", AHEAD)
    assert at.success[0].value == f"Planned {store} on {en_day(free)}."


def test_bad_edits_get_a_translated_message_and_change_nothing(demo_db):
    at = page(demo_db, "manager", "views/plans.py", "zh", week=AHEAD.isoformat(), merch="merch07")
    before = planned(demo_db, "merch07", AHEAD)
    saturday = AHEAD + timedelta(days=5)
    store = demo_db.query_one("SELECT code FROM stores WHERE merchandiser = 'merch07' ORDER BY code")[0]
    at.selectbox(key="add_store").set_value(store)
    at.date_input(key="add_day").set_value(saturday).run()
    button(at, "add_visit").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [f"{zh_day(saturday)} 不是工作日：拜访只安排在周一至周五。"]
    past = date.today() - timedelta(days=1)
    at.date_input(key="add_day").set_value(past)
    button(at, "add_visit").click().run()
    assert [shown(e.value) for e in at.error] == [f"{zh_day(past)} 已经过去：只能安排今天及以后的拜访。"]
    assert planned(demo_db, "merch07", AHEAD) == before

    over = AHEAD - timedelta(weeks=8)  # a week that is over
    old = page(demo_db, "manager", "views/plans.py", week=over.isoformat())
    button(old, "plan_generate").click().run()
    assert [shown(e.value) for e in old.error] == [f"The week of {en_day(over)} has no working days left to plan."]
    bad_week = page(demo_db, "manager", "views/plans.py", week="next tuesday")
    assert any("could not be read" in w.value for w in bad_week.warning)


def test_a_refused_move_names_its_days_as_the_page_shows_them(demo_db):
    """The day in a plan message reads like the board ("Fri 18 Dec", "周五 12月18日"), not 2026-12-18."""
    plans.generate_week(demo_db, auth.get_user(demo_db, "manager"), AHEAD, merchandisers=["merch07"])
    generated = planned(demo_db, "merch07", AHEAD)
    (store, day), clash = next(
        ((s, d), other) for s, d in generated for t_, other in generated if t_ == s and other != d
    )
    visit_id = demo_db.query_one(
        "SELECT id FROM planned_visits WHERE store_code = ? AND planned_date = ?", [store, day]
    )[0]
    saturday = AHEAD + timedelta(days=5)
    for lang, word, duplicate, weekend in (
        (
            "en",
            en_day,
            "{store} is already planned on {day}.",
            "{day} is not a working day: visits are planned Monday to Friday.",
        ),
        ("zh", zh_day, "{store} 在 {day} 已有计划拜访。", "{day} 不是工作日：拜访只安排在周一至周五。"),
    ):
        at = page(demo_db, "manager", "views/plans.py", lang, week=AHEAD.isoformat(), merch="merch07")
        at.selectbox(key="edit_visit").set_value(visit_id)
        at.date_input(key="edit_day").set_value(clash).run()
        button(at, "edit_move").click().run()
        assert [shown(e.value) for e in at.error] == [duplicate.format(store=store, day=word(clash))]
        at.selectbox(key="edit_visit").set_value(visit_id)
        at.date_input(key="edit_day").set_value(saturday).run()
        button(at, "edit_move").click().run()
        assert [shown(e.value) for e in at.error] == [weekend.format(day=word(saturday))]
        assert clash.isoformat() not in at.error[0].value and planned(demo_db, "merch07", AHEAD) == generated


def test_generating_a_week_with_more_visits_than_room_lists_the_stores_left_out(demo_db):
    at = page(demo_db, "manager", "views/plans.py", "zh", week=AHEAD.isoformat(), merch="merch07")
    at.number_input(key="plan_hours").set_value(2.0).run()
    button(at, "plan_generate").click().run()
    placed = planned(demo_db, "merch07", AHEAD)
    asked = sum(
        plans.visits_in_week(grade, code, AHEAD)
        for code, grade in demo_db.cursor()
        .execute("SELECT code, grade FROM stores WHERE merchandiser = 'merch07' AND active")
        .fetchall()
    )
    assert 0 < len(placed) < asked
    assert [shown(s.value) for s in at.success] == [f"已为 1 名业务员安排 {len(placed)} 次拜访。"]
    assert [shown(w.value) for w in at.warning] == [f"本周有 {asked - len(placed)} 次拜访未能安排"]
    left = at.dataframe[0].value
    assert left.visits.sum() == asked - len(placed) and "merchandiser" not in left  # 赵磊's week: said above
    assert set(left.reason) == {"已排满"}
    assert "已排满：剩下的每一天都已排满：达到 2 小时的工作日，或已比平常一天多出一半的拜访" in [
        shown(c.value) for c in at.caption
    ]


def test_the_manager_reassigns_stores_and_their_future_visits_follow(demo_db):
    plans.generate_week(demo_db, auth.get_user(demo_db, "manager"), AHEAD, merchandisers=["merch07"])
    codes = [
        r[0]
        for r in demo_db.cursor()
        .execute("SELECT code FROM stores WHERE merchandiser = 'merch07' ORDER BY code LIMIT 2")
        .fetchall()
    ]
    at = page(demo_db, "manager", "views/plans.py", view="assign")
    button(at, "assign_go").click().run()
    assert [e.value for e in at.error] == ["Choose at least one store to reassign."]
    at.multiselect(key="assign_stores").set_value(codes)
    button(at, "assign_go").click().run()
    assert [e.value for e in at.error] == ["Choose the merchandiser who takes the stores over."]
    at.multiselect(key="assign_stores").set_value(codes)
    at.selectbox(key="assign_target").set_value("merch08")
    button(at, "assign_go").click().run()
    assert not at.error
    owners = dict(
        demo_db.cursor()
        .execute("SELECT code, merchandiser FROM stores WHERE list_contains(?, code)", [codes])
        .fetchall()
    )
    assert owners == {code: "merch08" for code in codes}
    moved = demo_db.query_one(
        "SELECT count(*) FROM planned_visits WHERE list_contains(?, store_code)"
        " AND planned_date >= ? AND merchandiser <> 'merch08'",
        [codes, AHEAD],
    )[0]
    assert moved == 0
    said = re.fullmatch(r"2 stores now with Huang Yan; (\d+) planned (visits?) moved along\.", at.success[0].value)
    assert said and (said[2] == "visit") == (said[1] == "1")


# ---------------------------------------------------------------- the merchandiser's start screen


def plan_today(db, username: str, count: int) -> list[str]:
    codes = [
        r[0]
        for r in db.cursor()
        .execute("SELECT code FROM stores WHERE merchandiser = ? ORDER BY code LIMIT ?", [username, count])
        .fetchall()
    ]
    with db.write() as cur:
        cur.execute("DELETE FROM planned_visits WHERE planned_date = ?", [date.today()])
        first = cur.execute("SELECT max(id) + 1 FROM planned_visits").fetchall()[0][0]
        cur.executemany(
            "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date) VALUES (?, ?, ?, ?)",
            [(first + i, code, username, date.today()) for i, code in enumerate(codes)],
        )
    return codes


def test_the_start_screen_follows_todays_plan_and_keeps_the_rest_as_unplanned(demo_db):
    codes = plan_today(demo_db, "merch07", 3)
    at = page(demo_db, "merch07", "views/capture.py")
    headings = [s.value for s in at.subheader]
    assert headings == ["Today's plan · 0 of 3 done", "Other stores"]
    assert any(c.value.startswith("Suggested order: round trip ") for c in at.caption)
    opens = [b.key for b in at.button if b.key and b.key.startswith("open_")]
    user = auth.get_user(demo_db, "merch07")
    suggested = plans.today_plan(demo_db, user, "en").stops.code.tolist()
    assert sorted(suggested) == sorted(codes)
    assert opens[:3] == [f"open_{code}" for code in suggested]  # the plan first, in the suggested order
    others = [key.removeprefix("open_") for key in opens[3:]]
    assert others and not set(others) & set(codes)  # every other store still there, as unplanned

    button(at, f"open_{others[0]}").click().run()
    assert [b for b in at.button if b.key == "capture_start"]  # an unplanned store can still be audited


def test_without_a_plan_today_the_start_screen_is_the_queue(demo_db):
    with demo_db.write() as cur:
        cur.execute("DELETE FROM planned_visits WHERE planned_date = ?", [date.today()])
    at = page(demo_db, "merch07", "views/capture.py")
    assert not at.subheader
    assert (
        len([b for b in at.button if b.key and b.key.startswith("open_")])
        == demo_db.query_one("SELECT count(*) FROM stores WHERE merchandiser = 'merch07' AND active")[0]
    )


def test_each_day_card_shows_its_visits_working_time_and_round_trip_on_lines_of_their_own(demo_db):
    week = plans.week_start(DEMO_WEEKS.end) - timedelta(weeks=1)
    at = page(demo_db, "manager", "views/plans.py", week=week.isoformat(), merch="merch07")
    stops = plans.week_plan(demo_db, auth.get_user(demo_db, "manager"), week, "merch07", "en")
    per_visit = plans.visit_minutes_of(demo_db.cursor(), ["merch07"])["merch07"]
    assert per_visit != plans.DEFAULT_VISIT_MINUTES  # the demo merchandiser's own median
    cards = {m.value.split("**")[1]: m.value for m in at.markdown if m.value.startswith("**") and "Visits: " in m.value}
    assert len(cards) == plans.WORKING_DAYS
    trips = 0
    for day in plans.week_days(week):
        today = stops[stops.planned_date.dt.date == day]
        lines = cards[f"{i18n.t(f'plans.weekday.{day.weekday()}', 'en')} {day.day}"].split("  \n")
        assert lines[1] == f":small[Visits: {len(today)}]"
        points = list(zip(today.latitude, today.longitude, strict=True))
        minutes = round(len(today) * per_visit + plans.route(points)[1] / plans.TRAVEL_KMH * 60)
        assert lines[2] == f":small[{minutes // 60} h {minutes % 60:02d} min]"
        if len(today) >= 2:
            assert lines[3:] == [f":small[{plans.route(points)[1]:.0f} km]"]
            trips += 1
        else:
            assert lines[3:] == []
    assert trips  # the week has a day with a round trip to show
