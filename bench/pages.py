"""What each dashboard page asks for: the data functions its view calls (views/*.py, audit/ui/*), with
the arguments it passes, for typical filter sets. Each call names its pandas twin in bench.baseline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from audit import dashboard, visits
from audit.auth import User, get_user
from audit.db import Database
from audit.filters import DashboardFilters
from audit.plans import week_start
from audit.settings import ScoringSettings
from bench import baseline

LANG = "en"
DASHBOARD_WEEKS = 12  # the dashboards open on the 12 weeks up to the latest audit
VISITS_WEEKS = 8  # the Visits page on the 8 weeks up to today


@dataclass(frozen=True)
class Call:
    """One data function called as a page calls it, and the pandas function that computes the same."""

    name: str
    ours: Callable
    pandas: Callable
    args: tuple
    keys: list[str] | None = None  # columns that identify a row, when row order is not part of the answer

    def run(self, db: Database):
        return self.ours(db, *self.args)

    def run_pandas(self, tables: baseline.Tables):
        return self.pandas(tables, *self.args)


@dataclass(frozen=True)
class Case:
    page: str
    filters: str  # the filter set, as a reader would say it
    calls: list[Call]


def overview(viewer: User, f: DashboardFilters, rules: ScoringSettings) -> list[Call]:
    """views/overview.py: tiles, the weights caption's coverage, trends, breakdown, per-store scores."""
    return [
        Call("tiles", dashboard.tiles, baseline.tiles, (viewer, f, rules), ["measure"]),
        Call("coverage", dashboard.coverage, baseline.coverage, (viewer, f, rules), ["component"]),
        Call("weekly", dashboard.weekly, baseline.weekly, (viewer, f, rules), ["week"]),
        Call("breakdown", dashboard.breakdown, baseline.breakdown, (viewer, f, rules, "region", LANG), ["key"]),
        Call("store_scores", dashboard.store_scores, baseline.store_scores, (viewer, f, rules, LANG), ["code"]),
    ]


def store(viewer: User, f: DashboardFilters, rules: ScoringSettings) -> list[Call]:
    """audit/ui/store_dashboard.py: one store's tiles, coverage, trends, SKU availability, photos, competitors."""
    return [
        Call("tiles", dashboard.tiles, baseline.tiles, (viewer, f, rules), ["measure"]),
        Call("coverage", dashboard.coverage, baseline.coverage, (viewer, f, rules), ["component"]),
        Call("weekly", dashboard.weekly, baseline.weekly, (viewer, f, rules), ["week"]),
        Call(
            "sku_availability",
            dashboard.sku_availability,
            baseline.sku_availability,
            (viewer, f, LANG),
            ["product_code", "week"],
        ),
        Call("photos", dashboard.photos, baseline.photos, (viewer, f, None, 24)),
        Call("competitor_log", dashboard.competitor_log, baseline.competitor_log, (viewer, f, LANG)),
    ]


def competitors(viewer: User, f: DashboardFilters) -> list[Call]:
    """views/competitors.py: activity per week and where, price index, share of shelf, photos, the log."""
    return [
        Call(
            "competitor_weekly",
            dashboard.competitor_weekly,
            baseline.competitor_weekly,
            (viewer, f, LANG),
            ["week", "brand_code", "kind"],
        ),
        Call(
            "competitor_where",
            dashboard.competitor_where,
            baseline.competitor_where,
            (viewer, f, LANG),
            ["region", "channel", "brand_code"],
        ),
        Call(
            "competitor_prices",
            dashboard.competitor_prices,
            baseline.competitor_prices,
            (viewer, f, LANG),
            ["brand_code"],
        ),
        Call(
            "share_of_shelf",
            dashboard.share_of_shelf,
            baseline.share_of_shelf,
            (viewer, f, LANG),
            ["week", "brand_code"],
        ),
        Call("photos", dashboard.photos, baseline.photos, (viewer, f, "competitor", 12)),
        Call("competitor_log", dashboard.competitor_log, baseline.competitor_log, (viewer, f, LANG)),
    ]


def visit_page(viewer: User, f: visits.VisitFilters, today: date) -> list[Call]:
    """views/visits.py: tiles (totals, overdue per grade), weekly trends, frequency, league, overdue list."""
    return [
        Call("totals", visits.totals, baseline.visit_totals, (viewer, f, today)),
        Call("overdue_by_grade", visits.overdue_by_grade, baseline.overdue_by_grade, (viewer, f, today)),
        Call("weekly", visits.weekly, baseline.visit_weekly, (viewer, f, today), ["week"]),
        Call("frequency", visits.frequency, baseline.visit_frequency, (viewer, f, today), ["grade"]),
        Call("league", visits.league, baseline.visit_league, (viewer, f, "merchandiser", LANG, today), ["key"]),
        Call("overdue_stores", visits.overdue_stores, baseline.overdue_stores, (viewer, f, LANG, today), ["code"]),
    ]


def dashboard_period(db: Database, weeks: int = DASHBOARD_WEEKS) -> DashboardFilters:
    latest = db.query_one("SELECT max(visit_date) FROM audits")[0]
    return DashboardFilters(latest - timedelta(weeks=weeks) + timedelta(days=1), latest)


def busiest_store(db: Database, f: DashboardFilters) -> str:
    """The store with the most audits in the period (a grade A store: the most to show)."""
    return db.query_one(
        "SELECT store_code FROM audits WHERE visit_date BETWEEN ? AND ? GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
        [f.date_from, f.date_to],
    )[0]


def first_category(db: Database) -> str:
    return db.query_one("SELECT min(category) FROM products")[0]


def cases(db: Database, today: date) -> list[Case]:
    """The benchmark's page views: each page with its default filters and a narrower, typical set."""
    manager = get_user(db, "manager")
    rules = ScoringSettings()
    period = dashboard_period(db)
    narrow = DashboardFilters(
        period.date_from, period.date_to, regions=("E",), channels=("modern",), categories=(first_category(db),)
    )
    one_store = DashboardFilters(period.date_from, period.date_to, store=busiest_store(db, period))
    year = dashboard_period(db, weeks=52)
    visit_period = visits.VisitFilters(week_start(today) - timedelta(weeks=VISITS_WEEKS - 1), today)
    north = visits.VisitFilters(visit_period.start, visit_period.end, regions=("N",))
    return [
        Case("overview", "12 weeks, all stores", overview(manager, period, rules)),
        Case("overview", "12 weeks, East, modern trade, one category", overview(manager, narrow, rules)),
        Case("overview", "52 weeks, all stores", overview(manager, year, rules)),
        Case("store", f"12 weeks, store {one_store.store}", store(manager, one_store, rules)),
        Case("competitors", "12 weeks, all stores", competitors(manager, period)),
        Case("competitors", "12 weeks, East, modern trade, one category", competitors(manager, narrow)),
        Case("visits", "8 weeks, all stores", visit_page(manager, visit_period, today)),
        Case("visits", "8 weeks, North", visit_page(manager, north, today)),
    ]
