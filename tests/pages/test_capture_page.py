"""The Audit page through AppTest: a whole visit, validation, resuming a draft in a new session."""

import io

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from audit import auth, capture, photos, scoring, settings
from audit.ui import capture_form
from tests.helpers.apptest import group, session
from tests.helpers.badinput import as_shown
from tests.helpers.paths import APP


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 160, 90)).save(out, "JPEG")
    return out.getvalue()


def tap(at, key):
    next(b for b in at.button if b.key == key).click().run()
    assert not at.exception, at.exception


def test_a_whole_visit_from_the_queue_to_the_summary(demo_db):
    user = auth.get_user(demo_db, "merch01")
    at = session(demo_db)
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    next(b for b in at.button if b.key == f"open_{store}").click().run()
    assert "found:" in "\n".join(m.value for m in at.markdown) or "No earlier audit" in "\n".join(
        m.value for m in at.markdown
    )
    next(b for b in at.button if b.key == "capture_start").click().run()
    draft = capture.get_draft(demo_db, user, store)
    prefix, checklist = draft.submission_key[:8], capture.checklist(demo_db, user, store, "en")

    codes = list(checklist.skus.code)
    for i, code in enumerate(codes):
        group(at, f"{prefix}:s:{code}:stock").set_value(i % 3 != 0)
    at.run()
    for i, code in enumerate(codes):
        if i % 3:
            at.number_input(key=f"{prefix}:s:{code}:facings").set_value(2 + i % 4)
            group(at, f"{prefix}:s:{code}:level").set_value(2)
        else:
            group(at, f"{prefix}:s:{code}:restocked").set_value(False)
    group(at, f"{prefix}:s:{codes[2]}:problems").set_value(["near_expiry", "damaged"])  # marked: seen
    at.run()
    assert not at.exception
    saved = capture.get_draft(demo_db, user, store).answers["shelf"]
    # Nothing marked means no problem seen; a line answered here is checked one by one.
    assert saved[codes[1]] == {
        "in_stock": True,
        "facings": 3,
        "shelf_level": 2,
        "fifo_ok": True,
        "near_expiry": False,
        "damaged": False,
        "how": "checked",
    }
    assert (saved[codes[2]]["fifo_ok"], saved[codes[2]]["near_expiry"], saved[codes[2]]["damaged"]) == (
        True,
        True,
        True,
    )

    # A reload (a new session) resumes with every answer in place.
    again = session(demo_db, store=store)
    assert again.number_input(key=f"{prefix}:s:{codes[1]}:facings").value == 3
    assert group(again, f"{prefix}:s:{codes[0]}:stock").value is False

    tap(at, "capture_next")  # to Price tags
    for code in codes:
        group(at, f"{prefix}:p:{code}:present").set_value(False)
    at.number_input(key=f"{prefix}:p:{codes[1]}:price").set_value(round(float(checklist.skus.rrp.iloc[1]) * 0.8, 2))
    at.run()
    assert any("possible unauthorised discount" in w.value for w in at.warning)

    tap(at, "capture_next")  # to POP
    for code in checklist.pop_types.code:
        group(at, f"{prefix}:pop:{code}").set_value(False)
    at.run()

    tap(at, "capture_next")  # to Competitors
    next(b for b in at.button if b.key == f"{prefix}:add_observation").click().run()
    group(at, f"{prefix}:c:0:brand").set_value("C01")
    group(at, f"{prefix}:c:0:kind").set_value("promotion")
    at.number_input(key=f"{prefix}:c:0:normal_price").set_value(4.5)
    at.number_input(key=f"{prefix}:c:0:promo_price").set_value(3.9)
    at.run()
    next(b for b in at.button if b.key == f"{prefix}:add_observation").click().run()
    next(b for b in at.button if b.key == f"{prefix}:c:1:remove").click().run()
    seen = capture.get_draft(demo_db, user, store).answers["competitors"]
    assert [(o["competitor_code"], o["kind"], o["normal_price"], o["promo_price"]) for o in seen] == [
        ("C01", "promotion", 4.5, 3.9)
    ]

    tap(at, "capture_next")  # to Photos
    tap(at, "capture_next")  # to Visit
    group(at, f"{prefix}:v:order").set_value(True).run()
    at.number_input(key=f"{prefix}:v:amount").set_value(500.0)
    next(b for b in at.button if b.key == "capture_submit").click().run()
    assert [e.value for e in at.error] == ["1 answer missing or invalid: the audit is kept as a draft."]
    missing = [b for b in at.button if b.key == "capture_problem_0"]
    assert [as_shown(b.label) for b in missing] == ["Photos: Add at least one photo of the store."]
    missing[0].click().run()  # the missing answer is a tap away: it opens the Photos step
    assert group(at, f"{prefix}:step").value == 4
    at.file_uploader(key=f"{prefix}:upload").set_value(("shop.jpg", jpeg(), "image/jpeg")).run()
    assert not at.exception
    assert len(capture.draft_photos(demo_db, draft)) == 1

    tap(at, "capture_next")  # to Visit
    next(b for b in at.button if b.key == "capture_submit").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Audit submitted."]
    audit_id = demo_db.query_one("SELECT id FROM audits WHERE submission_key = ?", [draft.submission_key])[0]
    rules = settings.load(demo_db)
    score = scoring.audit_score(demo_db, user, audit_id, rules)
    heading = f"**Compliance score of this audit: {score['score']:.1f}** "
    assert any(
        m.value.startswith(heading) and f"[{rules.band(score['score']).capitalize()}]" in m.value for m in at.markdown
    )
    assert any(f"Availability {score['availability']:.0f}" in m.value for m in at.markdown)
    stored = demo_db.query_one(
        "SELECT order_placed, order_amount FROM audits WHERE submission_key = ?", [draft.submission_key]
    )
    assert stored == (True, 500)
    assert capture.get_draft(demo_db, user, store) is None
    assert (
        demo_db.query_one(
            "SELECT count(*) FROM competitor_observations o JOIN audits a ON a.id = o.audit_id "
            "WHERE a.submission_key = ? AND o.kind = 'promotion'",
            [draft.submission_key],
        )[0]
        == 1
    )


