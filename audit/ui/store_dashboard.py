"""One store's scores for managers: trends, latest findings, SKU availability, photos, competitors."""

from __future__ import annotations

from typing import Any

import streamlit as st

from audit import capture, charts, dashboard, settings
from audit.auth import User
from audit.db import Database
from audit.i18n import fmt_date, fmt_money
from audit.settings import COMPONENTS
from audit.ui.cached import cached
from audit.ui.context import t
from audit.ui.dashboard_filters import filter_bar, partial_note, weeks_cut
from audit.ui.findings import findings_box, observation_columns
from audit.ui.photo_grid import photo_grid
from audit.ui.scoring_widgets import metric_tiles, weights_caption

PLOT: dict[str, Any] = {"width": "stretch", "config": {"displaylogo": False}}


def store_dashboard(db: Database, viewer: User, code: str, lang: str) -> None:
    rules = settings.load(db)
    st.subheader(t("store.scores"), anchor=False)
    filters = filter_bar(db, viewer, lang, "store", store=code)
    tiles = cached(dashboard.tiles, db, viewer, filters, rules).set_index("measure")
    if tiles.loc["audits", "value"] == 0:
        st.info(t("store.no_audits_in_period"))
    else:
        weights_caption(db, viewer, filters, rules)
        metric_tiles(tiles, rules)
        weekly = cached(dashboard.weekly, db, viewer, filters, rules)
        cut = weeks_cut(weekly["week"], filters.date_from, filters.date_to)
        st.plotly_chart(charts.trend(weekly, ["score", *COMPONENTS], t, t("store.trend_title"), rules, cut), **PLOT)
        partial_note(cut)
        availability = cached(dashboard.sku_availability, db, viewer, filters, lang)
        if not availability.empty:
            st.plotly_chart(charts.sku_availability(availability, t, t("store.sku_title")), **PLOT)

    st.subheader(t("store.latest_findings"), anchor=False)
    findings_box(capture.last_findings(db, viewer, code, lang))

    st.subheader(t("store.photos"), anchor=False)
    photo_grid(cached(dashboard.photos, db, viewer, filters, None, 24), columns=6)

    st.subheader(t("store.competitors"), anchor=False)
    log = cached(dashboard.competitor_log, db, viewer, filters, lang)
    if log.empty:
        st.caption(t("comp.none"))
    else:
        st.dataframe(
            log.fillna({"product": "", "note": ""})
            .assign(
                visit_date=log.visit_date.map(lambda d: fmt_date(d, lang)),
                kind=log.kind.map(lambda k: t(f"capture.kind.{k}")),
                **{c: log[c].map(fmt_money) for c in ("normal_price", "promo_price", "flash_price")},
            )
            .drop(columns=["brand_code", "store_code"]),
            hide_index=True,
            width="stretch",
            column_config={"visit_date": t("stores.visit_date"), **observation_columns()},
        )
