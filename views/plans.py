"""Visit plans: a week's plan per merchandiser, generated from the grade frequencies and edited by
hand (move, add, remove); stores reassigned between merchandisers."""

from contextlib import contextmanager
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from audit import plans, stores
from audit.i18n import fmt_date, fmt_day, labelled
from audit.ui import context, links, url_state
from audit.ui.context import t
from audit.ui.widgets import show_user_error, table_height

db = context.db()
user = context.current_user()
lang = context.lang()
today = date.today()
STATUS_BADGE = {"done": ":green-badge", "missed": ":red-badge", "today": ":orange-badge", "planned": ":gray-badge"}


def day_label(day: date) -> str:
    return fmt_day(day, lang)


@contextmanager
def plan_errors():
    """A refused plan change, shown like any other, its days worded as this page shows them."""
    with show_user_error():
        try:
            yield
        except plans.PlanError as refused:
            raise refused.in_language(lang) from None


def notice() -> None:
    """What the last action did, shown once after the rerun that follows it; after a generated plan,
    the visits that found no room, store by store."""
    message = st.session_state.pop("plan_notice", None)
    if message:
        st.success(message, icon=":material/check_circle:")
    left = st.session_state.pop("plan_unplaced", None)
    if left:
        unplaced_table(*left)


def unplaced_table(result: plans.Generated, people: dict[str, str]) -> None:
    st.warning(
        t("plans.unplaced_heading", visits=t("count.visits", n=result.unplaced_visits)), icon=":material/event_busy:"
    )
    for reason in sorted({u.reason for u in result.unplaced}):  # the short label in the table, explained once here
        st.caption(labelled(t(f"plans.unplaced_short.{reason}"), result.unplaced_reason(reason, lang), lang))
    stores_shown = plans.assigned_stores(db, user, lang)
    names = dict(zip(stores_shown.code, stores_shown.name, strict=True))
    table = pd.DataFrame(
        [
            {
                "merchandiser": people.get(u.merchandiser, u.merchandiser),
                "code": links.store_url(u.store_code),
                "name": names.get(u.store_code, ""),
                "visits": u.visits,
                "reason": t(f"plans.unplaced_short.{u.reason}"),
            }
            for u in result.unplaced
        ]
    )
    if (
        table.merchandiser.nunique() == 1
    ):  # one merchandiser's week: the name is in the heading, the reason needs the room
        table = table.drop(columns="merchandiser")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="plan_unplaced_table",
        height=table_height(len(table), 320),
        column_config={
            "merchandiser": st.column_config.TextColumn(t("stores.merchandiser"), width=90),
            "code": links.store_link_column(t("stores.code"), width=76),
            "name": st.column_config.TextColumn(t("stores.name"), width="medium"),
            "visits": st.column_config.NumberColumn(t("plans.col.visits"), width=56),
            "reason": st.column_config.TextColumn(t("plans.col.reason")),
        },
    )


def done(message: str) -> None:
    st.session_state["plan_notice"] = message
    st.rerun()


def shift_week(weeks: int) -> None:
    current = st.session_state.get("url_week") or today
    st.session_state["url_week"] = plans.week_start(current) + timedelta(weeks=weeks)


def week_picker(people: dict[str, str]) -> tuple[date, str]:
    left, back, forward, right = st.columns([2.2, 1.3, 1.3, 3.2], vertical_alignment="bottom")
    with left:
        chosen, unreadable = url_state.date_value(t("plans.week"), "week", plans.week_start(today), format="YYYY-MM-DD")
    back.button(
        t("plans.previous_week"),
        icon=":material/chevron_left:",
        key="week_back",
        on_click=shift_week,
        args=(-1,),
        width="stretch",
    )
    forward.button(
        t("plans.next_week"),
        icon=":material/chevron_right:",
        key="week_forward",
        on_click=shift_week,
        args=(1,),
        width="stretch",
    )
    with right:
        merchandiser = url_state.selectbox(t("stores.merchandiser"), people, "merch")
    if unreadable:
        st.warning(t("plans.bad_week"), icon=":material/event_busy:")
    return plans.week_start(chosen), merchandiser


