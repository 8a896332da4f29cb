"""An import problem as one sentence in the reader's language, saying where it is in the file."""

from __future__ import annotations

from audit.i18n import t
from audit.masterdata.problems import ImportProblem, _join
from audit.masterdata.specs import SPECS
from audit.masterdata.values import CHOICES


def format_problem(problem: ImportProblem, lang: str) -> str:
    """The problem as one sentence in lang, prefixed with where it is in the file."""
    params = dict(problem.params)
    if "choices" in params:  # the accepted values, spelled for the reader
        params["allowed"] = CHOICES[params.pop("choices")].allowed(lang)
    if "fields" in params:  # required fields missing from a file of a kind
        spec = SPECS[params.pop("kind")]
        params["columns"] = _join((spec.field(name).display(lang) for name in params.pop("fields")), lang)
    if "headers" in params:  # column names as written in the file
        params["columns"] = _join((f"“{header}”" for header in params.pop("headers")), lang)
    message = t(f"import.error.{problem.code}", lang, **params)
    if problem.row is not None and problem.column is not None:
        return t("import.at_cell", lang, row=problem.row, column=problem.column, message=message)
    if problem.row is not None:
        return t("import.at_row", lang, row=problem.row, message=message)
    return message


format_error = format_problem  # the same function under the name the brief and the docs use
