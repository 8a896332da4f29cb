"""generate_demo: the stages in order, with progress reported; what the demo writes (DEMO_TABLES) and how it
is removed again."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np

from audit import capture, demo_actions, i18n, pg, scoring
from audit.db import Database
from audit.demo.answers import _lines, _observations, _pop_checks
from audit.demo.catalogue import CHANNELS, COMPETITORS, MUST_STOCK_COUNT, POP_TYPES
from audit.demo.common import LINE_CHUNK_AUDITS, STREAMS, DemoError, DemoSummary, Progress
from audit.demo.master import (
    _dealers,
    _merchandisers,
    _named,
    _password_hashes,
    _products,
    _regions,
    _store_quality,
    _stores,
    _users,
)
from audit.demo.pictures import _photo_orders, _photos
from audit.demo.visits import _campaigns, _draw_visits, _visit_plans
from audit.settings import ScoringSettings

# ---------------------------------------------------------------- progress


class _Reporter:
    """Maps stage progress onto one 0–1 bar, weighted by the expected cost of each stage."""

    LINE_COST, PHOTO_COST = 2.0, 18_000.0  # rough microseconds: one SKU line vs one drawn photo

    def __init__(self, progress: Progress | None, lang: str):
        self._progress = progress or (lambda fraction, message: None)
        self._lang = lang
        self._line_share = 0.8

    def expect(self, lines: float, photos: int) -> None:
        """How much work is ahead: the line stage's share of the bar follows from it."""
        line_cost, photo_cost = lines * self.LINE_COST, photos * self.PHOTO_COST
        self._line_share = 0.85 * line_cost / max(line_cost + photo_cost, 1.0)

    def say(self, fraction: float, key: str, **values: object) -> None:
        formatted = {k: f"{v:,}" if isinstance(v, int) else v for k, v in values.items()}
        self._progress(min(max(fraction, 0.0), 1.0), i18n.t(key, self._lang, **formatted))

    def lines(self, done: int, total: int) -> None:
        self.say(0.1 + self._line_share * done / max(total, 1), "demo.progress.lines", done=done, total=total)

    def competitors(self) -> None:
        self.say(0.1 + self._line_share + 0.01, "demo.progress.competitors")

    def photos(self, done: int, total: int) -> None:
        if done % max(total // 50, 1) and done != total:  # about 50 updates, not one per photo
            return
        start = 0.1 + self._line_share + 0.02
        self.say(start + (0.99 - start) * done / max(total, 1), "demo.progress.photos", done=done, total=total)


# ---------------------------------------------------------------- entry point

DEMO_TABLES = (
    "regions",
    "dealers",
    "users",
    "products",
    "competitors",
    "pop_types",
    "stores",
    "audits",
    "planned_visits",
    "audit_lines",
    "audit_pop",
    "competitor_observations",
    "photos",
    "audit_photos",
    "audit_sku_metrics",
    "audit_metrics",
    "audit_totals",
    "actions",
    "action_events",
)
DEMO_META_KEYS = ("demo_seed", "demo_today", "demo_generated_at")


def _refuse_unless_empty(db: Database) -> None:
    """Demo codes and accounts would collide with real ones: only an empty database takes demo data."""
    if any(db.query_value(f"SELECT count(*) FROM {table}") for table in DEMO_TABLES):
        raise DemoError("demo.error.not_empty")


def _remove_demo_data(db: Database) -> None:
    """Undo a load that failed half-way: the tables were empty before, so they are emptied again.
    Photo files already written are left to the orphan sweep."""
    with db.write() as cur:
        for table in DEMO_TABLES:
            cur.execute(f"DELETE FROM {table}")
        cur.execute("DELETE FROM app_meta WHERE key = ANY(?)", [list(DEMO_META_KEYS)])


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per stage: changing the photo count leaves the audits as they were."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}


def generate_demo(
    db: Database,
    stores: int = 200,
    weeks: int = 26,
    seed: int = 42,
    today: date | None = None,
    photos: int = 400,
    progress: Progress | None = None,
    lang: str = "en",
) -> DemoSummary:
    """Fill an empty database with demo data; `photos` recent visits get drawn photos.

    `progress(fraction, message)` is called as it goes, messages in `lang`.
    """
    _refuse_unless_empty(db)
    report = _Reporter(progress, lang)
    today = today or date.today()
    rng = _streams(seed)
    stamp = datetime.combine(today - timedelta(weeks=weeks), time(9))  # when the master data was "set up"

    report.say(0.01, "demo.progress.master_data", stores=stores)
    merchandisers = _merchandisers()
    users = _users(merchandisers, stamp)
    password_hashes = _password_hashes(len(users))
    dealers = _dealers(rng["master"], stamp)
    products, catalog = _products(rng["master"], stamp)
    campaigns = _campaigns(rng["master"], weeks)
    store_frame = _stores(rng["stores"], stores, stamp)
    drawn = _draw_visits(
        rng["audits"], store_frame, weeks, today, _store_quality(rng["stores"], store_frame, merchandisers), campaigns
    )
    visit_plans = _visit_plans(rng["plans"], drawn.audits, store_frame, merchandisers, today, stamp)
    audit_count = len(drawn.audits)
    report.say(0.05, "demo.progress.audits", audits=audit_count)
    mean_lines = float(np.mean([MUST_STOCK_COUNT[c] for c in CHANNELS])) + 0.27
    report.expect(audit_count * mean_lines, min(photos, audit_count) * 2)

    # Several transactions, not one: DuckDB holds a transaction's new rows in memory until it commits,
    # so one transaction for 15 million lines would need gigabytes. A failure removes what was loaded.
    line_count = 0
    try:
        with db.write() as cur:
            for table, frame in (
                ("regions", _regions()),
                ("dealers", dealers),
                ("products", products),
                ("competitors", _named(COMPETITORS, ["code", "name_en", "name_zh"], stamp)),
                ("pop_types", _named(POP_TYPES, ["code", "name_en", "name_zh", "required_channels"], stamp)),
                ("stores", store_frame),
                ("audits", drawn.audits),
                ("planned_visits", visit_plans),
            ):
                pg.insert_frame(cur, table, frame)
        audit_ids = drawn.audits.id.to_numpy()
        for start in range(0, audit_count, LINE_CHUNK_AUDITS):
            part = slice(start, start + LINE_CHUNK_AUDITS)
            lines = _lines(rng["lines"], audit_ids[part], drawn.channel[part], drawn.quality[part], catalog)
            with db.write() as cur:
                pg.insert_frame(cur, "audit_lines", lines)
                pg.insert_frame(
                    cur,
                    "audit_pop",
                    _pop_checks(rng["lines"], audit_ids[part], drawn.channel[part], drawn.quality[part]),
                )
            line_count += len(lines)
            report.lines(min(start + LINE_CHUNK_AUDITS, audit_count), audit_count)
            del lines  # one chunk in memory at a time

        report.competitors()
        observations = _observations(rng["competitors"], drawn, campaigns, catalog)
        orders = _photo_orders(rng["photos"], drawn, observations, store_frame, min(photos, audit_count))
        photo_frame, links = _photos(orders, lambda done: report.photos(done, len(orders)))  # files first
        users = users.assign(password_hash=[h.result() for h in password_hashes])  # before taking the write lock
        with db.write() as cur:  # the accounts come last: nobody signs in to half-loaded data
            pg.insert_frame(cur, "competitor_observations", observations)
            scoring.record_missing(cur, ScoringSettings().price_tolerance)
            if len(photo_frame):
                pg.insert_frame(cur, "photos", photo_frame)
                pg.insert_frame(cur, "audit_photos", links)
                capture.flag_photos(cur, links.audit_id.unique().tolist())  # the app's rule, not flags set by hand
            pg.insert_frame(cur, "users", users)
            demo_actions.generate(cur, today, seed, ScoringSettings().price_tolerance)  # issue 15's loop
            db.set_meta("demo_seed", str(seed), cur)
            db.set_meta("demo_today", today.isoformat(), cur)
            db.set_meta("demo_generated_at", datetime.now().isoformat(timespec="seconds"), cur)
    except BaseException:
        _remove_demo_data(db)
        raise
    report.say(1.0, "demo.progress.done", stores=stores, audits=audit_count)
    return DemoSummary(stores=stores, audits=audit_count, lines=line_count, photos=len(photo_frame), users=len(users))
