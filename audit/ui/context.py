"""Per-browser state every page needs: the database, the language, the signed-in user.

The browser keeps two cookies: the session token, set HttpOnly by the server (audit/web.py) in exchange
for a one-time ticket, and the chosen language, written by a small script. A reload starts a new
Streamlit session, which reads them back from st.context.cookies.
"""

from __future__ import annotations

import json
from typing import cast

import streamlit as st

from audit import auth, config, i18n, web
from audit.auth import User
from audit.db import Database, DatabaseLocked
from audit.errors import UserFacingError
from audit.opening import shared_database
from audit.ui.markdown import Markdown, placeholder_value

SESSION_COOKIE = web.SESSION_COOKIE
LANG_COOKIE = "audit_lang"
_YEAR = 365 * 24 * 3600


def db() -> Database:
    """The app's database; when it cannot be opened (a task holds it, the file is damaged) the page says why
    in the user's language and stops. Nothing is changed, and the next run tries again."""
    try:
        return shared_database()
    except UserFacingError as error:
        from audit.ui.widgets import error_text  # widgets builds on this module

        st.error(error_text(error), icon=":material/lock:" if isinstance(error, DatabaseLocked) else ":material/error:")
        st.stop()


def _cookie(name: str) -> str | None:
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) and value else None


def lang() -> str:
    if "lang" not in st.session_state:
        saved = _cookie(LANG_COOKIE)
        st.session_state.lang = saved if saved in i18n.LANGUAGES else i18n.language_from_locale(st.context.locale)
    return cast(str, st.session_state.lang)  # session_state holds Any


def plain_t(key: str, **values: object) -> str:
    """The text for places that show it as plain text (table cells, list options): values as they are."""
    return i18n.t(key, lang(), **values)


def t(key: str, **values: object) -> Markdown:
    """The text in the user's language; values from data are escaped (see audit/ui/markdown.py)."""
    return Markdown(i18n.t(key, lang(), **{name: placeholder_value(v) for name, v in values.items()}))


def set_lang(value: str) -> None:
    st.session_state.lang = value
    _queue_cookie(LANG_COOKIE, value, _YEAR)


def current_user() -> User | None:
    """The user of this browser session, re-checked on every run (a revoked session ends at once)."""
    if "session_token" not in st.session_state:
        st.session_state.session_token = _cookie(SESSION_COOKIE)
    user = auth.user_for_session(db(), st.session_state.session_token)
    if user is None:
        st.session_state.session_token = None
    return user


def signed_in_user() -> User:
    """current_user() on a screen behind the sign-in gate: a session that ended since the gate let this run
    in (signed out in another tab, revoked) reruns the page, and the gate shows the sign-in form."""
    user = current_user()
    if user is None:
        st.rerun()
    return user


def client_address() -> str:
    """Where this browser connects from, for the sign-in throttle: the socket's address, or the address
    the shipped reverse proxy puts in X-Real-IP when config.TRUST_PROXY_HEADER says one is in front."""
    address = st.context.headers.get("X-Real-IP") if config.TRUST_PROXY_HEADER else st.context.ip_address
    return address if isinstance(address, str) else ""  # none in a test run without a browser


def sign_in(username: str, password: str) -> User | None:
    user = auth.authenticate(db(), username, password, client_address())
    if user is not None:
        token = auth.start_session(db(), user.username)
        st.session_state.session_token = token
        st.session_state.just_signed_in = True  # app.py takes the user to their landing page
        # The server sets the cookie (HttpOnly, out of reach of scripts) in exchange for a one-time ticket.
        ticket = auth.issue_cookie_ticket(db(), token)
        _queue_script(
            f"fetch({json.dumps(web.SESSION_PATH)}, {{method: 'POST', body: {json.dumps(ticket)}, "
            "credentials: 'same-origin'});"
        )
    return user


def sign_out() -> None:
    auth.end_session(db(), st.session_state.get("session_token"))
    st.session_state.session_token = None
    _queue_script(f"fetch({json.dumps(web.SESSION_PATH)}, {{method: 'DELETE', credentials: 'same-origin'}});")


def _queue_cookie(name: str, value: str, max_age: int) -> None:
    """A cookie the page itself may write (the language: nothing secret)."""
    _queue_script(
        f"document.cookie = {json.dumps(name)} + '=' + {json.dumps(value)} + "
        f"'; path=/; max-age={max_age}; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');"
    )


def _queue_script(statement: str) -> None:
    st.session_state.setdefault("pending_scripts", []).append(statement)


def flush_cookies() -> None:
    """Run the queued cookie writes in the browser; called once per run by app.py."""
    pending = st.session_state.pop("pending_scripts", None)
    if pending:
        st.html(f"<script>{''.join(pending)}</script>", unsafe_allow_javascript=True)
