"""Recording one store visit: the checklist, server-side drafts, validation and an idempotent submit.

A draft's answers are one JSON document, saved on every change:
    shelf:       {sku: {in_stock, facings, shelf_level, restocked, fifo_ok, near_expiry, damaged}}
    extra_skus:  [sku, ...]                      SKUs audited beyond the channel's must-stock list
    price:       {sku: {tag_present, tag_placed_ok, tag_matches, tag_legible, shelf_price}}
    pop:         {pop_type: {present, condition}}
    competitors: [{competitor_code, competitor_other, kind, product, product_code (our comparable SKU),
                   normal_price, promo_price, flash_price, facings, note}]
    visit:       {order_placed, order_amount, notes}
Nothing is pre-filled: an unanswered question is missing, and submit refuses until it is answered.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeGuard, cast, overload

import pandas as pd

from audit import access, photos, previous, scoring, settings
from audit.auth import User
from audit.db import Cursor, Database, scalar
from audit.errors import UserFacingError
from audit.i18n import city_sql, fmt_money, name_column, person_sql, store_name_sql
from audit.previous import Answers, LineAnswers
from audit.settings import under_rrp, under_rrp_sql
from audit.stores import scope_clause
from audit.values import Record

REUSED_PHOTO_DISTANCE = 4  # difference-hash bits: at most this many differ = near-identical picture
OLD_PHOTO_AGE = timedelta(days=1)
COMPETITOR_KINDS = ("promotion", "new_product", "themed_display", "display_change", "price_change", "staff_change")
POP_CONDITIONS = ("good", "worn", "damaged")
COMPETITOR_PRICES = ("normal_price", "promo_price", "flash_price")


class CaptureError(UserFacingError):
    """The visit cannot be recorded as asked (no such store for this user, no draft, ...)."""


@dataclass(frozen=True)
class Checklist:
    store_code: str
    channel: str
    skus: pd.DataFrame  # code, name, brand, category, rrp, must_stock — must-stock first
    pop_types: pd.DataFrame  # code, name
    competitors: pd.DataFrame  # code, name


def checklist(db: Database, viewer: User, store_code: str, lang: str, extra_skus: Sequence[str] = ()) -> Checklist:
    """What this visit checks, for a store the viewer may audit (CaptureError otherwise)."""
    if not access.allowed(viewer, access.CAPTURE):
        raise CaptureError("capture.error.not_allowed")
    scope, params = scope_clause(viewer)
    row = db.query_one(f"SELECT channel FROM stores s WHERE s.code = ? AND s.active AND {scope}", [store_code, *params])
    if row is None:
        raise CaptureError("capture.error.no_store", code=store_code)
    channel, names = row[0], name_column(lang)
    skus = db.query_df(
        f"""SELECT code, {names} AS name, brand, category, rrp::DOUBLE AS rrp,
                   list_contains(must_stock_channels, ?) AS must_stock
            FROM products WHERE active AND (list_contains(must_stock_channels, ?) OR list_contains(?, code))
            ORDER BY NOT must_stock, category, code""",
        [channel, channel, list(extra_skus)],
    )
    pop_types = db.query_df(
        f"SELECT code, {names} AS name FROM pop_types"
        " WHERE active AND list_contains(required_channels, ?) ORDER BY code",
        [channel],
    )
    competitors = db.query_df(f"SELECT code, {names} AS name FROM competitors WHERE active ORDER BY code")
    return Checklist(store_code, channel, skus, pop_types, competitors)


def other_skus(db: Database, checklist: Checklist, lang: str) -> dict[str, str]:
    """SKUs not on this visit's list yet, code -> "code · name", for adding to the audit."""
    rows = (
        db.cursor()
        .execute(
            f"SELECT code, code || ' · ' || {name_column(lang)} FROM products"
            " WHERE active AND NOT list_contains(?, code) ORDER BY code",
            [checklist.skus.code.tolist()],
        )
        .fetchall()
    )
    return dict(rows)


# ---------------------------------------------------------------- drafts


@dataclass
class Draft:
    username: str
    store_code: str
    submission_key: str
    started_at: datetime
    updated_at: datetime
    step: int
    answers: Answers = field(default_factory=dict)


def _draft_from_row(row: tuple[Any, ...]) -> Draft:
    username, store_code, key, started, updated, step, answers = row
    return Draft(username, store_code, key, started, updated, step, json.loads(answers))


_DRAFT_COLUMNS = "username, store_code, submission_key, started_at, updated_at, step, answers"


def get_draft(db: Database, user: User, store_code: str) -> Draft | None:
    row = db.query_one(
        f"SELECT {_DRAFT_COLUMNS} FROM audit_drafts WHERE username = ? AND store_code = ?", [user.username, store_code]
    )
    return _draft_from_row(row) if row else None


