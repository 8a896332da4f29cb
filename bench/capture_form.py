"""The audit form in the browser (issue 14): the server's CPU time per tap and per section switch on a
30-SKU store, before and after a change, and the wall time the merchandiser waits.

    .venv/bin/python -m bench.capture_form                          # e3d3bd0 against HEAD, 3 runs each
    .venv/bin/python -m bench.capture_form --before '' --after .    # the checkout as it is, alone

Each version is checked out into a temporary git worktree (`.` is the checkout as it is) and makes its own
demo data (40 stores × 4 weeks), in which the modern channel gets two more must-stock SKUs, so its first
audited store has 30 rows. The real server runs (`streamlit run server.py`, or app.py before server.py
existed) and Debian's Chromium at 1024×768 signs in as that store's merchandiser, starts the audit and
taps: "in stock" on 30 rows, facings typed on 10 (confirmed with Enter), a shelf level on 10, then the
section bar Shelf → Price tags → POP → Shelf, three rounds. Versions take turns, run by run.

Per tap: the server process's CPU time (all threads, those that ended included: the kernel's process
clock, the nanosecond form of utime + stime in /proc/PID/stat) from just before the tap until the app
is idle: the server has answered the tap (the page counts its websocket messages: a run ends with one,
and an idle server sends none) and then used under 0.5 ms of CPU for 150 ms with no thread runnable.
Streamlit's status widget cannot tell: it shows only runs longer than 500 ms. Wall times are taken in
the page from the tap's pointerdown (or the Enter key): until the tapped widget shows its new state
(for "in stock", the row's facings field appearing), and until the server's last message about it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bench.report import load_average, machine, markdown_table
from tests.helpers.browser import CHROMIUM, CHROMIUM_NO_CAMERA_ARGS, running_app

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- bench:capture-form:begin (written by python -m bench.capture_form) -->"
END = "<!-- bench:capture-form:end -->"
SKUS = 30
CHANNEL = "modern"
TAP_TARGET_MS = 100
KINDS = {"stock": "in stock", "facings": "facings typed", "level": "shelf level", "switch": "section switch"}
SECTIONS = ("Price tags", "POP", "Shelf")
SECTION_ROWS = {"Price tags": "p", "POP": "pop", "Shelf": "s"}  # the key part of a section's rows

# Notes in the page when the merchandiser tapped and when the server's last message came: a run ends with
# a message (script finished), and Streamlit sends nothing while idle. (stApp's data-test-script-state
# can go running -> notRunning within one render when a fragment run is quick, so it misses runs.)
PAGE_PROBE = """(() => {
  const s = window.__cf = {messages: 0, messageAt: 0, tapAt: 0, shownAt: 0, watch: null};
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => { s.messages++; s.messageAt = performance.now(); });
    }
  };
  window.addEventListener('pointerdown', () => { s.tapAt = performance.now(); }, true);
  window.addEventListener('keydown', e => { if (e.key === 'Enter') s.tapAt = performance.now(); }, true);
  // Each frame after a tap: does the watched widget show its new state yet? [selector, index, value]
  const frame = () => {
    const w = s.watch, el = w && s.tapAt && !s.shownAt && document.querySelectorAll(w[0])[w[1]];
    if (el && (w[2] === null || (el.value ?? '') === w[2] || el.getAttribute('aria-checked') === w[2]))
      s.shownAt = performance.now();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();"""
WATCH = "w => Object.assign(window.__cf, {watch: w, tapAt: 0, shownAt: 0}).messages"
# The tapped widget shows its new state, and the server has answered the tap and then sent nothing for
# 150 ms; the server's own quiet is checked after that (wait_until_quiet).
DONE = """before => { const s = window.__cf;
  return s.shownAt > 0 && s.messages > before && performance.now() - s.messageAt > 150; }"""


@dataclass(frozen=True)
class Tap:
    kind: str
    cpu_ms: float
    shown_ms: float  # tap -> the tapped widget shows its new state
    done_ms: float  # tap -> the server's last message about it (a run ends with one)


@dataclass
class VersionRun:
    label: str
    commit: str
    script: str
    taps: list[Tap] = field(default_factory=list)
    idle_cpu_ms_per_s: list[float] = field(default_factory=list)


# ---------------------------------------------------------------- the server's CPU


def process_cpu_seconds(pid: int) -> float:
    """CPU time of process `pid`, all its threads (ended ones included), in seconds. The process CPU
    clock (clockid (~pid << 3) | 2, what clock_getcpuclockid gives) counts nanoseconds; /proc/PID/stat's
    utime + stime is the same sum cut to 10 ms ticks, too coarse for one tap."""
    return time.clock_gettime((~pid << 3) | 2)


def _runnable(pid: int) -> bool:
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "R":
                return True
        except (OSError, IndexError):  # a thread that just ended
            continue
    return False


def wait_until_quiet(pid: int, window: float = 0.15, under: float = 0.0005, timeout: float = 30) -> float:
    """Wait until the server used less than `under` s of CPU for `window` s with no thread runnable (on a
    loaded machine a starved server is runnable, not quiet); its CPU seconds then."""
    deadline = time.monotonic() + timeout
    samples = [(time.monotonic(), process_cpu_seconds(pid))]
    while time.monotonic() < deadline:
        time.sleep(0.025)
        now, cpu = time.monotonic(), process_cpu_seconds(pid)
        samples.append((now, cpu))
        old = [s for s in samples if now - s[0] >= window]
        if old and cpu - old[-1][1] < under and not _runnable(pid):
            return cpu
    raise TimeoutError(f"the server kept working for {timeout:.0f} s")


# ---------------------------------------------------------------- versions, data and the server


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


@contextmanager
def checkout(rev: str):
    """The code at `rev` in a temporary worktree (the checkout itself for '.'), and its commit."""
    if rev == ".":
        yield ROOT, _git("rev-parse", "--short", "HEAD") + " + working tree"
        return
    folder = Path(tempfile.mkdtemp(prefix="bench_capture_code_"))
    _git("worktree", "add", "--detach", str(folder), rev)
    try:
        yield folder, _git("rev-parse", "--short", rev)
    finally:
        _git("worktree", "remove", "--force", str(folder))
        shutil.rmtree(folder, ignore_errors=True)


@dataclass(frozen=True)
class Store:
    code: str
    merchandiser: str
    widened: list[str]  # products made must-stock in its channel to reach 30 rows


def make_data(code: Path, folder: Path, stores: int, weeks: int) -> Store:
    """The version's own demo data in `folder` (its own migrations), with 30 must-stock SKUs in the
    modern channel: the lowest-coded products not yet on its list join it. The store: the first modern
    store that has a merchandiser and an earlier audit."""
    import duckdb

    env = {**os.environ, "AUDIT_DATA_DIR": str(folder)}
    subprocess.run(
        [sys.executable, "-m", "audit", "demo", "--stores", str(stores), "--weeks", str(weeks), "--photos", "0"],
        cwd=code,
        env=env,
        check=True,
        capture_output=True,
    )
    with duckdb.connect(str(folder / "audit.duckdb")) as con:
        have = con.execute(
            "SELECT count(*) FROM products WHERE active AND list_contains(must_stock_channels, ?)", [CHANNEL]
        ).fetchone()[0]
        widened = [
            row[0]
            for row in con.execute(
                "SELECT code FROM products WHERE active AND NOT list_contains(must_stock_channels, ?)"
                " ORDER BY code LIMIT ?",
                [CHANNEL, max(SKUS - have, 0)],
            ).fetchall()
        ]
        con.execute(
            "UPDATE products SET must_stock_channels = list_append(must_stock_channels, ?) "
            "WHERE list_contains(?, code)",
            [CHANNEL, widened],
        )
        store = con.execute(
            """SELECT s.code, s.merchandiser FROM stores s
               WHERE s.active AND s.channel = ? AND s.merchandiser IS NOT NULL
                 AND EXISTS (SELECT 1 FROM audits a WHERE a.store_code = s.code)
               ORDER BY s.code LIMIT 1""",
            [CHANNEL],
        ).fetchone()
    return Store(store[0], store[1], widened)


# ---------------------------------------------------------------- the form in Chromium


class Form:
    """The audit form of either version. Both key their widgets alike ({draft}:s:{sku}:stock, :facings,
    :level; {draft}:step for the section bar), so rows are found by key; only the in-stock option's text
    differs ('Yes' before, 'In stock' after), and a shelf level is tapped by its position in the row."""

    IN_STOCK = ("In stock", "Yes")  # after, before

    def __init__(self, page, url: str, pid: int):
        self.page, self.url, self.pid = page, url, pid
        self.prefix, self.codes = "", []

    def open_audit(self, store: Store) -> None:
        page = self.page
        page.goto(self.url)
        page.get_by_label("User name").fill(store.merchandiser)
        page.get_by_label("Password", exact=True).fill("demo")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)
        deadline = time.monotonic() + 30  # both versions keep the sign-in in this cookie; the next page needs it
        while not any(c["name"] == "audit_session" for c in page.context.cookies()):
            if time.monotonic() > deadline:
                raise RuntimeError("signed in, but no session cookie")
            page.wait_for_timeout(100)
        page.goto(f"{self.url}/capture?store={store.code}")
        page.get_by_role("button", name="Start audit").click(timeout=60_000)
        step = page.locator("[class*='-step'][class*='st-key-']").first
        step.wait_for(timeout=60_000)
        self.prefix = next(c for c in step.get_attribute("class").split() if c.endswith("-step"))[len("st-key-") : -5]
        page.locator(f"[class*='st-key-{self.prefix}-s-']").first.wait_for()
        page.wait_for_timeout(1000)
        self.codes = page.evaluate(
            "p => [...document.querySelectorAll(`[class*='st-key-${p}-s-']`)].flatMap(e => [...e.classList])"
            ".filter(c => c.startsWith(`st-key-${p}-s-`) && c.endsWith('-stock')).map(c => c.slice(p.length + 10, -6))",
            self.prefix,
        )
        if len(self.codes) != SKUS:
            raise RuntimeError(f"the store has {len(self.codes)} shelf rows, not {SKUS}")
        self.wait_idle()

    def _key(self, section: str, code: str, part: str = "") -> str:
        return f".st-key-{self.prefix}-{section}-{code}" + (f"-{part}" if part else "")

    def wait_idle(self) -> float:
        return wait_until_quiet(self.pid)

    def _tap(self, kind: str, act, shown: tuple[str, int, str | None]) -> Tap:
        page = self.page
        messages = page.evaluate(WATCH, list(shown))
        cpu = process_cpu_seconds(self.pid)
        act()
        try:
            page.wait_for_function(DONE, arg=messages, polling=20, timeout=60_000)
        except PlaywrightTimeout:
            shot = Path(tempfile.gettempdir()) / f"bench_capture_{kind}_timeout.png"
            page.screenshot(path=str(shot))
            raise RuntimeError(
                f"{kind} tap on {shown[0]} [{shown[1]}]: not done after 60 s, page state "
                f"{page.evaluate('window.__cf')}, screenshot {shot}"
            ) from None
        cpu_after = self.wait_idle()
        page.wait_for_timeout(50)  # what the server sent last reaches the page
        probe = page.evaluate("window.__cf")
        return Tap(
            kind, (cpu_after - cpu) * 1000, probe["shownAt"] - probe["tapAt"], probe["messageAt"] - probe["tapAt"]
        )

    def in_stock(self, code: str) -> Tap:
        stock = self.page.locator(self._key("s", code, "stock"))
        option = stock.get_by_role("radio", name=self.IN_STOCK[0], exact=True)
        if not option.count():
            option = stock.get_by_role("radio", name=self.IN_STOCK[1], exact=True)
        option.scroll_into_view_if_needed()
        return self._tap("stock", option.click, (self._key("s", code, "facings"), 0, None))

    def facings(self, code: str, value: int) -> Tap:
        field = self.page.locator(f"{self._key('s', code, 'facings')} input")
        field.scroll_into_view_if_needed()
        field.fill(str(value))  # typing is not timed: the Enter that sends it is
        return self._tap(
            "facings", lambda: field.press("Enter"), (f"{self._key('s', code, 'facings')} input", 0, str(value))
        )

    def level(self, code: str, position: int) -> Tap:
        levels = f"{self._key('s', code, 'level')} [role=radio]"
        option = self.page.locator(levels).nth(position)
        option.scroll_into_view_if_needed()
        return self._tap("level", option.click, (levels, position, "true"))

    def section(self, name: str) -> Tap:
        option = self.page.locator(f".st-key-{self.prefix}-step").get_by_role("radio", name=name, exact=True)
        option.scroll_into_view_if_needed()
        return self._tap("switch", option.click, (f"[class*='st-key-{self.prefix}-{SECTION_ROWS[name]}-']", 0, None))


def drive(form: Form, facings_rows: int, level_rows: int, rounds: int) -> list[Tap]:
    taps = [form.in_stock(code) for code in form.codes]
    taps += [form.facings(code, 2 + n % 4) for n, code in enumerate(form.codes[:facings_rows])]
    taps += [form.level(code, 1 + n % 2) for n, code in enumerate(form.codes[facings_rows : facings_rows + level_rows])]
    taps += [form.section(name) for _ in range(rounds) for name in SECTIONS]
    return taps


def idle_rate(pid: int, seconds: float = 2.0) -> float:
    """The idle server's CPU in ms per second: the noise floor under every figure."""
    start = process_cpu_seconds(pid)
    time.sleep(seconds)
    return (process_cpu_seconds(pid) - start) * 1000 / seconds


def measure_once(browser, code: Path, template: Path, store: Store, args) -> tuple[list[Tap], float]:
    data = Path(tempfile.mkdtemp(prefix="bench_capture_run_"))
    try:
        shutil.copytree(template, data, dirs_exist_ok=True)  # a fresh draft each run
        script = "server.py" if (code / "server.py").exists() else "app.py"
        with running_app(data, data / "server.log", code, script) as (url, server):
            context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, locale="en-GB")
            context.add_init_script(PAGE_PROBE)
            form = Form(context.new_page(), url, server.pid)
            form.open_audit(store)
            idle = idle_rate(server.pid)
            taps = drive(form, args.facings, args.levels, args.rounds)
            context.close()
        return taps, idle
    finally:
        shutil.rmtree(data, ignore_errors=True)


