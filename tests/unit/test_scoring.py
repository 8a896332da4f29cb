"""Compliance scoring against hand-computed audits: each component, re-normalisation, bands, settings."""

from dataclasses import replace
from datetime import date, datetime

import pytest

from audit import scoring, settings
from audit.auth import User
from audit.filters import DashboardFilters
from audit.opening import open_database
from audit.settings import ScoringSettings, SettingsError

MANAGER = User("boss", "Boss", "manager", None, "en")
PERIOD = DashboardFilters(date(2026, 11, 1), date(2026, 11, 30))


def line(
    audit,
    sku,
    must=True,
    stock=True,
    facings=0,
    level=None,
    fifo=True,
    expiry=False,
    damaged=False,
    tag=True,
    placed=True,
    matches=True,
    legible=True,
    price=None,
):
    return (
        audit,
        sku,
        must,
        stock,
        facings,
        level,
        None,
        fifo if stock else None,
        expiry if stock else None,
        damaged if stock else None,
        tag,
        placed if tag else None,
        matches if tag else None,
        legible if tag else None,
        price,
    )


@pytest.fixture
def scored_db(db):
    """Two audits whose every component is worked out by hand in the tests below."""
    with db.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('R1', 'North', '华北')")
        cur.execute(
            "INSERT INTO stores (code, name, channel, grade, region_code) VALUES"
            " ('S1', '一号店', 'traditional', 'A', 'R1'), ('S2', '二号店', 'special', 'C', 'R1')"
        )
        cur.execute(
            "INSERT INTO products (code, name_en, name_zh, brand, category, rrp, must_stock_channels) VALUES"
            " ('P1', 'Tea', '茶', 'Q', 'beverages', 10, ARRAY['traditional', 'special']),"
            " ('P2', 'Juice', '果汁', 'Q', 'beverages', 20, ARRAY['traditional', 'special']),"
            " ('P3', 'Chips', '薯片', 'C', 'snacks', 5, ARRAY['traditional'])"
        )
        cur.execute("INSERT INTO competitors (code, name_en, name_zh) VALUES ('C01', 'Rival', '对手')")
        for audit_id, store in ((1, "S1"), (2, "S2")):
            cur.execute(
                "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at,"
                " submitted_at) VALUES (?, ?, ?, 'm1', '2026-11-10', '2026-11-10 09:00', '2026-11-10 09:30')",
                [audit_id, f"k{audit_id}", store],
            )
        cur.executemany(
            "INSERT INTO audit_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            [
                # audit 1: P1 perfect at eye level; P2 at the bottom, FIFO broken, tag not matching; P3 out of stock
                line(1, "P1", facings=4, level=2, price=10),
                line(1, "P2", facings=2, level=4, fifo=False, matches=False, price=20),
                line(1, "P3", stock=False, tag=False),
                # audit 2: P1 on the top shelf 6 % under the RRP; P2 at waist level, all fine
                line(2, "P1", facings=3, level=1, price=9.4),
                line(2, "P2", facings=3, level=3, price=20),
            ],
        )
        cur.execute("INSERT INTO audit_pop VALUES (1, 'poster', TRUE, 'good', NULL), (1, 'banner', FALSE, NULL, NULL)")
        cur.execute(
            "INSERT INTO competitor_observations (id, audit_id, competitor_code, kind, facings, product_code)"
            " VALUES (1, 1, 'C01', 'promotion', 6, 'P1')"
        )
        scoring.record(cur, [1, 2], 0.05)
    return db


def scores(db, rules: ScoringSettings | None = None, filters=PERIOD):
    rules = rules or ScoringSettings()
    sql, params = scoring.scored_audits(MANAGER, filters, rules)
    return db.query_df(f"{sql} ORDER BY audit_id", params).set_index("audit_id")


def test_each_component_of_a_hand_computed_audit(scored_db):
    first = scores(scored_db).loc[1]
    assert first.availability == pytest.approx(100 * 2 / 3)  # P1, P2 of three must-stock SKUs
    assert first.height == pytest.approx(100 * (1.78 + 1.00) / 2 / 1.78)  # levels 2 and 4
    assert first.eye_level == pytest.approx(50)  # one of two in-stock SKUs at level 2
    assert first.share_of_shelf == pytest.approx(50)  # our 6 beverage facings vs their 6
    assert first.price == pytest.approx(50)  # P2's tag does not match
    assert first["pop"] == pytest.approx(50)  # poster yes, banner no
    assert first.freshness == pytest.approx(50)  # P2's FIFO broken
    expected = (25 * 200 / 3 + 10 * 100 * 2.78 / 3.56 + 10 * 50 + 10 * 50 + 20 * 50 + 15 * 50 + 10 * 50) / 100
    assert first.score == pytest.approx(expected)
    assert ScoringSettings().band(first.score) == "red"


def test_the_height_index_uses_the_uplift_table_scaled_to_eye_level():
    index = {
        level: 100 * uplift / scoring.SHELF_LEVEL_UPLIFT[2] for level, uplift in scoring.SHELF_LEVEL_UPLIFT.items()
    }
    assert index == pytest.approx({1: 75.28, 2: 100.0, 3: 91.57, 4: 56.18}, abs=0.01)


