"""The dealer summary as an A4 PDF, in English or Chinese, with its font embedded (subset).

Cover (dealer, period, language, when it was made, stores covered, audits done and, once visits are
planned, against planned; the dealer's score with its band and change, component scores, every store at a
glance), trends, competitor activity, then one section per store: score with band colour and change,
component scores, the problems found (each naming the photo that proves it), competitor activity seen
there, and the proof photos, each once, large enough to see the shelf. The outline (bookmarks) lists the
overview, trends, competitor activity and every store.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

import pandas as pd
from fpdf import FPDF
from fpdf.enums import TextMode

from audit import charts, i18n
from audit.exports import pdf_charts
from audit.exports.fonts import pdf_font
from audit.exports.pdf_charts import INK, MUTED, rgb
from audit.exports.summary import DealerSummary
from audit.exports.thumbs import Thumbnails
from audit.settings import COMPONENTS
from audit.values import Row

MARGIN = 15
PAGE_W = 210
BODY_W = PAGE_W - 2 * MARGIN
TREND_MEASURES = ["score", "availability", "eye_level", "price", "pop"]  # the dashboard's default lines
# Proof photos two to a row: 88 x 66 mm shows a 400 px thumbnail at about 115 dpi, enough to see a shelf.
PHOTO_GAP = 4.0
PHOTO_W = (BODY_W - PHOTO_GAP) / 2
PHOTO_H = PHOTO_W * 3 / 4
CAPTION_LINE = 4.0
GUTTER = 1.5  # mm kept free between a table's columns
PANEL = "#F5F7FA"
LINE = "#D9DEE3"


@dataclass(frozen=True)
class Column:
    """A table column: header text, width in mm, alignment of header and cells (L or R)."""

    label: str
    width: float
    align: str = "L"


class _Pdf(FPDF):
    def __init__(self, summary: DealerSummary, text: i18n.Translate):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.summary, self.t = summary, text
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 2)
        self.add_font("body", "", str(pdf_font()))
        self.set_font("body", size=9)
        self.c_margin = 0  # columns are laid out by width; a cell's text starts where its column does
        self.set_lang("zh-CN" if summary.lang == "zh" else "en")
        self.set_title(f"{text('export.title')} · {summary.dealer_name}")
        self.set_author(summary.dealer_name)
        self.set_creator("Store Audit")
        self.set_creation_date(summary.generated_at.astimezone())
        self.alias_nb_pages()
        self._header_lines: dict[tuple[object, ...], list[str]] = {}

    def normalize_text(self, text: str) -> str:
        """Every text fpdf2 writes passes here. The PDF lays text out by width, one line per cell, and fpdf2
        fails the whole export on a character the embedded font has no glyph for: a line break or tab
        becomes a space, an invisible format mark (bidi override, joiner) is dropped, any other missing
        character (emoji, Arabic, Hebrew) becomes "?"."""
        cmap = self.current_font.cmap
        return "".join(ch if ord(ch) in cmap else _stand_in(ch) for ch in super().normalize_text(text))

    @contextmanager
    def bold(self) -> Iterator[None]:
        """The font has no bold face: outline the glyphs in the text colour (fill + stroke), in a local
        graphics state so the outline mode and width end with the block."""
        with self.local_context(text_mode=TextMode.FILL_STROKE, line_width=0.12, draw_color=self.text_color):
            yield

    def fit(self, value: object, width: float) -> str:
        """The text, cut with an ellipsis to fit the width at the current font size."""
        text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
        if self.get_string_width(text) <= width:
            return text
        while text and self.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def header(self) -> None:
        if self.page_no() == 1:
            return
        s = self.summary
        self.set_font_size(7.5)
        self.set_text_color(*rgb(MUTED))
        self.text(MARGIN, 10, self.fit(f"{self.t('export.title')} · {s.dealer_name} · {period_text(s)}", BODY_W))
        self.set_draw_color(*rgb(LINE))
        self.set_line_width(0.2)
        self.line(MARGIN, 12, PAGE_W - MARGIN, 12)
        self.set_y(MARGIN + 4)

    def footer(self) -> None:
        self.set_font_size(7.5)
        self.set_text_color(*rgb(MUTED))
        # cell(), not text(): fpdf2 puts the page count in for {nb} only in cells.
        self.set_xy(MARGIN, 287)
        self.cell(BODY_W, 4, self.t("export.page", n=self.page_no(), total="{nb}"), align="R")

    def need(self, height: float) -> bool:
        """Start a new page unless `height` mm still fit; True when a page was added."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
            return True
        return False

    def column_heads(self, columns: list[Column], size: float, line_height: float) -> float:
        """A table's header row in muted text; a header wider than its column wraps onto more lines (never
        cut). Every table's header goes through here. Returns the row's height."""
        self.set_font_size(size)
        self.set_text_color(*rgb(MUTED))
        wrapped = [self.header_lines(column) for column in columns]
        top, x = self.get_y(), self.l_margin
        for column, lines in zip(columns, wrapped, strict=True):
            for number, line in enumerate(lines):
                self.set_xy(x + (GUTTER if column.align == "R" else 0), top + number * line_height)
                self.cell(column.width - GUTTER, line_height, line, align=column.align)
            x += column.width
        height = line_height * max(len(lines) for lines in wrapped)
        self.set_xy(self.l_margin, top + height)
        return height

    def header_lines(self, column: Column) -> list[str]:
        """The header's text broken into lines that fit the column (less the gutter) at the current size;
        worked out once per export (a header repeats on every page its table runs over)."""
        key = (column.label, column.width, self.font_size_pt)
        if key not in self._header_lines:
            self._header_lines[key] = self.multi_cell(
                column.width - GUTTER, 1, column.label, dry_run=True, output="LINES"
            )
        return self._header_lines[key]

    def heading(self, title: str, size: float = 14) -> None:
        self.need(size * 0.9 + 10)
        self.set_font_size(size)
        self.set_text_color(*rgb(INK))
        with self.bold():
            self.cell(BODY_W, size * 0.55, self.fit(title, BODY_W), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def chip(self, x: float, y: float, w: float, h: float, colour: str, label: str, size: float) -> None:
        self.set_fill_color(*rgb(colour))
        self.rect(x, y, w, h, style="F", round_corners=True, corner_radius=1.2)
        self.set_text_color(255, 255, 255)
        self.set_font_size(size)
        with self.bold():
            self.text(x + (w - self.get_string_width(label)) / 2, y + h / 2 + size * 0.13, label)


def _stand_in(ch: str) -> str:
    if ch.isspace():
        return " "
    return "" if unicodedata.category(ch) == "Cf" else "?"


def period_text(summary: DealerSummary) -> str:
    lang = summary.lang
    return f"{i18n.fmt_date(summary.request.date_from, lang)} – {i18n.fmt_date(summary.request.date_to, lang)}"


def _score(value: float | None) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.1f}"


