"""The pandas baseline: the dashboards' numbers computed with merge / groupby on DataFrames.

The tables our SQL reads are loaded into memory once (Tables.load, outside any timing), with one
difference: the per-audit counts the app keeps (audit_sku_metrics, audit_metrics, audit_totals, written by
audit/scoring.py when an audit is stored) are not read but counted here again from the raw answers, the
way pandas would keep them; so the agreement check sees a counting bug too. Every function here then
mirrors one data function of audit.dashboard or audit.visits with the same arguments and returns the same
shape, computed independently of the SQL. It is what a dashboard written the pandas way would do on
every view, and it checks our numbers: the benchmark fails unless both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import numpy as np
import pandas as pd

from audit.auth import User
from audit.capture import VISIT_INTERVAL_DAYS
from audit.dashboard import TILE_MEASURES
from audit.db import Database
from audit.filters import DashboardFilters
from audit.scoring import EYE_LEVEL, SHELF_LEVEL_UPLIFT, SKU_TOTALS
from audit.settings import COMPONENTS, ScoringSettings, under_rrp
from audit.settings import load as load_settings
from audit.visits import MEASURE_COLUMNS, NO_VISIT_TOTALS, TARGET_PER_WEEK, VisitFilters


@dataclass(frozen=True)
class Tables:
    audits: pd.DataFrame
    stores: pd.DataFrame
    sku_metrics: pd.DataFrame
    audit_metrics: pd.DataFrame
    audit_totals: pd.DataFrame
    lines: pd.DataFrame
    observations: pd.DataFrame
    planned: pd.DataFrame
    audit_photos: pd.DataFrame
    photos: pd.DataFrame
    products: pd.DataFrame
    regions: pd.DataFrame
    dealers: pd.DataFrame
    competitors: pd.DataFrame
    users: pd.DataFrame

    @classmethod
    def load(cls, db: Database) -> Tables:
        """Every table the dashboards read, whole, with the columns they use; the counts from the answers."""
        columns = {
            "audits": "id, store_code, merchandiser, visit_date, started_at, submitted_at, order_placed",
            "stores": "code, name, name_en, city, city_en, grade, channel, region_code, dealer_code, merchandiser,"
            " latitude, longitude, active",
            "lines": "audit_id, product_code, must_stock, in_stock, facings, shelf_level, tag_present, tag_placed_ok,"
            " tag_matches, tag_legible, shelf_price, fifo_ok, near_expiry, damaged",
            "observations": "*",
            "planned": "store_code, merchandiser, planned_date",
            "audit_photos": "*",
            "photos": "sha256, thumb_sha256",
            "products": "code, name_en, name_zh, category, brand, rrp",
            "regions": "*",
            "dealers": "code, name_en, name_zh",
            "competitors": "code, name_en, name_zh",
            "users": "username, display_name, display_name_en",
        }
        source = {"lines": "audit_lines", "observations": "competitor_observations", "planned": "planned_visits"}
        read = {
            name: _dated(db.query_df(f"SELECT {what} FROM {source.get(name, name)}")) for name, what in columns.items()
        }
        pop = db.query_df("SELECT audit_id, present FROM audit_pop")
        tolerance = load_settings(db).price_tolerance
        sku_metrics = count_skus(read["lines"], read["audits"], read["products"], tolerance)
        audit_metrics = count_audits(read["lines"], read["audits"], read["products"], read["observations"], pop)
        audit_totals = total_audits(sku_metrics, audit_metrics, read["audits"])
        counted = {"sku_metrics": sku_metrics, "audit_metrics": audit_metrics, "audit_totals": audit_totals}
        return cls(**{f.name: read.get(f.name, counted.get(f.name)) for f in fields(cls)})


# ---------------------------------------------------------------- the counts, from the answers


def _yes(values: pd.Series) -> pd.Series:
    """TRUE answers (a missing answer is no yes)."""
    return values.fillna(False).astype(bool)


def _no(values: pd.Series) -> pd.Series:
    """FALSE answers (a missing answer is no no)."""
    return ~values.fillna(True).astype(bool)


def count_skus(lines: pd.DataFrame, audits: pd.DataFrame, products: pd.DataFrame, tolerance: float) -> pd.DataFrame:
    """audit_sku_metrics: per audit, category and brand, what its SKU lines hold (audit/scoring.py _SKU_COUNTS)."""
    rows = lines.merge(products[["code", "category", "brand", "rrp"]], left_on="product_code", right_on="code")
    rows = rows.merge(audits[["id", "visit_date"]], left_on="audit_id", right_on="id")
    in_stock, must = _yes(rows.in_stock), _yes(rows.must_stock)
    priced = rows.shelf_price.notna()
    tags_right = _yes(rows.tag_present) & _yes(rows.tag_placed_ok) & _yes(rows.tag_matches) & _yes(rows.tag_legible)
    uplift = rows.shelf_level.map(SHELF_LEVEL_UPLIFT).astype(float)
    counts = pd.DataFrame(
        {
            "must_audited": must,
            "must_in_stock": must & in_stock,
            "level_rated": in_stock & rows.shelf_level.notna(),
            "level_uplift": uplift.where(in_stock, 0.0).fillna(0.0),
            "eye_level": in_stock & rows.shelf_level.eq(EYE_LEVEL).fillna(False).astype(bool),
            "price_checked": in_stock & rows.tag_present.notna(),
            "price_ok": in_stock
            & tags_right
            & priced
            & ~under_rrp(rows.shelf_price.astype(float), rows.rrp.astype(float), tolerance).fillna(False),
            "fresh_checked": in_stock & rows.fifo_ok.notna() & rows.near_expiry.notna() & rows.damaged.notna(),
            "fresh_ok": in_stock & _yes(rows.fifo_ok) & _no(rows.near_expiry) & _no(rows.damaged),
            "our_facings": rows.facings.where(in_stock, 0).fillna(0),
        }
    )
    keys = rows[["audit_id", "visit_date", "category", "brand"]]
    return pd.concat([keys, counts], axis=1).groupby(list(keys.columns), as_index=False).sum()


def count_audits(
    lines: pd.DataFrame, audits: pd.DataFrame, products: pd.DataFrame, observations: pd.DataFrame, pop: pd.DataFrame
) -> pd.DataFrame:
    """audit_metrics: per audit, POP required and present; competitor facings and ours in the categories the
    observed competitor products compete in (every category when an observation names no product)."""
    ids = audits[["id"]].rename(columns={"id": "audit_id"})
    pops = pop.assign(present=_yes(pop.present)).groupby("audit_id").present.agg(["size", "sum"])
    pops.columns = ["pop_required", "pop_present"]
    counted = observations[observations.facings.notna()].merge(
        products[["code", "category"]], left_on="product_code", right_on="code", how="left"
    )
    theirs = counted.groupby("audit_id").facings.sum().rename("competitor_facings")
    any_category = set(counted[counted.product_code.isna()].audit_id)
    categories = counted.dropna(subset=["category"])[["audit_id", "category"]].drop_duplicates()
    ours = lines[_yes(lines.in_stock) & lines.audit_id.isin(theirs.index)].merge(
        products[["code", "category"]], left_on="product_code", right_on="code"
    )
    competes = ours.audit_id.isin(any_category) | pd.Series(
        pd.MultiIndex.from_frame(ours[["audit_id", "category"]]).isin(pd.MultiIndex.from_frame(categories)),
        index=ours.index,
    )
    our_facings = ours[competes].groupby("audit_id").facings.sum().reindex(theirs.index, fill_value=0)
    frame = ids.merge(pops, left_on="audit_id", right_index=True, how="left").fillna(
        {"pop_required": 0, "pop_present": 0}
    )
    frame = frame.merge(theirs, left_on="audit_id", right_index=True, how="left")
    return frame.merge(our_facings.rename("our_facings"), left_on="audit_id", right_index=True, how="left")


def total_audits(sku_metrics: pd.DataFrame, audit_metrics: pd.DataFrame, audits: pd.DataFrame) -> pd.DataFrame:
    """audit_totals: per audit with SKU lines, its SKU counts summed beside its audit-level counts."""
    summed = sku_metrics.groupby("audit_id", as_index=False)[list(SKU_TOTALS)].sum()
    head = audits[["id", "visit_date", "store_code", "merchandiser"]].rename(columns={"id": "audit_id"})
    return head.merge(summed, on="audit_id").merge(audit_metrics, on="audit_id")


def _dated(frame: pd.DataFrame) -> pd.DataFrame:
    """DATE columns as pandas works with them: Timestamps (DECIMAL columns already arrive as floats)."""
    for column in frame.columns:
        if column.endswith("_date"):
            frame[column] = pd.to_datetime(frame[column])
    return frame


# ---------------------------------------------------------------- helpers shared by the pages


def _between(values: pd.Series, start: date, end: date) -> pd.Series:
    return values.between(pd.Timestamp(start), pd.Timestamp(end))


def _monday(days: pd.Series) -> pd.Series:
    return days - pd.to_timedelta(days.dt.day_of_week, unit="D")


def _name(lang: str) -> str:
    return "name_zh" if lang == "zh" else "name_en"


def _local_or_english(local: pd.Series, english: pd.Series, lang: str) -> pd.Series:
    """English pages show a store's, city's or person's English name when it has one (audit/i18n.py)."""
    return local if lang == "zh" else english.where(english.str.strip().ne("")).fillna(local)


