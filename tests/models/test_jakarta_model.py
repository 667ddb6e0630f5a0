"""Structure, units, conservation, sidecar, convergence and baseline plausibility of models/jakarta.mdl."""
from __future__ import annotations

import re
import warnings
from collections import Counter

import numpy as np
import pytest
import yaml

import cityfutures as cf
from cityfutures.plan.sampling import sample

from .conftest import DT, META, MODELS, mdl_groups, parse_mdl, stocks

EQS = parse_mdl()
STOCKS = stocks(EQS)
CONTROL = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"}
NUMBER = re.compile(r"-?[0-9.]+(e[+-]?[0-9]+)?")
FOCUS_AREAS = {"governance", "preparedness", "water-waste", "connectivity-mobility", "social-cohesion"}
INDICATORS = {   # name: units (each programme of the workshop comparisons moves one of them)
    "Effective implementation capacity": "Dmnl",
    "People affected by floods": "person/Year",
    "Flood deaths": "person/Year",
    "Flood damage": "trillion_IDR/Year",
    "Community preparedness": "Dmnl",
    "Displaced population": "person",
    "Share of population affected": "1/Year",          # per resident: a flood also moves people out
    "Flood damage share of output": "Dmnl",             # per unit of output: a flood also makes the city poorer
    "Piped water coverage": "Dmnl",
    "Piped water connections": "connection",
    "Non revenue water fraction": "Dmnl",
    "Groundwater extraction": "m3/Year",
    "Land subsidence": "m",
    "Wastewater treatment coverage": "Dmnl",
    "Water and sanitation health cost": "trillion_IDR/Year",
    "Household water coping cost": "trillion_IDR/Year",
    "Waste safely managed share": "Dmnl",
    "Uncontrolled waste": "tonne/day",
    "Waste in drains": "tonne",
    "Public transport mode share": "Dmnl",
    "Congestion level": "Dmnl",
    "TransJakarta ridership": "passenger/Year",
    "MRT ridership": "passenger/Year",
    "Commuter rail ridership": "passenger/Year",
    "Social cohesion index": "Dmnl",
    "Population": "person",
}
# stocks that start in equilibrium for any value of the constants (their initial values are computed)
EQUILIBRIUM_STOCKS = ["Waste in drains", "Flood risk perception", "People awaiting home repair", "Community preparedness",
                      "Early warning coverage", "Community action plan coverage", "Social cohesion index",
                      "Implementation capacity", "Public transport demand share", "Perceived relative travel time",
                      "Perceived TransJakarta crowding", "Perceived MRT crowding", "Perceived commuter rail crowding",
                      "Perceived other public transport crowding", "Waste reduction participation", "Channel sediment",
                      "Sediment carried by floods", "Damaged drainage share", "Drainage damaged in the flood"]


@pytest.fixture(scope="module")
def meta():
    return yaml.safe_load(META.read_text(encoding="utf-8"))


def is_constant(e: dict) -> bool:
    return not e["lookup"] and NUMBER.fullmatch(e["eq"]) is not None


# ----------------------------------------------------------------------------- units algebra
def parse_units(text: str) -> Counter:
    """'m3/(person*Year)' -> Counter({'m3': 1, 'person': -1, 'Year': -1}); Dmnl -> empty."""
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[*/()]", text)
    pos = 0

    def expr():
        nonlocal pos
        acc = term()
        while pos < len(tokens) and tokens[pos] in "*/":
            op = tokens[pos]
            pos += 1
            t = term()
            acc.update(t if op == "*" else Counter({k: -v for k, v in t.items()}))
        return acc

    def term():
        nonlocal pos
        tok = tokens[pos]
        pos += 1
        if tok == "(":
            inner = expr()
            pos += 1  # ')'
            return inner
        return Counter() if tok in ("Dmnl", "1") else Counter({tok: 1})

    out = expr()
    assert pos == len(tokens), f"cannot parse units {text!r}"
    return Counter({k: v for k, v in out.items() if v})


def test_units_parser_can_fail():
    assert parse_units("m3/(person*Year)") == Counter({"m3": 1, "person": -1, "Year": -1})
    assert parse_units("Dmnl") == Counter()
    assert parse_units("1/Year") == Counter({"Year": -1})
    assert parse_units("tonne/day") != parse_units("tonne")


