"""The pages' data functions three ways, side by side: our call, the raw SQL it runs, the pandas baseline.

First every call is run once through a recorder (bench.recording), which gives its exact statements;
replaying them must give what the call got from DuckDB, and the pandas baseline must give what the call
returned: any difference stops the benchmark. Then each round times every call, its raw SQL and its
pandas twin, one after the other, so the ratios come from the same moments of the same run.
"""

from __future__ import annotations

import resource
import statistics
from dataclasses import dataclass

from audit.db import Database
from bench import agreement, baseline, recording
from bench.pages import Case
from bench.timing import rounds, seconds

KINDS = ("ours", "raw", "pandas")


@dataclass(frozen=True)
class CallResult:
    name: str
    statements: int
    rows: int
    median: dict[str, float]  # kind -> seconds


@dataclass(frozen=True)
class PageResult:
    page: str
    filters: str
    calls: list[CallResult]
    median: dict[str, float]  # kind -> seconds for the whole page (median of the rounds' sums)

    @property
    def overhead(self) -> float:
        return self.median["ours"] / self.median["raw"]

    @property
    def pandas_ratio(self) -> float:
        return self.median["pandas"] / self.median["ours"]

    @property
    def statements(self) -> int:
        return sum(call.statements for call in self.calls)


@dataclass(frozen=True)
class PagesRun:
    results: list[PageResult]
    checked: int  # results compared (raw against ours, pandas against ours)
    app_peak_mb: float  # the process's peak before the pandas tables were loaded
    pandas_load_seconds: float


def _size(result) -> int:
    return len(result) if hasattr(result, "__len__") else 1


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(db: Database, cases: list[Case], runs: int) -> PagesRun:
    recorded, checked = {}, 0
    for case in cases:
        for call in case.calls:
            what = f"{case.page} ({case.filters}) {call.name}"
            ours, statements = recording.record(call.run, db)
            for number, (statement, raw) in enumerate(zip(statements, recording.replay(db, statements), strict=True)):
                agreement.check(f"{what}: raw SQL {number + 1}", statement.result, raw, agreement.EVERY_COLUMN)
            recorded[id(call)] = (ours, statements)
            checked += 1
    app_peak = _peak_mb()

    load_seconds, tables = seconds(lambda: baseline.Tables.load(db))
    for case in cases:
        for call in case.calls:
            agreement.check(
                f"{case.page} ({case.filters}) {call.name}: pandas",
                recorded[id(call)][0],
                call.run_pandas(tables),
                call.keys,
            )
            checked += 1

    results = []
    for case in cases:
        contenders = {}
        for call in case.calls:
            statements = recorded[id(call)][1]
            contenders[f"{call.name}/ours"] = lambda call=call: call.run(db)
            contenders[f"{call.name}/raw"] = lambda statements=statements: recording.replay(db, statements)
            contenders[f"{call.name}/pandas"] = lambda call=call, tables=tables: call.run_pandas(tables)
        timings = rounds(contenders, runs)
        calls = [
            CallResult(
                call.name,
                len(recorded[id(call)][1]),
                _size(recorded[id(call)][0]),
                {kind: statistics.median(timings[f"{call.name}/{kind}"]) for kind in KINDS},
            )
            for call in case.calls
        ]
        page = {
            kind: statistics.median(
                [
                    sum(per_round)
                    for per_round in zip(*(timings[f"{call.name}/{kind}"] for call in case.calls), strict=True)
                ]
            )
            for kind in KINDS
        }
        results.append(PageResult(case.page, case.filters, calls, page))
    del tables
    return PagesRun(results, checked, app_peak, load_seconds)
