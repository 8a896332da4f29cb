"""The dashboards' chart builders as a person reads them on a tablet: what is drawn on top, which labels
show, where the legend and the title go, and how dates and changes are written. No database, no
Streamlit."""

from datetime import date

import pandas as pd
import pytest

from audit import charts, charts_visits
from audit.i18n import t
from audit.settings import COMPONENTS, ScoringSettings
from audit.ui.scoring_widgets import change_text

RULES = ScoringSettings()


def english(key):
    return t(key, "en")


def chinese(key):
    return t(key, "zh")


def stores_in_one_city() -> pd.DataFrame:
    """Stores of every band (and one not scored) almost on one point, as a city's stores are."""
    green, amber = RULES.green_min, RULES.amber_min
    scores = [green + 5, green + 1, amber + 1, amber, amber - 1, amber - 30, None]  # S4 and S5 are red
    return pd.DataFrame(
        {
            "code": [f"S{i}" for i in range(len(scores))],
            "name": [f"Store {i}" for i in range(len(scores))],
            "score": scores,
            "latitude": [31.23 + i * 1e-4 for i in range(len(scores))],
            "longitude": [121.47] * len(scores),
        }
    )


# ---------------------------------------------------------------- the map


def test_the_weakest_stores_are_drawn_on_top_of_the_map():
    fig = charts.store_map(stores_in_one_city(), english, "Map", RULES)
    names = [trace.name for trace in fig.data]
    assert names == [english("band.none"), english("band.green"), english("band.amber"), english("band.red")]
    red = fig.data[-1]
    assert red.marker.color == charts.BAND_COLOURS["red"] and set(red.customdata[:, 0]) == {"S4", "S5"}
    assert fig.layout.legend.traceorder == "reversed"  # the legend still reads red first


def test_stores_on_top_of_each_other_show_through():
    fig = charts.store_map(stores_in_one_city(), english, "Map", RULES)
    assert all(0.5 <= trace.marker.opacity < 1 for trace in fig.data)
    sizes = [trace.marker.size for trace in fig.data]  # each band a ring round the one drawn over it
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)


def test_a_map_without_red_stores_still_ends_with_the_weakest_band_shown():
    stores = stores_in_one_city()
    fig = charts.store_map(stores[stores.score.fillna(100) >= RULES.amber_min], english, "Map", RULES)
    assert fig.data[-1].name == english("band.amber")


# ---------------------------------------------------------------- the heatmap


def weak_stores() -> pd.DataFrame:
    names = ["Hengxin Supermarket Chain (Changjiang Rd)", "Legou Grocery", "A&B <Best> Mart of the Long Street"]
    frame = pd.DataFrame(
        {"code": ["S00026", "S00139", "S00007"], "name": names, **{c: [55.0, 70.0, None] for c in COMPONENTS}}
    )
    return frame.assign(label=[charts.store_label(n, c) for n, c in zip(frame.name, frame.code, strict=True)])


def test_store_labels_are_short_and_keep_the_code():
    assert charts.store_label("Legou Grocery", "S00139") == "Legou Grocery · S00139"
    long = charts.store_label("Hengxin Supermarket Chain (Changjiang Rd)", "S00026")
    assert long == "Hengxin…(Changjiang Rd) · S00026"
    assert len(long.split(" · ")[0]) <= charts.STORE_LABEL_LIMIT
    # no branch in brackets at the end: the start and the end of the name
    assert charts.store_label("好又多超市（长江路店）连锁有限公司", "S00001", limit=16) == "好又多超…限公司 · S00001"
    assert charts.store_label("Hengxin Supermarket Chain A", "S1") != charts.store_label(
        "Hengxin Supermarket Chain B", "S2"
    )


