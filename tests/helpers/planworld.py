"""A tiny, hand-made world for the plan and visit-measure tests: two regions, two dealers, two
merchandisers, a manager, and stores whose grades, places and merchandisers are known."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from audit import auth
from audit.db import Database

MONDAY = date(2026, 11, 2)  # a Monday; the tests' "today" is chosen relative to it

# code, grade, region, dealer, merchandiser, latitude, longitude
STORES = [
    ("A1", "A", "E", "D1", "m1", 31.20, 121.40),
    ("A2", "A", "E", "D1", "m1", 31.25, 121.45),
    ("B1", "B", "E", "D1", "m1", 31.22, 121.50),
    ("B2", "B", "E", "D2", "m1", 31.30, 121.42),
    ("B3", "B", "N", "D2", "m2", 39.90, 116.40),
    ("C1", "C", "E", "D2", "m1", 31.18, 121.47),
    ("C2", "C", "N", "D2", "m2", 39.95, 116.35),
    ("C3", "C", "E", "D1", "m1", 31.28, 121.38),
    ("A3", "A", "N", "D2", "m2", 39.92, 116.45),
    ("C4", "C", "N", "D2", "m2", 39.88, 116.42),
    ("B4", "B", "E", "D1", "m1", 31.21, 121.43),
]


def build(db: Database) -> None:
    hashed = auth.hash_password("password1")
    with db.write() as cur:
        cur.execute("INSERT INTO regions VALUES ('E', 'East', '华东'), ('N', 'North', '华北')")
        cur.execute(
            "INSERT INTO dealers (code, name_en, name_zh, region_code) VALUES"
            " ('D1', 'Dealer One', '一号经销商', 'E'), ('D2', 'Dealer Two', '二号经销商', 'N')"
        )
        cur.executemany(
            "INSERT INTO users (username, display_name, role, dealer_code, password_hash) VALUES (?, ?, ?, ?, ?)",
            [
                ("boss", "Boss", "manager", None, hashed),
                ("root", "Root", "admin", None, hashed),
                ("m1", "Merch One", "merchandiser", None, hashed),
                ("m2", "Merch Two", "merchandiser", None, hashed),
                ("d1", "Dealer One", "dealer", "D1", hashed),
            ],
        )
        cur.executemany(
            "INSERT INTO stores (code, name, name_en, channel, grade, region_code, dealer_code, merchandiser,"
            " latitude, longitude) VALUES (?, ?, ?, 'traditional', ?, ?, ?, ?, ?, ?)",
            [
                (code, f"店{code}", f"Store {code}", grade, region, dealer, merch, lat, lon)
                for code, grade, region, dealer, merch, lat, lon in STORES
            ],
        )


def add_audit(db: Database, store: str, merchandiser: str, day: date, order: bool = False, minutes: int = 30) -> int:
    with db.write() as cur:
        audit_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM audits").fetchone()[0]
        start = datetime.combine(day, time(9)) + timedelta(minutes=audit_id)
        cur.execute(
            "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at, submitted_at,"
            " order_placed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [audit_id, f"k{audit_id}", store, merchandiser, day, start, start + timedelta(minutes=minutes), order],
        )
    return audit_id


def add_plan(db: Database, store: str, merchandiser: str, day: date) -> int:
    with db.write() as cur:
        plan_id = cur.execute("SELECT coalesce(max(id), 0) + 1 FROM planned_visits").fetchone()[0]
        cur.execute(
            "INSERT INTO planned_visits (id, store_code, merchandiser, planned_date) VALUES (?, ?, ?, ?)",
            [plan_id, store, merchandiser, day],
        )
    return plan_id


def user(db: Database, username: str):
    return auth.get_user(db, username)


def crowd(db: Database, count: int, grade: str = "A", merchandiser: str = "m1", prefix: str = "X") -> list[str]:
    """`count` more stores of one grade for a merchandiser, on a grid about a kilometre apart in their
    city: more visits than a week of working days holds."""
    codes = [f"{prefix}{i:02d}" for i in range(count)]
    with db.write() as cur:
        cur.executemany(
            "INSERT INTO stores (code, name, name_en, channel, grade, region_code, dealer_code, merchandiser,"
            " latitude, longitude) VALUES (?, ?, ?, 'traditional', ?, 'E', 'D1', ?, ?, ?)",
            [
                (
                    code,
                    f"店{code}",
                    f"Store {code}",
                    grade,
                    merchandiser,
                    31.2 + 0.01 * (i % 6),
                    121.4 + 0.01 * (i // 6),
                )
                for i, code in enumerate(codes)
            ],
        )
    return codes
