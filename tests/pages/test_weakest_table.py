"""The Dashboard's weakest-stores table fits the main column at 1366 px without scrolling sideways, and the
captions over the tiles show their numbers as numbers."""

from __future__ import annotations

import json
from datetime import date

from audit import dashboard, settings
from audit.auth import get_user
from audit.filters import DashboardFilters
from audit.i18n import t
from audit.settings import COMPONENTS
from tests.helpers.apptest import PERIOD, open_page
from tests.helpers.badinput import as_shown

ROOM_AT_1366 = 904  # the table's width at 1366 x 768 with the sidebar open, measured in Chromium
SELECTION_COLUMN = 32  # the row-selection checkboxes


def test_the_weakest_stores_table_fits_1366_px_and_names_what_cost_each_store_most(demo_db):
    at = open_page(demo_db, "manager", "views/overview.py", **PERIOD)
    table = at.dataframe[0]
    columns = {k: v for k, v in json.loads(table.proto.columns).items() if not v.get("hidden")}
    widths = [c.get("width") for c in columns.values()]
    assert all(isinstance(w, int) for w in widths), columns  # every column has a width of its own
    assert SELECTION_COLUMN + sum(widths) <= ROOM_AT_1366
    shown = table.value
    assert len(shown) == 10 and shown["score"].is_monotonic_increasing
    rules = settings.load(demo_db)
    filters = DashboardFilters(date.fromisoformat(PERIOD["from"]), date.fromisoformat(PERIOD["to"]))
    scores = dashboard.store_scores(demo_db, get_user(demo_db, "manager"), filters, rules, "en").set_index("code")
    for code, named in zip(shown["code"], shown["lowest"], strict=True):
        store = scores.loc[code]
        lost = {c: rules.weights[c] * (100 - store[c]) for c in COMPONENTS if store[c] == store[c]}
        costliest = max(lost, key=lost.get)
        assert named == f"{t(f'measure.{costliest}', 'en')} {store[costliest]:.0f}"


def test_counts_in_the_partly_measured_caption_read_as_numbers(demo_db, monkeypatch):
    """Counts of a thousand or more (1,111 of 1,234 audits) were escaped twice and showed as 1\\,111."""
    import pandas as pd

    counts = pd.DataFrame(
        {
            "component": list(COMPONENTS),
            "audits": 1234,
            "measured": [1111 if c == "share_of_shelf" else 1234 for c in COMPONENTS],
        }
    )

    def coverage(*args):  # by this name: the page's cache looks the query up in audit.dashboard
        return counts

    monkeypatch.setattr(dashboard, "coverage", coverage)
    at = open_page(demo_db, "manager", "views/overview.py", **PERIOD)
    (caption,) = [as_shown(c.value) for c in at.caption if c.value.startswith("Not every audit could measure")]
    assert "Share of shelf in 1,111 of 1,234 audits" in caption
