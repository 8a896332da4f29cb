"""The Actions page benchmark runs on a small demo: every call the page makes is timed against the raw SQL it
recorded, and that SQL gives back what the call got."""

from __future__ import annotations

from bench import actions_page, recording


def test_the_actions_page_benchmark_times_every_call_against_its_raw_sql(demo_db):
    calls = actions_page.page_calls(demo_db)
    assert set(calls) == {
        "loop_measures",
        "open_actions (manager)",
        "open_by kind",
        "open_by region",
        "open_by dealer",
        "open_by merchandiser",
        "recurring",
        "open_actions (dealer)",
    }
    for call in calls.values():
        _, statements = recording.record(call, demo_db)
        replayed = recording.replay(demo_db, statements)
        assert statements and all(
            s.result.equals(raw) if hasattr(s.result, "equals") else s.result == raw
            for s, raw in zip(statements, replayed, strict=True)
        )
    timed = actions_page.measure(demo_db, runs=1)
    assert [t.name for t in timed] == list(calls) and all(t.raw > 0 and t.ours > 0 for t in timed)
    assert next(t for t in timed if t.name == "open_actions (manager)").rows > 0
    assert actions_page.submit_findings(demo_db, runs=1) > 0
    assert "| **the page** |" in actions_page.report(
        actions_page.dataset.Dataset(demo_db.path.parent, 40, 6, 1, 1, 1.0, 1.0), (1, 1), timed
    )
