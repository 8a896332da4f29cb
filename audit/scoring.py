"""Compliance scoring in DuckDB SQL.

Each audit's answers are first reduced to counts (audit_sku_metrics per category and brand,
audit_metrics per audit), written in the same transaction as the audit. Scores are computed from those
counts at query time with the weights in force, so a weight change needs no recomputation and a
dashboard never reads the per-SKU lines.

Components (0-100, NULL when the audit has nothing to measure for it):
  availability    must-stock SKUs in stock / must-stock SKUs audited
  height          display-height index: relative sales of the in-stock SKUs' shelf levels
                  (1.34 / 1.78 / 1.63 / 1.00, DOMAIN.md) averaged, scaled so level 2 = 100
  eye_level       in-stock SKUs at level 2 / in-stock SKUs with a level
  share_of_shelf  our facings / (ours + competitors' facings recorded), in the categories the competitors'
                  products compete in; NULL when no competitor facings were recorded
  price           in-stock SKUs whose tag is present, placed, matching and legible and whose shelf price
                  is not more than the tolerance under the RRP / in-stock SKUs checked
  pop             required POP types present / required
  freshness       in-stock SKUs with FIFO kept and nothing near expiry or damaged / checked
Score = sum(weight * component) / sum(weight) over the components that were measured: a missing
component is left out and the others re-normalised, never counted as perfect.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import cast

import pandas as pd

from audit.auth import User
from audit.db import DIALECT, Cursor, Database, dialect_of, scalar
from audit.filters import DashboardFilters
from audit.settings import COMPONENTS, SETTINGS_KEY, ScoringSettings, from_stored, load, under_rrp_sql, validate
from audit.stores import scope_clause

SHELF_LEVEL_UPLIFT = {1: 1.34, 2: 1.78, 3: 1.63, 4: 1.00}
EYE_LEVEL = 2

_UPLIFT_CASE = "CASE l.shelf_level " + " ".join(f"WHEN {k} THEN {v}" for k, v in SHELF_LEVEL_UPLIFT.items()) + " END"

# The SKU-level counts of audit_sku_metrics that are summed per audit.
SKU_TOTALS = (
    "must_audited",
    "must_in_stock",
    "level_rated",
    "level_uplift",
    "eye_level",
    "price_checked",
    "price_ok",
    "fresh_checked",
    "fresh_ok",
)

_SKU_COUNTS = f"""
    SELECT l.audit_id, a.visit_date, p.category, p.brand,
           count(*) FILTER (WHERE l.must_stock) AS must_audited,
           count(*) FILTER (WHERE l.must_stock AND l.in_stock) AS must_in_stock,
           count(l.shelf_level) FILTER (WHERE l.in_stock) AS level_rated,
           coalesce(sum({_UPLIFT_CASE}) FILTER (WHERE l.in_stock), 0) AS level_uplift,
           count(*) FILTER (WHERE l.in_stock AND l.shelf_level = {EYE_LEVEL}) AS eye_level,
           count(*) FILTER (WHERE l.in_stock AND l.tag_present IS NOT NULL) AS price_checked,
           count(*) FILTER (WHERE l.in_stock AND l.tag_present AND l.tag_placed_ok AND l.tag_matches AND l.tag_legible
                            AND NOT {under_rrp_sql("l.shelf_price", "p.rrp", "$tolerance")}) AS price_ok,
           count(*) FILTER (WHERE l.in_stock AND l.fifo_ok IS NOT NULL AND l.near_expiry IS NOT NULL
                            AND l.damaged IS NOT NULL) AS fresh_checked,
           count(*) FILTER (WHERE l.in_stock AND l.fifo_ok AND NOT l.near_expiry AND NOT l.damaged) AS fresh_ok,
           coalesce(sum(l.facings) FILTER (WHERE l.in_stock), 0) AS our_facings
    FROM audit_lines l JOIN products p ON p.code = l.product_code JOIN audits a ON a.id = l.audit_id
    WHERE {{where}}
    GROUP BY ALL
    ORDER BY a.visit_date, l.audit_id  -- in date order, so a period reads few row groups
