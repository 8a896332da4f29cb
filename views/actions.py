"""Actions: a dealer's open actions (theirs first) to mark done; a manager's loop (open and overdue by kind,
region, dealer and merchandiser, fix rate and time to fix against the previous period, problems that come
back) and the actions themselves to add, reassign or cancel."""

from datetime import date

import streamlit as st

from audit import access, actions, stores
from audit.filters import DashboardFilters
from audit.i18n import fmt_date
from audit.ui import context, url_state
from audit.ui.action_widgets import mark_done_form, state_badges, what
from audit.ui.context import t
from audit.ui.dashboard_filters import filter_bar
from audit.ui.links import store_link_column, store_url
from audit.ui.markdown import md_escape
from audit.ui.widgets import open_tapped, show_user_error, tap_table

db = context.db()
user = context.current_user()
lang = context.lang()


def flash() -> None:
    if message := st.session_state.pop("actions_flash", None):
        st.success(t(message), icon=":material/check_circle:")


def chosen_action() -> dict | None:
    """The action named in the URL (?action=ID), if it is in the viewer's stores; a warning otherwise."""
    wanted = url_state.get("action")
    if not wanted:
        return None
    found = actions.get_action(db, user, int(wanted), lang) if wanted.isdigit() and len(wanted) < 19 else None
    if found is None:
        st.warning(t("actions.error.not_found", id=wanted))
    return found


def action_card(action: dict, can_mark: bool) -> None:
    with st.container(border=True, key=f"action-{action['id']}"):
        st.markdown(
            f"[{md_escape(action['store'])}]({store_url(action['store_code'])}) · {md_escape(action['store_code'])}"
            f"  \n{what(action)}  \n:small[{state_badges(action)}]"
        )
        if action["status"] == "done":
            st.caption(t("actions.waiting_for_visit"))
        elif can_mark:
            with st.popover(t("actions.mark_done"), icon=":material/task_alt:", width="stretch"):
                mark_done_form(action)


def dealer_page() -> None:
    st.caption(t("actions.dealer_hint"))
    flash()
    one = chosen_action()
    if url_state.get("action"):
        if one is not None:
            action_card(one, bool(one["owner_role"] == "dealer" and one["owner"] == user.dealer_code))
        if st.button(t("actions.all_open"), key="actions_all", icon=":material/list:"):
            url_state.set_value("action", None)
            st.rerun()
        return
    found = actions.open_actions(db, user, lang, limit=200)
    if found.empty:
        st.info(t("actions.none_open"), icon=":material/task_alt:")
        return
    mine = found[found.mine]
    st.subheader(t("actions.yours", n=len(mine)), anchor=False)
    for action in mine.to_dict("records"):
        action_card(action, True)
    others = found[~found.mine]
    if not others.empty:
        st.subheader(t("actions.others", n=len(others)), anchor=False)
        st.caption(t("actions.others_hint"))
        for action in others.to_dict("records"):
            action_card(action, False)


def loop_tiles(filters: DashboardFilters, open_now) -> None:
    loop = actions.loop_measures(db, user, filters).set_index("period")
    now, before = loop.loc["current"], loop.loc["previous"]
    st.caption(
        t(
            "dash.compared_with",
            start=fmt_date(before["date_from"], lang),
            end=fmt_date(before["date_to"], lang),
        )
    )
    cols = st.columns(5)
    cols[0].metric(t("actions.tile.open"), f"{len(open_now):,}")
    cols[1].metric(t("actions.tile.overdue"), f"{int(open_now.overdue.sum()):,}")

    def delta(value, previous, scale=1.0, suffix=""):
        if value != value or previous != previous:
            return {}
        return {"delta": f"{(value - previous) * scale:+.1f}{suffix}"}

    rate, rate_before = now["fix_rate"], before["fix_rate"]
    cols[2].metric(
        t("actions.tile.fix_rate"),
        "—" if rate != rate else f"{rate * 100:.0f} %",
        help=t("actions.tile.fix_rate_help"),
        **delta(rate, rate_before, 100, " pp"),
    )
    days, days_before = now["median_days_to_fix"], before["median_days_to_fix"]
    cols[3].metric(
        t("actions.tile.days_to_fix"),
        "—" if days != days else f"{days:.1f}",
        help=t("actions.tile.days_to_fix_help"),
        delta_color="inverse",
        **delta(days, days_before),
    )
    cols[4].metric(
        t("actions.tile.on_spot"),
        f"{int(now['fixed_on_spot']):,}",
        help=t("actions.tile.opened", n=int(now["opened"])),
    )


