"""Audit: the merchandiser's stores (due first), the last audit's findings, the visit form, history."""

import json

import streamlit as st

from audit import capture, plans, scoring, settings
from audit.errors import UserFacingError
from audit.i18n import labelled
from audit.ui import capture_form, context, url_state
from audit.ui.action_widgets import audit_outcome_box, open_actions_box, verify_panel
from audit.ui.context import t
from audit.ui.findings import findings_box
from audit.ui.markdown import md_escape
from audit.ui.scoring_widgets import audit_score_box
from audit.ui.widgets import error_text, show_user_error
from audit.values import is_missing

db = context.db()
user = context.current_user()
lang = context.lang()
STATUS_BADGE = {"draft": ":violet-badge", "overdue": ":red-badge", "due": ":orange-badge", "ok": ":green-badge"}


def open_store(code: str | None) -> None:
    url_state.set_value("store", code)
    st.rerun()


def since_text(days_since) -> str:
    if is_missing(days_since):  # never visited
        return t("capture.never_visited")
    return t("capture.visited_today") if days_since == 0 else t("capture.days_since", n=int(days_since))


def store_card(
    store, number: int | None = None, leg_km=None, done: bool = False, highlight: bool = False, key: str = "open"
) -> None:
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        with left:
            prefix = f"**{number}\\.** " if number else ""
            status = (
                f":green-badge[:material/check: {t('capture.done_today')}]"
                if done
                else f"{STATUS_BADGE[store.status]}[{t('capture.status.' + store.status)}]"
            )
            leg = f" · {t('capture.leg', km=f'{leg_km:.1f}')}" if not is_missing(leg_km) else ""
            st.markdown(
                f"{prefix}**{md_escape(store.name)}** · {md_escape(store.code)} · "
                f"{t('stores.grade')} {store.grade}  \n{status} {since_text(store.days_since)}{leg}"
            )
        with right:
            if st.button(
                t("capture.open"),
                key=f"{key}_{store.code}",
                width="stretch",
                type="primary" if highlight else "secondary",
            ):
                open_store(store.code)


def todays_plan(queue, today_plan: plans.TodayPlan) -> None:
    """Today's planned stores in the suggested order, with the round trip; done ones ticked."""
    stops = today_plan.stops.merge(
        queue[["code", "status", "days_since"]], on="code", how="left", suffixes=("_plan", "")
    )
    done_count = int(stops.done.sum())
    st.subheader(t("capture.plan_heading", done=done_count, total=len(stops)), anchor=False)
    if today_plan.total_km is not None:
        st.caption(t("capture.route", km=f"{today_plan.total_km:.1f}"))
    if today_plan.without_position:
        st.caption(t("capture.route_unplaced", n=today_plan.without_position))
    upcoming = stops.code[~stops.done]
    first = upcoming.iloc[0] if len(upcoming) else None
    for number, stop in enumerate(stops.itertuples(), start=1):
        store_card(stop, number, stop.leg_km, bool(stop.done), highlight=stop.code == first)


def start_screen() -> None:
    queue = capture.store_queue(db, user, lang)
    search = (
        st.text_input(
            t("stores.search"),
            key="capture_search",
            placeholder=t("stores.search_placeholder"),
            icon=":material/search:",
        )
        .strip()
        .lower()
    )
    if search:
        queue = queue[
            queue.code.str.lower().str.contains(search, regex=False)
            | queue.name.str.lower().str.contains(search, regex=False)
        ]
    drafts = queue[queue.status == "draft"] if not search else queue.iloc[:0]
    if not drafts.empty:  # an audit begun and not sent comes before anything else
        st.subheader(t("capture.continue_heading"), anchor=False)
        for store in drafts.itertuples():
            store_card(store, highlight=True, key="resume")
    today_plan = plans.today_plan(db, user, lang)
    planned = set(today_plan.stops.code)
    if planned and not search:
        todays_plan(queue, today_plan)
        st.subheader(t("capture.other_stores"), anchor=False)
        st.caption(t("capture.unplanned_hint"))
        queue = queue[~queue.code.isin(planned)]
    queue = queue[~queue.code.isin(drafts.code)]
    if queue.empty and drafts.empty:
        st.info(t("stores.no_match") if search else t("capture.no_other_stores") if planned else t("stores.none_yet"))
    for store in queue.head(60).itertuples():
        store_card(store)


def store_intro(code: str) -> None:
    if st.button(t("capture.back"), icon=":material/arrow_back:", key="capture_back"):
        open_store(None)
    queue = capture.store_queue(db, user, lang)
    match = queue[queue.code == code]
    if match.empty:
        st.warning(t("stores.not_found", code=md_escape(code)))  # the code comes from the URL
        return
    store = match.iloc[0]
    st.header(md_escape(store["name"]), anchor=False)
    st.caption(f"{md_escape(code)} · {t('stores.grade')} {store['grade']} · {md_escape(store['city'] or '')}")
    open_actions_box(code)  # what must be fixed comes first; the audit asks about each
    findings_box(capture.last_findings(db, user, code, lang))
    if (
        not is_missing(store["days_since"]) and store["days_since"] == 0
    ):  # allowed (a second visit the same day), but rarely meant
        st.info(t("capture.again_today"), icon=":material/info:")
    if st.button(t("capture.start"), type="primary", icon=":material/play_arrow:", key="capture_start"):
        with show_user_error():
            capture.open_draft(db, user, code, lang)
            st.rerun()


def go_to(prefix: str, step: int, focus: tuple[str, str | None] | None = None) -> None:
    """Change the section before the page is drawn (a button's callback): the section bar follows."""
    st.session_state[f"{prefix}:step"] = step
    st.session_state[capture_form.focus_key(prefix)] = focus