def _store_name(stores: pd.DataFrame, lang: str) -> pd.Series:
    return _local_or_english(stores["name"], stores["name_en"], lang)


def _people(t: Tables, lang: str) -> pd.Series:
    users = t.users.set_index("username")
    return _local_or_english(users.display_name, users.display_name_en, lang)


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    return 100.0 * part / whole.where(whole != 0)


def _in_scope(stores: pd.DataFrame, viewer: User) -> pd.Series:
    if viewer.sees_all_stores:
        return pd.Series(True, index=stores.index)
    if viewer.role == "dealer":
        return stores.dealer_code == viewer.dealer_code
    return stores.merchandiser == viewer.username


def _stores_in_view(t: Tables, viewer: User, f: DashboardFilters) -> pd.DataFrame:
    keep = _in_scope(t.stores, viewer)
    for column, values in (
        ("region_code", f.regions),
        ("channel", f.channels),
        ("grade", f.grades),
        ("dealer_code", f.dealers),
    ):
        if values:
            keep &= t.stores[column].isin(values)
    if f.store:
        keep &= t.stores.code == f.store
    return t.stores[keep]


def _audits_in_view(t: Tables, viewer: User, f: DashboardFilters, audits: pd.DataFrame | None = None) -> pd.DataFrame:
    """The period's audits (of t.audits, or of another frame with their date, merchandiser and store) by the
    chosen merchandisers at the stores in view, with those stores' columns."""
    audits = t.audits if audits is None else audits
    keep = _between(audits.visit_date, f.date_from, f.date_to)
    if f.merchandisers:
        keep &= audits.merchandiser.isin(f.merchandisers)
    stores = _stores_in_view(t, viewer, f)[["code", "region_code", "channel", "grade", "dealer_code"]]
    return audits[keep].merge(stores, left_on="store_code", right_on="code").drop(columns="code")


