"""Many merchandisers at once: every submitted audit is stored exactly once and nobody sees a database error."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from audit import auth, capture, photos
from audit.db import Database
from tests.helpers.audits import add_merchandisers, complete_answers, picture, visit

SUBMITTERS = 50
AUDITS_EACH = 3
PHOTOS_EACH = 2


def test_fifty_merchandisers_submitting_at_once_store_each_audit_exactly_once(demo_db):
    pairs = add_merchandisers(demo_db, SUBMITTERS)
    before = demo_db.query_one("SELECT count(*) FROM audits")[0]
    start = threading.Barrier(SUBMITTERS)

    def merchandiser(index: int) -> list[tuple[str, list[capture.Submitted]]]:
        username, store = pairs[index]
        user = auth.get_user(demo_db, username)
        numbers = range(index * AUDITS_EACH, (index + 1) * AUDITS_EACH)
        # Decoding pictures takes no database: done before the start, so the submits overlap the more.
        pictures = {
            n: [photos.process_photo(picture(n * PHOTOS_EACH + k)) for k in range(PHOTOS_EACH)] for n in numbers
        }
        start.wait()
        return [(store, visit(demo_db, user, store, pictures[n], double_tap=n % 3 == 0)) for n in numbers]

    with ThreadPoolExecutor(SUBMITTERS) as pool:
        visits = [v for batch in pool.map(merchandiser, range(SUBMITTERS)) for v in batch]  # re-raises any error

    assert len(visits) == SUBMITTERS * AUDITS_EACH
    for _store, results in visits:
        assert sum(r.created for r in results) == 1
        assert len({r.audit_id for r in results}) == 1
    ids = [results[0].audit_id for _, results in visits]
    assert len(set(ids)) == len(ids)
    assert demo_db.query_one("SELECT count(*) FROM audits")[0] == before + len(ids)
    stored = demo_db.query_df(
        """SELECT a.id, a.store_code, (SELECT count(*) FROM audit_photos p WHERE p.audit_id = a.id) AS photos,
                  (SELECT count(*) FROM audit_lines l WHERE l.audit_id = a.id) AS lines,
                  (SELECT count(*) FROM audit_metrics m WHERE m.audit_id = a.id) AS metrics
           FROM audits a WHERE list_contains(?, a.id)""",
        [ids],
    )
    assert sorted(stored.id) == sorted(ids)
    assert set(stored.photos) == {PHOTOS_EACH} and set(stored.metrics) == {1} and stored.lines.min() > 0
    assert stored.store_code.value_counts().to_dict() == {store: AUDITS_EACH for _, store in pairs}
    assert demo_db.query_one("SELECT count(*) FROM audit_drafts WHERE username LIKE 'load%'")[0] == 0
    for sha, thumb in (
        demo_db.cursor()
        .execute(
            "SELECT p.sha256, p.thumb_sha256 FROM photos p JOIN audit_photos a ON a.photo_sha256 = p.sha256 "
            "WHERE list_contains(?, a.audit_id)",
            [ids],
        )
        .fetchall()
    ):
        assert photos.photo_path(sha).exists() and photos.photo_path(thumb).exists()


@pytest.fixture
def one_runtime_for_all_sessions(monkeypatch):
    """Let AppTest sessions run at once, as `streamlit run` serves several browsers from one runtime.

    Each AppTest run installs its own mock runtime in a process-wide slot and clears it when done, and
    patches Streamlit's config the same way: runs overlapping in threads would clear the slot (or the patch)
    under each other. Here the first run's runtime stays for every session, and the config is patched once.
    """
    from streamlit import config
    from streamlit.runtime import Runtime
    from streamlit.testing.v1 import app_test
    from streamlit.testing.v1.util import build_mock_config_get_option

    class FirstRuntimeStays(type):
        def __setattr__(cls, name, value):
            if name != "_instance":
                super().__setattr__(name, value)
            elif value is not None and Runtime._instance is None:
                Runtime._instance = value

    class SharedRuntime(Runtime, metaclass=FirstRuntimeStays):
        pass

    monkeypatch.setattr(app_test, "Runtime", SharedRuntime)
    # A server compiles each page once, under its one ScriptCache's lock; AppTest makes a new cache for every
    # run, so runs in threads compile at the same moment, and CPython 3.11's ast.parse is not thread-safe
    # ("AST constructor recursion depth mismatch", python/cpython#106905). Compile one at a time, as served.
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compile_lock, get_bytecode = threading.Lock(), ScriptCache.get_bytecode

    def get_bytecode_one_at_a_time(cache, script_path: str):
        with compile_lock:
            return get_bytecode(cache, script_path)

    monkeypatch.setattr(ScriptCache, "get_bytecode", get_bytecode_one_at_a_time)
    monkeypatch.setattr(app_test, "patch_config_options", lambda overrides: contextlib.nullcontext())
    monkeypatch.setattr(config, "get_option", build_mock_config_get_option({"global.appTest": True}))
    yield
    Runtime._instance = None


def test_several_tablets_tapping_submit_at_once_through_the_app(demo_db, one_runtime_for_all_sessions):
    from tests.helpers.apptest import session

    pairs = add_merchandisers(demo_db, 6)
    drafts = []
    for n, (username, store) in enumerate(pairs):
        user = auth.get_user(demo_db, username)
        draft = capture.open_draft(demo_db, user, store)
        draft.answers, draft.step = complete_answers(capture.checklist(demo_db, user, store, "en")), 5
        capture.save_draft(demo_db, draft)
        capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(100 + n)), "store")
        drafts.append(draft)
    # Each merchandiser on a tablet; the first two have the same draft open on a second tablet too.
    tablets = [(username, store) for username, store in pairs] + pairs[:2]
    apps = [session(demo_db, username, store=store) for username, store in tablets]
    before = demo_db.query_one("SELECT count(*) FROM audits")[0]
    start = threading.Barrier(len(apps))

    def tap_submit(at):
        button = next(b for b in at.button if b.key == "capture_submit")
        start.wait()
        return button.click().run()

    with ThreadPoolExecutor(len(apps)) as pool:
        finished = list(pool.map(tap_submit, apps))
    for at in finished:
        assert not at.exception, at.exception
        assert not at.error, [e.value for e in at.error]
        assert [s.value for s in at.success] == ["Audit submitted."]
    assert demo_db.query_one("SELECT count(*) FROM audits")[0] == before + len(pairs)
    keys = [d.submission_key for d in drafts]
    assert demo_db.query_one(
        "SELECT count(DISTINCT submission_key) FROM audits WHERE list_contains(?, submission_key)", [keys]
    )[0] == len(pairs)


def test_a_commit_that_fails_says_why_and_the_next_write_works(data_dir):
    """A writer that bypasses Database.write() commits the same key first: our COMMIT fails. The error must be
    that failure (not a ROLLBACK error hiding it), and the thread's cursor must stay usable. The embedded file's
    rule whatever --backend says: DuckDB commits optimistically, while on PostgreSQL every writer, one bypassing
    the app too (the change log's trigger), takes the write lock first, so no COMMIT meets another's row."""
    db = Database(data_dir / "audit.duckdb")

    def bypassing_writer():
        cur = db.cursor()
        cur.execute("BEGIN TRANSACTION")
        cur.execute("INSERT INTO app_meta VALUES ('k', 'other')")
        cur.execute("COMMIT")

    conflict = pytest.raises(duckdb.TransactionException, match="Failed to commit: PRIMARY KEY or UNIQUE constraint")
    with conflict, db.write() as cur:
        cur.execute("INSERT INTO app_meta VALUES ('k', 'ours')")
        writer = threading.Thread(target=bypassing_writer)
        writer.start()
        writer.join()
    db.set_meta("after", "yes")
    assert (db.get_meta("k"), db.get_meta("after")) == ("other", "yes")
    db.close()
