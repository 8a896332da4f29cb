"""Store list and store card, scoped to what the signed-in user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import cast

import pandas as pd

from audit.auth import User
from audit.db import Database
from audit.i18n import city_sql, name_column, person_sql, store_name_sql
from audit.values import Record

CHANNELS = ("traditional", "modern", "special")
GRADES = ("A", "B", "C")


# pragma on the two lines below: SQL reads an unquoted alias and TRUE in any case ("S", "true" are the same SQL).
def scope_clause(viewer: User, alias: str = "s") -> tuple[str, list[object]]:  # pragma: no mutate
    """SQL condition (and its parameters) limiting stores to those the viewer may see."""
    if viewer.sees_all_stores:
        return "TRUE", []  # pragma: no mutate
    if viewer.role == "dealer":
        return f"{alias}.dealer_code = ?", [viewer.dealer_code]
    return f"{alias}.merchandiser = ?", [viewer.username]


@dataclass(frozen=True)
class StoreFilters:
    search: str = ""
    regions: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    dealers: tuple[str, ...] = ()
    merchandisers: tuple[str, ...] = ()

    def where(self) -> tuple[list[str], list[object]]:
        clauses: list[str] = []
        params: list[object] = []
        if self.search.strip():
            term = f"%{self.search.strip().lower()}%"
            clauses.append(
                "(lower(s.code) LIKE ? OR lower(s.name) LIKE ? OR lower(coalesce(s.name_en, '')) LIKE ?"
                " OR lower(coalesce(s.city, '')) LIKE ? OR lower(coalesce(s.city_en, '')) LIKE ?"
                " OR lower(coalesce(s.address, '')) LIKE ?)"
            )
            params += [term] * 6
        for column, values in (
            ("s.region_code", self.regions),
            ("s.channel", self.channels),
            ("s.grade", self.grades),
            ("s.dealer_code", self.dealers),
            ("s.merchandiser", self.merchandisers),
        ):
            if values:
                clauses.append(f"list_contains(?, {column})")
                params.append(list(values))
        return clauses, params


def list_stores(
    db: Database, viewer: User, filters: StoreFilters, lang: str, today: date | None = None
) -> pd.DataFrame:
    scope, params = scope_clause(viewer)
    clauses, filter_params = filters.where()
    names = name_column(lang)
    sql = f"""
        WITH visits AS (
            SELECT store_code, max(visit_date) AS last_visit,
                   count(*) FILTER (WHERE visit_date > ?::DATE - INTERVAL 28 DAY) AS visits_28d
            FROM audits GROUP BY store_code
        )
        SELECT s.code, {store_name_sql(lang)} AS name, {city_sql(lang)} AS city, r.{names} AS region, s.channel,
               s.sub_channel, s.grade, d.{names} AS dealer, {person_sql(lang)} AS merchandiser,
               v.last_visit, coalesce(v.visits_28d, 0) AS visits_28d
        FROM stores s
        LEFT JOIN regions r ON r.code = s.region_code
        LEFT JOIN dealers d ON d.code = s.dealer_code
        LEFT JOIN users u ON u.username = s.merchandiser
        LEFT JOIN visits v ON v.store_code = s.code
        WHERE s.active AND {scope} {"".join(" AND " + c for c in clauses)}
        ORDER BY s.code
    """
    return db.query_df(sql, [today or date.today(), *params, *filter_params])


def count_visible_stores(db: Database, viewer: User) -> int:
    scope, params = scope_clause(viewer)
    return cast(int, db.query_value(f"SELECT count(*) FROM stores s WHERE s.active AND {scope}", params))


@dataclass(frozen=True)
class FilterOptions:
    regions: dict[str, str] = field(default_factory=dict)
    dealers: dict[str, str] = field(default_factory=dict)
    merchandisers: dict[str, str] = field(default_factory=dict)


def filter_options(db: Database, viewer: User, lang: str) -> FilterOptions:
    """Code -> label for each filter, limited to values that occur among the viewer's stores."""
    scope, params = scope_clause(viewer)
    names = name_column(lang)

    def options(sql: str) -> dict[str, str]:
        return dict(db.cursor().execute(sql, params).fetchall())

    return FilterOptions(
        regions=options(
            f"SELECT DISTINCT r.code, r.{names} FROM stores s JOIN regions r ON r.code = s.region_code"
            f" WHERE {scope} ORDER BY 2"
        ),
        dealers=options(
            f"SELECT DISTINCT d.code, d.{names} FROM stores s JOIN dealers d ON d.code = s.dealer_code"
            f" WHERE {scope} ORDER BY 2"
        ),
        merchandisers=options(
            f"SELECT DISTINCT u.username, {person_sql(lang)} FROM stores s JOIN users u ON u.username = s.merchandiser"
            f" WHERE {scope} ORDER BY 2"
        ),
    )


def store_card(db: Database, viewer: User, code: str, lang: str) -> Record | None:
    """Every field of one store's card, or None when it does not exist or is not the viewer's."""
    scope, params = scope_clause(viewer)
    names = name_column(lang)
    df = db.query_df(
        f"""
        SELECT s.*, r.{names} AS region, d.{names} AS dealer, d.phone AS dealer_phone,
               {person_sql(lang)} AS merchandiser_name, {store_name_sql(lang)} AS name_shown,
               {city_sql(lang)} AS city_shown
        FROM stores s
        LEFT JOIN regions r ON r.code = s.region_code
        LEFT JOIN dealers d ON d.code = s.dealer_code
        LEFT JOIN users u ON u.username = s.merchandiser
        WHERE s.code = ? AND {scope}
        """,
        [code, *params],
    )
    if df.empty:
        return None
    return {k: (None if pd.isna(v) else v) for k, v in df.iloc[0].to_dict().items()}


def recent_audits(db: Database, viewer: User, code: str, lang: str, limit: int = 5) -> pd.DataFrame:
    """The store's latest audits with headline findings (visible stores only)."""
    scope, params = scope_clause(viewer)
    return db.query_df(
        f"""
        WITH latest AS (
            SELECT a.* FROM audits a JOIN stores s ON s.code = a.store_code
            WHERE a.store_code = ? AND {scope}
            ORDER BY a.visit_date DESC, a.id DESC LIMIT ?
        )
        SELECT a.id, a.visit_date, {person_sql(lang)} AS merchandiser, a.order_placed, a.order_amount,
               count(l.product_code) FILTER (WHERE l.must_stock) AS skus_checked,
               count(l.product_code) FILTER (WHERE l.must_stock AND NOT l.in_stock) AS stock_outs,
               date_diff('minute', a.started_at, a.submitted_at) AS minutes
        FROM latest a
        LEFT JOIN users u ON u.username = a.merchandiser
        LEFT JOIN audit_lines l ON l.audit_id = a.id
        GROUP BY ALL
        ORDER BY a.visit_date DESC, a.id DESC
        """,
        [code, *params, limit],
    )
