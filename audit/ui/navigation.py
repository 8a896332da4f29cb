"""Which pages exist and which roles may open them: the one place that decides it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import Page

from audit import access
from audit.auth import User
from audit.ui.context import t


@dataclass(frozen=True)
class PageSpec:
    path: str
    title_key: str
    icon: str
    roles: frozenset[str]


PAGES = (
    # First = the default page, served at "/" (its own path is not reachable by URL): the one page every
    # role has, so a link to "/?store=CODE" opens that store for anybody allowed to see it.
    PageSpec("views/stores.py", "nav.stores", ":material/storefront:", access.EVERYONE),
    PageSpec("views/overview.py", "nav.overview", ":material/monitoring:", access.SCORES),
    PageSpec("views/competitors.py", "nav.competitors", ":material/groups:", access.SCORES),
    PageSpec("views/actions.py", "nav.actions", ":material/task_alt:", access.ACTIONS_PAGE),
    PageSpec("views/capture.py", "nav.capture", ":material/fact_check:", access.CAPTURE),
    PageSpec("views/audits.py", "nav.audits", ":material/history:", access.AUDIT_HISTORY),
    PageSpec("views/plans.py", "nav.plans", ":material/calendar_month:", access.SCORES),
    PageSpec("views/visits.py", "nav.visits", ":material/insights:", access.SCORES),
    PageSpec("views/exports.py", "nav.exports", ":material/download:", access.EXPORTS),
    PageSpec("views/settings.py", "nav.settings", ":material/tune:", access.SCORES),
    PageSpec("views/admin.py", "nav.admin", ":material/admin_panel_settings:", access.ADMIN),
)
SIGN_IN = PageSpec("views/sign_in.py", "nav.sign_in", ":material/login:", frozenset())


def page_specs_for(user: User | None) -> list[PageSpec]:
    if user is None:
        return [SIGN_IN]
    return [spec for spec in PAGES if user.role in spec.roles]


# Where a role starts its day when it signs in at the app's front door: a merchandiser on today's plan.
LANDING = {"merchandiser": "views/capture.py"}


def land_after_sign_in(user: User, page: Page) -> None:
    """Right after a sign-in at "/" (no shared link, no query), go to the role's landing page."""
    if not st.session_state.pop("just_signed_in", False):
        return
    if user.role in LANDING and page.url_path == "" and not st.query_params:
        st.switch_page(LANDING[user.role])


def url_path(spec: PageSpec) -> str:
    return Path(spec.path).stem


def navigation(user: User | None) -> Page:
    """st.navigation holding only the pages this user may open; others are unreachable by URL too.

    Signed out, every page's address shows the sign-in form (and nothing else), so a link someone shared
    (a dashboard with its filters) keeps its page and query through the sign-in and opens after it."""
    if user is None:
        pages = [
            st.Page(SIGN_IN.path, title=t(SIGN_IN.title_key), icon=SIGN_IN.icon, url_path=url_path(spec))
            for spec in PAGES
        ]
        return st.navigation(pages, position="hidden")
    pages = [st.Page(spec.path, title=t(spec.title_key), icon=spec.icon) for spec in page_specs_for(user)]
    return st.navigation(pages)