def test_missing_components_are_left_out_and_the_rest_renormalised(scored_db):
    second = scores(scored_db).loc[2]
    assert second.share_of_shelf != second.share_of_shelf  # NaN: no competitor facings recorded
    assert second["pop"] != second["pop"]  # NaN: no POP required in this channel
    assert second.availability == 100 and second.eye_level == 0 and second.freshness == 100
    assert second.price == pytest.approx(50)  # P1 more than 5 % under its RRP
    height = 100 * (1.34 + 1.63) / 2 / 1.78
    assert second.height == pytest.approx(height)
    assert second.weight_measured == 75  # 100 minus share of shelf (10) and POP (15)
    assert second.score == pytest.approx((25 * 100 + 10 * height + 10 * 0 + 20 * 50 + 10 * 100) / 75)
    assert ScoringSettings().band(second.score) == "amber"


def test_weights_change_every_score_at_once(scored_db):
    only_availability = ScoringSettings(weights={c: 0 for c in settings.COMPONENTS} | {"availability": 1})
    assert scores(scored_db, only_availability).score.tolist() == pytest.approx([200 / 3, 100])


def test_band_limits_are_inclusive_at_the_bottom():
    rules = ScoringSettings()
    assert [rules.band(s) for s in (100, 85, 84.99, 70, 69.99, 0)] == ["green", "green", "amber", "amber", "red", "red"]
    assert rules.band(None) is None and rules.band(float("nan")) is None
    custom = ScoringSettings(green_min=90, amber_min=60)
    assert [custom.band(s) for s in (89.9, 60, 59.9)] == ["amber", "amber", "red"]


def test_saved_settings_are_in_force_and_a_new_tolerance_recounts_prices(scored_db):
    saved = scoring.save_settings(
        scored_db, ScoringSettings(price_tolerance=0.10), "boss", now=datetime(2026, 11, 20, 8)
    )
    assert settings.load(scored_db) == saved
    assert settings.last_change(scored_db) == ("boss", datetime(2026, 11, 20, 8))
    second = scores(scored_db, saved).loc[2]
    assert second.price == 100  # 9.40 is within 10 % of 10.00


def test_bad_settings_are_refused_with_a_reason(scored_db):
    with pytest.raises(SettingsError) as error:
        scoring.save_settings(scored_db, ScoringSettings(green_min=60, amber_min=70), "boss")
    assert error.value.key == "settings.error.bands"
    with pytest.raises(SettingsError) as error:
        scoring.save_settings(scored_db, ScoringSettings(weights={c: 0 for c in settings.COMPONENTS}), "boss")
    assert error.value.key == "settings.error.no_weight"
    with pytest.raises(SettingsError) as error:
        scoring.save_settings(scored_db, ScoringSettings(weights=settings.DEFAULT_WEIGHTS | {"pop": -5}), "boss")
    assert error.value.message("zh") == "pop 的权重必须是 0 到 100 之间的数字。"
    assert settings.load(scored_db) == ScoringSettings()  # nothing was saved


def test_a_product_filter_narrows_the_sku_components_only(scored_db):
    beverages = scores(scored_db, filters=replace(PERIOD, categories=("beverages",))).loc[1]
    assert beverages.availability == 100  # the snack that was out of stock is not counted
    assert beverages["pop"] == pytest.approx(50) and beverages.share_of_shelf == pytest.approx(50)


def test_audits_stored_before_scoring_are_counted_at_start(scored_db, data_dir, backend):
    if backend == "postgres":  # PostgreSQL holds no counts: a process's new copy of it counts every audit
        scored_db.close()
        for copy in data_dir.glob("audit.duckdb*"):
            copy.unlink()
    else:
        with scored_db.write() as cur:
            cur.execute("DELETE FROM audit_sku_metrics")
            cur.execute("DELETE FROM audit_metrics")
        scored_db.close()
    reopened = open_database(data_dir / "audit.duckdb")
    try:
        assert reopened.query_one("SELECT count(*) FROM audit_metrics")[0] == 2
        assert scores(reopened).score.tolist() == pytest.approx(scores_expected())
    finally:
        reopened.close()


def scores_expected():
    height1, height2 = 100 * 2.78 / 2 / 1.78, 100 * 2.97 / 2 / 1.78
    return [
        (25 * 200 / 3 + 10 * height1 + 10 * 50 + 10 * 50 + 20 * 50 + 15 * 50 + 10 * 50) / 100,
        (25 * 100 + 10 * height2 + 20 * 50 + 10 * 100) / 75,
    ]


def test_one_audits_score_for_the_summary_after_submit(scored_db):
    from audit.auth import User

    second = scoring.audit_score(scored_db, MANAGER, 2, ScoringSettings())
    height = 100 * (1.34 + 1.63) / 2 / 1.78
    assert second["score"] == pytest.approx((25 * 100 + 10 * height + 10 * 0 + 20 * 50 + 10 * 100) / 75)
    assert second["share_of_shelf"] is None and second["pop"] is None  # not measured, left out
    assert scoring.audit_score(scored_db, MANAGER, 99, ScoringSettings()) is None
    stranger = User("m2", "Other", "merchandiser", None, "en")  # not the store's merchandiser
    assert scoring.audit_score(scored_db, stranger, 2, ScoringSettings()) is None
