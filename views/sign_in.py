"""Sign-in; on an empty database also the first-run choices (demo data or a first administrator)."""

import streamlit as st

from audit import auth, config, users
from audit.ui import context
from audit.ui.context import t
from audit.ui.widgets import show_user_error

db = context.db()
st.title(t("app.name"), anchor=False)
st.caption(t("app.tagline"))

if users.count_users(db) == 0:
    st.info(t("signin.empty_database"), icon=":material/database:")
    demo_col, admin_col = st.columns(2, gap="large")
    with demo_col:
        st.subheader(t("signin.demo_heading"))
        st.write(t("signin.demo_explain"))
        if st.button(t("signin.load_demo"), key="load_demo", type="primary", icon=":material/auto_awesome:"):
            from audit.demo import generate_demo

            bar = st.progress(0.0, text=t("demo.progress.start"))
            with show_user_error():  # e.g. another browser loaded demo data a moment ago
                generate_demo(
                    db,
                    lang=context.lang(),
                    progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
                )
                st.rerun()
    with admin_col:
        st.subheader(t("signin.first_admin_heading"))
        with st.form("first_admin"):
            username = st.text_input(t("users.username"), key="first_admin_username")
            display_name = st.text_input(t("users.display_name"), key="first_admin_display_name")
            password = st.text_input(t("users.password"), type="password", key="first_admin_password")
            if st.form_submit_button(t("signin.create_admin")):
                with show_user_error():
                    users.create_user(db, username, display_name, "admin", password)
                    context.sign_in(username, password)
                    st.rerun()
    st.stop()

with st.form("sign_in", border=True):
    st.subheader(t("signin.title"), anchor=False)
    username = st.text_input(t("signin.username"), key="signin_username", autocomplete="username")
    password = st.text_input(
        t("signin.password"), type="password", key="signin_password", autocomplete="current-password"
    )
    submitted = st.form_submit_button(t("signin.submit"), type="primary", width="stretch")
if submitted:
    with show_user_error():  # a name locked after too many wrong passwords says for how long
        if context.sign_in(username, password) is None:
            message, left = t("signin.failed"), auth.tries_left(db, username, context.client_address())
            if left <= 2:  # warned before the lock, not only by it (unknown names count alike: it tells nothing)
                message = t(
                    "fmt.sentences",
                    first=message,
                    second=t("signin.tries_left", n=left, minutes=config.SIGNIN_LOCK_MINUTES),
                )
            st.error(message, icon=":material/error:")
        else:
            st.rerun()

demo_accounts = auth.listed_demo_accounts(db, context.lang())
if not demo_accounts.empty:
    with st.container(border=True):
        st.markdown(f"**{t('signin.demo_accounts')}**")
        st.caption(t("signin.demo_accounts_explain"))
        st.dataframe(
            demo_accounts.assign(
                role=demo_accounts.role.map(lambda r: t("role." + r)),
                username=[
                    name if others == 0 else context.plain_t("signin.demo_and_more", name=name, n=others)
                    for name, others in zip(demo_accounts.username, demo_accounts.others, strict=True)
                ],
                password="demo",
            ).drop(columns="others"),
            hide_index=True,
            column_config={
                "username": t("signin.username"),
                "role": t("users.role"),
                "display_name": t("users.display_name"),
                "password": t("signin.password"),
            },
        )
