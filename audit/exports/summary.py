"""A dealer's audit summary for a period, gathered from SQL once; the PDF, XLSX and CSV writers only
lay it out.

Every number that the dashboard also shows comes from the dashboard's own queries (audit/dashboard.py)
with the dealer as the filter, so a summary and the dashboard agree for the same period. Everything is
scoped to the viewer in SQL (stores.scope_clause): a dealer user's request for another dealer's stores is
refused before any query runs, and would find no rows if it were not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import pandas as pd

from audit import access, actions, dashboard, scoring, settings, visits
from audit.auth import User
from audit.db import Database
from audit.errors import UserFacingError
from audit.filters import DashboardFilters
from audit.i18n import LANGUAGES, city_sql, name_column, person_sql, store_name_sql
from audit.settings import COMPONENTS, ScoringSettings, under_rrp_sql
from audit.stores import scope_clause

FORMATS = ("pdf", "xlsx", "csv")
FINDING_KINDS = ("stock_out", "tag", "below_rrp", "pop")
# Which photo of an audit proves a finding: the first section listed that the audit has a photo of.
PROOF_SECTIONS = {
    "stock_out": ("shelf",),
    "tag": ("price", "shelf"),
    "below_rrp": ("price", "shelf"),
    "pop": ("pop", "store"),
}


class ExportError(UserFacingError):
    """An export that cannot be made as asked (export.error.*)."""


@dataclass(frozen=True)
class ExportRequest:
    dealer_code: str
    date_from: date
    date_to: date
    lang: str = "en"
    fmt: str = "pdf"

    def filters(self) -> DashboardFilters:
        return DashboardFilters(date_from=self.date_from, date_to=self.date_to, dealers=(self.dealer_code,))


@dataclass(frozen=True)
class PlannedVisits:
    planned: int  # planned visits in the period at the dealer's stores
    done: int  # ... of which an audit was made at that store on the planned day


@dataclass
class DealerSummary:
    request: ExportRequest
    dealer_name: str
    generated_at: datetime
    rules: ScoringSettings
    stores_supplied: int  # the dealer's active stores
    overall: pd.Series  # score and components over the period (dashboard breakdown by dealer)
    overall_previous: pd.Series | None  # the same for the previous period of equal length
    audits_previous: int
    planned: PlannedVisits
    stores: pd.DataFrame  # one row per store: card facts, score and components, previous score
    weekly: pd.DataFrame  # dashboard.weekly
    audits: pd.DataFrame  # one row per audit: score, components, counts of findings, photos
    findings: pd.DataFrame  # one row per problem found per audit, with the photo that proves it
    store_findings: pd.DataFrame  # the same per store and item: how often, last seen, latest proof
    store_photos: pd.DataFrame  # each proof photo of store_findings once per store, numbered in list order
    competitor_weekly: pd.DataFrame  # dashboard.competitor_weekly
    competitor_prices: pd.DataFrame  # dashboard.competitor_prices
    observations: pd.DataFrame  # every competitor observation, newest first, with the store's name
    store_competitors: pd.DataFrame  # per store, brand and kind: how often, last seen
    photos: pd.DataFrame  # every photo of the period's audits, newest first
    actions: pd.DataFrame | None = None  # the open actions at the dealer's stores: the dealer's own first

    @property
    def lang(self) -> str:
        return self.request.lang

    @property
    def audits_done(self) -> int:
        return len(self.audits)

    @property
    def stores_audited(self) -> int:
        return int((self.stores.audits > 0).sum())

    @property
    def previous_period(self) -> tuple[date, date]:
        previous = self.request.filters().previous()
        return previous.date_from, previous.date_to


# ---------------------------------------------------------------- who may export what


def dealer_options(db: Database, viewer: User, lang: str) -> dict[str, str]:
    """Dealers the viewer may export: code -> name. A dealer user gets only their own dealer."""
    names = name_column(lang)
    if viewer.role == "dealer":
        rows = db.cursor().execute(f"SELECT code, {names} FROM dealers WHERE code = ?", [viewer.dealer_code]).fetchall()
    elif access.allowed(viewer, access.EXPORTS):
        rows = db.cursor().execute(f"SELECT code, {names} FROM dealers ORDER BY code").fetchall()
    else:
        rows = []
    return dict(rows)


def authorise(db: Database, viewer: User, request: ExportRequest) -> str:
    """Check the request; returns the dealer's name in the request's language, or raises ExportError."""
    if not access.allowed(viewer, access.EXPORTS):
        raise ExportError("export.error.not_allowed")
    if viewer.role == "dealer" and request.dealer_code != viewer.dealer_code:
        raise ExportError("export.error.other_dealer", code=request.dealer_code)
    if request.lang not in LANGUAGES:
        raise ExportError("export.error.language", lang=request.lang)
    if request.fmt not in FORMATS:
        raise ExportError("export.error.format", fmt=request.fmt)
    if request.date_from > request.date_to:
        raise ExportError("export.error.period")
    row = db.query_one(f"SELECT {name_column(request.lang)} FROM dealers WHERE code = ?", [request.dealer_code])
    if row is None:
        raise ExportError("export.error.no_dealer", code=request.dealer_code)
    return cast(str, row[0])


# ---------------------------------------------------------------- the summary


def build_summary(db: Database, viewer: User, request: ExportRequest, now: datetime | None = None) -> DealerSummary:
    dealer_name = authorise(db, viewer, request)
    rules = settings.load(db)
    lang = request.lang
    filters = request.filters()
    previous = filters.previous()

    overall = _dealer_row(dashboard.breakdown(db, viewer, filters, rules, "dealer", lang), request.dealer_code)
    before = _dealer_row(dashboard.breakdown(db, viewer, previous, rules, "dealer", lang), request.dealer_code)
    stores = _stores(db, viewer, request, rules)
    findings = _findings(db, viewer, request, rules)
    observations = dashboard.competitor_log(db, viewer, filters, lang, limit=None)
    observations = observations.assign(
        store=observations.store_code.map(dict(zip(stores.code, stores.name, strict=True)))
    )
    cur = db.cursor()
    cur.register("export_findings", findings)
    cur.register("export_observations", observations)
    try:
        audits = _audits(db, viewer, filters, rules, lang)
        store_findings = db.query_df(_STORE_FINDINGS)
        cur.register("export_store_findings", store_findings)
        store_photos = db.query_df(_STORE_PHOTOS)
        store_competitors = db.query_df(_STORE_COMPETITORS)
    finally:
        cur.unregister("export_findings")
        cur.unregister("export_observations")
        cur.unregister("export_store_findings")
    return DealerSummary(
        request=request,
        dealer_name=dealer_name,
        generated_at=now or datetime.now().replace(microsecond=0),
        rules=rules,
        stores_supplied=int((stores.active).sum()),
        overall=overall,
        overall_previous=before,
        audits_previous=int(before["audits"]) if before is not None else 0,
        planned=planned_visits(db, viewer, request),
        stores=stores,
        weekly=dashboard.weekly(db, viewer, filters, rules),
        audits=audits,
        findings=findings,
        store_findings=store_findings,
        store_photos=store_photos,
        competitor_weekly=dashboard.competitor_weekly(db, viewer, filters, lang),
        competitor_prices=dashboard.competitor_prices(db, viewer, filters, lang),
        observations=observations,
        store_competitors=store_competitors,
        photos=_photos(db, viewer, filters, lang),
        actions=dealer_actions(db, viewer, request, (now or datetime.now()).date()),
    )


def dealer_actions(db: Database, viewer: User, request: ExportRequest, today: date) -> pd.DataFrame:
    """What the export opens with: the open actions at the dealer's stores today (whatever the period), the
    dealer's own first, then overdue first, by due date (the viewer's scope applies, as everywhere)."""
    found = actions.open_actions(
        db, viewer, request.lang, today=today, filters=DashboardFilters(today, today, dealers=(request.dealer_code,))
    )
    found = found.assign(dealers=(found.owner_role == "dealer") & (found.owner == request.dealer_code))
    return found.sort_values(["dealers", "overdue", "due_date", "id"], ascending=[False, False, True, True])


def _dealer_row(frame: pd.DataFrame, dealer_code: str) -> pd.Series | None:
    row = frame[frame.key == dealer_code]
    return None if row.empty else row.iloc[0]


def _stores(db: Database, viewer: User, request: ExportRequest, rules: ScoringSettings) -> pd.DataFrame:
    """The dealer's stores (active ones, and any other audited in the period) with the dashboard's
    per-store scores for the period and the previous one; stores not audited have audits = 0."""
    lang, filters = request.lang, request.filters()
    now = dashboard.store_scores(db, viewer, filters, rules, lang)
    before = dashboard.store_scores(db, viewer, filters.previous(), rules, lang)
    scope, params = scope_clause(viewer)
    roster = db.query_df(
        f"""SELECT s.code, {store_name_sql(lang)} AS name, s.name AS local_name, {city_sql(lang)} AS city, s.grade,
                   s.channel,
                   s.active
            FROM stores s
            WHERE s.dealer_code = ? AND {scope}
              AND (s.active OR EXISTS (SELECT 1 FROM audits a WHERE a.store_code = s.code
                                       AND a.visit_date BETWEEN ? AND ?))""",
        [request.dealer_code, *params, request.date_from, request.date_to],
    )
    measured = now[["code", "score", *COMPONENTS, "audits", "last_visit"]]
    stores = roster.merge(measured, on="code", how="left").merge(
        before[["code", "score"]].rename(columns={"score": "previous_score"}), on="code", how="left"
    )
    stores["audits"] = stores.audits.fillna(0).astype(int)
    stores["change"] = stores.score - stores.previous_score
    stores["band"] = stores.score.map(rules.band)
    # The dashboard's order: weakest score first, then stores without a score, by code.
    return stores.sort_values(["score", "code"], na_position="last").reset_index(drop=True)


def _audits(db: Database, viewer: User, filters: DashboardFilters, rules: ScoringSettings, lang: str) -> pd.DataFrame:
    """One row per audit with the dashboard's score and components, and what it found (export_findings
    must be registered)."""
    sql, params = scoring.scored_audits(viewer, filters, rules)
    components = ", ".join(f"sc.{c}" for c in COMPONENTS)
    return db.query_df(
        f"""WITH scored AS ({sql}),
                 found AS (SELECT audit_id, {
            ", ".join(f"count(*) FILTER (WHERE kind = '{k}') AS {k}" for k in FINDING_KINDS)
        }
                           FROM export_findings GROUP BY 1),
                 pics AS (SELECT audit_id, count(*) AS photos FROM audit_photos
                          WHERE audit_id IN (SELECT audit_id FROM scored) GROUP BY 1)
            SELECT sc.audit_id, sc.visit_date, sc.store_code, {store_name_sql(lang)} AS store,
                   coalesce({person_sql(lang)}, sc.merchandiser) AS merchandiser, a.started_at, a.submitted_at,
                   sc.score, {components},
                   coalesce(f.stock_out, 0) AS stock_outs, coalesce(f.tag, 0) AS tag_problems,
                   coalesce(f.below_rrp, 0) AS below_rrp, coalesce(f.pop, 0) AS missing_pop,
                   a.order_placed, a.order_amount::DOUBLE AS order_amount, coalesce(p.photos, 0) AS photos, a.notes
            FROM scored sc JOIN audits a ON a.id = sc.audit_id JOIN stores s ON s.code = sc.store_code
            LEFT JOIN users u ON u.username = sc.merchandiser LEFT JOIN found f ON f.audit_id = sc.audit_id
            LEFT JOIN pics p ON p.audit_id = sc.audit_id
            ORDER BY sc.visit_date, sc.store_code, sc.audit_id""",
        params,
    )


def _findings(db: Database, viewer: User, request: ExportRequest, rules: ScoringSettings) -> pd.DataFrame:
    """Every problem each audit found: a must-stock SKU out of stock, a price-tag problem, a shelf price
    below the recommended price (beyond the tolerance), a required POP missing; each with the photo of
    that audit that best proves it (PROOF_SECTIONS), when there is one."""
    lang, names = request.lang, name_column(request.lang)
    scope, scope_params = scope_clause(viewer)
    where, params = request.filters().audit_where()
    proof = [
        (kind, section, rank) for kind, sections in PROOF_SECTIONS.items() for rank, section in enumerate(sections)
    ]
    proof_sql = ", ".join("(?, ?, ?)" for _ in proof)
    return db.query_df(
        f"""WITH picked AS (
                SELECT a.id, a.visit_date, a.store_code, {store_name_sql(lang)} AS store
                FROM audits a JOIN stores s ON s.code = a.store_code WHERE {scope} AND {where}),
            lines AS (
                SELECT l.*, p.{names} AS product, p.rrp::DOUBLE AS rrp_value
                FROM audit_lines l JOIN products p ON p.code = l.product_code
                WHERE l.audit_id IN (SELECT id FROM picked)),
            found AS (
                SELECT audit_id, 'stock_out' AS kind, product_code AS item_code, product AS item,
                       CASE WHEN restocked THEN 'restocked' END AS problem, NULL::DOUBLE AS shelf_price,
                       rrp_value AS rrp
                FROM lines WHERE must_stock AND NOT in_stock
                UNION ALL
                SELECT audit_id, 'tag', product_code, product,
                       CASE WHEN NOT tag_present THEN 'no_tag'
                            WHEN NOT (coalesce(tag_placed_ok, TRUE) AND coalesce(tag_matches, TRUE)) THEN 'wrong_tag'
                            ELSE 'illegible' END,
                       shelf_price::DOUBLE, rrp_value
                FROM lines WHERE in_stock AND (NOT tag_present OR NOT coalesce(tag_placed_ok, TRUE)
                                               OR NOT coalesce(tag_matches, TRUE) OR NOT coalesce(tag_legible, TRUE))
                UNION ALL
                SELECT audit_id, 'below_rrp', product_code, product, NULL, shelf_price::DOUBLE, rrp_value
                FROM lines WHERE in_stock AND {under_rrp_sql("shelf_price", "rrp_value", "?")}
                UNION ALL
                SELECT ap.audit_id, 'pop', ap.pop_type_code, t.{names}, NULL, NULL, NULL
                FROM audit_pop ap JOIN pop_types t ON t.code = ap.pop_type_code
                WHERE NOT ap.present AND ap.audit_id IN (SELECT id FROM picked)),
            wanted(kind, section, rank) AS (VALUES {proof_sql}),
            proof AS (
                SELECT ap.audit_id, w.kind, first(ap.photo_sha256 ORDER BY w.rank, ap.photo_sha256) AS photo_sha256,
                       first(ph.thumb_sha256 ORDER BY w.rank, ap.photo_sha256) AS thumb_sha256
                FROM audit_photos ap JOIN wanted w ON w.section = ap.section
                JOIN photos ph ON ph.sha256 = ap.photo_sha256
                WHERE ap.audit_id IN (SELECT id FROM picked) GROUP BY ALL)
            SELECT f.audit_id, p.visit_date, p.store_code, p.store, f.kind,
                   list_position(?, f.kind) AS kind_order, f.item_code, f.item, f.problem, f.shelf_price, f.rrp,
                   pr.photo_sha256, pr.thumb_sha256
            FROM found f JOIN picked p ON p.id = f.audit_id
            LEFT JOIN proof pr ON pr.audit_id = f.audit_id AND pr.kind = f.kind
            ORDER BY p.visit_date, p.store_code, f.audit_id, kind_order, f.item_code""",
        [*scope_params, *params, rules.price_tolerance, *[v for row in proof for v in row], list(FINDING_KINDS)],
    )


# Per store and item: in how many audits, last seen, the lowest shelf price, how often restocked on the spot,
# what was wrong with the tag (each problem and in how many audits), and the proof photo of the latest audit
# that has one (photo, thumbnail and audit picked by one key, so they belong together); `line` is the item's
# place in the store's list. Runs over the registered findings frame.
_STORE_FINDINGS = """
    WITH tag_problems AS (
        SELECT store_code, item_code, problem, count(DISTINCT audit_id) AS n
        FROM export_findings WHERE kind = 'tag' GROUP BY ALL),
    tag_lists AS (
        SELECT store_code, item_code, list({'problem': problem, 'n': n} ORDER BY n DESC, problem) AS problems
        FROM tag_problems GROUP BY ALL)
    SELECT f.store_code, f.kind, any_value(f.kind_order) AS kind_order, f.item_code, any_value(f.item) AS item,
           count(DISTINCT f.audit_id) AS times, max(f.visit_date) AS last_found,
           min(f.shelf_price) AS lowest_price, any_value(f.rrp) AS rrp,
           count(*) FILTER (WHERE f.problem = 'restocked') AS restocked,
           arg_max(f.photo_sha256, {'day': f.visit_date, 'audit': f.audit_id})
               FILTER (WHERE f.photo_sha256 IS NOT NULL) AS photo_sha256,
           arg_max(f.thumb_sha256, {'day': f.visit_date, 'audit': f.audit_id})
               FILTER (WHERE f.photo_sha256 IS NOT NULL) AS thumb_sha256,
           arg_max(f.audit_id, {'day': f.visit_date, 'audit': f.audit_id})
               FILTER (WHERE f.photo_sha256 IS NOT NULL) AS photo_audit_id,
           any_value(l.problems) AS problems,
           row_number() OVER (PARTITION BY f.store_code
                              ORDER BY any_value(f.kind_order), count(DISTINCT f.audit_id) DESC, f.item_code) AS line
    FROM export_findings f
    LEFT JOIN tag_lists l ON f.kind = 'tag' AND l.store_code = f.store_code AND l.item_code = f.item_code
    GROUP BY f.store_code, f.kind, f.item_code
    ORDER BY f.store_code, line