def test_another_merchandisers_store_cannot_be_audited_by_url(demo_db):
    store = capture.store_queue(demo_db, auth.get_user(demo_db, "merch01"), "en").code.iloc[0]
    capture.open_draft(demo_db, auth.get_user(demo_db, "merch01"), store)
    at = session(demo_db, "merch02", store=store)
    assert [w.value for w in at.warning] == [f"Store {store} does not exist or is not one of your stores."]
    assert not [b for b in at.button if b.key == "capture_start"]


def test_an_unreadable_photo_gets_a_message_and_the_draft_stays(demo_db):
    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "zh").code.iloc[0]
    draft = capture.open_draft(demo_db, user, store)
    draft.step = 4
    capture.save_draft(demo_db, draft)
    at = session(demo_db, store=store)
    at.file_uploader(key=f"{draft.submission_key[:8]}:upload").set_value(("x.jpg", b"not a photo", "image/jpeg")).run()
    assert not at.exception
    # The message names the file (its "." escaped: the page renders Markdown).
    assert [e.value for e in at.error] == ["“x\\.jpg” is not a photo that can be read (JPEG, PNG, HEIC, WebP or GIF)."]
    assert capture.get_draft(demo_db, user, store) is not None


def test_managers_and_dealers_have_no_audit_page(demo_db):
    for username in ("manager", "dealer01"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["session_token"] = auth.start_session(demo_db, username)
        at.run()
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("views/capture.py")


def audits_page(db, username, audit_id=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(db, username)
    if audit_id is not None:
        at.query_params["audit"] = str(audit_id)
    at.run()
    at.switch_page("views/audits.py").run()
    assert not at.exception, at.exception
    return at


def test_my_audits_are_scoped_and_open_read_only_with_photo_flags(demo_db):
    own, me = demo_db.query_one(
        "SELECT a.id, a.merchandiser FROM audits a JOIN audit_photos p ON p.audit_id = a.id ORDER BY a.id DESC"
    )
    other = demo_db.query_one("SELECT id FROM audits WHERE merchandiser <> ? ORDER BY id DESC", [me])[0]
    with demo_db.write() as cur:
        cur.execute("UPDATE audit_photos SET flag_reused = TRUE WHERE audit_id = ?", [own])
    listed = audits_page(demo_db, me).dataframe[0].value
    assert set(listed.merchandiser) == {auth.get_user(demo_db, me).name("en")}
    assert len(set(audits_page(demo_db, "manager").dataframe[0].value.merchandiser)) > 1

    at = audits_page(demo_db, me, own)
    assert len(at.image) >= 1  # the thumbnails
    assert any("Possible reused photo" in m.value for m in at.markdown)
    assert len(at.dataframe) >= 1 and not at.text_input  # read-only: a record, not a form
    refused = audits_page(demo_db, me, other)
    assert [w.value for w in refused.warning] == [f"Audit {other} does not exist or is not one you may see."]
    assert not audits_page(demo_db, "manager", other).warning


def test_a_decimal_comma_price_and_zero_facings_are_flagged_on_the_spot_with_submits_message(demo_db):
    from audit import i18n

    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    draft = capture.open_draft(demo_db, user, store)
    checklist = capture.checklist(demo_db, user, store, "en")
    first = checklist.skus.iloc[0]
    draft.answers = {"shelf": {first.code: {"in_stock": True, "facings": 0}}}  # saved before the limits agreed
    capture.save_draft(demo_db, draft)
    at = session(demo_db, store=store)
    prefix = draft.submission_key[:8]
    facings = i18n.t("capture.error.facings", "en", sku=first["name"], **capture.FACINGS_LIMITS)
    assert facings in [e.value for e in at.error]
    assert at.number_input(key=f"{prefix}:s:{first.code}:facings").proto.min == capture.MIN_FACINGS

    group(at, f"{prefix}:step").set_value(1).run()
    at.number_input(key=f"{prefix}:p:{first.code}:price").set_value(float(first.rrp) * 100).run()
    [problem] = [
        p
        for p in capture.validate(checklist, capture.get_draft(demo_db, user, store).answers, [])
        if p.key == "capture.error.price_implausible"
    ]
    assert i18n.t(problem.key, "en", **problem.values) in [as_shown(w.value) for w in at.warning]
    assert capture.get_draft(demo_db, user, store).answers["price"][first.code]["shelf_price"] == float(first.rrp) * 100


def test_a_store_audited_today_says_so_before_a_second_audit(demo_db):
    from audit import photos
    from tests.helpers.audits import complete_answers, picture

    user = auth.get_user(demo_db, "merch01")
    queue = capture.store_queue(demo_db, user, "en")
    audited, other = queue[queue.days_since != 0].code.iloc[:2]
    draft = capture.open_draft(demo_db, user, audited)
    draft.answers = complete_answers(capture.checklist(demo_db, user, audited, "en"))
    capture.save_draft(demo_db, draft)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(7)), "store")
    capture.submit(demo_db, user, draft.submission_key)

    notice = "This store was already audited today. Another audit now counts as an unplanned visit."
    for code, expected in ((audited, [notice]), (other, [])):
        at = session(demo_db)
        next(b for b in at.button if b.key == f"open_{code}").click().run()
        assert [i.value for i in at.info] == expected
        assert [b for b in at.button if b.key == "capture_start"]  # warned, not prevented


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_next_and_previous_walk_every_section_and_back(demo_db, lang):
    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    prefix = capture.open_draft(demo_db, user, store).submission_key[:8]
    at = session(demo_db, store=store)
    at.session_state["lang"] = lang
    at.run()
    steps = len(capture_form.STEPS)
    for step in range(1, steps):
        tap(at, "capture_next")
        assert group(at, f"{prefix}:step").value == step
        assert capture.get_draft(demo_db, user, store).step == step  # a reload resumes here
    assert [b.key for b in at.button if b.key == "capture_submit"] and not [
        b for b in at.button if b.key == "capture_next"
    ]
    for step in reversed(range(steps - 1)):
        tap(at, "capture_prev")
        assert group(at, f"{prefix}:step").value == step
    assert not [b for b in at.button if b.key == "capture_prev"]
    for _ in range(steps - 1):  # and forward again: Submit comes back on the last section
        tap(at, "capture_next")
    assert [b.key for b in at.button if b.key == "capture_submit"]
    assert not at.error