# ----------------------------------------------------------------------------- structure
def test_translates_and_runs_whole_horizon(run_model):
    df = run_model()
    assert df.index[0] == pytest.approx(2018.0) and df.index[-1] == pytest.approx(2028.0)
    np.testing.assert_allclose(np.diff(df.index.values), 0.25)
    numeric = df.select_dtypes("number")
    assert np.isfinite(numeric.values).all(), numeric.columns[~np.isfinite(numeric.values).all(axis=0)].tolist()


def test_control_values():
    for name in CONTROL:
        assert EQS[name]["units"] == "Year"
    assert float(EQS["TIME STEP"]["eq"]) == DT and float(EQS["SAVEPER"]["eq"]) == 0.25


def test_indicators_present_with_exact_units(model_doc):
    for name, unit in INDICATORS.items():
        assert model_doc.loc[name, "Units"] == unit, (name, model_doc.loc[name, "Units"])


def test_stocks_have_flows_and_named_initial_values():
    """Every stock starts from a named constant or an INITIAL() of the model's own state."""
    assert len(STOCKS) >= 40, len(STOCKS)
    for stock, (terms, init) in STOCKS.items():
        assert terms, stock
        for _, flow in terms:
            assert flow in EQS, (stock, flow)
        assert init in EQS and not EQS[init]["lookup"], f"{stock}: initial value must be a named variable"
        assert is_constant(EQS[init]) or EQS[init]["eq"].startswith("INITIAL("), \
            f"{stock}: initial value {init} is neither a constant nor INITIAL()"


def test_units_of_flows_match_their_stocks():
    for stock, (terms, _) in STOCKS.items():
        expected = Counter(parse_units(EQS[stock]["units"]))
        expected.update({"Year": -1})
        expected = Counter({k: v for k, v in expected.items() if v})
        for _, flow in terms:
            assert parse_units(EQS[flow]["units"]) == expected, (stock, flow, EQS[flow]["units"])


def test_every_variable_has_units_and_documentation(model_doc):
    for name, e in EQS.items():
        assert e["units"], f"{name} has no units"
        assert len(e["doc"]) > 10, f"{name} has no documentation"


def test_constants_and_lookups_carry_a_source_tag_and_a_range():
    """The convention the structure lint of `cityfutures check` applies: a tag and a documented [min,max]
    that contains the value."""
    tag = re.compile(r"\b(Source|Derived|Calibrated|Assumption):")
    for name, e in EQS.items():
        if not (is_constant(e) or e["lookup"]):
            continue
        assert tag.search(e["doc"]), f"{name}: no Source:/Derived:/Calibrated:/Assumption: tag"
        if e["lookup"]:
            continue
        assert e["range"], f"{name}: no documented range [min,max]"
        lo, hi = (float(x) for x in e["range"].strip("[]").split(",")[:2])
        assert lo <= float(e["eq"]) <= hi, (name, e["eq"], e["range"])


def test_no_literal_numbers_in_equations():
    """Only named constants carry numbers; 0, 1, 2 and 100 are allowed as structure."""
    for name, e in EQS.items():
        if e["lookup"] or is_constant(e):
            continue
        numbers = re.findall(r"(?<![A-Za-z0-9_ ])\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", e["eq"])
        assert set(numbers) <= {"0", "1", "2", "100"}, (name, numbers)


def test_only_functions_both_engines_run():
    allowed = {"INTEG", "MIN", "MAX", "XIDZ", "ZIDZ", "EXP", "LN", "STEP", "SMOOTH", "INITIAL", "IF THEN ELSE"}
    for name, e in EQS.items():
        for fn in re.findall(r"\b([A-Z][A-Z0-9 ]*[A-Z0-9])\s*\(", e["eq"]):
            assert fn in allowed, (name, fn)


def test_no_time_constant_shorter_than_four_steps():
    """Every time constant (a constant in years that divides a quantity, or a SMOOTH's delay) is at least
    4 x TIME STEP over its whole documented range."""
    delays = set()
    for e in EQS.values():
        delays |= {d.strip() for d in re.findall(r"/\s*([A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9])", e["eq"])}
        delays |= set(re.findall(r"SMOOTH\([^,]+,\s*([A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9])\)", e["eq"]))
    checked = 0
    for name, e in EQS.items():
        if name in CONTROL or not is_constant(e) or e["units"] != "Year" or name not in delays:
            continue
        checked += 1
        lo = float(e["range"].strip("[]").split(",")[0])
        assert min(lo, float(e["eq"])) >= 4 * DT, (name, e["eq"], e["range"])
    assert checked >= 30, checked


