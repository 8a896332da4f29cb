"""What a dashboard shows: a date range and store / product attributes, as SQL conditions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from audit.db import Database

DEFAULT_WEEKS = 12  # the period every page opens with: this many calendar weeks, the last one up to its end


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def default_period(last: date) -> tuple[date, date]:
    """The DEFAULT_WEEKS calendar weeks up to `last`: from the Monday DEFAULT_WEEKS - 1 weeks before last's
    week, so the first week is whole (a cut first week would look like a drop in every weekly chart)."""
    return week_monday(last) - timedelta(weeks=DEFAULT_WEEKS - 1), last


def default_period_for(db: Database, today: date | None = None) -> tuple[date, date]:
    """The period every page opens with, up to the latest audit (today when there is none), so a database
    whose audits stopped a while ago still opens on them."""
    latest = db.query_value("SELECT max(visit_date) FROM audits")
    return default_period(latest or today or date.today())


def partial_weeks(weeks: Iterable[date | None], first: date, last: date) -> dict[date, int]:
    """The weeks (given by their Mondays) that the period first..last covers only in part, each with how
    many of its working days (Monday to Friday, as visits are planned) the period holds. A week's count or
    average over fewer days is not a week's: the charts mark these weeks so a cut week is not read as a drop.
    Pass as `last` the period's end or today, whichever is earlier: days still to come are not in it."""
    from audit.plans import WORKING_DAYS  # plans builds on scoring, which builds on this module

    cut = {}
    for week in sorted({_as_date(w) for w in weeks if w is not None and w == w}):
        covered = sum(first <= week + timedelta(days=d) <= last for d in range(WORKING_DAYS))
        if covered < WORKING_DAYS:
            cut[week] = covered
    return cut


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value  # a datetime or pandas' Timestamp


@dataclass(frozen=True)
class DashboardFilters:
    date_from: date
    date_to: date
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()
    merchandisers: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    store: str | None = None

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> DashboardFilters:
        """The period of equal length just before this one, same everything else."""
        return replace(
            self, date_from=self.date_from - timedelta(days=self.days), date_to=self.date_from - timedelta(days=1)
        )

    def store_where(self, alias: str = "s") -> tuple[str, list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        for column, values in (
            ("region_code", self.regions),
            ("channel", self.channels),
            ("grade", self.grades),
            ("dealer_code", self.dealers),
        ):
            if values:
                clauses.append(f"list_contains(?, {alias}.{column})")
                params.append(list(values))
        if self.store:
            clauses.append(f"{alias}.code = ?")
            params.append(self.store)
        return " AND ".join(clauses) or "TRUE", params

    def audit_where(self, audits: str = "a", stores: str = "s") -> tuple[str, list[object]]:
        """Conditions on audits (date, merchandiser) joined to their stores."""
        clauses = [f"{audits}.visit_date BETWEEN ? AND ?"]
        params: list[object] = [self.date_from, self.date_to]
        if self.merchandisers:
            clauses.append(f"list_contains(?, {audits}.merchandiser)")
            params.append(list(self.merchandisers))
        store_sql, store_params = self.store_where(stores)
        return " AND ".join([*clauses, store_sql]), [*params, *store_params]

    def sku_where(self, alias: str = "k") -> tuple[str, list[object]]:
        """Conditions on products (category, brand): the SKU-level components count only these."""
        clauses: list[str] = []
        params: list[object] = []
        for column, values in (("category", self.categories), ("brand", self.brands)):
            if values:
                clauses.append(f"list_contains(?, {alias}.{column})")
                params.append(list(values))
        return " AND ".join(clauses) or "TRUE", params

    @property
    def narrows_products(self) -> bool:
        return bool(self.categories or self.brands)
