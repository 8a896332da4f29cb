"""Numbered migrations: a fresh database gets them all; an older one upgrades without loss."""

import shutil
from pathlib import Path

import duckdb
import pytest

from audit import db as dbmod
from audit.db import Database, migration_files, schema_version
from audit.opening import open_database

EXPECTED_TABLES = {
    "app_meta",
    "regions",
    "dealers",
    "users",
    "sessions",
    "stores",
    "products",
    "competitors",
    "pop_types",
    "audits",
    "audit_lines",
    "audit_pop",
    "competitor_observations",
    "photos",
    "audit_photos",
    "schema_migrations",
}


def tables(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_fresh_database_has_every_table_and_the_latest_version(db):
    con = db.cursor()
    assert tables(con) >= EXPECTED_TABLES
    assert schema_version(con) == max(n for n, _ in migration_files())


def test_reopening_applies_nothing_twice(data_dir):
    Database(data_dir / "a.duckdb").close()
    database = Database(data_dir / "a.duckdb")
    count = database.query_one("SELECT count(*) FROM schema_migrations")[0]
    assert count == len(migration_files())


@pytest.fixture
def migrations_copy(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    shutil.copytree(dbmod.MIGRATIONS_DIR, folder)
    monkeypatch.setattr(dbmod, "MIGRATIONS_DIR", folder)
    return folder


def test_an_older_database_upgrades_without_loss(tmp_path, migrations_copy):
    path = tmp_path / "old.duckdb"
    old = Database(path)
    with old.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('E', 'East', '华东')")
        cur.execute(
            "INSERT INTO stores (code, name, channel, grade, region_code)"
            " VALUES ('S1', '好又多超市', 'modern', 'A', 'E')"
        )
    old.close()
    before = schema_version(duckdb.connect(str(path)))
    (migrations_copy / f"{before + 1:03d}_store_fax.sql").write_text(
        "ALTER TABLE stores ADD COLUMN fax VARCHAR; UPDATE stores SET fax = 'n/a';"
    )
    upgraded = Database(path)
    assert schema_version(upgraded.cursor()) == before + 1
    assert upgraded.query_one("SELECT name, grade, region_code, fax FROM stores") == ("好又多超市", "A", "E", "n/a")


def test_python_migrations_run_too(tmp_path, migrations_copy):
    number = max(n for n, _ in migration_files()) + 1
    (migrations_copy / f"{number:03d}_seed_meta.py").write_text(
        "def migrate(con):\n    con.execute(\"INSERT INTO app_meta VALUES ('seeded', 'yes')\")\n"
    )
    assert Database(tmp_path / "p.duckdb").get_meta("seeded") == "yes"


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, migrations_copy):
    path = tmp_path / "f.duckdb"
    Database(path).close()
    number = max(n for n, _ in migration_files()) + 1
    (migrations_copy / f"{number:03d}_good.sql").write_text("CREATE TABLE extra (x INTEGER);")
    (migrations_copy / f"{number + 1:03d}_broken.sql").write_text("ALTER TABLE no_such_table ADD COLUMN y INTEGER;")
    with pytest.raises(duckdb.Error):
        Database(path)
    con = duckdb.connect(str(path))
    assert schema_version(con) == number - 1
    assert "extra" not in tables(con)


def test_a_second_process_gets_a_clear_message(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    holder = Database(path)
    code = (
        "import sys\nfrom audit.db import Database, DatabaseLocked\n"
        f"try:\n    Database({str(path)!r})\nexcept DatabaseLocked as e:\n    print(e.message('zh')); sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    holder.close()
    assert result.returncode == 3
    assert "正被另一个进程使用" in result.stdout


def test_a_filled_first_version_database_upgrades_with_all_its_data(tmp_path, migrations_copy, demo_template):
    """The demo's data, as far as schema version 1 holds it, in a version-1 database; then opened by this code."""
    for number, path in migration_files():
        if number > 1:
            path.unlink()
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    dbmod.migrate(con)
    assert schema_version(con) == 1
    v1_tables = sorted(tables(con) - {"schema_migrations"})
    con.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo_template / "audit.duckdb")])
    columns = {}
    for table in v1_tables:
        columns[table] = ", ".join(
            f'"{c}"'
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_catalog = 'v1' AND table_name = ?"
                " ORDER BY ordinal_position",
                [table],
            ).fetchall()
        )
        # A version-1 database holds a photo's hash unsigned; today's demo holds the same 64 bits signed.
        values = columns[table].replace(
            '"phash"', '"phash"::HUGEINT + CASE WHEN "phash" < 0 THEN 2::HUGEINT ** 64 ELSE 0 END'
        )
        con.execute(f"INSERT INTO {table} ({columns[table]}) SELECT {values} FROM demo.{table}")
    # ... and migration 013 turns the unsigned hashes into those signed ones, the same bits.
    signed = {
        t: columns[t].replace(
            '"phash"', 'CASE WHEN "phash" >= 2::HUGEINT ** 63 THEN "phash" - 2::HUGEINT ** 64 ELSE "phash" END'
        )
        for t in v1_tables
    }
    before = {t: con.execute(f"SELECT {signed[t]} FROM {t} ORDER BY ALL").fetchall() for t in v1_tables}
    con.close()
    shutil.copytree(Path(dbmod.__file__).parent / "migrations", migrations_copy, dirs_exist_ok=True)

    upgraded = open_database(path)
    cur = upgraded.cursor()
    assert schema_version(cur) == max(n for n, _ in migration_files())
    assert tables(cur) >= EXPECTED_TABLES
    for table in v1_tables:
        assert cur.execute(f"SELECT {columns[table]} FROM {table} ORDER BY ALL").fetchall() == before[table], table
    # The comparison above compared something: the demo fills every table but sessions (nobody signed in).
    assert v1_tables and all(before[table] for table in v1_tables if table != "sessions")
    # The scores of the old audits are counted on opening, the same as the demo's own.
    cur.execute("ATTACH ? AS demo (READ_ONLY)", [str(demo_template / "audit.duckdb")])
    assert upgraded.query_one("SELECT count(*) FROM audit_metrics")[0] == len(before["audits"])
    sku_counts = "SELECT * FROM {}audit_sku_metrics ORDER BY ALL"
    assert cur.execute(sku_counts.format("")).fetchall() == cur.execute(sku_counts.format("demo.")).fetchall()
    upgraded.close()
