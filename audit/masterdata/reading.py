"""Reading a file into text: CSV in any of the encodings Chinese offices use, XLSX with merged cells;
the header row found among the first rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
from openpyxl.utils.cell import range_boundaries

from audit.masterdata.problems import ValueRefused
from audit.masterdata.specs import SPECS, Kind

HEADER_SEARCH_ROWS = 10  # a title or group-heading row above the real header is skipped


def _decode(data: bytes) -> str:
    """BOM -> UTF-8 (or UTF-16); else strict UTF-8; else GB18030, the superset of GBK that Chinese Excel writes."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    encodings = ("utf-8-sig",) if data.startswith(codecs.BOM_UTF8) else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueRefused("unreadable")


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of (comma on a tie)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max(",;\t", key=header.count)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        yield from enumerate(reader, start=1)  # the record number is the row a spreadsheet shows
    except csv.Error as exc:  # not strict: the one error left is a cell over the field size limit
        raise ValueRefused("cell_too_long", line=reader.line_num, n=csv.field_size_limit()) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(data: bytes) -> list[tuple[int, int, int, int]]:
    """(min_col, min_row, max_col, max_row) of the first sheet's merged cells, from the sheet's XML
    (openpyxl's read-only mode, which a 100,000-row sheet needs, does not report them)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/workbook.xml")).find(f"{_MAIN_NS}sheets/{_MAIN_NS}sheet")
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        target = next((r.get("Target") for r in rels if sheet is not None and r.get("Id") == sheet.get(_REL_ID)), None)
        if target is None:
            raise ValueRefused("unreadable")  # a workbook without a first sheet
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        ranges = [range_boundaries(ref.decode()) for ref in _MERGE_CELL.findall(archive.read(path))]
        return [(a, b, c, d) for a, b, c, d in ranges if a and b and c and d]  # a merge names both corners


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first sheet. A merged cell's value counts for every row it spans, in its first column."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        merged = _merged_ranges(data)
    except Exception as exc:  # a damaged workbook: openpyxl and zipfile raise many kinds
        raise ValueRefused("unreadable") from exc
    anchors: dict[int, list[int]] = {}  # row -> column indexes holding a merged value
    covered: dict[int, list[tuple[int, int]]] = {}  # row -> [(column index, row holding its value)]
    for min_col, min_row, _, max_row in merged:
        anchors.setdefault(min_row, []).append(min_col - 1)
        for spanned in range(min_row + 1, max_row + 1):
            covered.setdefault(spanned, []).append((min_col - 1, min_row))
    values: dict[tuple[int, int], str] = {}
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()  # some writers store a wrong sheet size, which would cut rows off
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in row]
            for column, source_row in covered.get(number, ()):
                cells += [""] * (column + 1 - len(cells))
                cells[column] = values.get((source_row, column), "")
            values.update({(number, c): cells[c] for c in anchors.get(number, ()) if c < len(cells)})
            yield number, cells
    except Exception as exc:  # damaged sheet XML surfaces only while the rows are read
        raise ValueRefused("unreadable") from exc
    finally:
        workbook.close()


def _raw_rows(data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(data)
    if data.startswith(b"\xd0\xcf\x11\xe0") or Path(filename).suffix.lower() in (".xls", ".xlsx", ".xlsm"):
        raise ValueRefused("file_type")  # an old binary .xls, or not a workbook at all
    return _csv_rows(data)


def _header_score(cells: list[str], kind: Kind | None) -> int:
    if kind is None:
        return 0
    return len({field.name for c in cells if c and (field := kind.field_for(c))})


def read_table(data: bytes, filename: str, kind: str | None = None) -> pd.DataFrame:
    """A CSV or XLSX file as a DataFrame of text ('' when blank), columns as headed in the file, indexed
    by the row number the user sees (header = row 1 in a plain file). Fully empty rows are skipped.

    The header is the first non-empty row; given a kind, the one among the first rows that names most
    of its columns (a title line above the header is skipped). Columns without a header are dropped.
    Raises ValueRefused for a file that is not a readable table.
    """
    spec = SPECS[kind] if kind else None
    rows = [
        (n, cells)
        for n, cells in ((n, [c.strip() for c in cells]) for n, cells in _raw_rows(data, filename))
        if any(cells)
    ]
    if not rows:
        raise ValueRefused("empty")
    candidates = rows[:HEADER_SEARCH_ROWS]
    best = max(range(len(candidates)), key=lambda i: (_header_score(candidates[i][1], spec), -i))
    header = candidates[best][1]
    keep = [i for i, name in enumerate(header) if name]
    body = rows[best + 1 :]
    padding = [""] * len(header)
    return pd.DataFrame(
        [[(cells + padding)[i] for i in keep] for _, cells in body],
        columns=[header[i] for i in keep],
        dtype=object,
        index=pd.Index([n for n, _ in body], name="row", dtype="int64"),
    )
