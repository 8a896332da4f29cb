"""Mutants of the core rules that mutmut cannot make; `make mutants` runs them after mutmut (tools/mutants.py).

mutmut mutates Python inside functions. The rules' SQL is text to it: it can only wrap a string in XX (a
broken query, which any test that runs it kills) or change its case (which SQL ignores), and it leaves
f-strings and module-level values alone. So the comparisons, signs, thresholds and scope clauses written in
SQL, and the rules' constants (grade intervals, default bands, the formula guard's risky starts), get their
plausible bugs here: each mutant swaps one exact text inside one function or module-level assignment for a
wrong one, in a copy of the checkout; the tests named for its rule run against that copy, and one must fail.

Two kinds are found in the code rather than listed, so a new query gets its mutant without anyone adding it:
every call of stores.scope_clause() is replaced by no scope at all, and every under_rrp_sql() call's
tolerance by zero. A mutant that cannot change what anyone sees says why in `equivalent`; it runs too and
must survive, so its explanation stays true (killed, it is reported as a stale explanation).

    python tools/rule_mutants.py            run them all (what `make mutants` does)
    python tools/rule_mutants.py --check    only check that every mutant's text is found exactly once
    python tools/rule_mutants.py -k scope   only the mutants whose name contains "scope"
"""

from __future__ import annotations

import argparse
import ast
import gc
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = ROOT / "mutants" / "rules"  # mutants/ is mutmut's folder too: out of git, ruff, mypy and pytest
COPIED = (
    "audit",
    "tests",
    "tools",
    "views",
    "bench",
    "app.py",
    "server.py",
    "pytest.ini",
    "pyproject.toml",
    "README.md",
    "data/samples",
)
TIMEOUT_S = 600  # a mutant whose tests run longer has made something hang: reported as a timeout (caught)
# Stop at the first failure; without pytest's end-of-run garbage collections (its unraisable and thread
# exception reports), which in a process forked from a warm one took half of each run.
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "-p", "no:threadexception")

# The fast tests that hold each rule, the quickest to fail first (pytest stops at the first failure).
PRICE_TESTS = ("tests/unit/test_price_rule.py",)
SCORING_TESTS = (
    "tests/unit/test_scoring.py",
    "tests/unit/test_scoring_rules.py",
    "tests/unit/test_audit_totals.py",
    "tests/unit/test_price_rule.py",
)
VISIT_TESTS = ("tests/unit/test_visits.py", "tests/unit/test_visit_state.py")
SCOPE_TESTS = ("tests/unit/test_scope.py", "tests/unit/test_capture.py", "tests/unit/test_actions.py")
# A scope taken out of one module's query: the scope tests, then that module's own.
SCOPE_TESTS_OF = {"audit/capture.py": "tests/unit/test_capture.py", "audit/actions.py": "tests/unit/test_actions.py"}
SUBMIT_TESTS = ("tests/unit/test_capture.py", "tests/unit/test_submit_rules.py")
FORMULA_TESTS = (
    "tests/pages/test_exports.py::test_the_formula_guard_neutralises_every_risky_start_and_nothing_else",
    "tests/pages/test_exports.py::test_a_store_named_like_a_formula_comes_out_as_text_in_xlsx_and_csv",
)


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str  # file under the checkout
    where: str  # the function ("Class.method" for a method) or module-level name whose text changes
    old: str  # exact text, found exactly once in `where` (or the `nth` of several)
    new: str
    tests: tuple[str, ...]
    equivalent: str = ""  # why it cannot change behaviour: then it must survive
    nth: int | None = None


SETTINGS, SCORING, CAPTURE = "audit/settings.py", "audit/scoring.py", "audit/capture.py"
STORES, AUTH, CELLS = "audit/stores.py", "audit/auth.py", "audit/exports/cells.py"


