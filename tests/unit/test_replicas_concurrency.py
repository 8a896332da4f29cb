"""Three app processes on one PostgreSQL database, 40 merchandisers submitting at once, every submit tapped
twice, the two taps sent to two different processes: every audit is stored exactly once, ids stay gapless, and
every process's copy counts them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import psycopg

from audit import auth, capture, pg, photos, scoring
from audit.replica import ReplicatedDatabase
from tests.helpers.audits import complete_answers, picture
from tests.helpers.paths import ROOT

REPLICAS, SUBMITTERS = 3, 40


def _merchandisers(db: ReplicatedDatabase, count: int) -> list[tuple[str, str]]:
    """`count` merchandisers, each with a store of their own (a copy of merch01's first store)."""
    template = db.query_df("SELECT * FROM stores WHERE merchandiser = 'merch01' ORDER BY code LIMIT 1")
    password_hash = db.query_one("SELECT password_hash FROM users WHERE username = 'merch01'")[0]
    pairs = [(f"load{i:02d}", f"LOAD{i:02d}") for i in range(count)]
    stores = template.loc[template.index.repeat(count)].reset_index(drop=True)
    stores["code"], stores["merchandiser"] = [s for _, s in pairs], [u for u, _ in pairs]
    with db.write() as cur:
        cur.executemany(
            "INSERT INTO users (username, display_name, role, password_hash) VALUES (?, ?, 'merchandiser', ?)",
            [(u, u, password_hash) for u, _ in pairs],
        )
        cur.insert_frame("stores", stores)
    return pairs


def test_three_replicas_store_each_of_forty_double_tapped_submits_once(
    demo_template, tmp_path, postgres_url, monkeypatch
):
    shutil.copytree(demo_template, tmp_path / "demo")
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path / "demo"))
    pg.migrate(postgres_url)
    pg.copy_from_duckdb(postgres_url, tmp_path / "demo" / "audit.duckdb")
    prep = ReplicatedDatabase(postgres_url, tmp_path / "prep.duckdb", on_change=scoring.follow_changes)
    pairs = _merchandisers(prep, SUBMITTERS)
    keys = {}
    for n, (username, store) in enumerate(pairs):
        user = auth.get_user(prep, username)
        draft = capture.open_draft(prep, user, store)
        draft.answers = complete_answers(capture.checklist(prep, user, store, "en"))
        capture.save_draft(prep, draft)
        capture.add_draft_photo(prep, draft, photos.process_photo(picture(n)), "store")
        keys[username] = draft.submission_key
    before = prep.query_one("SELECT coalesce(max(id), 0) FROM audits")[0]

    # Each draft goes to two processes: replica n % 3 and the next one.
    jobs: list[list[str]] = [[] for _ in range(REPLICAS)]
    for n, (username, _) in enumerate(pairs):
        for replica in (n % REPLICAS, (n + 1) % REPLICAS):
            jobs[replica].append(f"{username}:{keys[username]}")
    start_at = time.time() + 25  # after every process has opened its copy
    workers = []
    for replica in range(REPLICAS):
        data = tmp_path / f"replica{replica}"
        data.mkdir()
        env = {**os.environ, "AUDIT_DATABASE_URL": postgres_url, "AUDIT_DATA_DIR": str(data)}
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.helpers.replica_worker", str(start_at), *jobs[replica]],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outcomes = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
        outcomes += [json.loads(line) for line in out.splitlines()]

    assert len(outcomes) == 2 * SUBMITTERS
    by_key: dict[str, list[dict]] = {}
    for outcome in outcomes:
        by_key.setdefault(outcome["key"], []).append(outcome)
    assert set(by_key) == set(keys.values())
    for taps in by_key.values():
        assert sum(t["created"] for t in taps) == 1  # one tap stored it, the other found it stored
        assert len({t["audit_id"] for t in taps}) == 1
    with psycopg.connect(postgres_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM audits WHERE id > %s ORDER BY id", [before]).fetchall()]
        assert ids == list(range(before + 1, before + SUBMITTERS + 1))  # gapless, each audit once
        keys_stored = conn.execute("SELECT submission_key FROM audits WHERE id > %s", [before]).fetchall()
        assert sorted(k for (k,) in keys_stored) == sorted(keys.values())
        lines = conn.execute(
            "SELECT count(DISTINCT audit_id) FROM audit_lines WHERE audit_id > %s", [before]
        ).fetchone()[0]
        assert lines == SUBMITTERS
        assert conn.execute("SELECT count(*) FROM audit_drafts WHERE username LIKE 'load%%'").fetchone()[0] == 0
    # A process that took no part sees them all, counted (scores) on its own copy.
    prep.fresh(force=True)
    assert prep.query_one("SELECT count(*) FROM audit_metrics WHERE audit_id > ?", [before])[0] == SUBMITTERS
    slowest = max(o["seconds"] for o in outcomes)
    print(f"\n{2 * SUBMITTERS} submits on {REPLICAS} processes; slowest {slowest:.2f} s")
    prep.close()
