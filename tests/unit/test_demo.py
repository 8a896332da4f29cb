"""The demo data generator: determinism, proportions, visit frequencies, audit answers, story, photos."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from audit import auth, capture, demo, photos, plans, scoring
from audit.db import Database
from audit.demo import DemoError, generate_demo
from audit.settings import ScoringSettings
from tests.helpers.backends import empty_database

TODAY = date(2026, 11, 20)  # a Friday
SMALL = dict(stores=40, weeks=8, seed=11, photos=10, today=TODAY)
WIDE = dict(stores=200, weeks=26, seed=5, photos=0, today=TODAY)
# Every table generate_demo fills, with a key that orders it completely (users: argon2 salts differ).
ORDERED_TABLES = {
    "stores": "code",
    "dealers": "code",
    "products": "code",
    "competitors": "code",
    "pop_types": "code",
    "regions": "code",
    "audits": "id",
    "audit_lines": "audit_id, product_code",
    "audit_pop": "audit_id, pop_type_code",
    "competitor_observations": "id",
    "photos": "sha256",
    "audit_photos": "audit_id, section, photo_sha256",
}


def build(
    directory: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, **size
) -> tuple[Database, object, list]:
    """A demo database (and photo store) in `directory`, on the run's back end, with the progress reports it made."""
    directory.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("AUDIT_DATA_DIR", str(directory))
    db = empty_database(directory, request)
    reports = []
    summary = generate_demo(db, progress=lambda fraction, message: reports.append((fraction, message)), **size)
    return db, summary, reports


@pytest.fixture(scope="module")
def small(tmp_path_factory, request):
    mp = pytest.MonkeyPatch()
    directory = tmp_path_factory.mktemp("small")
    db, summary, reports = build(directory, mp, request, **SMALL)
    yield db, summary, reports, directory
    mp.undo()


@pytest.fixture(scope="module")
def wide(tmp_path_factory, request):
    mp = pytest.MonkeyPatch()
    db, _, _ = build(tmp_path_factory.mktemp("wide"), mp, request, **WIDE)
    yield db
    mp.undo()


@pytest.fixture
def small_db(small, monkeypatch) -> Database:
    monkeypatch.setenv("AUDIT_DATA_DIR", str(small[3]))  # photo_path() looks here
    return small[0]


def rows(db: Database, sql: str, params=None) -> list[tuple]:
    return db.cursor().execute(sql, params or []).fetchall()


def value(db: Database, sql: str, params=None):
    return db.query_one(sql, params)[0]


def fingerprints(db: Database) -> dict[str, str]:
    return {
        table: value(db, f"SELECT md5(string_agg(t::VARCHAR, chr(10) ORDER BY {key})) FROM {table} t")
        for table, key in ORDERED_TABLES.items()
    }


# ---------------------------------------------------------------- determinism and refusal


def test_same_seed_gives_identical_data_and_another_seed_differs(small, tmp_path, monkeypatch, request):
    first = fingerprints(small[0])
    again, _, _ = build(tmp_path / "again", monkeypatch, request, **SMALL)
    other, _, _ = build(tmp_path / "other", monkeypatch, request, **{**SMALL, "seed": SMALL["seed"] + 1})
    assert fingerprints(again) == first
    different = fingerprints(other)
    assert [
        t for t in ("stores", "audits", "audit_lines", "competitor_observations", "photos") if different[t] == first[t]
    ] == []
    assert value(small[0], "SELECT count(*) FROM photos") > 0  # the photos themselves are reproducible too


def test_summary_matches_the_database(small):
    db, summary = small[0], small[1]
    assert summary.stores == value(db, "SELECT count(*) FROM stores") == SMALL["stores"]
    assert summary.audits == value(db, "SELECT count(*) FROM audits")
    assert summary.lines == value(db, "SELECT count(*) FROM audit_lines")
    assert summary.photos == value(db, "SELECT count(*) FROM photos")
    assert summary.users == value(db, "SELECT count(*) FROM users") == 22
    assert "40 stores" in str(summary)


