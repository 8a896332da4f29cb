"""English names of stores, cities and people (issue 13): English pages and exports show them where the data
has them, Chinese pages the local names. Every page is opened for every role in both languages on the demo,
and every text it renders is read: headings, captions, widgets and their options, tables, charts."""

from __future__ import annotations

import csv
import io
import json
import re

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from audit import auth
from audit.exports import ExportRequest, export
from audit.masterdata import SPECS, accepted_columns
from audit.ui.markdown import md_escape
from audit.ui.navigation import page_specs_for
from audit.ui.shell import LANGUAGE_NAMES
from tests.helpers.apptest import APP, deep_links, elements, strings_in
from tests.helpers.exports import END, NOW, START, pdf_text

ROLES = ("admin", "manager", "merch01", "dealer01")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
NOT_SHOWN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
# Text from data that has no English form (addresses, contacts, notes, ...): shown as entered in every language.
FREE_TEXT = {
    "stores": ["address", "contact_name", "contact_role", "brands_carried", "credit_notes", "notes"],
    "dealers": ["contact"],
    "audits": ["notes"],
    "competitor_observations": ["note", "competitor_other", "product"],
    "audit_photos": ["caption"],
    "actions": ["note"],  # what to do, typed by the manager who added the action
    "action_events": ["note"],  # the dealer's or merchandiser's words when marking one done or not fixed
}
# A local name without an English one is shown as it is in English too.
LOCAL_ONLY = {"stores": [("name", "name_en"), ("city", "city_en")], "users": [("display_name", "display_name_en")]}


def texts_of(value):
    """Every string in a decoded JSON value or a table."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts_of(item)


def rendered_texts(at: AppTest):
    """(element type, text) for every text the page renders, table cells and chart labels included."""
    for element in elements(at._tree):
        if element.type == "dataframe":
            table = element.value
            cells = [str(v) for column in table.columns for v in table[column]]
            yield from ((element.type, text) for text in [*map(str, table.columns), *cells])
        for path, text in strings_in(element.proto):
            if path[-1] in ("spec", "column_config"):  # JSON: its strings are what is drawn
                yield from ((element.type, t) for t in texts_of(json.loads(text)))
            elif element.type == "html":  # scripts and styles are not shown (the widget texts' table is one)
                yield element.type, NOT_SHOWN.sub("", text)
            else:
                yield element.type, text


def open_page(db, username: str | None, path: str | None, lang: str, params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    if username:
        at.session_state["session_token"] = auth.start_session(db, username)
    at.run()
    if path:
        at.switch_page(path)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, (username, path, lang, at.exception)
    return at


def every_page(db, lang: str):
    """(who, page, params, the page run) for the sign-in page and every page of every role, with the deep
    links that show one store's card, one audit and one audit form."""
    yield None, "sign_in", {}, open_page(db, None, None, lang, {})
    for username in ROLES:
        deep = deep_links(db, username)
        for spec in page_specs_for(auth.get_user(db, username)):
            for params in [{}, *deep.get(spec.path, [])]:
                yield username, spec.path, params, open_page(db, username, spec.path, lang, params)