# ---------------------------------------------------------------- figures and the report


def percentiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 (linear between the closest ranks) and the largest."""
    return float(np.percentile(values, 50)), float(np.percentile(values, 95)), float(max(values))


def _cell(values: list[float]) -> str:
    p50, p95, top = percentiles(values)
    return f"{p50:.0f} / {p95:.0f} / {top:.0f}"


def table(results: list[VersionRun], runs: int) -> str:
    rows = []
    for kind, name in KINDS.items():
        for result in results:
            taps = [t for t in result.taps if t.kind == kind]
            per_run = np.array_split(np.array([t.cpu_ms for t in taps]), runs)
            spread = ", ".join(f"{np.percentile(part, 95):.0f}" for part in per_run)
            rows.append(
                [
                    name,
                    f"{result.label} ({result.commit})",
                    len(taps),
                    _cell([t.cpu_ms for t in taps]),
                    spread,
                    _cell([t.shown_ms for t in taps]),
                    _cell([t.done_ms for t in taps]),
                ]
            )
    return markdown_table(
        [
            "tap",
            "version",
            "taps",
            "server CPU ms p50 / p95 / max",
            "CPU p95 of each run",
            "wall ms to the new state p50 / p95 / max",
            "wall ms to the last answer p50 / p95 / max",
        ],
        rows,
    )


def verdict(results: list[VersionRun]) -> str:
    lines = []
    for result in results:
        taps = [t.cpu_ms for t in result.taps if t.kind != "switch"]
        p95 = percentiles(taps)[1]
        over = f"**{p95 - TAP_TARGET_MS:.0f} ms over**" if p95 > TAP_TARGET_MS else "met"
        lines.append(
            f"- {result.label} ({result.commit}): p95 server CPU of all {len(taps)} taps (sections aside) "
            f"{p95:.0f} ms against the target of ≤ {TAP_TARGET_MS} ms: {over}."
        )
    return "\n".join(lines)


def render(
    results: list[VersionRun], command: str, store: Store, args, load_before: str, load_after: str, minutes: float
) -> str:
    idle = ", ".join(f"{r.label} " + " / ".join(f"{v:.1f}" for v in r.idle_cpu_ms_per_s) for r in results)
    return f"""{BEGIN}
