"""Problems are data: ImportProblem (code, row, column, params), written for the reader by
audit.masterdata.messages; ValueRefused is raised for a cell (or a whole file) that cannot be imported."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


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
    params: dict = field(default_factory=dict)


def _join(items: Iterable[str], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(items)