def breakdown(filters: DashboardFilters) -> None:
    by = st.segmented_control(
        t("actions.by"),
        list(actions.BREAKDOWNS),
        format_func=lambda b: t("actions.by." + b),
        default="kind",
        key="actions_by",
        required=True,
    )
    table = actions.open_by(db, user, filters, by or "kind", lang)
    if by == "kind" or by is None:
        table = table.assign(name=table.code.map(lambda k: str(t("actions.kind." + k))))
    st.dataframe(
        table.drop(columns="code"),
        hide_index=True,
        width="stretch",
        column_config={
            "name": t("actions.by." + (by or "kind")),
            "open": st.column_config.NumberColumn(t("actions.col.open")),
            "overdue": st.column_config.NumberColumn(t("actions.col.overdue")),
            "awaiting_check": st.column_config.NumberColumn(t("actions.col.awaiting_check")),
        },
    )


def recurring(filters: DashboardFilters) -> None:
    st.subheader(t("actions.recurring_heading"), anchor=False)
    table = actions.recurring(db, user, filters, lang)
    if table.empty:
        st.info(t("actions.recurring_none"))
        return
    st.dataframe(
        table.assign(
            store_code=table.store_code.map(store_url),
            kind=table.kind.map(lambda k: str(t("actions.kind." + k))),
            last_opened=table.last_opened.map(lambda d: fmt_date(d, lang)),
            still_open=table.still_open.map({True: str(t("common.yes")), False: str(t("common.no"))}),
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "store_code": store_link_column(t("stores.code")),
            "store": t("stores.name"),
            "kind": t("actions.col.kind"),
            "label": t("actions.col.what"),
            "actions": st.column_config.NumberColumn(t("actions.col.actions")),
            "times_found": st.column_config.NumberColumn(t("actions.col.times_found")),
            "last_opened": t("actions.col.last_opened"),
            "still_open": t("actions.col.still_open"),
        },
    )


def open_table(open_now) -> None:
    st.subheader(t("actions.open_heading", n=len(open_now)), anchor=False)
    if open_now.empty:
        st.info(t("actions.none_open"), icon=":material/task_alt:")
        return
    shown = open_now.head(500)
    tapped = tap_table(
        shown.assign(
            kind=shown.kind.map(lambda k: str(t("actions.kind." + k))),
            status=shown.status.map(lambda s: str(t("actions.status." + s))),
            due_date=shown.due_date.map(lambda d: fmt_date(d, lang)),
            overdue=shown.overdue.map({True: str(t("actions.overdue")), False: ""}),
        )[["store_code", "store", "kind", "label", "status", "owner_name", "due_date", "overdue", "seen_count"]],
        "actions_table",
        {
            "store_code": t("stores.code"),
            "store": t("stores.name"),
            "kind": t("actions.col.kind"),
            "label": t("actions.col.what"),
            "status": t("actions.col.status"),
            "owner_name": t("actions.col.owner"),
            "due_date": t("actions.col.due"),
            "overdue": t("actions.col.overdue_flag"),
            "seen_count": st.column_config.NumberColumn(t("actions.col.seen")),
        },
        most_px=420,
    )
    st.caption(t("actions.tap_hint") if len(open_now) <= 500 else t("actions.tap_hint_first", n=500))
    if tapped is not None:
        open_tapped("actions_table", "action", str(shown.iloc[tapped]["id"]))


