"""Missing values as the database hands them over: None, NaN, NaT and pandas' NA (DuckDB 2 gives nullable
integer columns, whose gaps are pd.NA, and pd.NA refuses `==`, `!=` and `bool`)."""

from __future__ import annotations

import pandas as pd


def is_missing(value) -> bool:
    """True for a scalar gap of any kind; never raises on pd.NA."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
