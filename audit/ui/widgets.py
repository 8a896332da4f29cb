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
        st.error(error_text(error), icon=":material/error:")


def error_text(error: UserFacingError) -> str:
    """The message in the user's language; its values (a code from the URL, a file's text) shown literally."""
    # Numbers stay numbers (they cannot carry markup, and a count of 1 picks the singular text).
    return t(error.key, **{name: value if isinstance(value, (int, float)) else md_escape(value)
                           for name, value in error.values.items()})


def md_escape(value) -> str:
    """Text typed by users (store names, notes) shown literally, never as Markdown, HTML or a link.

    Every ASCII punctuation character is backslash-escaped (CommonMark makes any of them literal that way:
    no emphasis, link, tag, entity or heading underline survives); each line break becomes a hard break and
    leading blanks no-break spaces, so a line can start no block (list, quote, indented code).
    """
    text = _PUNCTUATION.sub(r"\\\1", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    text = _LEADING_BLANKS.sub(lambda m: "\u00a0" * len(m.group(0)), text).replace("\n", "\\\n")
    # Markdown also links bare addresses (https://…, www.…, name@host) and Streamlit turns :name: into an
    # emoji or icon: a zero-width space stops both.
    return _AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text)


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # the ASCII punctuation characters
_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)
_AUTOLINK = re.compile(r"\\:|www|@")
