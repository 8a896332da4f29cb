"""Hostile text (tests/helpers/badinput.py: Markdown, HTML, script tags, SQL, right-to-left, emoji, 10,000 characters)
submitted in audits and imported as a store name, then shown: pages show it as literal text, never rendered;
the XLSX, CSV and PDF exports hold it as text."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from pypdf import PdfReader

from audit import auth, capture, charts, i18n
from audit.exports import ExportRequest, export
from audit.exports.cells import neutralise
from audit.masterdata import apply_import, prepare_import
from tests.helpers.apptest import open_page
from tests.helpers.audits import draft_with, merch
from tests.helpers.badinput import HOSTILE_TEXTS, STORE_HEADER, as_shown, is_literal
from tests.helpers.exports import END, NOW, START

SHORT = {name: text for name, text in HOSTILE_TEXTS.items() if len(text) <= 200}


def submit_with(db, text: str, store: str | None = None) -> int:
    """An audit whose notes, competitor brand, product and note are the text (cut to each field's limit)."""

    def put(answers):
        answers["visit"]["notes"] = text
        answers["competitors"][0].update(
            competitor_code=None, competitor_other=text[:80], product=text[:120], note=text[:2000]
        )

    return capture.submit(db, merch(db), draft_with(db, put, store).submission_key).audit_id


@pytest.mark.parametrize("case", list(HOSTILE_TEXTS))
def test_an_audits_notes_show_as_literal_text(demo_db, case):
    text = HOSTILE_TEXTS[case]
    audit_id = submit_with(demo_db, text)
    assert demo_db.query_one("SELECT notes FROM audits WHERE id = ?", [audit_id])[0] == text  # stored whole
    for lang in ("en", "zh"):
        at = open_page(demo_db, "merch01", "views/audits.py", lang, audit=str(audit_id))
        prefix = i18n.labelled(i18n.t("capture.notes", lang), "", lang)  # "Notes: " / "备注："
        notes = [m.value[len(prefix) :] for m in at.markdown if m.value.startswith(prefix)]
        assert len(notes) == 1 and is_literal(notes[0]), notes
        assert as_shown(notes[0]) == text
        seen = next(d.value for d in at.dataframe if "note" in d.value.columns)
        assert seen[["brand", "product", "note"]].values.tolist() == [[text[:80].strip(), text[:120], text[:2000]]]


def test_competitor_log_and_charts_show_typed_brands_and_notes_as_text(demo_db):
    for text in SHORT.values():
        submit_with(demo_db, text)
    at = open_page(
        demo_db, "manager", "views/competitors.py", "en", **{"from": START.isoformat(), "to": END.isoformat()}
    )
    log = next(d.value for d in at.dataframe if "note" in d.value.columns)
    assert set(SHORT.values()) <= set(log.note)
    names = {
        name
        for chart in at.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        for name in [trace.get("name")]
        if name
    }
    assert {charts.plain(text[:80].strip()) for text in SHORT.values()} <= names
    assert not [name for name in names if "<" in name]  # no tag is left for Plotly to draw


def rename_store_by_import(db, code: str, name: str) -> None:
    channel, grade, region = db.query_one("SELECT channel, grade, region_code FROM stores WHERE code = ?", [code])
    row = ",".join('"' + cell.replace('"', '""') + '"' for cell in (code, name, channel, grade, region))
    plan = prepare_import(db, "stores", (STORE_HEADER + row + "\n").encode(), "rename.csv")
    assert plan.ok and apply_import(db, plan).updated == 1


PDF_TEXTS = ("<script>alert(1)</script>", "**bold** [x](y)", "'; DROP TABLE audits; --", "<b>B</b> &amp;")


def test_exports_hold_hostile_text_as_text(demo_db):
    store = capture.store_queue(demo_db, merch(demo_db), "en").code.iloc[0]  # one store: one dealer's export
    for text in HOSTILE_TEXTS.values():
        submit_with(demo_db, text, store)
    for brand in PDF_TEXTS:  # short enough for the PDF's brand column
        submit_with(demo_db, brand, store)
    store_name = "<b>店</b> **x** =1+1 '; --"
    rename_store_by_import(demo_db, store, store_name)
    dealer = demo_db.query_one("SELECT dealer_code FROM stores WHERE code = ?", [store])[0]
    manager = auth.get_user(demo_db, "manager")
    made = {
        fmt: export(demo_db, manager, ExportRequest(dealer, START, END, "zh", fmt), NOW).data
        for fmt in ("xlsx", "csv", "pdf")
    }

    book = openpyxl.load_workbook(io.BytesIO(made["xlsx"]))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # nothing became a formula
    values = {c.value for c in cells if isinstance(c.value, str)}
    for text in HOSTILE_TEXTS.values():
        assert {neutralise(text), neutralise(text[:2000]), neutralise(text[:80].strip())} <= values

    rows = list(csv.reader(io.StringIO(made["csv"].decode("utf-8-sig"))))
    assert {row[3] for row in rows[1:] if row[2] == store} == {store_name}  # no risky start: kept as typed

    pdf = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(made["pdf"])).pages)
    for text in (*PDF_TEXTS, store_name):
        assert text in pdf
    assert "?? 店长很满意 ?" in pdf  # emoji the embedded font lacks stand as "?" instead of failing the export
