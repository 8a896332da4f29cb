"""The audit form, one section per step. Every widget starts from the saved draft and writes back into
the answers dict; the page saves the draft whenever the answers changed, so no input is ever lost."""
from __future__ import annotations

import streamlit as st

from audit import capture, photos, settings
from audit.capture import Checklist, Draft
from audit.i18n import fmt_money
from audit.ui.context import current_user, db, lang, t
from audit.ui.markdown import md_escape
from audit.ui.widgets import show_user_error

STEPS = ("shelf", "price", "pop", "competitors", "photos", "visit")
LEVELS = (1, 2, 3, 4)
# A picture of where on the shelf: above the eyes, at eye level (sells best), at the hand, on the floor.
LEVEL_ICONS = {1: ":material/arrow_upward:", 2: ":material/visibility:", 3: ":material/back_hand:",
               4: ":material/arrow_downward:"}
PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif", "webp"]


def _yes_no() -> dict:
    return {True: t("common.yes"), False: t("common.no")}


def _start(key: str, value) -> str:
    """Seed a widget from the draft the first time this session shows it (a reload, another tablet)."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def choose(label: str, options: dict, key: str, current, **kwargs):
    """A segmented choice with nothing selected until the merchandiser taps one; a second tap on the
    chosen option keeps it (a double tap must not erase an answer)."""
    return st.segmented_control(label, list(options), format_func=lambda v: options.get(v, v),
                                key=_start(key, current), required=True, **kwargs)


def number(label: str, key: str, current, low: float, high: float, step: float = 1, **kwargs):
    """A number field seeded from the draft. A value no field can show (text, out of range: a damaged or
    hand-made draft) leaves it empty but stays in the answers, so submit names it, until one is typed."""
    shown = capture.is_number(current, low, high)
    value = st.number_input(label, min_value=low, max_value=high, step=step, value=None,
                            key=_start(key, current if shown else None), **kwargs)
    return current if value is None and current is not None and not shown else value


def text(widget, label: str, key: str, current, field: str, **kwargs) -> str:
    """A text field seeded from the draft. A text longer than the field allows (a hand-made draft) is shown
    whole rather than cut, and submit names it."""
    current = current if isinstance(current, str) else ""
    return widget(label, max_chars=max(capture.TEXT_LIMITS[field], len(current)), key=_start(key, current),
                  **kwargs)


def shelf(draft: Draft, plan: Checklist) -> None:
    answers = draft.answers.setdefault("shelf", {})
    prefix = draft.submission_key[:8]
    st.caption(t("capture.shelf.hint"))
    for sku in plan.skus.itertuples():
        line = answers.setdefault(sku.code, {})
        with st.container(border=True):
            extra = "" if sku.must_stock else f" · {t('capture.extra_sku')}"
            st.markdown(f"**{md_escape(sku.name)}** · {sku.code}{extra}")
            line["in_stock"] = choose(t("capture.in_stock"), _yes_no(), f"{prefix}:s:{sku.code}:stock",
                                      line.get("in_stock"))
            if line["in_stock"]:
                rule = t("capture.error.facings", sku=sku.name, **capture.FACINGS_LIMITS)
                left, _ = st.columns([1, 2])
                with left:
                    line["facings"] = number(t("capture.facings"), f"{prefix}:s:{sku.code}:facings",
                                             line.get("facings"), capture.MIN_FACINGS, capture.MAX_FACINGS,
                                             help=rule)
                if line["facings"] is not None and not capture.facings_ok(line["facings"]):
                    st.error(rule, icon=":material/error:")  # a draft saved before the limits agreed (0)
                # Its own full-width row: the four levels do not fit beside the facings on a tablet.
                levels = {level: f"{LEVEL_ICONS[level]} {t(f'capture.level.{level}')}" for level in LEVELS}
                line["shelf_level"] = choose(t("capture.shelf_level"), levels, f"{prefix}:s:{sku.code}:level",
                                             line.get("shelf_level"))
                cols = st.columns(3)
                for col, question in zip(cols, ("fifo_ok", "near_expiry", "damaged")):
                    with col:
                        line[question] = choose(t(f"capture.{question}"), _yes_no(),
                                                f"{prefix}:s:{sku.code}:{question}", line.get(question))
            elif line["in_stock"] is False:
                line["restocked"] = choose(t("capture.restocked"), _yes_no(), f"{prefix}:s:{sku.code}:restocked",
                                           line.get("restocked"))
    extra_options = capture.other_skus(db(), plan, lang())
    if extra_options:
        added = st.selectbox(t("capture.add_sku"), list(extra_options), format_func=extra_options.get, index=None,
                             key=f"{prefix}:add_sku", placeholder=t("common.choose"))
        if added and added not in draft.answers.setdefault("extra_skus", []):
            draft.answers["extra_skus"].append(added)
            st.session_state.pop(f"{prefix}:add_sku")
            _save_and_rerun(draft)


def _save_and_rerun(draft: Draft) -> None:
    capture.save_draft(db(), draft)
    st.rerun()


def price(draft: Draft, plan: Checklist) -> None:
    answers = draft.answers.setdefault("price", {})
    prefix = draft.submission_key[:8]
    tolerance = settings.load(db()).price_tolerance
    st.caption(t("capture.price.hint", pct=round(tolerance * 100)))
    for sku in plan.skus.itertuples():
        tag = answers.setdefault(sku.code, {})
        with st.container(border=True):
            st.markdown(f"**{md_escape(sku.name)}** · {t('capture.rrp')} {fmt_money(sku.rrp)}")
            tag["tag_present"] = choose(t("capture.tag_present"), _yes_no(), f"{prefix}:p:{sku.code}:present",
                                        tag.get("tag_present"))
            if tag["tag_present"]:
                cols = st.columns(3)
                for col, question in zip(cols, ("tag_placed_ok", "tag_matches", "tag_legible")):
                    with col:
                        tag[question] = choose(t(f"capture.{question}"), _yes_no(), f"{prefix}:p:{sku.code}:{question}",
                                               tag.get(question))
            tag["shelf_price"] = number(t("capture.shelf_price"), f"{prefix}:p:{sku.code}:price", tag.get("shelf_price"),
                                        0.0, float(capture.MAX_PRICE), step=0.1, format="%.2f")
            if capture.price_below_tolerance(sku.rrp, tag["shelf_price"], tolerance):
                st.warning(t("capture.price_flag", price=fmt_money(tag["shelf_price"]), rrp=fmt_money(sku.rrp)),
                           icon=":material/sell:")
            _problem_flag(capture.shelf_price_problem(sku.name, sku.rrp, tag["shelf_price"]))


def _problem_flag(problem: capture.Problem | None) -> None:
    """On the spot, under the field, what submit would refuse (the same rule and message)."""
    if problem is not None:
        st.warning(t(problem.key, **problem.values), icon=":material/warning:")


def pop(draft: Draft, plan: Checklist) -> None:
    answers = draft.answers.setdefault("pop", {})
    prefix = draft.submission_key[:8]
    if plan.pop_types.empty:
        st.info(t("capture.pop.none"))
    conditions = {c: t(f"capture.condition.{c}") for c in capture.POP_CONDITIONS}
    for pop_type in plan.pop_types.itertuples():
        answer = answers.setdefault(pop_type.code, {})
        with st.container(border=True):
            left, right = st.columns(2)
            with left:
                answer["present"] = choose(md_escape(pop_type.name), _yes_no(), f"{prefix}:pop:{pop_type.code}",
                                           answer.get("present"))
            with right:
                if answer["present"]:
                    answer["condition"] = choose(t("capture.condition"), conditions,
                                                 f"{prefix}:pop:{pop_type.code}:condition", answer.get("condition"))


def competitors(draft: Draft, plan: Checklist) -> None:
    seen = draft.answers.setdefault("competitors", [])
    prefix = draft.submission_key[:8]
    brands = dict(zip(plan.competitors.code, plan.competitors.name)) | {"": t("capture.other_brand")}
    kinds = {k: t(f"capture.kind.{k}") for k in capture.COMPETITOR_KINDS}
    ours = dict(zip(plan.skus.code, plan.skus.code + " · " + plan.skus.name))
    st.caption(t("capture.competitors.hint"))
    for index, item in enumerate(seen):
        key = f"{prefix}:c:{item.setdefault('id', index)}"
        with st.container(border=True):
            st.markdown(f"**{t('capture.observation', n=index + 1)}**")
            brand = choose(t("capture.brand"), brands, f"{key}:brand",
                           item.get("competitor_code") if item.get("competitor_code") else
                           ("" if item.get("competitor_other") else None))
            item["competitor_code"] = brand or None
            if brand == "":
                item["competitor_other"] = text(st.text_input, t("capture.other_brand_name"), f"{key}:other",
                                                item.get("competitor_other"), "competitor_other")
            item["kind"] = st.pills(t("capture.kind"), list(kinds), format_func=kinds.get,
                                    key=_start(f"{key}:kind", item.get("kind")))
            item["product"] = text(st.text_input, t("capture.product"), f"{key}:product", item.get("product"),
                                   "product")
            item["product_code"] = st.selectbox(
                t("capture.comparable_sku"), list(ours), format_func=ours.get, index=None,
                placeholder=t("capture.comparable_sku_none"),
                key=_start(f"{key}:product_code", item.get("product_code") if item.get("product_code") in ours else None))
            # 2 × 2, not 4 across: at 1024 px a quarter column cut the values ("650.00" showed "65") and steppers.
            cols = st.columns(2) + st.columns(2)
            for col, field in zip(cols, capture.COMPETITOR_PRICES):
                with col:
                    item[field] = number(t(f"capture.{field}"), f"{key}:{field}", item.get(field), 0.0,
                                         float(capture.MAX_PRICE), step=0.1, format="%.2f")
                    _problem_flag(capture.competitor_price_problem(plan, index + 1, item, field))
            with cols[3]:
                item["facings"] = number(t("capture.their_facings"), f"{key}:facings", item.get("facings"), 0,
                                        capture.MAX_COMPETITOR_FACINGS)
            item["note"] = text(st.text_area, t("capture.note"), f"{key}:note", item.get("note"), "note", height=80)
            if st.button(t("capture.remove_observation"), key=f"{key}:remove", icon=":material/delete:"):
                seen.pop(index)
                _save_and_rerun(draft)
    if st.button(t("capture.add_observation"), key=f"{prefix}:add_observation", icon=":material/add:"):
        seen.append({"id": max((o.get("id", 0) for o in seen), default=-1) + 1})
        _save_and_rerun(draft)


def photo_step(draft: Draft, attached) -> None:
    prefix = draft.submission_key[:8]
    sections = {s: t(f"capture.section.{s}") for s in ("store", "shelf", "price", "pop", "competitor")}
    st.caption(t("capture.photos.hint"))
    if st.session_state.pop(f"{prefix}:photo_removed", False):
        st.toast(t("capture.photo_removed"), icon=":material/delete:")
    section = choose(t("capture.photo_section"), sections, f"{prefix}:photo_section", "store")
    camera, upload = st.tabs([t("capture.camera"), t("capture.upload")])
    with camera:
        shot = st.camera_input(t("capture.take_photo"), key=f"{prefix}:camera")
    with upload:
        files = st.file_uploader(t("capture.upload_photos"), type=PHOTO_TYPES, accept_multiple_files=True,
                                 key=f"{prefix}:upload")
    done = st.session_state.setdefault(f"{prefix}:photos_done", set())
    for item in [shot, *(files or [])]:
        if item is None or item.file_id in done:
            continue
        done.add(item.file_id)
        with show_user_error():
            capture.add_draft_photo(db(), draft, photos.process_photo(item.getvalue(), item.name), section or "store")
            st.rerun()
    if attached.empty:
        st.info(t("capture.error.store_photo"))
        return
    cols = st.columns(4)
    for i, photo in enumerate(attached.itertuples()):
        with cols[i % 4]:
            st.image(str(photos.photo_path(photo.thumb_sha256)), caption=sections.get(photo.section, photo.section))
            if st.button(t("capture.remove_photo"), key=f"{prefix}:photo:{i}:{photo.photo_sha256[:16]}:remove",
                         icon=":material/delete:", width="stretch"):
                with show_user_error():
                    capture.remove_draft_photo(db(), current_user(), draft.submission_key, photo.photo_sha256,
                                               photo.section)
                    st.session_state[f"{prefix}:photo_removed"] = True
                    st.rerun()


def visit(draft: Draft) -> None:
    answers = draft.answers.setdefault("visit", {})
    prefix = draft.submission_key[:8]
    st.markdown(t("capture.started_at", time=f"{draft.started_at:%H:%M}"))
    answers["order_placed"] = choose(t("capture.order_placed"), _yes_no(), f"{prefix}:v:order",
                                     answers.get("order_placed"))
    if answers["order_placed"]:
        answers["order_amount"] = number(t("capture.order_amount"), f"{prefix}:v:amount", answers.get("order_amount"),
                                         0.0, float(capture.MAX_ORDER_AMOUNT), step=10.0, format="%.2f")
    answers["notes"] = text(st.text_area, t("capture.notes"), f"{prefix}:v:notes", answers.get("notes"), "notes")
