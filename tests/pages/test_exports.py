"""Dealer summaries: the PDF (text, fonts, rendered pages), the XLSX read back, the CSV, the command line and
who may export what."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pypdfium2
import pytest
from pypdf import PdfReader

from audit import auth, dashboard, i18n, settings
from audit import photos as photo_store
from audit.exports import ExportError, ExportRequest, build_summary, export, export_all, pdf_charts, zip_files
from audit.exports import pdf as pdf_module
from audit.exports.cells import neutralise
from audit.exports.summary import audit_lines
from audit.filters import DashboardFilters, default_period_for
from audit.opening import shared_database
from tests.helpers.apptest import open_page
from tests.helpers.exports import END, NOW, START, export_cli, pdf_text
from tests.helpers.paths import ARTIFACTS, ROOT

INJECTION = '=HYPERLINK("http://x","y")'


def request(dealer: str = "D02", lang: str = "en", fmt: str = "pdf") -> ExportRequest:
    return ExportRequest(dealer, START, END, lang, fmt)


def manager(db):
    return auth.get_user(db, "manager")


# ---------------------------------------------------------------- PDF


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_shows_the_store_names_and_the_scores_the_dashboard_shows(demo_db, lang):
    data = export(demo_db, manager(demo_db), request("D02", lang), NOW).data
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    # Every store of the dealer audited in the period, with its score as the dashboard's store table has it.
    rules = settings.load(demo_db)
    filters = DashboardFilters(START, END, dealers=("D02",))
    stores = dashboard.store_scores(demo_db, manager(demo_db), filters, rules, lang)
    assert len(stores) >= 5
    for store in stores.itertuples():
        assert store.name in text
        assert f"{store.score:.1f}" in text
    if lang == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in "".join(stores.name))  # the names really are Chinese
        assert "检查汇总报告" in text and "华美" not in text  # another dealer's name never appears
    # The dealer's score is the one the Dashboard shows for that dealer and period.
    page = open_page(
        demo_db,
        "manager",
        "views/overview.py",
        lang,
        dealer="D02",
        **{"from": START.isoformat(), "to": END.isoformat()},
    )
    cover = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    label = "Compliance score" if lang == "en" else "合规得分"
    assert label in cover
    assert next(m.value for m in page.metric if m.label == label) in cover
    audits = next(m.value for m in page.metric if m.label == ("Audits done" if lang == "en" else "完成检查"))
    assert (f"{audits} (previous period:" if lang == "en" else f"{audits} 次（上期") in cover


def _fonts(reader: PdfReader) -> dict[str, dict]:
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                if "/DescendantFonts" in font
                else font.get("/FontDescriptor", {})
            )
            found[str(font["/BaseFont"])] = descriptor
    return found


def test_pdf_embeds_a_subset_of_the_cjk_font(demo_db):
    data = export(demo_db, manager(demo_db), request("D02", "zh"), NOW).data
    fonts = _fonts(PdfReader(io.BytesIO(data)))
    assert fonts, "no fonts found"
    for name, descriptor in fonts.items():
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
        assert name[7] == "+" and name[1:7].isupper(), f"{name} is not a subset"
        assert "WenQuanYi" in name or "Micro" in name
    size = len(data)
    assert size < 2_000_000  # a subset, not the whole 5 MB font


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pdf_pages_render_to_png(demo_db, lang):
    """Rendered to tests/artifacts/export_{lang}_page_N.png to be looked at; here: A4, and not blank."""
    data = export(demo_db, manager(demo_db), request("D04", lang), NOW).data
    document = pypdfium2.PdfDocument(data)
    assert len(document) >= 4
    ARTIFACTS.mkdir(exist_ok=True)
    for number in range(len(document)):
        page = document[number]
        width, height = page.get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        image = page.render(scale=1.5).to_pil().convert("RGB")
        image.save(ARTIFACTS / f"export_{lang}_page_{number + 1}.png")
        colours = image.resize((60, 80)).getcolors(4800)
        assert colours is None or len(colours) > 8, f"page {number + 1} looks blank"
    cover = document[0].render(scale=1).to_pil().convert("RGB")
    assert cover.getpixel((30, 20)) == (15, 118, 110)  # the cover band in the app's colour (#0F766E)


def _outline(reader: PdfReader) -> list[tuple[int, str, int, float]]:
    """(level, title, page index, top in points) of every bookmark, in order."""
    found = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                found.append((level, item.title, reader.get_destination_page_number(item), float(item.top)))

    walk(reader.outline, 0)
    return found


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_pdf_outline_has_the_overview_sections_and_every_store(demo_db, lang):
    summary = build_summary(demo_db, manager(demo_db), request("D04", lang), NOW)
    reader = PdfReader(io.BytesIO(export(demo_db, manager(demo_db), request("D04", lang), NOW).data))
    marks = _outline(reader)
    text = lambda key: i18n.t(key, lang)  # noqa: E731
    assert [title for level, title, *_ in marks if level == 0] == [
        text("export.outline.overview"),
        text("export.outline.actions"),
        text("export.trends"),
        text("export.competitors"),
        text("export.outline.stores"),
    ]
    stores = [(title, page) for level, title, page, _ in marks if level == 1]
    assert [title for title, _ in stores] == [f"{s.name} · {s.code}" for s in summary.stores.itertuples()]
    assert len(stores) == len(summary.stores) >= 5
    for (title, page), store in zip(stores, summary.stores.itertuples(), strict=True):
        assert store.name in reader.pages[page].extract_text(), title  # the mark opens the store's own page
    assert marks[0][2] == 0  # the overview is the cover


def _placements(reader: PdfReader):
    """Every image drawn: (page index, top in points, XObject name, width mm, height mm)."""
    for index, page in enumerate(reader.pages):
        for w, h, _x, y, name in re.findall(
            rb"q ([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm /(I\d+) Do", page.get_contents().get_data()
        ):
            yield index, float(y) + float(h), name.decode(), float(w) / 72 * 25.4, float(h) / 72 * 25.4


def test_each_proof_photo_is_shown_once_per_store_large_and_named_by_its_problems(demo_db):
    """D04's latest audits have shelf and store photos: each photo that proves a problem appears once in its
    store's section, at half the page's width, and the problems name it ("Photo 2") instead of repeating it."""
    summary = build_summary(demo_db, manager(demo_db), request("D04"), NOW)
    proved = summary.store_findings.dropna(subset=["thumb_sha256"])
    photos_per_store = proved.groupby("store_code").thumb_sha256.nunique()
    assert len(proved) > photos_per_store.sum() > 0  # several problems share a photo
    data = export(demo_db, manager(demo_db), request("D04"), NOW).data
    reader = PdfReader(io.BytesIO(data))
    starts = [(page, top, title) for level, title, page, top in _outline(reader) if level == 1]
    code_of = {f"{s.name} · {s.code}": s.code for s in summary.stores.itertuples()}

    def store_at(page: int, top: float) -> str:
        """The store whose section holds this point: the last store started at or above it."""
        before = [title for start_page, start_top, title in starts if (start_page, -start_top) <= (page, -top)]
        return code_of[before[-1]]

    drawn = list(_placements(reader))
    assert drawn and all(width >= 85 and height >= 60 for *_, width, height in drawn)  # ~half the page wide
    placed: dict[str, list[str]] = {}
    for page, top, name, _, _ in drawn:
        placed.setdefault(store_at(page, top), []).append(name)
    for code, count in photos_per_store.items():
        names = placed.get(code, [])
        assert len(names) == len(set(names)) == count, code  # each photo once in its store, none missing
    assert set(placed) <= set(photos_per_store.index)  # no pictures anywhere else
    text = pdf_text(data)
    for number in range(1, photos_per_store.max() + 1):
        assert f"Photo {number}" in text  # the problems name their photo


def test_price_index_labels_stay_clear_of_the_100_line(demo_db):
    """Values around 100 (the dashed line of our recommended price) put their labels above or below it, never
    across it: every label's glyph box is checked against the drawn line."""
    summary = build_summary(demo_db, manager(demo_db), request("D04"), NOW)
    text = lambda key, **values: i18n.t(key, "en", **values)  # noqa: E731
    document = pdf_module._Pdf(summary, text)
    document.add_page()
    values = [90 + 0.5 * i for i in range(42)]  # 90 ... 110.5, three bars a brand
    prices = pd.DataFrame(
        {
            "brand_code": [f"B{i}" for i in range(14)],
            "brand": [f"Brand {i}" for i in range(14)],
            "normal_vs_rrp": values[0::3],
            "promo_vs_rrp": values[1::3],
            "flash_vs_rrp": values[2::3],
        }
    )
    pdf_charts.price_index(document, (15, 30, 180, 90), prices, text, "Price index")
    data = bytes(document.output())
    line = re.search(
        rb"\[[\d. ]+\] [\d.]+ d\n([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S",
        PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data(),
    )
    left, line_y, right = float(line[1]), float(line[2]), float(line[3])
    page = pypdfium2.PdfDocument(data)[0].get_textpage()
    labels = 0
    for index in range(page.count_chars()):
        if not page.get_text_range(index, 1).isdigit():
            continue
        x0, bottom, x1, top = page.get_charbox(index)
        if left <= (x0 + x1) / 2 <= right and bottom < line_y + 40 and top > line_y - 40:
            labels += 1
            assert not (bottom - 0.5 < line_y < top + 0.5), (page.get_text_range(index, 1), bottom, top, line_y)
    assert labels >= 42  # every bar's label near the line was looked at


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_table_header_is_whole_and_fits_its_column(demo_db, lang, monkeypatch):
    """Every table's header (the store list, the problems, brand x kind of activity) is drawn by column_heads;
    what it draws in a column is the whole header (wrapped onto lines, never cut), and each line fits the
    cell it is drawn in and its column, measured with fpdf2's get_string_width."""
    tables: list[dict] = []  # per header row: its columns and the cells drawn (x, cell width, text, text width)
    original_heads, original_cell = pdf_module._Pdf.column_heads, pdf_module._Pdf.cell

    def column_heads(self, columns, size, *args):
        record = {
            "columns": [(c.label, c.width) if hasattr(c, "label") else tuple(c) for c in columns],
            "left": self.l_margin,
            "cells": [],
            "open": True,
        }
        tables.append(record)
        try:
            return original_heads(self, columns, size, *args)
        finally:
            record["open"] = False

    def cell(self, w=None, h=None, text="", *args, **kwargs):
        if tables and tables[-1]["open"]:
            tables[-1]["cells"].append((self.x, w, text, self.get_string_width(text)))
        return original_cell(self, w, h, text, *args, **kwargs)

    monkeypatch.setattr(pdf_module._Pdf, "column_heads", column_heads)
    monkeypatch.setattr(pdf_module._Pdf, "cell", cell)
    summary = build_summary(demo_db, manager(demo_db), request("D04", lang), NOW)
    export(demo_db, manager(demo_db), request("D04", lang), NOW)
    labels = {label for table in tables for label, _ in table["columns"]}
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    kinds = {t(f"capture.kind.{kind}") for kind in summary.competitor_weekly.kind.unique()}
    assert len(kinds) >= 4 and kinds <= labels  # brand x kind of activity
    assert {t("stores.last_visit"), t("export.col.found_in"), t("capture.brand")} <= labels  # stores, problems
    for table in tables:
        start = table["left"]
        for label, width in table["columns"]:
            lines = [(w, text, used) for x, w, text, used in table["cells"] if start <= x < start + width]
            assert "".join(text for _, text, _ in lines).replace(" ", "") == label.replace(" ", ""), label
            assert all(used <= min(w, width) + 1e-6 for w, _, used in lines), (label, width, lines)
            start += width