def column_values(db, table: str, columns: list[str], where: str = "TRUE") -> set[str]:
    found = set()
    for column in columns:
        found |= {
            row[0]
            for row in db.cursor()
            .execute(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL AND {where}")
            .fetchall()
        }
    return found


def shown_as_entered(db) -> list[str]:
    """Texts that may stay Chinese on English pages: free text, and local names that have no English one.
    Longest first, so a name inside a longer text is not cut out of it first."""
    allowed = set(LANGUAGE_NAMES.values())  # the language picker names each language in itself
    for kind in SPECS:  # the import help lists the Chinese headers a file may have
        allowed |= {str(v) for v in accepted_columns(kind, "en").to_numpy().ravel() if v}
    for table, columns in FREE_TEXT.items():
        allowed |= column_values(db, table, columns)
    for table, pairs in LOCAL_ONLY.items():
        for local, english in pairs:
            allowed |= column_values(db, table, [local], f"nullif(trim({english}), '') IS NULL")
    allowed |= {md_escape(text) for text in allowed}
    return sorted(allowed, key=len, reverse=True)


def chinese_left(text: str, allowed: list[str]) -> bool:
    if not CJK.search(text):
        return False
    for value in allowed:
        if value in text:
            text = text.replace(value, "")
    return bool(CJK.search(text))


def english_names(db) -> dict[str, set[str]]:
    """English city and person names the demo has, and the local names they stand for."""
    return {
        "cities_en": column_values(db, "stores", ["city_en"]),
        "cities_zh": column_values(db, "stores", ["city"], "city_en IS NOT NULL"),
        "people_en": column_values(db, "users", ["display_name_en"], "strpos(display_name, display_name_en) = 0"),
        "people_zh": column_values(db, "users", ["display_name"], "display_name_en IS NOT NULL"),
    }


def test_the_demo_has_english_names_for_its_cities_and_people(demo_db):
    assert demo_db.query_one("SELECT count(*) FILTER (WHERE city_en IS NULL), count(DISTINCT city_en) FROM stores") == (
        0,
        12,
    )
    assert demo_db.query_one("SELECT display_name_en FROM users WHERE username = 'merch03'") == ("Zhang Min",)
    assert demo_db.query_one("SELECT count(*) FROM users WHERE display_name_en IS NULL") == (0,)


def test_english_pages_show_no_chinese_but_text_that_has_no_english_form(demo_db):
    allowed = shown_as_entered(demo_db)
    people_en = english_names(demo_db)["people_en"]
    left, pages, merchandiser_names = [], 0, set()
    for username, path, params, at in every_page(demo_db, "en"):
        pages += 1
        for kind, text in rendered_texts(at):
            if chinese_left(text, allowed):
                left.append((username, path, params, kind, text[:120]))
            merchandiser_names |= {name for name in people_en if name in text}
    assert pages > 30
    assert left == [], "\n".join(map(str, left))
    assert len(merchandiser_names) >= 10  # the pages do name people: in English


def test_chinese_pages_show_the_local_names(demo_db):
    names = english_names(demo_db)
    english = re.compile("|".join(rf"\b{re.escape(name)}\b" for name in names["cities_en"] | names["people_en"]))
    found, local = [], set()
    for username, path, _params, at in every_page(demo_db, "zh"):
        for kind, text in rendered_texts(at):
            found += [(username, path, kind, text[:120])] if english.search(text) else []
            local |= {name for name in names["cities_zh"] | names["people_zh"] if name in text}
    assert found == [], "\n".join(map(str, found))
    assert names["cities_zh"] <= local and len(local & names["people_zh"]) >= 10


def export_texts(db, fmt: str, lang: str) -> str:
    data = export(db, auth.get_user(db, "manager"), ExportRequest("D02", START, END, lang, fmt), NOW).data
    if fmt == "pdf":
        return pdf_text(data)
    if fmt == "csv":
        return data.decode("utf-8-sig")
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None
    )


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_english_exports_name_cities_and_people_in_english(demo_db, fmt):
    names = english_names(demo_db)
    dealer_cities = demo_db.query_df("SELECT DISTINCT city, city_en FROM stores WHERE dealer_code = 'D02'")
    english, chinese = export_texts(demo_db, fmt, "en"), export_texts(demo_db, fmt, "zh")
    assert set(dealer_cities.city_en) <= {c for c in names["cities_en"] if c in english}
    assert set(dealer_cities.city) <= {c for c in names["cities_zh"] if c in chinese}
    stray = [
        name
        for name in names["cities_zh"] | names["people_zh"]
        if re.search(rf"(?<![\u4e00-\u9fff]){re.escape(name)}(?![\u4e00-\u9fff市])", english)
    ]
    assert stray == []
    if fmt != "pdf":  # the PDF names no merchandiser; the audit tables do
        assert any(name in english for name in names["people_en"])
        assert not any(name in chinese for name in names["people_en"])


def test_csv_lines_carry_the_english_city_and_merchandiser(demo_db):
    data = export(demo_db, auth.get_user(demo_db, "manager"), ExportRequest("D02", START, END, "en", "csv"), NOW).data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
    cities = column_values(demo_db, "stores", ["city_en"], "dealer_code = 'D02'")
    people = column_values(demo_db, "users", ["display_name_en"], "role = 'merchandiser'")
    assert rows and {row[4] for row in rows} == cities and {row[5] for row in rows} <= people  # city, merchandiser
