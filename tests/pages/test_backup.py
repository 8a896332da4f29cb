"""Backups: `python -m audit backup DIR` / `restore DIR` give back every table and every photo; a backup made
through the app's connection while merchandisers submit is consistent; tasks while the app runs say so. The
embedded file's backups, whatever --backend says (PostgreSQL's: test_backup_postgres.py), but for the Admin page's,
made on both."""

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from audit import backup, photos
from audit.__main__ import main
from audit.db import Database
from tests.helpers.backup import table_contents
from tests.helpers.paths import ROOT


def photo_files(data_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted((data_dir / "photos").glob("*/*"))}


@pytest.fixture
def backend() -> str:
    return "duckdb"


@pytest.fixture
def empty_data_dir(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "restored"
    monkeypatch.setenv("AUDIT_DATA_DIR", str(path))
    return path


def test_backup_and_restore_give_back_every_table_and_photo(demo_dir, tmp_path, monkeypatch, capsys):
    original = table_contents(demo_dir / "audit.duckdb")
    original_photos = photo_files(demo_dir)
    assert main(["backup", str(tmp_path / "bk")]) == 0
    assert "Backup written to" in capsys.readouterr().out

    restored_dir = tmp_path / "restored"
    monkeypatch.setenv("AUDIT_DATA_DIR", str(restored_dir))
    assert main(["--lang", "zh", "restore", str(tmp_path / "bk")]) == 0
    assert f"已恢复到 {restored_dir}" in capsys.readouterr().out
    restored = table_contents(restored_dir / "audit.duckdb")
    assert restored.keys() == original.keys()
    for table, rows in original.items():
        assert restored[table] == rows, table
    assert original["audits"] and original["photos"] and len(original_photos) == 2 * len(original["photos"])
    assert photo_files(restored_dir) == original_photos


def test_restore_refuses_a_data_folder_with_data_unless_told(demo_dir, tmp_path, monkeypatch, capsys):
    assert main(["backup", str(tmp_path / "bk")]) == 0
    (tmp_path / "other").mkdir()
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "other"))
    Database(tmp_path / "other" / "audit.duckdb").close()  # another, empty database
    before = (tmp_path / "other" / "audit.duckdb").read_bytes()
    capsys.readouterr()
    assert main(["--lang", "zh", "restore", str(tmp_path / "bk")]) == 1
    assert "已有数据库或照片：未恢复任何内容" in capsys.readouterr().err
    assert (tmp_path / "other" / "audit.duckdb").read_bytes() == before

    assert main(["restore", str(tmp_path / "bk"), "--replace"]) == 0
    out = capsys.readouterr().out
    aside = next((tmp_path / "other").glob("before-restore-*"))
    assert f"moved to {aside}" in out
    assert (aside / "audit.duckdb").read_bytes() == before
    assert table_contents(tmp_path / "other" / "audit.duckdb") == table_contents(demo_dir / "audit.duckdb")


def test_backups_never_overwrite_and_a_broken_backup_is_never_restored(demo_dir, tmp_path, empty_data_dir, capsys):
    target = tmp_path / "bk"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    database = Database(demo_dir / "audit.duckdb")
    with pytest.raises(backup.BackupError) as caught:
        backup.backup(database, target, demo_dir / "photos")
    assert caught.value.message("en") == f"{target} is not empty: make the backup into a new or empty folder."
    good = tmp_path / "good"
    backup.backup(database, good, demo_dir / "photos")
    database.close()

    interrupted = tmp_path / "interrupted"
    shutil.copytree(good, interrupted)
    (interrupted / "backup.json").unlink()
    assert main(["restore", str(interrupted)]) == 1
    assert "holds no complete backup (no backup.json): nothing was restored." in capsys.readouterr().err

    damaged = tmp_path / "damaged"
    shutil.copytree(good, damaged)
    victim = next((damaged / "photos").glob("*/*.jpg"))
    victim.write_bytes(victim.read_bytes()[:-10])
    assert main(["restore", str(damaged)]) == 1
    assert f"is damaged ({victim.relative_to(damaged)}): nothing was restored." in capsys.readouterr().err
    assert not (empty_data_dir / "audit.duckdb").exists() and not photo_files(empty_data_dir)


