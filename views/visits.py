"""Visits: completion and success rates, unplanned visits, audit duration, overdue stores and visit
frequency against the grade targets; weekly trends, a league table and the overdue list."""

from datetime import date

import pandas as pd
import streamlit as st

from audit import charts_visits, stores, visits
from audit.filters import default_period_for
from audit.i18n import fmt_date
from audit.ui import context, links, url_state
from audit.ui.context import t
from audit.ui.dashboard_filters import partial_note, weeks_cut
from audit.ui.widgets import show_user_error, table_height

db = context.db()
user = context.current_user()
lang = context.lang()
today = date.today()
RATE_FORMAT = "%.1f%%"  # a rate in per cent (0-100), one decimal, as percent() writes it on the tiles
DATE_FORMAT = t("chart.date_format")  # as the dashboards' trend charts write dates


def percent(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1%}"


def filter_bar() -> visits.VisitFilters | None:
    options = stores.filter_options(db, user, lang)
    default = default_period_for(db, today)
    left, right = st.columns(2)
    with left:
        period = url_state.date_range(t("visits.period"), "from", "to", default, "visits", format="YYYY-MM-DD")
    with right, st.expander(t("stores.filters"), icon=":material/filter_list:"):
        regions = url_state.multiselect(t("stores.region"), options.regions, "region", "visits")
        dealers = url_state.multiselect(t("stores.dealer"), options.dealers, "dealer", "visits")
        merchandisers = url_state.multiselect(t("stores.merchandiser"), options.merchandisers, "merch", "visits")
    with show_user_error():
        return visits.VisitFilters(period[0], period[1], tuple(regions), tuple(dealers), tuple(merchandisers))
    return None


def tiles(f: visits.VisitFilters) -> dict:
    figures = visits.totals(db, user, f, today)
    late = visits.overdue_by_grade(db, user, f, today)
    top, bottom = st.columns(3), st.columns(3)
    top[0].metric(
        t("visits.completion"),
        percent(figures["completion"]),
        border=True,
        help=t("visits.completion_help", done=figures["done"], planned=figures["planned"]),
    )
    top[1].metric(
        t("visits.success"),
        percent(figures["success"]),
        border=True,
        help=t("visits.success_help", ordered=figures["with_order"], done=figures["done"]),
    )
    top[2].metric(
        t("visits.unplanned"),
        f"{figures['unplanned']:,}",
        border=True,
        help=t("visits.unplanned_help", visits=figures["visits"]),
    )
    bottom[0].metric(t("visits.planned"), f"{figures['planned']:,}", border=True, help=t("visits.planned_help"))
    minutes = figures["median_minutes"]
    bottom[1].metric(
        t("visits.duration"),
        "—" if minutes is None else t("visits.minutes", n=round(minutes)),
        border=True,
        help=t("visits.duration_help"),
    )
    bottom[2].metric(
        t("visits.overdue"),
        f"{sum(late.values()):,}",
        border=True,
        help=t("visits.overdue_help", date=fmt_date(f.plan_end(today), lang)),
    )
    st.caption(
        t(
            "visits.summary",
            done=figures["done"],
            planned=figures["planned"],
            ordered=figures["with_order"],
            a=late["A"],
            b=late["B"],
            c=late["C"],
        )
    )
    return figures


def trends(f: visits.VisitFilters) -> None:
    weekly = visits.weekly(db, user, f, today)
    labels = {
        key: t(f"visits.chart.{key}") for key in ("completion", "success", "done", "missed", "unplanned", "visits")
    } | {"partial": t("chart.partial_week")}
    cut = weeks_cut(weekly.week, f.start, f.plan_end(today))
    st.subheader(t("visits.rates_heading"), anchor=False)
    st.plotly_chart(
        charts_visits.rates_trend(weekly, labels, DATE_FORMAT, cut), key="rates_chart", config={"displayModeBar": False}
    )
    st.subheader(t("visits.visits_heading"), anchor=False)
    st.plotly_chart(
        charts_visits.visits_trend(weekly, labels, DATE_FORMAT, cut),
        key="visits_chart",
        config={"displayModeBar": False},
    )
    partial_note(cut)


