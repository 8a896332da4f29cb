"""The audit form, one section per step. Every widget starts from the saved draft and writes back into
the answers dict; the page saves the draft whenever the answers changed, so no input is ever lost."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from audit import capture, photos, previous, settings
from audit.capture import Checklist, Draft
from audit.errors import UserFacingError
from audit.i18n import fmt_date, fmt_money
from audit.previous import LineAnswers
from audit.ui import widget_texts
from audit.ui.context import db, lang, signed_in_user, t
from audit.ui.markdown import Markdown, md_escape
from audit.ui.widgets import error_text, show_user_error
from audit.values import Row

V = TypeVar("V")  # an answer's values: True / False, or codes

STEPS = ("shelf", "price", "pop", "competitors", "photos", "visit")
LEVELS = (1, 2, 3, 4)
# A picture of where on the shelf: above the eyes, at eye level (sells best), at the hand, on the floor.
LEVEL_ICONS = {
    1: ":material/arrow_upward:",
    2: ":material/visibility:",
    3: ":material/back_hand:",
    4: ":material/arrow_downward:",
}
PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif", "webp", "gif"]  # as README and audit/photos.py


def optional(key: str) -> str:
    """A question's label marked as optional: every question without the mark must be answered."""
    return t("capture.optional", label=t(key))


def _yes_no() -> dict[bool, str]:
    return {True: t("common.yes"), False: t("common.no")}


def _start(key: str, value: object) -> str:
    """Seed a widget from the draft the first time this session shows it (a reload, another tablet)."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def marked_in_popover(
    at: DeltaGenerator, label: str, options: Mapping[str, str], marked: list[str], key: str
) -> list[str]:
    """A line's problems behind one button on `at` that counts those marked; inside, each a pill to mark."""
    with at.popover(f"{len(marked)}" if marked else "", icon=":material/report:", help=label, width="stretch"):
        return st.pills(
            label, list(options), format_func=options.__getitem__, selection_mode="multi", key=_start(key, marked)
        )


def choose(label: str, options: Mapping[V, str], key: str, current: V | None, **kwargs: Any) -> V | None:
    """A segmented choice with nothing selected until the merchandiser taps one; a second tap on the
    chosen option keeps it (a double tap must not erase an answer)."""
    chosen = st.segmented_control(
        label, list(options), format_func=lambda v: options.get(v, v), key=_start(key, current), required=True, **kwargs
    )
    # No tap can clear a required choice: nothing chosen beside a stored answer is widget state lost between
    # runs (seen in Chromium: a row showed 'In stock' while its answer was gone after a neighbour's rerun).
    return current if chosen is None else chosen


def number(label: str, key: str, current: object, low: float, high: float, step: float = 1, **kwargs: Any) -> object:
    """A number field seeded from the draft. A value no field can show (text, out of range: a damaged or
    hand-made draft) leaves it empty but stays in the answers, so submit names it, until one is typed."""
    shown = capture.is_number(current, low, high)
    value = st.number_input(
        label,
        min_value=low,
        max_value=high,
        step=step,
        value=None,
        key=_start(key, current if shown else None),
        **kwargs,
    )
    return current if value is None and current is not None and not shown else value


def text(widget: Callable[..., str], label: str, key: str, current: object, field: str, **kwargs: Any) -> str:
    """A text field seeded from the draft. A text longer than the field allows (a hand-made draft) is shown
    whole rather than cut, and submit names it."""
    current = current if isinstance(current, str) else ""
    return widget(label, max_chars=max(capture.TEXT_LIMITS[field], len(current)), key=_start(key, current), **kwargs)


# ---------------------------------------------------------------- exceptions first: one row per line

SHELF_PROBLEMS = {"fifo_broken": ("fifo_ok", False), "near_expiry": ("near_expiry", True), "damaged": ("damaged", True)}
TAG_FAULTS = {"misplaced": "tag_placed_ok", "wrong_product": "tag_matches", "illegible": "tag_legible"}


def focus_key(prefix: str) -> str:
    """Where the submit list sent the merchandiser: (section, item) of the question to answer."""
    return f"{prefix}:focus"


