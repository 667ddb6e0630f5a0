"""Extreme-condition tests of models/jakarta.mdl (Barlas 1996; Vensim's Reality Check): each pushes one
mechanism to an extreme and asserts the direction that mechanism implies.

Failures and programmes are applied as scenarios apply levers, from 2019 on (``step``), so that the
model's reference states remain those of its initial time. Tests marked "review case" reproduce a
defect found in the review of the previous model (issue: "mechanisms instead of plugs"); the previous
model failed each of them (its values are quoted).
"""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import parse_mdl, pulse, step, stocks

EQS = parse_mdl()
STOCKS = stocks(EQS)
SHARES = ["Piped water coverage", "Non revenue water fraction", "Public transport mode share", "Public transport demand share",
          "Community preparedness", "Social cohesion index", "Waste reduction participation", "Early warning coverage",
          "Community action plan coverage", "Groundwater control enforcement", "Implementation capacity",
          "Flooded area fraction", "Wastewater treatment coverage", "Waste collection coverage",
          "Effective implementation capacity", "Waste safely managed share", "Odd even circumvention",
          "Drain clogging fraction", "Car restraint fraction", "Share of water demand unmet", "Remaining compressibility"]
PHYSICAL = sorted(set(STOCKS) | set(SHARES))
END = 2028.0
FLOOD = {"Flood shock input": pulse(2020.0, 0.25, 1.0)}        # a 2007-like flood in 2020


def _bounds(eq_range):
    lo, hi = (float(x) for x in eq_range.strip("[]").split(",")[:2])
    return lo, hi


def assert_physical(df):
    for stock in STOCKS:
        assert df[stock].min() >= -1e-9, f"{stock} went negative"
    for share in SHARES:
        assert df[share].between(-1e-12, 1 + 1e-12).all(), f"{share} left [0, 1]"
    assert np.isfinite(df.select_dtypes("number").values).all()


def worse_or_equal(base: float, case: float, better: str, rtol: float = 1e-9) -> bool:
    tol = rtol * max(abs(base), 1e-12)
    return case <= base + tol if better == "higher" else case >= base - tol


# ----------------------------------------------------------------------------- waste: failure never looks better
def test_no_collection_never_looks_better(runs, jakarta):
    """Collection fleet run down from 2019: uncontrolled waste, drains and floods rise, safe management falls.

    Review case: the previous model's 'Waste delivered to landfill' (better: lower) fell to 0, the best score,
    with no collection fleet while waste in drains rose 9.7x.
    """
    out = runs({"base": {}, "no fleet": {"Waste collection capacity margin": step(0.0)}})
    b, c = out["base"].loc[END], out["no fleet"].loc[END]
    assert c["Uncontrolled waste"] > 3 * b["Uncontrolled waste"]
    assert c["Waste safely managed share"] < 0.5 * b["Waste safely managed share"]
    assert c["Waste in drains"] > 2 * b["Waste in drains"]
    for name in ("People affected by floods", "Flood damage", "Displaced population", "Social cohesion index"):
        assert worse_or_equal(b[name], c[name], jakarta.indicators[name].better), name


def test_a_smaller_collection_margin_is_never_better(runs, jakarta):
    """Collection margin cut to 0.8: no waste, flood or cohesion indicator improves at any time.

    Review case: cutting 'Waste collection capacity margin' to 0.8 "improved" the previous model's landfill
    deliveries.
    """
    out = runs({"base": {}, "cut": {"Waste collection capacity margin": step(0.8)}})
    for name in ("Uncontrolled waste", "Waste safely managed share", "Waste in drains", "People affected by floods",
                 "Flood damage", "Social cohesion index"):
        better = jakarta.indicators[name].better
        for t in out["base"].index:
            assert worse_or_equal(out["base"].loc[t, name], out["cut"].loc[t, name], better), (name, t)
    assert out["cut"].loc[END, "Uncontrolled waste"] > 1.05 * out["base"].loc[END, "Uncontrolled waste"]


