"""Competitors: what rival brands do, where, at what prices, and how much shelf they hold against ours."""

import streamlit as st

from audit import charts, dashboard
from audit.i18n import fmt_date, fmt_money
from audit.ui import context, links
from audit.ui.cached import cached
from audit.ui.context import t
from audit.ui.dashboard_filters import filter_bar, partial_note, weeks_cut
from audit.ui.findings import observation_columns
from audit.ui.photo_grid import photo_grid

db = context.db()
user = context.current_user()
lang = context.lang()

st.title(t("nav.competitors"), anchor=False)
filters = filter_bar(db, user, lang, "competitors")
weekly = cached(dashboard.competitor_weekly, db, user, filters, lang)
if weekly.empty:
    st.info(t("comp.none"), icon=":material/filter_alt_off:")
    st.stop()

plot = {"width": "stretch", "config": {"displaylogo": False}}
cut = weeks_cut(weekly["week"], filters.date_from, filters.date_to)
st.plotly_chart(charts.competitor_activity(weekly, t, t("comp.activity_title"), cut), **plot)
partial_note(cut)
st.plotly_chart(charts.brand_by_kind(weekly, t, t("comp.kind_title")), **plot)
st.plotly_chart(
    charts.activity_where(cached(dashboard.competitor_where, db, user, filters, lang), t, t("comp.where_title")), **plot
)

st.subheader(t("comp.prices"), anchor=False)
prices = cached(dashboard.competitor_prices, db, user, filters, lang)
if prices.empty:
    st.info(t("comp.no_prices"))
else:
    base = st.segmented_control(
        t("comp.price_base"),
        ["rrp", "shelf"],
        default="rrp",
        required=True,
        format_func=lambda b: t(f"comp.base.{b}"),
        key="price_base",
    )
    st.plotly_chart(charts.price_index(prices, t, t("comp.price_title"), base), **plot)
    st.caption(t("comp.price_explain"))

st.subheader(t("measure.share_of_shelf"), anchor=False)
shares = cached(dashboard.share_of_shelf, db, user, filters, lang)
if shares.empty:
    st.info(t("comp.no_facings"))
else:
    st.plotly_chart(
        charts.share_of_shelf(
            shares, t, t("comp.share_title"), weeks_cut(shares["week"], filters.date_from, filters.date_to)
        ),
        **plot,
    )

st.subheader(t("comp.latest_photos"), anchor=False)
photo_grid(cached(dashboard.photos, db, user, filters, "competitor", 12), columns=6)

st.subheader(t("comp.log"), anchor=False)
log = cached(dashboard.competitor_log, db, user, filters, lang)
event = st.dataframe(
    log.fillna({"product": "", "note": ""})
    .assign(
        visit_date=log.visit_date.map(lambda d: fmt_date(d, lang)),
        kind=log.kind.map(lambda k: t(f"capture.kind.{k}")),
        **{c: log[c].map(fmt_money) for c in ("normal_price", "promo_price", "flash_price")},
    )
    .drop(columns="brand_code"),
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="competitor_log",
    column_config={"visit_date": t("stores.visit_date"), "store_code": t("stores.code"), **observation_columns()},
)
if event.selection.rows:
    links.open_store(log.iloc[event.selection.rows[0]]["store_code"])
