"""The visit measures, per merchandiser, region, dealer and week, as parameterised SQL.

    completion = planned visits done ÷ planned visits                  (unplanned visits not counted)
    success    = planned visits done that ended in an order ÷ planned visits done
    unplanned  = audits that fulfil no planned visit
    duration   = minutes from the audit's start to its submit
    overdue    = stores whose last visit is older than their grade allows (audit.capture's rule)
    frequency  = visits per store and week, per grade, against the grade's target

A planned visit is done when an audit of the same store, merchandiser and day exists
(plans.AUDIT_FULFILS_PLAN); a second audit of that store that day is an unplanned visit. Planned
visits count up to the end of the period but never beyond today: tomorrow's plan is not yet missed.
Planned visits belong to the merchandiser they were planned for, audits to the one who made them;
region and dealer are the store's. Every figure is aggregated in DuckDB; pandas only receives results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from audit.auth import User
from audit.capture import visit_state_sql
from audit.db import Database
from audit.errors import UserFacingError
from audit.i18n import name_column, person_sql, store_name_sql
from audit.plans import AUDIT_FULFILS_PLAN
from audit.stores import scope_clause
from audit.values import Record

DAYS_PER_MONTH = 365.25 / 12
# Target visits per store and week by grade (DOMAIN.md: A 2–3 a week, B 1–2 a week, C 2–3 a month).
TARGET_PER_WEEK = {"A": (2.0, 3.0), "B": (1.0, 2.0), "C": (2 * 7 / DAYS_PER_MONTH, 3 * 7 / DAYS_PER_MONTH)}
GROUPINGS = {  # by -> (key of a planned visit pv, key of an audit a); both stores are s
    "total": ("'total'", "'total'"),
    "merchandiser": ("pv.merchandiser", "a.merchandiser"),
    "region": ("s.region_code", "s.region_code"),
    "dealer": ("s.dealer_code", "s.dealer_code"),
    "week": ("date_trunc('week', pv.planned_date)::DATE", "date_trunc('week', a.visit_date)::DATE"),
}
LEAGUES = {  # by -> (store column the overdue stores are counted by, name of a key)
    "merchandiser": ("s.merchandiser", "(SELECT {person} FROM users u WHERE username = m.key)"),
    "region": ("s.region_code", "(SELECT {names} FROM regions WHERE code = m.key)"),
    "dealer": ("s.dealer_code", "(SELECT {names} FROM dealers WHERE code = m.key)"),
}
MEASURE_COLUMNS = ["planned", "done", "with_order", "unplanned", "visits", "median_minutes", "completion", "success"]
# totals() of a period with nothing planned or visited: the counts 0, the median and the rates unknown.
NO_VISIT_TOTALS: Record = {
    "planned": 0,
    "done": 0,
    "with_order": 0,
    "unplanned": 0,
    "visits": 0,
    "median_minutes": None,
    "completion": None,
    "success": None,
}


class VisitsError(UserFacingError):
    """The measures cannot be computed as asked."""


@dataclass(frozen=True)
class VisitFilters:
    start: date
    end: date
    regions: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()
    merchandisers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise VisitsError("visits.error.range", start=self.start.isoformat(), end=self.end.isoformat())

    def stores(self, viewer: User) -> tuple[str, list[object]]:
        """Condition on the store s: the viewer's scope, regions and dealers."""
        scope, params = scope_clause(viewer)
        clauses = [scope]
        for column, values in (("s.region_code", self.regions), ("s.dealer_code", self.dealers)):
            if values:
                clauses.append(f"list_contains(?, {column})")
                params = [*params, list(values)]
        return " AND ".join(clauses), params

    def people(self, column: str) -> tuple[str, list[object]]:
        """Condition on the merchandiser in `column` (a constant of this module)."""
        if not self.merchandisers:
            return "TRUE", []
        return f"list_contains(?, {column})", [list(self.merchandisers)]

    def plan_end(self, today: date) -> date:
        return min(self.end, today)


