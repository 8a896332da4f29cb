"""Dashboard queries cached per filter set, dropped when the data or the scoring settings change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from audit import dashboard
from audit.db import Database


def cached(query: Callable[..., pd.DataFrame], db: Database, *args: object) -> pd.DataFrame:
    """query(db, *args), remembered until a new audit or new settings change dashboard.data_version.
    The arguments (viewer, filters, settings, language...) are part of the key."""
    return _run(query.__name__, str(db.path), db, dashboard.data_version(db), *args)


@st.cache_data(show_spinner=False, max_entries=512)
def _run(name: str, database_file: str, _db: Database, version: tuple[Any, ...], *args: object) -> pd.DataFrame:
    return getattr(dashboard, name)(_db, *args)