"""

# Share of shelf compares like with like: our facings in the categories the recorded competitor products
# compete in (all categories when an observation does not say which of our products it competes with).
_AUDIT_COUNTS = """
    WITH picked AS (SELECT a.id FROM audits a WHERE {where}),
         theirs AS (
            SELECT o.audit_id, sum(o.facings) AS facings, bool_or(o.product_code IS NULL) AS any_category,
                   list(DISTINCT p.category) FILTER (WHERE p.category IS NOT NULL) AS categories
            FROM competitor_observations o LEFT JOIN products p ON p.code = o.product_code
            WHERE o.facings IS NOT NULL AND o.audit_id IN (SELECT id FROM picked) GROUP BY 1),
         pop AS (
            SELECT audit_id, count(*) AS required, count(*) FILTER (WHERE present) AS present
            FROM audit_pop WHERE audit_id IN (SELECT id FROM picked) GROUP BY 1),
         ours AS (
            SELECT l.audit_id, sum(l.facings) AS facings
            FROM audit_lines l JOIN products p ON p.code = l.product_code JOIN theirs t ON t.audit_id = l.audit_id
            WHERE l.in_stock AND (t.any_category OR list_contains(t.categories, p.category)) GROUP BY 1)
    SELECT picked.id, coalesce(pop.required, 0), coalesce(pop.present, 0), theirs.facings,
           CASE WHEN theirs.facings IS NOT NULL THEN coalesce(ours.facings, 0) END
    FROM picked LEFT JOIN theirs ON theirs.audit_id = picked.id LEFT JOIN pop ON pop.audit_id = picked.id
    LEFT JOIN ours ON ours.audit_id = picked.id
"""


# Per audit: the SKU counts summed and the audit-level counts beside them, in date order, so a score
# without a product filter reads one row per audit (scored_audits).
_TOTALS = f"""
    SELECT a.id, a.visit_date, a.store_code, a.merchandiser,
           {", ".join(f"sum(k.{c})" for c in SKU_TOTALS)},
           any_value(m.pop_required), any_value(m.pop_present), any_value(m.competitor_facings),
           any_value(m.our_facings)
    FROM audits a JOIN audit_metrics m ON m.audit_id = a.id JOIN audit_sku_metrics k ON k.audit_id = a.id
    WHERE {{where}}
    GROUP BY a.id, a.visit_date, a.store_code, a.merchandiser
    ORDER BY a.visit_date, a.id
"""


def counted_here(cur: Cursor) -> bool:
    """The counts live in DuckDB: the embedded file, counted in the transaction that stores an audit, or each
    replica's copy of PostgreSQL, which counts what arrives there (follow_changes). PostgreSQL holds none."""
    return dialect_of(cur) == DIALECT


def record(cur: Cursor, audit_ids: list[int], tolerance: float) -> None:
    """Count what the given audits' answers hold; called in the transaction that stores them."""
    if not counted_here(cur):  # pragma: no mutate: PostgreSQL's side (make test-postgres)
        return
    cur.execute(
        f"INSERT INTO audit_sku_metrics {_SKU_COUNTS.format(where='list_contains($ids, l.audit_id)')}",
        {"ids": audit_ids, "tolerance": tolerance},  # pragma: no mutate: DuckDB reads $names in any case
    )
    cur.execute(
        f"INSERT INTO audit_metrics {_AUDIT_COUNTS.format(where='list_contains($ids, a.id)')}", {"ids": audit_ids}
    )
    cur.execute(f"INSERT INTO audit_totals {_TOTALS.format(where='list_contains($ids, a.id)')}", {"ids": audit_ids})