def _rule(rule: str, path: str, tests: tuple[str, ...]) -> Callable[..., Mutant]:
    """The constructor of one rule's mutants: named "rule: ...", in the rule's file, run against its tests
    unless a mutant says otherwise."""

    def mutant(
        name: str,
        where: str,
        old: str,
        new: str,
        equivalent: str = "",
        *,
        path: str = path,
        tests: tuple[str, ...] = tests,
    ) -> Mutant:
        return Mutant(f"{rule}: {name}", path, where, old, new, tests, equivalent)

    return mutant


price = _rule("price", SETTINGS, PRICE_TESTS)
scoring = _rule("scoring", SCORING, SCORING_TESTS)
visits = _rule("visits", CAPTURE, VISIT_TESTS)
scope = _rule("scope", STORES, SCOPE_TESTS)
submit = _rule("submit", CAPTURE, SUBMIT_TESTS)
formula = _rule("formula", CELLS, FORMULA_TESTS)

# fmt: off
LISTED = [
    # ---- price check: settings.under_rrp_sql, the SQL form every query uses (mutmut mutates under_rrp)
    price("< becomes <=", "under_rrp_sql", "{price} < {rrp}", "{price} <= {rrp}"),
    price("1 - becomes 1 +", "under_rrp_sql", "(1 - {fraction})", "(1 + {fraction})"),
    price("* becomes /", "under_rrp_sql", "{rrp} * (1", "{rrp} / (1"),
    price("the default tolerance 4 %", "ScoringSettings", "price_tolerance: float = 0.05",
          "price_tolerance: float = 0.04", tests=SCORING_TESTS),
    # ---- scoring: the counts (scoring._SKU_COUNTS, _AUDIT_COUNTS) and the formula (scored_audits)
    scoring("must-stock audited counts every line", "_SKU_COUNTS",
            "count(*) FILTER (WHERE l.must_stock) AS must_audited", "count(*) AS must_audited"),
    scoring("must-stock in stock ignores stock", "_SKU_COUNTS",
            "FILTER (WHERE l.must_stock AND l.in_stock)", "FILTER (WHERE l.must_stock)"),
    scoring("a line without a level is rated", "_SKU_COUNTS",
            "count(l.shelf_level) FILTER (WHERE l.in_stock)", "count(*) FILTER (WHERE l.in_stock)"),
    scoring("height counts out-of-stock lines", "_SKU_COUNTS",
            "sum({_UPLIFT_CASE}) FILTER (WHERE l.in_stock)", "sum({_UPLIFT_CASE})"),
    scoring("eye level = becomes <=", "_SKU_COUNTS", "l.shelf_level = {EYE_LEVEL}", "l.shelf_level <= {EYE_LEVEL}"),
    scoring("price checked needs a yes to the tag", "_SKU_COUNTS",
            "l.in_stock AND l.tag_present IS NOT NULL", "l.in_stock AND l.tag_present"),
    scoring("price ok forgets a legible tag", "_SKU_COUNTS", " AND l.tag_legible", ""),
    scoring("price ok forgets a matching tag", "_SKU_COUNTS", " AND l.tag_matches", ""),
    scoring("price ok counts prices under the RRP", "_SKU_COUNTS", "AND NOT {under_rrp_sql(", "AND {under_rrp_sql("),
    scoring("freshness checked forgets damage", "_SKU_COUNTS", " AND l.damaged IS NOT NULL", ""),
    scoring("fresh forgets near expiry", "_SKU_COUNTS", " AND NOT l.near_expiry", ""),
    scoring("our facings count out-of-stock lines", "_SKU_COUNTS",
            "coalesce(sum(l.facings) FILTER (WHERE l.in_stock), 0)", "coalesce(sum(l.facings), 0)",
            "no score, page or export reads audit_sku_metrics.our_facings (share of shelf is counted in "
            "_AUDIT_COUNTS, by its own rule); only the benchmark's twin (bench/baseline.py) recomputes it"),
    scoring("eye level is level 1", "EYE_LEVEL", "EYE_LEVEL = 2", "EYE_LEVEL = 1"),
    scoring("uplift of levels 1 and 2 swapped", "SHELF_LEVEL_UPLIFT", "{1: 1.34, 2: 1.78,", "{1: 1.78, 2: 1.34,"),
    scoring("POP present counts every type", "_AUDIT_COUNTS",
            "count(*) FILTER (WHERE present) AS present", "count(*) AS present"),
    scoring("their facings count blanks", "_AUDIT_COUNTS", "WHERE o.facings IS NOT NULL AND ", "WHERE "),
    scoring("share of shelf in every category", "_AUDIT_COUNTS",
            "(t.any_category OR list_contains(t.categories, p.category))", "TRUE"),
    scoring("share of shelf counts out-of-stock lines", "_AUDIT_COUNTS",
            "WHERE l.in_stock AND (t.any_category", "WHERE (t.any_category"),
    scoring("share of shelf without competitors is measured", "_AUDIT_COUNTS",
            "CASE WHEN theirs.facings IS NOT NULL THEN coalesce(ours.facings, 0) END", "coalesce(ours.facings, 0)",
            "with no competitor facings the share's whole (ours + theirs) is NULL whatever ours is, and the "
            "dashboard's share of shelf reads only audits with competitor facings"),
    scoring("a component unmeasured counts as perfect", "scored_audits",
            'f"coalesce({c}, 0) * ?"', 'f"coalesce({c}, 100) * ?"'),
    scoring("an unmeasured component keeps its weight", "scored_audits",
            'f"CASE WHEN {c} IS NULL THEN 0 ELSE ? END"', 'f"CASE WHEN {c} IS NULL THEN 0 + ? ELSE ? END"'),
    scoring("share of shelf over theirs alone", "scored_audits",
            '"a.our_facings + a.competitor_facings"', '"a.competitor_facings"'),
    scoring("height against level 1", "scored_audits", "{SHELF_LEVEL_UPLIFT[EYE_LEVEL]}", "{SHELF_LEVEL_UPLIFT[1]}"),
    scoring("a percentage of 99", "_percent", 'f"100 * (', 'f"99 * ('),
    scoring("the counts' period drops its first day", "_counted_audits",
            "k.visit_date BETWEEN ? AND ?", "k.visit_date > ? AND k.visit_date <= ?"),
    scoring("default green from 86", "ScoringSettings", "green_min: float = 85.0", "green_min: float = 86.0",
            path=SETTINGS),
    scoring("default amber from 71", "ScoringSettings", "amber_min: float = 70.0", "amber_min: float = 71.0",
            path=SETTINGS),
    scoring("default price weight 21", "DEFAULT_WEIGHTS", '"price": 20,', '"price": 21,', path=SETTINGS),
    # ---- visit state: capture.visit_state_sql and the grade intervals
    visits("overdue from the longest interval itself", "visit_state_sql",
           "days_since > overdue_days", "days_since >= overdue_days"),
    visits("due a day after the shortest interval", "visit_state_sql",
           "days_since >= due_days", "days_since > due_days"),
    visits("a store never visited is not overdue", "visit_state_sql", "days_since IS NULL OR ", ""),
    visits("grades A and B swapped for due", "visit_state_sql",
           "WHEN 'A' THEN ? WHEN 'B' THEN ? ELSE ? END AS due_days",
           "WHEN 'B' THEN ? WHEN 'A' THEN ? ELSE ? END AS due_days"),
    visits("a visit on the day itself is not counted", "visit_state_sql",
           "visit_date <= ?::DATE", "visit_date < ?::DATE"),
    visits("inactive stores are listed", "visit_state_sql", "WHERE s.active AND {where}", "WHERE {where}"),
    visits("A due after 3.5 days", "VISIT_INTERVAL_DAYS", '"A": (7 / 3,', '"A": (7 / 2,'),
    visits("B overdue after 8 days", "VISIT_INTERVAL_DAYS", "(7 / 2, 7)", "(7 / 2, 8)"),
    visits("C due after 15 days", "VISIT_INTERVAL_DAYS", '"C": (30 / 3,', '"C": (30 / 2,'),
    visits("due before overdue in the queue", "store_queue", "['draft', 'overdue', 'due', 'ok']",
           "['draft', 'due', 'overdue', 'ok']", tests=VISIT_TESTS + SUBMIT_TESTS),
    # ---- scope: who sees every store, and the dealer's and the merchandiser's clauses
    scope("a dealer sees every store", "User.sees_all_stores", '("manager", "admin")',
          '("manager", "admin", "dealer")', path=AUTH),
    scope("a dealer sees every dealer's stores", "scope_clause",
          'f"{alias}.dealer_code = ?"', 'f"({alias}.dealer_code = ? OR TRUE)"'),
    scope("a merchandiser sees everyone's stores", "scope_clause",
          'f"{alias}.merchandiser = ?"', 'f"({alias}.merchandiser = ? OR TRUE)"'),
    # ---- submit: whose draft, one audit per submission key, the implausible price
    submit("someone else's draft", "submit", "WHERE submission_key = ? AND username = ?",
           "WHERE submission_key = ? AND (username = ? OR TRUE)"),
    submit("a double tap finds no stored audit", "_audit_for_key",
           "WHERE submission_key = ?", "WHERE submission_key = ? AND FALSE"),
    submit("a shelf price 6 x the RRP passes", "PLAUSIBLE_PRICE_FACTOR",
           "PLAUSIBLE_PRICE_FACTOR = 5", "PLAUSIBLE_PRICE_FACTOR = 6"),
    # ---- formula guard: each risky start of a spreadsheet cell
    *(formula(f"{text} passes unguarded", "RISKY_STARTS", f"{text}, ", "")
      for text in ('"="', '"+"', '"-"', '"@"', '"\\t"')),
    formula('"\\r" passes unguarded', "RISKY_STARTS", ', "\\r"', ""),
]
# fmt: on

