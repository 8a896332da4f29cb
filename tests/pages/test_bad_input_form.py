"""Bad form values (tests/helpers/badinput.py) through the capture service (save_draft, validate, submit) and the
Audit page: each is named in the user's language, the draft keeps every answer, and nothing is written."""

from __future__ import annotations

import json

import pytest

from audit import capture, i18n
from audit.capture import SubmitRefused
from tests.helpers.apptest import group, session
from tests.helpers.audits import draft_with, merch
from tests.helpers.badinput import HOSTILE_TEXTS, NUMBERS, TOO_LONG_NOTE, as_shown

WRITTEN_TABLES = ("audits", "audit_lines", "audit_pop", "competitor_observations", "audit_photos", "audit_metrics")


def stocked(answers: dict) -> dict:
    return next(line for line in answers["shelf"].values() if line["in_stock"])


def first_tag(answers: dict) -> dict:
    return next(iter(answers["price"].values()))


def observation(answers: dict) -> dict:
    return answers["competitors"][0]


# field -> (put a value where the form would, the step that names it, the message key or keys)
NUMBER_FIELDS = {
    "facings": (lambda a, v: stocked(a).update(facings=v), "shelf", "capture.error.facings"),
    "shelf-level": (lambda a, v: stocked(a).update(shelf_level=v), "shelf", "capture.error.level"),
    "shelf-price": (lambda a, v: first_tag(a).update(shelf_price=v), "price", "capture.error.shelf_price"),
    "competitor-price": (
        lambda a, v: observation(a).update(promo_price=v),
        "competitors",
        "capture.error.competitor_price",
    ),
    "competitor-facings": (
        lambda a, v: observation(a).update(facings=v),
        "competitors",
        "capture.error.competitor_facings",
    ),
    "order-amount": (lambda a, v: a["visit"].update(order_amount=v), "visit", "capture.error.order_amount"),
}

# Answers the form never writes but a damaged or hand-made draft could hold: each was stored as nonsense or
# made the database refuse the submit with a trace before validation checked types.
OTHER_ANSWERS = {
    "yes-no-as-text": (lambda a: stocked(a).update(fifo_ok="no"), "shelf", "capture.error.yes_no"),
    "in-stock-as-text": (lambda a: stocked(a).update(in_stock="no"), "shelf", "capture.error.stock_unanswered"),
    "restocked-as-text": (
        lambda a: next(line for line in a["shelf"].values() if not line["in_stock"]).update(restocked="maybe"),
        "shelf",
        "capture.error.yes_no",
    ),
    "tag-answer-as-number": (lambda a: first_tag(a).update(tag_matches=1), "price", "capture.error.yes_no"),
    "unknown-pop-condition": (
        lambda a: next(iter(a["pop"].values())).update(condition="shiny"),
        "pop",
        "capture.error.pop_condition",
    ),
    "unknown-competitor-code": (
        lambda a: observation(a).update(competitor_code="C99'; --"),
        "competitors",
        "capture.error.competitor_brand",
    ),
    "brand-name-as-number": (
        lambda a: observation(a).update(competitor_code=None, competitor_other=7),
        "competitors",
        ("capture.error.competitor_brand", "capture.error.competitor_text"),
    ),
    "unknown-comparable-sku": (
        lambda a: observation(a).update(product_code="NOPE"),
        "competitors",
        "capture.error.competitor_sku",
    ),
    "competitor-note-too-long": (
        lambda a: observation(a).update(note="x" * 2001),
        "competitors",
        "capture.error.competitor_text",
    ),
    "order-answer-as-text": (lambda a: a["visit"].update(order_placed="no"), "visit", "capture.error.order_unanswered"),
    "note-over-10000-characters": (lambda a: a["visit"].update(notes=TOO_LONG_NOTE), "visit", "capture.error.notes"),
    "note-as-a-list": (lambda a: a["visit"].update(notes=["a", "b"]), "visit", "capture.error.notes"),
    "shelf-section-damaged": (lambda a: a.update(shelf="[]"), "shelf", "capture.error.stock_unanswered"),
    "competitors-section-damaged": (
        lambda a: a.update(competitors=[None]),
        "competitors",
        ("capture.error.competitor_brand", "capture.error.competitor_kind"),
    ),
}

CASES = {
    f"{field}={name}": (lambda a, put=put, value=value: put(a, value), section, key)
    for field, (put, section, key) in NUMBER_FIELDS.items()
    for name, value in NUMBERS.items()
} | OTHER_ANSWERS


