"""Charts of the visit measures: pure functions, a small DataFrame and translated labels in, a Plotly
figure out. Nothing here reads the database or knows about Streamlit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from audit.charts import hollow_where, mark_partial_weeks, paler_where, partial_points, weekly_ticks

TEAL, AMBER, RED, SLATE, GREY = "#0F766E", "#D97706", "#DC2626", "#475569", "#CBD5E1"
HEIGHT = 300


def _layout(fig: go.Figure, y_title: str | None, percent: bool = False, date_format: str | None = None) -> go.Figure:
    fig.update_layout(
        height=HEIGHT,
        margin=dict(l=8, r=8, t=36, b=34),
        plot_bgcolor="white",
        paper_bgcolor="white",
        legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0, title=None),
        hovermode="x unified",
        font=dict(family="Noto Sans CJK SC, Noto Sans, sans-serif", size=13),
    )
    fig.update_yaxes(
        title=y_title, gridcolor="#E2E8F0", zeroline=False, rangemode="tozero", tickformat=".0%" if percent else None
    )
    fig.update_xaxes(title=None, showgrid=False, tickformat=date_format)
    return fig


def rates_trend(
    weekly: pd.DataFrame, labels: dict[str, str], date_format: str = "%d %b", partial: Mapping[date, int] | None = None
) -> go.Figure:
    """Completion and success rate per week (columns week, completion, success) as two lines; the weeks in
    `partial` (audit.filters.partial_weeks) shaded and labelled labels["partial"], their points hollow."""
    fig = go.Figure()
    symbols = hollow_where(partial_points(weekly.week, partial))
    for column, colour in (("completion", TEAL), ("success", AMBER)):
        fig.add_trace(
            go.Scatter(
                x=weekly.week,
                y=weekly[column],
                name=labels[column],
                mode="lines+markers",
                line=dict(color=colour, width=3),
                marker=dict(size=8, symbol=symbols, line=dict(width=2, color=colour)),
                hovertemplate="%{y:.1%}<extra>" + labels[column] + "</extra>",
            )
        )
    mark_partial_weeks(fig, partial, labels.get("partial", ""))
    _layout(fig, None, percent=True, date_format=date_format)
    fig.update_yaxes(range=[0, 1.05])
    return weekly_ticks(fig, weekly.week)


def visits_trend(
    weekly: pd.DataFrame, labels: dict[str, str], date_format: str = "%d %b", partial: Mapping[date, int] | None = None
) -> go.Figure:
    """Visits per week (columns week, planned, done, unplanned): planned ones done, planned ones
    missed, unplanned ones, stacked; the weeks in `partial` shaded, their bars paler."""
    fig = go.Figure()
    parts = (
        ("done", weekly.done, TEAL),
        ("missed", weekly.planned - weekly.done, RED),
        ("unplanned", weekly.unplanned, GREY),
    )
    opacity = paler_where(partial_points(weekly.week, partial))
    for key, values, colour in parts:
        fig.add_trace(
            go.Bar(
                x=weekly.week,
                y=values,
                name=labels[key],
                marker=dict(color=colour, opacity=opacity),
                hovertemplate="%{y}<extra>" + labels[key] + "</extra>",
            )
        )
    fig.update_layout(barmode="stack", bargap=0.25)
    mark_partial_weeks(fig, partial, labels.get("partial", ""))
    return weekly_ticks(_layout(fig, labels["visits"], date_format=date_format), weekly.week)


def frequency_chart(frequency: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Visits per store and week by grade (columns grade, per_week, target_low, target_high), as a bullet
    chart: a light band for the target range, a narrow bar for what happened (red when below)."""
    grades = [f"{labels['grade']} {g}" for g in frequency.grade]
    below = frequency.per_week < frequency.target_low
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=grades,
            y=frequency.target_high - frequency.target_low,
            base=frequency.target_low,
            width=0.62,
            name=labels["target"],
            marker=dict(color="#E2E8F0", line=dict(color="#94A3B8", width=1)),
            customdata=list(zip(frequency.target_low, frequency.target_high, strict=True)),
            hovertemplate="%{customdata[0]:.2f}–%{customdata[1]:.2f}<extra>" + labels["target"] + "</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=grades,
            y=frequency.per_week,
            width=0.26,
            name=labels["actual"],
            marker_color=[RED if b else TEAL for b in below],
            text=[f"{v:.2f}" for v in frequency.per_week],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y:.2f}<extra>" + labels["actual"] + "</extra>",
        )
    )
    _layout(fig, labels["per_week"])
    fig.update_layout(barmode="overlay", hovermode="closest")
    top = max([*frequency.per_week, *frequency.target_high, 0.5]) * 1.18
    fig.update_yaxes(range=[0, top])
    return fig