@pytest.mark.parametrize(
    "branches",
    [
        ["联华超市连锁有限公司（解放路店）", "联华超市连锁有限公司（人民路店）", "联华超市连锁有限公司（新华街店）"],
        [
            "Lianhua Supermarket Chain (Jiefang Road)",
            "Lianhua Supermarket Chain (Renmin Road)",
            "Lianhua Supermarket Chain (Xinhua Street)",
        ],
        ["Hengxin Supermarket Chain Store Number 12", "Hengxin Supermarket Chain Store Number 17"],
    ],
)
def test_stores_of_one_chain_keep_the_part_that_tells_them_apart(branches):
    """Cut to a common prefix, every row of the heatmap read "联华超市连锁有…": the end of the name shows."""
    names = [charts.store_label(b, "").split(" · ")[0] for b in branches]
    assert len(set(names)) == len(names)
    for branch, name in zip(branches, names, strict=True):
        assert "…" in name and name.startswith(branch[:2])
        assert name.endswith(branch[-4:])  # the branch (or the name's end) is kept whole at the end
        assert charts._units(name) <= charts.STORE_LABEL_LIMIT


def test_heatmap_rows_are_short_labels_with_the_full_name_in_the_hover():
    fig = charts.heatmap(weak_stores(), list(COMPONENTS), english, "Heat", RULES)
    cells = fig.data[0]
    assert list(cells.y) == [charts.plain(label) for label in weak_stores().label]
    assert cells.customdata[0][0] == ["S00026", "Hengxin Supermarket Chain (Changjiang Rd)"]
    assert cells.customdata[2][3] == ["S00007", "A&amp;B &lt;Best&gt; Mart of the Long Street"]  # shown as typed
    assert "%{customdata[1]}" in cells.hovertemplate


@pytest.mark.parametrize("text", [english, chinese])
def test_every_component_heads_its_column(text):
    fig = charts.heatmap(weak_stores(), list(COMPONENTS), text, "Heat", RULES)
    headers = [text(f"measure.{c}") for c in COMPONENTS]
    assert len(headers) == 7 and list(fig.data[0].x) == headers
    axis = fig.layout.xaxis
    assert axis.side == "top" and axis.tickmode == "array" and list(axis.tickvals) == headers  # none skipped
    assert axis.tickangle not in (None, 0)  # angled, so seven fit in a tablet's width
    assert fig.data[0].showscale is False  # the numbers are in the cells; no colour bar narrows them


def test_heatmap_column_headers_sit_under_the_title_and_toolbar():
    fig = charts.heatmap(weak_stores(), list(COMPONENTS), english, "Heat", RULES)
    assert fig.layout.title.yanchor == "top" and fig.layout.title.pad.t >= charts.TOOLBAR_HEIGHT
    assert fig.layout.margin.t > fig.layout.title.pad.t + fig.layout.font.size


# ---------------------------------------------------------------- trend dates


def weekly() -> pd.DataFrame:
    weeks = pd.to_datetime([date(2026, 9, 7) + pd.Timedelta(weeks=i) for i in range(12)])
    return pd.DataFrame({"week": weeks, **{m: [70.0] * 12 for m in ("score", *COMPONENTS)}})


def test_trend_dates_are_written_in_the_language_of_the_page():
    assert charts.trend(weekly(), ["score"], english, "Trend", RULES).layout.xaxis.tickformat == "%d %b"
    assert charts.trend(weekly(), ["score"], chinese, "趋势", RULES).layout.xaxis.tickformat == "%m月%d日"


def test_weekly_competitor_charts_write_dates_in_the_language_of_the_page():
    weeks = weekly().week
    activity = pd.DataFrame({"week": weeks, "brand_code": "C01", "brand": "Orchid", "observations": 3})
    shares = pd.DataFrame({"week": weeks, "brand_code": "ours", "brand": "", "share": 40.0})
    for text, expected in ((english, "%d %b"), (chinese, "%m月%d日")):
        assert charts.competitor_activity(activity, text, "x").layout.xaxis.tickformat == expected
        assert charts.share_of_shelf(shares, text, "x").layout.xaxis.tickformat == expected


def test_visit_charts_and_dashboard_trends_write_dates_the_same_way():
    for lang, text in (("en", english), ("zh", chinese)):
        ours = charts.trend(weekly(), ["score"], text, "Trend", RULES).layout.xaxis.tickformat
        visits = charts_visits.rates_trend(
            weekly().assign(completion=0.5, success=0.5),
            {"completion": "c", "success": "s"},
            t("chart.date_format", lang),
        )
        assert visits.layout.xaxis.tickformat == ours