def frequency(f: visits.VisitFilters) -> None:
    table = visits.frequency(db, user, f, today)
    if table.empty:
        return
    st.subheader(t("visits.frequency_heading"), anchor=False)
    labels = {key: t(f"visits.chart.{key}") for key in ("actual", "target", "per_week")} | {"grade": t("stores.grade")}
    st.plotly_chart(
        charts_visits.frequency_chart(table, labels), key="frequency_chart", config={"displayModeBar": False}
    )
    st.caption(t("visits.frequency_hint"))
    per_month = visits.DAYS_PER_MONTH / 7
    rows = []
    for row in table.itertuples():
        monthly = row.grade == "C"  # C is counted per month, as the grade's target is
        scale = per_month if monthly else 1
        unit = t("visits.per_month") if monthly else t("visits.per_week")
        rows.append(
            {
                "grade": row.grade,
                "stores": row.stores,
                "actual": f"{row.per_week * scale:.2f} {unit}",
                "target": f"{row.target_low * scale:.0f}–{row.target_high * scale:.0f} {unit}",
                "verdict": t(f"visits.verdict.{row.verdict}"),
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        key="frequency_table",
        column_config={
            "grade": st.column_config.TextColumn(t("stores.grade"), width="small"),
            "stores": st.column_config.NumberColumn(t("visits.stores"), width="small"),
            "actual": t("visits.chart.actual"),
            "target": t("visits.chart.target"),
            "verdict": t("visits.verdict"),
        },
    )


def league(f: visits.VisitFilters) -> None:
    st.subheader(t("visits.league_heading"), anchor=False)
    groupings = {
        "merchandiser": t("visits.by.merchandiser"),
        "region": t("visits.by.region"),
        "dealer": t("visits.by.dealer"),
    }
    by = url_state.segmented(t("visits.group_by"), groupings, "by")
    table = visits.league(db, user, f, by, lang, today)
    if table.empty:
        st.info(t("visits.nothing"))
        return
    small = dict(width=64)
    rates = dict(completion=table.completion * 100, success=table.success * 100)  # shown as 87.2%, like the tiles
    st.dataframe(
        table.assign(**rates)[["name", "planned", "completion", "success", "unplanned", "median_minutes", "overdue"]],
        hide_index=True,
        width="stretch",
        key="league_table",
        height=table_height(len(table), 460),
        column_config={
            "name": groupings[by],
            "planned": st.column_config.NumberColumn(t("visits.col.planned"), width=60),
            "completion": st.column_config.ProgressColumn(
                t("visits.col.completion"), format=RATE_FORMAT, min_value=0, max_value=100, width=116
            ),
            "success": st.column_config.NumberColumn(t("visits.col.success"), format=RATE_FORMAT, **small),
            "unplanned": st.column_config.NumberColumn(t("visits.col.unplanned"), width=76),
            "median_minutes": st.column_config.NumberColumn(t("visits.col.minutes"), format="%.0f", width=80),
            "overdue": st.column_config.NumberColumn(t("visits.col.overdue"), **small),
        },
    )
    st.caption(t("visits.league_hint"))


def overdue_list(f: visits.VisitFilters) -> None:
    st.subheader(t("visits.overdue_heading"), anchor=False)
    late = visits.overdue_stores(db, user, f, lang, today)
    if late.empty:
        st.success(t("visits.none_overdue", date=fmt_date(f.plan_end(today), lang)), icon=":material/check:")
        return
    shown = late.assign(
        code=late.code.map(links.store_url),
        last_visit=late.last_visit.map(lambda d: fmt_date(d, lang) if pd.notna(d) else t("visits.never")),
        days_since=late.days_since.astype("Int64"),
        days_overdue=(late.days_since - late.allowed_days).astype("Int64"),  # the order of the list
    ).fillna({"merchandiser": "—"})[
        ["code", "name", "grade", "merchandiser", "last_visit", "days_since", "days_overdue"]
    ]
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="overdue_table",
        height=table_height(len(shown), 420),
        column_config={
            "code": links.store_link_column(t("stores.code"), width=72),
            "name": st.column_config.TextColumn(t("stores.name"), width=180),
            "grade": st.column_config.TextColumn(t("stores.grade"), width=52),
            "merchandiser": st.column_config.TextColumn(t("stores.merchandiser"), width=84),
            "last_visit": st.column_config.TextColumn(t("stores.last_visit"), width=96),
            "days_since": st.column_config.NumberColumn(t("visits.col.days_since"), width=72),
            "days_overdue": st.column_config.NumberColumn(
                t("visits.col.days_overdue"), width=80, help=t("visits.col.days_overdue_help")
            ),
        },
    )
    st.caption(t("visits.overdue_hint", n=len(late)))


st.title(t("nav.visits"), anchor=False)
if stores.count_visible_stores(db, user) == 0:
    st.info(t("stores.none_yet_admin") if user.role == "admin" else t("stores.none_yet"))
    st.stop()
chosen = filter_bar()
if chosen is not None:
    figures = tiles(chosen)
    if figures["planned"] == 0 and figures["visits"] == 0:
        st.info(t("visits.empty"), icon=":material/event_note:")
    else:
        trends(chosen)
        frequency(chosen)
        league(chosen)
    overdue_list(chosen)