def manage(action: dict) -> None:
    """Reassign (owner, due date) or cancel with a reason: one action, named in the URL."""
    with st.container(border=True, key="manage_action"):
        st.markdown(
            f"**#{action['id']}** · {md_escape(action['store'])} · {md_escape(action['store_code'])}  \n"
            f"{what(action)}  \n:small[{state_badges(action)}]"
        )
        if action["status"] not in actions.OPEN_STATES:
            st.caption(t("actions.status." + action["status"]))
            return
        options = stores.filter_options(db, user, lang)
        owners = {f"dealer:{c}": f"{t('actions.owner.dealer')} · {n}" for c, n in options.dealers.items()} | {
            f"merchandiser:{c}": f"{t('actions.owner.merchandiser')} · {n}" for c, n in options.merchandisers.items()
        }
        current = f"{action['owner_role']}:{action['owner']}"
        with st.form(f"reassign_{action['id']}", border=False):
            left, right = st.columns(2)
            owner = left.selectbox(
                t("actions.col.owner"),
                list(owners),
                format_func=owners.get,
                index=list(owners).index(current) if current in owners else None,
                key="manage_owner",
            )
            due = right.date_input(
                t("actions.col.due"), value=action["due_date"], format="YYYY-MM-DD", key="manage_due"
            )
            if st.form_submit_button(t("actions.reassign"), icon=":material/swap_horiz:", key="manage_reassign"):
                with show_user_error():
                    role, _, code = (owner or current).partition(":")
                    actions.reassign(db, user, int(action["id"]), role, code or None, due)
                    st.session_state["actions_flash"] = "actions.reassigned"
                    st.rerun()
        with st.form(f"cancel_{action['id']}", border=False):
            reason = st.text_input(t("actions.cancel_reason"), max_chars=actions.TEXT_LIMIT, key="manage_reason")
            if st.form_submit_button(t("actions.cancel"), icon=":material/cancel:", key="manage_cancel"):
                with show_user_error():
                    actions.cancel(db, user, int(action["id"]), reason)
                    st.session_state["actions_flash"] = "actions.cancelled"
                    url_state.set_value("action", None)
                    st.rerun()
    if st.button(t("actions.close_manage"), key="actions_close_manage", icon=":material/close:"):
        url_state.set_value("action", None)
        st.rerun()


def add_by_hand() -> None:
    with st.expander(t("actions.add_heading"), icon=":material/add_task:"):
        visible = stores.list_stores(db, user, stores.StoreFilters(), lang)
        choices = dict(zip(visible.code, visible.code + " · " + visible.name, strict=True))
        kinds = {k: str(t("actions.kind." + k)) for k in actions.KINDS}
        with st.form("add_action", border=False):
            store = st.selectbox(
                t("actions.col.store"), list(choices), format_func=choices.get, index=None, key="add_store"
            )
            left, right = st.columns(2)
            kind = left.selectbox(t("actions.col.kind"), list(kinds), format_func=kinds.get, index=6, key="add_kind")
            role = right.selectbox(
                t("actions.col.owner"),
                list(actions.OWNER_ROLES),
                format_func=lambda r: t("actions.owner_of_store." + r),
                index=None,
                placeholder=t("actions.owner_by_rule"),
                key="add_owner",
            )
            note = st.text_input(t("actions.what_to_do"), max_chars=actions.TEXT_LIMIT, key="add_note")
            due = st.date_input(
                t("actions.col.due"), value=None, min_value=date.today(), format="YYYY-MM-DD", key="add_due"
            )
            st.caption(t("actions.due_by_rule"))
            if st.form_submit_button(t("actions.add"), type="primary", icon=":material/add_task:", key="add_submit"):
                with show_user_error():
                    if store is None:
                        raise actions.ActionError("actions.error.store_missing")
                    added = actions.add_action(db, user, store, kind, note, role, None, due)
                    st.session_state["actions_flash"] = "actions.added"
                    url_state.set_value("action", str(added))
                    st.rerun()


def flash_rule() -> None:
    with st.expander(t("actions.rule_heading"), icon=":material/bolt:"):
        rules = actions.load_rules(db)
        with st.form("flash_rule", border=False):
            on = st.toggle(t("actions.rule_on"), value=rules.flash_gap is not None, key="rule_on")
            gap = st.number_input(
                t("actions.rule_gap"),
                min_value=0,
                max_value=90,
                step=1,
                value=round((rules.flash_gap or actions.DEFAULT_FLASH_GAP) * 100),
                key="rule_gap",
            )
            if st.form_submit_button(t("actions.rule_save"), icon=":material/save:", key="rule_save"):
                with show_user_error():
                    actions.save_rules(db, user, actions.ActionRules(gap / 100 if on else None))
                    st.session_state["actions_flash"] = "actions.rule_saved"
                    st.rerun()


def manager_page() -> None:
    flash()
    filters = filter_bar(db, user, lang, "actions")
    open_now = actions.open_actions(db, user, lang, filters=filters)
    loop_tiles(filters, open_now)
    one = chosen_action()
    if one is not None:
        manage(one)
    st.subheader(t("actions.breakdown_heading"), anchor=False)
    breakdown(filters)
    recurring(filters)
    open_table(open_now)
    add_by_hand()
    flash_rule()


st.title(t("nav.actions"), anchor=False)
if user.role in access.ACTIONS_MANAGE:
    manager_page()
else:
    dealer_page()