def overview(monday: date) -> None:
    table = plans.week_overview(db, user, monday, lang, today)
    days = plans.week_days(monday)
    small = dict(width=56)
    st.subheader(t("plans.overview_heading"), anchor=False)
    st.dataframe(
        table.drop(columns="username"),
        hide_index=True,
        width="stretch",
        key="plan_overview",
        height=table_height(len(table), 320),
        column_config={
            "display_name": t("stores.merchandiser"),
            "stores": st.column_config.NumberColumn(t("plans.col.stores"), **small),
            **{
                f"d{i}": st.column_config.NumberColumn(t(f"plans.weekday.{i}") + f" {d.day}", **small)
                for i, d in enumerate(days)
            },
            "planned": st.column_config.NumberColumn(t("visits.col.planned"), **small),
            "done": st.column_config.NumberColumn(t("visits.col.done"), **small),
        },
    )


def generate_panel(monday: date, merchandiser: str, people: dict[str, str], has_plan: bool) -> float:
    """Generates the week; returns the working day's hours, which the day cards are measured against."""
    with st.expander(t("plans.generate_heading"), icon=":material/auto_awesome:", expanded=not has_plan):
        levels = {"high": t("plans.level.high"), "low": t("plans.level.low")}
        level = st.segmented_control(
            t("plans.level"), list(levels), format_func=levels.get, key="plan_level", default="high", required=True
        )
        st.caption(t("plans.level_help"))
        scope = {"one": people[merchandiser], "all": t("plans.for_all")}
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        with left:
            who = st.segmented_control(
                t("plans.for_whom"), list(scope), format_func=scope.get, key="plan_who", default="one", required=True
            )
        low, high = plans.WORKDAY_HOURS_RANGE
        hours = right.number_input(
            t("plans.hours"),
            min_value=low,
            max_value=high,
            value=plans.WORKDAY_HOURS,
            step=0.5,
            format="%g",
            key="plan_hours",
            help=t(
                "plans.hours_help",
                minutes=f"{plans.DEFAULT_VISIT_MINUTES:g}",
                audits=plans.MIN_AUDITS_FOR_MEDIAN,
                speed=f"{plans.TRAVEL_KMH:g}",
            ),
        )
        replace = st.checkbox(t("plans.replace"), key="plan_replace", help=t("plans.replace_help"))
        if st.button(
            t("plans.generate", week=day_label(monday)),
            type="primary",
            key="plan_generate",
            icon=":material/event_available:",
        ):
            with plan_errors():
                result = plans.generate_week(
                    db,
                    user,
                    monday,
                    level=level or "high",
                    replace=replace,
                    hours=hours,
                    merchandisers=None if who == "all" else [merchandiser],
                    today=today,
                )
                message = t("plans.generated", **result.counts(lang))
                if result.skipped:
                    message += " " + t("plans.skipped", n=len(result.skipped))
                if result.unplaced:
                    st.session_state["plan_unplaced"] = (result, people)
                done(message)
    return hours if hours is not None else plans.WORKDAY_HOURS


STATUS_STYLE = {
    "done": "color: #166534; background-color: #DCFCE7",
    "missed": "color: #991B1B; background-color: #FEE2E2",
    "today": "color: #9A3412; background-color: #FFEDD5",
    "planned": "color: #334155",
}