def open_draft(db: Database, user: User, store_code: str, lang: str = "en", now: datetime | None = None) -> Draft:
    """The user's draft for this store, started now (the visit's start time) when there is none."""
    checklist(db, user, store_code, lang)  # refuses stores the user may not audit
    existing = get_draft(db, user, store_code)
    if existing:
        return existing
    now = now or datetime.now()
    draft = Draft(user.username, store_code, str(uuid.uuid4()), now, now, 0, {})
    with db.write() as cur:
        cur.execute(
            f"INSERT INTO audit_drafts ({_DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [draft.username, store_code, draft.submission_key, now, now, 0, "{}"],
        )
    stored = get_draft(db, user, store_code)  # ours, or the one another tab started a moment before
    if stored is None:  # that other tab submitted or discarded it in between
        raise CaptureError("capture.error.no_draft")
    return stored


def save_draft(db: Database, draft: Draft, now: datetime | None = None) -> None:
    draft.updated_at = now or datetime.now()
    with db.write() as cur:
        cur.execute(
            "UPDATE audit_drafts SET answers = ?, step = ?, updated_at = ? WHERE submission_key = ? AND username = ?",
            [
                json.dumps(draft.answers, ensure_ascii=False),
                draft.step,
                draft.updated_at,
                draft.submission_key,
                draft.username,
            ],
        )


def discard_draft(db: Database, user: User, submission_key: str) -> None:
    with db.write() as cur:
        cur.execute(
            "DELETE FROM draft_photos WHERE submission_key IN "
            "(SELECT submission_key FROM audit_drafts WHERE submission_key = ? AND username = ?)",
            [submission_key, user.username],
        )
        cur.execute(
            "DELETE FROM audit_drafts WHERE submission_key = ? AND username = ?", [submission_key, user.username]
        )


def list_drafts(db: Database, user: User, lang: str) -> pd.DataFrame:
    return db.query_df(
        f"""SELECT d.store_code, {store_name_sql(lang)} AS store, d.started_at, d.updated_at, d.step, d.submission_key
            FROM audit_drafts d JOIN stores s ON s.code = d.store_code
            WHERE d.username = ? ORDER BY d.updated_at DESC""",
        [user.username],
    )


def add_draft_photo(
    db: Database,
    draft: Draft,
    photo: photos.ProcessedPhoto,
    section: str,
    caption: str | None = None,
    now: datetime | None = None,
) -> None:
    """Attach a processed photo: the files are written first, then the rows (photos, draft_photos)."""
    photos.save_files(photo)
    with db.write() as cur:
        # Another tablet may have submitted or discarded this draft a moment ago: say so, attach nothing
        # (the files are swept later if nothing else refers to them).
        if (
            cur.execute("SELECT 1 FROM audit_drafts WHERE submission_key = ?", [draft.submission_key]).fetchone()
            is None
        ):
            raise CaptureError("capture.error.no_draft")
        if (
            cur.execute(
                "SELECT 1 FROM draft_photos WHERE submission_key = ? AND photo_sha256 = ? AND section = ?",
                [draft.submission_key, photo.sha256, section],
            ).fetchone()
            is not None
        ):
            raise CaptureError("capture.error.photo_already_attached")
        photos.insert_photo_row(cur, photo)
        cur.execute(
            "INSERT INTO draft_photos VALUES (?, ?, ?, ?, ?)",
            [draft.submission_key, photo.sha256, section, caption, now or datetime.now()],
        )


def remove_draft_photo(db: Database, user: User, submission_key: str, photo_sha256: str, section: str) -> None:
    """Take a photo off the user's open draft. Only the link goes: the content-addressed file may be shared
    with other drafts and audits, and the orphan sweep removes it once nothing refers to it."""
    with db.write() as cur:
        if (
            cur.execute(
                "SELECT 1 FROM audit_drafts WHERE submission_key = ? AND username = ?", [submission_key, user.username]
            ).fetchone()
            is None
        ):
            raise CaptureError("capture.error.no_draft")
        cur.execute(
            "DELETE FROM draft_photos WHERE submission_key = ? AND photo_sha256 = ? AND section = ?",
            [submission_key, photo_sha256, section],
        )


def draft_photos(db: Database, draft: Draft) -> pd.DataFrame:
    return db.query_df(
        """SELECT d.photo_sha256, d.section, d.caption, p.thumb_sha256, p.taken_at
           FROM draft_photos d JOIN photos p ON p.sha256 = d.photo_sha256
           WHERE d.submission_key = ? ORDER BY d.added_at""",
        [draft.submission_key],
    )