def _products_in_view(t: Tables, f: DashboardFilters) -> pd.DataFrame:
    keep = pd.Series(True, index=t.products.index)
    for column, values in (("category", f.categories), ("brand", f.brands)):
        if values:
            keep &= t.products[column].isin(values)
    return t.products[keep]


# ---------------------------------------------------------------- overview and one store


def scored(t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    """One row per audit in view: its components and score (scoring.scored_audits). Like the SQL, it reads
    the per-audit totals unless a product filter asks for the counts of some categories or brands."""
    if f.narrows_products:
        sku = t.sku_metrics
        keep = _between(sku.visit_date, f.date_from, f.date_to)
        for column, values in (("category", f.categories), ("brand", f.brands)):
            if values:
                keep &= sku[column].isin(values)
        counts = sku[keep].groupby("audit_id", as_index=False)[list(SKU_TOTALS)].sum()
        audits = t.audit_totals.drop(columns=list(SKU_TOTALS))
        rows = _audits_in_view(t, viewer, f, audits).merge(counts, on="audit_id")
    else:
        rows = _audits_in_view(t, viewer, f, t.audit_totals)
    competitor = rows.competitor_facings.astype(float)
    components = pd.DataFrame(
        {
            "availability": _percent(rows.must_in_stock, rows.must_audited),
            "height": _percent(rows.level_uplift, rows.level_rated) / SHELF_LEVEL_UPLIFT[EYE_LEVEL],
            "eye_level": _percent(rows.eye_level, rows.level_rated),
            "share_of_shelf": _percent(rows.our_facings.astype(float), rows.our_facings + competitor),
            "price": _percent(rows.price_ok, rows.price_checked),
            "pop": _percent(rows.pop_present, rows.pop_required),
            "freshness": _percent(rows.fresh_ok, rows.fresh_checked),
        }
    )
    weights = pd.Series(settings.weight_list(), index=list(COMPONENTS))
    measured = components.notna().mul(weights).sum(axis=1)
    score = components.fillna(0).mul(weights).sum(axis=1) / measured.where(measured > 0)
    base = rows[
        ["audit_id", "store_code", "visit_date", "merchandiser", "region_code", "channel", "grade", "dealer_code"]
    ]
    return pd.concat([base, components], axis=1).assign(score=score)


def tiles(t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    both = scored(t, viewer, replace(f, date_from=f.previous().date_from), settings)
    now = both.visit_date >= pd.Timestamp(f.date_from)
    rows = [(m, both.loc[now, m].mean(), both.loc[~now, m].mean(), both.loc[now, m].count()) for m in TILE_MEASURES]
    rows.append(("audits", now.sum(), (~now).sum(), now.sum()))
    return pd.DataFrame(rows, columns=["measure", "value", "previous", "measured"])


def coverage(t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    rows = scored(t, viewer, f, settings)
    return pd.DataFrame(
        {"component": list(COMPONENTS), "measured": [rows[c].count() for c in COMPONENTS], "audits": len(rows)}
    )


def _averages(rows: pd.DataFrame, by) -> pd.DataFrame:
    grouped = rows.groupby(by)
    return grouped[["score", *COMPONENTS]].mean().assign(audits=grouped.size())


def weekly(t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings) -> pd.DataFrame:
    rows = scored(t, viewer, f, settings)
    return _averages(rows, _monday(rows.visit_date).rename("week")).reset_index()


def breakdown(
    t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings, dimension: str, lang: str
) -> pd.DataFrame:
    key, names = {
        "region": ("region_code", t.regions.set_index("code")[_name(lang)]),
        "dealer": ("dealer_code", t.dealers.set_index("code")[_name(lang)]),
        "merchandiser": ("merchandiser", _people(t, lang)),
        "channel": ("channel", None),
        "grade": ("grade", None),
    }[dimension]
    rows = scored(t, viewer, f, settings)
    groups = _averages(rows, key).assign(stores=rows.groupby(key).store_code.nunique())
    groups = groups.rename_axis("key").reset_index()
    label = groups.key.map(names) if names is not None else groups.key
    return groups.assign(label=label.fillna(groups.key).fillna("—"))


def store_scores(t: Tables, viewer: User, f: DashboardFilters, settings: ScoringSettings, lang: str) -> pd.DataFrame:
    rows = scored(t, viewer, f, settings)
    per_store = _averages(rows, "store_code").assign(last_visit=rows.groupby("store_code").visit_date.max())
    stores = t.stores.assign(
        name=_store_name(t.stores, lang), city=_local_or_english(t.stores.city, t.stores.city_en, lang)
    )[["code", "name", "city", "grade", "channel", "latitude", "longitude"]]
    return stores.merge(per_store, left_on="code", right_index=True)


def sku_availability(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    audits = _audits_in_view(t, viewer, f)[["id", "visit_date"]]
    lines = audits.merge(t.lines, left_on="id", right_on="audit_id")
    lines = lines[lines.must_stock].merge(_products_in_view(t, f), left_on="product_code", right_on="code")
    lines = lines.assign(
        week=_monday(lines.visit_date),
        product=lines.product_code + " · " + lines[_name(lang)],
        in_stock=lines.in_stock.astype(float),
    )
    grouped = lines.groupby(["week", "product_code", "product"])
    return (
        grouped.in_stock.mean().mul(100).rename("availability").to_frame().assign(audits=grouped.size()).reset_index()
    )


def photos(t: Tables, viewer: User, f: DashboardFilters, section: str | None = None, limit: int = 48) -> pd.DataFrame:
    audits = _audits_in_view(t, viewer, f)[["id", "visit_date", "store_code"]]
    linked = t.audit_photos if section is None else t.audit_photos[t.audit_photos.section == section]
    rows = linked.merge(audits, left_on="audit_id", right_on="id").merge(
        t.photos, left_on="photo_sha256", right_on="sha256"
    )
    rows = rows.sort_values(["visit_date", "audit_id", "photo_sha256"], ascending=[False, False, True]).head(limit)
    return rows[
        [
            "visit_date",
            "store_code",
            "audit_id",
            "section",
            "photo_sha256",
            "thumb_sha256",
            "flag_reused",
            "flag_old",
            "caption",
        ]
    ]


# ---------------------------------------------------------------- competitors


def _seen(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    """The competitor observations in view with their brand, the audit's date and the store's columns."""
    audits = _audits_in_view(t, viewer, f)[["id", "visit_date", "store_code", "region_code", "channel"]]
    seen = t.observations.merge(audits.rename(columns={"id": "audit"}), left_on="audit_id", right_on="audit")
    brands = t.competitors.set_index("code")[_name(lang)]
    return seen.assign(
        brand_code=seen.competitor_code.fillna("other"),
        brand=seen.competitor_code.map(brands).fillna(seen.competitor_other),
        week=_monday(seen.visit_date),
    )


def competitor_weekly(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    seen = _seen(t, viewer, f, lang)
    return (
        seen.groupby(["week", "brand_code", "brand", "kind"], dropna=False).size().rename("observations").reset_index()
    )


def competitor_where(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    seen = _seen(t, viewer, f, lang)
    seen = seen.assign(region=seen.region_code.map(t.regions.set_index("code")[_name(lang)]).fillna(seen.region_code))
    grouped = seen.groupby(["region", "channel", "brand_code", "brand"], dropna=False)
    return grouped.size().rename("observations").to_frame().assign(stores=grouped.store_code.nunique()).reset_index()


def competitor_prices(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    seen = _seen(t, viewer, f, lang).merge(
        _products_in_view(t, f)[["code", "rrp"]], left_on="product_code", right_on="code"
    )
    lines = t.lines.loc[t.lines.audit_id.isin(seen.audit), ["audit_id", "product_code", "shelf_price"]]
    lines = lines.merge(
        seen[["audit", "product_code"]].drop_duplicates(),
        left_on=["audit_id", "product_code"],
        right_on=["audit", "product_code"],
    )
    seen = seen.merge(lines[lines.shelf_price > 0].drop(columns="audit_id"), on=["audit", "product_code"], how="left")
    ratios = {}
    for kind in ("normal", "promo", "flash"):
        ratios[f"{kind}_vs_rrp"] = 100 * seen[f"{kind}_price"].astype(float) / seen.rrp
        ratios[f"{kind}_vs_shelf"] = 100 * seen[f"{kind}_price"].astype(float) / seen.shelf_price.astype(float)
    frame = seen[["brand_code", "brand"]].assign(**ratios)
    grouped = frame.groupby(["brand_code", "brand"], dropna=False)
    return grouped.mean().assign(observations=grouped.size()).reset_index()


def share_of_shelf(t: Tables, viewer: User, f: DashboardFilters, lang: str) -> pd.DataFrame:
    seen = _seen(t, viewer, f, lang)
    seen = seen[seen.facings.notna()]
    theirs = seen.groupby(["week", "brand_code"]).agg(brand=("brand", "first"), facings=("facings", "sum"))
    audits = _audits_in_view(t, viewer, f).merge(t.audit_metrics, left_on="id", right_on="audit_id")
    audits = audits[audits.competitor_facings.notna()]
    ours = audits.groupby(_monday(audits.visit_date).rename("week")).our_facings.sum().rename("facings").to_frame()
    ours = ours.assign(brand_code="ours", brand=None).set_index("brand_code", append=True)
    both = pd.concat([theirs, ours]).reset_index()
    both["facings"] = both.facings.astype(float)
    return both.assign(share=100.0 * both.facings / both.groupby("week").facings.transform("sum"))


def competitor_log(t: Tables, viewer: User, f: DashboardFilters, lang: str, limit: int = 200) -> pd.DataFrame:
    seen = _seen(t, viewer, f, lang).sort_values(["visit_date", "id"], ascending=False).head(limit)
    return seen[
        [
            "visit_date",
            "store_code",
            "brand_code",
            "brand",
            "kind",
            "product",
            "normal_price",
            "promo_price",
            "flash_price",
            "facings",
            "note",
        ]
    ]


# ---------------------------------------------------------------- visits


def _visit_stores(t: Tables, viewer: User, f: VisitFilters) -> pd.DataFrame:
    keep = _in_scope(t.stores, viewer)
    for column, values in (("region_code", f.regions), ("dealer_code", f.dealers)):
        if values:
            keep &= t.stores[column].isin(values)
    return t.stores[keep]


def _keyed(frame: pd.DataFrame, by: str, merchandiser: str, day: str) -> pd.Series:
    return {
        "total": pd.Series("total", index=frame.index),
        "merchandiser": frame[merchandiser],
        "region": frame.region_code,
        "dealer": frame.dealer_code,
        "week": _monday(frame[day]),
    }[by]


def _measures(t: Tables, viewer: User, f: VisitFilters, by: str, today: date) -> pd.DataFrame:
    """visits._measures_sql: per key planned, done, with_order, unplanned, visits, median minutes, rates."""
    match = ["store_code", "merchandiser"]
    aud = t.audits[_between(t.audits.visit_date, f.start, f.end)].sort_values(
        [*match, "visit_date", "submitted_at", "id"]
    )
    aud = aud.assign(
        nth=aud.groupby([*match, "visit_date"]).cumcount() + 1,
        minutes=(aud.submitted_at.dt.floor("s") - aud.started_at.dt.floor("s")).dt.total_seconds() / 60,
    )
    plan = t.planned[_between(t.planned.planned_date, f.start, f.plan_end(today))]
    first = aud[aud.nth == 1][[*match, "visit_date", "id", "order_placed"]]
    plan = plan.merge(first, left_on=[*match, "planned_date"], right_on=[*match, "visit_date"], how="left")
    plan = plan.assign(done=plan.id.notna(), ordered=plan.id.notna() & plan.order_placed.fillna(False).astype(bool))
    stores = _visit_stores(t, viewer, f)[["code", "region_code", "dealer_code"]]
    plan = plan.merge(stores, left_on="store_code", right_on="code")
    aud = aud.merge(stores, left_on="store_code", right_on="code")
    if f.merchandisers:
        plan = plan[plan.merchandiser.isin(f.merchandisers)]
        aud = aud[aud.merchandiser.isin(f.merchandisers)]
    fulfils = (
        aud.merge(
            t.planned, left_on=[*match, "visit_date"], right_on=[*match, "planned_date"], how="left", indicator=True
        )
        ._merge.eq("both")
        .to_numpy()
    )
    aud = aud.assign(unplanned=(aud.nth > 1) | ~fulfils)
    planned = plan.groupby(_keyed(plan, by, "merchandiser", "planned_date").rename("key")).agg(
        planned=("done", "size"), done=("done", "sum"), with_order=("ordered", "sum")
    )
    visited = aud.groupby(_keyed(aud, by, "merchandiser", "visit_date").rename("key")).agg(
        unplanned=("unplanned", "sum"), visits=("minutes", "count"), median_minutes=("minutes", "median")
    )
    both = planned.join(visited, how="outer")
    counts = ["planned", "done", "with_order", "unplanned", "visits"]
    both[counts] = both[counts].fillna(0)
    both = both.assign(
        completion=both.done / both.planned.where(both.planned > 0),
        success=both.with_order / both.done.where(both.done > 0),
    )
    return both.reset_index()


def visit_totals(t: Tables, viewer: User, f: VisitFilters, today: date) -> dict:
    rows = _measures(t, viewer, f, "total", today)
    if rows.empty:
        return dict(NO_VISIT_TOTALS)
    return {k: (None if pd.isna(v) else v) for k, v in rows.iloc[0][MEASURE_COLUMNS].to_dict().items()}


def visit_weekly(t: Tables, viewer: User, f: VisitFilters, today: date) -> pd.DataFrame:
    return _measures(t, viewer, f, "week", today).rename(columns={"key": "week"})


def _visit_state(t: Tables, viewer: User, f: VisitFilters, today: date) -> pd.DataFrame:
    """capture.visit_state_sql for the active stores in view, as of the end of the period."""
    as_of = pd.Timestamp(f.plan_end(today))
    stores = _visit_stores(t, viewer, f)
    stores = stores[stores.active & (stores.merchandiser.isin(f.merchandisers) if f.merchandisers else True)]
    last = t.audits[t.audits.visit_date <= as_of].groupby("store_code").visit_date.max().rename("last_visit")
    state = stores.merge(last, left_on="code", right_index=True, how="left")
    state = state.assign(
        days_since=(as_of - state.last_visit).dt.days,
        due_days=state.grade.map({g: v[0] for g, v in VISIT_INTERVAL_DAYS.items()}),
        overdue_days=state.grade.map({g: v[1] for g, v in VISIT_INTERVAL_DAYS.items()}),
    )
    overdue = state.days_since.isna() | (state.days_since > state.overdue_days)
    return state.assign(status=np.where(overdue, "overdue", np.where(state.days_since >= state.due_days, "due", "ok")))


def visit_league(t: Tables, viewer: User, f: VisitFilters, by: str, lang: str, today: date) -> pd.DataFrame:
    store_column, names = {
        "merchandiser": ("merchandiser", _people(t, lang)),
        "region": ("region_code", t.regions.set_index("code")[_name(lang)]),
        "dealer": ("dealer_code", t.dealers.set_index("code")[_name(lang)]),
    }[by]
    measures = _measures(t, viewer, f, by, today)
    state = _visit_state(t, viewer, f, today)
    late = state[state.status == "overdue"].groupby(store_column, dropna=False).size()
    return measures.assign(
        name=measures.key.map(names).fillna(measures.key).fillna("—"), overdue=measures.key.map(late).fillna(0)
    )


def overdue_stores(t: Tables, viewer: User, f: VisitFilters, lang: str, today: date) -> pd.DataFrame:
    state = _visit_state(t, viewer, f, today)
    late = state[state.status == "overdue"]
    return late.assign(
        name=_store_name(late, lang),
        region=late.region_code.map(t.regions.set_index("code")[_name(lang)]),
        dealer=late.dealer_code.map(t.dealers.set_index("code")[_name(lang)]),
        merchandiser=late.merchandiser.map(_people(t, lang)),
        allowed_days=np.floor(late.overdue_days),
    )[["code", "name", "grade", "region", "dealer", "merchandiser", "last_visit", "days_since", "allowed_days"]]


def overdue_by_grade(t: Tables, viewer: User, f: VisitFilters, today: date) -> dict[str, int]:
    state = _visit_state(t, viewer, f, today)
    return {"A": 0, "B": 0, "C": 0} | state.groupby("grade").status.apply(
        lambda s: int((s == "overdue").sum())
    ).to_dict()


def visit_frequency(t: Tables, viewer: User, f: VisitFilters, today: date) -> pd.DataFrame:
    end = f.plan_end(today)
    days = (end - f.start).days + 1
    visits = t.audits[_between(t.audits.visit_date, f.start, end)].groupby("store_code").size().rename("n")
    stores = _visit_stores(t, viewer, f)
    stores = stores[stores.active & (stores.merchandiser.isin(f.merchandisers) if f.merchandisers else True)]
    stores = stores.merge(visits, left_on="code", right_index=True, how="left")
    grades = stores.groupby("grade").agg(stores=("code", "size"), visits=("n", "sum")).reset_index()
    grades = grades.assign(
        per_week=grades.visits / grades.stores / (days / 7.0),
        target_low=grades.grade.map({g: v[0] for g, v in TARGET_PER_WEEK.items()}),
        target_high=grades.grade.map({g: v[1] for g, v in TARGET_PER_WEEK.items()}),
    )
    verdict = np.where(
        grades.per_week < grades.target_low, "below", np.where(grades.per_week > grades.target_high, "above", "within")
    )
    return grades.assign(verdict=verdict)
