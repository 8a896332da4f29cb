"""audit/ (outside audit/ui/) must run without Streamlit: no module there imports it."""

import ast
from pathlib import Path

from tests.helpers.paths import ROOT

AUDIT = ROOT / "audit"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_core_modules_never_import_streamlit_or_views():
    offenders = []
    for path in AUDIT.rglob("*.py"):
        if "ui" in path.relative_to(AUDIT).parts:
            continue
        bad = {
            m for m in imported_modules(path) if m.split(".")[0] in ("streamlit", "views") or m.startswith("audit.ui")
        }
        if bad:
            offenders.append(f"{path.relative_to(AUDIT.parent)}: {sorted(bad)}")
    assert offenders == []


def test_the_check_sees_imports(tmp_path):
    sample = tmp_path / "m.py"
    sample.write_text("import os\nfrom streamlit import session_state\n")
    assert "streamlit" in imported_modules(sample)


def test_no_legacy_pages_folder_next_to_app():
    """Streamlit runs a pages/ folder beside app.py as a legacy multipage app on the first request after
    a start, executing a screen without app.py's sign-in gate. Screens live in views/ instead."""
    assert not (AUDIT.parent / "pages").exists()