def test_the_counts_the_demo_leaves_are_what_counting_afresh_gives(small_db):
    """Scoring's per-audit counts after the demo's several transactions (on PostgreSQL, counted on the copy as
    each transaction arrives, competitor observations last) equal a recount of every audit."""
    tables = ("audit_sku_metrics", "audit_metrics", "audit_totals")
    cur = small_db.cursor()
    left = {table: cur.execute(f"SELECT * FROM {table} ORDER BY ALL").df() for table in tables}
    cur.execute("BEGIN TRANSACTION")
    try:
        scoring.recount(cur, ScoringSettings().price_tolerance)
        recounted = {table: cur.execute(f"SELECT * FROM {table} ORDER BY ALL").df() for table in tables}
    finally:
        cur.execute("ROLLBACK")  # the counts stay as the demo left them
    assert all(len(left[table]) > 0 for table in tables)
    assert left["audit_metrics"].competitor_facings.notna().any()
    for table in tables:
        pd.testing.assert_frame_equal(left[table], recounted[table], check_exact=False, obj=table)


def test_seed_and_generation_time_are_recorded(small):
    db = small[0]
    assert db.get_meta("demo_seed") == str(SMALL["seed"])
    assert db.get_meta("demo_generated_at")
    assert db.get_meta("demo_today") == TODAY.isoformat()


def test_progress_rises_to_one_with_messages(small):
    reports = small[2]
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions)
    assert 0 < fractions[0] < 0.1 and fractions[-1] == 1.0
    assert all(isinstance(message, str) and message for _, message in reports)
    assert any("Audit answers" in message for _, message in reports)


def test_progress_speaks_chinese_when_asked(tmp_path, monkeypatch, request):
    monkeypatch.setenv("AUDIT_DATA_DIR", str(tmp_path))
    messages = []
    generate_demo(
        empty_database(tmp_path, request),
        stores=5,
        weeks=1,
        today=TODAY,
        photos=0,
        lang="zh",
        progress=lambda fraction, message: messages.append(message),
    )
    assert "演示数据已就绪" in messages[-1]


def test_a_database_with_stores_is_refused_and_left_unchanged(small_db):
    before = value(small_db, "SELECT count(*) FROM audits")
    with pytest.raises(DemoError) as refused:
        generate_demo(small_db, stores=5, weeks=1, today=TODAY, photos=0)
    assert refused.value.key == "demo.error.not_empty"
    assert "empty database" in str(refused.value)
    assert value(small_db, "SELECT count(*) FROM audits") == before


def test_a_database_with_only_dealers_is_refused_too(db):
    with db.write() as cur:
        cur.execute("INSERT INTO dealers (code, name_en, name_zh) VALUES ('D01', 'Own dealer', '自有经销商')")
    with pytest.raises(DemoError):
        generate_demo(db, stores=5, weeks=1, today=TODAY, photos=0)
    assert rows(db, "SELECT code, name_en FROM dealers") == [("D01", "Own dealer")]


def test_a_load_that_fails_half_way_leaves_the_database_empty(db, monkeypatch):
    def broken_photos(orders, report):
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        # generate_demo's own names (audit/demo/generate.py), the ones it reads when it runs
        patch.setattr(demo.generate, "LINE_CHUNK_AUDITS", 50)  # several committed chunks before the failure
        patch.setattr(demo.generate, "_photos", broken_photos)
        with pytest.raises(OSError):
            generate_demo(db, stores=20, weeks=4, today=TODAY, photos=3)
    assert {table: value(db, f"SELECT count(*) FROM {table}") for table in demo.DEMO_TABLES} == dict.fromkeys(
        demo.DEMO_TABLES, 0
    )
    assert db.get_meta("demo_seed") is None
    assert generate_demo(db, stores=20, weeks=4, today=TODAY, photos=0).stores == 20  # and it can be tried again