## Audit form: server CPU per tap (issue 14)

Measured {minutes:.1f} minutes with

    {command}

on {machine()}. Load average (1 / 5 / 15 min, /proc/loadavg) {load_before} at the start, {load_after} at
the end (other work shared the machine above 2). Store {store.code} ({CHANNEL} channel, {SKUS} must-stock
SKUs: {", ".join(store.widened) or "none"} added to the channel's list; an earlier audit), its
merchandiser {store.merchandiser}, Chromium 1024×768 with touch. Each of {args.runs} runs per version, the
versions taking turns: "in stock" on {SKUS} rows, facings typed on {args.facings} rows (Enter sends them),
a shelf level on {args.levels} rows, then {args.rounds} rounds of Shelf → Price tags → POP → Shelf on the
section bar. Figures pool the runs; *CPU p95 of each run* shows their spread. The idle server used
{idle} ms of CPU per second (measured before each run's taps): the floor under every figure.

{table(results, args.runs)}

{verdict(results)}
{END}"""


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's part of `path` (between its markers), or add it at the end."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if BEGIN in old and END in old:
        text = old[: old.index(BEGIN)] + section + old[old.index(END) + len(END) :]
    else:
        text = old.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.capture_form", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", default="e3d3bd0", help="git revision before ('' for none; default e3d3bd0)")
    parser.add_argument("--after", default="HEAD", help="git revision after, '.' for the checkout as it is")
    parser.add_argument("--runs", type=int, default=3, help="runs per version (default 3)")
    parser.add_argument("--facings", type=int, default=10, help="rows whose facings are typed (default 10)")
    parser.add_argument("--levels", type=int, default=10, help="rows whose shelf level is tapped (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of section switches (default 3)")
    parser.add_argument("--stores", type=int, default=40)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--out", type=Path, default=DOCS, help="report file (default docs/benchmarks.md)")
    return parser.parse_args(argv)


def say(message: str) -> None:
    print(f"[capture form {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main(argv: list[str] | None = None) -> list[VersionRun]:
    from contextlib import ExitStack

    from playwright.sync_api import sync_playwright

    args = parse(argv)
    command = " ".join(
        [".venv/bin/python -m bench.capture_form", *map(shlex.quote, sys.argv[1:] if argv is None else argv)]
    )
    started, load_before = time.perf_counter(), load_average()
    versions = [(label, rev) for label, rev in (("before", args.before), ("after", args.after)) if rev]
    with ExitStack() as stack, sync_playwright() as playwright:
        results, prepared = [], []
        for label, rev in versions:
            code, commit = stack.enter_context(checkout(rev))
            template = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_capture_data_")))
            say(f"{label}: {commit}, demo data")
            store = make_data(code, template, args.stores, args.weeks)
            script = "server.py" if (code / "server.py").exists() else "app.py"
            results.append(VersionRun(label, commit, script))
            prepared.append((code, template, store))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_NO_CAMERA_ARGS)
        for run in range(args.runs):
            order = range(len(results)) if run % 2 == 0 else reversed(range(len(results)))
            for index in order:
                say(f"run {run + 1} of {args.runs}: {results[index].label}")
                taps, idle = measure_once(browser, *prepared[index], args)
                results[index].taps += taps
                results[index].idle_cpu_ms_per_s.append(idle)
        browser.close()
    section = render(
        results, command, prepared[0][2], args, load_before, load_average(), (time.perf_counter() - started) / 60
    )
    write_section(args.out, section)
    print(section)
    return results


if __name__ == "__main__":
    main()
