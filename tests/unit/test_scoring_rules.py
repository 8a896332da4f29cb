"""The scoring rules a manager saves (settings.validate through scoring.save_settings) at their limits, the
settings read back from what an older version stored, and the defaults the README publishes. Each limit
here is one that a planted bug (make mutants) moved without any test failing."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from audit import scoring, settings
from audit.auth import User
from audit.filters import DashboardFilters
from audit.settings import COMPONENTS, DEFAULT_WEIGHTS, ScoringSettings, SettingsError
from tests.helpers.audits import comparable
from tests.helpers.paths import ROOT

MANAGER = User("boss", "Boss", "manager", None, "en")


def refusal(db, **changes) -> str | None:
    """The reason saving the defaults with these changes is refused (None: saved, and then in force)."""
    try:
        saved = scoring.save_settings(db, replace(ScoringSettings(), **changes), "boss")
    except SettingsError as error:
        return error.key
    assert settings.load(db) == saved
    return None


def test_a_weight_is_a_number_from_0_to_100(db):
    for weight in (0, 100, 37.5):
        assert refusal(db, weights=DEFAULT_WEIGHTS | {"pop": weight}) is None
    for weight in (100.01, -0.01, float("nan"), "20", None):
        assert refusal(db, weights=DEFAULT_WEIGHTS | {"pop": weight}) == "settings.error.weight"
    assert refusal(db, weights={c: w for c, w in DEFAULT_WEIGHTS.items() if c != "pop"}) == "settings.error.weight"


def test_any_weight_above_nothing_makes_a_score(db):
    assert refusal(db, weights=dict.fromkeys(COMPONENTS, 0) | {"pop": 0.5}) is None
    assert refusal(db, weights=dict.fromkeys(COMPONENTS, 0)) == "settings.error.no_weight"


def test_the_bands_may_reach_0_and_100_with_amber_below_green(db):
    assert refusal(db, amber_min=0, green_min=100) is None
    assert refusal(db, amber_min=70, green_min=70) == "settings.error.bands"
    assert refusal(db, amber_min=-1) == "settings.error.bands"
    assert refusal(db, green_min=100.5) == "settings.error.bands"


def test_the_price_tolerance_runs_from_exact_to_half_the_rrp(db):
    for tolerance in (0, 0.5):
        assert refusal(db, price_tolerance=tolerance) is None
    for tolerance in (-0.01, 0.51):
        assert refusal(db, price_tolerance=tolerance) == "settings.error.tolerance"


def test_settings_stored_before_a_rule_existed_take_its_default(db):
    """A settings row saved by an older version names only what it knew: the rest is the default."""
    with db.write() as cur:
        cur.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            [settings.SETTINGS_KEY, json.dumps({"weights": {"pop": 30}, "green_min": 90})],
        )
    read = settings.load(db)
    assert read == replace(ScoringSettings(), weights=DEFAULT_WEIGHTS | {"pop": 30}, green_min=90)
    assert read.weight_list()[COMPONENTS.index("pop")] == 30
    assert read.weight_list()[COMPONENTS.index("price")] == DEFAULT_WEIGHTS["price"]
    with db.write() as cur:
        cur.execute("UPDATE settings SET value = ? WHERE key = ?", [json.dumps({"price_tolerance": 0.1}), "scoring"])
    assert settings.load(db) == replace(ScoringSettings(), price_tolerance=0.1)


def test_the_defaults_are_those_the_readme_publishes():
    """The README's component table and its settings row are what a manager starts from."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| Component | Measures | Default weight |")[1].split("\n\n")[0]
    published = [int(row.rsplit("|", 2)[1]) for row in table.strip().splitlines()[1:]]
    assert published == [DEFAULT_WEIGHTS[c] for c in COMPONENTS]
    bands = re.search(r"default green ≥ (\d+), amber (\d+)–\d+, red < (\d+)\)", readme)
    tolerance = re.search(r"price tolerance \(default (\d+) % under the RRP\)", readme)
    assert bands and tolerance
    defaults = ScoringSettings()
    assert (defaults.green_min, defaults.amber_min) == (float(bands[1]), float(bands[2]))
    assert defaults.price_tolerance == pytest.approx(int(tolerance[1]) / 100)


