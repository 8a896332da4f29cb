"""The actions on screen (AppTest, demo data): the dealer marks one done, the manager reassigns, cancels, adds
and sets the flash rule, the merchandiser meets the store's open actions first and answers them in the audit,
the store card shows every action's history. Every button added for actions is tapped here."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from audit import actions, auth, capture, photos
from tests.helpers.apptest import open_page as page
from tests.helpers.audits import clean_answers, picture


def button(at: AppTest, key: str):
    (found,) = [b for b in at.button if b.key == key]
    return found


def shown(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.markdown, *at.caption, *at.success, *at.error, *at.info, *at.warning))


def first_open(db, where: str, *params) -> dict:
    row = db.query_df(
        f"SELECT x.* FROM actions x JOIN stores s ON s.code = x.store_code WHERE x.status = 'open' AND {where}"
        " ORDER BY x.id LIMIT 1",
        list(params),
    )
    return row.iloc[0].to_dict()


def test_a_dealer_marks_their_action_done_with_a_note(demo_db):
    dealer = auth.get_user(demo_db, "dealer01")
    mine = first_open(demo_db, "x.owner_role = 'dealer' AND x.owner = ?", dealer.dealer_code)
    at = page(demo_db, "dealer01", "views/actions.py")
    assert at.subheader[0].value.startswith("Yours to do")
    assert f"done:{mine['id']}:submit" in {b.key for b in at.button}
    at = page(demo_db, "dealer01", "views/actions.py", action=str(mine["id"]))
    button(at, f"done:{mine['id']}:submit").click().run()
    assert [e.value for e in at.error] == ["Add a note or a photo that says what was done."]
    at.text_area(key=f"done:{mine['id']}:note").set_value("Delivered two cases")
    button(at, f"done:{mine['id']}:submit").click().run()
    assert [s.value for s in at.success] == ["Marked done: the next visit verifies it."]
    assert demo_db.query_one("SELECT status FROM actions WHERE id = ?", [mine["id"]])[0] == "done"
    assert "Marked done: the next visit verifies it." in shown(at)  # the card now waits for the visit
    assert f"done:{mine['id']}:submit" not in {b.key for b in at.button}
    button(at, "actions_all").click().run()
    assert not at.exception and at.subheader[0].value.startswith("Yours to do")


def test_a_dealer_page_in_chinese(demo_db):
    at = page(demo_db, "dealer01", "views/actions.py", lang="zh")
    assert at.title[0].value == "待办" and at.subheader[0].value.startswith("由您负责")
    assert "Stock-out" not in shown(at) and "缺货" in shown(at)


def test_a_manager_reassigns_cancels_adds_and_sets_the_flash_rule(demo_db):
    action = first_open(demo_db, "x.owner_role = 'merchandiser'")
    at = page(demo_db, "manager", "views/actions.py", action=str(action["id"]))
    assert [m.label for m in at.metric][:4] == ["Open now", "Overdue now", "Fix rate", "Median days to fix"]
    later = date.today() + timedelta(days=9)
    at.date_input(key="manage_due").set_value(later)
    button(at, "manage_reassign").click().run()
    assert [s.value for s in at.success] == ["Owner and due date saved."]
    assert demo_db.query_one("SELECT due_date FROM actions WHERE id = ?", [action["id"]])[0] == later
    button(at, "manage_cancel").click().run()
    assert [e.value for e in at.error] == ["Give a reason for cancelling."]
    at.text_input(key="manage_reason").set_value("Store under renovation")
    button(at, "manage_cancel").click().run()
    assert [s.value for s in at.success] == ["Action cancelled."]
    assert demo_db.query_one("SELECT status FROM actions WHERE id = ?", [action["id"]])[0] == "cancelled"

    store = demo_db.query_one("SELECT min(code) FROM stores")[0]
    at.selectbox(key="add_store").set_value(store)
    at.text_input(key="add_note").set_value("Build the end cap by Friday")
    button(at, "add_submit").click().run()
    assert [s.value for s in at.success] == ["Action added."]
    added = demo_db.query_one("SELECT id, kind, owner_role FROM actions WHERE note = 'Build the end cap by Friday'")
    assert added[1:] == ("display", "merchandiser") and at.query_params["action"] == str(added[0])
    button(at, "actions_close_manage").click().run()
    assert "action" not in at.query_params

    at.toggle(key="rule_on").set_value(False)
    button(at, "rule_save").click().run()
    assert actions.load_rules(demo_db).flash_gap is None
    at.toggle(key="rule_on").set_value(True)
    at.number_input(key="rule_gap").set_value(20)
    button(at, "rule_save").click().run()
    assert actions.load_rules(demo_db).flash_gap == pytest.approx(0.2)

    at.button_group(key="actions_by").set_value("region").run()
    regions = set(demo_db.query_df("SELECT name_en FROM regions").name_en)
    by_region = at.dataframe[0].value
    assert len(by_region) and set(by_region["name"]) <= regions


def test_tapping_a_cell_of_an_open_action_opens_that_action(demo_db):
    at = page(demo_db, "manager", "views/actions.py")
    table = next(d for d in at.dataframe if d.proto.id and "actions_table" in d.proto.id).value
    at.session_state["actions_table"] = {"selection": {"rows": [], "columns": [], "cells": [[1, table.columns[2]]]}}
    at.run()
    assert not at.exception, at.exception
    opened = demo_db.query_one(
        "SELECT store_code, seen_count, status FROM actions WHERE id = ?", [int(at.query_params["action"])]
    )
    assert opened == (table.iloc[1]["store_code"], table.iloc[1]["seen_count"], "open")
    assert "manage_reassign" in {b.key for b in at.button}  # the manager's card of that action is open


def test_the_merchandiser_meets_the_stores_open_actions_first_and_answers_them_in_the_audit(demo_db):
    merch = auth.get_user(demo_db, "merch01")
    store = first_open(demo_db, "s.merchandiser = 'merch01'")["store_code"]
    found = actions.open_actions(demo_db, merch, "en", store)
    at = page(demo_db, "merch01", "views/capture.py", store=store)
    assert at.markdown[0].value.startswith(f"**Open actions at this store ({len(found)})**")
    button(at, "capture_start").click().run()
    draft = capture.get_draft(demo_db, merch, store)
    prefix = draft.submission_key[:8]
    first, second = found.id.iloc[0], found.id.iloc[1]
    at.button_group(key=f"{prefix}:act:{second}").set_value(False).run()
    at.button_group(key=f"{prefix}:act:{first}").set_value(True).run()
    assert [u.label for u in at.get("file_uploader")] == ["Photo of the fix"]
    saved = capture.get_draft(demo_db, merch, store).answers["actions"]
    assert saved[str(second)] == {"fixed": False} and saved[str(first)] == {"fixed": True}
    # The proof as the camera would give it (AppTest cannot upload): then the row says it is attached.
    proof = photos.process_photo(picture(42))
    draft = capture.get_draft(demo_db, merch, store)
    capture.add_draft_photo(demo_db, draft, proof, "other")
    draft.answers["actions"][str(first)]["photo"] = proof.sha256
    capture.save_draft(demo_db, draft)
    at = page(demo_db, "merch01", "views/capture.py", store=store)
    assert "Photo attached: it proves the fix." in shown(at)
    assert photos.photo_path(proof.sha256).exists()


def test_the_store_card_shows_every_actions_history(demo_db):
    store = demo_db.query_one("SELECT store_code FROM actions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
    at = page(demo_db, "manager", "views/stores.py", store=store)
    assert "Actions at this store" in [s.value for s in at.subheader]
    events = demo_db.query_one(
        "SELECT count(*) FROM action_events e JOIN actions x ON x.id = e.action_id WHERE x.store_code = ?", [store]
    )[0]
    (table,) = [d for d in at.dataframe if "event" in d.value.columns]
    assert len(table.value) == min(events, 200)


def test_a_tag_and_a_pop_put_right_on_the_spot_are_one_toggle_each(demo_db):
    merch = auth.get_user(demo_db, "merch01")
    store = capture.store_queue(demo_db, merch, "en").code.iloc[0]
    capture.open_draft(demo_db, merch, store)
    draft = capture.get_draft(demo_db, merch, store)
    prefix, plan = draft.submission_key[:8], capture.checklist(demo_db, merch, store, "en")
    sku, pop = plan.skus.code.iloc[0], plan.pop_types.code.iloc[0]
    at = page(demo_db, "merch01", "views/capture.py", store=store)
    at.button_group(key=f"{prefix}:step").set_value(1).run()
    assert not [w for w in at.toggle if w.key == f"{prefix}:p:{sku}:on_spot"]  # asked only for a problem
    at.button_group(key=f"{prefix}:p:{sku}:present").set_value(False).run()
    at.toggle(key=f"{prefix}:p:{sku}:on_spot").set_value(True).run()
    at.button_group(key=f"{prefix}:step").set_value(2).run()
    at.button_group(key=f"{prefix}:pop:{pop}").set_value(False).run()
    at.toggle(key=f"{prefix}:pop:{pop}:on_spot").set_value(True).run()
    assert not at.exception
    saved = capture.get_draft(demo_db, merch, store).answers
    assert saved["price"][sku]["fixed_on_spot"] is True and saved["pop"][pop]["fixed_on_spot"] is True
    assert actions.fixed_on_spot(saved) >= {("tag", sku), ("pop", pop)}


def test_after_submit_the_audit_says_what_it_did_to_the_actions(demo_db):
    merch = auth.get_user(demo_db, "merch01")
    store = first_open(demo_db, "s.merchandiser = 'merch01'")["store_code"]
    kept = actions.open_actions(demo_db, merch, "en", store).id.iloc[0]
    draft = capture.open_draft(demo_db, merch, store)
    draft.answers = clean_answers(capture.checklist(demo_db, merch, store, "en"))
    draft.answers["actions"] = {str(kept): {"fixed": False}}
    capture.save_draft(demo_db, draft)
    capture.add_draft_photo(demo_db, draft, photos.process_photo(picture(9)), "store")
    at = page(demo_db, "merch01", "views/capture.py", store=store)
    at.button_group(key=f"{draft.submission_key[:8]}:step").set_value(5).run()
    button(at, "capture_submit").click().run()
    assert [s.value for s in at.success] == ["Audit submitted."]
    assert ":material/task_alt: 1 not fixed" in [m.value for m in at.markdown]
