"""Actions through the services: findings open them with owners and due dates, the dealer marks one done, the
next audit verifies them with photos, and the loop measures match counts made by hand."""

from __future__ import annotations

import io
import threading
from datetime import date, datetime, timedelta

import openpyxl
import pypdfium2
import pytest

from audit import actions, auth, capture, exports, photos
from audit.db import Database
from audit.exports import ExportRequest
from audit.filters import DashboardFilters
from audit.masterdata import apply_import, prepare_import
from tests.helpers.audits import clean_answers, picture
from tests.helpers.paths import SAMPLES

STORE = "T0001"  # grade A, dealer D01 (account huamei), merchandiser zhang.min
MONDAY = datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def sample_db(db) -> Database:
    """The sample master data a company imports on day one: no audits, no actions."""
    for kind in ("dealers", "products", "pop_types", "competitors", "users", "stores"):
        preview = prepare_import(db, kind, (SAMPLES / f"{kind}.csv").read_bytes(), f"{kind}.csv")
        apply_import(db, preview)
    return db


def user(db, name):
    return auth.get_user(db, name)


def merch_of(db):
    return user(db, "zhang.min")


def audit(db, when: datetime, seed: int, checks=None, photo_sections=(), **found) -> int:
    """Submit one audit of STORE by zhang.min at `when`; `checks` answers the open actions: {id: fixed}, a
    photo attached for each fixed one."""
    merch = user(db, "zhang.min")
    draft = capture.open_draft(db, merch, STORE, now=when)
    draft.answers = clean_answers(capture.checklist(db, merch, STORE, "en"), **found)
    capture.add_draft_photo(db, draft, photos.process_photo(picture(seed)), "store")
    for n, section in enumerate(photo_sections):
        capture.add_draft_photo(db, draft, photos.process_photo(picture(seed * 10 + n + 1)), section)
    draft.answers["actions"] = {}
    for n, (action_id, fixed) in enumerate((checks or {}).items()):
        answer = {"fixed": fixed}
        if fixed:
            proof = photos.process_photo(picture(seed * 100 + n))
            capture.add_draft_photo(db, draft, proof, "other", caption=f"action {action_id}")
            answer["photo"] = proof.sha256
        draft.answers["actions"][str(action_id)] = answer
    capture.save_draft(db, draft)
    return capture.submit(db, merch, draft.submission_key, "en", now=when + timedelta(minutes=40)).audit_id


def by_kind(db, viewer) -> dict[str, dict]:
    return {
        row["kind"]: row for row in actions.open_actions(db, viewer, "en", today=date(2026, 11, 3)).to_dict("records")
    }


def events(db, action_id) -> list[str]:
    rows = db.cursor().execute("SELECT event FROM action_events WHERE action_id = ? ORDER BY seq", [action_id])
    return [r[0] for r in rows.fetchall()]