# Scope removals that cannot change an answer, by "file:function".
SCOPE_EQUIVALENT = {
    "audit/actions.py:add_action": "only a manager or an administrator may add an action (access.ACTIONS_MANAGE), "
    "and both see every store: their scope is TRUE already",
    "audit/exports/summary.py:audit_lines": "authorise() lets only managers, administrators and dealers export, a "
    "dealer only their own dealer's stores, and the request's filters hold that dealer: the scope narrows nothing",
}

_SCOPE_CALL = re.compile(r"scope_clause\((?:viewer|user)(?:, \"\w+\")?\)")
_PRICE_CALL = re.compile(r'under_rrp_sql\(("[^"]*"), ("[^"]*"), "([^"]*)"\)')


def found_in_code() -> list[Mutant]:
    """A scope-less mutant for every scope_clause() call and a tolerance-less one for every under_rrp_sql() call
    in audit/, named by file and function."""
    found = []
    for path in sorted((ROOT / "audit").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        source = path.read_text(encoding="utf-8")
        for number, line in enumerate(source.splitlines(), start=1):
            for match in _SCOPE_CALL.finditer(line):
                where = _enclosing(source, number)
                if where == "scope_clause":
                    continue
                key = f"{relative}:{where}"
                found.append(
                    Mutant(
                        f"scope: none in {key}",
                        relative,
                        where,
                        match.group(0),
                        '("TRUE", [])',
                        SCOPE_TESTS[:1] + tuple(t for f, t in SCOPE_TESTS_OF.items() if f == relative),
                        SCOPE_EQUIVALENT.get(key, ""),
                    )
                )
            for match in _PRICE_CALL.finditer(line):
                where = _enclosing(source, number)
                if where == "under_rrp_sql":
                    continue
                price, rrp, fraction = match.groups()
                new = f'under_rrp_sql({price}, {rrp}, "({fraction} * 0)")'
                tests = PRICE_TESTS + (("tests/unit/test_actions.py",) if "actions" in relative else ())
                found.append(
                    Mutant(
                        f"price: no tolerance in {relative}:{where} ({fraction})",
                        relative,
                        where,
                        match.group(0),
                        new,
                        tests,
                    )
                )
    # A function applying the scope twice gets a mutant per call.
    counts: dict[tuple[str, str, str], int] = {}
    numbered = []
    for mutant in found:
        key = (mutant.path, mutant.where, mutant.old)
        nth = counts.get(key, 0)
        counts[key] = nth + 1
        numbered.append(replace(mutant, nth=nth))
    totals = counts
    return [
        m if totals[(m.path, m.where, m.old)] == 1 else replace(m, name=f"{m.name} #{(m.nth or 0) + 1}")
        for m in numbered
    ]


def _enclosing(source: str, line: int) -> str:
    """The innermost function (or module-level assignment) holding `line`, as Mutant.where names it."""
    best, best_span = "", None
    for node, prefix in _named_nodes(ast.parse(source)):
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            span = (node.end_lineno or node.lineno) - node.lineno
            if best_span is None or span < best_span:
                best, best_span = prefix, span
    return best


def _named_nodes(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, node.name
        elif isinstance(node, ast.ClassDef):
            yield node, node.name
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield item, f"{node.name}.{item.name}"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    yield node, target.id


def mutated_source(mutant: Mutant, source: str) -> str:
    """The file's text with the mutant's swap made; ValueError when its text is not where it says."""
    spans = [node for node, name in _named_nodes(ast.parse(source)) if name == mutant.where]
    if len(spans) != 1:
        raise ValueError(f"{mutant.name}: {mutant.where} is defined {len(spans)} times in {mutant.path}")
    lines = source.splitlines(keepends=True)
    start, end = spans[0].lineno - 1, spans[0].end_lineno or spans[0].lineno
    body = "".join(lines[start:end])
    count = body.count(mutant.old)
    if mutant.nth is None and count != 1 or mutant.nth is not None and count <= mutant.nth:
        raise ValueError(f"{mutant.name}: {mutant.old!r} is found {count} times in {mutant.where} ({mutant.path})")
    at = -1
    for _ in range((mutant.nth or 0) + 1):
        at = body.index(mutant.old, at + 1)
    body = body[:at] + mutant.new + body[at + len(mutant.old) :]
    return "".join(lines[:start]) + body + "".join(lines[end:])


def all_mutants() -> list[Mutant]:
    return LISTED + found_in_code()


# ---------------------------------------------------------------- running them


def prepare(folder: Path) -> None:
    """A fresh copy of what the tests need, without byte code (a mutant must never run a stale .pyc)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "artifacts", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, folder / name)


def _run_tests(folder: Path, tests: tuple[str, ...], log: Path) -> int:
    """Fork; the child runs pytest on `tests` in `folder` (output to `log`) and exits with its code."""
    pid = os.fork()
    if pid == 0:
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.chdir(folder)
            sys.path.insert(0, str(folder))
            sys.dont_write_bytecode = True
            import pytest

            code = pytest.main([*PYTEST_ARGS, "--rootdir", str(folder), *tests])
        except BaseException:  # whatever happened, the parent must get an exit code
            code = 3
        os._exit(int(code))
    return pid


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout | explained | stale (an explained one that was killed)
    seconds: float


def run(mutants: list[Mutant], workers: int) -> list[Outcome]:
    """Run the clean tests once, then every mutant, `workers` at a time, each in its own copy."""
    folders = [WORKSPACE / f"copy-{n}" for n in range(workers)]
    for folder in folders:
        prepare(folder)
    logs = WORKSPACE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # Preload what every test imports, so each fork starts warm (never the project's own modules).
    import duckdb  # noqa: F401
    import pandas  # noqa: F401
    import PIL.Image  # noqa: F401
    import pytest  # noqa: F401

    gc.freeze()  # what is loaded now is never collected: the forks' collections skip it
    union = tuple(dict.fromkeys(t for m in mutants for t in m.tests))
    clean = os.waitpid(_run_tests(folders[0], union, logs / "clean.log"), 0)[1]
    if os.waitstatus_to_exitcode(clean) != 0:
        raise SystemExit(f"the tests fail without a mutant: see {logs / 'clean.log'}")

    outcomes: list[Outcome] = []
    pending = list(mutants)
    running: dict[int, tuple[Mutant, Path, str, float]] = {}
    free = list(folders)
    while pending or running:
        while pending and free:
            mutant, folder = pending.pop(0), free.pop()
            target = folder / mutant.path
            original = target.read_text(encoding="utf-8")
            target.write_text(mutated_source(mutant, original), encoding="utf-8")
            log = logs / (re.sub(r"\W+", "_", mutant.name)[:120] + ".log")
            running[_run_tests(folder, mutant.tests, log)] = (mutant, folder, original, time.monotonic())
        pid, status = _wait_any(running)
        mutant, folder, original, started = running.pop(pid)
        (folder / mutant.path).write_text(original, encoding="utf-8")
        free.append(folder)
        outcomes.append(Outcome(mutant, _status(mutant, status), time.monotonic() - started))
        print(f"  {outcomes[-1].status:9} {mutant.name}", flush=True)
    return outcomes


def _wait_any(running: dict) -> tuple[int, int | None]:
    """The next child to finish; one running past TIMEOUT_S is killed and reported with status None."""
    while True:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid in running:
            return pid, status
        for child, (_, _, _, started) in running.items():
            if time.monotonic() - started > TIMEOUT_S:
                os.kill(child, 9)
                os.waitpid(child, 0)
                return child, None
        time.sleep(0.05)


def _status(mutant: Mutant, status: int | None) -> str:
    if status is None:
        return "timeout"
    failed = os.waitstatus_to_exitcode(status) != 0
    if mutant.equivalent:
        return "stale" if failed else "explained"
    return "killed" if failed else "survived"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that every mutant applies")
    parser.add_argument("-k", default="", help="only mutants whose name contains this")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    mutants = [m for m in all_mutants() if args.k in m.name]
    for mutant in mutants:
        mutated_source(mutant, (ROOT / mutant.path).read_text(encoding="utf-8"))
        missing = [t for t in mutant.tests if not (ROOT / t.partition("::")[0]).exists()]
        if missing:  # pytest would fail on them, and the mutant would pass for killed
            raise ValueError(f"{mutant.name}: no such tests: {missing}")
    if args.check:
        print(f"{len(mutants)} mutants, each found where it says")
        return 0
    started = time.monotonic()
    outcomes = run(mutants, args.workers)
    return report(outcomes, time.monotonic() - started)


def report(outcomes: list[Outcome], seconds: float) -> int:
    by = {s: [o for o in outcomes if o.status == s] for s in ("killed", "timeout", "explained", "survived", "stale")}
    print(
        f"rule mutants: {len(outcomes)} made, {len(by['killed'])} killed, {len(by['timeout'])} timed out (caught), "
        f"{len(by['explained'])} survived as explained, {len(by['survived'])} survived unexplained, "
        f"{len(by['stale'])} explained but killed; {seconds:.0f} s"
    )
    for outcome in by["explained"]:
        print(f"  explained: {outcome.mutant.name}: {outcome.mutant.equivalent}")
    for outcome in by["survived"] + by["stale"]:
        m = outcome.mutant
        print(f"  {outcome.status.upper()}: {m.name}: {m.path} {m.where}: {m.old!r} -> {m.new!r}")
    return 1 if by["survived"] or by["stale"] else 0


def exit_now(code: int) -> None:
    """Exit without the interpreter's teardown, where DuckDB's bindings, loaded before the forks, list
    "leaked" objects that are only the children's copies."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