def test_divisions_by_stocks_are_guarded():
    """A denominator that is a stock, or a constant whose range reaches zero, goes through ZIDZ/XIDZ."""
    zero_ranged = {n for n, e in EQS.items() if is_constant(e) and e["range"]
                   and float(e["range"].strip("[]").split(",")[0]) <= 0}
    risky = set(STOCKS) | zero_ranged
    for name, e in EQS.items():
        for den in re.findall(r"/\s*([A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9])", e["eq"]):
            assert den.strip() not in risky, (name, den)


def test_nothing_feeds_nothing_but_indicators(jakarta):
    """Every variable feeds another, or is a public indicator (no dead ends: unmet demand and untreated
    wastewater have consequences)."""
    read = set().union(*(v.reads for v in jakarta.variables.values()))
    py = {v.py_name: n for n, v in jakarta.variables.items()}
    for dep in jakarta.pysd().dependencies.values():      # initial values count as use too
        for v in (dep.values() if isinstance(dep, dict) else []):
            if isinstance(v, dict):
                read |= {py[p] for p in v if p in py}
    dead = sorted(n for n in jakarta.variables if n not in read and n not in CONTROL and n not in jakarta.indicators)
    assert dead == [], dead


# ----------------------------------------------------------------------------- conservation
def test_stock_flow_conservation(baseline):
    """Each stock equals its initial value plus the Euler sum of inflows minus outflows, step by step."""
    for stock, (terms, _) in STOCKS.items():
        net = sum(sign * baseline[flow].values for sign, flow in terms)
        s = baseline[stock].values
        np.testing.assert_allclose(s[1:], s[:-1] + DT * net[:-1], rtol=1e-9, atol=1e-6,
                                   err_msg=f"stock {stock} does not balance its flows")


def test_waste_mass_balance(baseline):
    b = baseline
    right = (b["Waste reduced at source"] + b["Waste treated in ITF"] - b["ITF residue"] + b["Waste delivered to landfill"]
             + b["Uncontrolled dumping"] + b["Uncollected waste"])
    np.testing.assert_allclose(b["Waste generation"], right, rtol=1e-9)
    np.testing.assert_allclose(b["Residual waste for disposal"], b["Waste delivered to Bantargebang"]
                               + b["Waste sent to overflow disposal sites"] + b["Uncontrolled dumping"], rtol=1e-9)
    np.testing.assert_allclose(b["Waste safely managed share"] + b["Uncontrolled waste"] / b["Waste generation"], 1, rtol=1e-9)


@pytest.mark.parametrize("params", [{}, {"Groundwater extraction restriction": 0.4, "Bulk water supply additions": 4000},
                                    {"Groundwater extraction restriction": 0.05, "Bulk water supply additions": 15000}])
def test_water_balance(run_model, params):
    """Every m3 of demand is piped, drawn from wells, bought, or unmet; wells closed in the zones go to the pipes
    first, as far as the water the network can deliver allows, and only the rest to informal wells, vendors or
    unmet demand (groundwater-free zones are declared where the network serves)."""
    b = run_model(params, every_step=True)
    piped = b["Piped water sold to connections"] + b["Piped water replacing closed wells"]
    np.testing.assert_allclose(b["Total water demand"], piped + b["Groundwater extraction"]
                               + b["Water from other sources"] + b["Unmet water demand"], rtol=1e-9)
    assert (piped <= b["Water available for sale"] * (1 + 1e-12)).all()
    spare = b["Water available for sale"] - b["Piped water sold to connections"]
    np.testing.assert_allclose(b["Piped water replacing closed wells"], np.minimum(b["Closed well demand"], spare),
                               rtol=1e-9, atol=1e-6)
    unserved = b["Closed well demand not served by pipes"]
    assert (unserved >= -1e-6).all()
    if params.get("Bulk water supply additions", 0) > 10000:     # ample water: nothing closed goes unserved
        assert unserved.max() < 1e-6 * b["Closed well demand"].max() and b["Unmet water demand"].max() < 1e-6
    if params:
        assert b["Piped water replacing closed wells"].max() > 0


