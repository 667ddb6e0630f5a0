"""Extreme-condition tests in the style of Vensim's Reality Check for models/jakarta.mdl."""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import parse_mdl, pulse, stocks

EQS = parse_mdl()
STOCKS = stocks(EQS)
SHARES = ["Piped water coverage", "Non revenue water fraction", "Public transport mode share", "Community preparedness",
          "Social cohesion index", "Waste reduction participation", "Early warning coverage",
          "Community action plan coverage", "Groundwater control enforcement", "Implementation capacity",
          "Flooded area fraction", "Wastewater treatment coverage", "Public transport utilisation",
          "Waste collection coverage", "Landfill overflow share", "Effective implementation capacity"]


PHYSICAL = sorted(set(STOCKS) | set(SHARES))


def cols(*extra):
    return sorted(set(PHYSICAL) | set(extra))


def _levers():
    import yaml
    from .conftest import META
    return yaml.safe_load(META.read_text(encoding="utf-8"))["levers"]


def _bounds(eq_range):
    lo, hi = (float(x) for x in eq_range.strip("[]").split(",")[:2])
    return lo, hi


def assert_physical(df):
    for stock in STOCKS:
        if stock != "Land subsidence":
            assert df[stock].min() >= -1e-9, f"{stock} went negative"
    for share in SHARES:
        assert df[share].between(-1e-12, 1 + 1e-12).all(), f"{share} left [0, 1]"
    assert not df.select_dtypes("number").isna().any().any()


def test_no_population_no_waste_water_or_trips(run_model):
    df = run_model({"Initial population": 0, "Initial commuters from the region": 0},
                   return_columns=cols("Waste generation", "Total water demand", "Groundwater extraction", "Total person trips",
                                       "Traffic volume", "People affected by floods", "TransJakarta ridership", "Congestion level"))
    for v in ("Population", "Waste generation", "Total water demand", "Groundwater extraction", "Total person trips",
              "Traffic volume", "People affected by floods", "TransJakarta ridership"):
        assert np.allclose(df[v], 0, atol=1e-9), v
    assert df["Congestion level"].max() < 1e-12
    assert_physical(df)


def test_no_rain_no_flood_victims(run_model):
    df = run_model({"Normal flood rainfall index": 0, "Flood shock input": 0})
    for v in ("Flooded area fraction", "People affected by floods", "People displaced by floods", "Flood deaths", "Flood damage"):
        assert np.allclose(df[v], 0), v
    # the displaced of 2018 go home: fewer than 1% remain after ten years
    assert df["Displaced population"].iloc[-1] < 0.01 * df["Displaced population"].iloc[0]


def test_unlimited_road_capacity_gives_free_flow(run_model):
    df = run_model({"Initial road capacity": 1e15})
    assert df["Congestion level"].max() < 1e-9
    np.testing.assert_allclose(df["Private travel time index"], 1 + df["Car restriction time penalty"], rtol=1e-9)


def test_no_vehicles_no_traffic(run_model):
    df = run_model({"Initial cars": 0, "Initial motorcycles": 0})
    assert np.allclose(df[["Cars", "Motorcycles", "Traffic volume", "Congestion level"]], 0)


@pytest.mark.parametrize("end", ["min", "max"])
def test_levers_at_range_limits_keep_stocks_physical(run_model, end):
    params = {}
    for name in _levers():
        lo, hi = _bounds(EQS[name]["range"])
        params[name] = lo if end == "min" else hi
    df = run_model(params, return_columns=cols())
    assert_physical(df)
    assert df["Landfill remaining capacity"].min() >= 0


def test_levers_at_limits_with_a_large_flood(run_model):
    params = {name: _bounds(EQS[name]["range"])[1] for name in _levers()}
    params["Flood shock input"] = pulse(2020.0, 0.25, 3.0)
    df = run_model(params, return_columns=cols("People affected by floods"))
    assert_physical(df)
    assert (df["Displaced population"] <= df["Population"]).all()
    assert (df["People affected by floods"] * 0.25 <= df["Population"]).all()


def test_largest_flood_is_bounded(run_model):
    df = run_model({"Flood shock input": pulse(2020.0, 0.25, 3.0)}, every_step=True,
                   return_columns=cols("Effective implementation capacity"))
    assert_physical(df)
    assert df["Flooded area fraction"].max() < 1
    assert (df["Displaced population"] < 0.1 * df["Population"]).all()
    assert df["Effective implementation capacity"].min() >= 0.5 * df["Implementation capacity"].min() - 1e-12
    # a flood hurts cohesion and diverts capacity, then both recover
    dip = df["Social cohesion index"].loc[2020:2022].min()
    assert dip < df["Social cohesion index"].loc[2019.875]
    assert df["Effective implementation capacity"].loc[2020.25] < df["Implementation capacity"].loc[2020.25]