def confirm_as_last_time(db: Database, draft: Draft, checklist: Checklist, sections: Iterable[str]) -> int:
    """One tap: the unanswered lines of `sections` take the store's last answers, marked as confirmed in
    bulk (audit/previous.py). Refused without a shelf photo in this audit. Returns how many lines."""
    if previous.EVIDENCE_SECTION not in set(draft_photos(db, draft).section):
        raise CaptureError("capture.error.bulk_needs_photo")
    last = previous.last_answers(db, draft.store_code)
    codes = {"shelf": checklist.skus.code, "price": checklist.skus.code, "pop": checklist.pop_types.code}
    filled = sum(len(previous.confirm(last, section, codes[section], draft.answers)) for section in sections)
    save_draft(db, draft)
    return filled


# ---------------------------------------------------------------- validation

# Bounds the form's widgets use too (audit/ui/capture_form.py), so submit refuses nothing the form allowed.
# A product in stock has at least one facing (DOMAIN.md); the field, its help and submit's message all use these.
MIN_FACINGS, MAX_FACINGS, MAX_COMPETITOR_FACINGS = 1, 99, 999
FACINGS_LIMITS = {"min": MIN_FACINGS, "max": MAX_FACINGS}
# A price more than this many times the RRP is a typing slip, most often a decimal comma ("12,50" read as 1250).
PLAUSIBLE_PRICE_FACTOR = 5
MAX_PRICE, MAX_ORDER_AMOUNT = 99_999, 10_000_000
TEXT_LIMITS = {"notes": 10_000, "note": 2_000, "product": 120, "competitor_other": 80}  # characters
SHELF_YES_NO = ("restocked", "fifo_ok", "near_expiry", "damaged")
TAG_YES_NO = ("tag_placed_ok", "tag_matches", "tag_legible")


@dataclass(frozen=True)
class AnswerProblem:
    section: str
    key: str
    values: Mapping[str, object] = field(default_factory=dict)  # the message's placeholders
    item: str | None = None  # the line it is about (a SKU or POP code, an observation's number), to go to it


def price_below_tolerance(rrp: float | None, shelf_price: float | None, tolerance: float) -> bool:
    """A possible unauthorised discount: the shelf price is more than `tolerance` under the RRP."""
    return rrp is not None and is_number(shelf_price, 0.01, MAX_PRICE) and under_rrp(shelf_price, rrp, tolerance)


def price_implausible(rrp: float | None, price_value: float | None) -> bool:
    """More than PLAUSIBLE_PRICE_FACTOR times the RRP: almost surely a slipped decimal point."""
    return (
        is_number(rrp, 0.01, MAX_PRICE)
        and is_number(price_value, 0.01, MAX_PRICE)
        and price_value > rrp * PLAUSIBLE_PRICE_FACTOR
    )


def shelf_price_problem(sku_name: str, rrp: float | None, shelf_price: float | None) -> AnswerProblem | None:
    """The one plausibility rule for a shelf price: the form shows it under the field, submit refuses it."""
    if not price_implausible(rrp, shelf_price):
        return None
    return AnswerProblem(
        "price",
        "capture.error.price_implausible",
        {"sku": sku_name, "price": fmt_money(shelf_price), "rrp": fmt_money(rrp), "factor": PLAUSIBLE_PRICE_FACTOR},
    )


def competitor_price_problem(
    checklist: Checklist, number: int, seen: dict[str, Any], field: str
) -> AnswerProblem | None:
    """The same rule for a competitor's price (field of observation number `seen`, as the form wrote it: the
    rule checks the value), against the RRP of our product it is compared with; None when it names none of the
    checklist's products."""
    code = seen.get("product_code")
    compared = checklist.skus[checklist.skus.code == code] if isinstance(code, str) else checklist.skus.iloc[:0]
    if compared.empty or not price_implausible(compared.rrp.iloc[0], seen.get(field)):
        return None
    return AnswerProblem(
        "competitors",
        "capture.error.competitor_price_implausible",
        {
            "n": number,
            "sku": compared["name"].iloc[0],
            "price": fmt_money(seen[field]),
            "rrp": fmt_money(compared.rrp.iloc[0]),
            "factor": PLAUSIBLE_PRICE_FACTOR,
        },
    )


def facings_ok(value: object) -> bool:
    return is_number(value, MIN_FACINGS, MAX_FACINGS, whole=True)