def test_trip_balance(run_model):
    """Every potential trip is made by public transport, car, motorcycle, later, or suppressed/not made."""
    df = run_model({"Odd even restriction coverage": 0.8, "Electronic road pricing charge": 30})
    not_made = df["Restrained car trips"] * (1 - df["Share of restrained car trips to public transport"]
                                            - df["Share of restrained car trips to motorcycles"]
                                            - df["Share of restrained car trips to other times"])
    made = (df["Public transport trips served"] + df["Car person trips"] + df["Retimed car trips"]
            + df["Motorcycle person trips"] + not_made)
    np.testing.assert_allclose(made, df["Person trips made"], rtol=1e-9)
    assert (df["Person trips made"] <= df["Potential person trips"] * 1.1).all()


def test_population_balance(baseline):
    b = baseline
    net = b["Births"] + b["In migration"] - b["Deaths"] - b["Out migration"] - b["Flood out migration"]
    np.testing.assert_allclose(b["Population growth fraction"] * b["Population"], net, rtol=1e-9)
    assert (b["Deaths"] >= b["Flood deaths"]).all()


# ----------------------------------------------------------------------------- equilibria and convergence
def test_sidecar_declares_the_equilibrium_stocks(jakarta):
    assert set(jakarta.equilibrium_stocks) == set(EQUILIBRIUM_STOCKS)


def test_designated_stocks_start_in_equilibrium_in_sampled_futures(jakarta):
    """Sixteen futures drawn from the baseline's `uncertain:` block: no equilibrium stock moves at the initial time."""
    spec = cf.load_scenario(MODELS.parent / "scenarios" / "baseline.yaml").uncertain
    draws = sample(spec, 16, seed=7, start=2018.0, end=2028.0).constants
    assert len(draws.columns) >= 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ds = cf.simulate(jakarta, {k: draws[k].values for k in draws}, n_runs=16, end=2018.25, saveper=DT,
                      variables=EQUILIBRIUM_STOCKS)
    for stock in EQUILIBRIUM_STOCKS:
        x = ds[stock].values
        np.testing.assert_allclose(x[:, 1], x[:, 0], rtol=1e-9, atol=1e-12, err_msg=stock)


def test_peak_displaced_converges_with_the_time_step(calibration):
    """A 2007-like flood: the peak displaced population differs by less than 3% between dt and dt/4.

    Review case: the previous model gave 271k at dt 1/64, 284k at 1/16, 305k at 1/8, 380k at 1/4.
    """
    cal = calibration
    model = cal.load()
    peaks = {dt: float(cal.flood_event(model, [1.0], dt=dt, variables=["Displaced population"])["Displaced population"].max())
             for dt in (DT, DT / 4)}
    assert abs(peaks[DT] / peaks[DT / 4] - 1) < 0.03, peaks


# ----------------------------------------------------------------------------- sidecar
def test_sidecar_focus_areas_and_sectors(meta):
    assert set(meta["focus_areas"]) == FOCUS_AREAS
    assert set(meta["sectors"]) == set(mdl_groups())
    assert meta["model"] == "jakarta.mdl"


def test_sidecar_levers_are_ranged_plain_constants(meta, model_doc):
    levers = meta["levers"]
    assert len(levers) == 21
    assert {lv["focus_area"] for lv in levers.values()} == FOCUS_AREAS
    for name in levers:
        e = EQS[name]
        assert is_constant(e) and e["range"], name
        lo, hi = (float(x) for x in e["range"].strip("[]").split(",")[:2])
        assert lo <= float(e["eq"]) <= hi and tuple(model_doc.loc[name, "Limits"][:2]) == (lo, hi), name
        assert e["doc"].startswith("LEVER"), name


def test_sidecar_indicators(meta):
    assert set(meta["indicators"]) == set(INDICATORS)
    for name, ind in meta["indicators"].items():
        assert EQS[name]["units"] == INDICATORS[name]
        assert ind["better"] in ("lower", "higher") and ind["focus_area"] in FOCUS_AREAS
        assert ind["label"]["en"] and ind["label"]["id"] and ind["unit_label"]["en"] and ind["unit_label"]["id"]
    assert {ind["focus_area"] for ind in meta["indicators"].values()} == FOCUS_AREAS