def _row(prefix: str, section: str, code: str) -> DeltaGenerator:
    """A line's bordered row, marked when the submit list pointed at it (and scrolled to, see audit_form)."""
    focused = st.session_state.get(focus_key(prefix)) == (section, code)
    return st.container(border=True, key=f"row-{section}-{code}" + ("-focus" if focused else ""))


@dataclass
class _Row:
    line: LineAnswers  # the line's answers, written by the row's widgets
    side: DeltaGenerator  # the column beside the heading (the problems button)
    heading: str = ""  # what the heading says; how the line was answered is added to it


@contextmanager
def _answering(draft: Draft, section: str, code: str) -> Iterator[_Row]:
    """One line's row (a fragment's body): yields its answers and the column beside its heading. Afterwards a
    change by hand marks the line checked, the heading is written with the line's badge as it now stands,
    and the draft is saved if anything changed."""
    line = draft.answers.setdefault(section, {}).setdefault(code, {})
    before = dict(line)
    with _row(draft.submission_key[:8], section, code):
        title, side = st.columns([6, 1], vertical_alignment="center")
        heading = title.empty()
        row = _Row(line, side)
        yield row
        _mark_checked(line, before)
        heading.markdown(f"{row.heading}{_how_badge(line)}")
    if line != before:
        capture.save_draft(db(), draft)


def _mark_checked(line: LineAnswers, before: LineAnswers) -> None:
    """A line changed by hand is checked one by one, even if it was confirmed in bulk first."""
    if {k: v for k, v in line.items() if k != "how"} != {k: v for k, v in before.items() if k != "how"}:
        line["how"] = previous.HOW_CHECKED


def _last_text(parts: list[str | None]) -> str:
    shown = [p for p in parts if p]
    return t("capture.last_time", what=Markdown(" · ".join(shown))) if shown else ""


def _how_badge(line: LineAnswers) -> str:
    return f" :blue-badge[{t('capture.as_last_time')}]" if line.get("how") == previous.HOW_BULK else ""


def bulk_bar(
    draft: Draft, checklist: Checklist, last: previous.Previous, sections: tuple[str, ...], label_key: str
) -> None:
    """The one tap that confirms a section as found last time (needs a shelf photo in this audit)."""
    prefix = draft.submission_key[:8]
    codes = {"shelf": checklist.skus.code, "price": checklist.skus.code, "pop": checklist.pop_types.code}
    waiting = sum(len(previous.confirmable(last, s, codes[s], draft.answers)) for s in sections)
    if last.audit_id is None or not waiting:
        return
    has_photo = previous.EVIDENCE_SECTION in set(capture.draft_photos(db(), draft).section)

    def confirm() -> None:
        with show_user_error():
            capture.confirm_as_last_time(db(), draft, checklist, sections)
            for key in [
                k
                for k in st.session_state
                if isinstance(k, str) and k.startswith(f"{prefix}:") and k.split(":")[1] in ("s", "p", "pop")
            ]:
                del st.session_state[key]  # the rows show the confirmed answers when drawn again

    left, right = st.columns([3, 2], vertical_alignment="center")
    left.caption(
        t("capture.bulk_hint", n=waiting, date=fmt_date(last.visit_date, lang()))
        if has_photo
        else t("capture.bulk_needs_photo_hint")
    )
    right.button(
        t(label_key, n=waiting),
        key=f"{prefix}:bulk:{'-'.join(sections)}",
        on_click=confirm,
        disabled=not has_photo,
        icon=":material/done_all:",
        width="stretch",
        type="primary",
    )