# ---------------------------------------------------------------- master data


def test_grades_channels_and_sub_channels_have_realistic_shares(wide):
    shares = dict(rows(wide, "SELECT grade, count(*) / 200 FROM stores GROUP BY grade"))
    assert shares["A"] == pytest.approx(0.15, abs=0.03)
    assert shares["B"] == pytest.approx(0.35, abs=0.04)
    assert shares["C"] == pytest.approx(0.50, abs=0.04)
    channels = dict(rows(wide, "SELECT channel, count(*) / 200 FROM stores GROUP BY channel"))
    assert channels == pytest.approx({"traditional": 0.55, "modern": 0.30, "special": 0.15}, abs=0.03)
    assert set(rows(wide, "SELECT channel, sub_channel FROM stores")) == {
        ("traditional", s) for s in ("wholesale_market", "small_supermarket", "grocery", "personal_care_shop")
    } | {("modern", s) for s in ("hypermarket", "key_account", "supermarket_chain", "convenience_chain")} | {
        ("special", s) for s in ("restaurant", "hotel", "factory", "station")
    }


def test_store_cards_are_filled_with_chinese_and_english_names(wide):
    empty = rows(
        wide,
        """
        SELECT code FROM stores
        WHERE coalesce(name, '') = '' OR coalesce(name_en, '') = '' OR address IS NULL OR phone IS NULL
           OR contact_name IS NULL OR contact_role IS NULL OR ownership IS NULL OR category IS NULL
           OR city IS NULL OR latitude IS NULL OR longitude IS NULL OR dealer_code IS NULL
           OR merchandiser IS NULL OR brands_carried IS NULL""",
    )
    assert empty == []
    assert value(wide, "SELECT bool_and(regexp_matches(name, '[\u4e00-\u9fff]')) FROM stores")
    assert value(wide, "SELECT bool_and(NOT regexp_matches(name_en, '[\u4e00-\u9fff]')) FROM stores")
    assert rows(wide, "SELECT min(code), max(code) FROM stores") == [("S00001", "S00200")]


def test_stores_lie_near_their_city_within_china(wide):
    assert value(wide, "SELECT bool_and(latitude BETWEEN 20 AND 42 AND longitude BETWEEN 100 AND 123) FROM stores")
    assert value(wide, "SELECT count(DISTINCT city) FROM stores") >= 10


@pytest.mark.parametrize("table", ["regions", "dealers", "products", "competitors", "pop_types"])
def test_master_data_has_names_in_both_languages(wide, table):
    missing = value(
        wide, f"SELECT count(*) FROM {table} WHERE coalesce(name_en, '') = '' OR coalesce(name_zh, '') = ''"
    )
    assert missing == 0
    assert value(wide, f"SELECT bool_and(regexp_matches(name_zh, '[\u4e00-\u9fff]')) FROM {table}")


def test_master_data_sizes(wide):
    assert value(wide, "SELECT count(*) FROM regions") == 5
    assert value(wide, "SELECT list(code ORDER BY code) FROM dealers") == [f"D0{i}" for i in range(1, 9)]
    assert rows(wide, "SELECT count(*), count(DISTINCT category) FROM products") == [(40, 4)]
    assert value(wide, "SELECT list(code ORDER BY code) FROM competitors") == [f"C0{i}" for i in range(1, 6)]
    assert sorted(value(wide, "SELECT list(name_zh) FROM pop_types")) == sorted(
        ["海报", "吊旗", "货架插卡", "展示柜", "堆头", "横幅"]
    )


def test_every_demo_account_has_its_own_name(wide):
    # Two people of one name read, in the Visits league, as if the brand manager made visits.
    assert value(wide, "SELECT count(DISTINCT display_name) = count(*) FROM users")


def test_each_channel_has_20_to_28_must_stock_skus(wide):
    counts = dict(rows(wide, "SELECT c, count(*) FROM products, unnest(must_stock_channels) u(c) GROUP BY c"))
    assert set(counts) == {"traditional", "modern", "special"}
    assert all(20 <= n <= 28 for n in counts.values())


