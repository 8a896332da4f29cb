"""Missing values as the database hands them over: None, NaN, NaT and pandas' NA (DuckDB 2 gives nullable
integer columns, whose gaps are pd.NA, and pd.NA refuses `==`, `!=` and `bool`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from typing_extensions import TypeIs


# One row of a query's DataFrame (itertuples' named tuple, or a Series): pandas ships no types, so its fields
# are unchecked; the name says what the parameter holds.
Row = Any
# One row of a query as a dict (column -> value, a DataFrame row's to_dict()): its values come untyped from DuckDB
# and pandas, like Row's.
Record = dict[str, Any]


def is_missing(value: object) -> TypeIs[None]:
    """True for a scalar gap of any kind; never raises on pd.NA. (For the type checker a gap is None: after
    `if is_missing(x): return`, x is no longer optional; NaN, NaT and pd.NA are the same gap at run time.)"""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))