def is_number(value: object, low: float, high: float, whole: bool = False) -> TypeGuard[float]:
    """A real number (not a bool, text or NaN) from low to high, whole when asked."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return False
    return low <= value <= high and (not whole or float(value).is_integer())


def _optional_number(value: object, low: float, high: float, whole: bool = False) -> bool:
    return value is None or is_number(value, low, high, whole)


def _yes_no_or_blank(answers: LineAnswers, questions: Iterable[str]) -> bool:
    return all(answers.get(q) is None or isinstance(answers.get(q), bool) for q in questions)


def _text_fits(value: object, limit: int) -> bool:
    return value is None or (isinstance(value, str) and len(value) <= limit)


@overload
def _part(value: object) -> dict[str, Any]: ...


@overload
def _part(value: object, kind: type[list[Any]]) -> list[Any]: ...


def _part(value: object, kind: type[dict[str, Any]] | type[list[Any]] = dict) -> dict[str, Any] | list[Any]:
    """A part of the answers as the form writes it; anything else (a damaged draft) reads as unanswered."""
    return value if isinstance(value, kind) else kind()


def validate(checklist: Checklist, answers: Answers, photo_sections: list[str]) -> list[AnswerProblem]:
    """Every question the visit must answer, in the order the steps ask them. Each answer is checked for
    its type and range too: whatever passes here can be stored without the database refusing it."""
    problems: list[AnswerProblem] = []
    shelf, price = _part(answers.get("shelf")), _part(answers.get("price"))
    for sku in checklist.skus.itertuples():
        line = _part(shelf.get(sku.code))
        if not isinstance(line.get("in_stock"), bool):
            problems.append(AnswerProblem("shelf", "capture.error.stock_unanswered", {"sku": sku.name}, sku.code))
        elif line["in_stock"]:
            if not facings_ok(line.get("facings")):
                problems.append(
                    AnswerProblem("shelf", "capture.error.facings", {"sku": sku.name, **FACINGS_LIMITS}, sku.code)
                )
            if not is_number(line.get("shelf_level"), 1, 4, whole=True):
                problems.append(AnswerProblem("shelf", "capture.error.level", {"sku": sku.name}, sku.code))
        if not _yes_no_or_blank(line, SHELF_YES_NO):
            problems.append(AnswerProblem("shelf", "capture.error.yes_no", {"sku": sku.name}, sku.code))
    for sku in checklist.skus.itertuples():
        tag = _part(price.get(sku.code))
        if not isinstance(tag.get("tag_present"), bool):
            problems.append(AnswerProblem("price", "capture.error.tag_unanswered", {"sku": sku.name}, sku.code))
        if not _yes_no_or_blank(tag, TAG_YES_NO):
            problems.append(AnswerProblem("price", "capture.error.yes_no", {"sku": sku.name}, sku.code))
        if not _optional_number(tag.get("shelf_price"), 0.01, MAX_PRICE):
            problems.append(AnswerProblem("price", "capture.error.shelf_price", {"sku": sku.name}, sku.code))
        elif implausible := shelf_price_problem(sku.name, sku.rrp, tag.get("shelf_price")):
            problems.append(replace(implausible, item=sku.code))
    pop = _part(answers.get("pop"))
    for pop_type in checklist.pop_types.itertuples():
        answer = _part(pop.get(pop_type.code))
        if not isinstance(answer.get("present"), bool):
            problems.append(AnswerProblem("pop", "capture.error.pop_unanswered", {"pop": pop_type.name}, pop_type.code))
        elif answer.get("condition") not in (None, *POP_CONDITIONS):
            problems.append(AnswerProblem("pop", "capture.error.pop_condition", {"pop": pop_type.name}, pop_type.code))
    brands, skus = set(checklist.competitors.code), set(checklist.skus.code)
    for number, item in enumerate(_part(answers.get("competitors"), list), start=1):
        seen, n = _part(item), {"n": number}
        other = seen.get("competitor_other")
        if not (
            seen.get("competitor_code") in brands
            or (not seen.get("competitor_code") and isinstance(other, str) and other.strip())
        ):
            problems.append(AnswerProblem("competitors", "capture.error.competitor_brand", n))
        if seen.get("kind") not in COMPETITOR_KINDS:
            problems.append(AnswerProblem("competitors", "capture.error.competitor_kind", n))
        if not all(_optional_number(seen.get(f), 0.01, MAX_PRICE) for f in COMPETITOR_PRICES):
            problems.append(AnswerProblem("competitors", "capture.error.competitor_price", n))
        else:
            problems.extend(p for f in COMPETITOR_PRICES if (p := competitor_price_problem(checklist, number, seen, f)))
        if not _optional_number(seen.get("facings"), 0, MAX_COMPETITOR_FACINGS, whole=True):
            problems.append(
                AnswerProblem("competitors", "capture.error.competitor_facings", {**n, "max": MAX_COMPETITOR_FACINGS})
            )
        if seen.get("product_code") not in (None, *skus):
            problems.append(AnswerProblem("competitors", "capture.error.competitor_sku", n))
        if not all(_text_fits(seen.get(f), TEXT_LIMITS[f]) for f in ("competitor_other", "product", "note")):
            problems.append(
                AnswerProblem(
                    "competitors",
                    "capture.error.competitor_text",
                    {
                        **n,
                        "brand": TEXT_LIMITS["competitor_other"],
                        "product": TEXT_LIMITS["product"],
                        "note": TEXT_LIMITS["note"],
                    },
                )
            )
    if "store" not in photo_sections:
        problems.append(AnswerProblem("photos", "capture.error.store_photo"))
    bulk = any(
        previous.how(_part(_part(answers.get(s)).get(code))) == previous.HOW_BULK
        for s in previous.BULK_SECTIONS
        for code in _part(answers.get(s))
    )
    if bulk and previous.EVIDENCE_SECTION not in photo_sections:  # the photo was removed after confirming
        problems.append(AnswerProblem("photos", "capture.error.bulk_needs_photo"))
    visit = _part(answers.get("visit"))
    if not isinstance(visit.get("order_placed"), bool):
        problems.append(AnswerProblem("visit", "capture.error.order_unanswered"))
    elif visit["order_placed"] and not _optional_number(visit.get("order_amount"), 0, MAX_ORDER_AMOUNT):
        problems.append(AnswerProblem("visit", "capture.error.order_amount"))
    if not _text_fits(visit.get("notes"), TEXT_LIMITS["notes"]):
        problems.append(AnswerProblem("visit", "capture.error.notes", {"max": TEXT_LIMITS["notes"]}))
    return problems


# ---------------------------------------------------------------- submit


class SubmitRefused(CaptureError):
    def __init__(self, problems: list[AnswerProblem]):
        super().__init__("capture.error.incomplete", n=len(problems))
        self.problems = problems


@dataclass(frozen=True)
class Submitted:
    audit_id: int
    created: bool  # False when this submission had already been stored (double tap, resubmit)


def _audit_for_key(cur: Cursor, key: str) -> int | None:
    row = cur.execute("SELECT id FROM audits WHERE submission_key = ?", [key]).fetchone()
    return row[0] if row else None


def submit(
    db: Database,
    user: User,
    submission_key: str,
    lang: str = "en",  # pragma: no mutate: any language but zh reads English (i18n.name_column)
    now: datetime | None = None,
) -> Submitted:
    """Store the draft as one audit in one transaction; the same key never makes a second audit."""
    existing = _audit_for_key(db.cursor(), submission_key)
    if existing is not None:
        return Submitted(existing, False)
    row = db.query_one(
        f"SELECT {_DRAFT_COLUMNS} FROM audit_drafts WHERE submission_key = ? AND username = ?",
        [submission_key, user.username],
    )
    if row is None:
        raise CaptureError("capture.error.no_draft")
    draft = _draft_from_row(row)
    asked = checklist(db, user, draft.store_code, lang, draft.answers.get("extra_skus", []))
    attached = draft_photos(db, draft)
    from audit import actions  # actions builds on this module

    problems = validate(asked, draft.answers, attached.section.tolist())
    # The answers name actions by id, so every store's open actions would ask the same; `lang` only words them.
    open_here = actions.open_actions(db, user, lang, draft.store_code)  # pragma: no mutate
    problems += actions.answer_problems(open_here, draft.answers, attached)
    if problems:
        raise SubmitRefused(problems)
    now = now or datetime.now()
    with db.write() as cur:
        existing = _audit_for_key(cur, submission_key)  # a concurrent tap may have stored it meanwhile
        if existing is not None:
            return Submitted(existing, False)
        audit_id = scalar(cur, "SELECT coalesce(max(id), 0) + 1 FROM audits")
        visit = draft.answers["visit"]  # validate() refuses a draft without one
        cur.execute(
            "INSERT INTO audits (id, submission_key, store_code, merchandiser, visit_date, started_at, submitted_at,"
            " order_placed, order_amount, notes, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'app')",
            [
                audit_id,
                submission_key,
                draft.store_code,
                user.username,
                draft.started_at.date(),
                draft.started_at,
                now,
                visit.get("order_placed"),
                visit.get("order_amount") if visit.get("order_placed") else None,
                visit.get("notes") or None,
            ],
        )
        _insert_lines(cur, audit_id, asked, draft.answers)
        _insert_pop(cur, audit_id, asked, draft.answers)
        _insert_observations(cur, audit_id, draft.answers)
        _insert_photos(cur, audit_id, draft)
        tolerance = settings.load(db).price_tolerance
        scoring.record(cur, [audit_id], tolerance)
        flash_gap = actions.load_rules(db).flash_gap
        actions.record_from_audit(cur, audit_id, user.username, draft.answers, tolerance, flash_gap, now)
        cur.execute("DELETE FROM draft_photos WHERE submission_key = ?", [submission_key])
        cur.execute("DELETE FROM audit_drafts WHERE submission_key = ?", [submission_key])
    return Submitted(audit_id, True)


def _insert_lines(cur: Cursor, audit_id: int, checklist: Checklist, answers: Answers) -> None:
    rows = []
    for sku in checklist.skus.itertuples():
        line, tag = answers["shelf"][sku.code], answers.get("price", {}).get(sku.code, {})
        stocked = bool(line["in_stock"])
        has_tag = bool(tag.get("tag_present"))
        rows.append(
            (
                audit_id,
                sku.code,
                bool(sku.must_stock),
                stocked,
                int(line["facings"]) if stocked else 0,
                line.get("shelf_level") if stocked else None,
                None if stocked else line.get("restocked"),
                line.get("fifo_ok") if stocked else None,
                line.get("near_expiry") if stocked else None,
                line.get("damaged") if stocked else None,
                has_tag,
                tag.get("tag_placed_ok") if has_tag else None,
                tag.get("tag_matches") if has_tag else None,
                tag.get("tag_legible") if has_tag else None,
                tag.get("shelf_price"),
                previous.how(line),
                previous.how(tag),
            )
        )
    cur.executemany("INSERT INTO audit_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _insert_pop(cur: Cursor, audit_id: int, checklist: Checklist, answers: Answers) -> None:
    rows = []
    for pop in checklist.pop_types.itertuples():
        answer = answers["pop"][pop.code]
        rows.append(
            (
                audit_id,
                pop.code,
                bool(answer["present"]),
                answer.get("condition") if answer["present"] else None,
                previous.how(answer),
            )
        )
    if rows:
        cur.executemany("INSERT INTO audit_pop VALUES (?, ?, ?, ?, ?)", rows)


def _insert_observations(cur: Cursor, audit_id: int, answers: Answers) -> None:
    seen = answers.get("competitors", [])
    if not seen:
        return
    first = scalar(cur, "SELECT coalesce(max(id), 0) + 1 FROM competitor_observations")
    cur.executemany(
        "INSERT INTO competitor_observations (id, audit_id, competitor_code, competitor_other, kind, product,"
        " normal_price, promo_price, flash_price, facings, note, product_code)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                first + i,
                audit_id,
                o.get("competitor_code") or None,
                None if o.get("competitor_code") else (o.get("competitor_other") or "").strip(),
                o["kind"],
                o.get("product") or None,
                o.get("normal_price"),
                o.get("promo_price"),
                o.get("flash_price"),
                o.get("facings"),
                o.get("note") or None,
                o.get("product_code") or None,
            )
            for i, o in enumerate(seen)
        ],
    )


def _insert_photos(cur: Cursor, audit_id: int, draft: Draft) -> None:
    """Link the draft's photos and flag them (flag_photos)."""
    cur.execute(
        """INSERT INTO audit_photos (audit_id, photo_sha256, section, caption)
           SELECT ?, d.photo_sha256, d.section, d.caption FROM draft_photos d WHERE d.submission_key = ?""",
        [audit_id, draft.submission_key],
    )
    flag_photos(cur, [audit_id])


