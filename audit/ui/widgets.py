"""Small Streamlit helpers shared by several pages."""
from __future__ import annotations

import re
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


def md_escape(value) -> str:
    """Text typed by users (store names, notes) shown literally, never as Markdown or a link."""
    text = str(value)
    for ch in "\\`*_{}[]()#+-.!|<>~$:":
        text = text.replace(ch, "\\" + ch)
    # Markdown also links bare addresses (https://…, www.…, name@host): a zero-width space stops it.
    return _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text)


_AUTOLINK = re.compile(r"\\:|www|@")