def test_the_loop_end_to_end_stock_out_and_missing_pop(sample_db):
    db = sample_db
    first = audit(db, MONDAY, 1, out={"P101"}, missing_pop={"poster"})
    manager = user(db, "chen.manager")
    found = by_kind(db, manager)
    assert set(found) == {"restock", "pop"}
    restock, pop = found["restock"], found["pop"]
    assert (restock["item"], restock["owner_role"], restock["owner"]) == ("P101", "dealer", "D01")
    assert (pop["item"], pop["owner_role"], pop["owner"]) == ("poster", "merchandiser", "zhang.min")
    assert restock["due_date"].date() == date(2026, 11, 6)  # grade A: four days
    assert restock["label"] == "Qingquan Green Tea 500ml" and pop["label"] == "Poster"

    dealer = user(db, "huamei")
    listed = actions.open_actions(db, dealer, "en", today=date(2026, 11, 3))
    assert listed.id.tolist() == [restock["id"], pop["id"]] and listed.mine.tolist() == [True, False]
    with pytest.raises(actions.ActionError) as refused:
        actions.mark_done(db, dealer, pop["id"], note="done")
    assert refused.value.key == "actions.error.not_yours"
    with pytest.raises(actions.ActionError) as refused:
        actions.mark_done(db, dealer, restock["id"])
    assert refused.value.key == "actions.error.done_needs_proof"
    done_at = datetime(2026, 11, 3, 15, 0)
    assert actions.mark_done(db, dealer, restock["id"], note="Delivered 2 cases", now=done_at)
    assert not actions.mark_done(db, dealer, restock["id"], note="Delivered 2 cases", now=done_at)  # double tap

    second_at = datetime(2026, 11, 5, 10, 0)
    second = audit(db, second_at, 2, checks={restock["id"]: True, pop["id"]: True})
    assert by_kind(db, manager) == {}
    assert actions.audit_outcome(db, merch_of(db), first) == {"opened": 2}
    assert actions.audit_outcome(db, merch_of(db), second) == {"verified": 2}
    assert actions.audit_outcome(db, user(db, "li.qiang"), second) == {}  # not a store of theirs
    assert events(db, restock["id"]) == ["opened", "done", "verified"]
    assert events(db, pop["id"]) == ["opened", "verified"]
    proofs = db.query_df(
        """SELECT e.action_id, e.audit_id, e.photo_sha256, a.section FROM action_events e
           JOIN audit_photos a ON a.audit_id = e.audit_id AND a.photo_sha256 = e.photo_sha256
           WHERE e.event = 'verified'"""
    )
    assert set(proofs.action_id) == {restock["id"], pop["id"]} and set(proofs.audit_id) == {second}
    assert set(proofs.section) == {"other"}
    first_events = db.query_df("SELECT DISTINCT audit_id FROM action_events WHERE event = 'opened'")
    assert first_events.audit_id.tolist() == [first]

    week = DashboardFilters(date(2026, 11, 2), date(2026, 11, 8))
    loop = actions.loop_measures(db, manager, week).set_index("period")
    opened_at, closed_at = MONDAY + timedelta(minutes=40), second_at + timedelta(minutes=40)
    by_hand_days = (closed_at - opened_at).total_seconds() / 86400  # both actions: the same opening and closing
    assert loop.loc["current", "opened"] == 2 and loop.loc["current", "fixed"] == 2
    assert loop.loc["current", "fix_rate"] == 1.0 and loop.loc["current", "fixed_by_owner"] == 1
    assert loop.loc["current", "median_days_to_fix"] == pytest.approx(by_hand_days)
    assert loop.loc["previous", "opened"] == 0
    assert actions.open_by(db, manager, week, "kind", "en").empty


def test_a_dealer_marks_done_with_a_photo_alone_and_the_store_card_shows_it(sample_db):
    db = sample_db
    audit(db, MONDAY, 1, out={"P101"})
    dealer = user(db, "huamei")
    (action_id,) = actions.open_actions(db, dealer, "en").id.tolist()
    proof = photos.process_photo(picture(7))
    assert actions.mark_done(db, dealer, action_id, photo=proof, now=datetime(2026, 11, 3, 15, 0))
    assert photos.photo_path(proof.sha256).exists()
    assert db.query_one("SELECT status FROM actions WHERE id = ?", [action_id])[0] == "done"
    history = actions.store_history(db, dealer, STORE, "en")
    (done,) = history[history.event == "done"].to_dict("records")
    assert (done["photo_sha256"], done["thumb_sha256"], done["note"]) == (proof.sha256, proof.thumb_sha256, None)


