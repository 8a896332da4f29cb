"""How the overview's cost grows with the data: the same page at several store counts, time against lines."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from audit.auth import get_user
from audit.db import Database
from audit.settings import ScoringSettings
from bench.dataset import Dataset
from bench.pages import DASHBOARD_WEEKS, dashboard_period, overview
from bench.timing import median_seconds


@dataclass(frozen=True)
class GrowthPoint:
    stores: int
    audits: int
    lines: int
    seconds: dict[int, float]  # weeks shown -> median seconds of the overview's data functions


def measure(datasets: list[Dataset], runs: int) -> list[GrowthPoint]:
    """The overview (all stores) for its default 12 weeks and for the whole data set, at each size."""
    points = []
    for data in datasets:
        os.environ["AUDIT_DATA_DIR"] = str(data.folder)
        db = Database(data.database)
        manager, rules = get_user(db, "manager"), ScoringSettings()
        timed = {}
        for weeks in (DASHBOARD_WEEKS, data.weeks):
            calls = overview(manager, dashboard_period(db, weeks), rules)
            timed[weeks], _ = median_seconds(lambda calls=calls, db=db: [call.run(db) for call in calls], runs)
        db.close()
        points.append(GrowthPoint(data.stores, data.audits, data.lines, timed))
    return points


def exponent(points: list[GrowthPoint], weeks: int) -> float | None:
    """b in time ∝ lines^b between the smallest and the largest size: 1 is linear, below 1 better."""
    small, large = points[0], points[-1]
    if large.lines == small.lines:
        return None
    return math.log(large.seconds[weeks] / small.seconds[weeks]) / math.log(large.lines / small.lines)
