"""The capture-form benchmark keeps working: a tiny run in Chromium taps every row and writes its table
(tests/unit/test_bench.py holds the rest of the benchmark's tests, which need no browser)."""

import pytest

pytestmark = pytest.mark.browser


def test_a_tiny_capture_form_run_taps_every_row_and_writes_its_table(tmp_path):
    from bench.capture_form import SKUS
    from bench.capture_form import main as capture_form

    out = tmp_path / "benchmarks.md"
    (version,) = capture_form(
        [
            "--before",
            "",
            "--after",
            ".",
            "--runs",
            "1",
            "--facings",
            "1",
            "--levels",
            "1",
            "--rounds",
            "1",
            "--out",
            str(out),
        ]
    )
    kinds = [tap.kind for tap in version.taps]
    assert kinds == ["stock"] * SKUS + ["facings", "level"] + ["switch"] * 3
    assert all(tap.cpu_ms > 0 and tap.shown_ms >= 0 and tap.done_ms > 0 for tap in version.taps)
    text = out.read_text(encoding="utf-8")
    assert "## Audit form: server CPU per tap" in text and "| in stock | after (" in text
