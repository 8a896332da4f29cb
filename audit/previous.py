"""The last audit's answers as the starting point of the next one (exceptions first, issue 14).

The form shows what was found last time beside each line; the merchandiser confirms a whole section "as
found last time" in one tap and then changes only what differs. Confirming fills only lines not answered
yet, marks them HOW_BULK (a line answered or changed by hand is HOW_CHECKED), and needs a shelf photo in the
audit: the photo is the evidence that the shelf was looked at. Nothing is ever copied without that tap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from audit.db import Database

HOW_CHECKED, HOW_BULK = "checked", "bulk"
BULK_SECTIONS = ("shelf", "price", "pop")
EVIDENCE_SECTION = "shelf"  # the photo a bulk confirmation needs
SHELF_FIELDS = ("in_stock", "facings", "shelf_level", "restocked", "fifo_ok", "near_expiry", "damaged")
PRICE_FIELDS = ("tag_present", "tag_placed_ok", "tag_matches", "tag_legible", "shelf_price")
POP_FIELDS = ("present", "condition")

# A draft's answers: section -> code -> LineAnswers for the checked sections, other shapes for the rest (the
# observations a list, the notes a text). They come from the form's widgets and the draft's JSON and are checked
# field by field (capture.validate) before anything is stored; until then their values are unchecked, hence Any
# (with object, each widget's value would need a check the form does not make: it shows what it was given).
Answers = dict[str, Any]
# One line's answers (a SKU's shelf or price check, a POP type's, an open action's check): field -> value.
LineAnswers = dict[str, Any]


@dataclass(frozen=True)
class Previous:
    """The store's latest audit's answers, in the draft's own shape (section -> code -> answers)."""

    audit_id: int | None = None
    visit_date: date | None = None
    answers: dict[str, dict[str, LineAnswers]] = field(default_factory=lambda: {s: {} for s in BULK_SECTIONS})

    def line(self, section: str, code: str) -> LineAnswers:
        return self.answers.get(section, {}).get(code, {})


def _clean(value: Any) -> object:  # a DuckDB cell: numpy, Decimal or plain
    """DuckDB hands over numpy and decimal values; answers hold plain Python values (they go to JSON)."""
    if value is None or value != value:
        return None
    if hasattr(value, "item"):
        value = value.item()
    return float(value) if type(value).__name__ == "Decimal" else value


def last_answers(db: Database, store_code: str) -> Previous:
    """What the store's latest audit recorded for each SKU and POP type (empty for a store never audited).
    The caller has already checked the viewer may audit the store (capture.checklist)."""
    latest = db.query_one(
        "SELECT id, visit_date FROM audits WHERE store_code = ? ORDER BY visit_date DESC, id DESC LIMIT 1", [store_code]
    )
    if latest is None:
        return Previous()
    cur = db.cursor()
    lines = cur.execute(
        f"SELECT product_code, {', '.join(SHELF_FIELDS + PRICE_FIELDS)} FROM audit_lines WHERE audit_id = ?",
        [latest[0]],
    ).fetchall()
    pops = cur.execute(
        f"SELECT pop_type_code, {', '.join(POP_FIELDS)} FROM audit_pop WHERE audit_id = ?", [latest[0]]
    ).fetchall()
    shelf, price = {}, {}
    for code, *values in lines:
        values = [_clean(v) for v in values]
        shelf[code] = dict(zip(SHELF_FIELDS, values[: len(SHELF_FIELDS)], strict=True))
        price[code] = dict(zip(PRICE_FIELDS, values[len(SHELF_FIELDS) :], strict=True))
        if shelf[code]["in_stock"] is False:  # an out-of-stock line was stored with 0 facings and no level
            shelf[code].update(facings=None, shelf_level=None)
    pop = {code: dict(zip(POP_FIELDS, map(_clean, values), strict=True)) for code, *values in pops}
    return Previous(latest[0], latest[1], {"shelf": shelf, "price": price, "pop": pop})


def answered(line: LineAnswers, section: str) -> bool:
    """A line whose main question is answered (the one validate() requires)."""
    main = {"shelf": "in_stock", "price": "tag_present", "pop": "present"}[section]
    return isinstance(line.get(main), bool)


def confirmable(previous: Previous, section: str, codes: Iterable[str], answers: Answers) -> list[str]:
    """The lines of `section` a bulk confirmation would fill: not answered yet, and answered last time."""
    mine = answers.get(section, {})
    return [c for c in codes if not answered(mine.get(c, {}), section) and answered(previous.line(section, c), section)]


def confirm(previous: Previous, section: str, codes: Iterable[str], answers: Answers) -> list[str]:
    """Fill those lines with last time's answers, marked HOW_BULK; returns the codes filled."""
    filled = confirmable(previous, section, codes, answers)
    fields = {"shelf": SHELF_FIELDS, "price": PRICE_FIELDS, "pop": POP_FIELDS}[section]
    for code in filled:
        last = previous.line(section, code)
        answers.setdefault(section, {})[code] = {**{f: last.get(f) for f in fields}, "how": HOW_BULK}
    return filled


def how(line: LineAnswers) -> str:
    """How a line was answered, as stored with the audit."""
    return HOW_BULK if line.get("how") == HOW_BULK else HOW_CHECKED
