"""Demo actions: the last weeks of the demo's audits replayed through the action rules, so the pages tell the
loop's story (open, fixed on the spot, done by the dealer and verified, overdue, cancelled by hand).

The same findings query as a real submit (actions.findings_sql) says what each audit found; a problem found
at one audit and gone at the store's next one was fixed and is verified there (after the dealer marked it
done, for some of the dealer's), a restocked stock-out was fixed on the spot, and what the latest audit still
finds stays open. Deterministic for a seed; bulk-inserted, so it scales with the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from audit import actions, pg
from audit.db import Cursor, scalar
from audit.values import Record

WEEKS = 4  # how many weeks of audits open actions
DEALER_DONE_SHARE = 0.6  # of the dealer's actions later fixed: marked done by the dealer first
DONE_NOTES = ("已补货，两箱", "已按建议零售价调整", "已更换", "Delivered, 2 cases", "Price corrected")
MANUAL = (  # (kind, what to do, cancelled with this reason or None)
    ("display", "堆头：周五前搭好端架 / Build the end cap by Friday", None),
    ("display", "把冰柜移到收银台旁 / Move the cooler next to the till", None),
    ("display", "Second display for the summer promotion", "Store refused: no floor space"),
)


def generate(cur: Cursor, today: date, seed: int, price_tolerance: float) -> int:
    """Open, close and verify the demo's actions inside the demo's last transaction; returns how many."""
    rng = np.random.default_rng(seed + 15)
    since = today - timedelta(weeks=WEEKS)
    audits = cur.execute(
        """SELECT a.id, a.store_code, a.merchandiser, a.visit_date, a.submitted_at, s.grade, s.dealer_code,
                  s.merchandiser AS assigned,
                  (SELECT min(p.photo_sha256) FROM audit_photos p WHERE p.audit_id = a.id AND p.section = 'shelf'),
                  (SELECT min(p.photo_sha256) FROM audit_photos p WHERE p.audit_id = a.id)
           FROM audits a JOIN stores s ON s.code = a.store_code
           WHERE a.visit_date > ? AND a.visit_date <= ? ORDER BY a.store_code, a.submitted_at, a.id""",
        [since, today],
    ).fetchall()
    if not audits:
        return 0
    found: dict[int, list[tuple[str, str, bool | None]]] = {}
    problems = actions.find_problems(cur, [a[0] for a in audits], price_tolerance, actions.DEFAULT_FLASH_GAP)
    for audit_id, _, kind, item, restocked in problems:
        found.setdefault(audit_id, []).append((kind, item, restocked))
    dealer_users = dict(
        cur.execute("SELECT dealer_code, min(username) FROM users WHERE role = 'dealer' GROUP BY 1").fetchall()
    )
    rows: list[Record] = []
    events: list[tuple[object, ...]] = []
    state: dict[str, dict[tuple[str, str], Record]] = {}  # store -> (kind, item) -> the open action

    def event(action: Record, kind: str, at: datetime, who: str | None, **fields: object) -> None:
        action["seq"] += 1
        events.append(
            (action["id"], action["seq"], at, kind, who, fields.get("audit_id"), fields.get("note"),
             fields.get("photo"), None)
        )  # fmt: skip

    for audit_id, store, merch, visit_date, at, grade, dealer, assigned, shelf_photo, any_photo in audits:
        here = {(kind, item): restocked for kind, item, restocked in found.get(audit_id, [])}
        open_here = state.setdefault(store, {})
        for key, action in list(open_here.items()):
            if key in here:
                continue
            if action["owner_role"] == "dealer" and rng.random() < DEALER_DONE_SHARE:
                done_at = action["opened_at"] + (at - action["opened_at"]) * float(rng.uniform(0.3, 0.8))
                action["done_at"] = done_at
                event(action, "done", done_at, dealer_users.get(dealer), note=str(rng.choice(DONE_NOTES)))
            action.update(status="fixed", resolution="verified", closed_at=at)
            event(action, "verified", at, merch, audit_id=audit_id, photo=any_photo)
            del open_here[key]
        for key, restocked in here.items():
            kind, item = key
            if key in open_here:
                action = open_here[key]
                action["seen_count"] += 1
                action["last_seen_at"] = at
                event(action, "seen_again", at, merch, audit_id=audit_id)
                continue
            owner_role = actions.OWNER_BY_KIND[kind]
            action = _action(
                len(rows) + 1,
                store,
                kind,
                item,
                owner_role,
                dealer if owner_role == "dealer" else assigned,
                at,
                visit_date + timedelta(days=actions.due_days(grade)),
                merch,
                opened_audit_id=audit_id,
            )
            rows.append(action)
            event(action, "opened", at, merch, audit_id=audit_id)
            if restocked:
                action.update(status="fixed", resolution="on_spot", closed_at=at)
                event(action, "fixed_on_spot", at, merch, audit_id=audit_id, photo=shelf_photo)
            else:
                open_here[key] = action
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=8)
    for action in (
        a for open_here in state.values() for a in open_here.values()
    ):  # still open: some the dealer has marked done, waiting for the next visit
        if action["owner_role"] == "dealer" and rng.random() < 0.25 and action["opened_at"] < now - timedelta(days=1):
            action.update(status="done", done_at=now - timedelta(hours=2))
            event(
                action, "done", action["done_at"], dealer_users.get(action["owner"]), note=str(rng.choice(DONE_NOTES))
            )
    _manual(cur, rows, event, today, rng)
    # Bulk inserts: executemany would insert row by row.
    pg.insert_frame(cur, "actions", pd.DataFrame(rows).drop(columns="seq"))
    pg.insert_frame(cur, "action_events", pd.DataFrame(events, columns=EVENT_COLUMNS))
    return len(rows)


EVENT_COLUMNS = ["action_id", "seq", "happened_at", "event", "username", "audit_id", "note", "photo_sha256", "detail"]


def _action(
    action_id: int,
    store: str,
    kind: str,
    item: str,
    owner_role: str,
    owner: str | None,
    opened: datetime,
    due: date,
    opened_by: str,
    note: str | None = None,
    opened_audit_id: int | None = None,
) -> Record:
    """One open action as the actions table holds it (seq: its events so far)."""
    return {
        "id": action_id,
        "store_code": store,
        "kind": kind,
        "item": item,
        "note": note,
        "status": "open",
        "owner_role": owner_role,
        "owner": owner,
        "opened_at": opened,
        "opened_audit_id": opened_audit_id,
        "opened_by": opened_by,
        "due_date": due,
        "seen_count": 1,
        "last_seen_at": opened,
        "closed_at": None,
        "resolution": None,
        "done_at": None,
        "seq": 0,
    }


def _manual(cur: Cursor, rows: list[Record], event: Callable[..., None], today: date, rng: np.random.Generator) -> None:
    """A manager's actions by hand: two open display actions and one cancelled with its reason."""
    manager = scalar(cur, "SELECT min(username) FROM users WHERE role = 'manager'")
    stores = cur.execute("SELECT code, merchandiser FROM stores WHERE grade = 'A' ORDER BY code LIMIT 3").fetchall()
    for (kind, note, cancelled), (store, merch) in zip(MANUAL, stores, strict=False):
        opened = datetime.combine(today - timedelta(days=int(rng.integers(2, 6))), datetime.min.time()) + timedelta(
            hours=10
        )
        action = _action(
            len(rows) + 1,
            store,
            kind,
            f"#{len(rows) + 1}",
            "merchandiser",
            merch,
            opened,
            opened.date() + timedelta(days=actions.due_days("A")),
            manager,
            note=note,
        )
        rows.append(action)
        event(action, "opened", opened, manager, note=note)
        if cancelled:
            action.update(status="cancelled", resolution="cancelled", closed_at=opened + timedelta(days=1))
            event(action, "cancelled", action["closed_at"], manager, note=cancelled)