def test_the_cover_shows_audits_done_against_planned_by_the_visits_rule(demo_db):
    codes = [r[0] for r in demo_db.cursor().execute("SELECT code FROM stores WHERE dealer_code = 'D04'").fetchall()]
    visited = (
        demo_db.cursor()
        .execute(
            "SELECT store_code, merchandiser, visit_date FROM audits WHERE list_contains(?, store_code)"
            " AND visit_date BETWEEN ? AND ? ORDER BY id LIMIT 3",
            [codes, START, END],
        )
        .fetchall()
    )
    missed = (
        demo_db.cursor()
        .execute(  # two days in the period without an audit at the first store
            """SELECT d::DATE FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 DAY) t(d)
           WHERE d::DATE NOT IN (SELECT visit_date FROM audits WHERE store_code = ?) ORDER BY 1 LIMIT 2""",
            [START, END, codes[0]],
        )
        .fetchall()
    )
    with demo_db.write() as cur:  # the dealer's plan for the period: three visits done, two missed
        cur.execute("DELETE FROM planned_visits WHERE list_contains(?, store_code)", [codes])
        cur.executemany(
            "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date)"
            " VALUES ((SELECT coalesce(max(id), 0) + 1 FROM planned_visits), ?, ?, ?)",
            [*visited, *[(codes[0], visited[0][1], day) for (day,) in missed]],
        )
    text = pdf_text(export(demo_db, manager(demo_db), request("D04"), NOW).data)
    assert "Audits done" in text and "Against planned" in text
    assert "5 visits planned, 3 of them done (60.0 %)" in text