def test_twelve_merchandisers_each_work_one_city(wide):
    per_merchandiser = rows(
        wide,
        """
        SELECT u.username, count(DISTINCT s.region_code), count(DISTINCT s.city), count(s.code)
        FROM users u LEFT JOIN stores s ON s.merchandiser = u.username
        WHERE u.role = 'merchandiser' GROUP BY u.username ORDER BY u.username""",
    )
    assert [name for name, *_ in per_merchandiser] == [f"merch{i:02d}" for i in range(1, 13)]
    assert {(regions, cities) for _, regions, cities, _ in per_merchandiser} == {(1, 1)}
    assert min(stores for *_, stores in per_merchandiser) >= 5  # nobody is left without a territory


def test_a_merchandisers_planned_day_is_a_round_trip_within_a_city(wide):
    days = rows(
        wide,
        """
        SELECT list((s.latitude, s.longitude)) FROM planned_visits p JOIN stores s ON s.code = p.store_code
        GROUP BY p.merchandiser, p.planned_date HAVING count(*) > 1""",
    )
    assert len(days) > 500
    longest = max(plans.visiting_order(points)[1] for (points,) in days)
    assert longest < 150  # km; drawn across a region's cities they ran to 1,000 km and more


def test_dealers_serve_one_or_two_regions(wide):
    served = dict(rows(wide, "SELECT dealer_code, count(DISTINCT region_code) FROM stores GROUP BY dealer_code"))
    assert len(served) == 8 and set(served.values()) <= {1, 2}


def test_demo_users_sign_in_with_demo_and_have_their_roles(small_db):
    roles = dict(rows(small_db, "SELECT role, count(*) FROM users WHERE is_demo GROUP BY role"))
    assert roles == {"admin": 1, "manager": 1, "merchandiser": 12, "dealer": 8}
    assert value(small_db, "SELECT count(*) FROM users WHERE NOT is_demo") == 0
    for username, role in (
        ("admin", "admin"),
        ("manager", "manager"),
        ("merch12", "merchandiser"),
        ("dealer08", "dealer"),
    ):
        assert auth.authenticate(small_db, username, "demo").role == role
    assert auth.authenticate(small_db, "dealer03", "demo").dealer_code == "D03"
    assert auth.authenticate(small_db, "admin", "wrong") is None


def test_each_demo_account_has_its_own_hash_salt_and_the_apps_argon2_parameters(small_db):
    hashes = [h for (h,) in rows(small_db, "SELECT password_hash FROM users")]
    salts = [h.split("$")[4] for h in hashes]  # $argon2id$v=19$m=…,t=…,p=…$salt$hash
    assert len(hashes) == 22 and len(set(hashes)) == len(set(salts)) == 22
    assert not any(auth._hasher.check_needs_rehash(h) for h in hashes)  # not weaker than a real account's
    assert all(auth.password_matches(h, "demo") for h in hashes)


# ---------------------------------------------------------------- visits


def test_visit_frequency_follows_the_grade(wide):
    per_week = dict(
        rows(
            wide,
            """
        SELECT s.grade, count(a.id) / count(DISTINCT s.code) / ?
        FROM stores s LEFT JOIN audits a ON a.store_code = s.code GROUP BY s.grade""",
            [WIDE["weeks"]],
        )
    )
    assert 2.0 <= per_week["A"] <= 3.0
    assert 1.0 <= per_week["B"] <= 2.0
    assert 2 * 12 / 52 <= per_week["C"] <= 3 * 12 / 52  # 2–3 a month


