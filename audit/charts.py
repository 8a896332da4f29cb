"""Plotly figures for the dashboards: pure functions, DataFrame (and translated texts) in, Figure out.

Colours mean the same on every page: one per score band, one per competitor brand (by its code, so a
brand keeps its colour whichever brands a filter leaves), and our brand in the app's primary colour.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from audit.plans import WORKING_DAYS
from audit.settings import ScoringSettings

Text = Callable[[str], str]

BAND_COLOURS = {"green": "#2E9E5B", "amber": "#E0A100", "red": "#D64545"}
NO_SCORE_COLOUR = "#9AA5B1"
OURS_COLOUR = "#0F766E"
_BRAND_PALETTE = ("#7C3AED", "#2563EB", "#DB2777", "#EA580C", "#0891B2", "#65A30D", "#9333EA", "#B45309")
OTHER_BRAND_COLOUR = "#6B7280"
COMPONENT_COLOURS = {
    "score": "#1F2933",
    "availability": "#0F766E",
    "height": "#7C3AED",
    "eye_level": "#2563EB",
    "share_of_shelf": "#DB2777",
    "price": "#EA580C",
    "pop": "#65A30D",
    "freshness": "#0891B2",
}
PRICE_COLOURS = {"normal": "#334E68", "promo": "#F0B429", "flash": "#D64545"}
_FONT_SIZE = 13
_FONT = dict(family="Source Sans Pro, Noto Sans CJK SC, sans-serif", size=_FONT_SIZE)
TOOLBAR_HEIGHT = 34  # the chart's toolbar (Plotly's mode bar) over the top right corner: titles sit below it
STORE_LABEL_LIMIT = 24  # half-width units of a store name on a chart's axis (12 Chinese characters); the full
# name is in the hover


def plain(text: object) -> str:
    """Text people typed (store, brand, product and region names) as Plotly shows it literally: its labels
    and hover texts render <b>, <br> and <a href> tags, but show entities as the characters they stand for."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain_all(values: Iterable[object]) -> list[str]:
    return [plain(v) for v in values]


def brand_colour(code: str) -> str:
    """Competitor codes in the catalogue are like C01, C02...: the number picks the colour."""
    if code == "ours":
        return OURS_COLOUR
    digits = "".join(ch for ch in str(code) if ch.isdigit())
    if not digits:
        return OTHER_BRAND_COLOUR
    return _BRAND_PALETTE[(int(digits) - 1) % len(_BRAND_PALETTE)]


_BRANCH = re.compile(r"^(?P<head>.+?)\s*(?P<branch>[（(][^（）()]+[）)])$")  # "Chain (Branch)" / "连锁（分店）"


