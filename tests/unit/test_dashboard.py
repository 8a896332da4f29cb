"""The dashboards' SQL checked against an independent pandas computation over the raw demo tables, and
the chart builders checked without Streamlit."""

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from audit import charts, dashboard
from audit.auth import User
from audit.filters import DashboardFilters
from audit.i18n import t
from audit.settings import COMPONENTS, ScoringSettings

MANAGER = User("manager", "M", "manager", None, "en")
FILTERS = DashboardFilters(date(2026, 10, 20), date(2026, 11, 20))
RULES = ScoringSettings()
UPLIFT = {1: 1.34, 2: 1.78, 3: 1.63, 4: 1.00}


def pandas_scores(db, rules: ScoringSettings) -> pd.DataFrame:
    """Per-audit components and score, straight from the answers with merge / groupby."""
    table = lambda name: db.query_df(f"SELECT * FROM {name}")  # noqa: E731
    audits, stores, products = table("audits"), table("stores"), table("products")
    lines = table("audit_lines").merge(products[["code", "category", "rrp"]], left_on="product_code", right_on="code")
    lines["rrp"] = lines.rrp.astype(float)
    lines["shelf_price"] = lines.shelf_price.astype(float)
    stocked = lines[lines.in_stock].copy()
    stocked["uplift"] = stocked.shelf_level.map(UPLIFT)
    stocked["price_ok"] = (
        stocked.tag_present.fillna(False)
        & stocked.tag_placed_ok.fillna(False)
        & stocked.tag_matches.fillna(False)
        & stocked.tag_legible.fillna(False)
        & (stocked.shelf_price >= stocked.rrp * (1 - rules.price_tolerance))
    )
    stocked["fresh_ok"] = (
        stocked.fifo_ok.fillna(False) & ~stocked.near_expiry.fillna(True) & ~stocked.damaged.fillna(True)
    )
    must = lines[lines.must_stock].groupby("audit_id").in_stock.mean() * 100
    per = pd.DataFrame(
        {
            "availability": must,
            "height": stocked.groupby("audit_id").uplift.mean() / 1.78 * 100,
            "eye_level": stocked.groupby("audit_id").shelf_level.apply(lambda s: (s == 2).mean() * 100),
            "price": stocked[stocked.tag_present.notna()].groupby("audit_id").price_ok.mean() * 100,
            "freshness": stocked.groupby("audit_id").fresh_ok.mean() * 100,
            "pop": table("audit_pop").groupby("audit_id").present.mean() * 100,
        }
    )
    seen = table("competitor_observations").dropna(subset=["facings"])
    seen = seen.merge(products[["code", "category"]], left_on="product_code", right_on="code", how="left")
    theirs = seen.groupby("audit_id").facings.sum()
    compared = stocked.merge(seen[["audit_id", "category"]].drop_duplicates(), on=["audit_id", "category"])
    ours = compared.groupby("audit_id").facings.sum().reindex(theirs.index, fill_value=0)
    per["share_of_shelf"] = ours / (ours + theirs) * 100
    per = audits[["id", "store_code", "visit_date"]].merge(per, left_on="id", right_index=True, how="left")
    weights = pd.Series(rules.weights)[list(COMPONENTS)]
    values = per[list(COMPONENTS)]
    per["score"] = (values.fillna(0) * weights).sum(axis=1) / values.notna().mul(weights).sum(axis=1)
    return per.merge(stores[["code", "region_code"]], left_on="store_code", right_on="code")


@pytest.fixture
def reference(demo_db):
    frame = pandas_scores(demo_db, RULES)
    dates = pd.to_datetime(frame.visit_date)
    return frame[(dates >= pd.Timestamp(FILTERS.date_from)) & (dates <= pd.Timestamp(FILTERS.date_to))]


def test_overview_tiles_match_pandas(demo_db, reference):
    tiles = dashboard.tiles(demo_db, MANAGER, FILTERS, RULES).set_index("measure")
    for measure in ("score", "availability", "eye_level", "price", "pop"):
        assert tiles.loc[measure, "value"] == pytest.approx(reference[measure].mean()), measure
    assert tiles.loc["audits", "value"] == len(reference)


def test_breakdown_by_region_and_store_scores_match_pandas(demo_db, reference):
    by_region = dashboard.breakdown(demo_db, MANAGER, FILTERS, RULES, "region", "en").set_index("key")
    expected = reference.groupby("region_code").score.mean()
    assert by_region.score.to_dict() == pytest.approx(expected.to_dict())
    per_store = dashboard.store_scores(demo_db, MANAGER, FILTERS, RULES, "en").set_index("code")
    assert per_store.score.to_dict() == pytest.approx(reference.groupby("store_code").score.mean().to_dict())
    assert per_store.score.is_monotonic_increasing  # weakest first


def test_share_of_shelf_matches_pandas(demo_db, reference):
    weekly = dashboard.weekly(demo_db, MANAGER, FILTERS, RULES)
    assert weekly.share_of_shelf.notna().any()
    expected = reference.groupby(
        pd.to_datetime(reference.visit_date).dt.to_period("W-SUN").dt.start_time
    ).share_of_shelf.mean()
    assert weekly.set_index(pd.to_datetime(weekly.week)).share_of_shelf.to_dict() == pytest.approx(expected.to_dict())