def test_a_period_without_audits_still_gives_every_format(demo_db):
    empty = ExportRequest("D04", date(2020, 1, 1), date(2020, 3, 31), "zh", "pdf")
    text = pdf_text(export(demo_db, manager(demo_db), empty).data)
    assert "本期该经销商的门店没有检查记录。" in text
    for fmt in ("xlsx", "csv"):
        assert export(demo_db, manager(demo_db), ExportRequest("D04", empty.date_from, empty.date_to, "zh", fmt)).data


# ---------------------------------------------------------------- XLSX

SHEETS = ["Open actions", "Summary", "Stores", "Audits", "Findings", "Competitor activity", "Photos"]


def test_xlsx_reads_back_with_typed_columns_frozen_headers_filters_and_photos(demo_db):
    summary = build_summary(demo_db, manager(demo_db), request("D04"), NOW)
    data = export(demo_db, manager(demo_db), request("D04", fmt="xlsx"), NOW).data
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == SHEETS
    expected_rows = {
        "Stores": len(summary.stores),
        "Audits": summary.audits_done,
        "Findings": len(summary.findings),
        "Competitor activity": len(summary.observations),
        "Photos": len(summary.photos),
    }
    for name, rows in expected_rows.items():
        sheet = book[name]
        assert rows > 0, name
        assert sheet.max_row == rows + 1, name
        assert sheet.freeze_panes == "A2", name
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{rows + 1}", name
    audits = book["Audits"]
    header = [c.value for c in audits[1]]
    first = {h: c for h, c in zip(header, audits[2], strict=True)}
    assert first["Visit date"].is_date and isinstance(first["Visit date"].value, datetime)
    assert first["Audit no."].data_type == "n" and isinstance(first["Compliance score"].value, float)
    assert first["Order"].data_type == "b"
    assert first["Store"].data_type == "s"
    assert first["Compliance score"].number_format == "0.0"
    summary_sheet = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=2)}
    assert summary_sheet["Period from"].is_date and summary_sheet["Period from"].value == datetime(2026, 10, 20)
    assert summary_sheet["Audits done"].value == summary.audits_done
    photos = book["Photos"]
    assert len(photos._images) == len(summary.photos)
    # Every store in the sheet is one of the dealer's.
    codes = {r[0] for r in demo_db.cursor().execute("SELECT code FROM stores WHERE dealer_code = 'D04'").fetchall()}
    assert {row[0].value for row in book["Stores"].iter_rows(min_row=2)} == codes


