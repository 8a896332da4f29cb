"""Exceptions first (issue 14): the last audit's answers are the starting point, confirmed in one tap only
with a shelf photo, recorded per line as confirmed in bulk or checked one by one, and shown to managers."""

from __future__ import annotations

from datetime import datetime

import pytest

from audit import auth, capture, photos, previous
from tests.helpers.audits import audited_store, complete_answers, merch, picture


@pytest.fixture
def fresh_draft(demo_db, demo_dir):
    user, store = merch(demo_db), audited_store(demo_db)
    draft = capture.open_draft(demo_db, user, store, now=datetime(2026, 11, 21, 9, 0))
    return user, draft, capture.checklist(demo_db, user, store, "en")


def test_last_answers_are_the_latest_audits_lines(demo_db):
    store = audited_store(demo_db)
    last = previous.last_answers(demo_db, store)
    audit_id = demo_db.query_one(
        "SELECT id FROM audits WHERE store_code = ? ORDER BY visit_date DESC, id DESC LIMIT 1", [store]
    )[0]
    assert last.audit_id == audit_id
    rows = (
        demo_db.cursor()
        .execute(
            "SELECT product_code, in_stock, facings, shelf_level, shelf_price::DOUBLE"
            " FROM audit_lines WHERE audit_id = ?",
            [audit_id],
        )
        .fetchall()
    )
    assert rows
    for code, in_stock, facings, level, price in rows:
        shelf, tag = last.line("shelf", code), last.line("price", code)
        assert shelf["in_stock"] is in_stock and tag["shelf_price"] == price
        assert (shelf["facings"], shelf["shelf_level"]) == ((facings, level) if in_stock else (None, None))
    assert previous.last_answers(demo_db, "NO-SUCH-STORE") == previous.Previous()


def test_confirming_needs_a_shelf_photo(demo_db, fresh_draft):
    user, draft, plan = fresh_draft
    with pytest.raises(capture.CaptureError) as refused:
        capture.confirm_as_last_time(demo_db, draft, plan, ["shelf", "price"])
    assert refused.value.key == "capture.error.bulk_needs_photo"
    assert "货架照片" in refused.value.message("zh")
    assert capture.get_draft(demo_db, user, draft.store_code).answers == {}  # nothing filled


def test_confirming_fills_only_unanswered_lines_and_marks_them_bulk(demo_db, fresh_draft):
    user, draft, plan = fresh_draft
    last = previous.last_answers(demo_db, draft.store_code)
    codes = list(plan.skus.code)
    mine = codes[0]
    draft.answers = {"shelf": {mine: {"in_stock": False, "restocked": True}}}  # answered by hand first
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(3)), "shelf")
    filled = capture.confirm_as_last_time(demo_db, draft, plan, ["shelf", "price", "pop"])
    saved = capture.get_draft(demo_db, user, draft.store_code).answers
    answered_last_time = [c for c in codes if c in last.answers["shelf"]]
    assert filled == len(answered_last_time) - 1 + len(answered_last_time) + len(last.answers["pop"])
    assert saved["shelf"][mine] == {"in_stock": False, "restocked": True}  # a hand answer is never overwritten
    for code in answered_last_time[1:]:
        assert saved["shelf"][code]["how"] == previous.HOW_BULK
        assert {k: v for k, v in saved["shelf"][code].items() if k != "how"} == last.line("shelf", code)
        assert saved["price"][code]["shelf_price"] == last.line("price", code)["shelf_price"]


def test_submit_records_how_each_line_was_answered_and_the_record_shows_it(demo_db, fresh_draft):
    user, draft, plan = fresh_draft
    answers = complete_answers(plan)
    codes = list(plan.skus.code)
    for code in codes[1:]:
        answers["shelf"][code]["how"] = previous.HOW_BULK
    answers["price"][codes[0]]["how"] = previous.HOW_BULK
    draft.answers = answers
    capture.save_draft(demo_db, draft)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(4)), "store")
    with pytest.raises(capture.SubmitRefused) as refused:  # bulk answers without a shelf photo
        capture.submit(demo_db, user, draft.submission_key)
    assert [p.key for p in refused.value.problems] == ["capture.error.bulk_needs_photo"]
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(5)), "shelf")
    audit_id = capture.submit(demo_db, user, draft.submission_key).audit_id
    record = capture.audit_record(demo_db, auth.get_user(demo_db, "manager"), audit_id, "en")
    lines = record.lines.set_index("product_code")
    assert lines.loc[codes[0], "shelf_answered"] == "checked" and lines.loc[codes[0], "price_answered"] == "bulk"
    assert set(lines.loc[codes[1:], "shelf_answered"]) == {"bulk"}
    assert set(lines.loc[codes[1:], "price_answered"]) == {"checked"}
    assert set(record.pop.answered) <= {"checked"}


def test_a_store_never_audited_has_nothing_to_confirm(demo_db, fresh_draft):
    user, draft, plan = fresh_draft
    never = previous.Previous()
    assert previous.confirmable(never, "shelf", plan.skus.code, {}) == []


def test_the_managers_view_of_an_audit_says_how_it_was_answered(demo_db, fresh_draft):
    from streamlit.testing.v1 import AppTest

    from tests.helpers.apptest import APP
    from tests.helpers.badinput import as_shown

    user, draft, plan = fresh_draft
    answers = complete_answers(plan)
    codes = list(plan.skus.code)
    for code in codes[1:]:
        answers["shelf"][code]["how"] = answers["price"][code]["how"] = previous.HOW_BULK
    draft.answers = answers
    capture.save_draft(demo_db, draft)
    for seed, section in ((6, "store"), (7, "shelf")):
        capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(seed)), section)
    audit_id = capture.submit(demo_db, user, draft.submission_key).audit_id
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "manager")
    at.run().switch_page("views/audits.py")
    at.query_params["audit"] = str(audit_id)
    at.run()
    assert not at.exception, at.exception
    bulk = 2 * (len(codes) - 1)
    assert (
        f"How it was answered: {bulk} answers confirmed as found last time (with a shelf photo), 2 checked one by one."
    ) in [as_shown(c.value) for c in at.caption]
    table = next(d.value for d in at.dataframe if "shelf_answered" in d.value.columns).set_index("product_code")
    assert (
        table.loc[codes[0], "shelf_answered"] == "Checked" and table.loc[codes[1], "price_answered"] == "As last time"
    )
