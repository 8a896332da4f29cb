"""My audits with thousands of audits: a count, a search by store code or name, filters by merchandiser and
period and pages of fifty, all in SQL and scoped to the viewer (a merchandiser their own audits)."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from audit import audit_history
from audit.audit_history import PAGE_SIZE, AuditSearch
from audit.auth import get_user
from tests.helpers.apptest import open_page

EVERYTHING = {"from": "2026-01-01", "to": "2026-12-31"}


def count_sql(db, where: str = "TRUE", params=()) -> int:
    return db.query_one(
        f"SELECT count(*) FROM audits a JOIN stores s ON s.code = a.store_code WHERE {where}", list(params)
    )[0]


def caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "found" in c.value)


def listed(at: AppTest):
    return next(d.value for d in at.dataframe if "store_code" in d.value.columns)


def test_a_manager_sees_how_many_audits_there_are_and_pages_through_them(demo_db):
    total = count_sql(demo_db)
    assert total > 2 * PAGE_SIZE
    at = open_page(demo_db, "manager", "views/audits.py", **EVERYTHING)
    assert caption(at).startswith(f"{total:,} audits found, newest first: 1–50 shown.")
    newest = demo_db.query_df("SELECT id FROM audits ORDER BY submitted_at DESC, id DESC LIMIT ?", [PAGE_SIZE])
    assert list(listed(at).id) == list(newest.id)
    at.button(key="audits_older").click().run()
    older = demo_db.query_df(
        "SELECT id FROM audits ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?", [PAGE_SIZE, PAGE_SIZE]
    )
    assert "51–100 shown" in caption(at) and list(listed(at).id) == list(older.id)
    at.button(key="audits_newer").click().run()
    assert "1–50 shown" in caption(at)


def test_search_by_store_code_or_name_and_filters_narrow_the_list_in_sql(demo_db):
    code, name = demo_db.query_one(
        "SELECT s.code, s.name FROM audits a JOIN stores s ON s.code = a.store_code"
        " GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    at = open_page(demo_db, "manager", "views/audits.py", **EVERYTHING)
    at.text_input(key="url_audit_q").input(code.lower()).run()
    rows = listed(at)
    expected = count_sql(demo_db, "a.store_code = ?", [code])
    assert set(rows.store_code) == {code} and len(rows) == expected
    assert caption(at).startswith(f"{expected:,} audit")
    # part of the name finds the store too (and every store whose name holds it)
    part = name[-5:]
    at.text_input(key="url_audit_q").input(part).run()
    assert code in set(listed(at).store_code)
    assert caption(at).startswith(f"{count_sql(demo_db, 'contains(s.name, ?)', [part]):,} audit")
    at.text_input(key="url_audit_q").input("").run()
    merch = demo_db.query_one("SELECT merchandiser FROM audits GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")[0]
    at.multiselect(key="url_audits_merch").select(merch).run()
    only = count_sql(demo_db, "a.merchandiser = ?", [merch])
    assert caption(at).startswith(f"{only:,} audits found")
    period = [d for d in at.date_input if d.label == "Period"][0]
    period.set_value((date(2026, 11, 9), date(2026, 11, 15))).run()
    week = count_sql(
        demo_db, "a.merchandiser = ? AND a.visit_date BETWEEN ? AND ?", [merch, date(2026, 11, 9), date(2026, 11, 15)]
    )
    assert 0 < week < only and caption(at).startswith(f"{week:,} audit")
    assert at.query_params["merch"] in ([merch], merch)


def test_a_merchandiser_finds_only_their_own_audits(demo_db):
    theirs = count_sql(demo_db, "a.merchandiser = 'merch01'")
    other = demo_db.query_one("SELECT store_code FROM audits WHERE merchandiser <> 'merch01' LIMIT 1")[0]
    at = open_page(demo_db, "merch01", "views/audits.py", **EVERYTHING)
    assert caption(at).startswith(f"{theirs:,} audit")
    assert not [m for m in at.multiselect if m.label == "Merchandiser"]  # no one else to choose
    at.text_input(key="url_audit_q").input(other).run()
    assert not [d for d in at.dataframe if "store_code" in d.value.columns]
    assert [i.value for i in at.info] == ["No submitted audits match. Widen the period or change the search."]
    # another merchandiser's name put in the address only narrows their own list: to nothing
    url = open_page(demo_db, "merch01", "views/audits.py", merch="merch02", **EVERYTHING)
    assert caption(url).startswith(f"{theirs:,} audit")
    manager = get_user(demo_db, "merch01")
    assert audit_history.count_audits(demo_db, manager, AuditSearch(merchandisers=("merch02",))) == 0


@pytest.mark.parametrize("text", ["%", "_", "'; DROP TABLE audits; --"])
def test_search_text_is_a_value_never_sql_or_a_wildcard(demo_db, text):
    manager = get_user(demo_db, "manager")
    assert audit_history.count_audits(demo_db, manager, AuditSearch(text=text)) == 0
    assert count_sql(demo_db) > 0
