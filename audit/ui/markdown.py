"""The one escaping path for text from data shown in Streamlit, where nearly every text renders Markdown
(headings, captions, alerts, toasts, widget labels, help, button and option labels).

`Markdown` marks text already safe to render: the app's own translations and text passed through
`md_escape`. Anything else that reaches a translation's placeholder is escaped by `context.t`, so a name
holding `[text](url)` or `![](url)` shows as typed wherever it appears.
"""

from __future__ import annotations

import re


class Markdown(str):
    """Text safe to render as Markdown as it is (never escaped again)."""


def md_escape(value: object) -> Markdown:
    """Text typed by users (store names, notes) shown literally, never as Markdown, HTML or a link.

    Every ASCII punctuation character is backslash-escaped (CommonMark makes any of them literal that way:
    no emphasis, link, tag, entity or heading underline survives); each line break becomes a hard break and
    leading blanks no-break spaces, so a line can start no block (list, quote, indented code).
    """
    if isinstance(value, Markdown):
        return value
    text = _PUNCTUATION.sub(r"\\\1", str(value).replace("\r\n", "\n").replace("\r", "\n"))
    text = _LEADING_BLANKS.sub(lambda m: "\u00a0" * len(m.group(0)), text).replace("\n", "\\\n")
    # Markdown also links bare addresses (https://…, www.…, name@host) and Streamlit turns :name: into an
    # emoji or icon: a zero-width space stops both.
    return Markdown(_AUTOLINK.sub(lambda m: m.group(0) + "\u200b", text))


def placeholder_value(value: object) -> bool | int | float | Markdown:
    """A value for a translation's placeholder: numbers stay numbers (a count of 1 picks the singular
    text), safe text stays as it is, anything else is escaped."""
    if isinstance(value, (bool, int, float, Markdown)):
        return value
    return md_escape(value)


_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # the ASCII punctuation characters
_LEADING_BLANKS = re.compile(r"^[ \t]+", re.MULTILINE)
_AUTOLINK = re.compile(r"\\:|www|@")
