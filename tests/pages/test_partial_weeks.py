"""Weeks at the ends of a period that it covers only in part: found by one rule (audit.filters) and marked
on every weekly chart (shaded and labelled, hollow points, paler bars), so a cut first or last week is not
read as a drop. The builders are tested without Streamlit; the page test reads the note under the chart."""

from __future__ import annotations

from datetime import date

import pandas as pd

from audit import charts, charts_visits
from audit.filters import partial_weeks
from audit.i18n import t
from audit.settings import COMPONENTS, ScoringSettings
from tests.helpers.apptest import open_page, texts

RULES = ScoringSettings()
WEEKS = pd.to_datetime([date(2026, 8, 31) + pd.Timedelta(weeks=i) for i in range(14)])  # Mondays to 30 Nov
FIRST, LAST = date(2026, 9, 2), date(2026, 12, 3)  # a Wednesday to a Thursday
CUT = {date(2026, 8, 31): 3, date(2026, 11, 30): 4}


def english(key):
    return t(key, "en")


def test_only_the_weeks_the_period_cuts_are_partial_with_the_working_days_it_holds():
    assert partial_weeks(WEEKS, FIRST, LAST) == CUT
    assert partial_weeks(WEEKS[1:-1], FIRST, LAST) == {}  # whole weeks in between are not
    # a week that runs Monday to Friday is whole: visits are planned on working days
    assert partial_weeks([date(2026, 11, 16)], date(2026, 11, 16), date(2026, 11, 20)) == {}
    assert partial_weeks([pd.Timestamp("2026-11-16")], date(2026, 11, 16), date(2026, 11, 19)) == {
        date(2026, 11, 16): 4
    }
    assert partial_weeks([date(2026, 11, 16), None], date(2026, 11, 18), date(2026, 11, 18)) == {date(2026, 11, 16): 1}


def shaded_weeks(fig) -> list[date]:
    """The weeks a chart shades: rectangles drawn on the date axis (the score bands lie on the y axis)."""
    return sorted((pd.Timestamp(s.x0) + pd.Timedelta(days=3.5)).date() for s in fig.layout.shapes if s.xref == "x")


def labels_over(fig) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def test_the_dashboard_trend_shades_the_cut_weeks_and_draws_their_points_hollow():
    weekly = pd.DataFrame({"week": WEEKS, **{m: [80.0] * 13 + [40.0] for m in ("score", *COMPONENTS)}})
    fig = charts.trend(weekly, ["score", "price"], english, "Trend", RULES, CUT)
    assert shaded_weeks(fig) == sorted(CUT)
    assert sorted(labels_over(fig)) == ["Part week 3/5", "Part week 4/5"]
    for line in fig.data:
        symbols = list(line.marker.symbol)
        assert symbols[0] == symbols[-1] == "circle-open" and set(symbols[1:-1]) == {"circle"}
    plain = charts.trend(weekly, ["score"], english, "Trend", RULES)
    assert shaded_weeks(plain) == [] and set(plain.data[0].marker.symbol) == {"circle"}


def test_competitor_bars_of_cut_weeks_are_paler_and_the_share_chart_shades_them():
    activity = pd.DataFrame({"week": WEEKS, "brand_code": "C01", "brand": "Orchid", "observations": 9})
    fig = charts.competitor_activity(activity, english, "Activity", CUT)
    opacity = list(fig.data[0].marker.opacity)
    assert opacity[0] == opacity[-1] < 1 and set(opacity[1:-1]) == {1.0}
    assert shaded_weeks(fig) == sorted(CUT)
    shares = pd.DataFrame({"week": WEEKS, "brand_code": "ours", "brand": "", "share": 40.0})
    assert shaded_weeks(charts.share_of_shelf(shares, english, "Share", CUT)) == sorted(CUT)


def test_visit_charts_mark_the_cut_weeks_in_the_language_of_the_page():
    weekly = pd.DataFrame({"week": WEEKS, "planned": 50, "done": 45, "unplanned": 3, "completion": 0.9, "success": 0.5})
    labels = {k: k for k in ("completion", "success", "done", "missed", "unplanned", "visits")} | {
        "partial": t("chart.partial_week", "zh")
    }
    rates = charts_visits.rates_trend(weekly, labels, "%d %b", CUT)
    assert shaded_weeks(rates) == sorted(CUT) and "不完整周 3/5" in labels_over(rates)
    assert list(rates.data[0].marker.symbol)[0] == "circle-open"
    bars = charts_visits.visits_trend(weekly, labels, "%d %b", CUT)
    assert all(list(b.marker.opacity)[-1] < 1 == list(b.marker.opacity)[1] for b in bars.data)
    assert shaded_weeks(bars) == sorted(CUT)


def test_the_dashboard_says_what_the_marked_weeks_are(demo_db):
    note = t("chart.partial_note", "en")
    cut = open_page(demo_db, "manager", "views/overview.py", **{"from": "2026-09-02", "to": "2026-11-18"})
    assert note in texts(cut)
    whole = open_page(demo_db, "manager", "views/overview.py", **{"from": "2026-08-31", "to": "2026-11-20"})
    assert note not in texts(whole)
    visits = open_page(demo_db, "manager", "views/visits.py", **{"from": "2026-09-02", "to": "2026-11-18"})
    assert note in texts(visits)
