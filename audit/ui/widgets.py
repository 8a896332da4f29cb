"""Small Streamlit helpers shared by several pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from streamlit.elements.arrow import DataframeState

from audit.errors import UserFacingError
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


TABLE_TAP = ["single-row", "single-cell"]
ROW_PX = 35  # Streamlit's table row (and header) height


def table_height(rows: int, most: int) -> int:
    """A table's height in pixels that shows all its rows and scrolls beyond `most`."""
    return min(ROW_PX * (rows + 1) + 3, most)