"""

# Each photo that proves a finding, once per store, numbered in the order the store's list first refers to
# it, with what the PDF's caption says: section, visit, when taken, the reused / old flags. Runs over the
# registered per-store findings.
_STORE_PHOTOS = """
    WITH proofs AS (
        SELECT store_code, photo_sha256, any_value(thumb_sha256) AS thumb_sha256,
               arg_min(photo_audit_id, line) AS audit_id, min(line) AS first_line
        FROM export_store_findings WHERE photo_sha256 IS NOT NULL GROUP BY ALL),
    described AS (
        SELECT pr.store_code, pr.first_line, pr.photo_sha256, pr.thumb_sha256, pr.audit_id, a.visit_date, p.taken_at,
               min(ap.section) AS section, bool_or(ap.flag_reused) AS flag_reused, bool_or(ap.flag_old) AS flag_old
        FROM proofs pr JOIN audits a ON a.id = pr.audit_id JOIN photos p ON p.sha256 = pr.photo_sha256
        JOIN audit_photos ap ON ap.audit_id = pr.audit_id AND ap.photo_sha256 = pr.photo_sha256
        GROUP BY ALL)
    SELECT store_code, row_number() OVER (PARTITION BY store_code ORDER BY first_line) AS number, photo_sha256,
           thumb_sha256, audit_id, visit_date, taken_at, section, flag_reused, flag_old
    FROM described ORDER BY store_code, number