def test_visits_are_on_working_days_up_to_today_by_the_stores_merchandiser(small_db):
    bad = rows(
        small_db,
        """
        SELECT a.id FROM audits a JOIN stores s ON s.code = a.store_code
        WHERE isodow(a.visit_date) > 5 OR a.visit_date > ? OR a.visit_date < ? - INTERVAL 8 WEEK
           OR a.merchandiser <> s.merchandiser OR a.started_at::DATE <> a.visit_date
           OR date_diff('minute', a.started_at, a.submitted_at) NOT BETWEEN 15 AND 60
           OR a.source <> 'demo' OR a.submission_key <> 'demo-' || a.id""",
        [TODAY, TODAY],
    )
    assert bad == []
    assert value(small_db, "SELECT max(visit_date) FROM audits") == TODAY


def test_a_merchandisers_visits_of_a_day_do_not_overlap(wide):
    overlaps = value(
        wide,
        """
        SELECT count(*) FROM (
            SELECT started_at, lag(submitted_at) OVER (PARTITION BY merchandiser, visit_date ORDER BY started_at) prev
            FROM audits) WHERE started_at < prev""",
    )
    assert overlaps == 0
    assert rows(
        wide, "SELECT min(started_at::TIME) >= TIME '08:30', max(submitted_at::TIME) <= TIME '18:00' FROM audits"
    ) == [(True, True)]


def test_audit_ids_follow_time_and_orders_are_placed_on_most_visits(small_db):
    assert value(
        small_db,
        "SELECT bool_and(id = rank) FROM (SELECT id, row_number() OVER "
        "(ORDER BY visit_date, started_at, store_code) rank FROM audits)",
    )
    share, amounts_ok = small_db.query_one(
        "SELECT avg(order_placed::INT), bool_and(coalesce(order_amount > 0, FALSE) = order_placed) FROM audits"
    )
    assert 0.5 <= share <= 0.75 and amounts_ok


# ---------------------------------------------------------------- audit answers


def test_every_line_is_a_must_stock_sku_of_the_channel_unless_flagged_extra(small_db):
    wrong = value(
        small_db,
        """
        SELECT count(*) FROM audit_lines l JOIN audits a ON a.id = l.audit_id JOIN stores s ON s.code = a.store_code
        JOIN products p ON p.code = l.product_code
        WHERE l.must_stock <> list_contains(p.must_stock_channels, s.channel)""",
    )
    assert wrong == 0
    assert (
        0
        < value(small_db, "SELECT count(*) FROM audit_lines WHERE NOT must_stock")
        < value(small_db, "SELECT count(*) FROM audits")
    )


def test_each_visit_checks_all_must_stock_skus_of_its_channel(small_db):
    incomplete = value(
        small_db,
        """
        SELECT count(*) FROM audits a JOIN stores s ON s.code = a.store_code
        WHERE (SELECT count(*) FROM audit_lines l WHERE l.audit_id = a.id AND l.must_stock)
           <> (SELECT count(*) FROM products p WHERE list_contains(p.must_stock_channels, s.channel))""",
    )
    assert incomplete == 0


def test_lines_are_stored_in_audit_id_order(small_db):
    assert value(
        small_db,
        "SELECT bool_and(audit_id >= prev) FROM "
        "(SELECT audit_id, lag(audit_id, 1, 0) OVER (ORDER BY rowid) prev FROM audit_lines)",
    )


def test_out_of_stock_lines_have_no_facings_or_shelf_level(small_db):
    assert rows(
        small_db,
        """
        SELECT bool_and(facings = 0 AND shelf_level IS NULL AND shelf_price IS NULL AND restocked IS NOT NULL)
               FILTER (WHERE NOT in_stock),
               bool_and(facings >= 1 AND shelf_level BETWEEN 1 AND 4 AND restocked IS NULL) FILTER (WHERE in_stock),
               bool_and(tag_matches IS NULL) FILTER (WHERE NOT tag_present)
        FROM audit_lines""",
    ) == [(True, True, True)]


