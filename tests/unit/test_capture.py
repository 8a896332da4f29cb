"""Recording a visit: drafts that survive anything, validation that names the problem, one audit per submit."""

import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from PIL import Image

from audit import auth, capture, i18n, photos, replica
from audit.capture import CaptureError, SubmitRefused
from tests.helpers.audits import complete_answers, merch, picture


def first_store(db, username="merch01"):
    return db.query_one("SELECT code FROM stores WHERE merchandiser = ? ORDER BY code", [username])[0]


@pytest.fixture
def ready_draft(demo_db, demo_dir):
    user, store = merch(demo_db), first_store(demo_db)
    draft = capture.open_draft(demo_db, user, store, now=datetime(2026, 11, 21, 9, 0))
    draft.answers = complete_answers(capture.checklist(demo_db, user, store, "en"))
    capture.save_draft(demo_db, draft)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(1)), "store")
    return draft


def test_a_draft_resumes_exactly_where_it_was(demo_db):
    user, store = merch(demo_db), first_store(demo_db)
    draft = capture.open_draft(demo_db, user, store)
    draft.step, draft.answers = 2, {"shelf": {"P101": {"in_stock": True, "facings": 4}}}
    capture.save_draft(demo_db, draft)
    again = capture.open_draft(demo_db, user, store)  # a reload, another tablet
    assert (again.submission_key, again.step, again.answers) == (draft.submission_key, 2, draft.answers)
    assert capture.list_drafts(demo_db, user, "zh").store_code.tolist() == [store]
    capture.discard_draft(demo_db, user, draft.submission_key)
    assert capture.get_draft(demo_db, user, store) is None


def test_nobody_audits_a_store_that_is_not_theirs(demo_db):
    other = first_store(demo_db, "merch02")
    with pytest.raises(CaptureError) as caught:
        capture.open_draft(demo_db, merch(demo_db), other)
    assert caught.value.message("en") == f"Store {other} does not exist or is not one of your stores."


def test_the_checklist_is_the_channels_must_stock_skus_and_required_pop(demo_db):
    store = first_store(demo_db)
    checklist = capture.checklist(demo_db, merch(demo_db), store, "zh", extra_skus=["P101"])
    channel = demo_db.query_one("SELECT channel FROM stores WHERE code = ?", [store])[0]
    must = {
        r[0]
        for r in demo_db.cursor()
        .execute("SELECT code FROM products WHERE list_contains(must_stock_channels, ?)", [channel])
        .fetchall()
    }
    assert set(checklist.skus[checklist.skus.must_stock].code) == must
    assert "P101" in set(checklist.skus.code)
    # must-stock first
    assert checklist.skus.must_stock.tolist() == sorted(checklist.skus.must_stock.tolist(), reverse=True)


def test_validation_names_each_missing_answer_and_nothing_is_prefilled(demo_db):
    store = first_store(demo_db)
    checklist = capture.checklist(demo_db, merch(demo_db), store, "en")
    problems = capture.validate(checklist, {}, [])
    keys = [p.key for p in problems]
    assert keys.count("capture.error.stock_unanswered") == len(checklist.skus)
    assert keys.count("capture.error.tag_unanswered") == len(checklist.skus)
    assert keys.count("capture.error.pop_unanswered") == len(checklist.pop_types)
    assert keys[-2:] == ["capture.error.store_photo", "capture.error.order_unanswered"]
    answers = complete_answers(checklist)
    first = checklist.skus.iloc[1]
    answers["shelf"][first.code].update(facings=-2, shelf_level=None)
    answers["competitors"].append({"competitor_other": " ", "kind": "bribe", "normal_price": "abc"})
    messages = [i18n.t(p.key, "zh", **p.values) for p in capture.validate(checklist, answers, ["store"])]
    assert messages == [
        f"{first['name']}：排面数须为 1 至 99 的整数。",
        f"{first['name']}：请选择陈列层（1–4）。",
        "竞品记录 2：请选择品牌或填写名称。",
        "竞品记录 2：请选择活动类型。",
        "竞品记录 2：价格须为大于零的数字。",
    ]


def test_price_below_the_tolerance_is_flagged():
    assert capture.price_below_tolerance(10.0, 9.49, 0.05)
    assert not capture.price_below_tolerance(10.0, 9.5, 0.05)
    assert not capture.price_below_tolerance(10.0, None, 0.05)