def test_a_problem_found_again_counts_on_its_open_action_and_comes_back_after_a_fix(sample_db):
    db = sample_db
    manager = user(db, "chen.manager")
    audit(db, MONDAY, 1, out={"P101"})
    audit(db, MONDAY + timedelta(days=1), 2, out={"P101"})
    (action,) = actions.open_actions(db, manager, "en").to_dict("records")
    assert action["seen_count"] == 2 and events(db, action["id"]) == ["opened", "seen_again"]
    audit(db, MONDAY + timedelta(days=2), 3, checks={action["id"]: True})
    audit(db, MONDAY + timedelta(days=3), 4, out={"P101"})
    week = DashboardFilters(date(2026, 11, 2), date(2026, 11, 8))
    (back,) = actions.recurring(db, manager, week, "en").to_dict("records")
    assert (back["store_code"], back["kind"], back["actions"], back["times_found"]) == (STORE, "restock", 2, 3)
    loop = actions.loop_measures(db, manager, week).set_index("period")
    assert (loop.loc["current", "opened"], loop.loc["current", "fixed"]) == (2, 1)
    assert loop.loc["current", "fix_rate"] == 0.5
    by_merch = actions.open_by(db, manager, week, "merchandiser", "en", today=date(2026, 11, 20))
    assert by_merch[["name", "open", "overdue"]].to_dict("records") == [{"name": "Zhang Min", "open": 1, "overdue": 1}]


def test_a_fix_on_the_spot_is_born_closed_with_the_audits_photo_as_proof(sample_db):
    db = sample_db
    with pytest.raises(capture.SubmitRefused) as refused:
        audit(db, MONDAY, 1, out={"P101"}, restocked={"P101"})  # no shelf photo
    assert [p.key for p in refused.value.problems] == ["actions.error.on_spot_photo.shelf"]
    audit(db, MONDAY, 2, out={"P101"}, restocked={"P101"}, photo_sections=("shelf",))
    row = db.query_one("SELECT id, status, resolution, closed_at FROM actions")
    assert row[1:3] == ("fixed", "on_spot")
    assert events(db, row[0]) == ["opened", "fixed_on_spot"]
    proof = db.query_one("SELECT photo_sha256 FROM action_events WHERE event = 'fixed_on_spot'")[0]
    assert db.query_one("SELECT section FROM audit_photos WHERE photo_sha256 = ?", [proof])[0] == "shelf"
    loop = actions.loop_measures(db, user(db, "chen.manager"), DashboardFilters(MONDAY.date(), MONDAY.date()))
    assert loop.fixed_on_spot.iloc[0] == 1 and loop.fix_rate.iloc[0] == 1.0
    assert loop.median_days_to_fix.isna().iloc[0]  # fixes on the spot take no time: left out of the median


def test_fixed_needs_its_photo_and_cannot_be_claimed_for_a_problem_found_again(sample_db):
    db = sample_db
    audit(db, MONDAY, 1, out={"P101"})
    (action_id,) = actions.open_actions(db, user(db, "chen.manager"), "en").id.tolist()
    merch = user(db, "zhang.min")
    draft = capture.open_draft(db, merch, STORE, now=MONDAY + timedelta(days=1))
    draft.answers = clean_answers(capture.checklist(db, merch, STORE, "en"), out={"P101"})
    draft.answers["actions"] = {str(action_id): {"fixed": True}}
    capture.add_draft_photo(db, draft, photos.process_photo(picture(5)), "store")
    capture.save_draft(db, draft)
    with pytest.raises(capture.SubmitRefused) as refused:
        capture.submit(db, merch, draft.submission_key, "en")
    assert [p.key for p in refused.value.problems] == ["actions.error.fixed_needs_photo"]
    proof = photos.process_photo(picture(6))
    capture.add_draft_photo(db, draft, proof, "other")
    draft.answers["actions"][str(action_id)]["photo"] = proof.sha256
    capture.save_draft(db, draft)
    with pytest.raises(actions.FoundAgain) as contradiction:
        capture.submit(db, merch, draft.submission_key, "en")
    assert "P101" in contradiction.value.message("en")
    assert db.query_one("SELECT count(*) FROM audits")[0] == 1  # nothing of the second audit was stored
    assert capture.get_draft(db, merch, STORE) is not None


