"""Audit summaries for dealers: a PDF to read, a workbook to work with, the flat audit lines as CSV.

summary.py    who may export what; the dealer's summary gathered from SQL once (all formats use it)
pdf.py        A4 report, English or Chinese, font embedded; charts drawn by pdf_charts.py
xlsx.py       typed sheets with frozen headers, filters and embedded photo thumbnails
csv_lines.py  one row per SKU line, UTF-8 with BOM
cells.py      formula-injection guard shared by the XLSX and CSV writers
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime

from audit import access
from audit.auth import User
from audit.db import Database
from audit.exports import csv_lines, pdf, xlsx
from audit.exports.summary import (
    FORMATS,
    DealerSummary,
    ExportError,
    ExportRequest,
    audit_lines,
    authorise,
    build_summary,
    dealer_options,
)
from audit.filenames import safe_file_name, unique_file_name

__all__ = [
    "FORMATS",
    "MIME",
    "DealerSummary",
    "ExportError",
    "ExportFile",
    "ExportRequest",
    "build_summary",
    "dealer_options",
    "export",
    "export_all",
    "file_name",
    "zip_files",
]

MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class ExportFile:
    name: str
    mime: str
    data: bytes


def file_name(request: ExportRequest) -> str:
    return safe_file_name(
        f"audit-summary_{request.dealer_code}_{request.date_from.isoformat()}"
        f"_{request.date_to.isoformat()}_{request.lang}",
        request.fmt,
    )


def export(db: Database, viewer: User, request: ExportRequest, now: datetime | None = None) -> ExportFile:
    """One dealer's summary in the requested format, if the viewer may have it (ExportError otherwise)."""
    if request.fmt == "csv":
        data = csv_lines.render(audit_lines(db, viewer, request), request.lang)
    else:
        authorise(db, viewer, request)  # the format is checked before anything is gathered
        summary = build_summary(db, viewer, request, now)
        data = (pdf if request.fmt == "pdf" else xlsx).render(summary)
    return ExportFile(file_name(request), MIME[request.fmt], data)


def export_all(
    db: Database,
    viewer: User,
    date_from: date,
    date_to: date,
    lang: str,
    fmt: str,
    progress: Callable[[int, int, str], None] | None = None,
    now: datetime | None = None,
) -> Iterator[ExportFile]:
    """Every dealer's summary, one after the other (managers and administrators only). progress(done,
    total, dealer name) is called before each dealer and once at the end."""
    if not access.allowed(viewer, access.ALL_DEALERS):
        raise ExportError("export.error.all_dealers")
    dealers = dealer_options(db, viewer, lang)
    template = ExportRequest("", date_from, date_to, lang, fmt)
    taken: set[str] = set()  # two codes may give the same file name: neither may overwrite the other
    for done, (code, name) in enumerate(dealers.items()):
        if progress:
            progress(done, len(dealers), name)
        file = export(db, viewer, replace(template, dealer_code=code), now)
        yield replace(file, name=unique_file_name(file.name, taken))
    if progress:
        progress(len(dealers), len(dealers), "")


def zip_name(date_from: date, date_to: date, lang: str, fmt: str) -> str:
    return safe_file_name(f"audit-summaries_{date_from.isoformat()}_{date_to.isoformat()}_{lang}_{fmt}", "zip")


def zip_files(files: Iterator[ExportFile], name: str) -> ExportFile:
    """The files in one ZIP (PDF and XLSX are compressed already: stored, not deflated again)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for file in files:
            method = zipfile.ZIP_DEFLATED if file.name.endswith(".csv") else zipfile.ZIP_STORED
            archive.writestr(file.name, file.data, compress_type=method)
    return ExportFile(name, MIME["zip"], out.getvalue())