def record_missing(cur: Cursor, tolerance: float) -> int:
    """Count every audit that has no counts yet (bulk loads, databases older than scoring)."""
    if not counted_here(cur):  # pragma: no mutate: PostgreSQL's side (make test-postgres)
        return 0  # pragma: no mutate: PostgreSQL's side (make test-postgres)
    missing = "l.audit_id NOT IN (SELECT audit_id FROM audit_metrics)"
    cur.execute(f"INSERT INTO audit_sku_metrics {_SKU_COUNTS.format(where=missing)}", {"tolerance": tolerance})
    before = cast(int, scalar(cur, "SELECT count(*) FROM audit_metrics"))
    cur.execute(
        f"INSERT INTO audit_metrics {_AUDIT_COUNTS.format(where='a.id NOT IN (SELECT audit_id FROM audit_metrics)')}"
    )
    cur.execute(f"INSERT INTO audit_totals {_TOTALS.format(where='a.id NOT IN (SELECT audit_id FROM audit_totals)')}")
    return cast(int, scalar(cur, "SELECT count(*) FROM audit_metrics")) - before


# The tables of counts scoring keeps per audit (and recounts whole or by audit).
COUNT_TABLES = ("audit_sku_metrics", "audit_metrics", "audit_totals")


def recount(cur: Cursor, tolerance: float) -> None:
    """Recount every audit, e.g. after the price tolerance changed."""
    if not counted_here(cur):  # pragma: no mutate: PostgreSQL's side (make test-postgres)
        return
    for table in COUNT_TABLES:
        cur.execute(f"DELETE FROM {table}")
    record_missing(cur, tolerance)


# What the counts are made from: a change to any of these on a replica's copy recounts those audits.
_COUNTED_FROM = ("audits", "audit_lines", "audit_pop", "competitor_observations")


def follow_changes(cur: Cursor, changed: dict[str, set[str]]) -> None:
    """On a replica's copy, in the transaction that applies PostgreSQL's changes (audit/replica.py): count
    what arrived. `changed` names each table's changed keys (audit ids here); an empty set is a whole table."""
    tolerance = _tolerance(cur)
    if "settings" in changed or any(changed.get(t) == set() for t in _COUNTED_FROM):
        recount(cur, tolerance)
        return
    ids = sorted({int(k) for t in _COUNTED_FROM for k in changed.get(t, ())})
    if not ids:
        return
    for table in COUNT_TABLES:
        cur.execute(f"DELETE FROM {table} WHERE list_contains(?, audit_id)", [ids])
    present = [r[0] for r in cur.execute("SELECT id FROM audits WHERE list_contains(?, id)", [ids]).fetchall()]
    if present:
        record(cur, present, tolerance)


def _tolerance(cur: Cursor) -> float:
    row = cur.execute("SELECT value FROM settings WHERE key = ?", [SETTINGS_KEY]).fetchall()
    return from_stored(row[0][0] if row else None).price_tolerance


def fill_missing(db: Database) -> int:
    """At start-up: count audits stored before scoring existed. Cheap when there are none."""
    pending = db.query_value("SELECT count(*) FROM audits WHERE id NOT IN (SELECT audit_id FROM audit_metrics)")
    if not pending:
        return 0
    tolerance = load(db).price_tolerance
    with db.write() as cur:
        return record_missing(cur, tolerance)


def _counted_audits(filters: DashboardFilters) -> tuple[str, list[object]]:
    """FROM clause of the audits (alias a) with their stores (s) and counts, whose columns are named as in
    audit_totals; and its parameters. Without a product filter the per-audit totals serve; with one, the
    SKU counts of the chosen categories and brands are summed per audit and take the totals' place."""
    if not filters.narrows_products:
        return "audit_totals a JOIN stores s ON s.code = a.store_code", []
    sku_where, sku_params = filters.sku_where()
    sums = ", ".join(f"sum({c}) AS {c}" for c in SKU_TOTALS)
    # The period is applied to the counts before they are summed per audit (a 12-week view of two years
    # reads an eighth of them).
    return (
        f"""(SELECT a.* EXCLUDE ({", ".join(SKU_TOTALS)}), k.* EXCLUDE (audit_id)
                 FROM audit_totals a
                 JOIN (SELECT audit_id, {sums} FROM audit_sku_metrics k
                       WHERE {sku_where} AND k.visit_date BETWEEN ? AND ? GROUP BY audit_id) k
                   ON k.audit_id = a.audit_id) a
                JOIN stores s ON s.code = a.store_code""",
        [*sku_params, filters.date_from, filters.date_to],
    )