def test_shelf_prices_are_mostly_at_rrp_with_some_unauthorised_discounts(small_db):
    at_rrp, discounted, deepest = small_db.query_one("""
        SELECT avg((l.shelf_price = p.rrp)::INT), avg((l.shelf_price < p.rrp * 0.96)::INT), min(l.shelf_price / p.rrp)
        FROM audit_lines l JOIN products p ON p.code = l.product_code WHERE l.shelf_price IS NOT NULL""")
    assert at_rrp > 0.8 and 0.01 < discounted < 0.15 and deepest >= 0.78


def test_each_visit_checks_the_pop_its_channel_requires(small_db):
    mismatched = value(
        small_db,
        """
        SELECT count(*) FROM audits a JOIN stores s ON s.code = a.store_code
        WHERE (SELECT list(pop_type_code ORDER BY pop_type_code) FROM audit_pop ap WHERE ap.audit_id = a.id)
           <> (SELECT list(code ORDER BY code) FROM pop_types WHERE list_contains(required_channels, s.channel))""",
    )
    assert mismatched == 0
    assert value(small_db, "SELECT bool_and((condition IS NOT NULL) = present) FROM audit_pop")


def test_compliance_differs_between_stores(wide):
    spread = value(
        wide,
        """
        SELECT stddev(avail) FROM (SELECT a.store_code, avg(l.in_stock::INT) avail
        FROM audit_lines l JOIN audits a ON a.id = l.audit_id GROUP BY a.store_code)""",
    )
    eye_spread = value(
        wide,
        """
        SELECT max(eye) - min(eye) FROM (SELECT a.merchandiser, avg((l.shelf_level = 2)::INT) eye
        FROM audit_lines l JOIN audits a ON a.id = l.audit_id GROUP BY a.merchandiser)""",
    )
    assert spread > 0.04 and eye_spread > 0.05


def test_east_improves_and_north_declines(wide):
    change = dict(
        rows(
            wide,
            """
        SELECT s.region_code,
               avg(l.in_stock::INT) FILTER (WHERE a.visit_date > ? - INTERVAL 8 WEEK)
             - avg(l.in_stock::INT) FILTER (WHERE a.visit_date <= ? - INTERVAL 18 WEEK)
        FROM audit_lines l JOIN audits a ON a.id = l.audit_id JOIN stores s ON s.code = a.store_code
        GROUP BY s.region_code""",
            [TODAY, TODAY],
        )
    )
    assert change["E"] > 0.03 and change["N"] < -0.03


def test_competitor_activity_comes_in_bursts(wide):
    weekly = wide.query_df("""
        SELECT o.competitor_code, date_trunc('week', a.visit_date) AS week, count(*) AS n
        FROM competitor_observations o JOIN audits a ON a.id = o.audit_id GROUP BY ALL""")
    peak_over_typical = weekly.groupby("competitor_code").n.agg(lambda n: n.max() / n.median())
    assert len(peak_over_typical) == 5 and (peak_over_typical > 2.5).all()


def test_competitor_campaigns_are_mostly_promotions_and_price_changes(wide):
    promo_share = dict(
        rows(
            wide,
            """
        SELECT note IS NOT NULL, avg((kind IN ('promotion', 'price_change'))::INT)
        FROM competitor_observations GROUP BY ALL""",
        )
    )
    assert promo_share[True] > promo_share[False] + 0.15
    assert value(wide, "SELECT count(DISTINCT competitor_code) FROM competitor_observations") == 5
    assert value(
        wide,
        """SELECT bool_and(promo_price < normal_price AND coalesce(flash_price, 0) < promo_price)
                          FROM competitor_observations WHERE promo_price IS NOT NULL""",
    )


# ---------------------------------------------------------------- photos


def test_photo_files_exist_for_every_photo_row(small_db):
    hashes = rows(small_db, "SELECT sha256, thumb_sha256 FROM photos")
    assert hashes
    missing = [sha for pair in hashes for sha in pair if not photos.photo_path(sha).is_file()]
    assert missing == []


