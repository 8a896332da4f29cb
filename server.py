"""The web server: `streamlit run server.py` serves app.py through Streamlit's ASGI app (st.App) with the
routes and middleware of audit/web.py (security headers, the HttpOnly session cookie)."""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from audit import web

app = st.App(
    Path(__file__).resolve().parent / "app.py", routes=web.ROUTES, middleware=[Middleware(web.SecurityHeaders)]
)
