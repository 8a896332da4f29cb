"""The numbers behind the manager's dashboards: each function is one parameterised DuckDB query that
returns a small DataFrame (never the per-SKU lines of more than one store)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd

from audit import scoring
from audit.auth import User
from audit.db import Database
from audit.filters import DashboardFilters
from audit.i18n import city_sql, name_column, person_sql, store_name_sql
from audit.settings import COMPONENTS, ScoringSettings
from audit.stores import scope_clause

TILE_MEASURES = ("score", "availability", "eye_level", "price", "pop")
DIMENSIONS = ("region", "channel", "grade", "dealer", "merchandiser")


def _scored(viewer: User, filters: DashboardFilters, settings: ScoringSettings) -> tuple[str, list[object]]:
    sql, params = scoring.scored_audits(viewer, filters, settings)
    return f"WITH scored AS ({sql})", params


def product_options(db: Database) -> dict[str, list[str]]:
    """The categories and brands of our products, for the filters."""
    rows = (
        db.cursor()
        .execute("SELECT list(DISTINCT category ORDER BY category), list(DISTINCT brand ORDER BY brand) FROM products")
        .fetchall()[0]
    )
    return {"categories": rows[0] or [], "brands": rows[1] or []}


def data_version(db: Database) -> tuple[Any, ...]:
    """Changes whenever a dashboard's numbers may change: a new audit or new settings."""
    return db.query_row(
        "SELECT (SELECT max(id) FROM audits), (SELECT max(updated_at) FROM settings), (SELECT count(*) FROM audits)"
    )


