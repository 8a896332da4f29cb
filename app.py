"""Entry point: page setup, language, sign-in gate and the role-aware page list."""

import streamlit as st

from audit.ui import context, shell, upload_guard, widget_texts
from audit.ui.navigation import land_after_sign_in, navigation

upload_guard.install()  # issue 13: no upload before sign-in, a budget per session (once per server)
st.set_page_config(page_title="Store Audit", page_icon=shell.app_icon(), layout="wide")

shell.tablet_layout()
widget_texts.install()  # issue 14: Streamlit's own texts (upload box, camera, lost connection) translated
user = context.current_user()
page = navigation(user)
if user is None:
    # Signed-out tablets in portrait hide the sidebar: offer the language where it is seen.
    shell.language_picker(st.columns([3, 1])[1])
else:
    land_after_sign_in(user, page)
    shell.language_picker()
    shell.account_box(user)
context.flush_cookies()
page.run()
