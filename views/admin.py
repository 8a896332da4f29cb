"""Admin: master-data imports and user accounts."""

import streamlit as st

from audit import users
from audit.access import ROLES
from audit.errors import UserFacingError
from audit.ui import context
from audit.ui.backup_panel import backup_panel
from audit.ui.context import t
from audit.ui.import_panel import import_panel
from audit.ui.widgets import error_text, show_user_error

db = context.db()
lang = context.lang()

st.title(t("nav.admin"), anchor=False)
import_tab, users_tab, backup_tab = st.tabs([t("admin.tab_import"), t("admin.tab_users"), t("admin.tab_backup")])

with import_tab:
    import_panel(db, lang)

EMPTY_NEW_USER = {
    "new_username": "",
    "new_display_name": "",
    "new_display_name_en": "",
    "new_role": None,
    "new_dealer": None,
    "new_password": "",
}


def change(action, empty: dict, where: str) -> None:
    """A button's callback, run before the page is drawn again: so the lists show the change at once and
    the fields it used can be emptied. A refused change keeps the fields and its reason, shown at `where`."""
    try:
        message = action()
    except UserFacingError as error:
        st.session_state[f"{where}_error"] = error_text(error)
        return
    st.session_state.update(empty)
    st.session_state["users_done"] = message


def refusal(where: str) -> None:
    if message := st.session_state.pop(f"{where}_error", None):
        st.error(message, icon=":material/error:")


def add_user() -> str:
    form = st.session_state
    created = users.create_user(
        db,
        form.new_username,
        form.new_display_name,
        form.new_role or "",
        form.new_password,
        form.new_dealer,
        form.new_display_name_en,
    )
    return t("users.added", username=created)


def reset_password() -> str:
    users.reset_password(db, st.session_state.manage_user, st.session_state.reset_password)
    return t("users.password_reset", username=st.session_state.manage_user)


with users_tab:
    if message := st.session_state.pop("users_done", None):
        st.success(message, icon=":material/check:")
    table = users.list_users(db, lang)
    st.dataframe(
        table.assign(role=table.role.map(lambda r: t("role." + r)), dealer_code=table.dealer_code.fillna("—")),
        hide_index=True,
        width="stretch",
        column_config={
            "username": t("users.username"),
            "display_name": t("users.display_name"),
            "role": t("users.role"),
            "dealer_code": t("users.dealer"),
            "active": st.column_config.CheckboxColumn(t("users.active")),
            "is_demo": st.column_config.CheckboxColumn(t("users.demo")),
            "created_at": st.column_config.DatetimeColumn(t("users.created_at"), format="YYYY-MM-DD HH:mm"),
        },
    )
    add_col, manage_col = st.columns(2, gap="large")
    with add_col, st.form("add_user", clear_on_submit=False):
        st.subheader(t("users.add_heading"), anchor=False)
        st.text_input(t("users.username"), key="new_username")
        st.text_input(t("users.display_name"), key="new_display_name")
        st.text_input(t("users.display_name_en"), key="new_display_name_en")
        st.segmented_control(t("users.role"), ROLES, format_func=lambda r: t("role." + r), key="new_role")
        dealers = users.dealer_labels(db, lang)
        st.selectbox(
            t("users.dealer_if_dealer"),
            list(dealers),
            format_func=dealers.get,
            index=None,
            key="new_dealer",
            placeholder=t("common.choose"),
        )
        st.text_input(t("users.password"), type="password", key="new_password")
        st.form_submit_button(t("users.add"), type="primary", on_click=change, args=(add_user, EMPTY_NEW_USER, "add"))
        refusal("add")
    with manage_col, st.container(border=True):
        st.subheader(t("users.manage_heading"), anchor=False)
        target = st.selectbox(
            t("users.username"), table.username.tolist(), index=None, key="manage_user", placeholder=t("common.choose")
        )
        st.text_input(t("users.new_password"), type="password", key="reset_password")
        st.button(
            t("users.reset_password"),
            key="do_reset",
            disabled=target is None,
            on_click=change,
            args=(reset_password, {"reset_password": ""}, "reset"),
        )
        refusal("reset")
        if target is not None:
            is_active = bool(table.loc[table.username == target, "active"].iloc[0])
            label = t("users.deactivate") if is_active else t("users.activate")
            if st.button(label, key="toggle_active"):
                with show_user_error():
                    users.set_active(db, target, not is_active)
                    st.rerun()

with backup_tab:
    backup_panel(db)