def test_weaker_governance_improves_no_indicator(runs, jakarta):
    """Implementation capacity cut to its minimum: every indicator is the same or worse at the end.

    Review case: zero governance gave the previous model 5,803 t/day delivered against 8,559 in the
    baseline, a 'better' score.
    """
    out = runs({"base": {}, "weak": {"Governance implementation capacity target": step(0.3)}})
    b, c = out["base"].loc[END], out["weak"].loc[END]
    for name, ind in jakarta.indicators.items():
        assert worse_or_equal(b[name], c[name], ind.better, rtol=1e-6), (name, b[name], c[name])
    assert c["Effective implementation capacity"] < 0.7 * b["Effective implementation capacity"]


def test_full_landfill_sends_residual_waste_to_overflow_sites(runs):
    """A full Bantargebang and no expansion: residual waste goes to overflow sites, the stated share dumped."""
    out = runs({"full": {"Initial landfill remaining capacity": 0, "Landfill expansion trigger volume": 0}})["full"]
    assert np.allclose(out["Waste delivered to Bantargebang"], 0)
    share = float(out["Share of overflow dumped informally"].iloc[0])
    np.testing.assert_allclose(out["Uncontrolled dumping"], share * out["Residual waste for disposal"], rtol=1e-12)
    np.testing.assert_allclose(out["Uncontrolled waste"], out["Uncollected waste"] + out["Uncontrolled dumping"], rtol=1e-12)


def test_no_waste_generated_empties_the_drains(runs):
    """No waste: nothing enters the drains, they empty, and clogging vanishes."""
    out = runs({"clean": {"Base waste generation per person": step(0.0)}})["clean"]
    assert out.loc[2019.0:, "Waste entering drains"].abs().max() < 1e-9
    assert out.loc[END, "Drain clogging fraction"] < 1e-6 * out.loc[2018.0, "Drain clogging fraction"]


# ----------------------------------------------------------------------------- preparedness is capacity, not memory
def test_a_flood_never_builds_preparedness_or_cohesion(runs):
    """A 2007-like flood in 2020: preparedness (capacity), cohesion, delivery capacity and population are not
    higher in any later year; the flood's cumulative deaths, damage and displacement exceed the baseline's.

    Review case: the previous model's 2028 preparedness was higher after a 2007-like flood than without it.
    """
    out = runs({"base": {}, "flood": FLOOD})
    b, f = out["base"], out["flood"]
    for name in ("Community preparedness", "Social cohesion index", "Effective implementation capacity", "Population"):
        # 1e-4: years later, a city a little smaller after the flood carries slightly fewer ordinary-year displaced
        assert (f.loc[2020.0:, name] <= b.loc[2020.0:, name] * (1 + 1e-4)).all(), name
    assert f.loc[2020.5:2023, "Community preparedness"].min() < b.loc[2020.5:2023, "Community preparedness"].min()
    dt = 0.25
    for name in ("Flood deaths", "Flood damage", "Displaced population"):
        assert (f[name].sum() - b[name].sum()) * dt > 0, name


def test_fewer_floods_never_lower_preparedness(runs):
    """River normalisation and waste banks cut flooding; preparedness (capacity) is not lower for it.

    Review case: the previous model's preparedness fell with river normalisation (-6.7%) and waste banks (-7.1%).
    """
    out = runs({"base": {}, "river": {"River normalisation target": step(33.69)},
                "banks": {"Waste bank participation target": step(0.3)}})
    for case in ("river", "banks"):
        assert out[case].loc[END, "People affected by floods"] < out["base"].loc[END, "People affected by floods"]
        assert out[case].loc[END, "Community preparedness"] >= out["base"].loc[END, "Community preparedness"] * (1 - 1e-9)


@pytest.mark.parametrize("constant, value", [("Normal flood rainfall index", 0.4), ("Normal flood rainfall index", 0.1),
                                             ("Maximum drain clogging fraction", 0.2), ("Flood memory time", 1.0)])
