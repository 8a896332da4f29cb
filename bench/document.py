"""docs/benchmarks.md: the measured figures as Markdown, between markers, so notes written around them
(what was found and changed, before and after) survive the next run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench import exports, growth, submit
from bench.dataset import Dataset
from bench.page_bench import PagesRun
from bench.report import markdown_table

BEGIN, END = "<!-- bench:begin (written by python -m bench) -->", "<!-- bench:end -->"
OVERHEAD_TARGET = 1.5  # our call ≤ 1.5 × the raw SQL it runs
PANDAS_TARGET = 10.0  # the pandas baseline ≥ 10 × slower than our call


@dataclass(frozen=True)
class Run:
    command: str
    machine: str
    load_before: str
    load_after: str
    minutes: float
    data: Dataset
    planned_visits: int
    database_mb: float
    pages: PagesRun
    growth: list[growth.GrowthPoint]
    submit: submit.SubmitFigures
    exports: exports.ExportFigures
    peak_mb: float


def _ms(value: float) -> str:
    return f"{value * 1000:,.0f} ms" if value >= 0.01 else f"{value * 1000:.1f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _pages(run: Run) -> str:
    rows = [
        [
            r.page,
            r.filters,
            _ms(r.median["ours"]),
            _ms(r.median["raw"]),
            f"{r.overhead:.2f}× ({_verdict(r.overhead <= OVERHEAD_TARGET)})",
            _ms(r.median["pandas"]),
            f"{r.pandas_ratio:.1f}× ({_verdict(r.pandas_ratio >= PANDAS_TARGET)})",
            r.statements,
        ]
        for r in run.pages.results
    ]
    table = markdown_table(
        [
            "page",
            "filters",
            "our calls",
            "raw SQL",
            f"overhead (≤ {OVERHEAD_TARGET:g}×)",
            "pandas",
            f"pandas ÷ ours (≥ {PANDAS_TARGET:g}×)",
            "queries",
        ],
        rows,
    )
    details = [
        [
            r.page,
            r.filters,
            c.name,
            c.rows,
            _ms(c.median["ours"]),
            _ms(c.median["raw"]),
            f"{c.median['ours'] / c.median['raw']:.2f}×",
            _ms(c.median["pandas"]),
            f"{c.median['pandas'] / c.median['ours']:.1f}×",
        ]
        for r in run.pages.results
        for c in r.calls
    ]
    detail_table = markdown_table(
        ["page", "filters", "data function", "rows", "ours", "raw SQL", "overhead", "pandas", "pandas ÷ ours"], details
    )
    return f"""## Dashboard pages: our calls, the raw SQL they run, a pandas baseline

A page's time is the sum of its data functions as its view calls them (manager, English, uncached: the
first view of a filter set). *Raw SQL* replays the exact statements those calls ran, recorded while they
ran, on a plain cursor: the difference is our Python around the SQL. *Pandas* holds the same tables in
memory (loaded once, {run.pages.pandas_load_seconds:.0f} s, not timed) and computes the same results with
merge / groupby. All three gave the same numbers: {run.pages.checked} results compared, floats within 1e-9
(the run stops at the first difference).

{table}

<details><summary>Per data function</summary>

{detail_table}

</details>
"""


def _growth(run: Run) -> str:
    weeks = sorted(run.growth[0].seconds)
    rows = [
        [
            f"{p.stores:,}",
            f"{p.audits:,}",
            f"{p.lines:,}",
            *[f"{_ms(p.seconds[w])} ({p.seconds[w] / p.lines * 1e9:,.0f} ns per line)" for w in weeks],
        ]
        for p in run.growth
    ]
    slopes = ", ".join(f"{w} weeks: {b:.2f}" for w in weeks if (b := growth.exponent(run.growth, w)) is not None)
    return f"""## Growth: the overview at {", ".join(f"{p.stores:,}" for p in run.growth)} stores

The overview page's data functions (all stores) for the default 12 weeks and for the whole
{run.data.weeks} weeks. Exponent b in time ∝ lines^b from the smallest to the largest size (1 = linear,
below 1 = better than linear): {slopes or "one size only"}.

{markdown_table(["stores", "audits", "SKU lines", *[f"overview, {w} weeks" for w in weeks]], rows)}
"""


def render(run: Run) -> str:
    data = run.data
    dataset = markdown_table(
        ["stores", "weeks", "audits", "SKU lines", "planned visits", "database file", "built in", "build peak memory"],
        [
            [
                f"{data.stores:,}",
                data.weeks,
                f"{data.audits:,}",
                f"{data.lines:,}",
                f"{run.planned_visits:,}",
                f"{run.database_mb:,.0f} MB",
                f"{data.build_seconds:.0f} s",
                f"{data.build_peak_mb:,.0f} MB",
            ]
        ],
    )
    submit_rows = submit.rows(run.submit)
    export_rows = exports.rows(run.exports)
    memory = markdown_table(
        ["process", "peak resident memory"],
        [
            ["demo generator (child process, largest data set)", f"{data.build_peak_mb:,.0f} MB"],
            [
                "benchmark process, app work only (pages, growth) before the pandas tables",
                f"{run.pages.app_peak_mb:,.0f} MB",
            ],
            ["benchmark process at the end (pandas tables, submit, exports included)", f"{run.peak_mb:,.0f} MB"],
        ],
    )
    return f"""{BEGIN}
Measured {run.minutes:.1f} minutes with

    {run.command}

on {run.machine}. Load average (1 / 5 / 15 min) {run.load_before} at the start, {run.load_after} at the end
(other work shared the machine when it is above 2). Times are medians of the rounds after a warm-up.

## Data set (demo generator, seed 42, counted from 2026-11-20)

{dataset}

{_pages(run)}
{_growth(run)}
## Audit submit at this size

Six photos processed, added to the draft and the audit submitted, timed server-side, at a merchandiser's
store in the {data.stores:,}-store data set.

{markdown_table(["measure", "value", "target"], submit_rows)}

## Dealer exports at this size

{exports.describe(run.exports)} (the first {run.exports.stores} stores by code given to the dealer, photos
drawn for the quarter's audits), in Chinese, median of {run.exports.runs}.

{markdown_table(["export", "time", "size", "target"], export_rows)}

## Memory

{memory}
{END}"""


def write(path: Path, generated: str, title: str = "# Benchmarks") -> None:
    """Put the generated part into `path`, keeping whatever is written before and after its markers."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if BEGIN in old and END in old:
        text = old[: old.index(BEGIN)] + generated + old[old.index(END) + len(END) :]
    else:
        text = f"{title}\n\n{generated}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