def shelf(draft: Draft, checklist: Checklist) -> None:
    st.caption(t("capture.shelf.hint"))
    last = previous.last_answers(db(), draft.store_code)
    bulk_bar(draft, checklist, last, ("shelf", "price"), "capture.confirm_shelf_and_prices")
    levels = {level: t(f"capture.level_short.{level}") for level in LEVELS}
    for sku in checklist.skus.itertuples():
        shelf_row(draft, sku, last.line("shelf", sku.code), levels)
    extra_options = capture.other_skus(db(), checklist, lang())
    if extra_options:
        added = st.selectbox(
            t("capture.add_sku"),
            list(extra_options),
            format_func=extra_options.__getitem__,
            index=None,
            key=f"{draft.submission_key[:8]}:add_sku",
            placeholder=t("common.choose"),
        )
        if added and added not in draft.answers.setdefault("extra_skus", []):
            draft.answers["extra_skus"].append(added)
            st.session_state.pop(f"{draft.submission_key[:8]}:add_sku")
            _save_and_rerun(draft)


@st.fragment
def shelf_row(draft: Draft, sku: Row, last: LineAnswers, levels: Mapping[int, str]) -> None:
    """One SKU: in stock, facings and level side by side; problems (FIFO, expiry, damage) or restocking
    open only when asked. A tap reruns this row alone (st.fragment)."""
    key = f"{draft.submission_key[:8]}:s:{sku.code}"
    last_level = t(f"capture.level_short.{last['shelf_level']}") if last.get("shelf_level") else ""
    extra = "" if sku.must_stock else f" · {t('capture.extra_sku')}"
    seen = (
        t("capture.out_of_stock_short")
        if last.get("in_stock") is False
        else t("capture.facings_short", n=int(last["facings"]))
        if last.get("facings")
        else ""
    )
    with _answering(draft, "shelf", sku.code) as row:
        line, problems_at = row.line, row.side
        row.heading = f"**{md_escape(sku.name)}** :small[{sku.code}{extra} · {_last_text([seen, last_level])}]"
        stock, facings, level = st.columns([2.2, 2.2, 4.6], vertical_alignment="center")
        with stock:
            line["in_stock"] = choose(
                t("capture.in_stock"),
                {True: t("capture.stock_yes"), False: t("capture.stock_no")},
                f"{key}:stock",
                line.get("in_stock"),
                label_visibility="collapsed",
            )
        if line["in_stock"]:
            with facings:
                line["facings"] = number(
                    t("capture.facings"),
                    f"{key}:facings",
                    line.get("facings"),
                    capture.MIN_FACINGS,
                    capture.MAX_FACINGS,
                    label_visibility="collapsed",
                    placeholder=t("capture.facings"),
                )
            with level:
                line["shelf_level"] = choose(
                    t("capture.shelf_level"),
                    levels,
                    f"{key}:level",
                    line.get("shelf_level"),
                    label_visibility="collapsed",
                )
            problems = {name: t(f"capture.problem_short.{name}") for name in SHELF_PROBLEMS}
            marked = [name for name, (field, bad) in SHELF_PROBLEMS.items() if line.get(field) is bad]
            chosen = marked_in_popover(problems_at, t("capture.problems_found"), problems, marked, f"{key}:problems")
            for name, (field, bad) in SHELF_PROBLEMS.items():
                line[field] = bad if name in chosen else not bad  # nothing marked: no problem seen
            if line["facings"] is not None and not capture.facings_ok(line["facings"]):
                st.error(t("capture.error.facings", sku=sku.name, **capture.FACINGS_LIMITS), icon=":material/error:")
        elif line["in_stock"] is False:
            with facings:
                st.caption(t("capture.restocked"))
            with level:
                line["restocked"] = choose(
                    t("capture.restocked"),
                    _yes_no(),
                    f"{key}:restocked",
                    line.get("restocked"),
                    label_visibility="collapsed",
                )


def _save_and_rerun(draft: Draft) -> None:
    capture.save_draft(db(), draft)
    st.rerun()


def price(draft: Draft, checklist: Checklist) -> None:
    tolerance = settings.load(db()).price_tolerance
    st.caption(t("capture.price.hint", pct=round(tolerance * 100)))
    last = previous.last_answers(db(), draft.store_code)
    bulk_bar(draft, checklist, last, ("price",), "capture.confirm_prices")
    for sku in checklist.skus.itertuples():
        price_row(draft, sku, last.line("price", sku.code), tolerance)