def flag_photos(cur: Cursor, audit_ids: list[int]) -> None:
    """The one rule for the photo flags (a submit and the demo's history use it): a picture near-identical to
    one of an earlier audit is possibly reused; one taken more than OLD_PHOTO_AGE before the visit started
    is old. Audit ids grow with time, so "earlier" is a smaller id."""
    distance = photos.hamming_sql("q.phash", "p.phash")
    cur.execute(
        f"""UPDATE audit_photos ap
           SET flag_reused = EXISTS (SELECT 1 FROM audit_photos o JOIN photos q ON q.sha256 = o.photo_sha256
                                     WHERE o.audit_id < ap.audit_id AND {distance} <= ?),
               flag_old = coalesce(p.taken_at < a.started_at - ?, FALSE)
           FROM photos p, audits a
           WHERE p.sha256 = ap.photo_sha256 AND a.id = ap.audit_id AND ap.audit_id = ANY(?)""",
        [REUSED_PHOTO_DISTANCE, OLD_PHOTO_AGE, list(audit_ids)],
    )


# ---------------------------------------------------------------- where to go next, what was found last time

# Days between visits by grade (DOMAIN.md: A 2–3 visits a week, B 1–2 a week, C 2–3 a month):
# due once the shortest interval has passed, overdue once the longest has. A store never visited is overdue.
VISIT_INTERVAL_DAYS = {"A": (7 / 3, 7 / 2), "B": (7 / 2, 7), "C": (30 / 3, 30 / 2)}


