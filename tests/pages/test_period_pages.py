"""One period for every page: the Dashboard, Competitors, Visits and Exports open on the same default
(DEFAULT_WEEKS calendar weeks up to the latest audit), and a period picked on one page is the period of
the next page opened from the sidebar, whose links carry no address."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from audit import auth
from audit.filters import DEFAULT_WEEKS, default_period
from tests.helpers.apptest import APP
from tests.helpers.demo import DEMO_TODAY

PAGES = ("views/overview.py", "views/competitors.py", "views/visits.py", "views/exports.py")


def signed_in(db, username: str = "manager") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.context["locale"] = "en-GB"
    at.session_state["session_token"] = auth.start_session(db, username)
    return at.run()


def open_from_sidebar(at: AppTest, page: str) -> AppTest:
    """As a tap on the sidebar's link: the new page gets no query parameters."""
    for param in list(at.query_params):
        del at.query_params[param]
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def period_shown(at: AppTest) -> tuple[date, date]:
    (field,) = [d for d in at.date_input if d.label == "Period"]
    return tuple(field.value)


def period_in_url(at: AppTest) -> tuple[str, str]:
    values = [at.query_params[p] for p in ("from", "to")]
    return tuple(v[0] if isinstance(v, list) else v for v in values)


def test_every_page_opens_on_the_same_default_period_of_whole_weeks(demo_db):
    expected = default_period(DEMO_TODAY)  # the demo's latest audit is on its "today"
    assert expected[1] == DEMO_TODAY and expected[0].weekday() == 0
    assert (expected[1] - expected[0]).days // 7 + 1 == DEFAULT_WEEKS
    at = signed_in(demo_db)
    for page in PAGES:
        open_from_sidebar(at, page)
        assert period_shown(at) == expected, page
        assert period_in_url(at) == tuple(d.isoformat() for d in expected), page


@pytest.mark.parametrize(
    "first, then",
    [
        ("views/overview.py", "views/visits.py"),
        ("views/overview.py", "views/exports.py"),
        ("views/visits.py", "views/competitors.py"),
    ],
)
def test_the_period_picked_on_one_page_goes_with_the_manager(demo_db, first, then):
    chosen = (date(2026, 10, 5), date(2026, 11, 1))
    at = open_from_sidebar(signed_in(demo_db), first)
    (field,) = [d for d in at.date_input if d.label == "Period"]
    field.set_value(chosen).run()
    assert period_in_url(at) == ("2026-10-05", "2026-11-01")
    open_from_sidebar(at, then)
    assert period_shown(at) == chosen
    assert period_in_url(at) == ("2026-10-05", "2026-11-01")
    open_from_sidebar(at, first)  # and back again
    assert period_shown(at) == chosen


def test_a_shared_address_still_wins_over_the_period_carried_along(demo_db):
    at = open_from_sidebar(signed_in(demo_db), "views/overview.py")
    [d for d in at.date_input if d.label == "Period"][0].set_value((date(2026, 10, 5), date(2026, 11, 1))).run()
    for param in list(at.query_params):
        del at.query_params[param]
    at.query_params["from"], at.query_params["to"] = "2026-09-07", "2026-09-27"
    at.switch_page("views/visits.py").run()
    assert period_shown(at) == (date(2026, 9, 7), date(2026, 9, 27))