@st.fragment
def price_row(draft: Draft, sku: Row, last: LineAnswers, tolerance: float) -> None:
    """One SKU's tag and shelf price in one row; what is wrong with a tag opens only for a tag present."""
    key = f"{draft.submission_key[:8]}:p:{sku.code}"
    seen = fmt_money(last["shelf_price"]) if last.get("shelf_price") else ""
    with _answering(draft, "price", sku.code) as row:
        tag, faults_at = row.line, row.side
        row.heading = (
            f"**{md_escape(sku.name)}** :small[{t('capture.rrp')} {fmt_money(sku.rrp)} · {_last_text([seen])}]"
        )
        present, shelf_price = st.columns([3, 3], vertical_alignment="center")
        with present:
            tag["tag_present"] = choose(
                t("capture.tag_present"),
                {True: t("capture.tag_yes"), False: t("capture.tag_no")},
                f"{key}:present",
                tag.get("tag_present"),
                label_visibility="collapsed",
            )
        with shelf_price:
            tag["shelf_price"] = number(
                t("capture.shelf_price"),
                f"{key}:price",
                tag.get("shelf_price"),
                0.0,
                float(capture.MAX_PRICE),
                step=0.1,
                format="%.2f",
                label_visibility="collapsed",
                placeholder=t("capture.price_placeholder"),
            )
        if tag["tag_present"]:
            faults = {name: t(f"capture.tag_fault.{name}") for name in TAG_FAULTS}
            marked = [n for n, field in TAG_FAULTS.items() if tag.get(field) is False]
            chosen = marked_in_popover(faults_at, t("capture.tag_faults"), faults, marked, f"{key}:faults")
            for name, field in TAG_FAULTS.items():
                tag[field] = name not in chosen  # nothing marked: the tag is right
        faulty = tag["tag_present"] is False or any(tag.get(f) is False for f in TAG_FAULTS.values())
        fixed_on_spot(tag, faulty, f"{key}:on_spot", "actions.tag_fixed_on_spot")
        if capture.price_below_tolerance(sku.rrp, tag["shelf_price"], tolerance):
            st.warning(
                t("capture.price_flag", price=fmt_money(tag["shelf_price"]), rrp=fmt_money(sku.rrp)),
                icon=":material/sell:",
            )
        _problem_flag(capture.shelf_price_problem(sku.name, sku.rrp, tag["shelf_price"]))


def _problem_flag(problem: capture.AnswerProblem | None) -> None:
    """On the spot, under the field, what submit would refuse (the same rule and message)."""
    if problem is not None:
        st.warning(t(problem.key, **problem.values), icon=":material/warning:")


def pop(draft: Draft, checklist: Checklist) -> None:
    if checklist.pop_types.empty:
        st.info(t("capture.pop.none"))
        return
    last = previous.last_answers(db(), draft.store_code)
    bulk_bar(draft, checklist, last, ("pop",), "capture.confirm_pop")
    conditions = {c: t(f"capture.condition.{c}") for c in capture.POP_CONDITIONS}
    for pop_type in checklist.pop_types.itertuples():
        pop_row(draft, pop_type, last.line("pop", pop_type.code), conditions)


@st.fragment
def pop_row(draft: Draft, pop_type: Row, last: LineAnswers, conditions: Mapping[str, str]) -> None:
    key = f"{draft.submission_key[:8]}:pop:{pop_type.code}"
    seen = (
        conditions.get(last.get("condition") or "")  # none noted: nothing shown
        if last.get("present")
        else t("capture.pop_absent")
        if last.get("present") is False
        else ""
    )
    with _answering(draft, "pop", pop_type.code) as row:
        answer = row.line
        row.heading = f"**{md_escape(pop_type.name)}** :small[{_last_text([seen])}]"
        present, condition = st.columns([3, 5], vertical_alignment="center")
        with present:
            answer["present"] = choose(
                md_escape(pop_type.name), _yes_no(), key, answer.get("present"), label_visibility="collapsed"
            )
        if answer["present"]:
            with condition:
                answer["condition"] = choose(
                    t("capture.condition"),
                    conditions,
                    f"{key}:condition",
                    answer.get("condition"),
                    label_visibility="collapsed",
                )
        missing = answer["present"] is False or answer.get("condition") == "damaged"
        fixed_on_spot(answer, missing, f"{key}:on_spot", "actions.pop_fixed_on_spot")