def test_submit_stores_one_whole_audit_and_a_double_tap_changes_nothing(demo_db, ready_draft):
    user = merch(demo_db)
    before = demo_db.query_one("SELECT count(*) FROM audits")[0]
    done = capture.submit(demo_db, user, ready_draft.submission_key, now=datetime(2026, 11, 21, 9, 40))
    again = capture.submit(demo_db, user, ready_draft.submission_key)
    assert done.created and not again.created and again.audit_id == done.audit_id
    assert demo_db.query_one("SELECT count(*) FROM audits")[0] == before + 1
    header = demo_db.query_one(
        "SELECT store_code, merchandiser, started_at, submitted_at, order_placed, order_amount,"
        " notes, source FROM audits WHERE id = ?",
        [done.audit_id],
    )
    assert header == (
        ready_draft.store_code,
        "merch01",
        datetime(2026, 11, 21, 9, 0),
        datetime(2026, 11, 21, 9, 40),
        True,
        860,
        "店长要求补货",
        "app",
    )
    checklist = capture.checklist(demo_db, user, ready_draft.store_code, "en")
    one = lambda sql: demo_db.query_one(sql, [done.audit_id])[0]  # noqa: E731
    assert one("SELECT count(*) FROM audit_lines WHERE audit_id = ?") == len(checklist.skus)
    assert one(
        "SELECT count(*) FROM audit_lines WHERE audit_id = ? AND NOT in_stock AND facings = 0 AND shelf_level IS NULL"
    ) == len(checklist.skus[::4])
    assert one("SELECT count(*) FROM audit_pop WHERE audit_id = ? AND present") == len(checklist.pop_types)
    assert one("SELECT kind FROM competitor_observations WHERE audit_id = ?") == "promotion"
    assert one("SELECT count(*) FROM audit_photos WHERE audit_id = ? AND section = 'store'") == 1
    assert capture.get_draft(demo_db, user, ready_draft.store_code) is None


def test_an_incomplete_submit_keeps_the_draft(demo_db, ready_draft):
    ready_draft.answers["visit"] = {}
    capture.save_draft(demo_db, ready_draft)
    with pytest.raises(SubmitRefused) as caught:
        capture.submit(demo_db, merch(demo_db), ready_draft.submission_key)
    assert [p.key for p in caught.value.problems] == ["capture.error.order_unanswered"]
    assert caught.value.message("en") == "1 answer missing or invalid: the audit is kept as a draft."
    assert capture.get_draft(demo_db, merch(demo_db), ready_draft.store_code).answers == ready_draft.answers


def test_many_taps_at_once_make_exactly_one_audit(demo_db, ready_draft, monkeypatch):
    # A slow transaction (a busy server) that reads after the others queued behind it; on PostgreSQL every read
    # first catches up with the shared database. The queued taps once held every pooled connection, and the
    # first one's read waited for the pool's 30 s timeout.
    monkeypatch.setattr(replica, "FRESH_SECONDS", 0)
    link_photos = capture._insert_photos
    monkeypatch.setattr(capture, "_insert_photos", lambda *args: (time.sleep(0.5), link_photos(*args)))
    user = merch(demo_db)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: capture.submit(demo_db, user, ready_draft.submission_key), range(16)))
    assert sum(r.created for r in results) == 1
    assert len({r.audit_id for r in results}) == 1
    assert (
        demo_db.query_one("SELECT count(*) FROM audits WHERE submission_key = ?", [ready_draft.submission_key])[0] == 1
    )


def test_reused_and_old_photos_are_flagged(demo_db, ready_draft):
    user = merch(demo_db)
    first = capture.submit(demo_db, user, ready_draft.submission_key)
    store = demo_db.query_one("SELECT code FROM stores WHERE merchandiser = 'merch01' ORDER BY code DESC")[0]
    draft = capture.open_draft(demo_db, user, store, now=datetime(2026, 11, 22, 10, 0))
    draft.answers = complete_answers(capture.checklist(demo_db, user, store, "en"))
    capture.save_draft(demo_db, draft)
    # The same picture again, slightly recompressed, and a picture taken three days before the visit.
    image = Image.open(io.BytesIO(picture(1)))
    recompressed = io.BytesIO()
    image.save(recompressed, "JPEG", quality=60)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(recompressed.getvalue()), "store")
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(7, datetime(2026, 11, 19, 8, 0))), "shelf")
    second = capture.submit(demo_db, user, draft.submission_key)
    flags = dict(
        (
            (section, (reused, old))
            for section, reused, old in demo_db.cursor()
            .execute("SELECT section, flag_reused, flag_old FROM audit_photos WHERE audit_id = ?", [second.audit_id])
            .fetchall()
        )
    )
    assert flags == {"store": (True, False), "shelf": (False, True)}
    assert demo_db.query_one("SELECT flag_reused FROM audit_photos WHERE audit_id = ?", [first.audit_id])[0] is False


