"""Where a store leads from a table or chart: its page, the card on the Stores page (/?store=CODE), which
shows managers the store's scores, findings, photos and competitors too."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

STORE_PAGE = "views/stores.py"


def store_url(code: str) -> str:
    """Relative, so it works behind a base path: from /visits?… it resolves to /?store=CODE."""
    return f"./?store={quote(str(code), safe='')}"


def store_link_column(label: str, **kwargs: Any) -> ColumnConfig:  # kwargs: LinkColumn's options
    """A table column of store_url() values that shows the store code and opens the card."""
    return st.column_config.LinkColumn(label, display_text=r"store=([^&]+)", **kwargs)


def open_store(code: str) -> None:
    st.switch_page(STORE_PAGE, query_params={"store": code})
