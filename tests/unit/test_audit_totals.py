"""Per-audit totals (migration 007): scores without a product filter read audit_totals, scores with one sum
audit_sku_metrics. Both ways must give the same numbers, after a load, a tolerance change and an upgrade."""

from dataclasses import replace
from datetime import date, datetime

import duckdb
import pandas as pd

from audit import dashboard, scoring, settings
from audit.auth import User
from audit.filters import DashboardFilters
from audit.opening import open_database
from audit.settings import ScoringSettings

MANAGER = User("manager", "M", "manager", None, "en")
PERIOD = DashboardFilters(date(2026, 10, 1), date(2026, 11, 20))


def both_ways(db, rules: ScoringSettings):
    """Per-store scores from the totals, and through the SKU counts with every category chosen."""
    categories = tuple(dashboard.product_options(db)["categories"])
    totals = dashboard.store_scores(db, MANAGER, PERIOD, rules, "en").set_index("code")
    summed = dashboard.store_scores(db, MANAGER, replace(PERIOD, categories=categories), rules, "en").set_index("code")
    return totals, summed


def assert_same_scores(db, rules: ScoringSettings | None = None):
    rules = rules or ScoringSettings()
    totals, summed = both_ways(db, rules)
    assert len(totals) > 10
    compared = ["score", "availability", "height", "eye_level", "share_of_shelf", "price", "pop", "freshness", "audits"]
    pd.testing.assert_frame_equal(
        totals[compared].sort_index(), summed[compared].sort_index(), check_dtype=False, rtol=1e-9
    )


def test_totals_and_summed_counts_give_the_same_scores(demo_db):
    assert (
        demo_db.query_one("SELECT count(*) FROM audit_totals")[0]
        == demo_db.query_one("SELECT count(DISTINCT audit_id) FROM audit_sku_metrics")[0]
    )
    assert_same_scores(demo_db)


def test_a_new_price_tolerance_recounts_the_totals_too(demo_db):
    before = dashboard.tiles(demo_db, MANAGER, PERIOD, ScoringSettings()).set_index("measure").loc["price", "value"]
    saved = scoring.save_settings(
        demo_db, replace(settings.load(demo_db), price_tolerance=0.25), "manager", datetime(2026, 11, 21)
    )
    after = dashboard.tiles(demo_db, MANAGER, PERIOD, saved).set_index("measure").loc["price", "value"]
    assert after > before  # the demo's discounts (5–20 % under the RRP) pass at 25 %
    assert_same_scores(demo_db, saved)


def test_an_older_database_gets_its_totals_on_opening(demo_dir):
    path = demo_dir / "audit.duckdb"
    con = duckdb.connect(str(path))  # back to version 6: no totals table
    con.execute("DROP TABLE audit_totals")
    con.execute("DELETE FROM schema_migrations WHERE version = 7")  # later ones stay applied
    audits_with_lines = con.execute("SELECT count(DISTINCT audit_id) FROM audit_lines").fetchall()[0][0]
    con.close()
    upgraded = open_database(path)
    assert upgraded.query_one("SELECT count(*) FROM audit_totals")[0] == audits_with_lines
    assert (
        upgraded.query_one("SELECT count(*) FROM audit_metrics")[0]
        == upgraded.query_one("SELECT count(*) FROM audits")[0]
    )
    assert_same_scores(upgraded)
    upgraded.close()
