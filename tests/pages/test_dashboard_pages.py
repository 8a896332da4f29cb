"""The manager's pages through AppTest: dashboard, competitors, a store's scores, scoring settings."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from audit import settings
from audit.settings import ScoringSettings
from tests.helpers.apptest import PERIOD, ROLE_USERS, app_as, open_page, texts

SCORE_PAGES = ("views/overview.py", "views/competitors.py", "views/settings.py")


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("role", ["merchandiser", "dealer"])
def test_field_roles_cannot_reach_the_score_pages(demo_db, role):
    at = app_as(demo_db, ROLE_USERS[role])
    for page in SCORE_PAGES:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    assert "Scores" not in [s.value for s in at.subheader]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_dashboard_shows_tiles_trends_breakdown_and_weakest_stores(demo_db, lang):
    at = open_page(demo_db, "manager", "views/overview.py", lang, **PERIOD)
    assert at.title[0].value == ("Dashboard" if lang == "en" else "仪表盘")
    labels = [m.label for m in at.metric]
    assert labels[0] == ("Compliance score" if lang == "en" else "合规得分") and len(labels) == 6
    assert float(at.metric[0].value) > 0
    weakest = at.dataframe[0].value
    assert len(weakest) == 10 and weakest["score"].is_monotonic_increasing
    assert "Default settings." in texts(at) or "默认设置。" in texts(at)


def test_filters_in_the_url_narrow_the_dashboard(demo_db):
    everyone = open_page(demo_db, "manager", "views/overview.py", **PERIOD)
    grade_a = open_page(demo_db, "manager", "views/overview.py", grade="A", **PERIOD)
    assert (
        0 < int(metric(grade_a, "Audits done").replace(",", "")) < int(metric(everyone, "Audits done").replace(",", ""))
    )
    assert grade_a.query_params["grade"] in (["A"], "A")


def test_no_audits_in_the_period_is_explained(demo_db):
    at = open_page(demo_db, "manager", "views/overview.py", **{"from": "2020-01-01", "to": "2020-01-31"})
    assert [i.value for i in at.info] == ["No audits match these filters. Widen the period or remove a filter."]
    assert not at.metric
    comp = open_page(demo_db, "manager", "views/competitors.py", **{"from": "2020-01-01", "to": "2020-01-31"})
    assert [i.value for i in comp.info] == ["No competitor activity recorded for these filters."]


def test_competitors_page_shows_activity_prices_and_the_log(demo_db):
    at = open_page(demo_db, "admin", "views/competitors.py", **PERIOD)
    assert at.title[0].value == "Competitors"
    assert {"Competitor prices", "Share of shelf", "Observations"} <= {s.value for s in at.subheader}
    log = at.dataframe[-1].value
    assert len(log) > 0 and log["visit_date"].iloc[0]
    headings = json.loads(at.dataframe[-1].proto.columns)
    assert [headings[c]["label"] for c in log.columns] == [
        "Visit date",
        "Code",
        "Brand",
        "What was seen",
        "Product",
        "Normal price",
        "Promotion price",
        "Flash price",
        "Their facings",
        "Note",
    ]


def test_a_manager_sees_a_stores_scores_and_a_dealer_only_its_card(demo_db):
    store = demo_db.query_one("SELECT code FROM stores WHERE dealer_code = 'D01' ORDER BY code")[0]
    at = open_page(demo_db, "manager", "views/stores.py", store=store, **PERIOD)
    assert {"Scores", "Latest findings", "Photo timeline", "Recent audits"} <= {s.value for s in at.subheader}
    assert [m.label for m in at.metric][0] == "Compliance score"
    dealer = app_as(demo_db, "dealer01")
    dealer.query_params["store"] = store
    dealer.run()
    assert not dealer.exception and "Recent audits" in [s.value for s in dealer.subheader]
    assert "Scores" not in [s.value for s in dealer.subheader] and not dealer.metric


def test_saving_weights_changes_the_scores_and_says_who_set_them(demo_db):
    before = open_page(demo_db, "manager", "views/overview.py", **PERIOD)
    score_before = metric(before, "Compliance score")
    at = open_page(demo_db, "manager", "views/settings.py")
    for component in ("height", "eye_level", "share_of_shelf", "price", "pop", "freshness"):
        at.number_input(key=f"w_{component}").set_value(0)
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["Saved. Every score now uses these settings."]
    after = open_page(demo_db, "manager", "views/overview.py", **PERIOD)
    assert metric(after, "Compliance score") == metric(after, "Availability") != score_before
    assert "Set by manager on" in texts(after) and "Availability 100 %" in texts(after)


def test_a_wider_price_tolerance_raises_the_price_compliance_the_dashboard_shows(demo_db):
    """The tolerance is counted into each audit's price checks (scoring.save_settings recounts; on PostgreSQL
    each process's copy recounts when the change arrives): the dashboard shows the new counts at once."""
    before = float(metric(open_page(demo_db, "manager", "views/overview.py", **PERIOD), "Price compliance"))
    at = open_page(demo_db, "manager", "views/settings.py")
    labelled(at.number_input, "Price tolerance under the recommended price (%)").set_value(50.0)
    labelled(at.button, "Save settings").click().run()
    assert settings.load(demo_db).price_tolerance == 0.5
    after = float(metric(open_page(demo_db, "manager", "views/overview.py", **PERIOD), "Price compliance"))
    assert after > before


def test_bad_bands_are_refused_in_the_users_language_and_nothing_changes(demo_db):
    at = open_page(demo_db, "manager", "views/settings.py", "zh")
    at.number_input[7].set_value(60)  # green from
    at.number_input[8].set_value(80)  # amber from
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["黄色起点必须低于绿色起点，且都在 0 到 100 之间。"]
    assert at.number_input[7].value == 60  # what was entered stays
    assert demo_db.query_one("SELECT count(*) FROM settings")[0] == 0


def settings_form(at: AppTest) -> dict:
    """What the settings form shows: every weight, the band limits and the tolerance, by label."""
    return {n.label: n.value for n in at.number_input}


def labelled(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_every_settings_button_leaves_the_form_and_the_caption_true(demo_db):
    """Save, back to the defaults, save again: the form shows what is in force after each tap, and the
    caption says who set it at once (not after a reload)."""
    at = open_page(demo_db, "manager", "views/settings.py")
    defaults = settings_form(at)
    assert "Default settings." in texts(at)
    for label, value in (
        ("Availability", 40),
        ("POP compliance", 0),
        ("Green from (score)", 90),
        ("Price tolerance under the recommended price (%)", 10.0),
    ):
        labelled(at.number_input, label).set_value(value)
    labelled(at.button, "Save settings").click().run()
    changed = settings_form(at)
    assert changed["Availability"] == 40 and changed["Green from (score)"] == 90
    assert "Set by manager on" in texts(at) and "Default settings." not in texts(at)
    assert settings.load(demo_db).weights["availability"] == 40

    labelled(at.button, "Back to the defaults").click().run()
    assert settings_form(at) == defaults  # the form shows the defaults now in force, not the old values
    assert settings.load(demo_db) == ScoringSettings()
    assert [s.value for s in at.success] == ["Back to the default settings."]

    labelled(at.button, "Save settings").click().run()  # saving the form as shown keeps the defaults
    assert settings.load(demo_db) == ScoringSettings()
    assert settings_form(at) == defaults
    assert "Set by manager on" in texts(at)