def test_previous_period_and_filters_narrow(demo_db):
    narrow = replace(FILTERS, grades=("A",))
    tiles = dashboard.tiles(demo_db, MANAGER, narrow, RULES).set_index("measure")
    everyone = dashboard.tiles(demo_db, MANAGER, FILTERS, RULES).set_index("measure")
    assert 0 < tiles.loc["audits", "value"] < everyone.loc["audits", "value"]
    assert FILTERS.previous().date_to == date(2026, 10, 19) and FILTERS.previous().days == FILTERS.days
    empty = replace(FILTERS, date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
    nothing = dashboard.tiles(demo_db, MANAGER, empty, RULES).set_index("measure")
    assert nothing.loc["audits", "value"] == 0 and np.isnan(nothing.loc["score", "value"])


def test_competitor_price_index_against_pandas(demo_db):
    prices = dashboard.competitor_prices(demo_db, MANAGER, FILTERS, "en").set_index("brand_code")
    seen = demo_db.query_df(
        """SELECT o.competitor_code, o.normal_price::DOUBLE AS normal, p.rrp::DOUBLE AS rrp
           FROM competitor_observations o JOIN audits a ON a.id = o.audit_id JOIN products p ON p.code = o.product_code
           WHERE a.visit_date BETWEEN ? AND ?""",
        [FILTERS.date_from, FILTERS.date_to],
    )
    expected = (seen.normal / seen.rrp * 100).groupby(seen.competitor_code).mean()
    assert prices.normal_vs_rrp.to_dict() == pytest.approx(expected.to_dict())


def test_a_dealer_sees_only_their_stores(demo_db):
    dealer = User("dealer01", "D", "dealer", "D01", "en")
    stores = dashboard.store_scores(demo_db, dealer, FILTERS, RULES, "en")
    own = set(demo_db.query_df("SELECT code FROM stores WHERE dealer_code = 'D01'").code)
    assert len(stores) and set(stores.code) <= own


# ---------------------------------------------------------------- chart builders


def text(key):
    return t(key, "en")


def test_trend_has_a_line_per_measure_and_the_band_backdrop(demo_db):
    weekly = dashboard.weekly(demo_db, MANAGER, FILTERS, RULES)
    fig = charts.trend(weekly, ["score", "availability"], text, "Weekly", RULES)
    assert [trace.name for trace in fig.data] == ["Compliance score", "Availability"]
    assert fig.layout.yaxis.range == (0, 100) and fig.layout.yaxis.title.text == "Score / %"
    assert {shape.fillcolor for shape in fig.layout.shapes} == set(charts.BAND_COLOURS.values())


def test_breakdown_bars_take_their_band_colour():
    frame = pd.DataFrame(
        {"label": ["a", "b", "c"], "score": [90.0, 75.0, 50.0], "audits": [1, 2, 3], "stores": [1, 1, 1]}
    )
    fig = charts.breakdown(frame, text, "By region", RULES)
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color, strict=True))
    assert colours == {
        "a": charts.BAND_COLOURS["green"],
        "b": charts.BAND_COLOURS["amber"],
        "c": charts.BAND_COLOURS["red"],
    }
    assert fig.layout.xaxis.title.text == "Compliance score"


def test_a_brand_keeps_its_colour_on_every_chart(demo_db):
    weekly = dashboard.competitor_weekly(demo_db, MANAGER, FILTERS, "en")
    shares = dashboard.share_of_shelf(demo_db, MANAGER, FILTERS, "en")
    activity = {trace.name: trace.marker.color for trace in charts.competitor_activity(weekly, text, "x").data}
    share = {trace.name: trace.line.color for trace in charts.share_of_shelf(shares, text, "x").data}
    assert share["Ours"] == charts.OURS_COLOUR
    assert activity and all(share[name] == colour for name, colour in activity.items())
    assert len(set(activity.values())) == len(activity)


def test_the_map_needs_no_tiles_and_carries_store_codes(demo_db):
    stores = dashboard.store_scores(demo_db, MANAGER, FILTERS, RULES, "en")
    fig = charts.store_map(stores, text, "Map", RULES)
    assert all(isinstance(trace, go.Scatter) for trace in fig.data)  # plain axes, no tile server
    assert fig.layout.yaxis.scaleanchor == "x"
    codes = {row[0] for trace in fig.data for row in trace.customdata}
    assert codes == set(stores.dropna(subset=["latitude"]).code)


def test_heatmap_is_stores_by_components_on_a_0_100_scale():
    frame = pd.DataFrame({"code": ["S1", "S2"], "label": ["One", "Two"], **{c: [50.0, None] for c in COMPONENTS}})
    fig = charts.heatmap(frame, list(COMPONENTS), text, "Heat", RULES)
    assert (fig.data[0].zmin, fig.data[0].zmax) == (0, 100)
    assert list(fig.data[0].y) == ["One", "Two"] and len(fig.data[0].x) == len(COMPONENTS)
    assert fig.data[0].text[1][0] == "—"


def test_price_index_marks_our_price_as_100():
    frame = pd.DataFrame(
        {
            "brand_code": ["C01"],
            "brand": ["Rival"],
            **{f"{k}_vs_rrp": [v] for k, v in (("normal", 98.0), ("promo", 80.0), ("flash", 60.0))},
        }
    )
    fig = charts.price_index(frame, text, "Prices", "rrp")
    assert [trace.name for trace in fig.data] == ["Normal price", "Promotion price", "Flash price"]
    assert fig.layout.shapes[0].y0 == 100