def test_other_constants_start_in_equilibrium(runs, constant, value):
    """A wetter or drier climate, or other flood constants, start the model in equilibrium: preparedness,
    flood memory, waste in drains, the displaced and cohesion do not move at the initial time.

    Review case: in the previous model a rainfall index of 0.4 doubled preparedness with no change in the
    flood regime (copied reference values).
    """
    out = runs({"case": {constant: value}}, saveper=0.0625, end=2019.0)["case"]
    for stock in ("Community preparedness", "Flood risk perception", "Waste in drains", "People awaiting home repair",
                  "Social cohesion index", "Implementation capacity", "Public transport demand share"):
        start = out[stock].iloc[0]
        assert abs(out[stock].iloc[1] - start) <= 1e-9 * max(abs(start), 1e-12), (stock, start, out[stock].iloc[1])


# ----------------------------------------------------------------------------- water: no free lunch
def test_closing_wells_without_new_supply_is_not_free(runs, jakarta):
    """Wells closed from 2019 without new supply: subsidence slows, but unmet demand, coping costs, health
    costs rise and cohesion falls.

    Review case: in the previous model closing 90% of wells left half the demand unmet at no cost anywhere
    while subsidence and floods improved.
    """
    out = runs({"base": {}, "closed": {"Groundwater extraction restriction": step(0.9)}})
    b, c = out["base"].loc[END], out["closed"].loc[END]
    assert c["Land subsidence"] < b["Land subsidence"] and c["Groundwater extraction"] < b["Groundwater extraction"]
    assert c["Unmet water demand"] > 0.05 * c["Total water demand"]
    assert c["Household water coping cost"] > 1.5 * b["Household water coping cost"]
    assert c["Water and sanitation health cost"] > b["Water and sanitation health cost"]
    assert c["Social cohesion index"] < b["Social cohesion index"] - 0.02


def test_untreated_wastewater_pollutes_and_costs_health(runs):
    """More sewerage lowers river pollution and the health cost; none leaves them where they were."""
    out = runs({"base": {}, "sewers": {"Sewerage coverage target": step(0.8)}})
    b, s = out["base"].loc[END], out["sewers"].loc[END]
    assert s["River pollution index"] < 0.9 * b["River pollution index"]
    assert s["Water and sanitation health cost"] < b["Water and sanitation health cost"]
    assert s["Gross regional domestic product"] > b["Gross regional domestic product"]


# ----------------------------------------------------------------------------- subsidence from compaction
def test_stopping_extraction_stops_subsidence(runs):
    """No abstraction from 2018: heads recover, and compaction (inelastic) stops within a decade."""
    out = runs({"stop": {"Groundwater extraction restriction": 0.9, "Initial groundwater control enforcement": 0.9,
                         "Share of closed well demand met by informal wells": 0.0,
                         "Share of non piped demand met by other sources": 1.0}})["stop"]
    assert np.allclose(out["Groundwater extraction"], 0, atol=1e-6)
    rate = out["Subsidence rate"]
    assert rate.loc[END] < 0.05 * rate.loc[2018.0]
    assert (np.diff(rate.values) <= 1e-12).all()
    assert out.loc[END, "Aquifer head decline"] < out.loc[2018.0, "Aquifer head decline"]


def test_stable_heads_keep_the_clays_compacting_for_decades(runs):
    """Aquifer heads frozen from 2019 on: subsidence goes on for decades, slowing, as the clays consolidate
    (Deltares 2017: subsidence continues even if abstraction is cut enough to keep heads stable)."""
    out = runs({"stable": {"Aquifer response time": step(1e9)}}, end=2048.0)["stable"]
    rate = out["Subsidence rate"]
    heads = out.loc[2019.25:, "Aquifer head decline"]
    assert heads.max() - heads.min() < 1e-3
    assert rate.loc[2048.0] > 0.1 * rate.loc[2019.25]
    assert rate.loc[2048.0] < rate.loc[2028.0] < rate.loc[2019.25]


def test_compaction_never_passes_the_consolidation_limit(runs):
    """Five times the water demand for eighty years: compaction approaches but never passes its limit."""
    out = runs({"mining": {"Water demand per person": step(1.1)}}, end=2100.0, saveper=1.0)["mining"]
    limit = float(out["Maximum consolidation"].iloc[0]) - float(out["Compaction before the run"].iloc[0])
    assert out["Land subsidence"].max() <= limit + 1e-9
    assert out.loc[2100.0, "Subsidence rate"] < out.loc[2030.0, "Subsidence rate"]


