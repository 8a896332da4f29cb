"""Dates at the ends of the calendar in a dashboard's address (0001-01-01, 9999-12-31) are refused with a
message in the user's language, and the page shows its default period instead of stopping."""

import pytest
from streamlit.testing.v1 import AppTest

from audit import auth, i18n
from tests.helpers.apptest import APP

PAGES = ("views/overview.py", "views/visits.py", "views/exports.py")
PERIODS = [
    ("0001-01-01", "9999-12-31"),
    ("0001-01-01", "0001-01-31"),
    ("9999-12-01", "9999-12-31"),
    ("2026-10-20", "9999-12-31"),
]


def open_with_period(db, page: str, lang: str, period: tuple[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.context["locale"] = "zh-CN" if lang == "zh" else "en-GB"
    at.session_state["session_token"] = auth.start_session(db, "manager")
    at.query_params["from"], at.query_params["to"] = period
    at.run()
    return at.switch_page(page).run()


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("period", PERIODS, ids="-".join)
def test_a_period_past_the_calendars_ends_is_refused_and_the_page_works(demo_db, page, period):
    lang = "zh" if PERIODS.index(period) % 2 else "en"
    at = open_with_period(demo_db, page, lang, period)
    assert not at.exception, at.exception
    start, end = at.query_params["from"], at.query_params["to"]  # the default period, written back
    start, end = (start[0], end[0]) if isinstance(start, list) else (start, end)
    assert (start, end) != period and "2000-01-01" <= start <= end <= "2099-12-31"
    shown = [w.value.replace("\\", "") for w in at.warning]  # as rendered: Markdown escapes removed
    assert [w for w in shown if "2099" in w] == [
        i18n.t("url.period_out_of_range", lang, first="2000-01-01", last="2099-12-31", start=start, end=end)
    ]


def test_an_unreadable_date_keeps_its_own_message(demo_db):
    at = open_with_period(demo_db, "views/overview.py", "en", ("2026-13-01", "2026-11-20"))
    assert not at.exception, at.exception
    assert any(w.value.startswith("The dates in the address could not be used; showing") for w in at.warning)
