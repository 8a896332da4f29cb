"""Running the app's pages headless with Streamlit's AppTest: signed in as someone, in a language."""

from __future__ import annotations

from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from audit import auth, capture
from tests.helpers.paths import APP

ROLE_USERS = {"admin": "admin", "manager": "manager", "merchandiser": "merch01", "dealer": "dealer01"}


def app_as(db, username: str | None, lang: str = "en") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    if username:
        at.session_state["session_token"] = auth.start_session(db, username)
    return at.run()


def texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.title, *at.header, *at.subheader, *at.markdown, *at.caption, *at.info, *at.warning)]
    return "\n".join(str(p) for p in parts)


PERIOD = {"from": "2026-10-20", "to": "2026-11-20"}


def open_page(db, username: str, page: str, lang: str = "en", **params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.session_state["session_token"] = auth.start_session(db, username)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def session(db, username="merch01", store=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["session_token"] = auth.start_session(db, username)
    if store:
        at.query_params["store"] = store
    at.run()
    at.switch_page("views/capture.py").run()
    assert not at.exception, at.exception
    return at


def group(at, key):
    return at.button_group(key=key)


def strings_in(message, path=()):
    """Every string in a protobuf message with the field path leading to it."""
    for field, value in message.ListFields():
        values = [value] if isinstance(value, (str, bytes, Message)) or not hasattr(value, "__iter__") else value
        for item in values:
            if isinstance(item, str):
                yield (*path, field.name), item
            elif hasattr(item, "ListFields"):
                yield from strings_in(item, (*path, field.name))


def elements(node):
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        yield node
    for child in getattr(node, "children", {}).values():
        yield from elements(child)


def deep_links(db, username: str) -> dict[str, list[dict]]:
    """Beyond each page's first screen: a store's card, an audit's record, a store's audit form."""
    user = auth.get_user(db, username)
    store = (
        capture.store_queue(db, user, "en").code.iloc[0]
        if user.role == "merchandiser"
        else db.query_one(
            "SELECT min(code) FROM stores WHERE dealer_code = coalesce(?, dealer_code)", [user.dealer_code]
        )[0]
    )
    audit = db.query_one("SELECT max(id) FROM audits WHERE store_code = ?", [store])[0]
    links = {"views/stores.py": [{"store": store}], "views/audits.py": [{"audit": str(audit)}]}
    if user.role == "merchandiser":
        capture.open_draft(db, user, store, "en")
        links["views/capture.py"] = [{"store": store}]
    return links
