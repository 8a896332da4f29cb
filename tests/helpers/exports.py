"""The export tests' period and reading a PDF's text."""

from __future__ import annotations

import io
from datetime import date, datetime

from pypdf import PdfReader

START, END = date(2026, 10, 20), date(2026, 11, 20)  # the dashboard tests' period
NOW = datetime(2026, 11, 21, 9, 30)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