def visit_state_sql(where: str, params: Sequence[object], as_of: date) -> tuple[str, list[object]]:
    """The one rule for when a store is due or overdue, as a query over the active stores (alias s) that
    `where` lets through: code, grade, last_visit (on or before as_of), days_since, due_days,
    overdue_days and status ('overdue', 'due' or 'ok'). The merchandiser's queue and the visit measures
    (audit/visits.py) both use it, so they can never disagree about a store."""
    due = [VISIT_INTERVAL_DAYS[g][0] for g in ("A", "B", "C")]
    overdue = [VISIT_INTERVAL_DAYS[g][1] for g in ("A", "B", "C")]
    sql = f"""
        SELECT *, CASE WHEN days_since IS NULL OR days_since > overdue_days THEN 'overdue'
                       WHEN days_since >= due_days THEN 'due'
                       ELSE 'ok' END AS status
        FROM (SELECT s.code, s.grade, l.last_visit, date_diff('day', l.last_visit, ?::DATE) AS days_since,
                     CASE s.grade WHEN 'A' THEN ? WHEN 'B' THEN ? ELSE ? END AS due_days,
                     CASE s.grade WHEN 'A' THEN ? WHEN 'B' THEN ? ELSE ? END AS overdue_days
              FROM stores s
              LEFT JOIN (SELECT store_code, max(visit_date) AS last_visit FROM audits
                         WHERE visit_date <= ?::DATE GROUP BY store_code) l ON l.store_code = s.code
              WHERE s.active AND {where})"""
    return sql, [as_of, *due, *overdue, as_of, *params]


