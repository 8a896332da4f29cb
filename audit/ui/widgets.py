"""Small Streamlit helpers shared by several pages."""
from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from audit.ui.context import t
from audit.errors import UserFacingError


@contextmanager
def show_user_error():
    """Turn a refused action into a message in the user's language, never a trace; input stays."""
    try:
        yield
    except UserFacingError as error:
        st.error(t(error.key, **error.values), icon=":material/error:")
