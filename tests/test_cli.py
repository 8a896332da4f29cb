"""Command-line tasks: python -m audit ..."""
import subprocess
import sys
from pathlib import Path

from audit import auth
from audit.__main__ import main
from audit.db import Database

ROOT = Path(__file__).resolve().parent.parent


def test_init_creates_the_database(data_dir, capsys):
    assert main(["init"]) == 0
    assert (data_dir / "audit.duckdb").exists()
    assert "schema version" in capsys.readouterr().out


def test_user_add_creates_an_account_and_reports_errors_in_chinese(data_dir, capsys):
    assert main(["user", "add", "Chief", "--role", "admin", "--name", "总管", "--password", "long enough"]) == 0
    assert "User chief added." in capsys.readouterr().out
    assert main(["--lang", "zh", "user", "add", "x2", "--role", "manager", "--password", "short"]) == 1
    assert "密码至少需要 8 个字符。" in capsys.readouterr().err
    database = Database(data_dir / "audit.duckdb")
    assert auth.authenticate(database, "chief", "long enough").display_name == "总管"


def test_a_task_while_the_app_holds_the_database_says_so(data_dir):
    holder = Database(data_dir / "audit.duckdb")
    result = subprocess.run([sys.executable, "-m", "audit", "init"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    holder.close()
    assert result.returncode == 2
    assert "in use by another process (is the app running?)" in result.stderr
    assert "Traceback" not in result.stderr