def _percent(part: str, whole: str) -> str:
    """part as a percentage of whole, NULL when whole is 0. In DOUBLE from the start: `100.0 * part` is
    DECIMAL arithmetic, which made the score queries 10-40 % slower (docs/benchmarks.md)."""
    return f"100 * ({part})::DOUBLE / nullif({whole}, 0)"


def scored_audits(viewer: User, filters: DashboardFilters, settings: ScoringSettings) -> tuple[str, list[object]]:
    """SQL (and parameters) of one row per audit the viewer may see within the filters: the audit's store
    attributes, each component and the score. Wrap it: WITH scored AS (...) SELECT ... FROM scored."""
    scope, scope_params = scope_clause(viewer)
    audit_where, audit_params = filters.audit_where()
    counted, counted_params = _counted_audits(filters)
    weights = settings.weight_list()
    measured = " + ".join(f"CASE WHEN {c} IS NULL THEN 0 ELSE ? END" for c in COMPONENTS)
    weighted = " + ".join(f"coalesce({c}, 0) * ?" for c in COMPONENTS)
    sql = f"""
        SELECT *, CASE WHEN weight_measured > 0 THEN weight_sum / weight_measured END AS score
        FROM (
            SELECT *, {weighted} AS weight_sum, {measured} AS weight_measured
            FROM (
                SELECT a.audit_id, a.store_code, a.visit_date, a.merchandiser,
                       s.region_code, s.channel, s.grade, s.dealer_code,
                       {_percent("a.must_in_stock", "a.must_audited")} AS availability,
                       {_percent("a.level_uplift", "a.level_rated")} / {SHELF_LEVEL_UPLIFT[EYE_LEVEL]} AS height,
                       {_percent("a.eye_level", "a.level_rated")} AS eye_level,
                       {_percent("a.our_facings", "a.our_facings + a.competitor_facings")} AS share_of_shelf,
                       {_percent("a.price_ok", "a.price_checked")} AS price,
                       {_percent("a.pop_present", "a.pop_required")} AS pop,
                       {_percent("a.fresh_ok", "a.fresh_checked")} AS freshness
                FROM {counted}
                WHERE {scope} AND {audit_where}
            )
        )"""
    # Placeholders in text order: weighted, measured, the counts' product filter and period, scope, the
    # audit filter.
    return sql, [*weights, *weights, *counted_params, *scope_params, *audit_params]


def audit_score(db: Database, viewer: User, audit_id: int, settings: ScoringSettings) -> dict[str, float | None] | None:
    """One audit's components and score with the weights in force (None when the viewer may not see it).
    Components the audit could not measure are None, as on the dashboards."""
    row = db.query_one("SELECT store_code, visit_date FROM audits WHERE id = ?", [audit_id])
    if row is None:
        return None
    # The store only narrows what the query reads, the audit id picks the row: without it, the same answer.
    one_store = DashboardFilters(row[1], row[1], store=row[0])  # pragma: no mutate
    sql, params = scored_audits(viewer, one_store, settings)
    found = db.query_df(
        f"WITH scored AS ({sql}) SELECT score, {', '.join(COMPONENTS)} FROM scored WHERE audit_id = ?",
        [*params, audit_id],
    )
    if found.empty:
        return None
    return {k: (None if pd.isna(v) else float(v)) for k, v in found.iloc[0].to_dict().items()}


def save_settings(
    db: Database, settings: ScoringSettings, username: str, now: datetime | None = None
) -> ScoringSettings:
    """Store validated settings; a changed price tolerance recounts every audit's price checks (the rules
    and what a change of them means for the stored counts live here together)."""
    settings = validate(settings)
    previous = load(db)
    with db.write() as cur:
        cur.execute(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            [SETTINGS_KEY, json.dumps(asdict(settings)), username, now or datetime.now()],
        )
        if settings.price_tolerance != previous.price_tolerance:
            recount(cur, settings.price_tolerance)
    return settings
