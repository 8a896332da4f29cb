"""The Actions page at field scale (issue 15): the data functions views/actions.py calls for a manager and for
a dealer, each timed against the raw SQL it runs (recorded while it runs, replayed straight on a cursor: the
difference is our Python around the SQL), on demo data of 5,000 stores × 104 weeks by default.

    python -m bench.actions_page [--stores 5000] [--weeks 104] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from audit import actions
from audit.auth import get_user
from audit.db import Database, scalar
from audit.filters import DashboardFilters
from bench import dataset, recording
from bench.timing import rounds, seconds

LANG = "en"
WEEKS_SHOWN = 12  # the page opens on the 12 weeks up to the latest audit, as every page does


@dataclass(frozen=True)
class Timed:
    name: str
    statements: int
    rows: int
    ours: float  # median seconds
    raw: float

    @property
    def overhead(self) -> float:
        return self.ours / self.raw if self.raw else float("nan")


def page_calls(db: Database) -> dict[str, Callable[[Database], object]]:
    """What the page asks for: the manager's loop (tiles, the four breakdowns, problems that come back, the open
    actions), and the dealer's list."""
    manager, dealer = get_user(db, "manager"), get_user(db, "dealer01")
    if manager is None or dealer is None:
        raise SystemExit("the demo's manager and dealer01 accounts are needed")
    last = scalar(db.cursor(), "SELECT max(visit_date) FROM audits")
    period = DashboardFilters(last - timedelta(weeks=WEEKS_SHOWN) + timedelta(days=1), last)
    calls: dict[str, Callable[[Database], object]] = {
        "loop_measures": lambda d: actions.loop_measures(d, manager, period),
        "open_actions (manager)": lambda d: actions.open_actions(d, manager, LANG, filters=period, today=last),
    }
    for by in actions.BREAKDOWNS:
        calls[f"open_by {by}"] = lambda d, by=by: actions.open_by(d, manager, period, by, LANG, today=last)
    calls["recurring"] = lambda d: actions.recurring(d, manager, period, LANG)
    calls["open_actions (dealer)"] = lambda d: actions.open_actions(d, dealer, LANG, limit=200, today=last)
    return calls


def measure(db: Database, runs: int) -> list[Timed]:
    timed = []
    for name, call in page_calls(db).items():
        result, statements = recording.record(call, db)
        timings = rounds(
            {"ours": lambda call=call: call(db), "raw": lambda s=statements: recording.replay(db, s)}, runs
        )
        timed.append(
            Timed(
                name,
                len(statements),
                len(result) if hasattr(result, "__len__") else 1,
                statistics.median(timings["ours"]),
                statistics.median(timings["raw"]),
            )
        )
    return timed


def submit_findings(db: Database, runs: int) -> float:
    """Median seconds of what a submit adds: the findings query for one audit (the latest), as
    actions.record_from_audit runs it inside the submit's transaction."""
    latest = scalar(db.cursor(), "SELECT max(id) FROM audits")
    timings = rounds(
        {"findings": lambda: actions.find_problems(db.cursor(), [latest], 0.05, actions.DEFAULT_FLASH_GAP)}, runs
    )
    return statistics.median(timings["findings"])


def report(built: dataset.Dataset, counts: tuple[int, int], timed: list[Timed], submit: float | None = None) -> str:
    total_ours, total_raw = sum(t.ours for t in timed), sum(t.raw for t in timed)
    lines = [
        f"Actions page, {built.stores:,} stores × {built.weeks} weeks: {built.audits:,} audits, "
        f"{counts[0]:,} actions, {counts[1]:,} events (built in {built.build_seconds:.0f} s)",
        "",
        "| call | statements | rows | ours | raw SQL | ours ÷ raw |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in timed:
        lines.append(
            f"| {t.name} | {t.statements} | {t.rows:,} | {t.ours * 1000:.0f} ms | {t.raw * 1000:.0f} ms "
            f"| {t.overhead:.2f}× |"
        )
    lines.append(
        f"| **the page** | | | **{total_ours * 1000:.0f} ms** | **{total_raw * 1000:.0f} ms** "
        f"| **{total_ours / total_raw:.2f}×** |"
    )
    if submit is not None:
        lines += ["", f"A submit's findings query (one audit, in the submit's transaction): {submit * 1000:.0f} ms"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.actions_page")
    parser.add_argument("--stores", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=104)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    build_seconds, built = seconds(lambda: dataset.build(args.stores, args.weeks))
    db = Database(built.database)
    try:
        counts = (
            scalar(db.cursor(), "SELECT count(*) FROM actions"),
            scalar(db.cursor(), "SELECT count(*) FROM action_events"),
        )
        text = report(built, counts, measure(db, args.runs), submit_findings(db, args.runs))
    finally:
        db.close()
    print(text)
    return text


if __name__ == "__main__":
    main(sys.argv[1:])
