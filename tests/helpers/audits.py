"""Audits as a merchandiser makes them: a user, photos that differ by seed, complete answers, drafts."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from PIL import Image, ImageDraw

from audit import auth, capture, photos

VISIT_DAY = datetime(2026, 11, 20, 9, 0)


def merch(db):
    return auth.get_user(db, "merch01")


def picture(seed: int, taken: datetime | None = None) -> bytes:
    image = Image.new("RGB", (640, 480), (230, 230, 230))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        draw.rectangle(
            [10 + i * 75, 30 + (seed * 37 + i * 53) % 200, 70 + i * 75, 460], fill=((seed * 50 + i * 30) % 255, 90, 140)
        )
    out = io.BytesIO()
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def clean_answers(checklist: capture.Checklist, out=(), missing_pop=(), restocked=()) -> dict:
    """A complete audit with nothing wrong: every SKU in stock and right, every POP present, but for what is
    named (`out`: SKUs out of stock, `restocked` among them; `missing_pop`: POP types missing)."""
    good = {"in_stock": True, "facings": 3, "shelf_level": 2, "fifo_ok": True, "near_expiry": False, "damaged": False}
    return {
        "shelf": {
            code: {"in_stock": False, "restocked": code in restocked} if code in out else dict(good)
            for code in checklist.skus.code
        },
        "price": {
            code: {
                "tag_present": True,
                "tag_placed_ok": True,
                "tag_matches": True,
                "tag_legible": True,
                "shelf_price": float(rrp),
            }
            for code, rrp in zip(checklist.skus.code, checklist.skus.rrp, strict=True)
        },
        "pop": {code: {"present": code not in missing_pop, "condition": "good"} for code in checklist.pop_types.code},
        "competitors": [],
        "visit": {"order_placed": False},
    }


def complete_answers(checklist: capture.Checklist) -> dict:
    """A complete audit as merchandisers enter them: every fourth SKU out of stock (the first among them), the
    rest right, one competitor's promotion and an order with a note."""
    answers = clean_answers(checklist, out=set(checklist.skus.code.iloc[::4]))
    answers["competitors"] = [
        {
            "competitor_code": "C01",
            "kind": "promotion",
            "product": "冠益绿茶",
            "normal_price": 3.5,
            "promo_price": 2.9,
            "facings": 4,
        }
    ]
    answers["visit"] = {"order_placed": True, "order_amount": 860.0, "notes": "店长要求补货"}
    return answers


def draft_with(db, change, store: str | None = None) -> capture.Draft:
    """A complete draft with its store photo, then one bad answer put in; at the top store of the queue
    unless `store` is given."""
    user = merch(db)
    store = store or capture.store_queue(db, user, "en").code.iloc[0]
    draft = capture.open_draft(db, user, store, now=VISIT_DAY)
    draft.answers = complete_answers(capture.checklist(db, user, store, "en"))
    change(draft.answers)
    capture.save_draft(db, draft)
    capture.add_draft_photo(db, draft, photos.process_photo(picture(3)), "store")
    return draft


def audited_store(db, username="merch01") -> str:
    """A store of this merchandiser with an earlier audit."""
    return db.query_one(
        """SELECT s.code FROM stores s WHERE s.merchandiser = ?
                           AND EXISTS (SELECT 1 FROM audits a WHERE a.store_code = s.code) ORDER BY s.code""",
        [username],
    )[0]


def add_merchandisers(db, count: int) -> list[tuple[str, str]]:
    """`count` merchandisers, each with one store of their own (a copy of merch01's first store)."""
    template = db.query_one("SELECT code FROM stores WHERE merchandiser = 'merch01' ORDER BY code")[0]
    password_hash = db.query_one("SELECT password_hash FROM users WHERE username = 'merch01'")[0]
    pairs = [(f"load{i:02d}", f"LOAD{i:02d}") for i in range(count)]
    # Every column named (PostgreSQL has no SELECT * REPLACE): the template's values, but for these two.
    columns = list(db.query_df("SELECT * FROM stores LIMIT 0").columns)
    replaced = ("code", "merchandiser")
    copied = ", ".join("?" if c in replaced else c for c in columns)
    with db.write() as cur:
        for username, store in pairs:
            cur.execute(
                "INSERT INTO users (username, display_name, role, password_hash) VALUES (?, ?, 'merchandiser', ?)",
                [username, username, password_hash],
            )
            values = {"code": store, "merchandiser": username}
            cur.execute(
                f"INSERT INTO stores ({', '.join(columns)}) SELECT {copied} FROM stores WHERE code = ?",
                [*(values[c] for c in columns if c in replaced), template],
            )
    return pairs


def visit(db, user, store: str, pictures: list, double_tap: bool) -> list[capture.Submitted]:
    """One whole visit through the capture service, as the Audit page drives it; returns every submit's result."""
    draft = capture.open_draft(db, user, store)
    draft.answers = complete_answers(capture.checklist(db, user, store, "en"))
    capture.save_draft(db, draft)
    for k, processed in enumerate(pictures):
        capture.add_draft_photo(db, draft, processed, "store" if k == 0 else "shelf")
    if not double_tap:
        return [capture.submit(db, user, draft.submission_key)]
    both_at_once = threading.Barrier(2)

    def tap():
        both_at_once.wait()
        return capture.submit(db, user, draft.submission_key)

    with ThreadPoolExecutor(1) as second_tap:
        other = second_tap.submit(tap)
        return [tap(), other.result()]


def comparable(rows: list[tuple]) -> list[tuple]:
    """Rows with their floats rounded to 9 places, to compare two databases' counts: DuckDB sums decimals in
    whatever order its threads meet them, so the same lines may differ in a float's last bit (37.24 and
    37.239999999999995 seen)."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]
