"""The Visits page's overdue list is in the order its caption names, and shows the number it is ordered by:
never visited first, then the most days overdue, then grade A before B before C."""

from __future__ import annotations

from tests.helpers.apptest import open_page


def test_the_overdue_list_is_ordered_by_the_days_overdue_it_shows(demo_db):
    at = open_page(demo_db, "manager", "views/visits.py", **{"from": "2026-10-12", "to": "2026-11-30"})
    (table,) = [d for d in at.dataframe if "days_overdue" in d.value.columns]
    late = table.value
    assert len(late) > 3
    never = late.days_overdue.isna()
    assert not never[never.idxmin() :].any() if never.any() else True  # the never-visited stores come first
    visited = late[~never]
    assert visited.days_overdue.is_monotonic_decreasing
    for _, tied in visited.groupby("days_overdue"):
        assert tied.grade.is_monotonic_increasing
    assert (visited.days_overdue > 0).all()
    # the number shown is days since the last visit beyond the grade's allowance
    allowed = {"A": 3, "B": 7, "C": 15}
    assert (visited.days_since - visited.grade.map(allowed) == visited.days_overdue).all()
    caption = next(c.value for c in at.caption if "longest overdue first" in c.value)
    assert "never visited, then by days overdue, grade A before B before C" in caption
