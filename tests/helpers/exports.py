"""The export tests' period, reading a PDF's text, and running the export command."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from pypdf import PdfReader

from audit.__main__ import main

START, END = date(2026, 10, 20), date(2026, 11, 20)  # the dashboard tests' period
NOW = datetime(2026, 11, 21, 9, 30)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def export_cli(
    dealer: str | None,
    out: Path,
    fmt: str | None = None,
    *,
    period: tuple[date, date] | None = None,
    lang: str | None = None,
    as_user: str | None = None,
) -> int:
    """`python -m audit export` for one dealer (None: --all-dealers), returning its exit status.

    What is left out (period, format, language, account) takes the command's own default."""
    args = ["export", *(["--dealer", dealer] if dealer is not None else ["--all-dealers"])]
    if period is not None:
        args += ["--from", period[0].isoformat(), "--to", period[1].isoformat()]
    if fmt is not None:
        args += ["--format", fmt]
    if lang is not None:
        args += ["--lang", lang]
    if as_user is not None:
        args += ["--as", as_user]
    return main([*args, "--out", str(out)])
