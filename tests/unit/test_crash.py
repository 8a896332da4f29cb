"""A submit killed with SIGKILL at any point: the database opens, holds the whole audit or none of it, and after
the orphan sweep every photo file has its row (and every row its files).

Each run is a child process (this module run with `python -m` from the checkout) that takes two photos and submits
one audit on its own copy of the demo data, and kills itself at a random moment of one phase of that: while the
photos are stored, while the submit reads and writes, while its COMMIT (and, in every other run, a checkpoint)
writes to disk, or just after submit returned.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from tests.helpers.paths import ROOT

PHASES = ("photos", "submit", "commit", "done")  # "done": submit has returned, the process not yet ended
KILLS_PER_PHASE = 4
# Tables whose rows belong to one audit: after a crash none may point at an audit that is not there.
AUDIT_PARTS = (
    "audit_lines",
    "audit_pop",
    "competitor_observations",
    "audit_photos",
    "audit_sku_metrics",
    "audit_metrics",
)


# ---------------------------------------------------------------- the child: one visit, killed on cue


def child(data_dir: str, kill_phase: str | None, fraction: float, checkpoint_each_commit: bool) -> None:
    os.environ["AUDIT_DATA_DIR"] = data_dir
    from audit import auth, capture, photos
    from audit.db import Database
    from tests.helpers.audits import complete_answers, picture

    durations = json.loads(os.environ.get("CRASH_PHASE_SECONDS", "{}"))
    started: dict[str, float] = {}

    def phase(name: str) -> None:
        started[name] = time.perf_counter()
        print(name, flush=True)  # the parent learns how far the child got
        if name == kill_phase:
            delay = fraction * durations[name]
            threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL)).start()

    db = Database(Path(data_dir) / "audit.duckdb")
    if checkpoint_each_commit:
        db.cursor().execute("SET checkpoint_threshold = '1KB'")
    real_cursor = db.cursor

    class CommitWatch:
        """The thread's cursor, announcing its COMMIT as a phase of its own."""

        def __init__(self, cur):
            self._cur = cur

        def execute(self, sql, *args):
            if sql == "COMMIT" and "submit" in started and "commit" not in started:
                phase("commit")
            return self._cur.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._cur, name)

    db.cursor = lambda: CommitWatch(real_cursor())
    user = auth.get_user(db, "merch01")
    store = db.query_one("SELECT code FROM stores WHERE merchandiser = 'merch01' ORDER BY code")[0]
    draft = capture.open_draft(db, user, store)
    draft.answers = complete_answers(capture.checklist(db, user, store, "en"))
    capture.save_draft(db, draft)
    taken = [photos.process_photo(picture(seed)) for seed in (3, 4)]
    print(f"key {draft.submission_key}", flush=True)
    phase("photos")
    for processed, section in zip(taken, ("store", "shelf"), strict=True):
        capture.add_draft_photo(db, draft, processed, section)
    phase("submit")
    capture.submit(db, user, draft.submission_key)
    phase("done")
    ends = {"photos": "submit", "submit": "commit", "commit": "done"}
    print(json.dumps({**{p: started[e] - started[p] for p, e in ends.items()}, "done": 0.05}), flush=True)
    time.sleep(60 if kill_phase else 0)  # a kill that comes after the commit still comes


# ---------------------------------------------------------------- the parent


def run_child(data_dir: Path, kill_phase: str | None, fraction: float, checkpoint: bool, durations: dict) -> list[str]:
    env = {**os.environ, "CRASH_PHASE_SECONDS": json.dumps(durations)}
    result = subprocess.run(
        [sys.executable, "-m", __name__, str(data_dir), kill_phase or "-", str(fraction), str(int(checkpoint))],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=ROOT,
    )
    if kill_phase:
        assert result.returncode == -signal.SIGKILL, result.stderr
    else:
        assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def stored_parts(data_dir: Path, key: str) -> list[int] | None:
    """Opens the database as the crash left it: the audit's row count per part, None when it is not there.

    Nothing may be half there: no part without its audit, and the draft gone exactly when the audit is stored.
    """
    con = duckdb.connect(str(data_dir / "audit.duckdb"))
    one = lambda sql, *args: con.execute(sql, list(args)).fetchone()[0]  # noqa: E731
    for table in AUDIT_PARTS:
        assert one(f"SELECT count(*) FROM {table} WHERE audit_id NOT IN (SELECT id FROM audits)") == 0, table
    audit_id = one("SELECT max(id) FROM audits WHERE submission_key = ?", key)
    drafts_left = one("SELECT count(*) FROM audit_drafts WHERE submission_key = ?", key)
    assert drafts_left == (audit_id is None)  # none stored: the draft is still there to submit again
    counts = (
        None
        if audit_id is None
        else [one(f"SELECT count(*) FROM {t} WHERE audit_id = ?", audit_id) for t in AUDIT_PARTS]
    )
    con.close()
    return counts


def check_photo_files_and_rows(data_dir: Path) -> None:
    from audit import photos
    from audit.db import Database

    database = Database(data_dir / "audit.duckdb")
    photos.sweep_orphans(database, data_dir / "photos", older_than_seconds=0)
    hashes = {h for row in database.cursor().execute("SELECT sha256, thumb_sha256 FROM photos").fetchall() for h in row}
    database.close()
    files = {path.name for path in (data_dir / "photos").glob("*/*")}
    assert files == {f"{sha}.jpg" for sha in hashes}  # no file without a row, no temp file, no row without a file


def test_a_submit_killed_at_any_point_leaves_the_whole_audit_or_none(demo_template, tmp_path):
    def fresh_copy(name: str) -> Path:
        return Path(shutil.copytree(demo_template, tmp_path / name))

    def timed(checkpoint: bool) -> tuple[dict, list[int]]:
        """How long each phase takes undisturbed, and what a whole audit holds."""
        data_dir = fresh_copy(f"timing{int(checkpoint)}")
        lines = run_child(data_dir, None, 0, checkpoint, {})
        return json.loads(lines[-1]), stored_parts(data_dir, lines[0].split()[1])

    with ThreadPoolExecutor(2) as pool:
        (plain, whole), (checkpointing, whole_again) = pool.map(timed, (False, True))
    assert whole == whole_again and whole[0] > 0 and whole[2:4] == [1, 2]  # lines, 1 observation, 2 photos
    rng = random.Random(7)
    runs = [(phase, rng.random(), n % 2 == 1) for phase in PHASES for n in range(KILLS_PER_PHASE)]

    def crash(index: int) -> tuple[str, str, bool]:
        phase, fraction, checkpoint = runs[index]
        data_dir = fresh_copy(f"run{index}")
        lines = run_child(data_dir, phase, fraction, checkpoint, checkpointing if checkpoint else plain)
        reached = [line for line in lines if line in PHASES][-1]
        parts = stored_parts(data_dir, lines[0].split()[1])
        assert parts in (None, whole)
        check_photo_files_and_rows(data_dir)
        return phase, reached, parts is not None

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(crash, range(len(runs))))
    print("phase durations", plain, checkpointing, "\nkill phase, phase reached, audit stored:", outcomes)
    assert {reached for _, reached, _ in outcomes} == set(PHASES)  # kills landed in every phase
    assert all(stored for _, reached, stored in outcomes if reached == "done")  # once submitted, it stays
    assert not any(stored for _, reached, stored in outcomes if reached in ("photos", "submit"))


if __name__ == "__main__":
    data, phase_name, share, checkpoint_flag = sys.argv[1:5]
    child(data, None if phase_name == "-" else phase_name, float(share), checkpoint_flag == "1")
