"""Bad master-data files (tests/helpers/badinput.py) through prepare_import / apply_import: each refused with a message
in both languages and nothing written. The encodings, merged XLSX headers, duplicates, missing columns,
unknown values, coordinates, currency signs and the 100,000-row file are in tests/unit/test_import.py."""

from __future__ import annotations

import pytest

from audit.masterdata import apply_import, format_problem, prepare_import
from tests.helpers.badinput import HOSTILE_TEXTS, REFUSED_IMPORTS, STORE_HEADER

TABLES = ("stores", "products", "regions")


def row_counts(db) -> dict[str, int]:
    return {table: db.query_one(f"SELECT count(*) FROM {table}")[0] for table in TABLES}


@pytest.mark.parametrize("case", list(REFUSED_IMPORTS))
def test_a_bad_file_is_refused_in_both_languages_and_writes_nothing(db, case):
    kind, filename, data, (english, chinese) = REFUSED_IMPORTS[case]
    before = row_counts(db)
    preview = prepare_import(db, kind, data, filename)
    assert [format_problem(p, "en") for p in preview.problems] == [english]
    assert [format_problem(p, "zh") for p in preview.problems] == [chinese]
    with pytest.raises(ValueError):
        apply_import(db, preview)
    assert row_counts(db) == before


def test_hostile_text_is_imported_exactly_as_written(db):
    rows = [
        ["S" + str(i), text.replace("\n", " ")[:200], "modern", "A", "East"]
        for i, text in enumerate(HOSTILE_TEXTS.values())
    ]
    lines = [",".join('"' + cell.replace('"', '""') + '"' for cell in row) for row in rows]
    preview = prepare_import(db, "stores", (STORE_HEADER + "\n".join(lines) + "\n").encode("utf-8-sig"), "s.csv")
    assert preview.ok, [format_problem(p, "en") for p in preview.problems]
    apply_import(db, preview)
    stored = dict(db.cursor().execute("SELECT code, name FROM stores").fetchall())
    assert stored == {code: name for code, name, *_ in rows}
