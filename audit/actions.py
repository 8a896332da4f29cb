"""Actions: findings someone must fix, closed with proof ("see it, fix it, prove it", issue 15).

An audit's findings open actions in the submit's own transaction (`record_from_audit`): one open action per
store and problem (kind + item); a problem found again while its action is open counts as seen again. A fix
made during the visit (restocked, tag replaced, POP put up) is born closed, "fixed on the spot", proved by the
audit's photo of that section. Otherwise the owner (by rule: the store's dealer or its merchandiser) fixes it,
a dealer may mark it done, and the next audit answers fixed / not fixed for it, a photo proving "fixed".
A manager adds, reassigns and cancels actions. Every change is an event (`action_events`), written in one
write transaction with a check of the action's state, so two closes at once leave one history.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

import pandas as pd

from audit import access, photos
from audit.auth import User
from audit.capture import VISIT_INTERVAL_DAYS, AnswerProblem
from audit.db import Cursor, Database, scalar, single_row
from audit.errors import UserFacingError
from audit.filters import DashboardFilters
from audit.i18n import name_column, person_sql, store_name_sql
from audit.previous import Answers
from audit.settings import under_rrp_sql
from audit.stores import scope_clause
from audit.values import Record

KINDS = ("restock", "price", "tag", "pop", "freshness", "competitor", "display")
# Who fixes what (issue 15): stock and price are the dealer's; tags, POP and display the merchandiser's.
# Near-expiry or damaged stock is replaced by the dealer who supplied it; a response to a competitor's flash
# sale (a promotion of our own) is the dealer's to fund. A manager may reassign any action.
OWNER_BY_KIND = {
    "restock": "dealer",
    "price": "dealer",
    "freshness": "dealer",
    "competitor": "dealer",
    "tag": "merchandiser",
    "pop": "merchandiser",
    "display": "merchandiser",
}
OWNER_ROLES = ("dealer", "merchandiser")
OPEN_STATES = ("open", "done")  # done = marked done by its owner, waiting for an audit to verify it
# The audit photo section that proves a fix made on the spot.
PROOF_SECTION = {"restock": "shelf", "freshness": "shelf", "price": "price", "tag": "price", "pop": "pop"}
SETTINGS_KEY = "actions"
DEFAULT_FLASH_GAP = 0.10  # a competitor's flash price this far under our comparable SKU's RRP asks for a response
TEXT_LIMIT = 500


def due_days(grade: str) -> int:
    """Days to fix, by the store's grade: until its next visit is overdue (A 4, B 7, C 15), so the next
    visit can verify it. The visit frequencies are capture.VISIT_INTERVAL_DAYS, the one rule for them."""
    return math.ceil(VISIT_INTERVAL_DAYS[grade][1])


class ActionError(UserFacingError):
    """An action that cannot be changed as asked (not yours, already closed, no reason given, ...)."""


# ---------------------------------------------------------------- rules (a manager can change the flash one)


@dataclass(frozen=True)
class ActionRules:
    flash_gap: float | None = DEFAULT_FLASH_GAP  # None: competitors' flash sales open no action


def load_rules(db: Database) -> ActionRules:
    row = db.query_one("SELECT value FROM settings WHERE key = ?", [SETTINGS_KEY])
    if row is None:
        return ActionRules()
    return ActionRules(flash_gap=json.loads(row[0]).get("flash_gap", DEFAULT_FLASH_GAP))


def save_rules(db: Database, viewer: User, rules: ActionRules, now: datetime | None = None) -> ActionRules:
    if not access.allowed(viewer, access.ACTIONS_MANAGE):
        raise ActionError("actions.error.not_allowed")
    if rules.flash_gap is not None and not (0 <= rules.flash_gap <= 0.9):
        raise ActionError("actions.error.flash_gap")
    with db.write() as cur:
        cur.execute(
            "INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            [SETTINGS_KEY, json.dumps({"flash_gap": rules.flash_gap}), viewer.username, now or datetime.now()],
        )
    return rules


# ---------------------------------------------------------------- findings -> actions (in the submit's transaction)


# A fraction parameter of the findings, as a double in both back ends: PostgreSQL would otherwise compute the
# RRP's limit in exact numeric, and a price at the limit could land on the other side of it than in DuckDB.
_FRACTION = "CAST(? AS DOUBLE PRECISION)"


def findings_sql() -> str:
    """The problems audits found that someone must fix: audit_id, store_code, kind, item, restocked. The one
    statement of which findings make actions, in SQL both back ends run; its parameters are find_problems'.
    A price under the RRP is settings.under_rrp_sql, the rule every page and export uses."""
    # The fractions are repeated parameters, not a one-row CTE joined in: DuckDB took 1.8x as long with one.
    return f"""
        WITH a AS (SELECT id, store_code FROM audits WHERE id IN (SELECT unnest(CAST(? AS BIGINT[]))))
        SELECT DISTINCT a.id AS audit_id, a.store_code, f.kind, f.item, f.restocked
        FROM a JOIN (
            SELECT l.audit_id, 'restock' AS kind, l.product_code AS item, coalesce(l.restocked, FALSE) AS restocked
            FROM audit_lines l WHERE l.audit_id IN (SELECT id FROM a) AND l.must_stock AND NOT l.in_stock
            UNION ALL
            SELECT l.audit_id, 'price', l.product_code, FALSE FROM audit_lines l
            JOIN products p ON p.code = l.product_code
            WHERE l.audit_id IN (SELECT id FROM a) AND l.in_stock
              AND {under_rrp_sql("l.shelf_price", "p.rrp", _FRACTION)}
            UNION ALL
            SELECT l.audit_id, 'tag', l.product_code, FALSE FROM audit_lines l
            WHERE l.audit_id IN (SELECT id FROM a) AND l.in_stock
              AND (NOT l.tag_present OR NOT l.tag_placed_ok OR NOT l.tag_matches OR NOT l.tag_legible)
            UNION ALL
            SELECT l.audit_id, 'freshness', l.product_code, FALSE FROM audit_lines l
            WHERE l.audit_id IN (SELECT id FROM a) AND l.in_stock AND (l.near_expiry OR l.damaged)
            UNION ALL
            SELECT p.audit_id, 'pop', p.pop_type_code, FALSE FROM audit_pop p
            WHERE p.audit_id IN (SELECT id FROM a) AND (NOT p.present OR p.condition = 'damaged')
            UNION ALL
            SELECT o.audit_id, 'competitor', o.product_code, FALSE FROM competitor_observations o
            JOIN products p ON p.code = o.product_code
            WHERE o.audit_id IN (SELECT id FROM a) AND {_FRACTION} IS NOT NULL
              AND {under_rrp_sql("o.flash_price", "p.rrp", _FRACTION)}
        ) f ON f.audit_id = a.id
        ORDER BY a.id, f.kind, f.item"""


def find_problems(
    cur: Cursor, audit_ids: list[int], price_tolerance: float, flash_gap: float | None
) -> list[tuple[Any, ...]]:
    """findings_sql for these audits, in the caller's transaction or on a reading cursor: rows of
    (audit_id, store_code, kind, item, restocked), by audit, kind and item. flash_gap None: competitors'
    flash sales open nothing."""
    params = [[int(i) for i in audit_ids], price_tolerance, flash_gap, flash_gap]  # in the order of the text
    return cur.execute(findings_sql(), params).fetchall()


def _next_id(cur: Cursor) -> int:
    return cast(int, scalar(cur, "SELECT coalesce(max(id), 0) + 1 FROM actions"))


def _event(cur: Cursor, action_id: int, event: str, at: datetime, username: str | None, **fields: object) -> None:
    cur.execute(
        """INSERT INTO action_events
               (action_id, seq, happened_at, event, username, audit_id, note, photo_sha256, detail)
           SELECT ?, coalesce(max(seq), 0) + 1, ?, ?, ?, ?, ?, ?, ? FROM action_events WHERE action_id = ?""",
        [
            action_id,
            at,
            event,
            username,
            fields.get("audit_id"),
            fields.get("note"),
            fields.get("photo"),
            fields.get("detail"),
            action_id,
        ],
    )


def fixed_on_spot(answers: Answers) -> set[tuple[str, str]]:
    """The fixes the merchandiser made during the visit: a restocked stock-out, a tag put right, a POP put up."""
    done = set()
    for kind, section, field in (
        ("restock", "shelf", "restocked"),
        ("tag", "price", "fixed_on_spot"),
        ("pop", "pop", "fixed_on_spot"),
    ):
        part = answers.get(section)
        for code, line in (part if isinstance(part, dict) else {}).items():
            if (
                isinstance(line, dict)
                and line.get(field) is True
                and (kind != "restock" or line.get("in_stock") is False)
            ):
                done.add((kind, code))
    return done


def answer_problems(open_actions: pd.DataFrame, answers: Answers, attached: pd.DataFrame) -> list[AnswerProblem]:
    """What submit refuses about actions: a "fixed" answer without its photo, a fix on the spot without a photo
    of its section (a restock needs a shelf photo)."""
    problems = []
    checks = answers.get("actions") or {}
    hashes = set(attached.photo_sha256) if len(attached) else set()
    sections = set(attached.section) if len(attached) else set()
    for action in open_actions.itertuples():
        answer = checks.get(str(action.id)) or {}
        if answer.get("fixed") is True and answer.get("photo") not in hashes:
            problems.append(AnswerProblem("shelf", "actions.error.fixed_needs_photo", {"what": action.label}, None))
    for kind in sorted({kind for kind, _ in fixed_on_spot(answers)}):
        if PROOF_SECTION[kind] not in sections:
            problems.append(AnswerProblem("photos", f"actions.error.on_spot_photo.{PROOF_SECTION[kind]}"))
    return problems


class FoundAgain(UserFacingError):
    """The merchandiser answered an action "fixed" while the same audit finds its problem again."""

    def __init__(self, item: str):
        super().__init__("actions.error.found_again", item=item)


def record_from_audit(
    cur: Cursor,
    audit_id: int,
    username: str,
    answers: Answers,
    price_tolerance: float,
    flash_gap: float | None,
    now: datetime,
) -> None:
    """Inside the submit's transaction: the audit's findings open actions or count as seen again, fixes on the
    spot are born closed, and the answers about the store's open actions close or keep them."""
    store_code, grade, dealer, merchandiser, visit_date = single_row(
        cur,
        """SELECT s.code, s.grade, s.dealer_code, s.merchandiser, a.visit_date FROM audits a
           JOIN stores s ON s.code = a.store_code WHERE a.id = ?""",
        [audit_id],
    )
    found = find_problems(cur, [audit_id], price_tolerance, flash_gap)
    on_spot = fixed_on_spot(answers)
    checks = {int(k): v for k, v in (answers.get("actions") or {}).items() if str(k).isdigit() and isinstance(v, dict)}
    photos = dict(
        cur.execute(
            "SELECT section, min(photo_sha256) FROM audit_photos WHERE audit_id = ? GROUP BY section", [audit_id]
        ).fetchall()
    )
    seen_again: set[int] = set()
    for _, _, kind, item, restocked in found:  # restocked: the stock-out's own answer
        row = cur.execute(
            "SELECT id FROM actions WHERE store_code = ? AND kind = ? AND item = ? AND status = ANY(?)",
            [store_code, kind, item, list(OPEN_STATES)],
        ).fetchone()
        spot = restocked or (kind, item) in on_spot
        if row is not None:
            action_id = row[0]
            if checks.get(action_id, {}).get("fixed") is True:
                raise FoundAgain(item)
            seen_again.add(action_id)
            cur.execute(
                "UPDATE actions SET seen_count = seen_count + 1, last_seen_at = ?, status = 'open' WHERE id = ?",
                [now, action_id],
            )
            _event(cur, action_id, "seen_again", now, username, audit_id=audit_id)
        else:
            owner_role = OWNER_BY_KIND[kind]
            action_id = _next_id(cur)
            cur.execute(
                """INSERT INTO actions (id, store_code, kind, item, status, owner_role, owner, opened_at,
                        opened_audit_id, opened_by, due_date, seen_count, last_seen_at)
                    VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, 1, ?)""",
                [
                    action_id,
                    store_code,
                    kind,
                    item,
                    owner_role,
                    dealer if owner_role == "dealer" else merchandiser,
                    now,
                    audit_id,
                    username,
                    visit_date + timedelta(days=due_days(grade)),
                    now,
                ],
            )
            _event(cur, action_id, "opened", now, username, audit_id=audit_id)
        if spot:
            cur.execute(
                "UPDATE actions SET status = 'fixed', resolution = 'on_spot', closed_at = ? WHERE id = ?",
                [now, action_id],
            )
            _event(
                cur, action_id, "fixed_on_spot", now, username, audit_id=audit_id, photo=photos.get(PROOF_SECTION[kind])
            )
    for action_id, answer in checks.items():
        if action_id in seen_again or not isinstance(answer.get("fixed"), bool):
            continue
        if answer["fixed"]:
            closed = cur.execute(
                """UPDATE actions SET status = 'fixed', resolution = 'verified', closed_at = ?
                   WHERE id = ? AND store_code = ? AND status = ANY(?) RETURNING id""",
                [now, action_id, store_code, list(OPEN_STATES)],
            ).fetchall()
            if closed:  # another audit or tablet closed it first: its history says so, nothing is added
                _event(cur, action_id, "verified", now, username, audit_id=audit_id, photo=answer.get("photo"))
        else:
            kept = cur.execute(
                """UPDATE actions SET status = 'open' WHERE id = ? AND store_code = ? AND status = ANY(?)
                   RETURNING id""",
                [action_id, store_code, list(OPEN_STATES)],
            ).fetchall()
            if kept:
                _event(cur, action_id, "not_fixed", now, username, audit_id=audit_id)


