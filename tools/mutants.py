"""`make mutants`: mutation testing of the core rules (issue 16), two tools and one verdict.

1. mutmut over the functions that hold the rules (RULES below; its settings are [tool.mutmut] in
   pyproject.toml): each mutant is one of those functions with one small change (a comparison, a sign, a
   number, a dropped argument, a flipped condition), run against the tests that call it.
2. tools/rule_mutants.py: the rules written as SQL text or as module-level values, which mutmut cannot
   mutate (a comparison in a query, the grade intervals, the formula guard's risky starts, each scope clause).

A mutant is killed when a test fails. One that survives fails the run unless its configuration explains it:
a `# pragma: no mutate` comment with the reason on or above its line (mutmut then makes no mutant there), a
do_not_mutate_patterns entry with its comment in pyproject.toml, or an `equivalent=` reason in
tools/rule_mutants.py. Every run starts afresh: mutmut's cache would keep the verdicts of tests changed since.

    python -m tools.mutants                     everything (make mutants)
    python -m tools.mutants --mutmut-only       or --rules-only
    python -m tools.mutants audit.capture.x_submit__mutmut_*    only these mutmut mutants
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tools import rule_mutants

ROOT = Path(__file__).resolve().parent.parent

# The functions mutmut mutates, by rule (module.x_function, or module.xǁClassǁmethod).
RULES = {
    "price check": [
        "audit.settings.x_under_rrp",
        "audit.capture.x_price_below_tolerance",
        "audit.capture.x_price_implausible",
        "audit.capture.x_shelf_price_problem",
        "audit.capture.x_competitor_price_problem",
    ],
    "scoring": [
        "audit.scoring.x_record",
        "audit.scoring.x_record_missing",
        "audit.scoring.x_recount",
        "audit.scoring.x_fill_missing",
        "audit.scoring.x__counted_audits",
        "audit.scoring.x__percent",
        "audit.scoring.x_scored_audits",
        "audit.scoring.x_audit_score",
        "audit.scoring.x_save_settings",
        "audit.settings.xǁScoringSettingsǁband",
        "audit.settings.xǁScoringSettingsǁweight_list",
        "audit.settings.x_validate",
        "audit.settings.x_load",
        "audit.settings.x_from_stored",
    ],
    "visit state": ["audit.capture.x_visit_state_sql", "audit.capture.x_store_queue"],
    "scope": ["audit.stores.x_scope_clause", "audit.capture.x_checklist"],
    "submit": [
        "audit.capture.x_validate",
        "audit.capture.x_submit",
        "audit.capture.x__audit_for_key",
        "audit.capture.x_is_number",
        "audit.capture.x_facings_ok",
        "audit.capture.x__optional_number",
        "audit.capture.x__yes_no_or_blank",
        "audit.capture.x__text_fits",
        "audit.capture.x__part",
    ],
    "formula guard": ["audit.exports.cells.x_neutralise", "audit.exports.cells.x_safe_value"],
}
PATTERNS = [f"{function}__mutmut_*" for functions in RULES.values() for function in functions]

KILLED = {"killed", "timeout"}  # a timeout is a mutant that made the tests hang
DEMO = ROOT / "mutants" / "demo"


def make_demo() -> None:
    """The tests' demo data, made once by the unmutated code for every mutant's tests (tests/conftest.py reads
    AUDIT_TEST_DEMO): made in each of a thousand test runs, it would cost more than the mutants themselves."""
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    DEMO.mkdir(parents=True)
    code = (
        "from audit.db import Database; from audit.demo import generate_demo; from tests.helpers.demo import DEMO_SIZE;"
        f"db = Database({str(DEMO / 'audit.duckdb')!r}); generate_demo(db, **DEMO_SIZE); db.close()"
    )
    env = {**os.environ, "AUDIT_DATA_DIR": str(DEMO)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    os.environ["AUDIT_TEST_DEMO"] = str(DEMO)


def run_mutmut(patterns: list[str]) -> int:
    env = dict(os.environ)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "mutmut", "run", *patterns], cwd=ROOT, env=env, check=True)
    seconds = time.monotonic() - started
    listed = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    status = {}
    for line in listed.splitlines():
        name, _, verdict = line.strip().rpartition(": ")
        if name and any(fnmatch.fnmatchcase(name, p) for p in patterns):
            status[name] = verdict
    counts = Counter(status.values())
    left = sorted(name for name, verdict in status.items() if verdict not in KILLED)
    print(
        f"\nmutmut: {len(status)} mutants of {sum(len(f) for f in RULES.values())} rule functions; "
        f"{counts['killed']} killed by the tests, {counts['timeout']} timed out (caught); {len(left)} left "
        f"({', '.join(f'{n} {v}' for v, n in counts.items() if v not in KILLED) or 'none'}); {seconds:.0f} s"
    )
    for name in left:
        shown = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", name], cwd=ROOT, env=env, capture_output=True, text=True
        ).stdout
        print(f"  {status[name].upper()}: {name}")
        changed = [line for line in shown.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        print("".join(f"      {line}\n" for line in changed))
    return 1 if left else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("patterns", nargs="*", help="only these mutmut mutants (names or patterns)")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--mutmut-only", action="store_true")
    only.add_argument("--rules-only", action="store_true")
    args = parser.parse_args(argv)
    started = time.monotonic()
    failed = 0
    make_demo()
    if not args.rules_only:
        failed |= run_mutmut(args.patterns or PATTERNS)
    if not args.mutmut_only and not args.patterns:
        failed |= rule_mutants.main([])
    print(f"\nmake mutants: {'FAILED' if failed else 'passed'} in {(time.monotonic() - started) / 60:.1f} min")
    return failed


if __name__ == "__main__":
    rule_mutants.exit_now(main())