# ----------------------------------------------------------------------------- floods as a water balance
def test_no_rain_no_flood_impacts(runs):
    """No rain: no inundation, no one affected, displaced, killed or ruined; the displaced go home."""
    out = runs({"dry": {"Normal flood rainfall index": step(0.0)}})["dry"]
    later = out.loc[2019.0:]
    for v in ("Flooded area fraction", "People affected by floods", "People sheltering from floods", "Flood deaths", "Flood damage"):
        assert np.allclose(later[v], 0), v
    assert out.loc[END, "People awaiting home repair"] < 1e-3 * max(out.loc[2018.0, "People awaiting home repair"], 1.0)


def test_the_largest_flood_is_bounded(runs):
    """Three times the 2007 event: the flooded share stays below the floodable share, the displaced below the
    population, and the diversion of the agencies at its maximum."""
    out = runs({"huge": {"Flood shock input": pulse(2020.0, 0.25, 3.0)}}, saveper=0.0625)["huge"]
    assert_physical(out)
    assert out["Flooded area fraction"].max() <= float(out["Floodable area share"].iloc[0])
    assert (out["Displaced population"] < 0.2 * out["Population"]).all()
    assert out["Disaster workload diversion"].max() <= float(out["Maximum disaster diversion"].iloc[0]) + 1e-12


def test_storage_and_conveyance_reduce_flooding(runs):
    """More reservoir area (stored volume) and more normalised river (conveyance) flood fewer people."""
    out = runs({"base": {}, "reservoirs": {"Reservoir area target": step(500.0)},
                "river": {"River normalisation target": step(33.69)}})
    for case in ("reservoirs", "river"):
        assert out[case].loc[END, "People affected by floods"] < 0.97 * out["base"].loc[END, "People affected by floods"]
        assert out[case].loc[END, "Event drainage capacity"] > out["base"].loc[END, "Event drainage capacity"]


def test_normalisation_beyond_the_plan_adds_nothing(runs):
    """River normalisation saturates at the narrowest reach: 100 km do no more than the 33.69 km plan.

    Review case: the previous model added 11 m3/s per km without limit (100 km cut flood victims by 66%).
    """
    out = runs({"plan": {"River normalisation target": step(33.69), "Conveyance gain per normalised km": 11.0},
                "100 km": {"River normalisation target": step(100.0), "Conveyance gain per normalised km": 11.0}})
    design = float(out["plan"]["Ciliwung design capacity"].iloc[0])
    assert out["100 km"]["Ciliwung conveyance capacity"].max() <= design + 1e-9
    a, b = out["plan"].loc[END, "People affected by floods"], out["100 km"].loc[END, "People affected by floods"]
    assert b >= 0.97 * a


def test_floods_kill_and_drive_people_out(runs):
    """A 2007-like flood: flood deaths leave the population, some of the homeless leave the city, fewer move in."""
    out = runs({"base": {}, "flood": FLOOD})
    b, f = out["base"], out["flood"]
    assert f["Flood out migration"].max() > 0 and f["Flood deaths"].max() > 10 * b["Flood deaths"].max()
    assert f.loc[2022.0, "In migration"] < b.loc[2022.0, "In migration"]
    assert f.loc[END, "Population"] < b.loc[END, "Population"]


def test_early_warning_and_preparedness_cut_deaths_and_damage(runs):
    """Under the same flood, early warning cuts deaths and damage; full preparedness also speeds the return home."""
    out = runs({"flood": FLOOD, "warned": {**FLOOD, "Early warning coverage target": step(1.0)},
                "prepared": {**FLOOD, "Kampung Siaga Bencana coverage target": step(1.0)}})
    f = out["flood"].loc[2020.0:2020.25]
    for case in ("warned", "prepared"):
        c = out[case].loc[2020.0:2020.25]
        assert c["Flood deaths"].sum() < f["Flood deaths"].sum(), case
        assert c["Flood damage"].sum() < f["Flood damage"].sum(), case
        assert np.allclose(c["People affected by floods"], f["People affected by floods"], rtol=1e-2), case
    assert (out["prepared"].loc[2021.0:, "Home repair time"] < out["flood"].loc[2021.0:, "Home repair time"]).all()