def test_sidecar_labels_every_variable(meta, model_doc):
    labelled = set(meta["levers"]) | set(meta["indicators"]) | set(meta["variables"])
    names = {n for n in model_doc.index if n not in ("Time", "TIME")}
    assert names - labelled == set(), sorted(names - labelled)[:10]
    assert set(meta["variables"]) - names == set()
    for name, label in meta["variables"].items():
        assert label["en"].strip() and label["id"].strip(), name


def test_sidecar_shock(meta):
    shock = meta["shocks"]["flood"]
    assert shock["input"] == "Flood shock input" and float(EQS["Flood shock input"]["eq"]) == 0
    assert shock["duration"] == pytest.approx(float(EQS["Flood event duration"]["eq"]))


def test_sidecar_loops_are_the_documented_ones(jakarta):
    """Thirteen loops, both polarities, each cut at one of its own links (load_model checks every link)."""
    loops = jakarta.loops
    assert len(loops) >= 12 and len({lp.name for lp in loops}) == len(loops)
    assert {lp.polarity for lp in loops} == {"reinforcing", "balancing"}
    for lp in loops:
        assert lp.cut in list(zip(lp.variables, lp.variables[1:] + lp.variables[:1])), lp.name


# ----------------------------------------------------------------------------- baseline plausibility
def test_baseline_is_plausible(run_model):
    df = run_model()
    at = lambda v, t: float(df.loc[t, v])
    assert at("Population", 2018) == pytest.approx(10.4676e6, rel=1e-6)
    assert 10.9e6 < at("Population", 2028) < 12.0e6
    assert 0.53 <= at("Congestion level", 2018) <= 0.61                      # TomTom 2018 (53%) and 2017 (61%)
    assert at("Congestion level", 2028) < at("Maximum congestion level", 2028)
    assert at("TransJakarta ridership", 2018) == pytest.approx(188.9e6, rel=0.01)
    assert at("Commuter rail ridership", 2018) == pytest.approx(1e6 * 365, rel=0.01)
    assert at("Public transport mode share", 2018) == pytest.approx(0.198, rel=0.02)
    assert at("MRT ridership", 2019) == 0 and 0 < at("MRT ridership", 2020) < 173400 * 365   # opens March 2019
    assert at("Waste delivered to Bantargebang", 2018.5) == pytest.approx(7500, rel=0.05)    # annual: at mid-year
    assert at("Landfill remaining capacity", 2021) < 0.5 * 1e7                 # near full by 2021
    assert 0.55 < at("Piped water coverage", 2018) < 0.75
    assert at("Subsidence rate", 2018) == pytest.approx(0.11, rel=1e-6)       # the initial-rate identity
    assert 0.6 < at("Land subsidence", 2028) < 1.2
    assert at("People affected by floods", 2018) > 0
    assert at("Effective implementation capacity", 2018) == pytest.approx(0.6, rel=0.01)


def test_flood_shock_magnitudes(calibration):
    """Magnitude 1.0 is a 2007-like flood, 0.4 a 2013-like one (event runoff relative to 2007), on the 2018 city.

    Bands: the flooded share as observed (it is fitted); impacts within the spread of the events they are
    fitted to (models/validation.md: the 2007 and 2013 impacts per flooded resident differ by a factor 2).
    """
    cal = calibration
    model = cal.load()
    events = [o for o in cal.OBS if o.block in ("flood", "impact")]
    sim = cal.simulate_flood(model, np.zeros((1, 0)), [], events)[0]
    got = {(o.series, o.magnitude): s for o, s in zip(events, sim)}
    assert 0.6 <= got[("Flooded area fraction", 1.0)] <= 0.8           # 70% of the city in 2007
    assert 0.06 <= got[("Flooded area fraction", 0.4)] <= 0.10         # 8% in 2013
    assert 200_000 <= got[("People affected by floods", 0.4)] <= 300_000
    assert 250_000 <= got[("Peak displaced population", 1.0)] <= 550_000   # 316,825-500,000 in 2007
    assert 40_000 <= got[("Peak displaced population", 0.4)] <= 100_000    # 83,930 (2013), 62,819 (2014)
    assert 40 <= got[("Flood deaths", 1.0)] <= 200 and 10 <= got[("Flood deaths", 0.4)] <= 60
    assert 0.005 <= got[("Flood damage", 1.0)] <= 0.01                  # share of a year's output (0.71% in 2007)