def test_xlsx_holds_the_photos_themselves_and_findings_link_to_them_without_server_paths(demo_db, demo_dir):
    """A dealer opens the file on a laptop: the photos are in it, large enough to see, and a finding's photo
    is a link to its row; nothing names a file on the server."""
    summary = build_summary(demo_db, manager(demo_db), request("D04"), NOW)
    book = openpyxl.load_workbook(io.BytesIO(export(demo_db, manager(demo_db), request("D04", fmt="xlsx"), NOW).data))
    photos = book["Photos"]
    header = [c.value for c in photos[1]]
    images = sorted(photos._images, key=lambda image: image.anchor._from.row)
    assert [image.anchor._from.row for image in images] == list(range(1, len(summary.photos) + 1))  # one a row
    assert all(image.width >= 300 and image.height >= 200 for image in images)  # pixels shown, not a stamp
    stored = {photo_store.photo_path(sha).read_bytes() for sha in summary.photos.thumb_sha256}
    assert {image._data() for image in images} == stored  # the photos themselves
    number_of = {
        row[header.index("Photo no.")].value: row[header.index("Audit no.")].value
        for row in photos.iter_rows(min_row=2)
    }
    findings = book["Findings"]
    columns = [c.value for c in findings[1]]
    linked = 0
    for row in findings.iter_rows(min_row=2):
        cell = row[columns.index("Photo")]
        if cell.value is None:
            continue
        linked += 1
        number = int(cell.value.removeprefix("Photo "))
        assert cell.hyperlink.location == f"'Photos'!A{number + 1}"
        assert number_of[number] == row[columns.index("Audit no.")].value  # a photo of that very audit
    assert linked == summary.findings.photo_sha256.notna().sum() > 0
    server = [str(demo_dir), "photos/", ".jpg", *summary.photos.photo_sha256, *summary.photos.thumb_sha256]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and any(s in cell.value for s in server)), cell.value