def _units(text: str) -> int:
    """Width in half-width units: a Chinese character (or full-width bracket) takes two, a Latin one one."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _first(text: str, units: int) -> str:
    """The longest start of text no wider than units."""
    taken = ""
    for ch in text:
        if _units(taken + ch) > units:
            break
        taken += ch
    return taken


def store_label(name: object, code: object, limit: int = STORE_LABEL_LIMIT) -> str:
    """A store as a chart labels it on an axis: its name at most `limit` half-width units wide (a Chinese
    character counts two) and its code. Store names of one chain start alike and differ at the end
    ("联华超市（解放路店）", "Lianhua Supermarket (Jiefang Rd)"), so a long name keeps its start and its branch
    in brackets (else its start and its end), cut in the middle with an ellipsis; the code keeps two stores
    of the same name apart."""
    name = " ".join(str(name).split())
    if _units(name) <= limit:
        return f"{name} · {code}"
    room = limit - 1  # the ellipsis
    match = _BRANCH.match(name)
    if match and _units(match["branch"]) <= room - 4:  # the branch whole, and a little of the chain's name
        tail = match["branch"]
    else:
        tail = _first(name[::-1], room // 2)[::-1].lstrip()
    head = _first(name, room - _units(tail)).rstrip()
    return f"{head}…{tail} · {code}"


def _text_width(text: str, size: float = _FONT_SIZE) -> float:
    """Roughly how wide a label is drawn, in pixels: Chinese characters take a full em, Latin about half."""
    return sum(size if ord(ch) > 0x2E80 else 0.55 * size for ch in str(text))


def band_colour(settings: ScoringSettings, score: float | None) -> str:
    band = settings.band(score)
    return BAND_COLOURS[band] if band else NO_SCORE_COLOUR


def _layout(fig: go.Figure, title: str, height: int = 340, top: int = 0, **kwargs: Any) -> go.Figure:
    """The house style. The title sits under the toolbar; `top` is room under the title (for labels on a
    top axis). The legend is a row at the bottom of the figure, below the axis and its tick labels, which
    push the plot up (automargin) rather than run into the legend."""
    fig.update_layout(
        title=dict(text=title, x=0, xanchor="left", yref="container", y=1, yanchor="top", pad=dict(t=TOOLBAR_HEIGHT)),
        height=height,
        font=_FONT,
        margin=dict(l=10, r=10, t=TOOLBAR_HEIGHT + 36 + top, b=10),
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend=dict(orientation="h", yref="container", yanchor="bottom", y=0, x=0),
        **kwargs,
    )
    fig.update_xaxes(showgrid=False, linecolor="#CBD2D9")
    fig.update_yaxes(gridcolor="#E4E7EB", zeroline=False)
    return fig


def weekly_ticks(fig: go.Figure, weeks: Iterable[date | None]) -> go.Figure:
    """Date ticks on the weeks' Mondays, where the points are (every k-th week when there are many), not
    on the Sundays plotly picks for a weekly axis."""
    mondays = pd.Series(weeks).dropna().drop_duplicates().sort_values().tolist()
    if mondays:
        step = max(1, -(-len(mondays) // 8))
        fig.update_xaxes(tickmode="array", tickvals=mondays[::step])
    return fig


PARTIAL_FILL = "#9AA5B1"
PARTIAL_BAR_OPACITY = 0.45


def _monday(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value  # a datetime or pandas' Timestamp


def partial_points(weeks: Iterable[date], partial: Mapping[date, int] | None) -> list[bool]:
    """For each week of a chart's x values: is it one the period covers only in part
    (audit.filters.partial_weeks)?"""
    return [bool(partial) and _monday(w) in (partial or {}) for w in weeks]


def mark_partial_weeks(fig: go.Figure, partial: Mapping[date, int] | None, label: str) -> go.Figure:
    """Shade each week the period covers only in part and write over it how many of its working days it
    holds ('Part week 3/5'), so a cut week at either end is not read as a drop."""
    for week, days in sorted((partial or {}).items()):
        fig.add_vrect(
            x0=week - timedelta(days=3.5),
            x1=week + timedelta(days=3.5),
            fillcolor=PARTIAL_FILL,
            opacity=0.16,
            line_width=0,
            layer="below",
        )
        # inside the plot's top edge: the visit charts' legends sit just above it
        fig.add_annotation(
            x=week,
            y=1,
            xref="x",
            yref="paper",
            yanchor="top",
            showarrow=False,
            text=f"{label} {days}/{WORKING_DAYS}",
            font=dict(size=11, color="#52606D"),
            bgcolor="rgba(255,255,255,0.7)",
        )
    return fig


def hollow_where(flags: list[bool], filled: str = "circle") -> list[str]:
    """Marker symbols: hollow for the points of partial weeks."""
    return [f"{filled}-open" if flag else filled for flag in flags]


def paler_where(flags: list[bool]) -> list[float]:
    """Bar opacities: paler for the bars of partial weeks."""
    return [PARTIAL_BAR_OPACITY if flag else 1.0 for flag in flags]


def _band_backdrop(fig: go.Figure, settings: ScoringSettings) -> None:
    """Faint horizontal bands behind a 0-100 score axis, in the band colours."""
    for low, high, band in (
        (settings.green_min, 100, "green"),
        (settings.amber_min, settings.green_min, "amber"),
        (0, settings.amber_min, "red"),
    ):
        fig.add_hrect(y0=low, y1=high, fillcolor=BAND_COLOURS[band], opacity=0.07, line_width=0, layer="below")


def trend(
    weekly: pd.DataFrame,
    measures: list[str],
    text: Text,
    title: str,
    settings: ScoringSettings,
    partial: Mapping[date, int] | None = None,
) -> go.Figure:
    """Weekly lines of score and components (0-100), on the band backdrop; the weeks in `partial`
    (audit.filters.partial_weeks) shaded, their points hollow."""
    fig = go.Figure()
    symbols = hollow_where(partial_points(weekly["week"], partial))
    for measure in measures:
        fig.add_trace(
            go.Scatter(
                x=weekly["week"],
                y=weekly[measure],
                name=text(f"measure.{measure}"),
                mode="lines+markers",
                line=dict(color=COMPONENT_COLOURS[measure], width=3 if measure == "score" else 2),
                marker=dict(symbol=symbols, size=8, line=dict(width=2, color=COMPONENT_COLOURS[measure])),
                hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}<extra>%{fullData.name}</extra>",
            )
        )
    _band_backdrop(fig, settings)
    mark_partial_weeks(fig, partial, text("chart.partial_week"))
    fig.update_yaxes(title_text=text("chart.percent_or_score"), range=[0, 100])
    fig.update_xaxes(tickformat=text("chart.date_format"))
    return weekly_ticks(_layout(fig, title), weekly["week"])


def breakdown(frame: pd.DataFrame, text: Text, title: str, settings: ScoringSettings) -> go.Figure:
    """Horizontal bars of the score per group (label column), coloured by band, weakest at the top."""
    ordered = frame.sort_values("score", ascending=False, na_position="first")
    fig = go.Figure(
        go.Bar(
            x=ordered["score"],
            y=_plain_all(ordered["label"]),
            orientation="h",
            marker_color=[band_colour(settings, s) for s in ordered["score"]],
            text=[f"{s:.0f}" if pd.notna(s) else "—" for s in ordered["score"]],
            textposition="outside",
            customdata=ordered[["audits", "stores"]],
            hovertemplate="%{y}: %{x:.1f}<br>"
            + text("chart.audits")
            + ": %{customdata[0]}<br>"
            + text("chart.stores")
            + ": %{customdata[1]}<extra></extra>",
        )
    )
    fig.update_xaxes(title_text=text("measure.score"), range=[0, 105])
    return _layout(fig, title, height=max(220, 60 + 32 * len(ordered)))


def heatmap(
    stores: pd.DataFrame, components: list[str], text: Text, title: str, settings: ScoringSettings
) -> go.Figure:
    """Store x component matrix (rows: stores, labelled by the label column, e.g. store_label(); the hover
    names the store in full when a name column is given), coloured red-amber-green. Every component
    heads its column, angled so that seven fit on a tablet; the cells carry their numbers, so no colour
    bar takes the width."""
    z = stores[components].to_numpy(dtype=float)
    amber, green = settings.amber_min / 100, settings.green_min / 100
    scale = [
        [0, BAND_COLOURS["red"]],
        [amber, BAND_COLOURS["red"]],
        [amber, BAND_COLOURS["amber"]],
        [green, BAND_COLOURS["amber"]],
        [green, BAND_COLOURS["green"]],
        [1, BAND_COLOURS["green"]],
    ]
    columns = [text(f"measure.{c}") for c in components]
    names = _plain_all(stores["name"] if "name" in stores else stores["label"])
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=_plain_all(stores["label"]),
            zmin=0,
            zmax=100,
            showscale=False,
            colorscale=scale,
            xgap=2,
            ygap=2,
            customdata=[[[code, name]] * len(components) for code, name in zip(stores["code"], names, strict=True)],
            text=[["—" if pd.isna(v) else f"{v:.0f}" for v in row] for row in z],
            texttemplate="%{text}",
            textfont=dict(size=12),
            hovertemplate="%{customdata[1]} (%{customdata[0]})<br>%{x}: %{z:.1f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category", ticksuffix=" ")
    angle = 40
    fig.update_xaxes(side="top", type="category", tickmode="array", tickvals=columns, tickangle=-angle)
    headers = int(max(map(_text_width, columns), default=0) * math.sin(math.radians(angle))) + 12
    return _layout(fig, title, height=max(300, 100 + headers + 26 * len(stores)), top=headers)


MAP_DRAW_ORDER = ("none", "green", "amber", "red")
MAP_OPACITY = 0.8  # stores in one city sit almost on one point: those underneath show through
# ... and each band is drawn a little smaller than the one under it, so a city with stores of several bands
# shows them as rings round a red centre rather than one dot of the top band.
MAP_SIZES = {"none": 17, "green": 15, "amber": 12.5, "red": 10}


def store_map(stores: pd.DataFrame, text: Text, title: str, settings: ScoringSettings) -> go.Figure:
    """Stores by longitude and latitude, coloured by band. A plain scatter on equal-scaled axes: it needs
    no map tiles, so it draws the same offline, on an intranet, or in a PDF."""
    located = stores.dropna(subset=["latitude", "longitude"])
    fig = go.Figure()
    bands = located["score"].map(settings.band).fillna("none")
    for band in MAP_DRAW_ORDER:  # a later trace is drawn over an earlier one: the weakest stores on top
        part = located[bands == band]
        if part.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=part["longitude"],
                y=part["latitude"],
                mode="markers",
                name=text(f"band.{band}"),
                marker=dict(
                    color=BAND_COLOURS.get(band, NO_SCORE_COLOUR),
                    size=MAP_SIZES[band],
                    opacity=MAP_OPACITY,
                    line=dict(color="white", width=1),
                ),
                customdata=part[["code", "name", "score"]].assign(name=_plain_all(part["name"])),
                hovertemplate="%{customdata[1]} (%{customdata[0]})<br>"
                + text("measure.score")
                + ": %{customdata[2]:.1f}<extra></extra>",
            )
        )
    fig.update_xaxes(title_text=text("chart.longitude"))
    fig.update_yaxes(title_text=text("chart.latitude"), scaleanchor="x", scaleratio=1)
    fig.update_layout(legend=dict(traceorder="reversed", itemsizing="constant"))  # red, amber, green, no score
    return _layout(fig, title, height=460)


def sku_availability(frame: pd.DataFrame, text: Text, title: str) -> go.Figure:
    """SKU x week heatmap of availability at one store."""
    table = frame.pivot_table(index="product", columns="week", values="availability")
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[pd.Timestamp(w).strftime("%Y-%m-%d") for w in table.columns],
            y=_plain_all(table.index),
            zmin=0,
            zmax=100,
            colorscale=[[0, BAND_COLOURS["red"]], [0.5, BAND_COLOURS["amber"]], [1, BAND_COLOURS["green"]]],
            xgap=1,
            ygap=1,
            colorbar=dict(title=text("measure.availability")),
            hovertemplate="%{y} · %{x}: %{z:.0f}%<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return _layout(fig, title, height=max(260, 90 + 22 * len(table)))


def competitor_activity(
    weekly: pd.DataFrame, text: Text, title: str, partial: Mapping[date, int] | None = None
) -> go.Figure:
    """Observations per week, stacked by brand; the weeks in `partial` shaded, their bars paler."""
    totals = weekly.groupby(["week", "brand_code", "brand"], as_index=False, dropna=False)["observations"].sum()
    fig = go.Figure()
    for (code, brand), part in totals.groupby(["brand_code", "brand"], dropna=False, sort=True):
        fig.add_trace(
            go.Bar(
                x=part["week"],
                y=part["observations"],
                name=plain(brand),
                marker=dict(color=brand_colour(code), opacity=paler_where(partial_points(part["week"], partial))),
                hovertemplate="%{x|%Y-%m-%d} · %{fullData.name}: %{y}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    mark_partial_weeks(fig, partial, text("chart.partial_week"))
    fig.update_yaxes(title_text=text("chart.observations"))
    fig.update_xaxes(tickformat=text("chart.date_format"))
    return weekly_ticks(_layout(fig, title), totals["week"])


def brand_by_kind(weekly: pd.DataFrame, text: Text, title: str) -> go.Figure:
    """Observations per brand (rows) and kind (columns) over the period."""
    table = weekly.pivot_table(index="brand", columns="kind", values="observations", aggfunc="sum", fill_value=0)
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[text(f"capture.kind.{k}") for k in table.columns],
            y=_plain_all(table.index),
            colorscale="Blues",
            xgap=2,
            ygap=2,
            texttemplate="%{z}",
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
            colorbar=dict(title=text("chart.observations")),
        )
    )
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return _layout(fig, title, height=max(240, 100 + 34 * len(table)))


def activity_where(frame: pd.DataFrame, text: Text, title: str) -> go.Figure:
    """Observations per region and channel, stacked by brand: one bar per region and channel, lying down,
    so the channel names read across at any width (standing bars turned them sideways, under the legend)."""
    rows = len(frame[["region", "channel"]].drop_duplicates())
    fig = go.Figure()
    for (code, brand), part in frame.groupby(["brand_code", "brand"], dropna=False, sort=True):
        fig.add_trace(
            go.Bar(
                y=[_plain_all(part["region"]), part["channel"].map(lambda c: text(f"channel.{c}"))],
                x=part["observations"],
                orientation="h",
                name=plain(brand),
                marker_color=brand_colour(code),
                hovertemplate="%{y} · %{fullData.name}: %{x}<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text=text("chart.observations"), showgrid=True, gridcolor="#E4E7EB")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    return _layout(fig, title, height=max(300, 150 + 26 * rows))


def price_index(frame: pd.DataFrame, text: Text, title: str, base: str) -> go.Figure:
    """Their normal / promotion / flash price as % of ours (base 'rrp' or 'shelf'); 100 = same price."""
    fig = go.Figure()
    for kind in ("normal", "promo", "flash"):
        column = f"{kind}_vs_{base}"
        fig.add_trace(
            go.Bar(
                x=_plain_all(frame["brand"]),
                y=frame[column],
                name=text(f"chart.price_{kind}"),
                marker_color=PRICE_COLOURS[kind],
                text=[f"{v:.0f}" if pd.notna(v) else "" for v in frame[column]],
                textposition="inside",
                insidetextanchor="end",
                hovertemplate="%{x} · %{fullData.name}: %{y:.1f}<extra></extra>",
            )
        )
    fig.add_hline(
        y=100,
        line_dash="dash",
        line_color=OURS_COLOUR,
        annotation_text=text(f"chart.our_{base}"),
        annotation_position="top left",
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title_text=text("chart.price_index"), rangemode="tozero")
    return _layout(fig, title, height=380)


def share_of_shelf(frame: pd.DataFrame, text: Text, title: str, partial: Mapping[date, int] | None = None) -> go.Figure:
    """Weekly share of facings: ours and each competitor's, stacked to 100 %; the weeks in `partial` shaded."""
    fig = go.Figure()
    for code, part in frame.groupby("brand_code", sort=False):
        name = text("chart.ours") if code == "ours" else plain(part["brand"].iloc[0])
        fig.add_trace(
            go.Scatter(
                x=part["week"],
                y=part["share"],
                name=name,
                stackgroup="share",
                mode="lines",
                line=dict(color=brand_colour(code), width=0.5),
                hovertemplate="%{x|%Y-%m-%d} · %{fullData.name}: %{y:.1f}%<extra></extra>",
            )
        )
    mark_partial_weeks(fig, partial, text("chart.partial_week"))
    fig.update_yaxes(title_text=text("measure.share_of_shelf"), range=[0, 100], ticksuffix="%")
    fig.update_xaxes(tickformat=text("chart.date_format"))
    return weekly_ticks(_layout(fig, title), frame["week"])
