"""The dealer summary as a workbook to work with: summary, stores, audits, findings, competitor activity
and photos (the photos themselves, numbered; each finding links to its photo's row). Every column has one
type (dates are dates, numbers numbers, yes/no booleans), the header row is frozen and filters are on. Text
goes through cells.neutralise, so nothing a merchandiser or an import typed can become a formula. Nothing
in the file points at the server (no file paths): it is read on the dealer's own laptop.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from audit import i18n
from audit.exports.cells import neutralise
from audit.exports.summary import DealerSummary
from audit.exports.thumbs import Thumbnails, thumb_size
from audit.settings import COMPONENTS
from audit.values import is_missing

CellWriter = Callable[[int, int, Any], object]  # (row, column, value): writes one cell of its column's kind

PHOTO_SIDE = 320  # px the photos sheet shows of a photo's long side (the 400 px thumbnail, scaled)
PHOTO_ROW_HEIGHT = 186  # points (= 248 px): a landscape photo at 320 x 240 px and a margin
PHOTO_COLUMN_WIDTH = 46.5  # characters (= 330 px)
MAX_LINKS = 65_530  # Excel's limit of links per sheet; past it a finding names its photo without a link


@dataclass(frozen=True)
class Column:
    header: str
    kind: str  # text, int, number, money, date, datetime, bool, link ((text, target) pairs)
    width: float = 14


class _Book:
    def __init__(self, lang: str):
        self.output = io.BytesIO()
        self.book = xlsxwriter.Workbook(
            self.output,
            {
                "in_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        add = self.book.add_format
        self.formats = {
            "header": add({"bold": True, "bg_color": "#E6F2F1", "bottom": 1, "text_wrap": True, "valign": "top"}),
            "text": None,
            "bool": None,
            "int": add({"num_format": "#,##0"}),
            "number": add({"num_format": "0.0"}),
            "money": add({"num_format": "¥#,##0.00"}),
            "date": add({"num_format": "yyyy-mm-dd"}),
            "datetime": add({"num_format": "yyyy-mm-dd hh:mm"}),
            "label": add({"bold": True}),
        }
        self.book.set_properties({"language": "zh-CN" if lang == "zh" else "en-GB"})

    def sheet(
        self, name: str, columns: list[Column], rows: Iterable[tuple[object, ...]], row_height: float | None = None
    ) -> tuple[Worksheet, int]:
        """A sheet of typed columns: header frozen, filters on. Returns (worksheet, rows written)."""
        ws = self.book.add_worksheet(name[:31])
        for col, column in enumerate(columns):
            ws.write_string(0, col, neutralise(column.header), self.formats["header"])
            ws.set_column(col, col, column.width, self.formats.get(column.kind))
        writers = [self._writer(ws, column.kind) for column in columns]
        count = 0
        for count, row in enumerate(rows, start=1):
            if row_height:
                ws.set_row(count, row_height)
            for col, (write, value) in enumerate(zip(writers, row, strict=True)):
                if not is_missing(value):
                    write(count, col, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(count, 1), len(columns) - 1)
        return ws, count

    def _writer(self, ws: Worksheet, kind: str) -> CellWriter:
        fmt = self.formats.get(kind)
        if kind == "text":
            return lambda r, c, v: ws.write_string(r, c, neutralise(str(v)))
        if kind == "bool":
            return lambda r, c, v: ws.write_boolean(r, c, bool(v))
        if kind in ("date", "datetime"):
            return lambda r, c, v: ws.write_datetime(r, c, _as_datetime(v, kind), fmt)
        if kind == "link":
            written = [0]

            def link(r: int, c: int, v: tuple[str, str]) -> None:
                text, target = v
                if written[0] < MAX_LINKS:
                    written[0] += 1
                    ws.write_url(r, c, target, string=neutralise(text))
                else:  # past Excel's limit the text stays, without the link
                    ws.write_string(r, c, neutralise(text))

            return link
        return lambda r, c, v: ws.write_number(r, c, float(v), fmt)

    def close(self) -> bytes:
        self.book.close()
        return self.output.getvalue()


def _as_datetime(value: object, kind: str) -> datetime:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if kind == "datetime" else datetime(value.year, value.month, value.day)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"not a date: {value!r}")


def render(summary: DealerSummary) -> bytes:
    t = i18n.translator(summary.lang)
    book = _Book(summary.lang)
    _actions_sheet(book, summary, t)  # the file opens with what the dealer must fix
    _summary_sheet(book, summary, t)
    _stores_sheet(book, summary, t)
    _audits_sheet(book, summary, t)
    _findings_sheet(book, summary, t, photo_numbers(summary.photos))
    _competitor_sheet(book, summary, t)
    _photos_sheet(book, summary, t)
    return book.close()


def _component_columns(t: i18n.Translate) -> list[Column]:
    return [Column(t(f"measure.{c}"), "number", 12) for c in COMPONENTS]


def _summary_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    previous_from, previous_to = s.previous_period
    overall, before = s.overall, s.overall_previous
    score = overall["score"] if overall is not None else None
    previous_score = before["score"] if before is not None else None
    rows: list[tuple[str, object, str]] = [
        (t("export.dealer"), s.dealer_name, "text"),
        (t("stores.code"), s.request.dealer_code, "text"),
        (t("export.period_from"), s.request.date_from, "date"),
        (t("export.period_to"), s.request.date_to, "date"),
        (t("export.previous_from"), previous_from, "date"),
        (t("export.previous_to"), previous_to, "date"),
        (t("export.language"), t("export.language_name"), "text"),
        (t("export.generated_at"), s.generated_at, "datetime"),
        (t("export.stores_supplied"), s.stores_supplied, "int"),
        (t("export.stores_audited"), s.stores_audited, "int"),
        (t("dash.audits_done"), s.audits_done, "int"),
        (t("export.audits_previous"), s.audits_previous, "int"),
    ]
    rows += [(t("export.planned_visits"), s.planned.planned, "int"), (t("export.planned_done"), s.planned.done, "int")]
    rows += [
        (t("measure.score"), score, "number"),
        (t("export.col.band"), t(f"band.{s.rules.band(score) or 'none'}"), "text"),
        (t("export.col.previous_score"), previous_score, "number"),
        (
            t("export.col.change"),
            None if is_missing(score) or is_missing(previous_score) else score - previous_score,
            "number",
        ),
    ]
    rows += [(t(f"measure.{c}"), overall[c] if overall is not None else None, "number") for c in COMPONENTS]
    ws = book.book.add_worksheet(t("export.sheet.summary")[:31])
    ws.write_string(0, 0, t("export.col.item"), book.formats["header"])
    ws.write_string(0, 1, t("export.col.value"), book.formats["header"])
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 30)
    writers = {kind: book._writer(ws, kind) for kind in ("text", "int", "number", "date", "datetime")}
    for row, (label, value, kind) in enumerate(rows, start=1):
        ws.write_string(row, 0, neutralise(label), book.formats["label"])
        if not is_missing(value):
            writers[kind](row, 1, value)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, len(rows), 1)


def _actions_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    found = s.actions if s.actions is not None else pd.DataFrame(columns=["store_code"])
    columns = [
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 30),
        Column(t("actions.col.kind"), "text", 16),
        Column(t("actions.col.what"), "text", 30),
        Column(t("actions.col.owner"), "text", 18),
        Column(t("export.col.opened"), "datetime", 16),
        Column(t("actions.col.due"), "date", 12),
        Column(t("actions.col.overdue"), "bool", 9),
        Column(t("actions.col.status"), "text", 16),
        Column(t("actions.col.seen"), "int", 9),
    ]
    rows = [
        (
            a.store_code,
            a.store,
            t("actions.kind." + a.kind),
            a.label or None,
            a.owner_name if isinstance(a.owner_name, str) else None,
            a.opened_at,
            a.due_date,
            bool(a.overdue),
            t("actions.status." + a.status),
            a.seen_count,
        )
        for a in found.itertuples()
    ]
    book.sheet(t("export.sheet.actions"), columns, rows)


def _stores_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    columns = [
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 30),
        Column(t("stores.city"), "text", 10),
        Column(t("stores.grade"), "text", 7),
        Column(t("stores.channel"), "text", 12),
        Column(t("chart.audits"), "int", 8),
        Column(t("stores.last_visit"), "date", 12),
        Column(t("measure.score"), "number", 10),
        Column(t("export.col.band"), "text", 8),
        Column(t("export.col.previous_score"), "number", 10),
        Column(t("export.col.change"), "number", 9),
        *_component_columns(t),
    ]
    stores = s.stores
    rows = zip(
        stores.code,
        stores.name,
        stores.city,
        stores.grade,
        stores.channel.map(lambda c: i18n.label("channel", c, s.lang)),
        stores.audits,
        stores.last_visit,
        stores.score,
        stores.band.map(lambda b: t(f"band.{b}") if isinstance(b, str) else None),
        stores.previous_score,
        stores.change,
        *[stores[c] for c in COMPONENTS],
        strict=True,
    )
    book.sheet(t("export.sheet.stores"), columns, rows)


def _audits_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    columns = [
        Column(t("export.col.audit_id"), "int", 9),
        Column(t("stores.visit_date"), "date", 11),
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 28),
        Column(t("stores.merchandiser"), "text", 10),
        Column(t("export.col.started_at"), "datetime", 16),
        Column(t("export.col.submitted_at"), "datetime", 16),
        Column(t("measure.score"), "number", 9),
        *_component_columns(t),
        Column(t("stores.stock_outs"), "int", 9),
        Column(t("export.col.tag_problems"), "int", 9),
        Column(t("audits.below_rrp"), "int", 9),
        Column(t("export.kind.pop"), "int", 9),
        Column(t("stores.order_placed"), "bool", 8),
        Column(t("stores.order_amount"), "money", 11),
        Column(t("capture.photos"), "int", 7),
        Column(t("capture.notes"), "text", 24),
    ]
    a = s.audits
    rows = zip(
        a.audit_id,
        a.visit_date,
        a.store_code,
        a.store,
        a.merchandiser,
        a.started_at,
        a.submitted_at,
        a.score,
        *[a[c] for c in COMPONENTS],
        a.stock_outs,
        a.tag_problems,
        a.below_rrp,
        a.missing_pop,
        a.order_placed,
        a.order_amount,
        a.photos,
        a.notes,
        strict=True,
    )
    book.sheet(t("export.sheet.audits"), columns, rows)


def finding_problem(t: i18n.Translate, kind: str, problem: object) -> str | None:
    if kind == "tag":
        return t(f"capture.problem.{problem}") if problem in ("no_tag", "wrong_tag") else t("export.problem.illegible")
    if kind == "stock_out" and problem == "restocked":
        return t("export.problem.restocked")
    if kind == "below_rrp":
        return t("capture.problem.below_rrp")
    return None


def _findings_sheet(book: _Book, s: DealerSummary, t: i18n.Translate, photo_rows: dict[tuple[int, str], int]) -> None:
    columns = [
        Column(t("stores.visit_date"), "date", 11),
        Column(t("export.col.audit_id"), "int", 9),
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 28),
        Column(t("export.col.kind"), "text", 16),
        Column(t("export.col.item_code"), "text", 10),
        Column(t("export.col.item"), "text", 22),
        Column(t("export.col.problem"), "text", 16),
        Column(t("export.col.shelf_price"), "money", 10),
        Column(t("capture.rrp"), "money", 10),
        Column(t("export.col.photo"), "link", 11),
    ]
    f = s.findings
    photos_sheet = t("export.sheet.photos")[:31].replace("'", "''")

    def photo(audit_id: int, sha: str) -> tuple[str, str] | None:
        row = photo_rows.get((audit_id, sha))
        if row is None:
            return None
        return t("export.photo_no", n=row), f"internal:'{photos_sheet}'!A{row + 1}"

    rows = zip(
        f.visit_date,
        f.audit_id,
        f.store_code,
        f.store,
        f.kind.map(lambda k: t(f"export.kind.{k}")),
        f.item_code,
        f.item,
        [finding_problem(t, k, p) for k, p in zip(f.kind, f.problem, strict=True)],
        f.shelf_price,
        f.rrp,
        [photo(a, p) for a, p in zip(f.audit_id, f.photo_sha256, strict=True)],
        strict=True,
    )
    book.sheet(t("export.sheet.findings"), columns, rows)


def _competitor_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    columns = [
        Column(t("stores.visit_date"), "date", 11),
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 28),
        Column(t("capture.brand"), "text", 12),
        Column(t("capture.kind"), "text", 16),
        Column(t("capture.product"), "text", 18),
        Column(t("capture.normal_price"), "money", 11),
        Column(t("capture.promo_price"), "money", 11),
        Column(t("capture.flash_price"), "money", 11),
        Column(t("capture.their_facings"), "int", 10),
        Column(t("capture.note"), "text", 28),
    ]
    o = s.observations
    rows = zip(
        o.visit_date,
        o.store_code,
        o.store,
        o.brand,
        o.kind.map(lambda k: t(f"capture.kind.{k}")),
        o["product"],
        o.normal_price,
        o.promo_price,
        o.flash_price,
        o.facings,
        o.note,
        strict=True,
    )
    book.sheet(t("export.sheet.competitors"), columns, rows)


def photo_numbers(photos: pd.DataFrame) -> dict[tuple[int, str], int]:
    """(audit, photo) -> the photo's number: its row in the photos sheet (a photo filed under two sections
    of one audit keeps its first)."""
    numbers: dict[tuple[int, str], int] = {}
    for number, key in enumerate(zip(photos.audit_id, photos.photo_sha256, strict=True), start=1):
        numbers.setdefault(key, number)
    return numbers


def _photos_sheet(book: _Book, s: DealerSummary, t: i18n.Translate) -> None:
    columns = [
        Column(t("export.col.photo"), "text", PHOTO_COLUMN_WIDTH),
        Column(t("export.col.photo_no"), "int", 8),
        Column(t("stores.visit_date"), "date", 11),
        Column(t("stores.code"), "text", 10),
        Column(t("stores.name"), "text", 26),
        Column(t("export.col.audit_id"), "int", 9),
        Column(t("capture.photo_section"), "text", 10),
        Column(t("export.col.caption"), "text", 18),
        Column(t("export.col.taken_at"), "datetime", 16),
        Column(t("audits.flag_reused"), "bool", 10),
        Column(t("audits.flag_old"), "bool", 9),
    ]
    p = s.photos
    rows = zip(
        [None] * len(p),
        range(1, len(p) + 1),
        p.visit_date,
        p.store_code,
        p.store,
        p.audit_id,
        p.section.map(lambda v: t(f"capture.section.{v}")),
        p.caption,
        p.taken_at,
        p.flag_reused,
        p.flag_old,
        strict=True,
    )
    ws, count = book.sheet(t("export.sheet.photos"), columns, rows, row_height=PHOTO_ROW_HEIGHT)
    thumbs = Thumbnails()
    for row, (thumb_sha, width, height) in enumerate(zip(p.thumb_sha256, p.width, p.height, strict=True), start=1):
        image = thumbs.get(thumb_sha)
        if image:
            scale = min(1.0, PHOTO_SIDE / max(thumb_size(width, height)))
            ws.insert_image(
                row,
                0,
                f"{thumb_sha}.jpg",
                {
                    "image_data": io.BytesIO(image),
                    "x_offset": 4,
                    "y_offset": 4,
                    "x_scale": scale,
                    "y_scale": scale,
                    "object_position": 1,
                },
            )