def tiles(db: Database, viewer: User, filters: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    """One row per measure: its value in the period, in the previous period of equal length, and how
    many audits measured it."""
    both = replace(filters, date_from=filters.previous().date_from)
    head, params = _scored(viewer, both, settings)
    # Grouped by period rather than FILTER clauses per measure: a third fewer expressions to plan, and
    # planning is most of this statement's cost (docs/benchmarks.md).
    averages = ", ".join(f"avg({m}) AS {m}, count({m}) AS {m}_n" for m in TILE_MEASURES)
    periods = (
        db.query_df(
            f"{head} SELECT visit_date >= ? AS now, {averages}, count(*) AS audits FROM scored GROUP BY 1",
            [*params, filters.date_from],
        )
        .set_index("now")
        .reindex([True, False])
    )
    counts = [*(f"{m}_n" for m in TILE_MEASURES), "audits"]
    periods[counts] = periods[counts].fillna(0).astype(int)  # a period without audits has none of each
    now, previous = periods.loc[True], periods.loc[False]
    rows = [(m, now[m], previous[m], now[f"{m}_n"]) for m in TILE_MEASURES]
    rows.append(("audits", now["audits"], previous["audits"], now["audits"]))
    frame = pd.DataFrame(rows, columns=["measure", "value", "previous", "measured"])
    return frame.assign(value=pd.to_numeric(frame.value), previous=pd.to_numeric(frame.previous))


def coverage(db: Database, viewer: User, filters: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    """For each component, in how many of the period's audits it could be measured."""
    head, params = _scored(viewer, filters, settings)
    counts = ", ".join(f"count({c}) AS {c}" for c in COMPONENTS)
    row = db.query_df(f"{head} SELECT count(*) AS audits, {counts} FROM scored", params).iloc[0]
    return pd.DataFrame(
        {"component": list(COMPONENTS), "measured": [int(row[c]) for c in COMPONENTS], "audits": int(row["audits"])}
    )


def weekly(db: Database, viewer: User, filters: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    head, params = _scored(viewer, filters, settings)
    averages = ", ".join(f"avg({c}) AS {c}" for c in ("score", *COMPONENTS))
    return db.query_df(
        f"""{head} SELECT date_trunc('week', visit_date)::DATE AS week, {averages}, count(*) AS audits
            FROM scored GROUP BY 1 ORDER BY 1""",
        params,
    )


def breakdown(
    db: Database, viewer: User, filters: DashboardFilters, settings: ScoringSettings, dimension: str, lang: str
) -> pd.DataFrame:
    """Score and components per region, channel, grade, dealer or merchandiser, weakest first."""
    names = name_column(lang)
    key, label, join = {
        "region": ("region_code", f"r.{names}", "LEFT JOIN regions r ON r.code = g.key"),
        "channel": ("channel", "g.key", ""),
        "grade": ("grade", "g.key", ""),
        "dealer": ("dealer_code", f"d.{names}", "LEFT JOIN dealers d ON d.code = g.key"),
        "merchandiser": ("merchandiser", person_sql(lang), "LEFT JOIN users u ON u.username = g.key"),
    }[dimension]
    head, params = _scored(viewer, filters, settings)
    averages = ", ".join(f"avg({c}) AS {c}" for c in ("score", *COMPONENTS))
    return db.query_df(
        f"""{head}, grouped AS (
                SELECT {key} AS key, {averages}, count(*) AS audits, count(DISTINCT store_code) AS stores
                FROM scored GROUP BY 1)
            SELECT g.key, coalesce({label}, g.key, '—') AS label, g.* EXCLUDE (key)
            FROM grouped g {join} ORDER BY g.score NULLS LAST, label""",
        params,
    )


def store_scores(
    db: Database, viewer: User, filters: DashboardFilters, settings: ScoringSettings, lang: str
) -> pd.DataFrame:
    """One row per store audited in the period: card facts, mean score and components, last visit."""
    head, params = _scored(viewer, filters, settings)
    averages = ", ".join(f"avg({c}) AS {c}" for c in ("score", *COMPONENTS))
    return db.query_df(
        f"""{head}, per_store AS (
                SELECT store_code, {averages}, count(*) AS audits, max(visit_date) AS last_visit
                FROM scored GROUP BY 1)
            SELECT s.code, {store_name_sql(lang)} AS name, {city_sql(lang)} AS city, s.grade, s.channel, s.latitude,
                   s.longitude, p.* EXCLUDE (store_code)
            FROM per_store p JOIN stores s ON s.code = p.store_code
            ORDER BY p.score NULLS LAST, s.code""",
        params,
    )


# ---------------------------------------------------------------- one store


def sku_availability(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    """Per SKU and week at one store (filters.store): share of audits that found it in stock."""
    scope, scope_params = scope_clause(viewer)
    where, params = filters.audit_where()
    sku_where, sku_params = filters.sku_where("p")
    return db.query_df(
        f"""SELECT date_trunc('week', a.visit_date)::DATE AS week, l.product_code,
                   l.product_code || ' · ' || p.{name_column(lang)} AS product,
                   100.0 * avg(l.in_stock::INTEGER) AS availability, count(*) AS audits
            FROM audits a JOIN stores s ON s.code = a.store_code
            JOIN audit_lines l ON l.audit_id = a.id JOIN products p ON p.code = l.product_code
            WHERE {scope} AND {where} AND {sku_where} AND l.must_stock
            GROUP BY ALL ORDER BY l.product_code, week""",
        [*scope_params, *params, *sku_params],
    )


def photos(
    db: Database, viewer: User, filters: DashboardFilters, section: str | None = None, limit: int = 48
) -> pd.DataFrame:
    """Newest photos first, with their audit, store and flags; optionally one section only."""
    scope, scope_params = scope_clause(viewer)
    where, params = filters.audit_where()
    return db.query_df(
        f"""SELECT a.visit_date, a.store_code, a.id AS audit_id, ap.section, ap.photo_sha256, p.thumb_sha256,
                   ap.flag_reused, ap.flag_old, ap.caption
            FROM audit_photos ap JOIN audits a ON a.id = ap.audit_id JOIN stores s ON s.code = a.store_code
            JOIN photos p ON p.sha256 = ap.photo_sha256
            WHERE {scope} AND {where} AND (?::VARCHAR IS NULL OR ap.section = ?)
            ORDER BY a.visit_date DESC, a.id DESC, ap.photo_sha256 LIMIT ?""",
        [*scope_params, *params, section, section, limit],
    )


# ---------------------------------------------------------------- competitors


def _observations(viewer: User, filters: DashboardFilters, lang: str) -> tuple[str, list[object]]:
    """CTE of the competitor observations in view, with brand label and store attributes."""
    scope, scope_params = scope_clause(viewer)
    where, params = filters.audit_where()
    names = name_column(lang)
    return (
        f"""WITH seen AS (
                SELECT o.*, coalesce(o.competitor_code, 'other') AS brand_code,
                       coalesce(c.{names}, o.competitor_other) AS brand, a.visit_date, a.store_code,
                       s.region_code, s.channel, a.id AS audit
                FROM competitor_observations o JOIN audits a ON a.id = o.audit_id
                JOIN stores s ON s.code = a.store_code LEFT JOIN competitors c ON c.code = o.competitor_code
                WHERE {scope} AND {where})""",
        [*scope_params, *params],
    )


def competitor_weekly(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    head, params = _observations(viewer, filters, lang)
    return db.query_df(
        f"""{head} SELECT date_trunc('week', visit_date)::DATE AS week, brand_code, brand, kind,
                                  count(*) AS observations FROM seen GROUP BY ALL ORDER BY week, brand_code, kind""",
        params,
    )


def competitor_where(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    head, params = _observations(viewer, filters, lang)
    return db.query_df(
        f"""{head} SELECT coalesce(r.{name_column(lang)}, seen.region_code) AS region, channel, brand_code, brand,
                   count(*) AS observations, count(DISTINCT store_code) AS stores
            FROM seen LEFT JOIN regions r ON r.code = seen.region_code
            GROUP BY ALL ORDER BY region, channel, brand_code""",
        params,
    )


def competitor_prices(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    """Competitor price index per brand: their normal / promotion / flash price as a percentage of our
    recommended price and of our shelf price at the same visit, for the product they compete with."""
    head, params = _observations(viewer, filters, lang)
    sku_where, sku_params = filters.sku_where("p")
    return db.query_df(
        f"""{head} SELECT seen.brand_code, seen.brand, count(*) AS observations,
                   100 * avg(seen.normal_price / p.rrp) AS normal_vs_rrp,
                   100 * avg(seen.promo_price / p.rrp) AS promo_vs_rrp,
                   100 * avg(seen.flash_price / p.rrp) AS flash_vs_rrp,
                   100 * avg(seen.normal_price / l.shelf_price) AS normal_vs_shelf,
                   100 * avg(seen.promo_price / l.shelf_price) AS promo_vs_shelf,
                   100 * avg(seen.flash_price / l.shelf_price) AS flash_vs_shelf
            FROM seen JOIN products p ON p.code = seen.product_code
            LEFT JOIN audit_lines l ON l.audit_id = seen.audit AND l.product_code = seen.product_code
                                    AND l.shelf_price > 0
            WHERE {sku_where}
            GROUP BY ALL ORDER BY seen.brand_code""",
        [*params, *sku_params],
    )


def share_of_shelf(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    """Per week: our facings and each competitor's, as a share of all facings recorded, over the audits
    that recorded competitors' facings (the same base as the share-of-shelf component)."""
    head, params = _observations(viewer, filters, lang)
    scope, scope_params = scope_clause(viewer)
    where, audit_params = filters.audit_where()
    return db.query_df(
        f"""{head}, theirs AS (
                SELECT date_trunc('week', visit_date)::DATE AS week, brand_code, any_value(brand) AS brand,
                       sum(facings) AS facings
                FROM seen WHERE facings IS NOT NULL GROUP BY ALL),
            ours AS (
                SELECT date_trunc('week', a.visit_date)::DATE AS week, 'ours' AS brand_code, NULL AS brand,
                       sum(m.our_facings) AS facings
                FROM audits a JOIN stores s ON s.code = a.store_code JOIN audit_metrics m ON m.audit_id = a.id
                WHERE {scope} AND {where} AND m.competitor_facings IS NOT NULL GROUP BY ALL),
            both_ AS (SELECT * FROM theirs UNION ALL BY NAME SELECT * FROM ours)
            SELECT week, brand_code, brand, facings, 100.0 * facings / sum(facings) OVER (PARTITION BY week) AS share
            FROM both_ ORDER BY week, brand_code = 'ours' DESC, brand_code""",
        [*params, *scope_params, *audit_params],
    )


def competitor_log(
    db: Database, viewer: User, filters: DashboardFilters, lang: str, limit: int | None = 200
) -> pd.DataFrame:
    """The latest observations themselves, newest first."""
    head, params = _observations(viewer, filters, lang)
    return db.query_df(
        f"""{head} SELECT visit_date, store_code, brand_code, brand, kind, product, normal_price, promo_price,
                   flash_price, facings, note
            FROM seen ORDER BY visit_date DESC, id DESC LIMIT ?""",
        [*params, limit],
    )
