"""Data safety: a damaged database file at start, a disk that refuses a submit's write, and who may read the
files the app writes. Each failure is a message in the user's language; nothing stored or entered is lost."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from audit import auth, backup, capture, config, i18n, photos
from audit.db import Database, DatabaseStopped, DatabaseWriteFailed
from tests.helpers.audits import complete_answers, picture
from tests.helpers.paths import ROOT

APP = str(ROOT / "app.py")


def cut_short(path: Path) -> None:
    """The last tenth of the file gone: DuckDB still opens it (it reads a table's blocks only when asked)."""
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.9)])


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


DAMAGE = {"cut short": cut_short, "random bytes": random_bytes}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------- a damaged database at start


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_task_on_a_damaged_database_says_which_file_and_what_to_do(damage, demo_dir):
    path = demo_dir / "audit.duckdb"
    DAMAGE[damage](path)
    before = path.read_bytes()
    runs = {
        lang: subprocess.run(
            [sys.executable, "-m", "audit", "--lang", lang, "init"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        for lang in ("en", "zh")
    }
    assert all(run.returncode == 1 and "Traceback" not in run.stderr for run in runs.values())
    assert runs["en"].stderr.startswith(
        f"The database {path} cannot be read: it is damaged, cut short or not a database of this app ("
    )
    assert "python -m audit restore BACKUP_FOLDER --replace" in runs["en"].stderr
    assert runs["zh"].stderr.startswith(f"无法读取数据库 {path}：文件已损坏、不完整或不是本应用的数据库")
    assert path.read_bytes() == before and sorted(p.name for p in demo_dir.iterdir()) == ["audit.duckdb", "photos"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_app_on_a_damaged_database_shows_a_message_not_a_trace(lang, demo_dir):
    path = demo_dir / "audit.duckdb"
    cut_short(path)
    before = path.read_bytes()
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]  # as rendered: Markdown escapes removed
    start = {"en": f"The database {path} cannot be read", "zh": f"无法读取数据库 {path}"}[lang]
    assert len(shown) == 1 and shown[0].startswith(start)
    assert path.read_bytes() == before


# ---------------------------------------------------------------- a disk that refuses a submit's write


def ready_draft(db: Database) -> tuple[auth.User, capture.Draft]:
    """merch01's draft, every answer given and both photos taken, on the last step: ready to submit."""
    user = auth.get_user(db, "merch01")
    store = capture.store_queue(db, user, "en").code.iloc[0]
    draft = capture.open_draft(db, user, store)
    draft.answers = complete_answers(capture.checklist(db, user, store, "en"))
    draft.step = 5
    capture.save_draft(db, draft)
    for seed, section in ((3, "store"), (4, "shelf")):
        capture.add_draft_photo(db, draft, photos.process_photo(picture(seed)), section)
    return user, draft


class FailingCommit:
    """The thread's cursor, its COMMIT failing as DuckDB's does when the disk is full: DuckDB rolls the
    transaction back and raises (the text as DuckDB 2.0 words it for the write-ahead log)."""

    def __init__(self, cur, error):
        self._cur, self._error = cur, error

    def execute(self, sql, *args):
        if sql == "COMMIT":
            self._cur.execute("ROLLBACK")
            raise self._error
        return self._cur.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._cur, name)


DISK_FULL = duckdb.TransactionException(
    'TransactionContext Error: Failed to commit: Could not write file "data/audit.duckdb.wal": No space left on device'
)


def failing_commits(db: Database, monkeypatch, error=DISK_FULL) -> None:
    real = db.cursor
    monkeypatch.setattr(db, "cursor", lambda: FailingCommit(real(), error))


def test_a_submit_the_disk_refuses_keeps_the_draft_and_succeeds_later(demo_db, monkeypatch):
    user, draft = ready_draft(demo_db)
    audits = demo_db.query_one("SELECT count(*) FROM audits")[0]
    failing_commits(demo_db, monkeypatch)
    with pytest.raises(DatabaseWriteFailed) as refused:
        capture.submit(demo_db, user, draft.submission_key)
    assert refused.value.message("en").startswith(
        "The server could not save this: its disk is full. Nothing of it was saved and what you entered is kept"
    )
    assert refused.value.message("zh").startswith("服务器无法保存：磁盘已满。")
    kept = capture.get_draft(demo_db, user, draft.store_code)
    assert kept.submission_key == draft.submission_key and kept.answers == draft.answers
    assert len(capture.draft_photos(demo_db, kept)) == 2
    assert demo_db.query_one("SELECT count(*) FROM audits")[0] == audits

    monkeypatch.undo()  # space freed: the same draft goes in
    assert capture.submit(demo_db, user, draft.submission_key).created
    assert demo_db.query_one("SELECT count(*) FROM audits")[0] == audits + 1


def test_a_database_duckdb_stops_after_a_failed_write_is_explained(demo_db, monkeypatch):
    user, draft = ready_draft(demo_db)
    failing_commits(
        demo_db,
        monkeypatch,
        duckdb.FatalException(
            "FATAL Error: Transaction COMMIT succeeded and is durable, but the autocheckpoint failed."
        ),
    )
    with pytest.raises(DatabaseStopped) as stopped:
        capture.submit(demo_db, user, draft.submission_key)
    assert "restarted the app" in stopped.value.message("en") and "重启应用" in stopped.value.message("zh")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_audit_page_says_the_disk_is_full_and_keeps_the_form(lang, demo_db, monkeypatch):
    user, draft = ready_draft(demo_db)
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.session_state["session_token"] = auth.start_session(demo_db, "merch01")
    at.query_params["store"] = draft.store_code
    at.run()
    at.switch_page("views/capture.py").run()
    failing_commits(demo_db, monkeypatch)
    at.button(key="capture_submit").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [i18n.t("db.error.write_failed", lang)]
    assert at.button(key="capture_submit")  # still on the form, on its last step
    assert capture.get_draft(demo_db, user, draft.store_code).answers == draft.answers


def disk_limited_child(data_dir: str) -> None:
    """Run as a script: a submit while the process may not grow any file (RLIMIT_FSIZE), the way a full disk
    refuses DuckDB's write-ahead log; prints what happened."""
    import resource
    import signal

    db = Database(Path(data_dir) / "audit.duckdb")
    user, draft = ready_draft(db)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of a kill
    wal = Path(data_dir) / "audit.duckdb.wal"
    resource.setrlimit(resource.RLIMIT_FSIZE, (wal.stat().st_size if wal.exists() else 0, resource.RLIM_INFINITY))
    try:
        capture.submit(db, user, draft.submission_key)
        print("stored")
    except DatabaseWriteFailed as error:
        print(error.message("en"))
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    kept = capture.get_draft(db, user, draft.store_code)
    print("draft kept" if kept and kept.answers == draft.answers else "draft lost")
    print("stored later" if capture.submit(db, user, draft.submission_key).created else "not stored")
    db.close()


def test_a_real_refused_write_is_explained_and_loses_nothing(demo_dir):
    run = subprocess.run(
        [sys.executable, "-m", __name__, str(demo_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [i18n.t("db.error.write_failed", "en"), "draft kept", "stored later"]


# ---------------------------------------------------------------- files for the owner alone


def test_the_data_folder_and_database_are_for_their_owner_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "new" / "data"))
    path = config.database_path()
    database = Database(path)
    database.set_meta("probe", "written")  # a write: DuckDB creates its write-ahead log
    assert (path.parent / "audit.duckdb.wal").exists()
    modes = {p.name: mode(p) for p in (path.parent, path, path.parent / "audit.duckdb.wal")}
    database.close()
    assert modes == {"data": 0o700, "audit.duckdb": 0o600, "audit.duckdb.wal": 0o600}


def test_a_database_file_readable_by_others_is_made_private_when_opened(data_dir):
    path = data_dir / "audit.duckdb"
    Database(path).close()
    path.chmod(0o644)  # as files were written before
    Database(path).close()
    assert mode(path) == 0o600


@pytest.mark.parametrize("backend", ["duckdb"])  # PostgreSQL's backups: test_backup_postgres.py
def test_backups_and_restored_files_are_for_their_owner_alone(demo_dir, tmp_path):
    database = Database(demo_dir / "audit.duckdb")
    backup.backup(database, tmp_path / "bk", demo_dir / "photos")
    database.close()
    backup.restore(tmp_path / "bk", tmp_path / "restored")
    for root in (tmp_path / "bk", tmp_path / "restored"):
        entries = [root, *root.rglob("*")]
        assert len(entries) > 10 and {p.name for p in entries} >= {"audit.duckdb", "photos"}
        assert {str(p): mode(p) for p in entries} == {str(p): 0o700 if p.is_dir() else 0o600 for p in entries}


if __name__ == "__main__":
    disk_limited_child(sys.argv[1])
