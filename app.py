"""Entry point: page setup, language, sign-in gate and the role-aware page list."""
import streamlit as st

from audit.ui import context, shell
from audit.ui.navigation import navigation

st.set_page_config(page_title="Store Audit", page_icon=":material/fact_check:", layout="wide")

shell.tablet_layout()
user = context.current_user()
page = navigation(user)
shell.language_picker()
if user is not None:
    shell.account_box(user)
context.flush_cookies()
page.run()