def test_a_merchandiser_cannot_submit_someone_elses_draft(demo_db, ready_draft):
    with pytest.raises(CaptureError) as caught:
        capture.submit(demo_db, auth.get_user(demo_db, "merch02"), ready_draft.submission_key)
    assert caught.value.key == "capture.error.no_draft"


def test_a_photo_added_to_a_draft_another_tablet_just_submitted_is_refused(demo_db, ready_draft):
    capture.submit(demo_db, merch(demo_db), ready_draft.submission_key, now=datetime(2026, 11, 21, 9, 30))
    rows_before = demo_db.query_one("SELECT count(*) FROM draft_photos")[0]
    with pytest.raises(CaptureError) as refused:  # the stale draft still held by the other tablet
        capture.add_draft_photo(demo_db, ready_draft, photos.process_photo(picture(5)), "shelf")
    assert refused.value.message("en") == "This audit is no longer open: it was submitted or discarded."
    assert demo_db.query_one("SELECT count(*) FROM draft_photos")[0] == rows_before


def test_a_price_more_than_five_times_the_rrp_is_implausible():
    assert capture.price_implausible(7.9, 1250.0)  # "12,50" read as 1250
    assert capture.price_implausible(7.9, 79.0)  # "7,9" read as 79
    assert not capture.price_implausible(7.9, 7.9 * 5)  # exactly 5 × is still possible
    assert not capture.price_implausible(7.9, 15.8)
    assert not capture.price_implausible(7.9, None)
    assert not capture.price_implausible(None, 1250.0)  # no RRP to compare with
    problem = capture.shelf_price_problem("Jasmine Tea", 7.9, 1250.0)
    assert i18n.t(problem.key, "en", **problem.values) == (
        "Jasmine Tea: ¥1,250.00 is more than 5 × the RRP ¥7.90 — check the decimal point."
    )
    assert (
        i18n.t(problem.key, "zh", **problem.values)
        == "Jasmine Tea：¥1,250.00 超过建议零售价 ¥7.90 的 5 倍，请检查小数点。"
    )
    assert capture.shelf_price_problem("Jasmine Tea", 7.9, 15.8) is None


def _sku_with_rrp(demo_db, draft) -> tuple:
    checklist = capture.checklist(demo_db, merch(demo_db), draft.store_code, "en")
    sku = checklist.skus[checklist.skus.rrp > 0].iloc[0]
    return sku.code, sku["name"], float(sku.rrp)


def test_a_shelf_price_typed_with_a_decimal_comma_is_refused_and_the_draft_kept(demo_db, ready_draft):
    user = merch(demo_db)
    code, name, rrp = _sku_with_rrp(demo_db, ready_draft)
    ready_draft.answers["price"][code]["shelf_price"] = round(rrp * 100, 2)  # "7,90" read as 790
    capture.save_draft(demo_db, ready_draft)
    with pytest.raises(SubmitRefused) as caught:
        capture.submit(demo_db, user, ready_draft.submission_key)
    [problem] = caught.value.problems
    assert (problem.section, problem.key) == ("price", "capture.error.price_implausible")
    assert i18n.t(problem.key, "en", **problem.values) == (
        f"{name}: {i18n.fmt_money(rrp * 100)} is more than 5 × the RRP {i18n.fmt_money(rrp)} — check the decimal point."
    )
    assert capture.get_draft(demo_db, user, ready_draft.store_code).answers == ready_draft.answers
    ready_draft.answers["price"][code]["shelf_price"] = round(rrp * 2, 2)  # dear, but a price a store may ask
    capture.save_draft(demo_db, ready_draft)
    assert capture.submit(demo_db, user, ready_draft.submission_key).created


