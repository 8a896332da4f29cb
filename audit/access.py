"""Who may do what, by role: the one statement of the rules. The page list (audit/ui/navigation.py) and
the services both read it, so hiding a page and refusing its data cannot drift apart. Which stores a
user sees is decided in SQL by stores.scope_clause()."""

from __future__ import annotations

from typing import Protocol

ROLES = ("merchandiser", "manager", "dealer", "admin")

EVERYONE = frozenset(ROLES)
CAPTURE = frozenset({"merchandiser", "admin"})  # record audits (their own stores)
AUDIT_HISTORY = frozenset({"merchandiser", "manager", "admin"})  # read submitted audits (a merchandiser: own)
SCORES = frozenset({"manager", "admin"})  # dashboards, plans, visit measures, settings
EXPORTS = frozenset({"manager", "admin", "dealer"})  # audit summaries (a dealer: their own stores)
ALL_DEALERS = frozenset({"manager", "admin"})  # export any or every dealer
ADMIN = frozenset({"admin"})  # imports and accounts
ACTIONS_DONE = EVERYONE  # mark an action done (a dealer: their own; a merchandiser: in their stores)
ACTIONS_MANAGE = frozenset({"manager", "admin"})  # add, reassign, cancel actions; the loop measures
ACTIONS_PAGE = frozenset({"manager", "admin", "dealer"})  # the Actions page (merchandisers meet theirs in the audit)


class Viewer(Protocol):
    """Who asks, by role: audit.auth.User (a layer beside this one, so not imported here)."""

    @property
    def role(self) -> str: ...


def allowed(viewer: Viewer | None, roles: frozenset[str]) -> bool:
    """None is the command line, run by whoever can read the database file: allowed everything."""
    return viewer is None or viewer.role in roles