def day_time(minutes: float, hours: float) -> str:
    """The day's visits and travel, "6 h 40 min"; red past the working day."""
    whole = round(minutes)
    text = t("plans.day_time", hours=whole // 60, minutes=f"{whole % 60:02d}")
    return f":red[{text}]" if minutes > hours * 60 else text


def board(monday: date, merchandiser: str, week: pd.DataFrame, hours: float) -> None:
    """The week day by day: a strip with each day's visits, working time and round trip, then every visit
    in its day's suggested visiting order."""
    rows = []
    minutes = plans.usual_visit_minutes(db, merchandiser)
    strip = st.columns(plans.WORKING_DAYS, gap="small")
    for column, day in zip(strip, plans.week_days(monday), strict=True):
        stops = week[week.planned_date.dt.date == day].reset_index(drop=True)
        placed = stops[stops.latitude.notna() & stops.longitude.notna()]
        points = list(zip(placed.latitude, placed.longitude, strict=True))
        order, km = plans.route(points)
        ordered = pd.concat([placed.iloc[order], stops[~stops.index.isin(placed.index)]])
        # time and round trip on lines of their own: "Visits: 2 · 14 km" wrapped inside a fifth of 1024 px
        length = plans.day_minutes([*points, *[None] * (len(stops) - len(points))], minutes)
        time = f"  \n:small[{day_time(length, hours)}]" if len(stops) else ""
        route = f"  \n:small[{t('plans.km', km=f'{km:.0f}')}]" if len(placed) >= 2 else ""
        with column, st.container(border=True):
            st.markdown(
                f"**{t(f'plans.weekday.{day.weekday()}')} {day.day}**  \n"
                f":small[{t('plans.day_count', n=len(stops))}]{time}{route}"
            )
        for number, stop in enumerate(ordered.itertuples(), start=1):
            rows.append(
                {
                    "day": day_label(day),
                    "number": number,
                    "code": links.store_url(stop.store_code),
                    "name": stop.name,
                    "grade": stop.grade,
                    "state": t("plans.status." + stop.status),
                    "status": stop.status,
                }
            )
    table = pd.DataFrame(rows)
    styled = table.style.apply(
        lambda row: [STATUS_STYLE[row["status"]] if c == "state" else "" for c in row.index], axis=1
    )
    st.dataframe(
        styled,
        hide_index=True,
        width="stretch",
        key="plan_board",
        height=table_height(len(table), 460),
        column_config={
            "day": st.column_config.TextColumn(t("plans.day"), width=92),
            "number": st.column_config.NumberColumn("#", help=t("plans.order_help"), width=36),
            "code": links.store_link_column(t("stores.code"), width=76),
            "name": t("stores.name"),
            "grade": st.column_config.TextColumn(t("stores.grade"), width=56),
            "state": st.column_config.TextColumn(t("plans.col.status"), width=84),
            "status": None,
        },
    )


def edit_panel(monday: date, merchandiser: str, week: pd.DataFrame) -> None:
    change, add = st.columns(2, gap="large")
    editable = week[week.status.isin(["today", "planned"])]
    with change, st.container(border=True):
        st.markdown(f"**{t('plans.change_heading')}**")
        options = {
            int(v.id): f"{day_label(v.planned_date.date())} · {v.store_code} · {v.name}" for v in editable.itertuples()
        }
        visit = st.selectbox(
            t("plans.visit"),
            list(options),
            format_func=options.get,
            index=None,
            key="edit_visit",
            placeholder=t("plans.choose_visit") if options else t("plans.nothing_to_change"),
            disabled=not options,
        )
        target = st.date_input(t("plans.move_to"), value=max(today, monday), key="edit_day", format="YYYY-MM-DD")
        left, right = st.columns(2)
        if left.button(
            t("plans.move"), key="edit_move", icon=":material/event_repeat:", width="stretch", disabled=visit is None
        ):
            with plan_errors():
                plans.move_visit(db, user, visit, target, today=today)
                st.session_state.pop("edit_visit", None)
                done(t("plans.moved", visit=options[visit], day=day_label(target)))
        if right.button(
            t("plans.remove"), key="edit_remove", icon=":material/event_busy:", width="stretch", disabled=visit is None
        ):
            with plan_errors():
                plans.remove_visit(db, user, visit, today=today)
                st.session_state.pop("edit_visit", None)
                done(t("plans.removed", visit=options[visit]))
    with add, st.container(border=True):
        st.markdown(f"**{t('plans.add_heading')}**")
        mine = plans.assigned_stores(db, user, lang, merchandiser)
        choices = {row.code: f"{row.code} · {row.name} · {row.grade}" for row in mine.itertuples()}
        store = st.selectbox(
            t("stores.name"),
            list(choices),
            format_func=choices.get,
            index=None,
            key="add_store",
            placeholder=t("common.choose"),
        )
        day = st.date_input(t("plans.day"), value=max(today, monday), key="add_day", format="YYYY-MM-DD")
        if st.button(t("plans.add"), key="add_visit", icon=":material/add:", width="stretch", disabled=store is None):
            with plan_errors():
                plans.add_visit(db, user, store, day, merchandiser, today=today)
                st.session_state.pop("add_store", None)
                done(t("plans.added", store=store, day=day_label(day)))


def week_view() -> None:
    people = plans.merchandisers(db, lang)
    if not people:
        st.info(t("plans.no_merchandisers"))
        return
    monday, merchandiser = week_picker(people)
    st.caption(t("plans.week_caption", start=fmt_date(monday, lang), end=fmt_date(monday + timedelta(days=4), lang)))
    week = plans.week_plan(db, user, monday, merchandiser, lang, today)
    name = people[merchandiser]
    hours = generate_panel(monday, merchandiser, people, not week.empty)
    st.subheader(t("plans.board_heading", name=name), anchor=False)
    if week.empty:
        st.info(t("plans.week_empty", name=name))
    else:
        board(monday, merchandiser, week, hours)
    edit_panel(monday, merchandiser, week)
    overview(monday)


def assignment_view() -> None:
    people = plans.merchandisers(db, lang)
    if not people:
        st.info(t("plans.no_merchandisers"))
        return
    owners = {"": t("plans.all_merchandisers")} | people
    owner = st.selectbox(t("plans.stores_of"), list(owners), format_func=owners.get, key="assign_owner")
    table = plans.assigned_stores(db, user, lang, owner or None)
    st.dataframe(
        table.assign(
            code=table.code.map(links.store_url),
            merchandiser_name=table.merchandiser_name.fillna(t("plans.unassigned")),
        ).drop(columns="merchandiser"),
        hide_index=True,
        width="stretch",
        key="assign_table",
        height=table_height(len(table), 320),
        column_config={
            "code": links.store_link_column(t("stores.code")),
            "name": t("stores.name"),
            "grade": t("stores.grade"),
            "city": t("stores.city"),
            "merchandiser_name": t("stores.merchandiser"),
        },
    )
    with st.container(border=True):
        st.markdown(f"**{t('plans.reassign_heading')}**")
        choices = {row.code: f"{row.code} · {row.name}" for row in table.itertuples()}
        chosen = st.multiselect(
            t("plans.stores_to_move"),
            list(choices),
            format_func=choices.get,
            key="assign_stores",
            placeholder=t("common.choose"),
        )
        target = st.selectbox(
            t("plans.new_merchandiser"),
            list(people),
            format_func=people.get,
            index=None,
            key="assign_target",
            placeholder=t("common.choose"),
        )
        st.caption(t("plans.reassign_help"))
        if st.button(t("plans.reassign", n=len(chosen)), type="primary", key="assign_go", icon=":material/swap_horiz:"):
            with plan_errors():
                result = plans.reassign_stores(db, user, chosen, target or "", today=today)
                st.session_state.pop("assign_stores", None)
                done(
                    t(
                        "plans.reassigned",
                        stores=t("count.stores", n=result.stores),
                        name=people[target],
                        visits=t("count.planned_visits", n=result.visits),
                    )
                )


st.title(t("nav.plans"), anchor=False)
notice()
if stores.count_visible_stores(db, user) == 0:
    st.info(t("stores.none_yet_admin") if user.role == "admin" else t("stores.none_yet"))
    st.stop()
views = {"week": t("plans.view.week"), "assign": t("plans.view.assign")}
if url_state.segmented(t("plans.view"), views, "view", label_visibility="collapsed") == "week":
    week_view()
else:
    assignment_view()
