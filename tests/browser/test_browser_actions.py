"""The actions loop in Chromium at tablet size: the merchandiser opens a store and meets its open actions first,
answers them inside the audit (fixed, with a photo from the camera box, or not fixed) and submits; the store
card then shows the verification. The dealer marks one of their actions done with a note and a photo.
Screenshots under tests/artifacts/ (the README's come from here)."""

from __future__ import annotations

import pytest

from audit import actions, auth, capture, photos
from audit.db import Database
from tests.helpers.audits import picture
from tests.helpers.browser import LOCALE, new_tablet_page, open_as_manager, settle, shot, sign_in

pytestmark = pytest.mark.browser
WALKS = [("landscape", "en"), ("portrait", "zh")]
MANAGER_TILES = {
    "en": ["Open now", "Overdue now", "Fix rate", "Median days to fix"],
    "zh": ["当前待处理", "当前逾期", "解决率", "解决天数中位数"],
}
TEXT = {
    "en": {
        "open": "Open actions at this store",
        "check": "Open actions to check",
        "fixed": "Fixed",
        "not_fixed": "Not fixed",
        "attached": "Photo attached: it proves the fix.",
        "visit": "Visit",
        "submit": "Submit audit",
        "submitted": "Audit submitted.",
        "history": "Actions at this store",
        "verified": "Verified fixed",
        "yours": "Yours to do",
        "mark": "Mark done",
        "note": "What was done",
        "marked": "Marked done: the next visit verifies it.",
        "waiting": "Marked done: the next visit verifies it.",
        "recurring": "Problems that come back",
    },
    "zh": {
        "open": "本店待处理",
        "check": "待核实的待办",
        "fixed": "已解决",
        "not_fixed": "未解决",
        "attached": "照片已附上，作为解决的证明。",
        "visit": "拜访信息",
        "submit": "提交检查",
        "submitted": "检查已提交。",
        "history": "本店待办记录",
        "verified": "核实已解决",
        "yours": "由您负责",
        "mark": "标为完成",
        "note": "做了什么",
        "marked": "已标为完成：下次拜访时核实。",
        "waiting": "已标为完成，待下次拜访核实。",
        "recurring": "反复出现的问题",
    },
}


@pytest.fixture
def loop_app(demo_dir, request, tmp_path):
    """Before the app opens the database: merch01's two stores with the most open actions; the second gets a
    complete draft (everything in stock and right, a store photo), so the walk answers only the actions."""
    db = Database(demo_dir / "audit.duckdb")
    merch = auth.get_user(db, "merch01")
    intro, audited = db.query_df(
        """SELECT x.store_code FROM actions x JOIN stores s ON s.code = x.store_code
           WHERE s.merchandiser = 'merch01' AND x.status = 'open' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 2"""
    ).store_code
    checklist = capture.checklist(db, merch, audited, "en")
    draft = capture.open_draft(db, merch, audited)
    good = {"in_stock": True, "facings": 3, "shelf_level": 2, "fifo_ok": True, "near_expiry": False, "damaged": False}
    draft.answers = {
        "shelf": {code: dict(good) for code in checklist.skus.code},
        "price": {
            code: {"tag_present": True, "tag_placed_ok": True, "tag_matches": True, "tag_legible": True}
            for code in checklist.skus.code
        },
        "pop": {code: {"present": True, "condition": "good"} for code in checklist.pop_types.code},
        "competitors": [],
        "visit": {"order_placed": False},
    }
    capture.save_draft(db, draft)
    capture.add_draft_photo(db, draft, photos.process_photo(picture(1)), "store")
    checks = actions.open_actions(db, merch, "en", audited).id.tolist()[:2]
    db.close()
    proof = tmp_path / "proof.jpg"
    proof.write_bytes(picture(77))
    return request.getfixturevalue("app_url"), intro, audited, checks, proof


