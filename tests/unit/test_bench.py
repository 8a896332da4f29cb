"""The benchmark keeps working: a tiny run writes its tables, and its three computations of every page's
numbers (our call, the raw SQL it ran, pandas) agree, which the run itself checks and fails on.
Speed is the full benchmark's business (python -m bench), not this test's."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from audit import dashboard
from audit.auth import User
from audit.filters import DashboardFilters
from audit.settings import ScoringSettings
from bench import agreement, baseline, page_bench, recording
from bench.__main__ import main
from bench.pages import Call, Case

MANAGER = User("manager", "M", "manager", None, "en")
PERIOD = DashboardFilters(date(2026, 10, 20), date(2026, 11, 20))


def test_a_tiny_run_writes_every_table_and_its_computations_agree(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path))  # the run moves it; restored afterwards
    out = tmp_path / "benchmarks.md"
    run = main(
        [
            "--stores",
            "30",
            "--weeks",
            "3",
            "--growth",
            "10,30",
            "--runs",
            "1",
            "--submit-runs",
            "1",
            "--export-runs",
            "1",
            "--megapixels",
            "1",
            "--photos",
            "10",
            "--out",
            str(out),
        ]
    )

    calls = sum(len(page.calls) for page in run.pages.results)
    assert {page.page for page in run.pages.results} == {"overview", "store", "competitors", "visits"}
    assert run.pages.checked == 2 * calls  # each call: raw SQL against ours, pandas against ours
    assert all(page.statements >= len(page.calls) for page in run.pages.results)
    assert [p.stores for p in run.growth] == [10, 30] and run.growth[0].lines < run.growth[1].lines
    assert run.exports.stores == 30 and run.exports.audits > 0
    text = out.read_text(encoding="utf-8")
    assert f"All three gave the same numbers: {2 * calls} results compared" in text
    for heading in ("## Dashboard pages", "## Growth", "## Audit submit", "## Dealer exports", "## Memory"):
        assert heading in text
    for page in run.pages.results:
        assert f"| {page.page} | {page.filters} |" in text
    assert "| 30 | 3 | " in text  # the data set row


def test_notes_around_the_generated_part_survive_a_rewrite(tmp_path):
    from bench import document

    path = tmp_path / "benchmarks.md"
    document.write(path, f"{document.BEGIN}\nfirst\n{document.END}")
    path.write_text("# Benchmarks\n\nNotes before.\n\n" + path.read_text().split("\n\n", 1)[1] + "\nNotes after.\n")
    document.write(path, f"{document.BEGIN}\nsecond\n{document.END}")
    text = path.read_text()
    assert "Notes before." in text and "Notes after." in text and "second" in text and "first" not in text


def test_agreement_catches_any_different_cell_and_forgives_only_float_noise():
    frame = pd.DataFrame({"week": [pd.Timestamp("2026-11-16")], "score": [81.25], "stores": [3]})
    same = pd.DataFrame({"stores": [3.0], "score": [81.25 + 1e-12], "week": [date(2026, 11, 16)]})
    agreement.check("same", frame, same)
    agreement.check("decimal", {"price": Decimal("1.10")}, {"price": 1.1})
    for changed in (
        frame.assign(score=81.26),
        frame.assign(score=None),
        frame.assign(stores=4),
        frame.assign(week=pd.Timestamp("2026-11-09")),
        frame.iloc[:0],
        frame.drop(columns="stores"),
    ):
        with pytest.raises(agreement.Disagreement):
            agreement.check("changed", frame, changed)


def test_recorded_statements_are_the_ones_the_call_ran(demo_db):
    result, statements = recording.record(
        lambda db: dashboard.store_scores(db, MANAGER, PERIOD, ScoringSettings(), "en"), demo_db
    )
    assert len(statements) == 1 and statements[0].fetch == "df"
    assert "audit_totals" in statements[0].sql and PERIOD.date_from in statements[0].params
    replayed = recording.replay(demo_db, statements)
    agreement.check("replayed", result, replayed[0], ["code"])


def test_a_pandas_result_that_differs_stops_the_run(demo_db):
    def off_by_one(tables, *args):
        counts = baseline.coverage(tables, *args)
        return counts.assign(measured=counts.measured + 1)

    honest = Call(
        "coverage", dashboard.coverage, baseline.coverage, (MANAGER, PERIOD, ScoringSettings()), ["component"]
    )
    page_bench.measure(demo_db, [Case("overview", "honest", [honest])], runs=1)
    wrong = Call("coverage", dashboard.coverage, off_by_one, honest.args, honest.keys)
    with pytest.raises(agreement.Disagreement, match="coverage: pandas"):
        page_bench.measure(demo_db, [Case("overview", "wrong", [wrong])], runs=1)


def test_the_server_clock_waits_for_the_work_to_end_and_counts_threads_that_ended():
    """The capture-form benchmark's CPU figure: another process's CPU time to the nanosecond, threads that
    ended included, taken only once that process has gone quiet."""
    import os
    import subprocess
    import sys

    from bench.capture_form import process_cpu_seconds, wait_until_quiet

    busy = (
        "import threading, time\n"
        "def spin():\n    end = time.thread_time() + 0.3\n    while time.thread_time() < end: pass\n"
        "worker = threading.Thread(target=spin); worker.start(); worker.join()\n"
        "print('done', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", busy], stdout=subprocess.PIPE, text=True)
    try:
        cpu = wait_until_quiet(child.pid)
        assert cpu >= 0.3  # it waited for the spinning thread, which has ended since
        assert child.stdout.readline().strip() == "done"
        fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, 10 ms ticks
        assert abs(process_cpu_seconds(child.pid) - ticks) < 0.03
    finally:
        child.kill()
        child.wait()


def test_the_capture_form_section_is_replaced_and_the_rest_kept(tmp_path):
    from bench.capture_form import BEGIN, END, write_section

    path = tmp_path / "benchmarks.md"
    path.write_text("# Benchmarks\n\nThe main run.\n")
    write_section(path, f"{BEGIN}\nfirst\n{END}")
    path.write_text(path.read_text() + "\nNotes after.\n")
    write_section(path, f"{BEGIN}\nsecond\n{END}")
    text = path.read_text()
    assert "The main run." in text and "Notes after." in text and "second" in text and "first" not in text