# ---------------------------------------------------------------- reading (always scoped to the viewer)


# What an action is about, joined for its label: a product (restock, price, tag, freshness, competitor) or a POP type.
_LABEL_JOINS = """LEFT JOIN products p ON p.code = x.item AND x.kind NOT IN ('pop', 'display')
        LEFT JOIN pop_types t ON t.code = x.item AND x.kind = 'pop'"""


def _label_sql(lang: str) -> str:
    """What an action is about: the product's or POP type's name, or what a manager wrote."""
    names = name_column(lang)
    return f"coalesce(x.note, p.{names}, t.{names}, '')"


def _actions_sql(lang: str, where: str) -> str:
    names = name_column(lang)
    return f"""
        SELECT x.id, x.store_code, {store_name_sql(lang)} AS store, s.grade, x.kind, x.item,
               {_label_sql(lang)} AS label, x.note, x.status, x.owner_role, x.owner,
               CASE x.owner_role WHEN 'dealer' THEN d.{names} ELSE {person_sql(lang, "o")} END AS owner_name,
               x.opened_at, x.due_date, x.seen_count, x.done_at, x.closed_at, x.resolution,
               list_contains(['open', 'done'], x.status) AND x.due_date < ?::DATE AS overdue
        FROM actions x
        JOIN stores s ON s.code = x.store_code
        {_LABEL_JOINS}
        LEFT JOIN dealers d ON d.code = x.owner AND x.owner_role = 'dealer'
        LEFT JOIN users o ON o.username = x.owner AND x.owner_role = 'merchandiser'
        WHERE {where}"""


