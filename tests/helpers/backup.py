"""Reading every table of a database file, to compare a backup or a restore with the original."""

from __future__ import annotations

from pathlib import Path

import duckdb


def table_contents(path: Path) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    contents = {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall() for name in names}
    con.close()
    return contents
