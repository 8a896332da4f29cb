"""Master-data import: dealers, stores, products, competitors, POP types and users from CSV or XLSX.

One generic path, driven by a declarative spec per kind (`SPECS`: its fields, their English and
Chinese header names, how each value is parsed and checked):

    read_table(data, filename)         bytes -> DataFrame of text, indexed by the row number in the file
    prepare_import(db, kind, data, …)  map headers, parse values, check rows against each other and the
                                       database -> ImportPreview (preview, problems, counts); nothing written
    apply_import(db, preview)            one transaction: new regions, then one bulk upsert by code

Problems are data (`ImportProblem`: code, row, column, params) rendered by `format_problem` in the
user's language.

One module per reason to change: problems.py and messages.py (what can go wrong, and how it is said),
values.py (how a cell's text becomes a value), specs.py (what each kind of file holds), reading.py (bytes to
rows of text), importing.py (preview, then the one-transaction upsert), cli.py (reports and the command line).
This module names what the rest of the app uses.

A file with any problem writes nothing. Re-importing updates rows by code (username for users), and only
the columns present in the file change on existing rows.
"""

from audit.masterdata.cli import problem_lines, result_lines, run_import_cli
from audit.masterdata.importing import ImportPreview, ImportResult, apply_import, prepare_import
from audit.masterdata.messages import format_problem
from audit.masterdata.problems import ImportProblem, ValueRefused
from audit.masterdata.reading import read_table
from audit.masterdata.specs import KINDS, SPECS, Field, Kind, accepted_columns

__all__ = [
    "KINDS",
    "SPECS",
    "Field",
    "ImportPreview",
    "ImportProblem",
    "ImportResult",
    "Kind",
    "ValueRefused",
    "accepted_columns",
    "apply_import",
    "format_problem",
    "prepare_import",
    "problem_lines",
    "read_table",
    "result_lines",
    "run_import_cli",
]