# ----------------------------------------------------------------------------- mobility: demand, supply, restraint
def test_more_capacity_fills_only_as_demand_allows(runs):
    """Triple TransJakarta's capacity: ridership grows by much less than capacity and the buses empty.

    Review case: in the previous model tripling TransJakarta's capacity tripled its ridership (utilisation 1).
    """
    out = runs({"base": {}, "x3": {"TransJakarta capacity target": step(1.95e6)}})
    b, c = out["base"].loc[END], out["x3"].loc[END]
    capacity_ratio = c["TransJakarta capacity"] / b["TransJakarta capacity"]
    assert capacity_ratio > 2.5
    assert c["TransJakarta ridership"] / b["TransJakarta ridership"] < 0.9 * capacity_ratio
    assert c["TransJakarta load factor"] < 0.8 * b["TransJakarta load factor"]
    assert c["Public transport mode share"] > b["Public transport mode share"]


def test_unlimited_capacity_leaves_ridership_to_demand(runs):
    """Ten times every system's capacity: no one is left behind, crowding disappears, and ridership follows
    demand, not capacity (well below the capacity)."""
    big = {"Initial TransJakarta capacity": 6e6, "TransJakarta capacity target": 6.5e6, "MRT phase 1 capacity": 3.5e6,
           "Initial commuter rail capacity": 1.1e7, "Commuter rail capacity target": 1.2e7,
           "Initial other public transport capacity": 6e7}
    out = runs({"big": big})["big"]
    assert out["Public transport trips left behind"].max() < 1e-6
    for system in ("TransJakarta", "MRT", "Commuter rail", "Other public transport"):
        assert out[f"{system} load factor"].max() < 0.15, system
    assert out.loc[END, "TransJakarta ridership"] < 0.2 * out.loc[END, "TransJakarta capacity"] * 365
    assert out["Public transport mode share"].max() < 0.5


def test_without_public_transport_trips_go_by_road(runs):
    """No TransJakarta, MRT or KRL from 2019: their riders crowd the minibuses (whose operators add vehicles)
    or go by road; public transport's share falls and congestion rises (no mobility indicator improves)."""
    none = {name: step(0.0) for name in ("TransJakarta capacity target", "Commuter rail capacity target",
                                         "MRT phase 1 capacity")}
    out = runs({"base": {}, "none": none})
    b, n = out["base"].loc[END], out["none"].loc[END]
    assert n["TransJakarta ridership"] < 0.01 * b["TransJakarta ridership"] and n["MRT ridership"] == 0
    assert n["Public transport mode share"] < 0.9 * b["Public transport mode share"]
    assert n["Other public transport capacity"] > b["Other public transport capacity"]
    assert n["Motorcycle person trips"] > b["Motorcycle person trips"]
    assert n["Congestion level"] > b["Congestion level"]


@pytest.mark.parametrize("lever, value", [("Electronic road pricing charge", 40.0), ("Odd even restriction coverage", 1.0)])
def test_car_restraint_raises_public_transport_share(runs, lever, value):
    """Road pricing and odd-even act on cars only: car trips fall, motorcycles do not, and public transport's
    share rises while it has room; congestion falls.

    Review case: in the previous model ERP and odd-even lowered public transport's share, priced trips vanished,
    and ERP was applied to motorcycles.
    """
    out = runs({"base": {}, "restraint": {lever: step(value)}})
    b, r = out["base"].loc[2020.0], out["restraint"].loc[2020.0]
    assert r["Public transport mode share"] > b["Public transport mode share"]
    assert r["Car vehicle trips"] < b["Car vehicle trips"]
    assert r["Motorcycle vehicle trips"] >= b["Motorcycle vehicle trips"]
    assert r["Congestion level"] < b["Congestion level"]
    restrained = r["Restrained car trips"]
    np.testing.assert_allclose(r["Restrained car trips to public transport"],
                               restrained * r["Share of restrained car trips to public transport"], rtol=1e-12)


