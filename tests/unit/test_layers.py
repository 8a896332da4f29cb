"""The screens run no SQL of their own: views/ and audit/ui/ call services, which hold every query. A query
through the Database object is no import, so the import contracts (pyproject.toml) cannot see it; this does."""

import ast
from pathlib import Path

from tests.helpers.paths import ROOT

# What a screen would call to reach the database itself (audit/db.py's Database and DuckDB's connection).
DATABASE_CALLS = {"query_df", "query_one", "execute", "executemany", "cursor", "writes_paused", "sql"}


def is_database_call(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr == "write":  # st.write and a column's .write are Streamlit's; db.write() is a transaction
        return ast.unparse(node.func.value).removesuffix("()").endswith(("db", "database"))
    return node.func.attr in DATABASE_CALLS


def database_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{n.lineno} {ast.unparse(n)[:60]}" for n in ast.walk(tree) if is_database_call(n)]


def screen_files() -> list[Path]:
    return sorted([*(ROOT / "views").glob("*.py"), *(ROOT / "audit" / "ui").glob("*.py"), ROOT / "app.py"])


def test_screens_and_streamlit_helpers_leave_sql_to_the_services():
    assert [call for path in screen_files() for call in database_calls(path)] == []


def test_the_check_sees_a_query_on_a_screen(tmp_path):
    page = (
        "rows = db().query_df('SELECT 1')\nwith db.write() as cur:\n    cur.execute('DELETE FROM x')\nst.write(rows)\n"
    )
    assert len([n for n in ast.walk(ast.parse(page)) if is_database_call(n)]) == 3
