"""Chart builders of the visit measures: DataFrame in, Plotly figure out, no Streamlit."""

from datetime import date

import pandas as pd

from audit import charts_visits

LABELS = {
    "completion": "Completion",
    "success": "Success",
    "done": "Planned, done",
    "missed": "Planned, missed",
    "unplanned": "Unplanned",
    "visits": "Visits",
    "actual": "Actual",
    "target": "Target",
    "per_week": "Visits per store and week",
    "grade": "Grade",
}
WEEKLY = pd.DataFrame(
    {
        "week": pd.to_datetime([date(2026, 11, 2), date(2026, 11, 9)]),
        "planned": [10, 12],
        "done": [8, 12],
        "unplanned": [2, 0],
        "completion": [0.8, 1.0],
        "success": [0.625, 0.5],
    }
)


def test_rates_trend_draws_both_rates_as_percentages_on_the_weeks_mondays():
    fig = charts_visits.rates_trend(WEEKLY, LABELS)
    assert [trace.name for trace in fig.data] == ["Completion", "Success"]
    assert list(fig.data[0].y) == [0.8, 1.0] and list(fig.data[1].y) == [0.625, 0.5]
    assert fig.layout.yaxis.tickformat == ".0%" and tuple(fig.layout.yaxis.range) == (0, 1.05)
    assert list(fig.layout.xaxis.tickvals) == list(WEEKLY.week)


def test_visits_trend_stacks_done_missed_and_unplanned():
    fig = charts_visits.visits_trend(WEEKLY, LABELS)
    assert fig.layout.barmode == "stack"
    assert {trace.name: list(trace.y) for trace in fig.data} == {
        "Planned, done": [8, 12],
        "Planned, missed": [2, 0],
        "Unplanned": [2, 0],
    }


def test_frequency_chart_shows_the_target_band_and_marks_grades_below_it():
    table = pd.DataFrame(
        {
            "grade": ["A", "B", "C"],
            "per_week": [1.5, 1.2, 0.6],
            "target_low": [2.0, 1.0, 0.46],
            "target_high": [3.0, 2.0, 0.69],
        }
    )
    fig = charts_visits.frequency_chart(table, LABELS)
    band, actual = fig.data
    assert list(band.x) == ["Grade A", "Grade B", "Grade C"]
    assert list(band.base) == [2.0, 1.0, 0.46] and list(band.y) == [1.0, 1.0, 0.69 - 0.46]
    assert list(actual.marker.color) == [charts_visits.RED, charts_visits.TEAL, charts_visits.TEAL]
    assert fig.layout.barmode == "overlay"


def test_empty_frames_give_empty_figures_not_errors():
    empty = WEEKLY.iloc[0:0]
    assert all(len(trace.x) == 0 for trace in charts_visits.rates_trend(empty, LABELS).data)
    assert all(len(trace.x) == 0 for trace in charts_visits.visits_trend(empty, LABELS).data)