def test_the_demo_shows_reused_and_old_photos_where_the_app_shows_flags(demo_db):
    """The demo's flagged photos (capture.flag_photos over its history) show on the audit's record, as the
    photo grid's badges, and in the dealer's exports (PDF captions, the XLSX photos sheet)."""
    flagged = demo_db.query_df("""SELECT ap.audit_id, s.dealer_code, ap.flag_reused, ap.flag_old
                                  FROM audit_photos ap JOIN audits a ON a.id = ap.audit_id
                                  JOIN stores s ON s.code = a.store_code
                                  WHERE ap.flag_reused OR ap.flag_old ORDER BY ap.audit_id""")
    assert flagged.flag_reused.any() and flagged.flag_old.any()
    for flag, badge in (("flag_reused", "Possible reused photo"), ("flag_old", "Old photo")):
        audit_id = int(flagged[flagged[flag]].audit_id.iloc[0])
        at = open_page(demo_db, "manager", "views/audits.py", audit=str(audit_id))
        assert any(badge in m.value for m in at.markdown), (badge, audit_id)
    dealers = flagged.dealer_code.unique()
    reused = old = 0
    for dealer in dealers:
        book = openpyxl.load_workbook(
            io.BytesIO(export(demo_db, manager(demo_db), ExportRequest(dealer, START, END, "en", "xlsx"), NOW).data)
        )
        sheet = book["Photos"]
        header = [c.value for c in sheet[1]]
        reused += sum(row[header.index("Possible reused photo")].value is True for row in sheet.iter_rows(min_row=2))
        old += sum(row[header.index("Old photo")].value is True for row in sheet.iter_rows(min_row=2))
    assert reused >= 1 and old >= 1


def _rename_a_store(db, name: str) -> str:
    code = db.query_one("SELECT code FROM stores WHERE dealer_code = 'D04' ORDER BY code")[0]
    with db.write() as cur:
        cur.execute("UPDATE stores SET name = ?, name_en = ? WHERE code = ?", [name, name, code])
    return code


