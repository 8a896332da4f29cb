"""Admin: master-data imports and user accounts."""
import streamlit as st

from audit import users
from audit.access import ROLES
from audit.ui import context
from audit.ui.backup_panel import backup_panel
from audit.ui.context import t
from audit.ui.import_panel import import_panel
from audit.ui.widgets import show_user_error

db = context.db()
lang = context.lang()

st.title(t("nav.admin"), anchor=False)
import_tab, users_tab, backup_tab = st.tabs([t("admin.tab_import"), t("admin.tab_users"), t("admin.tab_backup")])

with import_tab:
    import_panel(db, lang)

with users_tab:
    table = users.list_users(db)
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
        username = st.text_input(t("users.username"), key="new_username")
        display_name = st.text_input(t("users.display_name"), key="new_display_name")
        role = st.segmented_control(t("users.role"), ROLES, format_func=lambda r: t("role." + r), key="new_role")
        dealers = users.dealer_labels(db, lang)
        dealer = st.selectbox(t("users.dealer_if_dealer"), list(dealers), format_func=dealers.get, index=None, key="new_dealer",
                              placeholder=t("common.choose"))
        password = st.text_input(t("users.password"), type="password", key="new_password")
        if st.form_submit_button(t("users.add"), type="primary"):
            with show_user_error():
                created = users.create_user(db, username, display_name, role or "", password, dealer)
                st.success(t("users.added", username=created))
    with manage_col, st.container(border=True):
        st.subheader(t("users.manage_heading"), anchor=False)
        target = st.selectbox(t("users.username"), table.username.tolist(), index=None, key="manage_user",
                              placeholder=t("common.choose"))
        new_password = st.text_input(t("users.new_password"), type="password", key="reset_password")
        if st.button(t("users.reset_password"), key="do_reset", disabled=target is None):
            with show_user_error():
                users.reset_password(db, target, new_password)
                st.success(t("users.password_reset", username=target))
        if target is not None:
            is_active = bool(table.loc[table.username == target, "active"].iloc[0])
            label = t("users.deactivate") if is_active else t("users.activate")
            if st.button(label, key="toggle_active"):
                with show_user_error():
                    users.set_active(db, target, not is_active)
                    st.rerun()

with backup_tab:
    backup_panel(db)
