"""The merchandiser's queue as capture.visit_state_sql decides it: overdue stores, then due ones, then the
rest, an unfinished audit marked as such (the Audit page lists those first, on their own); a store taken out
of use leaves it."""

from __future__ import annotations

from datetime import timedelta

from audit import capture
from tests.helpers.audits import merch
from tests.helpers.demo import DEMO_TODAY

ORDER = ["overdue", "due", "ok"]
DAY_AFTER = DEMO_TODAY + timedelta(days=1)  # the demo's merch01 then has an overdue store and a due one


def test_the_queue_puts_overdue_stores_first_then_due_ones_and_marks_a_draft(demo_db):
    user = merch(demo_db)
    queue = capture.store_queue(demo_db, user, "en", today=DAY_AFTER)
    assert {"overdue", "due", "ok"} <= set(queue.status)
    assert queue.status.tolist() == sorted(queue.status, key=ORDER.index)
    opened = queue[queue.status == "ok"].code.iloc[-1]
    capture.open_draft(demo_db, user, opened)
    with_draft = capture.store_queue(demo_db, user, "en", today=DAY_AFTER)
    assert dict(zip(with_draft.code, with_draft.status, strict=True))[opened] == "draft"


def test_a_store_taken_out_of_use_leaves_the_queue(demo_db):
    user = merch(demo_db)
    gone = capture.store_queue(demo_db, user, "en", today=DAY_AFTER).code.iloc[0]
    with demo_db.write() as cur:
        cur.execute("UPDATE stores SET active = FALSE WHERE code = ?", [gone])
    assert gone not in set(capture.store_queue(demo_db, user, "en", today=DAY_AFTER).code)