def test_odd_even_erodes_as_drivers_adapt(runs):
    """Odd-even everywhere from 2019: its effect on car trips shrinks year by year (second cars, gaming)."""
    out = runs({"oe": {"Odd even restriction coverage": step(1.0)}})["oe"]
    restraint = out.loc[2019.25:, "Odd even car restraint"]
    assert (np.diff(restraint.values) <= 1e-12).all() and restraint.iloc[-1] < 0.7 * restraint.iloc[0]


def test_road_building_induces_traffic(runs):
    """Three per cent more road a year: traffic grows with the roads, so congestion falls much less than
    volume/capacity would at the old traffic."""
    out = runs({"base": {}, "roads": {"Road building rate": step(0.03)}})
    b, r = out["base"].loc[END], out["roads"].loc[END]
    capacity_ratio = r["Road capacity"] / b["Road capacity"]
    assert capacity_ratio > 1.2
    assert r["Traffic volume"] > 1.1 * b["Traffic volume"]
    assert r["Volume capacity ratio"] > b["Volume capacity ratio"] / capacity_ratio * 1.05
    assert r["Congestion level"] < b["Congestion level"]


def test_a_crowded_city_stays_physical(runs):
    """Three times the population: congestion rises but stays below its maximum, trips are suppressed as it
    rises, and the population does not collapse.

    Review case: the previous model's congestion had no bound (4-6 with the population x3) and its logistic
    population lost 17 million people in ten years.
    """
    out = runs({"base": {}, "x3": {"Initial population": 3 * 1.04676e7, "Initial commuters from the region": 3 * 1.56e6},
                "x3 later": {"Gross in migration rate": step(0.2, 2019.0)}})
    x3, later = out["x3"], out["x3 later"]
    cap = float(x3["Maximum congestion level"].iloc[0])
    assert x3["Congestion level"].max() < cap and later["Congestion level"].max() < cap
    assert x3.loc[END, "Population"] > 0.95 * x3.loc[2018.0, "Population"]
    grown = later.loc[END]
    assert grown["Person trips made"] < grown["Potential person trips"]
    assert grown["In migration"] < later.loc[2019.0, "In migration"] * grown["Population"] / later.loc[2019.0, "Population"]


def test_worse_congestion_deters_migrants_and_commuters(runs):
    """Roads shrinking 7% a year from 2019 (about half by 2028): congestion rises, fewer migrants and commuters
    come, fewer trips are made."""
    out = runs({"base": {}, "narrow": {"Road building rate": step(-0.07)}})
    b, n = out["base"].loc[END], out["narrow"].loc[END]
    assert n["Congestion level"] > b["Congestion level"]
    assert n["In migration"] < b["In migration"]
    assert n["Commuters from the region"] < b["Commuters from the region"]
    assert n["Person trips made"] < b["Person trips made"]


# ----------------------------------------------------------------------------- the whole model
def test_no_population_no_demand(runs):
    """No people and no commuters: no water demand, waste, trips, traffic, flood victims or ridership."""
    out = runs({"empty": {"Initial population": 0, "Initial commuters from the region": 0}})["empty"]
    for v in ("Population", "Waste generation", "Total water demand", "Groundwater extraction", "Person trips made",
              "Traffic volume", "People affected by floods", "TransJakarta ridership"):
        assert np.allclose(out[v], 0, atol=1e-9), v
    assert out["Congestion level"].max() < 1e-12


@pytest.mark.parametrize("end", ["min", "max"])
def test_levers_at_their_limits_keep_the_model_physical(runs, jakarta, end):
    """Every lever at the bottom (or top) of its range, with a flood three times 2007's: stocks non-negative,
    shares within [0, 1], everything finite."""
    case = {name: (lever.minimum if end == "min" else lever.maximum) for name, lever in jakarta.levers.items()}
    case["Flood shock input"] = pulse(2020.0, 0.25, 3.0)
    assert_physical(runs({end: case})[end])