def scroll_to_focus(prefix: str) -> None:
    """Bring the question the submit list pointed at into view; its row is outlined (shell's CSS)."""
    focus = st.session_state.get(capture_form.focus_key(prefix))
    if focus and focus[1]:
        target = json.dumps(f".st-key-row-{focus[0]}-{focus[1]}-focus")
        st.html(
            f"<script>setTimeout(() => document.querySelector({target})?.scrollIntoView("
            "{block: 'center', behavior: 'smooth'}), 300);</script>",
            unsafe_allow_javascript=True,
        )


def audit_form(draft: capture.Draft) -> None:
    checklist = capture.checklist(db, user, draft.store_code, lang, draft.answers.get("extra_skus", []))
    before = (json.dumps(draft.answers, sort_keys=True), draft.step)
    steps = {i: t(f"capture.step.{name}") for i, name in enumerate(capture_form.STEPS)}
    prefix = draft.submission_key[:8]
    if st.button(t("capture.back"), icon=":material/arrow_back:", key="capture_back"):
        open_store(None)
    st.subheader(md_escape(capture.store_name(db, draft.store_code, lang)), anchor=False)
    if st.session_state.get(f"{prefix}:step") is None:
        st.session_state[f"{prefix}:step"] = draft.step
    step = st.segmented_control(
        t("capture.steps"),
        list(steps),
        format_func=steps.get,
        key=f"{prefix}:step",
        width="stretch",
        required=True,
        label_visibility="collapsed",
    )
    draft.step = draft.step if step is None else step
    name = capture_form.STEPS[draft.step]
    attached = capture.draft_photos(db, draft)
    if draft.step == 0:
        verify_panel(draft)  # the store's open actions: fixed (with a photo) or not, before the shelf
    if name == "photos":
        capture_form.photo_step(draft, attached)
    elif name == "visit":
        capture_form.visit(draft)
    else:
        getattr(capture_form, name)(draft, checklist)
    if (json.dumps(draft.answers, sort_keys=True), draft.step) != before:
        capture.save_draft(db, draft)
    back, forward = st.columns(2)
    if draft.step > 0:
        back.button(
            t("capture.previous"),
            key="capture_prev",
            width="stretch",
            icon=":material/chevron_left:",
            on_click=go_to,
            args=(prefix, draft.step - 1),
        )
    if draft.step < len(steps) - 1:
        forward.button(
            t("capture.next"),
            key="capture_next",
            type="primary",
            width="stretch",
            icon=":material/chevron_right:",
            on_click=go_to,
            args=(prefix, draft.step + 1),
        )
    elif forward.button(
        t("capture.submit"), key="capture_submit", type="primary", width="stretch", icon=":material/send:"
    ):
        submit(draft)
    scroll_to_focus(prefix)


def submit(draft: capture.Draft) -> None:
    try:
        submitted = capture.submit(db, user, draft.submission_key, lang)
    except capture.SubmitRefused as refused:
        st.error(error_text(refused), icon=":material/error:")
        steps = {name: t(f"capture.step.{name}") for name in capture_form.STEPS}
        prefix = draft.submission_key[:8]
        for number, problem in enumerate(refused.problems):  # each one a tap away from its question
            st.button(
                labelled(steps.get(problem.section, problem.section), t(problem.key, **problem.values), lang),
                key=f"capture_problem_{number}",
                type="tertiary",
                icon=":material/arrow_forward:",
                on_click=go_to,
                args=(prefix, capture_form.STEPS.index(problem.section), (problem.section, problem.item)),
            )
        return
    except UserFacingError as error:  # a refused capture, or a write the server's disk refused: the draft stays
        st.error(error_text(error), icon=":material/error:")
        return
    st.session_state["capture_submitted"] = (draft.store_code, submitted.audit_id)
    open_store(None)


def summary(store_code: str, audit_id: int) -> None:
    st.success(t("capture.submitted_ok"), icon=":material/check_circle:")
    rules = settings.load(db)
    audit_score_box(scoring.audit_score(db, user, audit_id, rules), rules)
    audit_outcome_box(audit_id)
    findings_box(capture.last_findings(db, user, store_code, lang), "capture.this_found")
    nxt = capture.store_queue(db, user, lang)
    planned = plans.today_plan(db, user, lang).stops
    planned = planned[~planned.done & (planned.code != store_code)].code.tolist()
    if planned:  # the next store on today's plan, in the suggested order
        nxt = nxt.set_index("code").loc[[c for c in planned if c in set(nxt.code)]].reset_index()
    else:
        nxt = nxt[nxt.status.isin(["overdue", "due"]) & (nxt.code != store_code)]
    left, right = st.columns(2)
    if not nxt.empty:
        store = nxt.iloc[0]
        left.markdown(
            t(
                "capture.next_store",
                name=md_escape(store["name"]),
                code=store["code"],
                status=t("capture.status." + store["status"]),
            )
        )
        if right.button(t("capture.audit_next"), type="primary", key="audit_next"):
            st.session_state.pop("capture_submitted")
            open_store(store["code"])
    else:
        st.info(t("capture.nothing_due"), icon=":material/task_alt:")
    if st.button(t("capture.done"), key="capture_done"):
        st.session_state.pop("capture_submitted")
        st.rerun()


st.title(t("nav.capture"), anchor=False)
store_code = url_state.get("store")
if st.session_state.get("capture_submitted"):
    summary(*st.session_state["capture_submitted"])
elif not store_code:
    start_screen()
else:
    current = capture.get_draft(db, user, store_code)
    if current is None:
        store_intro(store_code)
    else:
        audit_form(current)