def store_queue(db: Database, user: User, lang: str, today: date | None = None) -> pd.DataFrame:
    """The user's stores, drafts first, then overdue and due ones, each with days since the last visit."""
    scope, params = scope_clause(user)
    state, state_params = visit_state_sql(scope, params, today or datetime.now().date())
    return db.query_df(
        f"""WITH state AS ({state})
            SELECT q.code, {store_name_sql(lang)} AS name, q.grade, {city_sql(lang)} AS city, q.last_visit,
                   q.days_since,
                   CASE WHEN d.submission_key IS NOT NULL THEN 'draft' ELSE q.status END AS status
            FROM state q JOIN stores s ON s.code = q.code
            LEFT JOIN audit_drafts d ON d.store_code = q.code AND d.username = ?
            ORDER BY list_position(['draft', 'overdue', 'due', 'ok'], status), q.days_since DESC NULLS FIRST,
                     q.code""",
        [*state_params, user.username],
    )


@dataclass(frozen=True)
class Findings:
    audit_id: int
    visit_date: date
    merchandiser: str
    stock_outs: list[str]
    price_problems: list[tuple[str, str]]  # (SKU name, problem: no_tag | wrong_tag | below_rrp)
    missing_pop: list[str]
    competitor_activity: list[tuple[str, str]]  # (brand, kind)
    freshness: Sequence[tuple[str, str]] = ()  # (SKU name, problem: fifo_broken | near_expiry | damaged)


def last_findings(db: Database, user: User, store_code: str, lang: str) -> Findings | None:
    """What the store's latest audit found, for the merchandiser about to audit it again."""
    scope, params = scope_clause(user)
    latest = db.query_one(
        f"""SELECT a.id, a.visit_date, {person_sql(lang)} FROM audits a JOIN stores s ON s.code = a.store_code
            LEFT JOIN users u ON u.username = a.merchandiser
            WHERE a.store_code = ? AND {scope} ORDER BY a.visit_date DESC, a.id DESC LIMIT 1""",
        [store_code, *params],
    )
    if latest is None:
        return None
    audit_id, names = latest[0], name_column(lang)
    rows = lambda sql, *args: db.cursor().execute(sql, [audit_id, *args]).fetchall()  # noqa: E731
    return Findings(
        audit_id,
        latest[1],
        latest[2],
        stock_outs=[
            r[0]
            for r in rows(
                f"SELECT p.{names} FROM audit_lines l JOIN products p ON p.code = l.product_code"
                " WHERE l.audit_id = ? AND l.must_stock AND NOT l.in_stock ORDER BY p.code"
            )
        ],
        price_problems=rows(
            f"""SELECT p.{names}, CASE WHEN NOT l.tag_present THEN 'no_tag'
                                      WHEN NOT (l.tag_matches AND l.tag_placed_ok) THEN 'wrong_tag'
                                      ELSE 'below_rrp' END
                FROM audit_lines l JOIN products p ON p.code = l.product_code
                WHERE l.audit_id = ? AND l.in_stock AND (NOT l.tag_present OR NOT (l.tag_matches AND l.tag_placed_ok)
                      OR {under_rrp_sql("l.shelf_price", "p.rrp", "?")}) ORDER BY p.code""",
            settings.load(db).price_tolerance,
        ),
        missing_pop=[
            r[0]
            for r in rows(
                f"SELECT t.{names} FROM audit_pop a JOIN pop_types t ON t.code = a.pop_type_code"
                " WHERE a.audit_id = ? AND NOT a.present ORDER BY t.code"
            )
        ],
        competitor_activity=rows(
            f"SELECT coalesce(c.{names}, o.competitor_other), o.kind FROM competitor_observations o"
            " LEFT JOIN competitors c ON c.code = o.competitor_code WHERE o.audit_id = ? ORDER BY o.id"
        ),
        freshness=rows(
            f"""SELECT p.{names}, problem FROM audit_lines l JOIN products p ON p.code = l.product_code,
                       (VALUES ('fifo_broken', 1), ('near_expiry', 2), ('damaged', 3)) problems(problem, n)
                WHERE l.audit_id = ? AND CASE problem WHEN 'fifo_broken' THEN NOT l.fifo_ok
                                                      WHEN 'near_expiry' THEN l.near_expiry ELSE l.damaged END
                ORDER BY p.code, n"""
        ),
    )


