"""Spreadsheet-safe text, shared by the XLSX and CSV writers.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return can be taken for a formula
by Excel, LibreOffice or Google Sheets (formula or CSV injection: a store named `=HYPERLINK(...)` would
become a link that leaks data when clicked). Such text gets a leading apostrophe, the usual way to say
"this is text"; numbers and dates are written as numbers and dates and are never touched.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The text, made inert when a spreadsheet could read it as a formula."""
    return "'" + text if text.startswith(RISKY_STARTS) else text


def safe_value(value: T) -> T | str:
    """neutralise() for text; any other value unchanged."""
    return neutralise(value) if isinstance(value, str) else value
