"""Actions on screen: one line per action, the store's open actions, the audit's fixed / not fixed questions
with a proof photo, the dealer's mark-done form and an action's history. Pages call these; every query is
in audit/actions.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from audit import actions, capture, photos
from audit.capture import Draft
from audit.errors import UserFacingError
from audit.i18n import fmt_date
from audit.previous import LineAnswers
from audit.ui import widget_texts
from audit.ui.context import db, lang, signed_in_user, t
from audit.ui.markdown import md_escape
from audit.ui.widgets import error_text, show_user_error, table_height
from audit.values import Record, Row

PHOTO_TYPES = ["jpg", "jpeg", "png", "heic", "heif", "webp", "gif"]


def what(action: Row) -> str:  # a row of open actions, or one as a dict
    """'Stock-out · Qingquan Green Tea 500ml' (the product, POP type or the manager's words, escaped)."""
    label = action["label"] if isinstance(action, dict) else action.label
    kind = action["kind"] if isinstance(action, dict) else action.kind
    text = md_escape(label) if label else ""
    return f"**{t('actions.kind.' + kind)}**" + (f" · {text}" if text else "")


def state_badges(action: Record) -> str:
    """Overdue / due date, status, owner and how often it was found."""
    parts = []
    if action["overdue"]:
        parts.append(f":red-badge[{t('actions.overdue')}]")
    if action["status"] == "done":
        parts.append(f":violet-badge[{t('actions.status.done')}]")
    parts.append(t("actions.due", date=fmt_date(action["due_date"], lang())))
    owner = action["owner_name"] if isinstance(action["owner_name"], str) else t("actions.no_owner")
    parts.append(t("actions.owner_is", role=t("actions.owner." + action["owner_role"]), name=owner))
    if action["seen_count"] > 1:
        parts.append(t("actions.seen_times", n=int(action["seen_count"])))
    return " · ".join(parts)


def open_actions_box(store_code: str) -> None:
    """Opening a store: its open actions come first, before what the last audit found."""
    found = actions.open_actions(db(), signed_in_user(), lang(), store_code)
    with st.container(border=True, key="store_open_actions"):
        if found.empty:
            st.markdown(f"**{t('actions.store_none_open')}**")
            return
        st.markdown(f"**{t('actions.store_open', n=len(found))}**  \n{t('actions.store_open_hint')}")
        for action in found.to_dict("records"):
            st.markdown(f"{what(action)}  \n:small[{state_badges(action)}]")


def verify_panel(draft: Draft) -> None:
    """The audit asks about each open action of the store: fixed (a photo proves it) or not fixed."""
    found = actions.open_actions(db(), signed_in_user(), lang(), draft.store_code)
    if found.empty:
        return
    checks = draft.answers.setdefault("actions", {})
    prefix = draft.submission_key[:8]
    with st.container(border=True, key="verify_actions"):
        st.markdown(f"**{t('actions.verify_heading', n=len(found))}**  \n:small[{t('actions.verify_hint')}]")
        for action in found.to_dict("records"):
            verify_row(draft, action, checks.setdefault(str(action["id"]), {}), prefix)


def verify_row(draft: Draft, action: Record, answer: LineAnswers, prefix: str) -> None:
    key = f"{prefix}:act:{action['id']}"
    before = dict(answer)
    with st.container(border=True, key=f"row-actions-{action['id']}"):
        heading, choice = st.columns([5, 3], vertical_alignment="center")
        heading.markdown(f"{what(action)}  \n:small[{state_badges(action)}]")
        options = {True: t("actions.fixed"), False: t("actions.not_fixed")}
        if key not in st.session_state:
            st.session_state[key] = answer.get("fixed")
        with choice:
            answer["fixed"] = st.segmented_control(
                str(t("actions.fixed_question")),
                list(options),
                format_func=lambda fixed: options[fixed],
                key=key,
                required=True,
                label_visibility="collapsed",
                width="stretch",
            )
        if answer["fixed"]:
            proof_photo(draft, action, answer, key)
    if answer != before:
        capture.save_draft(db(), draft)


def proof_photo(draft: Draft, action: Record, answer: LineAnswers, key: str) -> None:
    """The photo that proves the fix: the tablet's camera app at one tap, attached to the audit."""
    attached = capture.draft_photos(db(), draft)
    shown = attached[attached.photo_sha256 == answer.get("photo")] if answer.get("photo") else attached.iloc[:0]
    if not shown.empty:
        picture, note = st.columns([1, 4], vertical_alignment="center")
        picture.image(str(photos.photo_path(shown.thumb_sha256.iloc[0])), width=96)
        note.caption(t("actions.proof_attached"))
        return
    rounds = st.session_state.setdefault(f"{key}:rounds", 0)
    taken = st.file_uploader(
        t("actions.proof_photo"),
        type=PHOTO_TYPES,
        key=widget_texts.device_camera_key(f"{key}:proof:{rounds}"),
    )
    if taken is None:
        st.caption(t("actions.proof_needed"))
        return
    try:
        photo = photos.process_photo(taken.getvalue(), taken.name)
        capture.add_draft_photo(db(), draft, photo, "other", caption=f"{t('actions.kind.' + action['kind'])}")
    except UserFacingError as error:
        if error.key != "capture.error.photo_already_attached":
            st.error(error_text(error), icon=":material/error:")
            return
    answer["photo"] = photo.sha256
    st.session_state[f"{key}:rounds"] = rounds + 1
    capture.save_draft(db(), draft)
    st.rerun()


def mark_done_form(action: Record) -> None:
    """The owner says it is done, with a note or a photo; the next audit verifies it."""
    key = f"done:{action['id']}"
    with st.form(key, border=False, clear_on_submit=False):
        st.caption(t("actions.done_hint"))
        note = st.text_area(t("actions.done_note"), max_chars=actions.TEXT_LIMIT, key=f"{key}:note", height=80)
        picture = st.file_uploader(
            t("actions.done_photo"), type=PHOTO_TYPES, key=widget_texts.device_camera_key(f"{key}:photo")
        )
        pressed = st.form_submit_button(
            t("actions.mark_done"), type="primary", icon=":material/task_alt:", width="stretch", key=f"{key}:submit"
        )
    if pressed:
        with show_user_error():
            photo = photos.process_photo(picture.getvalue(), picture.name) if picture is not None else None
            if actions.mark_done(db(), signed_in_user(), int(action["id"]), note, photo):
                st.session_state["actions_flash"] = "actions.marked_done"
            else:
                st.session_state["actions_flash"] = "actions.already_done"
            st.rerun()


def history_table(store_code: str) -> None:
    """Every action's history at the store, newest first, with the photos that prove fixes."""
    history = actions.store_history(db(), signed_in_user(), store_code, lang())
    st.subheader(t("actions.history_heading"), anchor=False)
    if history.empty:
        st.info(t("actions.history_none"))
        return
    here = lang()
    table = pd.DataFrame(
        {
            "at": history["at"].map(lambda d: fmt_date(d, here)),
            "action": [
                f"{t('actions.kind.' + k)} · {label}" if label else str(t("actions.kind." + k))
                for k, label in zip(history.kind, history.label, strict=True)
            ],
            "event": history.event.map(lambda e: str(t("actions.event." + e))),
            "status": history.status.map(lambda s: str(t("actions.status." + s))),
            "who": history.who,
            "note": history.note,
            "photo": history.photo_sha256.notna().map({True: str(t("common.yes")), False: ""}),
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height=table_height(len(table), 420),
        column_config={
            "at": st.column_config.TextColumn(t("actions.col.date"), width="small"),
            "action": st.column_config.TextColumn(t("actions.col.action"), width="medium"),
            "event": t("actions.col.event"),
            "status": t("actions.col.status"),
            "who": t("actions.col.who"),
            "note": t("actions.col.note"),
            "photo": t("actions.col.photo"),
        },
    )
    proofs = history[history.photo_sha256.notna()].drop_duplicates("photo_sha256").head(8)
    if not proofs.empty:
        st.caption(t("actions.proof_photos"))
        cols = st.columns(4)
        for i, proof in enumerate(proofs.itertuples()):
            with cols[i % 4]:
                caption = f"{fmt_date(proof.at, here)} · {t('actions.event.' + proof.event)}"
                st.image(str(photos.photo_path(proof.thumb_sha256)), caption=caption)


def audit_outcome_box(audit_id: int) -> None:
    """After submit: what this audit did to the store's actions."""
    done = actions.audit_outcome(db(), signed_in_user(), audit_id)
    if not done:
        return
    parts = [
        t("actions.outcome." + event, n=done[event])
        for event in ("opened", "fixed_on_spot", "verified", "not_fixed", "seen_again")
        if done.get(event)
    ]
    st.markdown(f":material/task_alt: {' · '.join(parts)}")  # beside the score, not one more notice box