def test_no_collection_capacity_nothing_reaches_landfill(run_model):
    df = run_model({"Initial waste collection capacity": 0, "Waste collection capacity margin": 0})
    assert np.allclose(df["Waste delivered to landfill"], 0)
    assert np.allclose(df["Landfill remaining capacity"], 1e7)
    np.testing.assert_allclose(df["Uncollected waste"], df["Waste to collect"], rtol=1e-12)
    assert df["Waste in drains"].iloc[-1] > 5 * df["Waste in drains"].iloc[0]


def test_full_landfill_sends_everything_to_overflow(run_model):
    """A full Bantargebang with no expansion: all residual waste goes to overflow sites, the stated share dumped."""
    df = run_model({"Initial landfill remaining capacity": 0, "Landfill expansion trigger volume": 0})
    assert np.allclose(df["Waste delivered to Bantargebang"], 0)
    assert np.allclose(df["Landfill overflow share"], 1)
    share = float(df["Share of overflow dumped informally"].iloc[0])
    np.testing.assert_allclose(df["Uncontrolled dumping"], share * df["Residual waste for disposal"], rtol=1e-12)
    np.testing.assert_allclose(df["Waste delivered to landfill"], (1 - share) * df["Residual waste for disposal"], rtol=1e-12)
    assert np.allclose(df["Landfill remaining capacity"], 0)


def test_unmanaged_overflow_is_all_dumped(run_model):
    """With no overflow sites (share dumped = 1) a full landfill means all residual waste is dumped."""
    df = run_model({"Initial landfill remaining capacity": 0, "Landfill expansion trigger volume": 0,
                    "Share of overflow dumped informally": 1})
    assert np.allclose(df["Waste delivered to landfill"], 0)
    np.testing.assert_allclose(df["Uncontrolled dumping"], df["Residual waste for disposal"], rtol=1e-12)


def test_no_waste_generated_drains_empty(run_model):
    df = run_model({"Base waste generation per person": 0})
    assert np.allclose(df[["Waste generation", "Waste delivered to landfill", "Waste entering drains"]], 0)
    assert df["Waste in drains"].iloc[-1] < 1e-6 * df["Waste in drains"].iloc[0]


def test_stopping_groundwater_extraction_stops_subsidence(run_model):
    df = run_model({"Groundwater extraction restriction": 1, "Initial groundwater control enforcement": 1})
    assert np.allclose(df["Groundwater extraction"], 0)
    rate = df["Subsidence rate"]
    assert rate.iloc[-1] < 0.2 * rate.iloc[0]          # aquifer response time 5 years: exp(-2) = 0.135
    assert rate.is_monotonic_decreasing
    assert (df["Unmet water demand"] > 0).all()          # closed wells not replaced by piped water


def test_no_public_transport_capacity_no_ridership(run_model):
    df = run_model({"Initial TransJakarta capacity": 0, "TransJakarta capacity target": 0, "MRT phase 1 capacity": 0,
                    "Initial commuter rail capacity": 0, "Commuter rail capacity target": 0,
                    "Initial other public transport capacity": 0})
    for v in ("TransJakarta ridership", "MRT ridership", "Commuter rail ridership"):
        assert np.allclose(df[v], 0), v
    assert df["Public transport mode share"].iloc[-1] < 1e-3   # habit decays with 1-year time constant


def test_unlimited_public_transport_capacity_limits_share_by_demand(run_model):
    df = run_model({"Initial other public transport capacity": 1e9})
    assert df["Public transport utilisation"].max() < 0.1
    np.testing.assert_allclose(df["Public transport mode share"].iloc[-1], df["Desired public transport mode share"].iloc[-1], rtol=0.02)
    assert df["Public transport mode share"].iloc[-1] <= df["Maximum public transport mode share"].iloc[-1]


def test_no_implementation_capacity_delivers_nothing(run_model):
    df = run_model({"Governance implementation capacity target": 0, "Initial implementation capacity": 0,
                    "Reservoir area target": 500, "River normalisation target": 60, "ITF capacity target": 2200,
                    "Kampung Siaga Bencana coverage target": 0.8})
    assert np.allclose(df["Reservoir area"], 270)
    assert np.allclose(df["Normalised river length"], 16.38)
    assert np.allclose(df["ITF capacity"], 0)


def test_full_preparedness_reduces_flood_impacts(run_model):
    base = run_model()
    prep = run_model({"Initial community preparedness": 1, "Kampung Siaga Bencana coverage target": 1,
                      "Initial early warning coverage": 1, "Early warning coverage target": 1})
    ratio = prep["People affected by floods"].iloc[0] / base["People affected by floods"].iloc[0]
    assert ratio == pytest.approx((1 - 0.3) / (1 - 0.3 * 0.12), rel=1e-6)
    assert (prep["Flood deaths"] < base["Flood deaths"]).all()
    assert (prep["Displacement duration"] < base["Displacement duration"]).all()
