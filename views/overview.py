"""Dashboard: compliance tiles against the previous period, weekly trends, breakdowns, weakest stores,
a store x component heatmap and a map, for the filters in the URL."""

import streamlit as st

from audit import charts, dashboard, settings
from audit.i18n import fmt_date, label
from audit.settings import COMPONENTS
from audit.ui import context
from audit.ui.cached import cached
from audit.ui.context import t
from audit.ui.dashboard_filters import filter_bar, partial_note, weeks_cut
from audit.ui.scoring_widgets import metric_tiles, open_store_on_select, score_table, weights_caption

db = context.db()
user = context.current_user()
lang = context.lang()
rules = settings.load(db)

st.title(t("nav.overview"), anchor=False)
filters = filter_bar(db, user, lang, "overview")
weights_caption(db, user, filters, rules)

tiles = cached(dashboard.tiles, db, user, filters, rules).set_index("measure")
if tiles.loc["audits", "value"] == 0:
    st.info(t("dash.no_audits"), icon=":material/filter_alt_off:")
    st.stop()

previous = filters.previous()
st.caption(t("dash.compared_with", start=fmt_date(previous.date_from, lang), end=fmt_date(previous.date_to, lang)))
metric_tiles(tiles, rules)

weekly = cached(dashboard.weekly, db, user, filters, rules)
shown = st.pills(
    t("dash.trend_measures"),
    ["score", *COMPONENTS],
    selection_mode="multi",
    default=["score", "availability", "eye_level", "price", "pop"],
    format_func=lambda m: t(f"measure.{m}"),
    key="trend_measures",
)
cut = weeks_cut(weekly["week"], filters.date_from, filters.date_to)
st.plotly_chart(
    charts.trend(weekly, shown or ["score"], t, t("dash.trend_title"), rules, cut),
    width="stretch",
    config={"displaylogo": False},
)
partial_note(cut)

dimension = st.segmented_control(
    t("dash.breakdown_by"),
    dashboard.DIMENSIONS,
    default="region",
    required=True,
    format_func=lambda d: t(f"dash.dimension.{d}"),
    key="breakdown_dimension",
)
groups = cached(dashboard.breakdown, db, user, filters, rules, dimension, lang)
if dimension in ("channel", "grade"):
    groups = groups.assign(label=groups.key.map(lambda v: label(dimension, v, lang) if dimension == "channel" else v))
st.plotly_chart(
    charts.breakdown(groups, t, t("dash.breakdown_title", by=t(f"dash.dimension.{dimension}")), rules),
    width="stretch",
    config={"displaylogo": False},
)

per_store = cached(dashboard.store_scores, db, user, filters, rules, lang)
st.subheader(t("dash.weakest"), anchor=False)
weakest = per_store.dropna(subset=["score"]).head(10)
open_store_on_select(score_table(weakest, rules, "weakest_table"), weakest)

st.subheader(t("dash.heatmap"), anchor=False)
heat = per_store.dropna(subset=["score"]).head(20)
heat = heat.assign(
    label=[charts.store_label(name, code) for name, code in zip(heat["name"], heat["code"], strict=True)]
)
heat_event = st.plotly_chart(
    charts.heatmap(heat, list(COMPONENTS), t, t("dash.heatmap_title", n=len(heat)), rules),
    width="stretch",
    on_select="rerun",
    selection_mode="points",
    key="heatmap",
    config={"displaylogo": False},
)
open_store_on_select(heat_event, heat, from_chart=True)

st.subheader(t("dash.map"), anchor=False)
map_event = st.plotly_chart(
    charts.store_map(per_store, t, t("dash.map_title", n=len(per_store)), rules),
    width="stretch",
    on_select="rerun",
    selection_mode="points",
    key="store_map",
    config={"displaylogo": False},
)
open_store_on_select(map_event, per_store, from_chart=True)
st.caption(t("dash.tap_store"))
