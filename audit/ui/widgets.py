"""Small Streamlit helpers shared by several pages."""
from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from audit.ui.context import t
from audit.users import UserError


@contextmanager
def show_user_error():
    """Turn a rejected account change into a message in the user's language, not a trace."""
    try:
        yield
    except UserError as error:
        st.error(t(error.key, **error.values), icon=":material/error:")
