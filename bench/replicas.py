"""Several app processes on one PostgreSQL database, side by side in one run: taps (a draft saved, as every
answer on the Audit page is) and submits per second through 1 and 2 processes, and the dashboard pages on a
process's DuckDB copy against the embedded file.

    .venv/bin/python -m bench.replicas                                  # 200 stores × 26 weeks, 20 s per load
    .venv/bin/python -m bench.replicas --stores 5000 --weeks 104 --seconds 30

Each load runs in separate processes (`--worker`), each with its own copy and `--threads` merchandisers
tapping or submitting as fast as the database lets them; the PostgreSQL server syncs to disk (durable), as a
real one does. The Streamlit page run around a tap (docs/benchmarks.md, capture form) is not part of this.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import timing

ROOT = Path(__file__).resolve().parent.parent


def _worker(args: argparse.Namespace) -> None:
    """One process: `threads` merchandisers, each with drafts of its own, tapping or submitting until the end."""
    from concurrent.futures import ThreadPoolExecutor

    from audit import auth, capture
    from audit.opening import open_database

    db = open_database()
    jobs = json.loads(args.worker)
    end = args.start_at + args.seconds

    def run(job: dict) -> list[float]:
        user = auth.get_user(db, job["user"])
        drafts = [d for d in (capture.get_draft(db, user, s) for s in job["stores"]) if d is not None]
        times = []
        time.sleep(max(0.0, args.start_at - time.time()))
        while time.time() < end:
            began = time.perf_counter()
            if job["mode"] == "tap":
                draft = drafts[len(times) % len(drafts)]
                draft.answers.setdefault("visit", {})["notes"] = f"tap {len(times)}"
                capture.save_draft(db, draft)
            else:
                if len(times) == len(drafts):
                    break
                capture.submit(db, user, drafts[len(times)].submission_key)
            times.append(time.perf_counter() - began)
        return times

    with ThreadPoolExecutor(len(jobs)) as pool:
        print(json.dumps([t for times in pool.map(run, jobs) for t in times]), flush=True)
    db.close()


def _prepare(url: str, data: Path, threads: int, drafts_each: int, offset: int) -> list[dict]:
    """A draft, complete and with its photo, for each of `drafts_each` stores of each of `threads` users (the
    stores from `offset` × drafts_each on in each user's list, so each load has drafts of its own)."""
    from audit import auth, capture, photos
    from audit.opening import open_database
    from tests.helpers.audits import complete_answers, picture

    data.mkdir()
    db = open_database(data / "prep.duckdb")
    stores = db.query_df("SELECT merchandiser, code FROM stores WHERE active ORDER BY merchandiser, code")
    photo = photos.process_photo(picture(1))
    jobs = []
    for username, group in list(stores.groupby("merchandiser"))[:threads]:
        user = auth.get_user(db, username)
        codes = list(group.code[offset * drafts_each : (offset + 1) * drafts_each])
        if not codes:
            continue
        for code in codes:
            draft = capture.open_draft(db, user, code)
            draft.answers = complete_answers(capture.checklist(db, user, code, "en"))
            capture.save_draft(db, draft)
            capture.add_draft_photo(db, draft, photo, "store")
        jobs.append({"user": username, "stores": codes})
    db.close()
    return jobs


def _load(url: str, folder: Path, processes: int, jobs: list[dict], mode: str, seconds: float) -> dict:
    start_at = time.time() + 15 + 3 * processes  # every process has opened its copy by then
    shares = [jobs[i::processes] for i in range(processes)]
    running = []
    for i, share in enumerate(shares):
        data = folder / f"{mode}{processes}_{i}"
        data.mkdir()
        env = {**os.environ, "AUDIT_DATABASE_URL": url, "AUDIT_DATA_DIR": str(data)}
        work = json.dumps([{**job, "mode": mode} for job in share])
        command = [sys.executable, "-m", "bench.replicas", "--worker", work, "--start-at", str(start_at)]
        command += ["--seconds", str(seconds)]
        running.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True))
    times = []
    for process in running:
        out, _ = process.communicate(timeout=seconds + 600)
        times += json.loads(out.strip().splitlines()[-1])
    # Taps run for the whole time; submits until every prepared draft is in (or the time is up).
    wall = seconds if mode == "tap" else min(seconds, time.time() - start_at)
    return {
        "count": len(times),
        "per_second": len(times) / wall,
        "p50": statistics.median(times) if times else 0,
        "p95": statistics.quantiles(times, n=20)[-1] if len(times) > 1 else 0,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replicas", description=__doc__)
    parser.add_argument("--stores", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=26)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=12, help="merchandisers tapping at once (default 12)")
    parser.add_argument("--drafts", type=int, default=6, help="drafts each merchandiser submits (default 6)")
    parser.add_argument("--runs", type=int, default=5, help="timed rounds per page view (default 5)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args)
        return

    from audit import pg
    from bench import dataset
    from tools import local_postgres

    folder = Path(tempfile.mkdtemp(prefix="bench_replicas_"))
    say(f"building {args.stores} stores × {args.weeks} weeks")
    built = dataset.build(args.stores, args.weeks)
    server = local_postgres.start(durable=True)
    try:
        url = server.create_database("bench")
        pg.migrate(url)
        moved, _ = timing.seconds(lambda: pg.copy_from_duckdb(url, built.database))
        say(f"moved into PostgreSQL in {moved:.1f} s")
        os.environ.update({"AUDIT_DATABASE_URL": url, "AUDIT_DATA_DIR": str(folder)})
        pages = _pages(url, built.database, folder, args.runs)
        loads = []
        for processes in (1, 2):
            jobs = _prepare(url, folder / f"prep{processes}", args.threads, args.drafts, offset=processes - 1)
            taps = _load(url, folder, processes, jobs, "tap", args.seconds)
            submits = _load(url, folder, processes, jobs, "submit", args.seconds)
            loads.append((processes, taps, submits))
        _report(args, built, moved, pages, loads)
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(built.folder, ignore_errors=True)


def say(message: str) -> None:
    print(f"[bench.replicas {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _pages(url: str, embedded_path: Path, folder: Path, runs: int) -> dict:
    """Every benchmark page view on the embedded file and on a new replica's copy, in alternating rounds."""
    from audit import scoring
    from audit.opening import open_database
    from audit.replica import ReplicatedDatabase
    from bench.pages import cases

    opened, replica = timing.seconds(
        lambda: ReplicatedDatabase(url, folder / "replica.duckdb", on_change=scoring.follow_changes)
    )
    say(f"a new replica loaded its copy in {opened:.1f} s")
    os.environ.pop("AUDIT_DATABASE_URL")
    embedded = open_database(embedded_path)
    os.environ["AUDIT_DATABASE_URL"] = url
    today = embedded.query_one("SELECT max(visit_date) FROM audits")[0]
    views = []
    for case, twin in zip(cases(embedded, today), cases(replica, today), strict=True):
        timings = timing.rounds(
            {
                "embedded": lambda c=case: [call.run(embedded) for call in c.calls],
                "replica": lambda c=twin: [call.run(replica) for call in c.calls],
            },
            runs,
        )
        views.append(
            (f"{case.page}, {case.filters}", *(statistics.median(timings[k]) for k in ("embedded", "replica")))
        )
        say(f"{views[-1][0]}: {views[-1][1] * 1000:.0f} ms embedded, {views[-1][2] * 1000:.0f} ms on the copy")
    embedded.close()
    replica.close()
    return {"opened": opened, "views": views}


def _report(args, built, moved: float, pages: dict, loads: list) -> None:
    from bench.report import load_average

    print(
        f"\n{args.stores} stores × {args.weeks} weeks ({built.audits:,} audits, {built.lines:,} SKU lines); "
        f"load average {load_average()}\n"
    )
    print(f"- moved from the embedded file into PostgreSQL (pg.copy_from_duckdb): {moved:.0f} s")
    print(f"- a new replica's copy loaded from PostgreSQL, counts included: {pages['opened']:.0f} s\n")
    print("| page view | embedded | replica's copy | ratio |")
    print("|---|---|---|---|")
    for name, embedded, replica in pages["views"]:
        print(f"| {name} | {embedded * 1000:.0f} ms | {replica * 1000:.0f} ms | {replica / embedded:.2f} |")
    total_e = sum(v[1] for v in pages["views"])
    total_r = sum(v[2] for v in pages["views"])
    print(f"| **all page views** | {total_e * 1000:.0f} ms | {total_r * 1000:.0f} ms | {total_r / total_e:.2f} |")
    print(f"\n{args.threads} merchandisers at once, each process its own copy; PostgreSQL syncing to disk\n")
    print("| processes | taps/s | tap p50 | tap p95 | submits | submits/s | submit p50 | submit p95 |")
    print("|---|---|---|---|---|---|---|---|")
    for processes, taps, submits in loads:
        print(
            f"| {processes} | {taps['per_second']:.1f} | {taps['p50'] * 1000:.0f} ms | {taps['p95'] * 1000:.0f} ms"
            f" | {submits['count']} | {submits['per_second']:.1f} | {submits['p50'] * 1000:.0f} ms"
            f" | {submits['p95'] * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