@pytest.fixture
def bulk_loaded(db):
    """One audit on 10 November whose lines are as a bulk load may hold them (the form never stores these): an
    out-of-stock line that still carries a level and facings, in-stock ones without a level, a tag or a
    damage answer, SKUs beyond the must-stock list, a competitor's display noted without facings."""
    with db.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('R1', 'North', '华北')")
        cur.execute(
            "INSERT INTO stores (code, name, channel, grade, region_code) VALUES ('S1', '一号店', 'modern', 'A', 'R1')"
        )
        cur.execute(
            "INSERT INTO products (code, name_en, name_zh, brand, category, rrp, must_stock_channels) VALUES"
            " ('P1', 'Tea', '茶', 'Q', 'beverages', 10, ['modern']), ('P2', 'Juice', '果汁', 'Q', 'beverages', 20,"
            " ['modern']), ('P3', 'Soda', '汽水', 'Q', 'beverages', 5, ['modern']),"
            " ('P4', 'Milk', '牛奶', 'Q', 'beverages', 8, ['modern']), ('P5', 'Cola', '可乐', 'Q', 'beverages', 3, []),"
            " ('P6', 'Chips', '薯片', 'Q', 'snacks', 6, [])"
        )
        cur.execute("INSERT INTO competitors (code, name_en, name_zh) VALUES ('C01', 'Rival', '对手')")
        cur.execute(
            "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at, submitted_at)"
            " VALUES (1, 'k1', 'S1', 'm1', '2026-11-10', '2026-11-10 09:00', '2026-11-10 09:30')"
        )
        cur.execute(
            """INSERT INTO audit_lines (audit_id, product_code, must_stock, in_stock, facings, shelf_level, fifo_ok,
                                        near_expiry, damaged, tag_present, tag_placed_ok, tag_matches, tag_legible,
                                        shelf_price)
               VALUES (1, 'P1', TRUE, TRUE, 4, 2, TRUE, FALSE, FALSE, TRUE, TRUE, TRUE, TRUE, 10),
                      (1, 'P2', TRUE, TRUE, 2, NULL, TRUE, FALSE, NULL, FALSE, NULL, NULL, NULL, NULL),
                      (1, 'P3', TRUE, FALSE, 5, 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                      (1, 'P4', TRUE, TRUE, 2, NULL, TRUE, TRUE, FALSE, NULL, NULL, NULL, NULL, NULL),
                      (1, 'P5', FALSE, FALSE, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                      (1, 'P6', FALSE, TRUE, 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"""
        )
        cur.execute(
            "INSERT INTO competitor_observations (id, audit_id, competitor_code, kind, facings, product_code)"
            " VALUES (1, 1, 'C01', 'promotion', 8, 'P1'), (2, 1, 'C01', 'display_change', NULL, NULL)"
        )
        scoring.record(cur, [1], 0.05)
    return db


def test_each_component_counts_only_the_lines_its_rule_names(bulk_loaded):
    """Each component counts the lines its rule names (the README's component table) and no others."""
    got = scoring.audit_score(bulk_loaded, MANAGER, 1, ScoringSettings())
    assert got is not None
    assert got["availability"] == pytest.approx(75)  # P1, P2 and P4 of the four must-stock lines (not P5, P6)
    assert got["height"] == pytest.approx(100) and got["eye_level"] == pytest.approx(100)  # P1 alone has a level
    assert got["price"] == pytest.approx(50)  # P1 passes; P2, in stock without a tag, was checked and fails
    # Ours in stock in the category their facings were counted in, 4 + 2 + 2, against their 8 (the display
    # change noted without facings counts for no category: P6's snacks stay out).
    assert got["share_of_shelf"] == pytest.approx(50)
    assert got["freshness"] == pytest.approx(50)  # P1 fresh, P4 near expiry; P2's damage was not answered


def test_a_product_filter_keeps_the_audit_of_the_periods_first_day(bulk_loaded):
    day = date(2026, 11, 10)
    sql, params = scoring.scored_audits(
        MANAGER, DashboardFilters(day, day, categories=("beverages",)), ScoringSettings()
    )
    assert bulk_loaded.query_df(f"WITH s AS ({sql}) SELECT audit_id FROM s", params).audit_id.tolist() == [1]


def counts_of(db, audit_ids: list[int]) -> dict[str, list[tuple]]:
    """What scoring keeps for these audits, table by table, in a stable order."""
    sql = "SELECT * FROM {} WHERE audit_id IN (SELECT unnest(?)) ORDER BY ALL"
    return {
        table: comparable(db.cursor().execute(sql.format(table), [audit_ids]).fetchall())
        for table in scoring.COUNT_TABLES
    }


def test_opening_counts_the_audits_stored_before_scoring_with_the_saved_tolerance(demo_db):
    """An older database (or a restored backup) holds audits without counts: opening it counts exactly those,
    with the manager's price tolerance, as submit would have; a database already counted is left alone."""
    scoring.save_settings(demo_db, replace(settings.load(demo_db), price_tolerance=0.2), "boss")
    assert scoring.fill_missing(demo_db) == 0
    ids = demo_db.query_df("SELECT id FROM audits ORDER BY id LIMIT 30").id.tolist()
    counted = counts_of(demo_db, ids)
    # The tolerance matters for these audits: some shelf price lies between 5 % and 20 % under its RRP.
    between = demo_db.query_value(
        "SELECT count(*) FROM audit_lines l JOIN products p ON p.code = l.product_code"
        " WHERE l.audit_id IN (SELECT unnest(?)) AND l.shelf_price < p.rrp * 0.95 AND l.shelf_price >= p.rrp * 0.8",
        [ids],
    )
    assert between > 0
    with demo_db.write() as cur:
        for table in scoring.COUNT_TABLES:
            cur.execute(f"DELETE FROM {table} WHERE audit_id IN (SELECT unnest(?))", [ids])
    assert scoring.fill_missing(demo_db) == len(ids)
    assert counts_of(demo_db, ids) == counted
    assert scoring.fill_missing(demo_db) == 0