def test_the_legend_is_below_the_date_ticks_not_over_them():
    legend = charts.trend(weekly(), ["score", "availability"], chinese, "趋势", RULES).layout.legend
    # at the foot of the whole figure (container), so tick labels push the plot up instead of under it
    assert (legend.orientation, legend.yref, legend.yanchor, legend.y) == ("h", "container", "bottom", 0)


# ---------------------------------------------------------------- competitors and SKU charts


def where() -> pd.DataFrame:
    rows = [
        (region, channel, code, brand, 10)
        for region in ("Central", "East", "North", "South", "Southwest")
        for channel in ("modern", "special", "traditional")
        for code, brand in (("C01", "Orchid"), ("C02", "Jiahe"))
    ]
    return pd.DataFrame(rows, columns=["region", "channel", "brand_code", "brand", "observations"])


@pytest.mark.parametrize("text", [english, chinese])
def test_region_and_channel_bars_lie_down_so_channel_names_read_in_full(text):
    fig = charts.activity_where(where(), text, "Where")
    assert all(trace.orientation == "h" for trace in fig.data)
    regions, channels = fig.data[0].y
    assert set(channels) == {text("channel.modern"), text("channel.special"), text("channel.traditional")}
    assert list(fig.data[0].x) == [10] * 15
    assert fig.layout.height >= 15 * 24  # a row per region and channel
    legend = fig.layout.legend
    assert (legend.orientation, legend.yref, legend.y) == ("h", "container", 0)


def test_sku_availability_title_is_clear_of_the_toolbar():
    frame = pd.DataFrame(
        {
            "product": ["Shampoo 400 ml", "Shampoo 400 ml", "Soap"],
            "week": pd.to_datetime([date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 2)]),
            "availability": [100.0, 50.0, 0.0],
        }
    )
    fig = charts.sku_availability(frame, english, english("store.sku_title"))
    title = fig.layout.title
    assert (title.yref, title.y, title.yanchor) == ("container", 1, "top")
    assert title.pad.t >= charts.TOOLBAR_HEIGHT and fig.layout.margin.t >= title.pad.t + 2 * fig.layout.font.size


# ---------------------------------------------------------------- changes on the tiles


def test_a_change_that_rounds_to_zero_has_no_sign():
    assert change_text(72.31, 72.34) == "0.0"
    assert change_text(72.34, 72.31) == "0.0"
    assert change_text(70.0, 70.0) == "0.0"
    assert change_text(12, 12, 0) == "0"


def test_other_changes_keep_their_sign():
    assert change_text(71.0, 72.26) == "-1.3"
    assert change_text(72.26, 71.0) == "+1.3"
    assert change_text(1300, 100, 0) == "+1,200"
    assert change_text(float("nan"), 70.0) is None and change_text(70.0, float("nan")) is None


def test_weekly_charts_put_their_date_ticks_on_the_weeks_mondays():
    weeks = weekly().week
    activity = pd.DataFrame(
        {
            "week": list(weeks) * 2,
            "brand_code": ["C01"] * 12 + ["C02"] * 12,
            "brand": ["Orchid"] * 12 + ["Lotus"] * 12,
            "observations": 3,
        }
    )
    shares = pd.DataFrame({"week": weeks, "brand_code": "ours", "brand": "", "share": 40.0})
    for fig in (
        charts.trend(weekly(), ["score"], english, "Trend", RULES),
        charts.competitor_activity(activity, english, "x"),
        charts.share_of_shelf(shares, english, "x"),
    ):
        ticks = [pd.Timestamp(v) for v in fig.layout.xaxis.tickvals]
        assert ticks == list(weeks[::2])  # 12 weeks: every second Monday, 8 ticks at most
        assert {tick.day_name() for tick in ticks} == {"Monday"}


def test_a_long_period_keeps_to_eight_monday_ticks_or_fewer():
    long = pd.DataFrame(
        {"week": pd.to_datetime([date(2025, 1, 6) + pd.Timedelta(weeks=i) for i in range(52)]), "score": 70.0}
    )
    ticks = [pd.Timestamp(v) for v in charts.trend(long, ["score"], english, "x", RULES).layout.xaxis.tickvals]
    assert 6 <= len(ticks) <= 8 and {tick.day_name() for tick in ticks} == {"Monday"}