def fixed_on_spot(line: LineAnswers, problem: bool, key: str, label_key: str) -> None:
    """A problem put right during the visit (a tag, a POP): its action is born closed, proved by this audit's
    photo of the section (audit/actions.py). Asked only while the line shows the problem."""
    if problem:
        line["fixed_on_spot"] = st.toggle(t(label_key), key=_start(key, bool(line.get("fixed_on_spot"))))
    else:
        line.pop("fixed_on_spot", None)


def competitors(draft: Draft, checklist: Checklist) -> None:
    seen = draft.answers.setdefault("competitors", [])
    prefix = draft.submission_key[:8]
    brands = dict(zip(checklist.competitors.code, checklist.competitors.name, strict=True)) | {
        "": t("capture.other_brand")
    }
    kinds = {k: t(f"capture.kind.{k}") for k in capture.COMPETITOR_KINDS}
    ours = dict(zip(checklist.skus.code, checklist.skus.code + " · " + checklist.skus.name, strict=True))
    st.caption(t("capture.competitors.hint"))
    for index, item in enumerate(seen):
        key = f"{prefix}:c:{item.setdefault('id', index)}"
        with st.container(border=True):
            st.markdown(f"**{t('capture.observation', n=index + 1)}**")
            brand = choose(
                t("capture.brand"),
                brands,
                f"{key}:brand",
                item.get("competitor_code")
                if item.get("competitor_code")
                else ("" if item.get("competitor_other") else None),
            )
            item["competitor_code"] = brand or None
            if brand == "":
                item["competitor_other"] = text(
                    st.text_input,
                    t("capture.other_brand_name"),
                    f"{key}:other",
                    item.get("competitor_other"),
                    "competitor_other",
                )
            item["kind"] = st.pills(
                t("capture.kind"),
                list(kinds),
                format_func=kinds.__getitem__,
                key=_start(f"{key}:kind", item.get("kind")),
            )
            item["product"] = text(
                st.text_input, optional("capture.product"), f"{key}:product", item.get("product"), "product"
            )
            item["product_code"] = st.selectbox(
                optional("capture.comparable_sku"),
                list(ours),
                format_func=ours.__getitem__,
                index=None,
                placeholder=t("capture.comparable_sku_none"),
                key=_start(
                    f"{key}:product_code", item.get("product_code") if item.get("product_code") in ours else None
                ),
            )
            # 2 × 2, not 4 across: at 1024 px a quarter column cut the values ("650.00" showed "65") and steppers.
            cols = st.columns(2) + st.columns(2)
            for col, field in zip(cols, capture.COMPETITOR_PRICES, strict=False):
                with col:
                    item[field] = number(
                        optional(f"capture.{field}"),
                        f"{key}:{field}",
                        item.get(field),
                        0.0,
                        float(capture.MAX_PRICE),
                        step=0.1,
                        format="%.2f",
                    )
                    _problem_flag(capture.competitor_price_problem(checklist, index + 1, item, field))
            with cols[3]:
                item["facings"] = number(
                    optional("capture.their_facings"),
                    f"{key}:facings",
                    item.get("facings"),
                    0,
                    capture.MAX_COMPETITOR_FACINGS,
                )
            item["note"] = text(
                st.text_area, optional("capture.note"), f"{key}:note", item.get("note"), "note", height=80
            )
            if st.button(t("capture.remove_observation"), key=f"{key}:remove", icon=":material/delete:"):
                seen.pop(index)
                _save_and_rerun(draft)
    if st.button(t("capture.add_observation"), key=f"{prefix}:add_observation", icon=":material/add:"):
        seen.append({"id": max((o.get("id", 0) for o in seen), default=-1) + 1})
        _save_and_rerun(draft)


