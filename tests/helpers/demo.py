"""The small demo every test that needs one gets (built once per run by conftest.demo_template)."""

from __future__ import annotations

from datetime import date

DEMO_TODAY = date(2026, 11, 20)
DEMO_SIZE = dict(stores=40, weeks=6, seed=7, photos=8, today=DEMO_TODAY)