def test_a_backup_through_the_app_while_merchandisers_submit_is_consistent(demo_db, demo_dir, tmp_path):
    from audit import auth
    from tests.helpers.audits import add_merchandisers, picture, visit

    pairs = add_merchandisers(demo_db, 8)
    pictures = [[photos.process_photo(picture(200 + i))] for i in range(len(pairs) * 2)]
    submitting = threading.Barrier(len(pairs) + 1)

    def merchandiser(index: int) -> None:
        username, store = pairs[index]
        user = auth.get_user(demo_db, username)
        submitting.wait()
        for n in range(2):
            visit(demo_db, user, store, pictures[index * 2 + n], double_tap=False)

    threads = [threading.Thread(target=merchandiser, args=(i,)) for i in range(len(pairs))]
    for thread in threads:
        thread.start()
    submitting.wait()
    made = backup.backup(demo_db, tmp_path / "bk")
    for thread in threads:
        thread.join()

    restored_dir = tmp_path / "restored"
    backup.restore(tmp_path / "bk", restored_dir)
    con = duckdb.connect(str(restored_dir / "audit.duckdb"), read_only=True)
    one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM audits") == made.audits
    assert one("SELECT count(*) FROM audits WHERE id NOT IN (SELECT audit_id FROM audit_metrics)") == 0
    assert one("SELECT count(*) FROM audit_photos WHERE audit_id NOT IN (SELECT id FROM audits)") == 0
    hashes = {h for row in con.execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}
    con.close()
    assert {p.stem for p in (restored_dir / "photos").glob("*/*.jpg")} == hashes
    assert json.loads((tmp_path / "bk" / "backup.json").read_text())["missing"] == []


def test_tasks_while_the_app_holds_the_database_say_so_without_a_trace(data_dir, tmp_path):
    holder = Database(data_dir / "audit.duckdb")  # this process plays the running app
    try:
        runs = {
            command: subprocess.run(
                [sys.executable, "-m", "audit", *command], cwd=ROOT, capture_output=True, text=True, timeout=60
            )
            for command in (("init",), ("--lang", "zh", "backup", str(tmp_path / "bk")))
        }
    finally:
        holder.close()
    init, backup_run = runs.values()
    assert init.returncode == 2 and backup_run.returncode == 2
    assert "is in use by another process (is the app running?)" in init.stderr
    assert "正被另一个进程使用" in backup_run.stderr and "管理 → 备份" in backup_run.stderr
    assert "Traceback" not in init.stderr + backup_run.stderr
    assert not (tmp_path / "bk").exists()


@pytest.mark.parametrize("backend", ["duckdb", "postgres"])
def test_an_administrator_makes_a_backup_in_the_running_app(backend, demo_db, tmp_path):
    from streamlit.testing.v1 import AppTest

    from audit import auth

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "admin")
    at.run()
    at.switch_page("views/admin.py").run()
    at.text_input(key="backup_folder").set_value(str(tmp_path / "from the app"))
    next(b for b in at.button if b.key == "backup_make").click().run()
    assert not at.exception, at.exception
    audits = demo_db.query_one("SELECT count(*) FROM audits")[0]
    shown = lambda elements: [e.value.replace("\\", "") for e in elements]  # noqa: E731 (as rendered: escapes removed)
    assert shown(at.success)[0].startswith(f"Backup written to {tmp_path / 'from the app'}: the database")
    assert json.loads((tmp_path / "from the app" / "backup.json").read_text())["audits"] == audits
    next(b for b in at.button if b.key == "backup_make").click().run()  # the same folder again
    assert shown(at.error) == [f"{tmp_path / 'from the app'} is not empty: make the backup into a new or empty folder."]


def test_the_app_says_so_while_a_task_holds_the_database(data_dir):
    from streamlit.testing.v1 import AppTest

    path = data_dir / "audit.duckdb"
    Database(path).close()
    task = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom audit.db import Database\n"
            f"held = Database({str(path)!r}); print('holding', flush=True); time.sleep(60)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert task.stdout.readline().strip() == "holding"
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    finally:
        task.kill()
        task.wait()
    assert not at.exception, at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [
        f"The database {path} is in use by another process (is the app running?). Stop it first, or do this "
        "from the app."
    ]
