"""What submit stores and refuses at the edges a planted bug (make mutants) got past: an SKU audited beyond
the must-stock list, an order amount typed before "no order" was chosen, and a refusal worded in the page's
language."""

from __future__ import annotations

import pytest

from audit import capture
from audit.capture import SubmitRefused
from audit.i18n import name_column
from tests.helpers.audits import complete_answers, draft_with, merch


def test_an_sku_audited_beyond_the_must_stock_list_is_asked_for_and_stored(demo_db):
    user = merch(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    extra = next(iter(capture.other_skus(demo_db, capture.checklist(demo_db, user, store, "en"), "en")))
    with_extra = capture.checklist(demo_db, user, store, "en", extra_skus=[extra])

    def unanswered(answers):
        answers["extra_skus"] = [extra]

    with pytest.raises(SubmitRefused) as refused:
        capture.submit(demo_db, user, draft_with(demo_db, unanswered, store).submission_key)
    assert {(p.key, p.item) for p in refused.value.problems} == {
        ("capture.error.stock_unanswered", extra),
        ("capture.error.tag_unanswered", extra),
    }
    capture.discard_draft(demo_db, user, capture.get_draft(demo_db, user, store).submission_key)

    def answered(answers):
        answers.update(complete_answers(with_extra), extra_skus=[extra])

    done = capture.submit(demo_db, user, draft_with(demo_db, answered, store).submission_key)
    line = demo_db.query_one(
        "SELECT must_stock, in_stock FROM audit_lines WHERE audit_id = ? AND product_code = ?", [done.audit_id, extra]
    )
    assert line == (False, complete_answers(with_extra)["shelf"][extra]["in_stock"])


def test_an_amount_typed_before_no_order_was_chosen_is_not_stored(demo_db):
    def no_order(answers):
        answers["visit"]["order_placed"] = False  # the amount typed before stays in the draft

    draft = draft_with(demo_db, no_order)
    assert draft.answers["visit"]["order_amount"] == 860
    done = capture.submit(demo_db, merch(demo_db), draft.submission_key)
    stored = demo_db.query_one("SELECT order_placed, order_amount FROM audits WHERE id = ?", [done.audit_id])
    assert stored == (False, None)


@pytest.mark.parametrize("lang", ["en", "zh", None])
def test_a_refusal_names_the_product_in_the_pages_language(demo_db, lang):
    """None: called without a language (as the tests and tools do), submit answers in English."""
    user = merch(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    first = capture.checklist(demo_db, user, store, "en").skus.code.iloc[0]
    draft = draft_with(demo_db, lambda answers: answers["shelf"][first].pop("in_stock"), store)
    with pytest.raises(SubmitRefused) as refused:
        capture.submit(demo_db, user, draft.submission_key, *([lang] if lang else []))
    named = demo_db.query_one(f"SELECT {name_column(lang or 'en')} FROM products WHERE code = ?", [first])[0]
    assert [(p.key, p.values["sku"]) for p in refused.value.problems] == [("capture.error.stock_unanswered", named)]
