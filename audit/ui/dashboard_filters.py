"""The dashboards' filter bar: date range, store attributes and products, all kept in the URL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import streamlit as st

from audit import dashboard, stores
from audit.auth import User
from audit.db import Database
from audit.filters import DashboardFilters, default_period_for, partial_weeks
from audit.i18n import fmt_date, label
from audit.ui import url_state
from audit.ui.context import t


def filter_bar(db: Database, viewer: User, lang: str, scope: str, store: str | None = None) -> DashboardFilters:
    """The filters in force on the page `scope`; for one store's page only the period."""
    default = default_period_for(db)
    start, end = url_state.date_range(t("filters.period"), "from", "to", default, scope, format="YYYY-MM-DD")
    if store is not None:
        return DashboardFilters(date_from=start, date_to=end, store=store)
    options = stores.filter_options(db, viewer, lang)
    with st.expander(
        t("filters.more", period=f"{fmt_date(start, lang)} – {fmt_date(end, lang)}"), icon=":material/filter_list:"
    ):
        first = st.columns(2)
        with first[0]:
            channels = url_state.pills(
                t("stores.channel"), {c: t("channel." + c) for c in stores.CHANNELS}, "channel", scope
            )
        with first[1]:
            grades = url_state.pills(t("stores.grade"), {g: g for g in stores.GRADES}, "grade", scope)
        second = st.columns(3)
        with second[0]:
            regions = url_state.multiselect(t("stores.region"), options.regions, "region", scope)
        with second[1]:
            dealers = url_state.multiselect(t("stores.dealer"), options.dealers, "dealer", scope)
        with second[2]:
            merchandisers = url_state.multiselect(t("stores.merchandiser"), options.merchandisers, "merch", scope)
        catalogue = dashboard.product_options(db)
        third = st.columns(2)
        with third[0]:
            categories = url_state.multiselect(
                t("filters.category"),
                {c: label("product_category", c, lang) for c in catalogue["categories"]},
                "category",
                scope,
            )
        with third[1]:
            brands = url_state.multiselect(t("filters.brand"), {b: b for b in catalogue["brands"]}, "brand", scope)
    return DashboardFilters(
        date_from=start,
        date_to=end,
        regions=tuple(regions),
        channels=tuple(channels),
        grades=tuple(grades),
        dealers=tuple(dealers),
        merchandisers=tuple(merchandisers),
        categories=tuple(categories),
        brands=tuple(brands),
    )


def weeks_cut(weeks: Iterable[date | None], first: date, last: date) -> dict[date, int]:
    """The weeks of a weekly chart that the period covers only in part, counting only days gone by."""
    return partial_weeks(weeks, first, min(last, date.today()))


def partial_note(cut: dict[date, int]) -> None:
    """Under a weekly chart with cut weeks: what the shading and the hollow points mean."""
    if cut:
        st.caption(t("chart.partial_note"))