def _measures_sql(viewer: User, f: VisitFilters, by: str, today: date) -> tuple[str, list[object]]:
    """One row per key of `by`: planned, done, with_order, unplanned, visits, median_minutes,
    completion, success (a rate is NULL when it has nothing to divide by)."""
    plan_key, audit_key = GROUPINGS[by]
    stores, store_params = f.stores(viewer)
    plan_people, plan_people_params = f.people("pv.merchandiser")
    audit_people, audit_people_params = f.people("a.merchandiser")
    sql = f"""
        WITH aud AS (
            SELECT a.id, a.store_code, a.merchandiser, a.visit_date, a.order_placed,
                   date_diff('second', a.started_at, a.submitted_at) / 60.0 AS minutes,
                   row_number() OVER (PARTITION BY a.store_code, a.merchandiser, a.visit_date
                                      ORDER BY a.submitted_at, a.id) AS nth,
                   pv.store_code IS NOT NULL AS on_plan
            FROM audits a  -- joined, not NOT EXISTS per audit: one hash join (a store is planned once a day)
            LEFT JOIN planned_visits pv ON {AUDIT_FULFILS_PLAN} AND pv.planned_date BETWEEN ? AND ?
            WHERE a.visit_date BETWEEN ? AND ?),
        plan AS (
            SELECT pv.store_code, pv.merchandiser, pv.planned_date, a.id IS NOT NULL AS done,
                   coalesce(a.order_placed, FALSE) AS ordered
            FROM planned_visits pv LEFT JOIN aud a ON a.nth = 1 AND {AUDIT_FULFILS_PLAN}
            WHERE pv.planned_date BETWEEN ? AND ?),
        events AS (
            SELECT {plan_key} AS key, 1 AS planned, pv.done::INT AS done, (pv.done AND pv.ordered)::INT AS ordered,
                   0 AS unplanned, NULL::DOUBLE AS minutes
            FROM plan pv JOIN stores s ON s.code = pv.store_code
            WHERE {stores} AND {plan_people}
            UNION ALL
            SELECT {audit_key}, 0, 0, 0,
                   (a.nth > 1 OR NOT a.on_plan)::INT,
                   a.minutes
            FROM aud a JOIN stores s ON s.code = a.store_code
            WHERE {stores} AND {audit_people})
        SELECT key, sum(planned)::BIGINT AS planned, sum(done)::BIGINT AS done, sum(ordered)::BIGINT AS with_order,
               sum(unplanned)::BIGINT AS unplanned, count(minutes) AS visits, median(minutes) AS median_minutes,
               sum(done) / nullif(sum(planned), 0) AS completion, sum(ordered) / nullif(sum(done), 0) AS success
        FROM events GROUP BY key"""
    params = [
        f.start,
        f.end,
        f.start,
        f.end,
        f.start,
        f.plan_end(today),
        *store_params,
        *plan_people_params,
        *store_params,
        *audit_people_params,
    ]
    return sql, params


def totals(db: Database, viewer: User, f: VisitFilters, today: date | None = None) -> Record:
    """The period's figures for the tiles; counts are 0 and rates None when there is nothing."""
    sql, params = _measures_sql(viewer, f, "total", today or date.today())
    df = db.query_df(sql, params)
    if df.empty:
        return dict(NO_VISIT_TOTALS)
    return {k: (None if pd.isna(v) else v) for k, v in df.iloc[0][MEASURE_COLUMNS].to_dict().items()}


def weekly(db: Database, viewer: User, f: VisitFilters, today: date | None = None) -> pd.DataFrame:
    """One row per week (its Monday) with every measure, oldest first."""
    sql, params = _measures_sql(viewer, f, "week", today or date.today())
    return db.query_df(f"SELECT key AS week, * EXCLUDE (key) FROM ({sql}) ORDER BY week", params)


def league(db: Database, viewer: User, f: VisitFilters, by: str, lang: str, today: date | None = None) -> pd.DataFrame:
    """Per merchandiser, region or dealer: the measures and the overdue stores, best completion first."""
    if by not in LEAGUES:
        raise VisitsError("visits.error.grouping", by=str(by))
    today = today or date.today()
    store_column, name_sql = LEAGUES[by]
    name_sql = name_sql.format(names=name_column(lang), person=person_sql(lang))
    measures, measure_params = _measures_sql(viewer, f, by, today)
    stores, store_params = f.stores(viewer)
    people, people_params = f.people("s.merchandiser")
    state, state_params = visit_state_sql(f"{stores} AND {people}", [*store_params, *people_params], f.plan_end(today))
    return db.query_df(
        f"""WITH m AS ({measures}),
                 late AS (SELECT {store_column} AS key, count(*) AS overdue
                          FROM ({state}) q JOIN stores s ON s.code = q.code WHERE q.status = 'overdue' GROUP BY ALL)
            SELECT m.key, coalesce({name_sql}, m.key, '—') AS name,
                   m.* EXCLUDE (key), coalesce(late.overdue, 0) AS overdue
            FROM m LEFT JOIN late ON late.key IS NOT DISTINCT FROM m.key
            ORDER BY m.completion DESC NULLS LAST, m.planned DESC, name""",
        [*measure_params, *state_params],
    )