"""

_STORE_COMPETITORS = """
    SELECT store_code, brand_code, any_value(brand) AS brand, kind, count(*) AS times, max(visit_date) AS last_seen
    FROM export_observations GROUP BY ALL ORDER BY store_code, times DESC, brand_code, kind
"""


def _photos(db: Database, viewer: User, filters: DashboardFilters, lang: str) -> pd.DataFrame:
    scope, scope_params = scope_clause(viewer)
    where, params = filters.audit_where()
    return db.query_df(
        f"""SELECT a.visit_date, a.store_code, {store_name_sql(lang)} AS store, a.id AS audit_id, ap.section,
                   ap.caption, ap.flag_reused, ap.flag_old, p.taken_at, ap.photo_sha256, p.thumb_sha256, p.width,
                   p.height
            FROM audit_photos ap JOIN audits a ON a.id = ap.audit_id JOIN stores s ON s.code = a.store_code
            JOIN photos p ON p.sha256 = ap.photo_sha256
            WHERE {scope} AND {where}
            ORDER BY a.visit_date DESC, a.id DESC, ap.section, ap.photo_sha256""",
        [*scope_params, *params],
    )


def planned_visits(db: Database, viewer: User, request: ExportRequest) -> PlannedVisits:
    """Planned visits in the period at the dealer's stores and how many were done, by the same rule as the
    Visits page (visits.totals: an audit of that store by that merchandiser on the planned day)."""
    done = visits.totals(
        db, viewer, visits.VisitFilters(request.date_from, request.date_to, dealers=(request.dealer_code,))
    )
    return PlannedVisits(planned=int(done["planned"]), done=int(done["done"]))


# ---------------------------------------------------------------- the flat audit lines (CSV)

LINE_COLUMNS = (
    "audit_id",
    "visit_date",
    "store_code",
    "store",
    "city",
    "merchandiser",
    "product_code",
    "product",
    "brand",
    "category",
    "must_stock",
    "in_stock",
    "facings",
    "shelf_level",
    "restocked",
    "fifo_ok",
    "near_expiry",
    "damaged",
    "tag_present",
    "tag_placed_ok",
    "tag_matches",
    "tag_legible",
    "shelf_price",
    "rrp",
    "below_rrp",
)


def audit_lines(db: Database, viewer: User, request: ExportRequest) -> pd.DataFrame:
    """Every SKU line of the dealer's audits in the period, one row each, oldest audit first."""
    authorise(db, viewer, request)
    scope, scope_params = scope_clause(viewer)
    where, params = request.filters().audit_where()
    tolerance = settings.load(db).price_tolerance
    return db.query_df(
        f"""SELECT a.id AS audit_id, a.visit_date, a.store_code, {store_name_sql(request.lang)} AS store,
                   {city_sql(request.lang)} AS city,
                   coalesce({person_sql(request.lang)}, a.merchandiser) AS merchandiser, l.product_code,
                   p.{name_column(request.lang)} AS product, p.brand, p.category, l.must_stock, l.in_stock, l.facings,
                   l.shelf_level, l.restocked, l.fifo_ok, l.near_expiry, l.damaged, l.tag_present, l.tag_placed_ok,
                   l.tag_matches, l.tag_legible, l.shelf_price::DOUBLE AS shelf_price, p.rrp::DOUBLE AS rrp,
                   coalesce({under_rrp_sql("l.shelf_price", "p.rrp", "?")}, FALSE) AS below_rrp
            FROM audits a JOIN stores s ON s.code = a.store_code JOIN audit_lines l ON l.audit_id = a.id
            JOIN products p ON p.code = l.product_code LEFT JOIN users u ON u.username = a.merchandiser
            WHERE {scope} AND {where}
            ORDER BY a.visit_date, a.store_code, a.id, NOT l.must_stock, l.product_code""",
        [tolerance, *scope_params, *params],
    )