def row_counts(db) -> dict[str, int]:
    return {table: db.query_one(f"SELECT count(*) FROM {table}")[0] for table in WRITTEN_TABLES}


def same_answers(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)  # NaN is not equal to itself


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_value_is_named_and_the_draft_is_kept_with_nothing_written(demo_db, case):
    change, section, key = CASES[case]
    before = row_counts(demo_db)
    draft = draft_with(demo_db, change)
    with pytest.raises(SubmitRefused) as caught:
        capture.submit(demo_db, merch(demo_db), draft.submission_key)
    problems = caught.value.problems
    assert {(p.section, p.key) for p in problems} == {(section, k) for k in ((key,) if isinstance(key, str) else key)}
    for problem in problems:
        english, chinese = (i18n.t(problem.key, lang, **problem.values) for lang in ("en", "zh"))
        assert problem.key in i18n.catalog("en") and problem.key in i18n.catalog("zh") and english != chinese
        assert "{" not in english + chinese  # every placeholder filled
    n = len(problems)
    answers = "1 answer" if n == 1 else f"{n} answers"
    assert caught.value.message("en") == f"{answers} missing or invalid: the audit is kept as a draft."
    assert caught.value.message("zh") == f"有 {n} 项未填写或无效：检查已保存为草稿。"
    assert row_counts(demo_db) == before  # no partial write
    kept = capture.get_draft(demo_db, merch(demo_db), draft.store_code)
    assert same_answers(kept.answers, draft.answers)


def test_a_note_of_exactly_10000_characters_is_accepted_whole(demo_db):
    note = HOSTILE_TEXTS["10000-characters"]
    draft = draft_with(demo_db, lambda a: a["visit"].update(notes=note))
    done = capture.submit(demo_db, merch(demo_db), draft.submission_key)
    assert demo_db.query_one("SELECT notes FROM audits WHERE id = ?", [done.audit_id])[0] == note


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_audit_page_names_bad_values_in_the_users_language_and_keeps_them(demo_db, lang):
    def spoil(answers):
        stocked(answers).update(facings=NUMBERS["huge"])
        answers["visit"].update(order_amount=NUMBERS["nan"], notes=TOO_LONG_NOTE)

    draft = draft_with(demo_db, spoil)
    draft.step = 5
    capture.save_draft(demo_db, draft)
    before = row_counts(demo_db)
    at = session(demo_db, store=draft.store_code)
    at.session_state["lang"] = lang
    at.run()
    assert not at.exception  # a draft holding values no widget allows still opens
    next(b for b in at.button if b.key == "capture_submit").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [i18n.t("capture.error.incomplete", lang, n=3)]
    names = capture.checklist(demo_db, merch(demo_db), draft.store_code, lang).skus.set_index("code").name
    sku = names[next(code for code, line in draft.answers["shelf"].items() if line["in_stock"])]
    step = lambda name: i18n.t(f"capture.step.{name}", lang)  # noqa: E731
    shown = [as_shown(b.label) for b in at.button if b.key and b.key.startswith("capture_problem_")]
    item = lambda section, text: i18n.labelled(step(section), text, lang)  # noqa: E731  "陈列与库存：…", a tap away
    assert item("shelf", i18n.t("capture.error.facings", lang, sku=sku, **capture.FACINGS_LIMITS)) in shown
    assert item("visit", i18n.t("capture.error.order_amount", lang)) in shown
    assert item("visit", i18n.t("capture.error.notes", lang, max=10000)) in shown
    assert row_counts(demo_db) == before
    assert capture.get_draft(demo_db, merch(demo_db), draft.store_code).answers["visit"]["notes"] == TOO_LONG_NOTE


def test_every_bad_number_in_a_draft_opens_on_each_step_without_a_trace(demo_db):
    """A reload of a draft whose numbers no widget allows: every step still renders."""

    def spoil(answers):
        for name, (put, _, _) in NUMBER_FIELDS.items():
            put(answers, NUMBERS["non-numeric"] if name.endswith("price") else NUMBERS["huge"])

    draft = draft_with(demo_db, spoil)
    at = session(demo_db, store=draft.store_code)
    for step in range(6):
        group(at, f"{draft.submission_key[:8]}:step").set_value(step).run()
        assert not at.exception, (step, at.exception)