def _change(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "—"
    arrow = "▲" if value > 0.05 else "▼" if value < -0.05 else "■"
    return f"{arrow} {value:+.1f}"


def _when(value: datetime, lang: str) -> str:
    return f"{i18n.fmt_date(value, lang)} {value:%H:%M}"


def render(summary: DealerSummary) -> bytes:
    pdf = _Pdf(summary, i18n.translator(summary.lang))
    thumbs = Thumbnails()
    store_links = {code: pdf.add_link(page=1) for code in summary.stores.code}  # set at each store
    _cover(pdf, summary, store_links)
    _open_actions(pdf, summary)  # right after the overview: what the dealer must fix
    _trends(pdf, summary)
    _competitors(pdf, summary)
    for number, store in enumerate(summary.stores.itertuples()):
        _store(pdf, summary, store, store_links[store.code], thumbs, first=number == 0)
    return bytes(pdf.output())


# ---------------------------------------------------------------- cover


def _cover(pdf: _Pdf, s: DealerSummary, links: dict[str, int]) -> None:
    t, lang = pdf.t, s.lang
    pdf.add_page()
    pdf.start_section(t("export.outline.overview"))
    pdf.set_fill_color(*rgb(charts.OURS_COLOUR))
    pdf.rect(0, 0, PAGE_W, 36, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font_size(22)
    with pdf.bold():
        pdf.text(MARGIN, 17, t("export.title"))
    pdf.set_font_size(12)
    pdf.text(MARGIN, 27, pdf.fit(f"{s.dealer_name} · {s.request.dealer_code}", BODY_W))

    previous_from, previous_to = s.previous_period
    facts = [
        (t("export.dealer"), f"{s.dealer_name} ({s.request.dealer_code})"),
        (t("export.period"), period_text(s)),
        (t("export.compared_with"), f"{i18n.fmt_date(previous_from, lang)} – {i18n.fmt_date(previous_to, lang)}"),
        (t("export.language"), t("export.language_name")),
        (t("export.generated_at"), _when(s.generated_at, lang)),
        (
            t("export.stores_covered"),
            t("export.stores_covered_value", supplied=s.stores_supplied, audited=s.stores_audited),
        ),
        (
            t("export.audits_done"),
            t("export.audits_done_value", n=f"{s.audits_done:,}", previous=f"{s.audits_previous:,}"),
        ),
    ]
    facts.append((t("export.open_actions"), open_actions_fact(s)))  # what the dealer must fix, listed next
    rate = f"{100 * s.planned.done / s.planned.planned:.1f} %" if s.planned.planned else "—"
    facts.append(
        (
            t("export.against_planned"),
            t("export.against_planned_value", planned=f"{s.planned.planned:,}", done=f"{s.planned.done:,}", rate=rate),
        )
    )
    pdf.set_y(44)
    for label, value in facts:
        pdf.set_font_size(9)
        pdf.set_text_color(*rgb(MUTED))
        pdf.cell(42, 6, label)
        pdf.set_text_color(*rgb(INK))
        pdf.cell(BODY_W - 42, 6, pdf.fit(value, BODY_W - 42), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    if s.overall is None:
        pdf.set_text_color(*rgb(INK))
        pdf.set_font_size(11)
        pdf.multi_cell(BODY_W, 6, t("export.no_audits"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    else:
        _score_panel(pdf, s)
    _store_table(pdf, s, links)


MAX_ACTIONS = 150  # open actions listed in the PDF; the Actions page in the app lists them all


def open_actions_fact(s: DealerSummary) -> str:
    """The cover's line about the open actions: how many, how many overdue, how many are the dealer's."""
    found = s.actions if s.actions is not None else pd.DataFrame({"overdue": [], "dealers": []})
    return i18n.t(
        "export.open_actions_value",
        s.lang,
        n=len(found),
        overdue=int(found.overdue.sum()),
        yours=int(found.dealers.sum()),
    )


def _open_actions(pdf: _Pdf, s: DealerSummary) -> None:
    """The open actions at the dealer's stores today, the dealer's own first, overdue ones in red."""
    t, lang = pdf.t, s.lang
    found = s.actions if s.actions is not None else pd.DataFrame()
    pdf.add_page()
    pdf.start_section(t("export.outline.actions"))
    pdf.heading(t("export.actions_heading", n=len(found)), 12)
    if found.empty:
        pdf.set_font_size(9)
        pdf.set_text_color(*rgb(INK))
        pdf.multi_cell(BODY_W, 5, t("export.actions_none"), new_x="LMARGIN", new_y="NEXT")
        return
    columns = [
        Column(t("stores.name"), 46),
        Column(t("actions.col.what"), 58),
        Column(t("actions.col.owner"), 26),
        Column(t("actions.col.due"), 24),
        Column(t("actions.col.status"), 26),
    ]
    widths = [column.width for column in columns]

    def head() -> None:
        pdf.column_heads(columns, 7.5, 4)
        pdf.ln(1)

    head()
    for action in found.head(MAX_ACTIONS).itertuples():
        if pdf.need(5.5):
            head()
        what = t("actions.kind." + action.kind) + (f" · {action.label}" if action.label else "")
        status = t("actions.overdue") if action.overdue else t("actions.status." + action.status)
        owner = action.owner_name if isinstance(action.owner_name, str) else t("actions.no_owner")
        cells = [f"{action.store} · {action.store_code}", what, owner, i18n.fmt_date(action.due_date, lang), status]
        pdf.set_font_size(8)
        for number, (width, text) in enumerate(zip(widths, cells, strict=True)):
            red = number == 4 and action.overdue
            pdf.set_text_color(*rgb(charts.BAND_COLOURS["red"] if red else INK))
            pdf.cell(width, 5.5, pdf.fit(text, width - GUTTER))
        pdf.ln(5.5)
    if len(found) > MAX_ACTIONS:
        pdf.set_text_color(*rgb(MUTED))
        pdf.cell(BODY_W, 5, t("export.actions_more", n=len(found) - MAX_ACTIONS), new_x="LMARGIN", new_y="NEXT")


def _score_panel(pdf: _Pdf, s: DealerSummary) -> None:
    t = pdf.t
    score = s.overall["score"]
    before = s.overall_previous["score"] if s.overall_previous is not None else None
    top = pdf.get_y()
    pdf.set_fill_color(*rgb(PANEL))
    pdf.rect(MARGIN, top, BODY_W, 62, style="F", round_corners=True, corner_radius=2)
    band = s.rules.band(score)
    pdf.chip(MARGIN + 5, top + 6, 38, 22, charts.band_colour(s.rules, score), _score(score), 24)
    pdf.set_text_color(*rgb(INK))
    pdf.set_font_size(9)
    pdf.text(MARGIN + 5, top + 34, t("measure.score"))
    pdf.set_text_color(*rgb(charts.band_colour(s.rules, score)))
    with pdf.bold():
        pdf.text(MARGIN + 5, top + 39.5, t(f"band.{band or 'none'}"))
    pdf.set_text_color(*rgb(MUTED))
    pdf.set_font_size(7.5)
    pdf.text(MARGIN + 5, top + 46, pdf.fit(t("export.change"), 44))
    pdf.set_text_color(*rgb(INK))
    pdf.set_font_size(9 if before is not None and pd.notna(before) else 7.5)
    pdf.text(
        MARGIN + 5,
        top + 51,
        _change(score - before) if before is not None and pd.notna(before) else pdf.fit(t("export.no_previous"), 44),
    )
    if before is not None and pd.notna(before):
        pdf.set_text_color(*rgb(MUTED))
        pdf.set_font_size(8)
        pdf.text(MARGIN + 5, top + 56, t("export.previous_score", score=_score(before)))
    # Component scores: a bar each in its band colour, with the change against the previous period.
    x, y = MARGIN + 52, top + 5
    pdf.set_font_size(8.5)
    pdf.set_text_color(*rgb(INK))
    with pdf.bold():
        pdf.text(x, y + 2, t("export.components"))
    y += 5
    label_w, bar_w = 40, 58
    for component in COMPONENTS:
        value = s.overall[component]
        previous = s.overall_previous[component] if s.overall_previous is not None else None
        pdf.set_font_size(8)
        pdf.set_text_color(*rgb(INK))
        pdf.text(x, y + 3.6, pdf.fit(t(f"measure.{component}"), label_w - 1))
        pdf.set_fill_color(*rgb("#E4E7EB"))
        pdf.rect(x + label_w, y + 1, bar_w, 3.4, style="F")
        if pd.notna(value):
            pdf.set_fill_color(*rgb(charts.band_colour(s.rules, value)))
            pdf.rect(x + label_w, y + 1, bar_w * min(value, 100) / 100, 3.4, style="F")
        pdf.text(x + label_w + bar_w + 2, y + 3.6, _score(value))
        pdf.set_text_color(*rgb(MUTED))
        change = value - previous if previous is not None and pd.notna(previous) and pd.notna(value) else None
        pdf.text(x + label_w + bar_w + 13, y + 3.6, _change(change))
        y += 6.6
    pdf.set_y(top + 66)


def _store_table(pdf: _Pdf, s: DealerSummary, links: dict[str, int]) -> None:
    t, lang = pdf.t, s.lang
    pdf.heading(t("export.stores_heading"), 12)
    columns = [
        Column(t("stores.name"), 60),
        Column(t("stores.code"), 17),
        Column(t("stores.grade"), 11),
        Column(t("chart.audits"), 13),
        Column(t("measure.score"), 26),
        Column(t("export.col.change"), 17),
        Column(t("stores.last_visit"), 36),
    ]
    name, code, grade, audits, score, change, last = (column.width for column in columns)

    def head() -> None:
        pdf.column_heads(columns, 7.5, 4)
        pdf.ln(1)
        pdf.set_draw_color(*rgb(LINE))
        pdf.set_line_width(0.2)
        pdf.line(MARGIN, pdf.get_y(), PAGE_W - MARGIN, pdf.get_y())

    head()
    for store in s.stores.itertuples():
        if pdf.need(6):
            head()
        y = pdf.get_y()
        pdf.set_font_size(8)
        pdf.set_text_color(*rgb(charts.OURS_COLOUR))
        pdf.cell(name, 6, pdf.fit(store.name, name - GUTTER), link=links[store.code])
        pdf.set_text_color(*rgb(INK))
        pdf.cell(code, 6, pdf.fit(store.code, code - GUTTER))
        pdf.cell(grade, 6, store.grade)
        pdf.cell(audits, 6, f"{store.audits}")
        if pd.notna(store.score):
            pdf.chip(pdf.get_x(), y + 0.8, 14, 4.4, charts.band_colour(s.rules, store.score), _score(store.score), 7.5)
        else:
            pdf.set_text_color(*rgb(MUTED))
            pdf.text(pdf.get_x() + 5, y + 4.2, "—")
        pdf.set_x(pdf.get_x() + score)
        pdf.set_font_size(8)
        pdf.set_text_color(*rgb(INK))
        pdf.cell(change, 6, _change(store.change))
        pdf.cell(
            last,
            6,
            i18n.fmt_date(store.last_visit, lang) if store.audits else t("export.not_audited"),
            new_x="LMARGIN",
            new_y="NEXT",
        )


# ---------------------------------------------------------------- trends and competitors


def _trends(pdf: _Pdf, s: DealerSummary) -> None:
    t = pdf.t
    if s.weekly.empty:
        return
    pdf.add_page()
    pdf.start_section(t("export.trends"))
    pdf.heading(t("export.trends"))
    y = pdf_charts.trend(
        pdf, (MARGIN, pdf.get_y(), BODY_W, 86), s.weekly, TREND_MEASURES, t, t("dash.trend_title"), s.rules, s.lang
    )
    pdf.set_y(y + 4)
    scored = s.stores.dropna(subset=["score"]).sort_values("score", ascending=True)
    rows = scored.assign(label=scored.name + " · " + scored.code)[["label", "score"]]
    pdf.heading(t("export.store_scores_title"), 10.5)
    start = 0
    while start < len(rows):
        room = int((pdf.page_break_trigger - pdf.get_y()) // 5)
        if room < 3:
            pdf.add_page()
            continue
        chunk = rows.iloc[start : start + room]
        pdf.set_y(pdf_charts.score_bars(pdf, MARGIN, pdf.get_y(), BODY_W, chunk, s.rules))
        start += len(chunk)


def _competitors(pdf: _Pdf, s: DealerSummary) -> None:
    t = pdf.t
    pdf.add_page()
    pdf.start_section(t("export.competitors"))
    pdf.heading(t("export.competitors"))
    if s.competitor_weekly.empty:
        pdf.set_font_size(9)
        pdf.set_text_color(*rgb(MUTED))
        pdf.multi_cell(BODY_W, 5, t("comp.none"), new_x="LMARGIN", new_y="NEXT")
        return
    y = pdf_charts.competitor_activity(
        pdf, (MARGIN, pdf.get_y(), BODY_W, 78), s.competitor_weekly, t, t("comp.activity_title"), s.lang
    )
    pdf.set_y(y + 3)
    if not s.competitor_prices.empty:
        y = pdf_charts.price_index(
            pdf, (MARGIN, pdf.get_y(), BODY_W, 78), s.competitor_prices, t, t("comp.price_title")
        )
        pdf.set_y(y + 3)
    _brand_kind_table(pdf, s)


def _brand_kind_table(pdf: _Pdf, s: DealerSummary) -> None:
    """Observations per brand and kind of activity, as numbers (charts.brand_by_kind)."""
    t = pdf.t
    table = s.competitor_weekly.pivot_table(
        index=["brand_code", "brand"], columns="kind", values="observations", aggfunc="sum", fill_value=0
    )
    kinds = list(table.columns)
    pdf.heading(t("comp.kind_title"), 10.5)
    brand_w = 40
    width = (BODY_W - brand_w) / max(len(kinds), 1)
    pdf.need(8 + 5.5 * min(len(table), 3))  # the header and a few rows together
    pdf.column_heads(
        [Column(t("capture.brand"), brand_w), *[Column(t(f"capture.kind.{kind}"), width, "R") for kind in kinds]],
        7.5,
        3.6,
    )
    pdf.ln(1)
    for (code, brand), counts in table.iterrows():
        pdf.need(5.5)
        pdf.set_fill_color(*rgb(charts.brand_colour(code)))
        pdf.rect(MARGIN, pdf.get_y() + 1.3, 2.6, 2.6, style="F")
        pdf.set_text_color(*rgb(INK))
        pdf.set_font_size(8)
        pdf.set_x(MARGIN + 4)
        pdf.cell(brand_w - 4, 5.5, pdf.fit(brand, brand_w - 5))
        for kind in kinds:
            pdf.cell(width, 5.5, f"{int(counts[kind])}" if counts[kind] else "·", align="R")
        pdf.ln(5.5)


# ---------------------------------------------------------------- one store


def _store(pdf: _Pdf, s: DealerSummary, store: Row, link: int, thumbs: Thumbnails, first: bool) -> None:
    t = pdf.t
    found = s.store_findings[s.store_findings.store_code == store.code]
    proofs = s.store_photos[s.store_photos.store_code == store.code]
    pdf.need(100)  # a store starts on a new page unless its header, scores and a good part of its problems fit
    if pdf.get_y() > MARGIN + 10:
        pdf.ln(4)
    if first:
        pdf.start_section(t("export.outline.stores"))
    pdf.start_section(f"{store.name} · {store.code}", level=1)
    pdf.set_link(link, page=pdf.page_no(), y=pdf.get_y())
    _store_header(pdf, s, store)
    if store.audits:
        photo_links = {sha: pdf.add_link() for sha in proofs.photo_sha256}  # set where each photo is drawn
        _store_scores(pdf, s, store)
        _store_findings(pdf, s, store, found, dict(zip(proofs.photo_sha256, proofs.number, strict=True)), photo_links)
        seen = s.store_competitors[s.store_competitors.store_code == store.code]
        if not seen.empty:
            _store_competitors(pdf, s, seen)
        if not proofs.empty:
            _store_photos(pdf, s, store, proofs, photo_links, thumbs)
    else:
        pdf.set_font_size(9)
        pdf.set_text_color(*rgb(MUTED))
        pdf.cell(BODY_W, 6, t("export.not_audited_store"), new_x="LMARGIN", new_y="NEXT")


def _store_header(pdf: _Pdf, s: DealerSummary, store: Row, continued: bool = False) -> None:
    t, lang = pdf.t, s.lang
    top = pdf.get_y()
    pdf.set_fill_color(*rgb(PANEL))
    pdf.rect(MARGIN, top, BODY_W, 13, style="F")
    pdf.set_fill_color(*rgb(charts.band_colour(s.rules, store.score)))
    pdf.rect(MARGIN, top, 1.6, 13, style="F")
    name = t("export.continued", store=store.name) if continued else store.name
    pdf.set_text_color(*rgb(INK))
    pdf.set_font_size(12)
    with pdf.bold():
        pdf.text(MARGIN + 4, top + 5.8, pdf.fit(name, BODY_W - 8))
    pdf.set_font_size(8)
    pdf.set_text_color(*rgb(MUTED))
    facts = [
        store.code,
        store.city if isinstance(store.city, str) else None,
        f"{t('stores.grade')} {store.grade}",
        i18n.label("channel", store.channel, lang),
    ]
    pdf.text(MARGIN + 4, top + 10.6, pdf.fit(" · ".join(f for f in facts if f), BODY_W - 8))
    pdf.set_y(top + 15)


def _store_scores(pdf: _Pdf, s: DealerSummary, store: Row) -> None:
    t, lang = pdf.t, s.lang
    top = pdf.get_y()
    pdf.chip(MARGIN, top, 24, 13, charts.band_colour(s.rules, store.score), _score(store.score), 15)
    pdf.set_font_size(8)
    pdf.set_text_color(*rgb(INK))
    band = t(f"band.{s.rules.band(store.score) or 'none'}")
    pdf.text(MARGIN + 27, top + 3.5, f"{t('measure.score')} · {band}")
    pdf.set_text_color(*rgb(MUTED))
    change = (
        t("export.change_short", change=_change(store.change), previous=_score(store.previous_score))
        if pd.notna(store.change)
        else t("export.no_previous")
    )
    pdf.text(MARGIN + 27, top + 7.8, pdf.fit(change, 60))
    pdf.text(
        MARGIN + 27,
        top + 12,
        pdf.fit(t("export.audits_line", n=store.audits, date=i18n.fmt_date(store.last_visit, lang)), 60),
    )
    # Component scores as small tiles coloured like the dashboard's heatmap.
    x, width = MARGIN + 90, (BODY_W - 90) / len(COMPONENTS)
    for i, component in enumerate(COMPONENTS):
        value = getattr(store, component)
        cx = x + i * width
        pdf.set_font_size(6.5)
        pdf.set_text_color(*rgb(MUTED))
        label = t(f"export.short.{component}")
        pdf.text(
            cx + (width - 1 - min(pdf.get_string_width(label), width - 1)) / 2, top + 2.2, pdf.fit(label, width - 1)
        )
        pdf.chip(cx + 0.5, top + 3.6, width - 1.5, 8.4, charts.band_colour(s.rules, value), _score(value), 8.5)
    pdf.set_y(top + 16)


def _finding_columns(t: i18n.Translate) -> list[Column]:
    """The problems table; the competitor activity seen at the store lines up under it."""
    return [
        Column(t("export.col.item"), 60),
        Column(t("export.col.found_in"), 26),
        Column(t("export.col.last_found"), 25),
        Column(t("export.col.detail"), BODY_W - 129),
        Column(t("export.col.photo"), 18),
    ]


def _store_findings(
    pdf: _Pdf,
    s: DealerSummary,
    store: Row,
    found: pd.DataFrame,
    photo_numbers: dict[str, int],
    photo_links: dict[str, int],
) -> None:
    """The problems found, by kind; each names the photo that proves it ("Photo 2", a link to it below)."""
    t, lang = pdf.t, s.lang
    pdf.set_font_size(10)
    pdf.set_text_color(*rgb(INK))
    with pdf.bold():
        pdf.cell(BODY_W, 6, t("export.problems"), new_x="LMARGIN", new_y="NEXT")
    if found.empty:
        pdf.set_font_size(8.5)
        pdf.set_text_color(*rgb(MUTED))
        pdf.cell(BODY_W, 5.5, t("export.no_problems"), new_x="LMARGIN", new_y="NEXT")
        return
    columns = _finding_columns(t)
    item_w, found_w, last_w, detail_w, photo_w = (column.width for column in columns)

    def head() -> None:
        pdf.column_heads(columns, 7, 3.4)
        pdf.ln(1)

    head()
    for kind, group in groupby(found.itertuples(), key=lambda row: row.kind):  # found is in list order, by kind
        rows = list(group)
        if pdf.need(12):
            _store_header(pdf, s, store, continued=True)
            head()
        pdf.set_font_size(8.5)
        pdf.set_text_color(*rgb(charts.OURS_COLOUR))
        with pdf.bold():
            pdf.cell(BODY_W, 5.5, f"{t('export.kind.' + kind)} ({len(rows)})", new_x="LMARGIN", new_y="NEXT")
        for row in rows:
            detail = _detail(t, row)
            pdf.set_font_size(7.5)
            detail_lines = (
                pdf.multi_cell(detail_w - GUTTER, 3.6, detail, dry_run=True, output="LINES") if detail else []
            )
            height = max(5.2, 3.6 * len(detail_lines) + 1.6)
            if pdf.need(height):
                _store_header(pdf, s, store, continued=True)
                head()
            y = pdf.get_y()
            pdf.set_draw_color(*rgb(LINE))
            pdf.set_line_width(0.15)
            pdf.line(MARGIN, y, PAGE_W - MARGIN, y)
            pdf.set_font_size(8)
            pdf.set_text_color(*rgb(INK))
            item = row.item if row.kind == "pop" else f"{row.item} ({row.item_code})"
            pdf.cell(item_w, 5.2, pdf.fit(item, item_w - GUTTER))
            pdf.cell(found_w, 5.2, t("export.found_in", n=row.times, total=store.audits))
            pdf.cell(last_w, 5.2, i18n.fmt_date(row.last_found, lang))
            number = photo_numbers.get(row.photo_sha256)
            if number is not None:
                pdf.set_x(MARGIN + BODY_W - photo_w)
                pdf.set_text_color(*rgb(charts.OURS_COLOUR))
                pdf.cell(photo_w, 5.2, t("export.photo_no", n=number), link=photo_links[row.photo_sha256])
            pdf.set_text_color(*rgb(MUTED))
            pdf.set_font_size(7.5)
            for line_number, line in enumerate(detail_lines):
                pdf.text(MARGIN + item_w + found_w + last_w, y + 3.7 + 3.6 * line_number, line)
            pdf.set_y(y + height)


def _store_photos(
    pdf: _Pdf, s: DealerSummary, store: Row, proofs: pd.DataFrame, links: dict[str, int], thumbs: Thumbnails
) -> None:
    """The photos the problems refer to, each once, two to a row, numbered as the problems name them, with
    what was photographed, when, and the reused / old flags."""
    t, lang = pdf.t, s.lang
    row_h = PHOTO_H + 1.5 + 2 * CAPTION_LINE + 3
    if pdf.need(9 + row_h):
        _store_header(pdf, s, store, continued=True)
    pdf.ln(2)
    pdf.set_font_size(9)
    pdf.set_text_color(*rgb(INK))
    with pdf.bold():
        pdf.cell(BODY_W, 5.5, t("export.photos", n=len(proofs)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    listed = list(proofs.itertuples())
    for pair in (listed[i : i + 2] for i in range(0, len(listed), 2)):
        if pdf.need(row_h):
            _store_header(pdf, s, store, continued=True)
        top = pdf.get_y()
        for column, photo in enumerate(pair):
            x = MARGIN + column * (PHOTO_W + PHOTO_GAP)
            pdf.set_link(links[photo.photo_sha256], page=pdf.page_no(), y=top)
            image = thumbs.get(photo.thumb_sha256)
            if image:
                pdf.image(image, x=x, y=top, w=PHOTO_W, h=PHOTO_H, keep_aspect_ratio=True)
            else:  # the file is gone: the caption still says what it was
                pdf.set_fill_color(*rgb(PANEL))
                pdf.rect(x, top, PHOTO_W, PHOTO_H, style="F")
            _photo_caption(pdf, t, lang, photo, x, top + PHOTO_H + 1.5)
        pdf.set_y(top + row_h)


def _photo_caption(pdf: _Pdf, t: i18n.Translate, lang: str, photo: Row, x: float, y: float) -> None:
    """Photo n · section · visit day; below it, in colour, the flags a manager would look for."""
    pdf.set_font_size(8)
    pdf.set_text_color(*rgb(INK))
    label = t("export.photo_no", n=photo.number)
    with pdf.bold():
        pdf.text(x, y + 3, label)
    pdf.set_text_color(*rgb(MUTED))
    rest = f" · {t(f'capture.section.{photo.section}')} · {i18n.fmt_date(photo.visit_date, lang)}"
    offset = pdf.get_string_width(label)
    pdf.text(x + offset, y + 3, pdf.fit(rest, PHOTO_W - offset))
    flags = []
    if photo.flag_reused:
        flags.append((t("audits.flag_reused"), charts.BAND_COLOURS["red"]))
    if photo.flag_old:
        taken = (
            f" ({t('export.taken_on', date=i18n.fmt_date(photo.taken_at, lang))})" if pd.notna(photo.taken_at) else ""
        )
        flags.append((t("audits.flag_old") + taken, charts.BAND_COLOURS["amber"]))
    cx = x
    for text, colour in flags:
        pdf.set_text_color(*rgb(colour))
        with pdf.bold():
            pdf.text(cx, y + 3 + CAPTION_LINE, pdf.fit(text, PHOTO_W - (cx - x)))
        cx += pdf.get_string_width(text) + 4


def problem_label(t: i18n.Translate, problem: str) -> str:
    """What was wrong with a price tag."""
    return t(f"capture.problem.{problem}") if problem in ("no_tag", "wrong_tag") else t("export.problem.illegible")


def _detail(t: i18n.Translate, row: Row) -> str:
    if row.kind == "tag":
        return t("export.list_sep").join(
            f"{problem_label(t, p['problem'])} {t('export.times', n=p['n'])}" for p in row.problems
        )
    if row.kind == "below_rrp" and pd.notna(row.lowest_price) and pd.notna(row.rrp):
        under = 100 * (row.lowest_price - row.rrp) / row.rrp
        return t(
            "export.below_detail",
            price=i18n.fmt_money(row.lowest_price),
            rrp=i18n.fmt_money(row.rrp),
            pct=f"{under:.0f} %",
        )
    if row.kind == "stock_out" and row.restocked:
        return t("export.restocked_times", n=row.restocked)
    return ""


def _store_competitors(pdf: _Pdf, s: DealerSummary, seen: pd.DataFrame) -> None:
    """Competitor activity seen at the store: brand, how often, last seen, what, under the problems' columns."""
    t, lang = pdf.t, s.lang
    brand_w, times_w, last_w, kind_w, _ = (column.width for column in _finding_columns(t))
    pdf.need(12)
    pdf.ln(1.5)
    pdf.set_font_size(9)
    pdf.set_text_color(*rgb(INK))
    with pdf.bold():
        pdf.cell(BODY_W, 5.5, t("export.store_competitors"), new_x="LMARGIN", new_y="NEXT")
    for row in seen.itertuples():
        pdf.need(5)
        y = pdf.get_y()
        pdf.set_fill_color(*rgb(charts.brand_colour(row.brand_code)))
        pdf.rect(MARGIN, y + 1.3, 2.6, 2.6, style="F")
        pdf.set_x(MARGIN + 4)
        pdf.set_font_size(8)
        pdf.set_text_color(*rgb(INK))
        pdf.cell(brand_w - 4, 5, pdf.fit(row.brand, brand_w - 4 - GUTTER))
        pdf.cell(times_w, 5, t("export.times", n=row.times))
        pdf.cell(last_w, 5, i18n.fmt_date(row.last_seen, lang))
        pdf.set_text_color(*rgb(MUTED))
        pdf.cell(kind_w, 5, pdf.fit(t(f"capture.kind.{row.kind}"), kind_w - GUTTER), new_x="LMARGIN", new_y="NEXT")