def test_two_closes_at_once_leave_one_history(sample_db):
    db = sample_db
    audit(db, MONDAY, 1, out={"P101"})
    manager, dealer = user(db, "chen.manager"), user(db, "huamei")
    (action_id,) = actions.open_actions(db, manager, "en").id.tolist()
    barrier = threading.Barrier(4)
    results = []

    def close(fn, *args):
        barrier.wait()
        results.append(fn(db, *args))

    threads = [
        threading.Thread(target=close, args=(actions.cancel, manager, action_id, "store closed for works")),
        threading.Thread(target=close, args=(actions.cancel, manager, action_id, "store closed for works")),
        threading.Thread(target=close, args=(actions.cancel, user(db, "admin2"), action_id, "duplicate")),
        threading.Thread(target=close, args=(actions.cancel, manager, action_id, "store closed for works")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    assert events(db, action_id) == ["opened", "cancelled"]
    with pytest.raises(actions.ActionError) as refused:
        actions.mark_done(db, dealer, action_id, note="late")
    assert refused.value.key == "actions.error.closed"


def test_a_dealer_marking_done_while_an_audit_verifies_leaves_a_consistent_history(sample_db):
    db = sample_db
    audit(db, MONDAY, 1, out={"P101"})
    dealer = user(db, "huamei")
    (action_id,) = actions.open_actions(db, dealer, "en").id.tolist()
    barrier = threading.Barrier(2)
    outcome = {}

    def verify():
        barrier.wait()
        outcome["audit"] = audit(db, MONDAY + timedelta(days=1), 2, checks={action_id: True})

    def done():
        barrier.wait()
        try:
            outcome["done"] = actions.mark_done(db, dealer, action_id, note="delivered")
        except actions.ActionError as error:
            outcome["done"] = error.key

    threads = [threading.Thread(target=verify), threading.Thread(target=done)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = events(db, action_id)
    assert history in (["opened", "done", "verified"], ["opened", "verified"])
    assert outcome["done"] == (True if "done" in history else "actions.error.closed")
    assert db.query_one("SELECT status FROM actions WHERE id = ?", [action_id])[0] == "fixed"


def test_managers_add_reassign_and_cancel_with_a_reason(sample_db):
    db = sample_db
    manager = user(db, "chen.manager")
    now = datetime(2026, 11, 2, 8, 0)
    added = actions.add_action(db, manager, "T0003", "display", "Build the end cap by Friday", now=now)
    action = actions.get_action(db, manager, added, "en", today=now.date())
    assert (action["owner_role"], action["owner"], action["label"]) == (
        "merchandiser",
        "zhang.min",
        "Build the end cap by Friday",
    )
    assert action["due_date"].date() == date(2026, 11, 17)  # grade C: fifteen days
    actions.reassign(db, manager, added, "merchandiser", "li.qiang", date(2026, 11, 6), now=now)
    assert actions.get_action(db, manager, added, "en")["owner"] == "li.qiang"
    with pytest.raises(actions.ActionError) as refused:
        actions.reassign(db, manager, added, "dealer", "NOPE", now=now)
    assert refused.value.key == "actions.error.owner"
    with pytest.raises(actions.ActionError) as refused:
        actions.cancel(db, manager, added, "  ")
    assert refused.value.key == "actions.error.reason_missing"
    assert actions.cancel(db, manager, added, "Store refused the end cap", now=now)
    assert events(db, added) == ["opened", "reassigned", "due_changed", "cancelled"]
    history = actions.store_history(db, manager, "T0003", "en")
    assert history.event.tolist() == ["cancelled", "due_changed", "reassigned", "opened"]
    for who in ("zhang.min", "huamei"):
        with pytest.raises(actions.ActionError) as refused:
            actions.add_action(db, user(db, who), "T0003", "display", "x")
        assert refused.value.key == "actions.error.not_allowed"


def test_a_competitors_flash_sale_opens_an_action_by_the_managers_rule(sample_db):
    db = sample_db
    manager = user(db, "chen.manager")
    merch = user(db, "zhang.min")

    def audit_with_flash(when, flash_price, seed):
        draft = capture.open_draft(db, merch, STORE, now=when)
        draft.answers = clean_answers(capture.checklist(db, merch, STORE, "en"))
        draft.answers["competitors"] = [
            {"competitor_code": "C01", "kind": "promotion", "product_code": "P101", "flash_price": flash_price}
        ]
        capture.add_draft_photo(db, draft, photos.process_photo(picture(seed)), "store")
        capture.save_draft(db, draft)
        capture.submit(db, merch, draft.submission_key, "en", now=when)

    audit_with_flash(MONDAY, 3.3, 1)  # P101's RRP is 3.50: 5.7 % under, within the default 10 %
    assert actions.open_actions(db, manager, "en").empty
    actions.save_rules(db, manager, actions.ActionRules(flash_gap=0.05))
    audit_with_flash(MONDAY + timedelta(days=1), 3.3, 2)
    (action,) = actions.open_actions(db, manager, "en").to_dict("records")
    assert (action["kind"], action["item"], action["owner_role"]) == ("competitor", "P101", "dealer")
    with pytest.raises(actions.ActionError):
        actions.save_rules(db, merch, actions.ActionRules(flash_gap=None))


def test_a_tag_and_a_pop_put_right_on_the_spot_need_their_photos_and_are_born_closed(sample_db):
    db = sample_db
    merch = user(db, "zhang.min")
    draft = capture.open_draft(db, merch, STORE, now=MONDAY)
    draft.answers = clean_answers(capture.checklist(db, merch, STORE, "en"), missing_pop={"poster", "hanging_flag"})
    draft.answers["price"]["P101"].update(tag_legible=False, fixed_on_spot=True)
    draft.answers["pop"]["poster"]["fixed_on_spot"] = True  # the hanging flag stays missing
    capture.add_draft_photo(db, draft, photos.process_photo(picture(1)), "store")
    capture.save_draft(db, draft)
    with pytest.raises(capture.SubmitRefused) as refused:
        capture.submit(db, merch, draft.submission_key, "en", now=MONDAY)
    assert [p.key for p in refused.value.problems] == [
        "actions.error.on_spot_photo.pop",
        "actions.error.on_spot_photo.price",
    ]
    capture.add_draft_photo(db, draft, photos.process_photo(picture(2)), "price")
    capture.add_draft_photo(db, draft, photos.process_photo(picture(3)), "pop")
    capture.submit(db, merch, draft.submission_key, "en", now=MONDAY)
    rows = db.cursor().execute("SELECT kind, item, status, resolution FROM actions ORDER BY kind, item").fetchall()
    assert rows == [
        ("pop", "hanging_flag", "open", None),
        ("pop", "poster", "fixed", "on_spot"),
        ("tag", "P101", "fixed", "on_spot"),
    ]


def test_the_dealer_export_opens_with_the_dealers_open_actions(sample_db):
    db = sample_db
    audit(db, MONDAY, 1, out={"P101"}, missing_pop={"poster"})
    dealer = user(db, "huamei")
    request = ExportRequest("D01", date(2026, 10, 1), date(2026, 11, 8), "en", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(exports.export(db, dealer, request).data))
    assert book.sheetnames[0] == "Open actions"
    rows = list(book["Open actions"].iter_rows(values_only=True))
    assert [r[2:4] for r in rows[1:]] == [
        ("Stock-out", "Qingquan Green Tea 500ml"),
        ("POP missing or damaged", "Poster"),
    ]
    zh = ExportRequest("D01", date(2026, 10, 1), date(2026, 11, 8), "zh", "pdf")
    document = pypdfium2.PdfDocument(exports.export(db, dealer, zh, now=datetime(2026, 11, 3, 12)).data)
    cover, listed = (document[n].get_textpage().get_text_range() for n in (0, 1))
    assert "您门店今天共 2 项，逾期 0 项，由您负责 1 项" in cover
    assert "您门店的待处理事项（2）" in listed
    assert listed.index("缺货") < listed.index("POP缺失或破损")  # the dealer's own first
