"""Do two computations give the same numbers? Frames, dicts and row lists compared within float
tolerance, after bringing both to plain types (DuckDB and pandas spell NULL, dates and decimals
differently). A disagreement raises, naming the first cell that differs."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal

import numpy as np
import pandas as pd

RELATIVE = 1e-9
ABSOLUTE = 1e-9
EVERY_COLUMN = ["*"]  # as keys: the order of rows is no part of the answer at all


class Disagreement(AssertionError):
    """Two computations of the same figure gave different answers."""


def _plain(value):
    """One cell as a plain Python value: None for every NULL, float for every number, date for days."""
    if isinstance(value, (list, np.ndarray)):  # a list column (e.g. a product's must-stock channels)
        return tuple(_plain(v) for v in value)
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, Decimal, np.integer, np.floating)):
        return float(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, np.datetime64):
        return _plain(pd.Timestamp(value))
    return value


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=ABSOLUTE)
    return a == b


def _rows(frame: pd.DataFrame, columns: list[str], keys: list[str] | None) -> list[tuple]:
    rows = [tuple(_plain(v) for v in row) for row in frame[columns].itertuples(index=False, name=None)]
    if keys:  # order is not a number: compare in key order when the computations may order ties apart
        at = list(range(len(columns))) if keys == EVERY_COLUMN else [columns.index(k) for k in keys]
        rows.sort(key=lambda row: tuple((v is None, str(v)) for v in (row[i] for i in at)))
    return rows


def check_frames(what: str, expected: pd.DataFrame, actual: pd.DataFrame, keys: list[str] | None = None) -> None:
    """`actual` holds every column of `expected` with the same values, row for row."""
    missing = [c for c in expected.columns if c not in actual.columns]
    if missing:
        raise Disagreement(f"{what}: columns {missing} missing")
    if len(expected) != len(actual):
        raise Disagreement(f"{what}: {len(expected)} rows against {len(actual)}")
    columns = list(expected.columns)
    for number, (left, right) in enumerate(
        zip(_rows(expected, columns, keys), _rows(actual, columns, keys), strict=True)
    ):
        for column, a, b in zip(columns, left, right, strict=True):
            if not _same(a, b):
                raise Disagreement(f"{what}: row {number}, {column}: {a!r} against {b!r}")


def check(what: str, expected, actual, keys: list[str] | None = None) -> None:
    """Compare results of any shape the data functions return: DataFrame, dict, list of rows, tuple."""
    if isinstance(expected, pd.DataFrame):
        check_frames(what, expected, actual, keys)
    elif isinstance(expected, dict):
        check_frames(what, pd.DataFrame([expected]), pd.DataFrame([actual]))
    elif isinstance(expected, list) and all(isinstance(row, tuple) for row in [*expected, *actual]):
        check_frames(what, pd.DataFrame(expected), pd.DataFrame(actual), keys)  # rows from fetchall()
    elif isinstance(expected, (list, tuple)):
        if len(expected) != len(actual):
            raise Disagreement(f"{what}: {len(expected)} items against {len(actual)}")
        for number, (a, b) in enumerate(zip(expected, actual, strict=True)):
            check(f"{what}[{number}]", a, b, keys)
    elif not _same(_plain(expected), _plain(actual)):
        raise Disagreement(f"{what}: {expected!r} against {actual!r}")