@pytest.mark.parametrize(("orientation", "lang"), WALKS)
def test_the_merchandiser_meets_open_actions_first_and_proves_a_fix_in_the_audit(loop_app, browser, orientation, lang):
    url, intro, audited, (fixed, kept), proof = loop_app
    words = TEXT[lang]
    context, page = new_tablet_page(browser, orientation, LOCALE[lang])
    sign_in(page, url, "merch01", lang=lang)
    page.locator(".st-key-sign_out button").wait_for(timeout=30_000)
    page.goto(f"{url}/capture?store={intro}")
    page.get_by_text(words["open"]).wait_for(timeout=30_000)
    settle(page)
    shot(page, f"actions_store_intro_{lang}_{orientation}")

    page.goto(f"{url}/capture?store={audited}")
    page.get_by_text(words["check"]).wait_for(timeout=30_000)
    settle(page)
    row = page.locator(f".st-key-row-actions-{fixed}")
    row.get_by_role("radio", name=words["fixed"], exact=True).click()
    settle(page)
    row.locator('input[type="file"]').set_input_files(str(proof))
    row.get_by_text(words["attached"]).wait_for(timeout=30_000)
    page.locator(f".st-key-row-actions-{kept}").get_by_role("radio", name=words["not_fixed"], exact=True).click()
    settle(page)
    page.locator(".st-key-verify_actions").scroll_into_view_if_needed()
    shot(page, f"actions_verify_{lang}_{orientation}")

    page.get_by_role("radio", name=words["visit"], exact=True).first.click()
    settle(page)
    page.get_by_role("button", name=words["submit"]).click()
    page.get_by_text(words["submitted"]).wait_for(timeout=60_000)
    settle(page)

    page.goto(f"{url}/?store={audited}")
    page.get_by_text(words["history"]).wait_for(timeout=30_000)
    settle(page)
    history = page.locator('[data-testid="stDataFrame"]').first
    history.locator("td", has_text=words["verified"]).first.wait_for(state="attached", timeout=30_000)
    page.locator('[data-testid="stDataFrame"]').first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    shot(page, f"actions_store_history_{lang}_{orientation}")
    context.close()


@pytest.mark.parametrize(("orientation", "lang"), WALKS)
def test_the_dealer_marks_an_action_done_with_a_note_and_a_photo(app_url, browser, orientation, lang, tmp_path):
    words = TEXT[lang]
    proof = tmp_path / "delivered.jpg"
    proof.write_bytes(picture(55))
    context, page = new_tablet_page(browser, orientation, LOCALE[lang])
    sign_in(page, app_url, "dealer01", lang=lang)
    page.locator(".st-key-sign_out button").wait_for(timeout=30_000)
    page.goto(f"{app_url}/actions")
    page.get_by_text(words["yours"]).first.wait_for(timeout=30_000)
    settle(page)
    shot(page, f"actions_dealer_{lang}_{orientation}")
    first = page.locator('[class*="st-key-action-"]').first
    card_class = next(c for c in (first.get_attribute("class") or "").split() if c.startswith("st-key-action-"))
    first.get_by_role("button", name=words["mark"]).click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.get_by_label(words["note"]).fill("Delivered two cases / 已补货两箱")
    body.locator('input[type="file"]').set_input_files(str(proof))
    page.wait_for_timeout(800)
    shot(page, f"actions_dealer_mark_done_{lang}_{orientation}")
    body.get_by_role("button", name=words["mark"]).click()
    page.get_by_text(words["marked"]).first.wait_for(timeout=30_000)
    settle(page)
    card = page.locator(f".{card_class}")
    assert card.get_by_text(words["waiting"]).count() == 1  # the card now waits for the next visit
    assert card.get_by_role("button", name=words["mark"]).count() == 0
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_manager_sees_the_loop(app_url, browser, lang):
    context, page = open_as_manager(browser, "wide", LOCALE[lang])
    sign_in(page, app_url, "manager", lang=lang)
    page.locator(".st-key-sign_out button").wait_for(timeout=30_000)
    page.goto(f"{app_url}/actions")
    page.locator('[data-testid="stMetric"]').nth(4).wait_for(timeout=60_000)
    settle(page)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert labels[:4] == MANAGER_TILES[lang]
    shot(page, f"actions_manager_{lang}")
    page.get_by_text(TEXT[lang]["recurring"]).scroll_into_view_if_needed()
    page.wait_for_timeout(600)
    shot(page, f"actions_manager_recurring_{lang}")
    context.close()