def photo_step(draft: Draft, attached: pd.DataFrame) -> None:
    prefix = draft.submission_key[:8]
    sections = {s: t(f"capture.section.{s}") for s in ("store", "shelf", "price", "pop", "competitor")}
    st.caption(t("capture.photos.hint", mb=photos.MAX_BYTES // photos.MB))
    if st.session_state.pop(f"{prefix}:photo_removed", False):
        st.toast(t("capture.photo_removed"), icon=":material/delete:")
    section = choose(t("capture.photo_section"), sections, f"{prefix}:photo_section", "store")
    # Handled files leave the boxes: each round of files gets fresh, empty boxes (a new key), so a refused file
    # does not stay there looking attached, and the session's upload budget is free again for the next photos.
    boxes = st.session_state.setdefault(f"{prefix}:photo_boxes", 0)
    suffix = f":{boxes}" if boxes else ""
    for message in st.session_state.get(f"{prefix}:photo_refused", []):
        st.error(message, icon=":material/error:")
    device, gallery = st.columns(2)
    with device:  # the tablet's own camera app, full resolution: the script sets capture="environment"
        taken = st.file_uploader(
            t("capture.photo_camera"),
            type=PHOTO_TYPES,
            accept_multiple_files=True,
            key=widget_texts.device_camera_key(f"{prefix}:take{suffix}"),
        )
    with gallery:
        picked = st.file_uploader(
            t("capture.photo_gallery"), type=PHOTO_TYPES, accept_multiple_files=True, key=f"{prefix}:upload{suffix}"
        )
    shot = None
    if st.toggle(t("capture.in_page_camera"), key=f"{prefix}:in_page_camera"):  # off: no camera permission asked
        shot = st.camera_input(t("capture.take_photo"), key=f"{prefix}:camera")
    done = st.session_state.setdefault(f"{prefix}:photos_done", set())
    new = [item for item in [shot, *(taken or []), *(picked or [])] if item is not None and item.file_id not in done]
    refused = []
    for item in new:
        done.add(item.file_id)
        try:
            capture.add_draft_photo(db(), draft, photos.process_photo(item.getvalue(), item.name), section or "store")
        except UserFacingError as error:
            refused.append(error_text(error))
    if new:
        st.session_state[f"{prefix}:photo_refused"] = refused
        if taken or picked:
            st.session_state[f"{prefix}:photo_boxes"] = boxes + 1
        st.rerun()
    if attached.empty:
        st.info(t("capture.error.store_photo"))
        return
    cols = st.columns(4)
    for i, photo in enumerate(attached.itertuples()):
        with cols[i % 4]:
            st.image(str(photos.photo_path(photo.thumb_sha256)), caption=sections.get(photo.section, photo.section))
            if st.button(
                t("capture.remove_photo"),
                key=f"{prefix}:photo:{i}:{photo.photo_sha256[:16]}:remove",
                icon=":material/delete:",
                width="stretch",
            ):
                with show_user_error():
                    capture.remove_draft_photo(
                        db(), signed_in_user(), draft.submission_key, photo.photo_sha256, photo.section
                    )
                    st.session_state[f"{prefix}:photo_removed"] = True
                    st.rerun()


def visit(draft: Draft) -> None:
    answers = draft.answers.setdefault("visit", {})
    prefix = draft.submission_key[:8]
    st.markdown(t("capture.started_at", time=f"{draft.started_at:%H:%M}"))
    answers["order_placed"] = choose(
        t("capture.order_placed"), _yes_no(), f"{prefix}:v:order", answers.get("order_placed")
    )
    if answers["order_placed"]:
        answers["order_amount"] = number(
            optional("capture.order_amount"),
            f"{prefix}:v:amount",
            answers.get("order_amount"),
            0.0,
            float(capture.MAX_ORDER_AMOUNT),
            step=10.0,
            format="%.2f",
        )
    answers["notes"] = text(st.text_area, optional("capture.notes"), f"{prefix}:v:notes", answers.get("notes"), "notes")
