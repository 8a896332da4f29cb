"""Problems are data: ImportProblem (code, row, column, params), written for the reader by
audit.masterdata.messages; ValueRefused is raised for a cell (or a whole file) that cannot be imported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


class ValueRefused(Exception):
    """A value (or a whole file) that cannot be imported; code names the message import.error.<code>."""

    def __init__(self, code: str, **params: object):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class ImportProblem:
    """One problem as data: row as the user sees it in the file (header = row 1), column as named there."""

    code: str
    row: int | None = None
    column: str | None = None
    # The message's placeholders, and what messages.format_problem spells for the reader (choices, kind,
    # fields, headers: a name or a list of names); each is read as what its key says, hence Any.
    params: dict[str, Any] = field(default_factory=dict)


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)