def store_name(db: Database, store_code: str, lang: str) -> str:
    return cast(str, db.query_value(f"SELECT {store_name_sql(lang)} FROM stores s WHERE code = ?", [store_code]))


@dataclass(frozen=True)
class AuditRecord:
    header: Record
    lines: pd.DataFrame
    pop: pd.DataFrame
    observations: pd.DataFrame
    photos: pd.DataFrame


def audit_record(db: Database, user: User, audit_id: int, lang: str) -> AuditRecord | None:
    """One submitted audit, read-only, if the user may see it (a merchandiser only their own)."""
    own = "TRUE" if user.sees_all_stores else "a.merchandiser = ?"
    names = name_column(lang)
    header = db.query_df(
        f"""SELECT a.id, a.store_code, {store_name_sql(lang)} AS store, a.visit_date, a.started_at, a.submitted_at,
                   {person_sql(lang)} AS merchandiser, a.order_placed, a.order_amount::DOUBLE AS order_amount, a.notes
            FROM audits a JOIN stores s ON s.code = a.store_code LEFT JOIN users u ON u.username = a.merchandiser
            WHERE a.id = ? AND {own}""",
        [audit_id, *([] if user.sees_all_stores else [user.username])],
    )
    if header.empty:
        return None
    one = lambda sql, *args: db.query_df(sql, [audit_id, *args])  # noqa: E731
    return AuditRecord(
        header=header.iloc[0].to_dict(),
        lines=db.query_df(
            f"""SELECT l.product_code, p.{names} AS product, l.must_stock, l.in_stock, l.facings, l.shelf_level,
                       l.tag_present, l.tag_placed_ok AND l.tag_matches AND l.tag_legible AS tag_ok,
                       l.shelf_price::DOUBLE AS shelf_price, p.rrp::DOUBLE AS rrp,
                       coalesce({under_rrp_sql("l.shelf_price", "p.rrp", "?")}, FALSE) AS below_rrp,
                       l.shelf_answered, l.price_answered
                FROM audit_lines l JOIN products p ON p.code = l.product_code
                WHERE l.audit_id = ? ORDER BY NOT l.must_stock, l.product_code""",
            [settings.load(db).price_tolerance, audit_id],
        ),
        pop=one(f"""SELECT t.{names} AS pop_type, a.present, a.condition, a.answered FROM audit_pop a
                    JOIN pop_types t ON t.code = a.pop_type_code WHERE a.audit_id = ? ORDER BY t.code"""),
        observations=one(f"""SELECT coalesce(c.{names}, o.competitor_other) AS brand, o.kind, o.product,
                                    o.normal_price::DOUBLE AS normal_price, o.promo_price::DOUBLE AS promo_price,
                                    o.flash_price::DOUBLE AS flash_price, o.facings, o.note
                             FROM competitor_observations o LEFT JOIN competitors c ON c.code = o.competitor_code
                             WHERE o.audit_id = ? ORDER BY o.id"""),
        photos=one("""SELECT a.photo_sha256, p.thumb_sha256, a.section, a.flag_reused, a.flag_old, p.taken_at
                      FROM audit_photos a JOIN photos p ON p.sha256 = a.photo_sha256
                      WHERE a.audit_id = ? ORDER BY a.section, a.photo_sha256"""),
    )
