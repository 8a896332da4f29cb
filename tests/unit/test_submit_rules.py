"""What submit stores and refuses at the edges a planted bug (make mutants) got past: an SKU audited beyond
the must-stock list, an order amount typed before "no order" was chosen, and a refusal worded in the page's
language."""

from __future__ import annotations

import pytest

from audit import auth, capture, photos, previous
from audit.capture import SubmitRefused
from audit.i18n import name_column
from tests.helpers.audits import complete_answers, draft_with, merch, picture


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


def refused(demo_db, change) -> set[tuple[str, str | None]]:
    """What submit refuses in a complete draft with `change` made, as (message key, row); empty: stored."""
    user = merch(demo_db)
    draft = draft_with(demo_db, change)
    try:
        capture.submit(demo_db, user, draft.submission_key)
    except SubmitRefused as refusal:
        capture.discard_draft(demo_db, user, draft.submission_key)
        return {(p.key, p.item) for p in refusal.problems}
    return set()


def test_each_answer_is_refused_past_its_limits_and_taken_at_them(demo_db):
    user = merch(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    skus = capture.checklist(demo_db, user, store, "en").skus.set_index("code")
    first, sku = skus.index[0], skus.index[1]  # sku is in stock

    def shelf(**answer):
        return lambda answers: answers["shelf"][sku].update(answer)

    for facings in (2.5, 0, 100):
        assert refused(demo_db, shelf(facings=facings)) == {("capture.error.facings", sku)}
    for level in (2.5, 0, 5, "2"):
        assert refused(demo_db, shelf(shelf_level=level)) == {("capture.error.level", sku)}
    assert refused(demo_db, shelf(fifo_ok="yes")) == {("capture.error.yes_no", sku)}
    for price in (0, -1, "12.50", 100_000):
        assert refused(demo_db, lambda a, p=price: a["price"][sku].update(shelf_price=p)) == {
            ("capture.error.shelf_price", sku)
        }
    for seen in ({"facings": 2.5}, {"product_code": [sku]}, {"product_code": "NO-SUCH"}):
        key = "capture.error.competitor_facings" if "facings" in seen else "capture.error.competitor_sku"
        assert refused(demo_db, lambda a, s=seen: a["competitors"][0].update(s)) == {(key, None)}
    implausible = round(float(skus.rrp[sku]) * (capture.PLAUSIBLE_PRICE_FACTOR + 1), 2)
    assert refused(demo_db, lambda a: a["price"][sku].update(shelf_price=implausible)) == {
        ("capture.error.price_implausible", sku)
    }
    pop = next(iter(capture.checklist(demo_db, user, store, "en").pop_types.code))
    assert refused(demo_db, lambda a: a["pop"][pop].update(condition="broken")) == {
        ("capture.error.pop_condition", pop)
    }
    unnamed = {"competitor_code": None, "competitor_other": "  "}
    # A brand no longer in the list (removed from the master data while a draft held it) is not saved by a
    # name typed under "other" before the brand was picked.
    gone = {"competitor_code": "C-REMOVED", "competitor_other": "Old brand"}
    for seen in (unnamed, gone):
        assert refused(demo_db, lambda a, s=seen: a["competitors"][0].update(s)) == {
            ("capture.error.competitor_brand", None)
        }
    for amount in (-0.01, capture.MAX_ORDER_AMOUNT + 1, "860"):
        assert refused(demo_db, lambda a, m=amount: a["visit"].update(order_placed=True, order_amount=m)) == {
            ("capture.error.order_amount", None)
        }
    long_product = {"product": "x" * (capture.TEXT_LIMITS["product"] + 1)}
    assert refused(demo_db, lambda a: a["competitors"][0].update(long_product)) == {
        ("capture.error.competitor_text", None)
    }
    too_long = "记" * (capture.TEXT_LIMITS["notes"] + 1)
    assert refused(demo_db, lambda a: a["visit"].update(notes=too_long)) == {("capture.error.notes", None)}

    def at_the_limits(answers):
        answers["shelf"][sku].update(shelf_level=4, facings=capture.MAX_FACINGS)
        answers["shelf"][first].update(in_stock=True, facings=1, shelf_level=1, fifo_ok=True)
        answers["price"][sku]["shelf_price"] = 0.01
        answers["competitors"][0].update(
            facings=capture.MAX_COMPETITOR_FACINGS,
            competitor_code=None,
            competitor_other="新来的品牌",
            normal_price=0.01,
        )
        answers["competitors"].append({"competitor_code": "C01", "kind": "display_change", "facings": 0})
        answers["visit"].update(notes=too_long[:-1], order_placed=True, order_amount=0)

    assert refused(demo_db, at_the_limits) == set()


def test_a_submit_counts_the_prices_and_opens_actions_with_the_rules_in_force(demo_db):
    """A shelf price 20 % under the RRP fails the price check and opens (or is seen again by) a price action; a
    competitor's flash price 20 % under our comparable product's RRP asks for a response."""
    user = merch(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    skus = capture.checklist(demo_db, user, store, "en").skus.set_index("code")
    under, compared = skus.index[1], skus.index[2]

    def seen(kind: str, item: str) -> int:
        return demo_db.query_one(
            "SELECT coalesce(sum(seen_count), 0) FROM actions WHERE store_code = ? AND kind = ? AND item = ?",
            [store, kind, item],
        )[0]

    before = seen("price", under), seen("competitor", compared)

    def cheap(answers):
        answers["price"][under]["shelf_price"] = round(skus.rrp[under] * 0.8, 2)
        answers["competitors"][0].update(product_code=compared, flash_price=round(skus.rrp[compared] * 0.8, 2))

    done = capture.submit(demo_db, user, draft_with(demo_db, cheap, store).submission_key)
    assert (seen("price", under), seen("competitor", compared)) == (before[0] + 1, before[1] + 1)
    checked, passed = demo_db.query_one(
        "SELECT sum(price_checked), sum(price_ok) FROM audit_sku_metrics WHERE audit_id = ?", [done.audit_id]
    )
    in_stock = demo_db.query_one("SELECT count(*) FROM audit_lines WHERE audit_id = ? AND in_stock", [done.audit_id])[0]
    assert (checked, passed) == (in_stock, in_stock - 1)


def test_answers_confirmed_as_last_time_need_a_shelf_photo(demo_db):
    """A line confirmed in bulk (previous.HOW_BULK) rests on the shelf photo; without one submit refuses."""
    user = merch(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    pop = next(iter(capture.checklist(demo_db, user, store, "en").pop_types.code))

    def confirmed(answers):
        answers["pop"][pop]["how"] = previous.HOW_BULK

    assert refused(demo_db, confirmed) == {("capture.error.bulk_needs_photo", None)}
    draft = draft_with(demo_db, confirmed, store)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(5)), previous.EVIDENCE_SECTION)
    assert capture.submit(demo_db, user, draft.submission_key).created


def test_a_checklist_is_only_for_those_who_record_audits(demo_db):
    store = capture.store_queue(demo_db, merch(demo_db), "en").code.iloc[0]
    asked = capture.checklist(demo_db, merch(demo_db), store, "en")
    channel = demo_db.query_one("SELECT channel FROM stores WHERE code = ?", [store])[0]
    assert (asked.store_code, asked.channel) == (store, channel)
    for name in ("manager", "dealer01"):
        with pytest.raises(capture.CaptureError) as refused_:
            capture.checklist(demo_db, auth.get_user(demo_db, name), store, "en")
        assert refused_.value.key == "capture.error.not_allowed"


def test_a_price_over_five_times_the_rrp_is_implausible_under_one_unit_too():
    assert capture.price_implausible(0.50, 3.00) and capture.price_implausible(0.10, 0.60)
    assert not capture.price_implausible(0.50, 2.50) and not capture.price_implausible(None, 3.00)
