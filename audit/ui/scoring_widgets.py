"""Pieces the score pages share: which weights are in force, a store score table, going to a store."""

from __future__ import annotations

from typing import Literal, TypedDict

import pandas as pd
import streamlit as st
from streamlit.elements.arrow import DataframeState
from streamlit.elements.plotly_chart import PlotlyState

from audit import dashboard, settings
from audit.auth import User
from audit.db import Database
from audit.filters import DashboardFilters
from audit.i18n import fmt_date, join_list, labelled
from audit.settings import COMPONENTS, ScoringSettings
from audit.ui import links
from audit.ui.cached import cached
from audit.ui.context import lang, plain_t, t
from audit.ui.markdown import Markdown
from audit.values import Row, is_missing


def weights_caption(db: Database, viewer: User, filters: DashboardFilters, rules: ScoringSettings) -> None:
    """Say which weights and bands every score on the page uses, and which components could not always be
    measured (their weight then went to the others)."""
    total = sum(rules.weights.values())
    parts = Markdown(
        " · ".join(
            f"{t(f'measure.{c}')} {100 * rules.weights[c] / total:.0f} %" for c in COMPONENTS if rules.weights[c]
        )
    )  # the app's own words and numbers
    by, when = settings.last_change(db)
    source = t("dash.weights_by", who=by, when=fmt_date(when, lang())) if by else t("dash.weights_default")
    st.caption(
        t(
            "dash.weights_in_force",
            weights=parts,
            green=f"{rules.green_min:g}",
            amber=f"{rules.amber_min:g}",
            source=source,
        )
    )
    measured = cached(dashboard.coverage, db, viewer, filters, rules)
    partial = measured[(measured.measured < measured.audits) & measured.component.map(lambda c: rules.weights[c] > 0)]
    if len(partial) and measured.audits.iloc[0]:
        st.caption(
            t(
                "dash.partly_measured",
                components=Markdown(
                    join_list(  # each part escaped once, by t
                        (
                            t(
                                "dash.measured_of",
                                component=t(f"measure.{r.component}"),
                                n=f"{r.measured:,}",
                                total=f"{r.audits:,}",
                            )
                            for r in partial.itertuples()
                        ),
                        lang(),
                    )
                ),
            )
        )
    if filters.narrows_products:
        st.caption(t("dash.product_filter_note"))


BAND_BADGE = {"green": "green", "amber": "orange", "red": "red"}  # Streamlit's badge colours


def _rounded_change(value: float | None, before: float | None, decimals: int) -> float | None:
    if is_missing(value) or is_missing(before):
        return None
    return round(float(value) - float(before), decimals) + 0.0  # + 0.0 turns -0.0 into 0.0


def change_text(value: float | None, before: float | None, decimals: int = 1) -> str | None:
    """The change from before to value as a tile shows it: signed ("+2.5", "-1.0"), but a change that
    rounds to zero is "0.0", never "-0.0" or "+0.0"; None when either side is unknown."""
    change = _rounded_change(value, before, decimals)
    if change is None:
        return None
    return f"{change:.{decimals}f}" if change == 0 else f"{change:+,.{decimals}f}"


class _Delta(TypedDict, total=False):
    delta: str | None
    delta_color: Literal["off"]
    delta_arrow: Literal["off"]


def _delta(value: float | None, before: float | None, decimals: int = 1) -> _Delta:
    """st.metric's delta arguments: no arrow and no colour for no change."""
    delta = _Delta(delta=change_text(value, before, decimals))
    if _rounded_change(value, before, decimals) == 0:
        delta["delta_color"] = delta["delta_arrow"] = "off"
    return delta


def metric_tiles(tiles: pd.DataFrame, rules: ScoringSettings) -> None:
    """One tile per measure (dashboard.tiles, indexed by measure) with its change against the previous
    period; the score also shows its band."""
    per_row = 3  # six tiles in one row truncate their numbers on a 1024-px tablet
    columns = [column for _ in range(0, len(tiles), per_row) for column in st.columns(per_row)]
    for column, measure in zip(columns, tiles.index, strict=False):
        value, before = tiles.loc[measure, "value"], tiles.loc[measure, "previous"]
        with column, st.container(border=True):
            if measure == "audits":
                st.metric(t("dash.audits_done"), f"{int(value):,}", **_delta(value, before, 0))
                continue
            st.metric(t(f"measure.{measure}"), "—" if value != value else f"{value:.1f}", **_delta(value, before))
            band = rules.band(value) if measure == "score" else None
            if band:
                st.markdown(f":{BAND_BADGE[band]}-badge[{t('band.' + band)}]")


