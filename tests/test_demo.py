"""Demo data: same seed, same data; realistic proportions and visit frequencies; photos on disk."""
import hashlib
from datetime import date

import pytest

from audit import auth, photos
from audit.db import Database
from audit.demo import DemoError, generate_demo

TODAY = date(2026, 11, 20)
TABLES = ["stores", "users", "products", "audits", "audit_lines", "audit_pop", "competitor_observations",
          "photos", "audit_photos"]


def fingerprint(db: Database) -> dict[str, str]:
    result = {}
    for table in TABLES:
        columns = [r[0] for r in db.cursor().execute(f"DESCRIBE {table}").fetchall()
                   if r[0] not in ("updated_at", "created_at", "password_hash")]
        rows = db.cursor().execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY ALL").fetchall()
        result[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return result


def make(tmp_path, monkeypatch, name: str, **kwargs) -> Database:
    folder = tmp_path / name
    folder.mkdir()
    monkeypatch.setenv("AUDIT_DATA_DIR", str(folder))
    db = Database(folder / "audit.duckdb")
    generate_demo(db, today=TODAY, **{"stores": 30, "weeks": 5, "photos": 4, **kwargs})
    return db


def test_same_seed_same_data_and_another_seed_differs(tmp_path, monkeypatch):
    first = fingerprint(make(tmp_path, monkeypatch, "a", seed=3))
    assert fingerprint(make(tmp_path, monkeypatch, "b", seed=3)) == first
    other = fingerprint(make(tmp_path, monkeypatch, "c", seed=4))
    assert other["audits"] != first["audits"] and other["stores"] != first["stores"]


@pytest.fixture(scope="module")
def default_demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("default_demo")
    mp = pytest.MonkeyPatch()
    mp.setenv("AUDIT_DATA_DIR", str(folder))
    db = Database(folder / "audit.duckdb")
    summary = generate_demo(db, stores=200, weeks=26, today=TODAY, photos=6)
    yield db, summary, folder
    mp.undo()


def test_master_data_has_the_documented_size_and_both_languages(default_demo):
    db, summary, _ = default_demo
    one = lambda sql: db.query_one(sql)[0]  # noqa: E731
    assert one("SELECT count(*) FROM stores") == 200
    assert one("SELECT count(DISTINCT region_code) FROM stores") == 5
    assert one("SELECT count(DISTINCT city) FROM stores") >= 10
    assert one("SELECT count(*) FROM dealers") == 8
    assert one("SELECT count(*) FROM users WHERE role = 'merchandiser'") == 12
    assert one("SELECT count(*) FROM products") == 40
    assert one("SELECT count(DISTINCT category) FROM products") == 4
    assert one("SELECT count(*) FROM competitors") == 5
    assert one("SELECT count(*) FROM pop_types") == 6
    for table in ("regions", "dealers", "products", "competitors", "pop_types"):
        assert one(f"SELECT count(*) FROM {table} WHERE name_en = '' OR name_zh = '' "
                   f"OR NOT regexp_matches(name_zh, '[\\x{{4e00}}-\\x{{9fff}}]')") == 0
    assert one("SELECT count(*) FROM stores WHERE name_en IS NULL OR NOT regexp_matches(name, '[\\x{4e00}-\\x{9fff}]')") == 0


def test_channels_and_grades_in_realistic_proportions(default_demo):
    db, _, _ = default_demo
    share = dict(db.cursor().execute("SELECT grade, count(*) / 200 FROM stores GROUP BY grade").fetchall())
    assert 0.08 <= share["A"] <= 0.22 and 0.25 <= share["B"] <= 0.45 and 0.40 <= share["C"] <= 0.60
    channels = dict(db.cursor().execute("SELECT channel, count(*) / 200 FROM stores GROUP BY channel").fetchall())
    assert set(channels) == {"traditional", "modern", "special"}
    assert channels["traditional"] > channels["modern"] > channels["special"]


def test_visit_frequency_follows_the_grade(default_demo):
    db, _, _ = default_demo
    per_week = dict(db.cursor().execute(
        "SELECT s.grade, count(*) / count(DISTINCT s.code) / 26 FROM audits a JOIN stores s ON s.code = a.store_code"
        " GROUP BY s.grade").fetchall())
    assert 2.0 <= per_week["A"] <= 3.0
    assert 1.0 <= per_week["B"] <= 2.0
    assert 2 * 12 / 52 <= per_week["C"] <= 3 * 12 / 52  # 2–3 a month
    assert db.query_one("SELECT count(*) FROM audits WHERE dayofweek(visit_date) IN (0, 6) OR visit_date > ?",
                        [TODAY])[0] == 0


def test_lines_follow_the_must_stock_lists_and_answers_are_consistent(default_demo):
    db, summary, _ = default_demo
    one = lambda sql: db.query_one(sql)[0]  # noqa: E731
    assert one("SELECT count(*) FROM audit_lines") == summary.lines
    assert one("""SELECT count(*) FROM audit_lines l JOIN audits a ON a.id = l.audit_id
                  JOIN stores s ON s.code = a.store_code JOIN products p ON p.code = l.product_code
                  WHERE l.must_stock <> list_contains(p.must_stock_channels, s.channel)""") == 0
    per_audit = one("SELECT count(*) FILTER (WHERE must_stock) / count(DISTINCT audit_id) FROM audit_lines")
    assert 18 <= per_audit <= 30
    assert one("SELECT count(*) FROM audit_lines WHERE in_stock AND (facings < 1 OR shelf_level IS NULL)") == 0
    assert one("SELECT count(*) FROM audit_lines WHERE NOT in_stock AND (facings <> 0 OR shelf_level IS NOT NULL)") == 0
    assert one("SELECT count(*) FROM audit_lines WHERE NOT tag_present AND tag_matches IS NOT NULL") == 0


def test_compliance_differs_between_regions_and_drifts(default_demo):
    db, _, _ = default_demo
    drift = dict(db.cursor().execute("""
        SELECT s.region_code,
               avg(l.in_stock::INT) FILTER (WHERE a.visit_date >= DATE '2026-10-01')
             - avg(l.in_stock::INT) FILTER (WHERE a.visit_date < DATE '2026-07-01')
        FROM audit_lines l JOIN audits a ON a.id = l.audit_id JOIN stores s ON s.code = a.store_code
        WHERE l.must_stock GROUP BY 1""").fetchall())
    assert drift["E"] > 0.03 and drift["N"] < -0.03  # East improves, North declines
    spread = db.query_one("""SELECT max(osa) - min(osa) FROM (
        SELECT a.store_code, avg(l.in_stock::INT) AS osa FROM audit_lines l JOIN audits a ON a.id = l.audit_id
        GROUP BY 1)""")[0]
    assert spread > 0.2
    discounted = db.query_one("""SELECT avg((l.shelf_price < p.rrp * 0.95)::INT) FROM audit_lines l
        JOIN products p ON p.code = l.product_code WHERE l.shelf_price IS NOT NULL""")[0]
    assert 0.01 < discounted < 0.2


def test_competitor_activity_comes_in_bursts(default_demo):
    db, _, _ = default_demo
    weekly = db.cursor().execute("""
        SELECT o.competitor_code, date_trunc('week', a.visit_date) AS week, count(*) AS n
        FROM competitor_observations o JOIN audits a ON a.id = o.audit_id GROUP BY ALL""").df()
    peaks = weekly.groupby("competitor_code").n.agg(lambda n: n.max() / n.median())
    assert (peaks > 2).sum() >= 3


def test_photos_exist_on_disk_for_every_row(default_demo):
    db, summary, folder = default_demo
    rows = db.cursor().execute("SELECT sha256, thumb_sha256 FROM photos").fetchall()
    assert len(rows) == summary.photos >= 6
    for sha, thumb in rows:
        assert photos.photo_path(sha, folder / "photos").exists()
        assert photos.photo_path(thumb, folder / "photos").exists()
    assert db.query_one("SELECT count(*) FROM audit_photos WHERE section = 'store'")[0] == 6


def test_demo_accounts_sign_in_and_a_full_database_is_refused(default_demo):
    db, _, _ = default_demo
    for username in ("admin", "manager", "merch01", "dealer01"):
        assert auth.authenticate(db, username, "demo") is not None
    with pytest.raises(DemoError):
        generate_demo(db, stores=5, weeks=1)