def overdue_stores(db: Database, viewer: User, f: VisitFilters, lang: str, today: date | None = None) -> pd.DataFrame:
    """Stores past their grade's longest interval at the end of the period, longest overdue first: never
    visited, then by days overdue (days since the last visit minus allowed_days, the whole days the grade
    allows, as the page shows it), then grade A before B before C."""
    stores, store_params = f.stores(viewer)
    people, people_params = f.people("s.merchandiser")
    state, state_params = visit_state_sql(
        f"{stores} AND {people}", [*store_params, *people_params], f.plan_end(today or date.today())
    )
    names = name_column(lang)
    return db.query_df(
        f"""SELECT q.code, {store_name_sql(lang)} AS name, q.grade, r.{names} AS region, d.{names} AS dealer,
                   {person_sql(lang)} AS merchandiser, q.last_visit, q.days_since,
                   floor(q.overdue_days)::INT AS allowed_days
            FROM ({state}) q JOIN stores s ON s.code = q.code
            LEFT JOIN regions r ON r.code = s.region_code
            LEFT JOIN dealers d ON d.code = s.dealer_code
            LEFT JOIN users u ON u.username = s.merchandiser
            WHERE q.status = 'overdue'
            ORDER BY q.days_since - floor(q.overdue_days) DESC NULLS FIRST, q.grade, q.code""",
        state_params,
    )


def overdue_by_grade(db: Database, viewer: User, f: VisitFilters, today: date | None = None) -> dict[str, int]:
    """Overdue stores per grade (every grade present, 0 when none)."""
    stores, store_params = f.stores(viewer)
    people, people_params = f.people("s.merchandiser")
    state, state_params = visit_state_sql(
        f"{stores} AND {people}", [*store_params, *people_params], f.plan_end(today or date.today())
    )
    rows = (
        db.cursor()
        .execute(
            f"SELECT grade, count(*) FILTER (WHERE status = 'overdue') FROM ({state}) GROUP BY grade", state_params
        )
        .fetchall()
    )
    return {"A": 0, "B": 0, "C": 0} | dict(rows)


def frequency(db: Database, viewer: User, f: VisitFilters, today: date | None = None) -> pd.DataFrame:
    """Per grade: active stores, their visits in the period, visits per store and week, the target range
    per week and whether the grade is below, within or above it."""
    today = today or date.today()
    days = (f.plan_end(today) - f.start).days + 1
    if days <= 0:
        return pd.DataFrame(columns=["grade", "stores", "visits", "per_week", "target_low", "target_high", "verdict"])
    stores, store_params = f.stores(viewer)
    people, people_params = f.people("s.merchandiser")
    targets = [v for g in ("A", "B", "C") for v in TARGET_PER_WEEK[g]]
    return db.query_df(
        f"""WITH v AS (SELECT store_code, count(*) AS n FROM audits WHERE visit_date BETWEEN ? AND ? GROUP BY ALL),
                 g AS (SELECT s.grade, count(*) AS stores, coalesce(sum(v.n), 0)::BIGINT AS visits
                       FROM stores s LEFT JOIN v ON v.store_code = s.code
                       WHERE s.active AND {stores} AND {people} GROUP BY s.grade),
                 t AS (SELECT * FROM (VALUES ('A', ?, ?), ('B', ?, ?), ('C', ?, ?)) t(grade, target_low, target_high))
            SELECT g.grade, g.stores, g.visits, g.visits / g.stores / (? / 7.0) AS per_week,
                   t.target_low::DOUBLE AS target_low, t.target_high::DOUBLE AS target_high,
                   CASE WHEN per_week < t.target_low THEN 'below' WHEN per_week > t.target_high THEN 'above'
                        ELSE 'within' END AS verdict
            FROM g JOIN t USING (grade) ORDER BY g.grade""",
        [f.start, f.plan_end(today), *store_params, *people_params, *targets, days],
    )
