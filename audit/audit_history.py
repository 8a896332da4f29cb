"""Submitted audits to look back on (the My audits page): found by store code or name, merchandiser and
period, counted and read a page at a time, all in one parameterised query per answer. A merchandiser sees
their own audits; managers and admins everyone's, as before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast

import pandas as pd

from audit.auth import User
from audit.db import Database
from audit.i18n import person_sql, store_name_sql

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditSearch:
    text: str = ""  # part of a store's code or name (either language), any case
    merchandisers: tuple[str, ...] = ()  # user names; none = everyone the viewer may see
    date_from: date | None = None  # visit dates, both ends included
    date_to: date | None = None

    def where(self, viewer: User) -> tuple[str, list[object]]:
        """Conditions on audits a joined to their stores s, the viewer's scope first."""
        clauses: list[str] = []
        params: list[object] = []
        if not viewer.sees_all_stores:
            clauses.append("a.merchandiser = ?")
            params.append(viewer.username)
        term = " ".join(self.text.split()).lower()
        if term:
            clauses.append(
                "(contains(lower(s.code), ?) OR contains(lower(s.name), ?)"
                " OR contains(lower(coalesce(s.name_en, '')), ?))"
            )
            params += [term, term, term]
        if self.merchandisers:
            clauses.append("list_contains(?, a.merchandiser)")
            params.append(list(self.merchandisers))
        if self.date_from is not None:
            clauses.append("a.visit_date >= ?")
            params.append(self.date_from)
        if self.date_to is not None:
            clauses.append("a.visit_date <= ?")
            params.append(self.date_to)
        return " AND ".join(clauses) or "TRUE", params


@dataclass(frozen=True)
class AuditPage:
    rows: pd.DataFrame  # id, store_code, store, visit_date, merchandiser, stock_outs, photos; newest first
    total: int  # every audit the search finds
    offset: int


def count_audits(db: Database, viewer: User, search: AuditSearch) -> int:
    where, params = search.where(viewer)
    return cast(
        int,
        db.query_value(f"SELECT count(*) FROM audits a JOIN stores s ON s.code = a.store_code WHERE {where}", params),
    )


def find_audits(
    db: Database, viewer: User, search: AuditSearch, lang: str, offset: int = 0, limit: int = PAGE_SIZE
) -> AuditPage:
    """One page of the audits the search finds, newest submitted first, and how many it finds in all. An
    offset past the end gives the last page."""
    total = count_audits(db, viewer, search)
    offset = max(0, min(offset, (max(total, 1) - 1) // limit * limit))
    where, params = search.where(viewer)
    rows = db.query_df(
        f"""WITH page AS (SELECT a.* FROM audits a JOIN stores s ON s.code = a.store_code WHERE {where}
                          ORDER BY a.submitted_at DESC, a.id DESC LIMIT ? OFFSET ?)
            SELECT a.id, a.store_code, {store_name_sql(lang)} AS store, a.visit_date,
                   {person_sql(lang)} AS merchandiser,
                   (SELECT count(*) FROM audit_lines l WHERE l.audit_id = a.id AND l.must_stock AND NOT l.in_stock)
                       AS stock_outs,
                   (SELECT count(*) FROM audit_photos p WHERE p.audit_id = a.id) AS photos
            FROM page a JOIN stores s ON s.code = a.store_code LEFT JOIN users u ON u.username = a.merchandiser
            ORDER BY a.submitted_at DESC, a.id DESC""",
        [*params, limit, offset],
    )
    return AuditPage(rows, total, offset)


def merchandiser_options(db: Database, viewer: User, lang: str) -> dict[str, str]:
    """User name -> name shown, for everyone who submitted an audit the viewer may see."""
    where, params = AuditSearch().where(viewer)
    return dict(
        db.cursor()
        .execute(
            f"""SELECT DISTINCT a.merchandiser, coalesce({person_sql(lang)}, a.merchandiser) AS shown
            FROM audits a JOIN stores s ON s.code = a.store_code LEFT JOIN users u ON u.username = a.merchandiser
            WHERE {where} ORDER BY shown""",
            params,
        )
        .fetchall()
    )
