"""Small Streamlit helpers shared by several pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import pandas as pd
import streamlit as st
from streamlit.elements.arrow import DataframeState

from audit.errors import UserFacingError
from audit.ui import url_state
from audit.ui.context import t


@contextmanager
def show_user_error() -> Iterator[None]:
    """Turn a refused action into a message in the user's language, never a trace; input stays."""
    try:
        yield
    except UserFacingError as error:
        st.error(error_text(error), icon=":material/error:")


def error_text(error: UserFacingError) -> str:
    """The message in the user's language; its values (a code from the URL, a file's text) shown literally."""
    return t(error.key, **error.values)


def tapped_row(event: DataframeState) -> int | None:
    """The row a tap chose in a table (selection_mode TABLE_TAP): its checkbox, or any of its cells, which is
    what a finger taps."""
    selection = event.selection
    if selection.rows:
        return selection.rows[0]
    return selection.cells[0][0] if selection.cells else None


TABLE_TAP: list[Literal["single-row", "single-cell"]] = ["single-row", "single-cell"]
ROW_PX = 35  # Streamlit's table row (and header) height


def table_height(rows: int, most: int) -> int:
    """A table's height in pixels that shows all its rows and scrolls beyond `most`."""
    return min(ROW_PX * (rows + 1) + 3, most)


def tap_table(data: pd.DataFrame, key: str, column_config: dict[str, Any], most_px: int | None = None) -> int | None:
    """A table whose rows open on a tap (TABLE_TAP), as tall as its rows up to `most_px`: the row tapped, or None."""
    height: int | Literal["auto"] = "auto" if most_px is None else table_height(len(data), most_px)
    event = st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        height=height,
        on_select="rerun",
        selection_mode=TABLE_TAP,
        key=key,
        column_config=column_config,
    )
    return tapped_row(event)


def open_tapped(key: str, parameter: str, value: str) -> None:
    """Open what a tap in the table `key` chose, named by `parameter` in the URL; the tap is forgotten, so the
    table opens nothing by itself when the user comes back to it."""
    url_state.set_value(parameter, value)
    st.session_state.pop(key, None)
    st.rerun()