# The weakest-stores table fits the main column at 1366 px with the sidebar open (about 900 px; measured in
# Chromium): fixed widths, and no component columns, which the store x component heatmap under it shows.
SCORE_TABLE_WIDTHS = {
    "band": 64,
    "name": 210,
    "code": 72,
    "city": 88,
    "grade": 52,
    "score": 110,
    "lowest": 160,
    "last_visit": 90,
}


def costliest_component(row: Row, rules: ScoringSettings) -> str:
    """The component that cost the store the most score points (its weight share times what it lacks of
    100), with its value ("Price compliance 50"): where to act first. The lowest value alone named
    eye-level share for nearly every store, which weighs little."""
    values = {c: row[c] for c in COMPONENTS if rules.weights[c] and pd.notna(row[c])}
    if not values:
        return "—"
    component = max(values, key=lambda c: rules.weights[c] * (100 - values[c]))
    return f"{plain_t(f'measure.{component}')} {values[component]:.0f}"


def score_table(frame: pd.DataFrame, rules: ScoringSettings, key: str) -> DataframeState:
    """Stores with their band, score and the component that cost them most; tapping a row opens the store."""
    shown = frame.assign(
        band=frame.score.map(lambda s: plain_t(f"band.{rules.band(s) or 'none'}")),
        lowest=[costliest_component(row, rules) for _, row in frame.iterrows()],
        last_visit=frame.last_visit.map(lambda d: fmt_date(d, lang())),
    )
    w = SCORE_TABLE_WIDTHS
    return st.dataframe(
        shown[list(w)],
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "band": st.column_config.TextColumn(t("dash.band"), width=w["band"]),
            "name": st.column_config.TextColumn(t("stores.name"), width=w["name"]),
            "code": st.column_config.TextColumn(t("stores.code"), width=w["code"]),
            "city": st.column_config.TextColumn(t("stores.city"), width=w["city"]),
            "grade": st.column_config.TextColumn(t("stores.grade"), width=w["grade"]),
            "score": st.column_config.ProgressColumn(
                t("measure.score"), min_value=0, max_value=100, format="%.1f", width=w["score"]
            ),
            "lowest": st.column_config.TextColumn(
                t("dash.lowest_component"), width=w["lowest"], help=t("dash.lowest_component_help")
            ),
            "last_visit": st.column_config.TextColumn(t("stores.last_visit"), width=w["last_visit"]),
        },
    )


def open_store_on_select(
    event: DataframeState | PlotlyState | None, frame: pd.DataFrame, from_chart: bool = False
) -> None:
    """Open the tapped store's page: a table row, or a chart point carrying the store code first in its
    customdata."""
    code = None
    if from_chart:
        points = event.selection.get("points", []) if event else []
        if points:
            custom = points[0].get("customdata")
            code = custom[0] if isinstance(custom, (list, tuple)) else custom
    elif event is not None and event.selection.rows:
        code = frame.iloc[event.selection.rows[0]]["code"]
    if code:
        links.open_store(str(code))


def audit_score_box(score: dict[str, float | None] | None, rules: ScoringSettings) -> None:
    """One audit's score in its band and its components, with what it could not measure (left out, its
    weight spread over the rest), with the weights in force."""
    band = None if score is None else rules.band(score["score"])
    if score is None or band is None:
        return
    measured = [c for c in COMPONENTS if score[c] is not None and rules.weights[c]]
    missing = [t(f"measure.{c}") for c in COMPONENTS if score[c] is None and rules.weights[c]]
    with st.container(border=True):
        heading = labelled(t("capture.score_heading"), f"{score['score']:.1f}", lang())
        st.markdown(f"**{heading}** :{BAND_BADGE[band]}-badge[{t('band.' + band)}]")
        st.markdown(" · ".join(f"{t(f'measure.{c}')} {score[c]:.0f}" for c in measured))
        if missing:
            st.caption(t("capture.not_measured", components=join_list(missing, lang())))
