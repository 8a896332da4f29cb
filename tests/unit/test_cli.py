"""Command-line tasks: python -m audit ..."""

import subprocess
import sys
from pathlib import Path

import pytest

from audit import auth, config
from audit.__main__ import main
from audit.db import Database, schema_version
from audit.opening import open_database
from tests.helpers.paths import ROOT


@pytest.fixture
def data_dir(data_dir, backend, request, monkeypatch) -> Path:
    """The tasks' data folder. With --backend postgres the tasks open a fresh PostgreSQL database
    (AUDIT_DATABASE_URL, as a task run beside the replicas does) and the folder holds their copy of it."""
    if backend == "postgres":
        monkeypatch.setenv("AUDIT_DATABASE_URL", request.getfixturevalue("postgres_url"))
    return data_dir


def another_process(data_dir: Path, tmp_path: Path) -> Database:
    """The database as another process opens it after a task ran: the same file, or on PostgreSQL a new copy of
    its own, so what it finds was stored in PostgreSQL, not only in the task's copy."""
    if not config.database_url():
        return open_database(data_dir / "audit.duckdb")
    folder = tmp_path / "another_process"
    folder.mkdir(exist_ok=True)
    return open_database(folder / "audit.duckdb")


def test_init_creates_the_database(data_dir, tmp_path, capsys):
    assert main(["init"]) == 0
    assert (data_dir / "audit.duckdb").exists()
    out = capsys.readouterr().out
    database = another_process(data_dir, tmp_path)
    assert f"schema version {schema_version(database.cursor())}" in out
    database.close()


def test_user_add_creates_an_account_and_reports_errors_in_chinese(data_dir, tmp_path, capsys):
    assert main(["user", "add", "Chief", "--role", "admin", "--name", "总管", "--password", "long enough"]) == 0
    assert "User chief added." in capsys.readouterr().out
    assert main(["--lang", "zh", "user", "add", "x2", "--role", "manager", "--password", "short"]) == 1
    assert "密码至少需要 8 个字符。" in capsys.readouterr().err
    assert main(["--lang", "zh", "user", "add", "chief", "--role", "manager", "--password", "long enough"]) == 1
    assert "用户名 chief 已被使用。" in capsys.readouterr().err
    database = another_process(data_dir, tmp_path)
    assert auth.authenticate(database, "chief", "long enough").display_name == "总管"
    assert database.query_one("SELECT count(*) FROM users")[0] == 1
    database.close()


def test_a_task_while_the_app_holds_the_database_says_so(data_dir):
    holder = open_database(data_dir / "audit.duckdb")
    result = subprocess.run(
        [sys.executable, "-m", "audit", "init"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    holder.close()
    assert result.returncode == 2
    assert "in use by another process (is the app running?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_import_a_gbk_csv_with_chinese_headers_from_the_command_line(data_dir, tmp_path, capsys):
    samples = ROOT / "data" / "samples"
    for kind in ("dealers", "users"):
        assert main(["import", kind, str(samples / f"{kind}.csv")]) == 0
    assert main(["--lang", "zh", "import", "stores", str(samples / "stores_gbk.csv")]) == 0
    assert "导入完成：新增 3 条，更新 0 条。" in capsys.readouterr().out
    database = another_process(data_dir, tmp_path)
    assert database.query_one("SELECT name, channel FROM stores WHERE code = 'T0102'") == ("百佳便利店", "traditional")
    database.close()


def test_import_with_bad_rows_exits_non_zero_and_lists_them(data_dir, tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,channel,grade,region\nS1,Shop,modern,Q,East\n", encoding="utf-8")
    assert main(["import", "stores", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "Row 2, column “grade”: “Q” is not one of: A, B, C." in out
    assert "1 problem found; nothing was imported." in out


def test_plan_a_week_from_the_command_line_and_a_bad_date_in_chinese(data_dir, tmp_path, capsys):
    from datetime import date, timedelta

    from audit import plans
    from tests.helpers.planworld import build

    database = open_database(data_dir / "audit.duckdb")
    build(database)
    database.close()
    week = plans.week_start(date.today()) + timedelta(weeks=1)
    assert main(["plan", "--week", (week + timedelta(days=2)).isoformat(), "--merchandiser", "m1"]) == 0
    out = capsys.readouterr().out
    database = another_process(data_dir, tmp_path)
    count = database.query_one("SELECT count(*) FROM planned_visits WHERE merchandiser = 'm1'")[0]
    assert count > 0 and f"Week of {week.isoformat()}: planned {count} visits for 1 merchandiser." in out
    database.close()
    assert main(["plan", "--week", week.isoformat()]) == 0
    assert "Left as they were (already planned; use --replace): m1" in capsys.readouterr().out
    assert main(["--lang", "zh", "plan", "--week", "2026-13-01"]) == 1
    err = capsys.readouterr().err
    assert "“2026-13-01”不是日期" in err and "Traceback" not in err