def test_a_shelf_confirmed_as_last_time_in_one_tap_then_one_change(demo_db):
    from tests.helpers.audits import audited_store, picture

    user = auth.get_user(demo_db, "merch01")
    store = audited_store(demo_db)
    draft = capture.open_draft(demo_db, user, store)
    prefix, checklist = draft.submission_key[:8], capture.checklist(demo_db, user, store, "en")
    at = session(demo_db, store=store)
    bulk = f"{prefix}:bulk:shelf-price"
    assert next(b for b in at.button if b.key == bulk).disabled  # no shelf photo yet
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(8)), "shelf")
    at.run()
    tap(at, bulk)
    answers = capture.get_draft(demo_db, user, store).answers
    stocked = [c for c in checklist.skus.code if answers["shelf"].get(c, {}).get("in_stock")]
    assert stocked and all(answers["shelf"][c]["how"] == "bulk" for c in answers["shelf"])
    first = stocked[0]
    shown = at.number_input(key=f"{prefix}:s:{first}:facings")
    assert shown.value == answers["shelf"][first]["facings"]  # the rows show what was confirmed
    shown.set_value(shown.value % 9 + 1).run()
    changed = capture.get_draft(demo_db, user, store).answers["shelf"][first]
    assert changed["how"] == "checked" and changed["facings"] == shown.value
    assert not [b for b in at.button if b.key == bulk]  # nothing left to confirm


