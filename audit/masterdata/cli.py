"""Reports of an import, and the command line: python -m audit import KIND FILE."""

from __future__ import annotations

from pathlib import Path

from audit.db import Database
from audit.i18n import t
from audit.masterdata.importing import ImportPreview, ImportResult, apply_import, prepare_import
from audit.masterdata.messages import format_problem
from audit.masterdata.problems import _join

CLI_MAX_PROBLEMS = 100


def result_lines(result: ImportResult, lang: str) -> list[str]:
    lines = [t("import.done", lang, created=result.created, updated=result.updated)]
    if result.new_regions:
        lines.append(
            t(
                "import.regions_created",
                lang,
                regions=_join((r[2] if lang == "zh" else r[1] for r in result.new_regions), lang),
            )
        )
    return lines


def problem_lines(preview: ImportPreview, lang: str, limit: int | None = None) -> list[str]:
    shown = preview.problems[:limit] if limit else preview.problems
    lines = [format_problem(p, lang) for p in shown]
    if len(preview.problems) > len(shown):
        lines.append(t("import.more_problems", lang, n=len(preview.problems) - len(shown)))
    return [*lines, t("import.nothing_written", lang, n=len(preview.problems))]


def run_import_cli(db: Database, kind: str, path: str | Path, lang: str = "en") -> int:
    """`python -m audit import KIND FILE`: prints the report; 0 imported, 1 refused (nothing written)."""
    path = Path(path)
    if not path.is_file():
        print(t("import.error.file_not_found", lang, path=path))
        return 1
    preview = prepare_import(db, kind, path.read_bytes(), path.name)
    if preview.ignored_columns:
        print(t("import.ignored_columns", lang, columns=_join((f"“{c}”" for c in preview.ignored_columns), lang)))
    if not preview.ok:
        print("\n".join(problem_lines(preview, lang, CLI_MAX_PROBLEMS)))
        return 1
    print("\n".join(result_lines(apply_import(db, preview), lang)))
    return 0
