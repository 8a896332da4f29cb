"""Charts drawn straight into the PDF with fpdf2's lines and rectangles, in the dashboard's colours
(audit/charts.py): no browser or image renderer needed, and the text stays text (searchable, sharp).

Each function draws into the box (x, y, w, h) in millimetres and returns the y below what it drew.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import pairwise

import pandas as pd
from fpdf import FPDF

from audit import charts
from audit.i18n import Translate
from audit.settings import ScoringSettings

Box = tuple[float, float, float, float]  # x, y, width, height in mm

GRID = "#E4E7EB"
AXIS = "#CBD2D9"
INK = "#1F2933"
MUTED = "#616E7C"


def rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def mix(colour: str, share: float) -> tuple[int, int, int]:
    """The colour at `share` strength over white (for the faint band backdrop)."""
    red, green, blue = (round(255 - (255 - c) * share) for c in rgb(colour))
    return red, green, blue


def _title(pdf: FPDF, x: float, y: float, title: str) -> float:
    pdf.set_text_color(*rgb(INK))
    pdf.set_font_size(10.5)
    with pdf.bold():
        pdf.text(x, y + 4, title)
    return y + 8


def _legend(pdf: FPDF, x: float, y: float, w: float, items: list[tuple[str, str]], line: bool = False) -> float:
    """Coloured keys with names, wrapped to the width; returns the y below."""
    pdf.set_font_size(7.5)
    cx = x
    for name, colour in items:
        width = 6 + pdf.get_string_width(name) + 5
        if cx + width > x + w:
            cx, y = x, y + 4.5
        pdf.set_fill_color(*rgb(colour))
        pdf.set_draw_color(*rgb(colour))
        if line:
            pdf.set_line_width(0.8)
            pdf.line(cx, y + 1.6, cx + 4.5, y + 1.6)
        else:
            pdf.rect(cx, y, 3.2, 3.2, style="F")
        pdf.set_text_color(*rgb(MUTED))
        pdf.text(cx + 6, y + 2.8, name)
        cx += width
    return y + 6


def _y_axis(
    pdf: FPDF,
    x: float,
    y: float,
    w: float,
    h: float,
    top: float,
    ticks: list[float],
    label: Callable[[float], str] = str,
) -> None:
    pdf.set_font_size(7)
    pdf.set_line_width(0.15)
    for tick in ticks:
        ty = y + h - h * tick / top
        pdf.set_draw_color(*rgb(GRID))
        pdf.line(x, ty, x + w, ty)
        pdf.set_text_color(*rgb(MUTED))
        text = label(tick)
        pdf.text(x - 1.5 - pdf.get_string_width(text), ty + 1.2, text)


def _week_labels(pdf: FPDF, x: float, y: float, w: float, weeks: list[date], lang: str) -> None:
    """Week starts under the x axis, thinned so they never overlap."""
    pdf.set_font_size(6.5)
    pdf.set_text_color(*rgb(MUTED))
    if not weeks:
        return
    step = w / len(weeks)
    every = max(1, int(16 / step) + 1)
    for i, week in enumerate(weeks):
        if i % every:
            continue
        day = pd.Timestamp(week).date()
        text = f"{day.month}月{day.day}日" if lang == "zh" else day.strftime("%d %b")
        pdf.text(x + step * (i + 0.5) - pdf.get_string_width(text) / 2, y + 3.5, text)


def trend(
    pdf: FPDF,
    box: Box,
    weekly: pd.DataFrame,
    measures: list[str],
    text: Translate,
    title: str,
    settings: ScoringSettings,
    lang: str,
) -> float:
    """Weekly lines of score and components on the faint band backdrop (charts.trend)."""
    x, y, w, h = box
    y = _title(pdf, x, y, title)
    left, plot_w, plot_h = x + 9, w - 11, h - 24
    # Band backdrop: green above green_min, amber, red below amber_min.
    for low, high, band in (
        (settings.green_min, 100, "green"),
        (settings.amber_min, settings.green_min, "amber"),
        (0, settings.amber_min, "red"),
    ):
        pdf.set_fill_color(*mix(charts.BAND_COLOURS[band], 0.09))
        pdf.rect(left, y + plot_h - plot_h * high / 100, plot_w, plot_h * (high - low) / 100, style="F")
    _y_axis(pdf, left, y, plot_w, plot_h, 100, [0, 25, 50, 75, 100])
    weeks = list(weekly["week"])
    step = plot_w / max(len(weeks), 1)
    for measure in measures:
        points = [
            (left + step * (i + 0.5), y + plot_h - plot_h * float(v) / 100)
            for i, v in enumerate(weekly[measure])
            if pd.notna(v)
        ]
        colour = charts.COMPONENT_COLOURS[measure]
        pdf.set_draw_color(*rgb(colour))
        pdf.set_fill_color(*rgb(colour))
        pdf.set_line_width(0.7 if measure == "score" else 0.4)
        for (x0, y0), (x1, y1) in pairwise(points):
            pdf.line(x0, y0, x1, y1)
        for px, py in points:
            pdf.circle(px, py, 0.55 if measure == "score" else 0.4, style="F")
    _week_labels(pdf, left, y + plot_h, plot_w, weeks, lang)
    return _legend(
        pdf,
        left,
        y + plot_h + 6,
        plot_w,
        [(text(f"measure.{m}"), charts.COMPONENT_COLOURS[m]) for m in measures],
        line=True,
    )


def score_bars(
    pdf: FPDF, x: float, y: float, w: float, rows: pd.DataFrame, settings: ScoringSettings, row_h: float = 5.0
) -> float:
    """Horizontal bars of the score per store (rows: label, score), coloured by band, weakest at the top
    (charts.breakdown). Draws the rows given; the caller splits them over pages."""
    label_w = w * 0.42
    bar_x, bar_w = x + label_w + 2, w - label_w - 12
    pdf.set_font_size(7.5)
    for row in rows.itertuples():
        pdf.set_text_color(*rgb(INK))
        pdf.text(x, y + row_h * 0.68, pdf.fit(row.label, label_w))
        pdf.set_fill_color(*rgb(GRID))
        pdf.rect(bar_x, y + 0.8, bar_w, row_h - 1.6, style="F")
        if pd.notna(row.score):
            pdf.set_fill_color(*rgb(charts.band_colour(settings, row.score)))
            pdf.rect(bar_x, y + 0.8, bar_w * max(0.0, min(row.score, 100)) / 100, row_h - 1.6, style="F")
            value = f"{row.score:.1f}"
        else:
            value = "—"
        pdf.set_text_color(*rgb(INK))
        pdf.text(bar_x + bar_w + 1.5, y + row_h * 0.68, value)
        y += row_h
    return y


def _nice_top(value: float) -> tuple[float, list[float]]:
    """An axis top at or above value with 4-5 round ticks."""
    if value <= 0:
        return 1, [0, 1]
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value / step <= 5:
            top = step * -(-value // step)
            return top, [step * i for i in range(int(top / step) + 1)]
    step = 10 ** len(str(int(value)))
    return step, [0, step]


def competitor_activity(pdf: FPDF, box: Box, weekly: pd.DataFrame, text: Translate, title: str, lang: str) -> float:
    """Observations per week stacked by brand, each brand in its own colour (charts.competitor_activity)."""
    x, y, w, h = box
    y = _title(pdf, x, y, title)
    left, plot_w, plot_h = x + 9, w - 11, h - 24
    table = weekly.pivot_table(
        index="week", columns=["brand_code", "brand"], values="observations", aggfunc="sum", fill_value=0
    ).sort_index()
    top, ticks = _nice_top(float(table.sum(axis=1).max()) if len(table) else 0)
    _y_axis(pdf, left, y, plot_w, plot_h, top, ticks, label=lambda v: f"{v:g}")
    step = plot_w / max(len(table), 1)
    for i, (_, counts) in enumerate(table.iterrows()):
        base = 0.0
        for (code, _brand), count in counts.items():
            if not count:
                continue
            pdf.set_fill_color(*rgb(charts.brand_colour(code)))
            pdf.rect(
                left + step * i + step * 0.15,
                y + plot_h - plot_h * (base + count) / top,
                step * 0.7,
                plot_h * count / top,
                style="F",
            )
            base += count
    _week_labels(pdf, left, y + plot_h, plot_w, list(table.index), lang)
    brands = [(str(brand), charts.brand_colour(code)) for code, brand in table.columns]
    return _legend(pdf, left, y + plot_h + 6, plot_w, brands)


def _clear_of(baseline: float, line_y: float, text_height: float, gap: float = 0.8) -> float:
    """A label's baseline moved just above a horizontal line when the label (digits: from baseline up to
    text_height) would touch it; a bar just under 100 then has its value above the 100 line, not across it."""
    if baseline - text_height - gap < line_y < baseline + gap:
        return line_y - gap
    return baseline


def price_index(pdf: FPDF, box: Box, prices: pd.DataFrame, text: Translate, title: str) -> float:
    """Their normal / promotion / flash price as % of our recommended price, per brand, with the 100 line
    (charts.price_index, base 'rrp')."""
    x, y, w, h = box
    y = _title(pdf, x, y, title)
    left, plot_w, plot_h = x + 9, w - 11, h - 24
    kinds = ("normal", "promo", "flash")
    highest = max([float(v) for k in kinds for v in prices[f"{k}_vs_rrp"] if pd.notna(v)] + [100.0])
    top, ticks = _nice_top(highest * 1.1)
    _y_axis(pdf, left, y, plot_w, plot_h, top, ticks, label=lambda v: f"{v:g}")
    hundred = y + plot_h - plot_h * 100 / top  # our price, dashed, behind the bars
    pdf.set_draw_color(*rgb(charts.OURS_COLOUR))
    pdf.set_line_width(0.35)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(left, hundred, left + plot_w, hundred)
    pdf.set_dash_pattern()
    group = plot_w / max(len(prices), 1)
    bar = group * 0.8 / len(kinds)
    pdf.set_font_size(6.5)
    for i, row in enumerate(prices.itertuples()):
        for j, kind in enumerate(kinds):
            value = getattr(row, f"{kind}_vs_rrp")
            if pd.isna(value):
                continue
            bx = left + group * i + group * 0.1 + bar * j
            pdf.set_fill_color(*rgb(charts.PRICE_COLOURS[kind]))
            pdf.rect(bx, y + plot_h - plot_h * value / top, bar * 0.92, plot_h * value / top, style="F")
            pdf.set_text_color(*rgb(MUTED))
            label = f"{value:.0f}"
            pdf.text(
                bx + bar * 0.46 - pdf.get_string_width(label) / 2,
                _clear_of(y + plot_h - plot_h * value / top - 0.8, hundred, pdf.font_size),
                label,
            )
        pdf.set_text_color(*rgb(INK))
        name = pdf.fit(str(row.brand), group - 1)
        pdf.text(left + group * (i + 0.5) - pdf.get_string_width(name) / 2, y + plot_h + 3.5, name)
    bottom = _legend(
        pdf, left, y + plot_h + 6, plot_w, [(text(f"chart.price_{k}"), charts.PRICE_COLOURS[k]) for k in kinds]
    )
    return _legend(pdf, left, bottom - 1.5, plot_w, [(text("chart.our_rrp"), charts.OURS_COLOUR)], line=True)