def test_a_competitor_price_is_checked_against_the_rrp_of_the_product_it_is_compared_with(demo_db, ready_draft):
    user = merch(demo_db)
    code, name, rrp = _sku_with_rrp(demo_db, ready_draft)
    seen = ready_draft.answers["competitors"][0]
    seen.update(normal_price=1250.0, promo_price=rrp * 2, flash_price=None, product_code=None)
    checklist = capture.checklist(demo_db, user, ready_draft.store_code, "en")
    assert capture.validate(checklist, ready_draft.answers, ["store"]) == []  # no product named: nothing to compare
    seen["product_code"] = code
    capture.save_draft(demo_db, ready_draft)
    with pytest.raises(SubmitRefused) as caught:
        capture.submit(demo_db, user, ready_draft.submission_key)
    [problem] = caught.value.problems
    assert problem.key == "capture.error.competitor_price_implausible"
    assert i18n.t(problem.key, "en", **problem.values) == (
        f"Competitor observation 1: ¥1,250.00 is more than 5 × the RRP {i18n.fmt_money(rrp)} of {name}"
        " — check the decimal point."
    )
    assert i18n.t(problem.key, "zh", **problem.values).startswith("竞品记录 1：¥1,250.00 超过")
    seen["normal_price"] = rrp * 2
    capture.save_draft(demo_db, ready_draft)
    assert capture.submit(demo_db, user, ready_draft.submission_key).created


def test_facings_agree_between_the_field_and_submit(demo_db, ready_draft):
    """A product in stock has at least one facing: 0 is refused, with the limits the field uses."""
    checklist = capture.checklist(demo_db, merch(demo_db), ready_draft.store_code, "en")
    line = next(line for line in ready_draft.answers["shelf"].values() if line["in_stock"])
    line["facings"] = 0
    [problem] = capture.validate(checklist, ready_draft.answers, ["store"])
    assert problem.values["min"] == capture.MIN_FACINGS == 1
    assert problem.values["max"] == capture.MAX_FACINGS == 99
    assert i18n.t(problem.key, "en", **problem.values).endswith("facings must be a whole number from 1 to 99.")
    line["facings"] = 1
    assert capture.validate(checklist, ready_draft.answers, ["store"]) == []


def test_the_same_photo_is_attached_once_per_section_and_can_be_removed(demo_db, ready_draft):
    user = merch(demo_db)
    again = photos.process_photo(picture(1))  # the store photo ready_draft already holds
    with pytest.raises(CaptureError) as refused:
        capture.add_draft_photo(demo_db, ready_draft, again, "store")
    assert refused.value.message("en") == "This photo is already attached to this section of the audit."
    assert refused.value.message("zh") == "这张照片已添加到本次检查的该类别中。"
    capture.add_draft_photo(demo_db, ready_draft, again, "shelf")  # the same picture may prove another section
    assert sorted(capture.draft_photos(demo_db, ready_draft).section) == ["shelf", "store"]

    capture.remove_draft_photo(demo_db, user, ready_draft.submission_key, again.sha256, "store")
    assert capture.draft_photos(demo_db, ready_draft).section.tolist() == ["shelf"]
    assert photos.photo_path(again.sha256).exists()  # the file stays: content-addressed, it may be shared
    assert demo_db.query_one("SELECT count(*) FROM photos WHERE sha256 = ?", [again.sha256])[0] == 1
    capture.add_draft_photo(demo_db, ready_draft, again, "store")  # removed, it can be attached again


def test_a_photo_is_removed_only_from_the_users_own_open_draft(demo_db, ready_draft):
    sha = capture.draft_photos(demo_db, ready_draft).photo_sha256.iloc[0]
    with pytest.raises(CaptureError) as refused:
        capture.remove_draft_photo(demo_db, auth.get_user(demo_db, "merch02"), ready_draft.submission_key, sha, "store")
    assert refused.value.key == "capture.error.no_draft"
    done = capture.submit(demo_db, merch(demo_db), ready_draft.submission_key)
    with pytest.raises(CaptureError) as refused:  # submitted meanwhile on another tablet
        capture.remove_draft_photo(demo_db, merch(demo_db), ready_draft.submission_key, sha, "store")
    assert refused.value.key == "capture.error.no_draft"
    assert demo_db.query_one("SELECT count(*) FROM audit_photos WHERE audit_id = ?", [done.audit_id])[0] == 1