def test_photos_belong_to_the_most_recent_visits(small_db):
    audits_with_photos = [r[0] for r in rows(small_db, "SELECT DISTINCT audit_id FROM audit_photos ORDER BY 1")]
    newest = [r[0] for r in rows(small_db, "SELECT id FROM audits ORDER BY id DESC LIMIT ?", [SMALL["photos"]])]
    assert audits_with_photos == sorted(newest)
    assert (
        value(
            small_db,
            "SELECT count(*) FROM audit_photos ap LEFT JOIN photos p ON p.sha256 = ap.photo_sha256 "
            "WHERE p.sha256 IS NULL",
        )
        == 0
    )
    sections = {r[0] for r in rows(small_db, "SELECT DISTINCT section FROM audit_photos")}
    assert "store" in sections and sections <= {"store", "shelf", "competitor"}


def test_competitor_photos_point_at_an_observation_of_their_visit(small_db):
    assert (
        value(
            small_db,
            """
        SELECT count(*) FROM audit_photos ap LEFT JOIN competitor_observations o
          ON o.id = ap.observation_id AND o.audit_id = ap.audit_id
        WHERE (ap.section = 'competitor') <> (o.id IS NOT NULL)""",
        )
        == 0
    )


def test_photos_carry_capture_facts_from_their_exif(small_db):
    """Taken during the visit at the store, except the few the capture flow's flags are there to catch."""
    facts = rows(
        small_db,
        """
        SELECT bool_and(p.taken_at BETWEEN a.started_at AND a.submitted_at), bool_and(p.camera_model IS NOT NULL),
               max(abs(p.gps_latitude - s.latitude)) < 0.01, bool_and(p.width = 800 AND p.height = 600)
        FROM photos p JOIN audit_photos ap ON ap.photo_sha256 = p.sha256 JOIN audits a ON a.id = ap.audit_id
        JOIN stores s ON s.code = a.store_code WHERE NOT (ap.flag_reused OR ap.flag_old)""",
    )
    assert facts == [(True, True, True, True)]


def test_a_few_demo_photos_are_reused_or_old_by_the_capture_rule(small_db):
    """The demo shows the photo flags: a store front taken weeks before the visit (old), and the very photo of an
    earlier visit to another store (reused: same content hash). capture.flag_photos set them, not the demo."""
    flagged = rows(
        small_db,
        """
        SELECT ap.audit_id, ap.flag_reused, ap.flag_old, p.taken_at < a.started_at - INTERVAL 1 DAY AS taken_before,
               (SELECT min(o.audit_id) FROM audit_photos o JOIN audits b ON b.id = o.audit_id
                WHERE o.photo_sha256 = ap.photo_sha256 AND o.audit_id < ap.audit_id
                  AND b.store_code <> a.store_code) AS earlier_audit
        FROM audit_photos ap JOIN audits a ON a.id = ap.audit_id JOIN photos p ON p.sha256 = ap.photo_sha256
        WHERE ap.flag_reused OR ap.flag_old ORDER BY 1""",
    )
    reused = [row for row in flagged if row[1]]
    old = [row for row in flagged if row[2]]
    assert 1 <= len(reused) <= 3 and 1 <= len(old) <= 3  # a few, among the photos of SMALL["photos"] visits
    assert all(earlier is not None for *_, earlier in reused)  # the same picture, from another store, earlier
    assert all(taken_before for _, _, _, taken_before, _ in old)
    # Nothing else trips the rule: the demo's drawings of different shops are different pictures.
    with small_db.write() as cur:
        cur.execute("UPDATE audit_photos SET flag_reused = FALSE, flag_old = FALSE")
        capture.flag_photos(cur, [r[0] for r in rows(small_db, "SELECT DISTINCT audit_id FROM audit_photos")])
    assert rows(
        small_db, "SELECT audit_id, flag_reused, flag_old FROM audit_photos WHERE flag_reused OR flag_old ORDER BY 1"
    ) == [row[:3] for row in flagged]