def test_an_unfinished_audit_comes_first_and_the_summary_says_what_was_found_and_when_nothing_is_due(demo_db):
    user = auth.get_user(demo_db, "merch01")
    queue = capture.store_queue(demo_db, user, "en")
    last = queue.code.iloc[-1]  # the store least due: a draft must still come first
    capture.open_draft(demo_db, user, last)
    at = session(demo_db)
    first = next(b for b in at.button if b.key and b.key.startswith(("open_", "resume_")))
    assert first.key == f"resume_{last}"
    assert at.subheader[0].value == "Unfinished audits"


def test_the_summary_lists_freshness_problems_and_says_when_nothing_else_is_due(demo_db, demo_dir):
    from datetime import datetime

    from tests.helpers.audits import complete_answers, picture

    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    with demo_db.write() as cur:  # merch01 keeps this one store, and no plan elsewhere
        cur.execute("UPDATE stores SET merchandiser = 'merch02' WHERE merchandiser = 'merch01' AND code <> ?", [store])
        cur.execute("DELETE FROM planned_visits WHERE merchandiser = 'merch01'")
    draft = capture.open_draft(demo_db, user, store, now=datetime.now())
    checklist = capture.checklist(demo_db, user, store, "en")
    draft.answers = complete_answers(checklist)
    stocked = [c for c, line in draft.answers["shelf"].items() if line["in_stock"]]
    draft.answers["shelf"][stocked[0]].update(near_expiry=True, damaged=True)
    capture.save_draft(demo_db, draft)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(21)), "store")
    audit_id = capture.submit(demo_db, user, draft.submission_key).audit_id
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "merch01")
    at.session_state["capture_submitted"] = (store, audit_id)
    at.run().switch_page("views/capture.py").run()
    assert not at.exception, at.exception
    name = checklist.skus.set_index("code").name[stocked[0]]
    found = as_shown("\n".join(m.value for m in at.markdown))
    assert f"Freshness: {name} (Near expiry), {name} (Damaged)" in found
    assert [i.value for i in at.info] == ["Nothing else is due today: every store on your list is up to date."]
    tap(at, "capture_done")
    assert not at.info or at.info[0].value != "Nothing else is due today: every store on your list is up to date."


def test_discarding_a_draft_asks_first(demo_db):
    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    capture.open_draft(demo_db, user, store)
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "merch01")
    at.run().switch_page("views/audits.py").run()
    discard = [p for p in at.get("popover") if "Discard" in p.proto.popover.label]
    assert len(discard) == 1  # the button only opens the question; the draft is still there
    assert capture.get_draft(demo_db, user, store) is not None
    assert "cannot be undone" in "\n".join(m.value for m in discard[0].markdown)
    tap(at, f"discard_{store}")  # "Yes, throw it away"
    assert capture.get_draft(demo_db, user, store) is None


@pytest.mark.parametrize(
    "page, key, param", [("views/stores.py", "store_table", "store"), ("views/audits.py", "audits_table", "audit")]
)
def test_tapping_any_cell_of_a_row_opens_it(demo_db, page, key, param):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(demo_db, "manager")
    at.run().switch_page(page).run()
    table = next(d for d in at.dataframe if d.proto.id and key in d.proto.id).value
    at.session_state[key] = {"selection": {"rows": [], "columns": [], "cells": [[1, table.columns[2]]]}}
    at.run()
    assert not at.exception, at.exception
    expected = table.iloc[1]["code" if param == "store" else "id"]
    assert at.query_params[param] == str(expected)


def test_optional_questions_say_so_and_required_ones_do_not(demo_db):
    user = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, user, "en").code.iloc[0]
    draft = capture.open_draft(demo_db, user, store)
    draft.answers = {"competitors": [{"id": 0}], "visit": {"order_placed": True}}
    draft.step = 3
    capture.save_draft(demo_db, draft)
    at = session(demo_db, store=store)
    prefix = draft.submission_key[:8]
    labels = {w.label for w in (*at.text_input, *at.number_input, *at.selectbox, *at.text_area)}
    assert {"Product · optional", "Normal price · optional", "Note · optional"} <= labels
    assert group(at, f"{prefix}:c:0:brand").label == "Brand"  # required: no mark
    tap(at, "capture_next")
    tap(at, "capture_next")  # to Visit
    assert at.number_input(key=f"{prefix}:v:amount").label == "Order amount (¥) · optional"
    assert at.text_area(key=f"{prefix}:v:notes").label == "Notes · optional"