def open_actions(
    db: Database,
    viewer: User,
    lang: str,
    store_code: str | None = None,
    today: date | None = None,
    filters: DashboardFilters | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The viewer's open actions (and those marked done, waiting to be verified): the viewer's own first
    (a dealer's, a merchandiser's), then overdue first, then by due date. `filters` narrows the stores."""
    where, params = _filtered(viewer, filters)
    where = f"list_contains(['open', 'done'], x.status) AND {where}"
    if store_code is not None:
        where += " AND x.store_code = ?"
        params = [*params, store_code]
    sql = f"""SELECT *, owner_role = ? AND owner IS NOT DISTINCT FROM ? AS mine FROM ({_actions_sql(lang, where)})
              ORDER BY mine DESC, overdue DESC, due_date, id LIMIT ?"""
    owner = ("dealer", viewer.dealer_code) if viewer.role == "dealer" else ("merchandiser", viewer.username)
    return db.query_df(sql, [*owner, today or date.today(), *params, limit])


def get_action(db: Database, viewer: User, action_id: int, lang: str, today: date | None = None) -> Record | None:
    """One action, or None when it does not exist or is not in the viewer's stores."""
    scope, params = scope_clause(viewer)
    df = db.query_df(_actions_sql(lang, f"x.id = ? AND {scope}"), [today or date.today(), action_id, *params])
    return None if df.empty else df.iloc[0].to_dict()


def store_history(db: Database, viewer: User, store_code: str, lang: str, limit: int = 200) -> pd.DataFrame:
    """Every event of every action at a store, newest first, for the store card."""
    scope, params = scope_clause(viewer)
    return db.query_df(
        f"""SELECT e.action_id, x.kind, {_label_sql(lang)} AS label, x.status, e.seq, e.happened_at AS at, e.event,
                   {person_sql(lang, "u")} AS who, e.audit_id, e.note, e.photo_sha256, ph.thumb_sha256, e.detail
            FROM action_events e
            LEFT JOIN photos ph ON ph.sha256 = e.photo_sha256
            JOIN actions x ON x.id = e.action_id
            JOIN stores s ON s.code = x.store_code
            {_LABEL_JOINS}
            LEFT JOIN users u ON u.username = e.username
            WHERE x.store_code = ? AND {scope}
            ORDER BY e.happened_at DESC, e.action_id DESC, e.seq DESC LIMIT ?""",
        [store_code, *params, limit],
    )


# ---------------------------------------------------------------- changing actions (one transaction, state checked)


def _in_scope(cur: Cursor, viewer: User, action_id: int) -> tuple[Any, ...] | None:
    scope, params = scope_clause(viewer)
    return cur.execute(
        f"""SELECT x.status, x.owner_role, x.owner, x.store_code FROM actions x JOIN stores s ON s.code = x.store_code
            WHERE x.id = ? AND {scope}""",
        [action_id, *params],
    ).fetchone()


def _text(value: str | None, key: str) -> str | None:
    value = (value or "").strip()
    if len(value) > TEXT_LIMIT:
        raise ActionError(key, max=TEXT_LIMIT)
    return value or None


def mark_done(
    db: Database,
    viewer: User,
    action_id: int,
    note: str | None = None,
    photo: photos.ProcessedPhoto | None = None,
    now: datetime | None = None,
) -> bool:
    """The owner says it is fixed (with a note or a photo); the next audit verifies it. False when it was
    already done (a double tap, another tablet): nothing is written twice."""
    if not access.allowed(viewer, access.ACTIONS_DONE):
        raise ActionError("actions.error.not_allowed")
    note = _text(note, "actions.error.note_long")
    if note is None and photo is None:
        raise ActionError("actions.error.done_needs_proof")
    if photo is not None:
        photos.save_files(photo)  # files first, then the rows that refer to them
    now = now or datetime.now()
    with db.write() as cur:
        found = _in_scope(cur, viewer, action_id)
        if found is None:
            raise ActionError("actions.error.not_found", id=action_id)
        status, owner_role, owner, _ = found
        if viewer.role == "dealer" and not (owner_role == "dealer" and owner == viewer.dealer_code):
            raise ActionError("actions.error.not_yours")
        if status == "done":
            return False
        if status != "open":
            raise ActionError("actions.error.closed")
        if photo is not None:
            photos.insert_photo_row(cur, photo)
        cur.execute(
            "UPDATE actions SET status = 'done', done_at = ? WHERE id = ? AND status = 'open'", [now, action_id]
        )
        _event(cur, action_id, "done", now, viewer.username, note=note, photo=photo.sha256 if photo else None)
    return True


def add_action(
    db: Database,
    viewer: User,
    store_code: str,
    kind: str,
    note: str,
    owner_role: str | None = None,
    owner: str | None = None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> int:
    """A manager's action by hand ("build the end cap by Friday"): owner and due date by rule unless given."""
    if not access.allowed(viewer, access.ACTIONS_MANAGE):
        raise ActionError("actions.error.not_allowed")
    if kind not in KINDS:
        raise ActionError("actions.error.kind")
    what = _text(note, "actions.error.note_long")
    if what is None:
        raise ActionError("actions.error.note_missing")
    owner_role = owner_role or OWNER_BY_KIND[kind]
    now = now or datetime.now()
    scope, params = scope_clause(viewer)
    with db.write() as cur:
        store = cur.execute(
            f"SELECT s.grade, s.dealer_code, s.merchandiser FROM stores s WHERE s.code = ? AND {scope}",
            [store_code, *params],
        ).fetchone()
        if store is None:
            raise ActionError("actions.error.no_store", code=store_code)
        grade, dealer, merchandiser = store
        owner = owner or (dealer if owner_role == "dealer" else merchandiser)
        _check_owner(cur, owner_role, owner)
        due = due_date or (now.date() + timedelta(days=due_days(grade)))
        if due < now.date():
            raise ActionError("actions.error.due_past")
        action_id = _next_id(cur)
        cur.execute(
            """INSERT INTO actions (id, store_code, kind, item, note, status, owner_role, owner, opened_at,
                   opened_by, due_date, seen_count, last_seen_at)
               VALUES (?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, 1, ?)""",
            [action_id, store_code, kind, f"#{action_id}", what, owner_role, owner, now, viewer.username, due, now],
        )
        _event(cur, action_id, "opened", now, viewer.username, note=what)
    return action_id


def _check_owner(cur: Cursor, owner_role: str, owner: str | None) -> None:
    if owner_role not in OWNER_ROLES:
        raise ActionError("actions.error.owner")
    if owner is None:
        return
    sql = (
        "SELECT 1 FROM dealers WHERE code = ?"
        if owner_role == "dealer"
        else "SELECT 1 FROM users WHERE username = ? AND role = 'merchandiser' AND active"
    )
    if cur.execute(sql, [owner]).fetchone() is None:
        raise ActionError("actions.error.owner")


def reassign(
    db: Database,
    viewer: User,
    action_id: int,
    owner_role: str,
    owner: str | None,
    due_date: date | None = None,
    now: datetime | None = None,
) -> None:
    """A manager gives an open action to another owner and/or another due date."""
    if not access.allowed(viewer, access.ACTIONS_MANAGE):
        raise ActionError("actions.error.not_allowed")
    now = now or datetime.now()
    with db.write() as cur:
        found = _in_scope(cur, viewer, action_id)
        if found is None:
            raise ActionError("actions.error.not_found", id=action_id)
        status, old_role, old_owner, _ = found
        if status not in OPEN_STATES:
            raise ActionError("actions.error.closed")
        _check_owner(cur, owner_role, owner)
        if (owner_role, owner) != (old_role, old_owner):
            cur.execute("UPDATE actions SET owner_role = ?, owner = ? WHERE id = ?", [owner_role, owner, action_id])
            _event(cur, action_id, "reassigned", now, viewer.username, detail=f"{owner_role}:{owner or ''}")
        if due_date is not None:
            old_due = scalar(cur, "SELECT due_date FROM actions WHERE id = ?", [action_id])
            if due_date != old_due:
                cur.execute("UPDATE actions SET due_date = ? WHERE id = ?", [due_date, action_id])
                _event(cur, action_id, "due_changed", now, viewer.username, detail=due_date.isoformat())


def cancel(db: Database, viewer: User, action_id: int, reason: str, now: datetime | None = None) -> bool:
    """A manager cancels an open action with a reason. False when it was closed already (a double tap)."""
    if not access.allowed(viewer, access.ACTIONS_MANAGE):
        raise ActionError("actions.error.not_allowed")
    why = _text(reason, "actions.error.note_long")
    if why is None:
        raise ActionError("actions.error.reason_missing")
    now = now or datetime.now()
    with db.write() as cur:
        found = _in_scope(cur, viewer, action_id)
        if found is None:
            raise ActionError("actions.error.not_found", id=action_id)
        closed = cur.execute(
            """UPDATE actions SET status = 'cancelled', resolution = 'cancelled', closed_at = ?
               WHERE id = ? AND status = ANY(?) RETURNING id""",
            [now, action_id, list(OPEN_STATES)],
        ).fetchall()
        if closed:
            _event(cur, action_id, "cancelled", now, viewer.username, note=why)
    return bool(closed)


# ---------------------------------------------------------------- the loop measures (SQL, scoped, parameterised)

BREAKDOWNS = {"kind": "x.kind", "region": "s.region_code", "dealer": "s.dealer_code", "merchandiser": "s.merchandiser"}


def _filtered(viewer: User, filters: DashboardFilters | None) -> tuple[str, list[object]]:
    """The viewer's scope (stores.scope_clause, the one rule) and the page's store filters."""
    scope, params = scope_clause(viewer)
    if filters is None:
        return scope, params
    where, store_params = filters.store_where("s")
    clauses, extra = [scope, where], [*params, *store_params]
    if filters.merchandisers:
        clauses.append("list_contains(?, s.merchandiser)")
        extra.append(list(filters.merchandisers))
    return " AND ".join(clauses), extra


def open_by(
    db: Database, viewer: User, filters: DashboardFilters, by: str, lang: str, today: date | None = None
) -> pd.DataFrame:
    """Open actions and how many of them are overdue, by kind, region, dealer or the store's merchandiser."""
    where, params = _filtered(viewer, filters)
    names = name_column(lang)
    label = {
        "kind": "x.kind",
        "region": f"coalesce(r.{names}, s.region_code)",
        "dealer": f"coalesce(d.{names}, s.dealer_code)",
        "merchandiser": f"coalesce({person_sql(lang)}, s.merchandiser)",
    }[by]
    return db.query_df(
        f"""SELECT {BREAKDOWNS[by]} AS code, {label} AS name, count(*) AS open,
                   count(*) FILTER (WHERE x.due_date < ?::DATE) AS overdue,
                   count(*) FILTER (WHERE x.status = 'done') AS awaiting_check
            FROM actions x JOIN stores s ON s.code = x.store_code
            LEFT JOIN regions r ON r.code = s.region_code
            LEFT JOIN dealers d ON d.code = s.dealer_code
            LEFT JOIN users u ON u.username = s.merchandiser
            WHERE list_contains(['open', 'done'], x.status) AND {where}
            GROUP BY ALL ORDER BY overdue DESC, open DESC, name""",
        [today or date.today(), *params],
    )


LOOP_SQL = """
    SELECT count(*) FILTER (WHERE x.status <> 'cancelled') AS opened,
           count(*) FILTER (WHERE x.status = 'fixed') AS fixed,
           count(*) FILTER (WHERE x.resolution = 'on_spot') AS fixed_on_spot,
           count(*) FILTER (WHERE x.status = 'fixed' AND x.done_at IS NOT NULL) AS fixed_by_owner,
           count(*) FILTER (WHERE x.status = 'fixed') / nullif(count(*) FILTER (WHERE x.status <> 'cancelled'), 0)
               AS fix_rate,
           median(date_diff('second', x.opened_at, x.closed_at) / 86400.0)
               FILTER (WHERE x.resolution = 'verified') AS median_days_to_fix
    FROM actions x JOIN stores s ON s.code = x.store_code
    WHERE x.opened_at >= ?::DATE AND x.opened_at < ?::DATE + 1 AND {where}"""


def loop_measures(db: Database, viewer: User, filters: DashboardFilters) -> pd.DataFrame:
    """For the actions opened in the period and in the previous one of equal length (rows 'current' and
    'previous'): opened (cancelled ones left out), fixed, fixed on the spot, fixed after the owner marked them
    done, fix rate = fixed ÷ opened, and the median days from opened to verified fixed (fixes on the spot
    left out: they take no time and would hide how long the rest wait)."""
    where, params = _filtered(viewer, filters)
    rows = []
    for name, period in (("current", filters), ("previous", filters.previous())):
        df = db.query_df(LOOP_SQL.format(where=where), [period.date_from, period.date_to, *params])
        rows.append(df.assign(period=name, date_from=period.date_from, date_to=period.date_to))
    return pd.concat(rows, ignore_index=True)


def recurring(db: Database, viewer: User, filters: DashboardFilters, lang: str, limit: int = 50) -> pd.DataFrame:
    """Stores where the same problem comes back: a store, kind and item with more than one action opened in
    the period (fixed, then found again), or one action seen at more than one audit."""
    where, params = _filtered(viewer, filters)
    return db.query_df(
        f"""SELECT x.store_code, {store_name_sql(lang)} AS store, x.kind, any_value({_label_sql(lang)}) AS label,
                   count(*) AS actions, sum(x.seen_count) AS times_found, max(x.opened_at) AS last_opened,
                   bool_or(list_contains(['open', 'done'], x.status)) AS still_open
            FROM actions x JOIN stores s ON s.code = x.store_code
            {_LABEL_JOINS}
            WHERE x.opened_at >= ?::DATE AND x.opened_at < ?::DATE + 1 AND x.kind <> 'display' AND {where}
            GROUP BY x.store_code, store, x.kind, x.item
            HAVING count(*) > 1 OR sum(x.seen_count) > 1
            ORDER BY times_found DESC, actions DESC, x.store_code, x.kind, x.item LIMIT ?""",
        [filters.date_from, filters.date_to, *params, limit],
    )


def audit_outcome(db: Database, viewer: User, audit_id: int) -> dict[str, int]:
    """What one audit did to the actions of its store: event -> how many (opened, seen_again, fixed_on_spot,
    verified, not_fixed), for the summary after submit."""
    scope, params = scope_clause(viewer)
    rows = (
        db.cursor()
        .execute(
            f"""SELECT e.event, count(*) FROM action_events e JOIN actions x ON x.id = e.action_id
                JOIN stores s ON s.code = x.store_code WHERE e.audit_id = ? AND {scope} GROUP BY 1""",
            [audit_id, *params],
        )
        .fetchall()
    )
    return dict(rows)