def test_a_store_named_like_a_formula_comes_out_as_text_in_xlsx_and_csv(demo_db):
    code = _rename_a_store(demo_db, INJECTION)
    book = openpyxl.load_workbook(io.BytesIO(export(demo_db, manager(demo_db), request("D04", fmt="xlsx")).data))
    cells = [row[1] for row in book["Stores"].iter_rows(min_row=2) if row[0].value == code]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].value == "'" + INJECTION
    for sheet in book.worksheets:  # no cell anywhere holds a formula
        assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"], sheet.title
    rows = list(
        csv.reader(io.StringIO(export(demo_db, manager(demo_db), request("D04", fmt="csv")).data.decode("utf-8-sig")))
    )
    stores = {row[3] for row in rows[1:] if row[2] == code}
    assert stores == {"'" + INJECTION}


def test_the_formula_guard_neutralises_every_risky_start_and_nothing_else():
    for risky in ("=1+1", "+86 21", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(risky) == "'" + risky
    for harmless in ("Shop", "新一佳", "", "1-2", " =x"):
        assert neutralise(harmless) == harmless


# ---------------------------------------------------------------- CSV


def test_csv_is_utf8_with_bom_and_holds_every_audit_line(demo_db):
    data = export(demo_db, manager(demo_db), request("D04", "zh", "csv")).data
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["检查编号", "拜访日期", "编码", "门店"]
    count = demo_db.query_one(
        """SELECT count(*) FROM audit_lines l JOIN audits a ON a.id = l.audit_id JOIN stores s ON s.code = a.store_code
           WHERE s.dealer_code = 'D04' AND a.visit_date BETWEEN ? AND ?""",
        [START, END],
    )[0]
    assert len(rows) - 1 == count > 0
    names = {r[0] for r in demo_db.cursor().execute("SELECT name FROM stores WHERE dealer_code = 'D04'").fetchall()}
    assert {row[3] for row in rows[1:]} <= names
    assert {row[10] for row in rows[1:]} <= {"是", "否"}


# ---------------------------------------------------------------- who may export what


def test_a_dealer_user_gets_their_own_stores_and_is_refused_anothers(demo_db):
    dealer = auth.get_user(demo_db, "dealer01")
    assert dealer.dealer_code == "D01"
    own = export(demo_db, dealer, request("D01", fmt="xlsx")).data
    book = openpyxl.load_workbook(io.BytesIO(own))
    codes = {r[0] for r in demo_db.cursor().execute("SELECT code FROM stores WHERE dealer_code = 'D01'").fetchall()}
    assert {row[0].value for row in book["Stores"].iter_rows(min_row=2)} == codes
    for tampered in (
        lambda: export(demo_db, dealer, request("D02", fmt="pdf")),
        lambda: export(demo_db, dealer, request("D02", fmt="csv")),
        lambda: build_summary(demo_db, dealer, request("D02")),
        lambda: audit_lines(demo_db, dealer, request("D02")),
    ):
        with pytest.raises(ExportError) as refused:
            tampered()
        assert refused.value.key == "export.error.other_dealer"
        assert refused.value.message("zh") == "您只能导出自己的门店；经销商 D02 不属于您。"
    with pytest.raises(ExportError, match="Only managers and administrators"):
        list(export_all(demo_db, dealer, START, END, "en", "pdf"))


def test_a_merchandiser_cannot_export_and_bad_requests_are_explained(demo_db):
    with pytest.raises(ExportError, match="cannot export"):
        export(demo_db, auth.get_user(demo_db, "merch01"), request("D01"))
    with pytest.raises(ExportError, match="no dealer with the code D99"):
        export(demo_db, manager(demo_db), request("D99"))
    with pytest.raises(ExportError, match="start on or before"):
        export(demo_db, manager(demo_db), ExportRequest("D01", END, START))


def test_all_dealers_in_one_zip_with_progress(demo_db):
    seen = []
    files = export_all(
        demo_db,
        manager(demo_db),
        START,
        END,
        "en",
        "xlsx",
        progress=lambda done, total, name: seen.append((done, total)),
    )
    archive = zipfile.ZipFile(io.BytesIO(zip_files(files, "all.zip").data))
    assert sorted(archive.namelist()) == [f"audit-summary_D0{n}_2026-10-20_2026-11-20_en.xlsx" for n in range(1, 9)]
    assert seen[0] == (0, 8) and seen[-1] == (8, 8)


def test_the_command_line_exports_the_period_every_page_opens_with(demo_dir, tmp_path):
    start, end = default_period_for(shared_database(demo_dir / "audit.duckdb"))
    assert end == date(2026, 11, 20) and start.weekday() == 0  # the demo's latest audit; a whole first week
    out = tmp_path / "out"
    out.mkdir()
    assert export_cli("D04", out, "csv") == 0
    assert [p.name for p in out.iterdir()] == [f"audit-summary_D04_{start}_{end}_en.csv"]


# ---------------------------------------------------------------- command line


def test_export_from_the_command_line(demo_dir, backend, tmp_path, capsys):
    """On PostgreSQL (--backend postgres) the task reads its own DuckDB copy of the shared database, made here."""
    demo_db_path = demo_dir / "audit.duckdb"
    assert demo_db_path.exists() != (backend == "postgres")
    out = tmp_path / "d04.pdf"
    assert export_cli("D04", out, "pdf", period=(START, END), lang="zh") == 0
    assert out.read_bytes().startswith(b"%PDF") and "检查汇总报告" in pdf_text(out.read_bytes())
    assert f"已写入 {out}" in capsys.readouterr().out
    assert export_cli(None, tmp_path / "all.zip", "csv", period=(START, END)) == 0
    assert len(zipfile.ZipFile(tmp_path / "all.zip").namelist()) == 8
    assert export_cli(None, tmp_path / "folder", "csv") == 0
    start, end = default_period_for(shared_database(demo_db_path))  # the period every page opens with
    assert len(list((tmp_path / "folder").glob(f"audit-summary_D0*_{start}_{end}_en.csv"))) == 8
    capsys.readouterr()
    # Exporting as a dealer account: another dealer's code is refused with a message, exit status 1.
    assert export_cli("D04", tmp_path / "x.csv", lang="zh", as_user="dealer01") == 1
    assert "您只能导出自己的门店；经销商 D04 不属于您。" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


# ---------------------------------------------------------------- what rendering needs


def test_without_the_font_the_pdf_export_says_what_to_install(demo_db, monkeypatch):
    monkeypatch.setenv("AUDIT_PDF_FONT", "/nonexistent/font.ttf")
    with pytest.raises(ExportError) as refused:
        export(demo_db, manager(demo_db), request("D04"))
    assert refused.value.key == "export.error.no_font"
    assert "fonts-wqy-microhei" in refused.value.message("en") and "/nonexistent/font.ttf" in refused.value.message(
        "zh"
    )
    assert export(demo_db, manager(demo_db), request("D04", fmt="xlsx")).data  # the other formats need no font


def test_make_run_installs_the_font_the_pdf_embeds():
    """A machine set up by `make run` alone can export: its set-up installs the PDF's font package."""
    from audit.exports import fonts

    makefile = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^([A-Z_]+)\s*:=\s*(.*)$", makefile, re.M))

    def packages(name: str) -> list[str]:  # a package list with the lists it names spelled out
        words = variables[name].split()
        return [p for w in words for p in (packages(w[2:-1]) if w.startswith("$(") else [w])]

    assert fonts.FONT_PACKAGE in packages("DEBIAN_RUN_PACKAGES")
    assert "run-deps" in re.search(r"^run:(.*)$", makefile, re.M).group(1)
    assert fonts.FONT_PACKAGE in packages("DEBIAN_TEST_PACKAGES")
    assert fonts.pdf_font() == Path(fonts.FONT_CANDIDATES[0])  # installed here, as make run would
