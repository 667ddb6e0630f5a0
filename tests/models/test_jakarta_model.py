"""Structure, units, conservation, sidecar and baseline plausibility of models/jakarta.mdl."""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import yaml

from .conftest import DT, META, mdl_groups, parse_mdl, pulse, stocks

EQS = parse_mdl()
STOCKS = stocks(EQS)

INDICATORS = {
    "Population": "person",
    "Piped water connections": "connection",
    "Piped water coverage": "Dmnl",
    "Non revenue water fraction": "Dmnl",
    "Groundwater extraction": "m3/Year",
    "Land subsidence": "m",
    "People affected by floods": "person/Year",
    "Waste generation": "tonne/day",
    "Waste delivered to landfill": "tonne/day",
    "Landfill remaining capacity": "m3",
    "Waste in drains": "tonne",
    "Motorcycles": "vehicle",
    "Cars": "vehicle",
    "TransJakarta ridership": "passenger/Year",
    "MRT ridership": "passenger/Year",
    "Commuter rail ridership": "passenger/Year",
    "Public transport mode share": "Dmnl",
    "Congestion level": "Dmnl",
    "Community preparedness": "Dmnl",
    "Social cohesion index": "Dmnl",
    "Effective implementation capacity": "Dmnl",   # the governance indicator
    "Wastewater treatment coverage": "Dmnl",       # what the sewerage programme moves
    "Flood deaths": "person/Year",                  # what early warning moves
    "Flood damage": "trillion_IDR/Year",
}
FOCUS_AREAS = {"governance", "preparedness", "water-waste", "connectivity-mobility", "social-cohesion"}
CONTROL = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"}


@pytest.fixture(scope="module")
def meta():
    return yaml.safe_load(META.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- units algebra
def parse_units(text: str) -> Counter:
    """'m3/(person*Year)' -> Counter({'m3': 1, 'person': -1, 'Year': -1}); Dmnl -> empty."""
    tokens = re.findall(r"[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[*/()]", text)
    pos = 0

    def expr():
        nonlocal pos
        acc = term()
        while pos < len(tokens) and tokens[pos] in "*/":
            op = tokens[pos]; pos += 1
            t = term()
            acc.update(t if op == "*" else Counter({k: -v for k, v in t.items()}))
        return acc

    def term():
        nonlocal pos
        tok = tokens[pos]; pos += 1
        if tok == "(":
            inner = expr(); pos += 1  # ')'
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
    assert df.index[0] == pytest.approx(2018.0)
    assert df.index[-1] == pytest.approx(2028.0)
    np.testing.assert_allclose(np.diff(df.index.values), 0.25)
    numeric = df.select_dtypes("number")
    assert not numeric.isna().any().any(), numeric.columns[numeric.isna().any()].tolist()
    assert np.isfinite(numeric.values).all()


def test_control_values(model_doc, run_model):
    df = run_model(return_columns=["Population"])
    assert len(df) == 41
    for name, unit in {"INITIAL TIME": "Year", "FINAL TIME": "Year", "TIME STEP": "Year", "SAVEPER": "Year"}.items():
        assert EQS[name]["units"] == unit
    assert float(EQS["TIME STEP"]["eq"]) == DT
    assert float(EQS["SAVEPER"]["eq"]) == 0.25


def test_indicators_present_with_exact_units(model_doc):
    for name, unit in INDICATORS.items():
        assert name in model_doc.index, name
        assert model_doc.loc[name, "Units"] == unit, (name, model_doc.loc[name, "Units"])


def test_at_least_25_stocks_each_with_flows():
    assert len(STOCKS) >= 25, len(STOCKS)
    for stock, (terms, init) in STOCKS.items():
        assert terms, stock
        for _, flow in terms:
            assert flow in EQS, (stock, flow)
        assert init in EQS and not EQS[init]["lookup"], f"{stock}: initial value must be a named constant"
        assert re.fullmatch(r"-?[0-9.e+]+", EQS[init]["eq"]), f"{stock}: initial value {init} is not a number"


def test_every_stock_initial_value_is_its_own_constant():
    inits = [init for _, init in STOCKS.values()]
    # the same constant may initialise only one stock, except Maximum landfill expansion (a capacity)
    assert len(inits) == len(set(inits))


def test_units_of_flows_match_their_stocks():
    for stock, (terms, _) in STOCKS.items():
        expected = parse_units(EQS[stock]["units"]) - Counter() 
        expected = Counter(parse_units(EQS[stock]["units"]))
        expected.update({"Year": -1})
        expected = Counter({k: v for k, v in expected.items() if v})
        for _, flow in terms:
            assert parse_units(EQS[flow]["units"]) == expected, (stock, flow, EQS[flow]["units"])


def test_every_variable_has_units_and_documentation(model_doc):
    for name, e in EQS.items():
        assert e["units"], f"{name} has no units"
        assert len(e["doc"]) > 10, f"{name} has no documentation"
    for name in model_doc.index:
        if name in ("Time", "TIME"):
            continue
        assert isinstance(model_doc.loc[name, "Units"], str) and model_doc.loc[name, "Units"], name


def test_constants_cite_a_source():
    for name, e in EQS.items():
        if name in CONTROL or not re.fullmatch(r"-?[0-9.e+]+", e["eq"]):
            continue
        doc = e["doc"]
        assert re.search(r"jakarta-figures\.csv|published-models\.md|jakarta-resilience-strategy\.md|[Aa]ssumption:"
                         r"|Calibrated|Derived|Unit conversion|See [A-Z]|LEVER|SHOCK INPUT|Counted from|[Dd]efinition", doc), \
            f"{name}: documentation cites no source: {doc!r}"


def test_no_magic_numbers_in_equations():
    """Only named constants carry numbers; 0 and 1 are allowed as structure."""
    for name, e in EQS.items():
        if e["lookup"] or re.fullmatch(r"-?[0-9.e+]+", e["eq"]):
            continue
        numbers = re.findall(r"(?<![A-Za-z0-9_ ])\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b", e["eq"])
        assert set(numbers) <= {"0", "1"}, (name, numbers)


def test_only_allowed_functions():
    allowed = {"INTEG", "MIN", "MAX", "XIDZ", "ZIDZ", "EXP", "LN", "STEP", "ABS", "SQRT", "IF THEN ELSE",
               "SMOOTH", "SMOOTHI", "SMOOTH3", "DELAY1", "DELAY3", "RAMP", "PULSE", "INITIAL"}
    for name, e in EQS.items():
        for fn in re.findall(r"\b([A-Z][A-Z0-9 ]*[A-Z0-9])\s*\(", e["eq"]):
            assert fn in allowed, (name, fn)


# ----------------------------------------------------------------------------- runs
def test_stocks_non_negative_and_shares_bounded(baseline):
    for stock in STOCKS:
        if stock == "Land subsidence":
            continue  # negative before 2018 only in history runs
        assert baseline[stock].min() >= 0, stock
    for name, e in EQS.items():
        if e["units"] == "Dmnl" and name in baseline and (
                any(w in name for w in ("share", "coverage", "fraction", "participation"))
                or name in ("Community preparedness", "Social cohesion index", "Implementation capacity")):
            assert baseline[name].between(0, 1).all(), name


def test_stock_flow_conservation(baseline):
    """Each stock equals its initial value plus the Euler sum of inflows minus outflows, step by step."""
    for stock, (terms, _) in STOCKS.items():
        net = sum(sign * baseline[flow].values for sign, flow in terms)
        s = baseline[stock].values
        np.testing.assert_allclose(s[1:], s[:-1] + DT * net[:-1], rtol=1e-9, atol=1e-6,
                                   err_msg=f"stock {stock} does not balance its flows")


def test_waste_mass_balance(baseline):
    b = baseline
    left = b["Waste generation"]
    right = (b["Waste reduced at source"] + b["Waste treated in ITF"] - b["ITF residue"] + b["Waste delivered to landfill"]
             + b["Uncontrolled dumping"] + b["Uncollected waste"])
    np.testing.assert_allclose(left, right, rtol=1e-9)
    landfill_in = b["Waste delivered to Bantargebang"] * b["Days per year"] / b["Landfill waste density"]
    np.testing.assert_allclose(b["Landfill filling"], landfill_in, rtol=1e-9)
    # residual waste goes to Bantargebang, to overflow sites or (a documented share of the overflow) informal dumps
    np.testing.assert_allclose(b["Residual waste for disposal"],
                               b["Waste delivered to Bantargebang"] + b["Waste sent to overflow disposal sites"]
                               + b["Uncontrolled dumping"], rtol=1e-9)
    np.testing.assert_allclose(b["Waste delivered to landfill"],
                               b["Waste delivered to Bantargebang"] + b["Waste sent to overflow disposal sites"], rtol=1e-9)
    np.testing.assert_allclose(b["Uncontrolled dumping"],
                               (b["Residual waste for disposal"] - b["Waste delivered to Bantargebang"])
                               * b["Share of overflow dumped informally"], rtol=1e-9, atol=1e-9)
    drains_in = (b["Uncollected waste"] * b["Share of uncollected waste entering drains"]
                 + b["Uncontrolled dumping"] * b["Share of dumped waste entering drains"]) * b["Days per year"]
    np.testing.assert_allclose(b["Waste entering drains"] + b["Waste dumped on land"],
                               (b["Uncollected waste"] + b["Uncontrolled dumping"]) * b["Days per year"], rtol=1e-9)
    np.testing.assert_allclose(b["Waste entering drains"], drains_in, rtol=1e-9)


def test_water_balance(baseline):
    b = baseline
    assert (b["Total water demand"] >= b["Piped water sold"]).all()
    np.testing.assert_allclose(b["Total water demand"],
                               b["Piped water sold"] + b["Groundwater extraction"] + b["Water from other sources"] + b["Unmet water demand"], rtol=1e-9)
    np.testing.assert_allclose(b["Piped water production"], b["Piped water sold"] + b["Water losses"], rtol=1e-9)
    assert (b["Piped water production"] <= b["Piped supply capacity"] * (1 + 1e-9)).all()


def test_baseline_is_plausible(run_model):
    df = run_model()
    at = lambda v, t: float(df.loc[t, v])  # noqa: E731
    assert at("Population", 2018) == pytest.approx(10.4676e6, rel=1e-6)
    assert at("Population", 2022) == pytest.approx(10.64e6, rel=0.02)          # BPS projection
    assert 10.5e6 < at("Population", 2028) < 11.3e6
    assert 0.51 <= at("Congestion level", 2018) <= 0.61                      # TomTom 2018 (53%) and 2017 (61%)
    assert at("TransJakarta ridership", 2018) == pytest.approx(188.9e6, rel=0.05)
    assert at("Commuter rail ridership", 2018) > 315.8e6                          # above 2017
    assert at("MRT ridership", 2019) == 0 and at("MRT ridership", 2020) > 0      # opens March 2019
    assert at("Landfill remaining capacity", 2018) == pytest.approx(1e7)
    assert at("Landfill remaining capacity", 2021) < 0.5 * 1e7                    # pressure: near full by 2021
    assert at("Waste delivered to landfill", 2018) == pytest.approx(7500, rel=0.05)
    assert 0.55 < at("Piped water coverage", 2018) < 0.7
    assert at("Land subsidence", 2028) == pytest.approx(1.1, rel=0.2)             # 11 cm/yr in the north
    assert at("People affected by floods", 2018) > 0
    assert 0 < at("Public transport mode share", 2018) < 0.3
    assert 0.5 <= at("Effective implementation capacity", 2018) <= 0.6


def test_baseline_growth_is_in_proportion(run_model):
    """The reviewer's checks: no runaway waste, no landfill cliff, flood victims in proportion to their causes."""
    df = run_model()
    at = lambda v, t: float(df.loc[t, v])  # noqa: E731
    # waste generation: population (~0.4%/yr) + income x elasticity 0.35 (~1.8%/yr), not the 5%/yr of 2010-2018 deliveries
    assert at("Waste generation", 2023) / at("Waste generation", 2018) < 1.03 ** 5
    # BPS projection: still growing in 2028 towards 11.28 million in 2040 (no early ceiling)
    assert at("Population", 2028) - at("Population", 2025) > 50_000
    # a full Bantargebang diverts the overflow: deliveries to controlled disposal never collapse, dumping stays small
    assert df["Waste delivered to landfill"].min() > 0.9 * at("Waste delivered to landfill", 2018)
    assert df["Uncontrolled dumping"].max() < 0.15 * df["Residual waste for disposal"].max()   # 0.2 x overflow share
    assert df["Landfill overflow share"].max() > 0                           # the pressure stays visible
    # waste in drains and ordinary-year flood victims: in proportion to subsidence (~11 cm/yr) and drain clogging
    assert df["Waste in drains"].max() < 1.5 * at("Waste in drains", 2018)
    assert at("People affected by floods", 2025) < 1.6 * at("People affected by floods", 2018)
    assert at("People affected by floods", 2028) < 2.0 * at("People affected by floods", 2018)


def test_waste_programmes_reduce_landfill_deliveries(run_model):
    """Against the baseline, waste banks and the ITF lower deliveries to landfill at the end of the horizon."""
    cols = ["Waste delivered to landfill", "Landfill remaining capacity", "Uncontrolled dumping"]
    base = run_model(return_columns=cols)
    for params in ({"Waste bank participation target": 0.3}, {"ITF capacity target": 2200}):
        df = run_model(params=params, return_columns=cols)
        for year in (2023, 2028):
            assert df.loc[year, "Waste delivered to landfill"] < base.loc[year, "Waste delivered to landfill"], (params, year)
        assert df.loc[2028, "Landfill remaining capacity"] >= base.loc[2028, "Landfill remaining capacity"], params
        assert df.loc[2028, "Uncontrolled dumping"] <= base.loc[2028, "Uncontrolled dumping"] + 1e-9, params


def test_flood_shock_magnitudes(run_model):
    """Magnitude 1.0 is a 2007-like flood, 0.5 roughly a 2013/2014 flood (see the model card)."""
    start, width = 2018.5, 0.25
    cols = ["Flooded area fraction", "People affected by floods", "People displaced by floods", "Flood damage"]
    base = run_model(every_step=True, return_columns=cols)
    out = {}
    for mag in (0.5, 1.0):
        df = run_model(params={"Flood shock input": pulse(start, width, mag)}, every_step=True, return_columns=cols)
        extra = (df - base).loc[start - 1e-9:start + width - DT + 1e-9] * DT   # integrate over the pulse
        out[mag] = (df["Flooded area fraction"].max(), extra["People affected by floods"].sum(),
                    extra["People displaced by floods"].sum(), extra["Flood damage"].sum())
    frac, affected, displaced, damage = out[1.0]
    assert 0.6 <= frac <= 0.8                        # ~70% of the city flooded in 2007
    assert 300_000 <= displaced <= 450_000           # 316,825 IDPs, >400,000 homeless in 2007
    assert 5 <= damage <= 15                         # trillion IDR at 2010 prices (5.2 T in 2007 prices)
    frac, affected, displaced, damage = out[0.5]
    assert 0.05 <= frac <= 0.15                      # 8% of area in 2013
    assert 130_000 <= affected <= 300_000            # 248,846 (2013), 134,662 (2014)
    assert 30_000 <= displaced <= 100_000            # 83,930 (2013), 62,819 (2014)


# ----------------------------------------------------------------------------- sidecar
def test_sidecar_focus_areas_and_sectors(meta):
    assert set(meta["focus_areas"]) == FOCUS_AREAS
    for label in meta["focus_areas"].values():
        assert label["en"] and label["id"]
    assert set(meta["sectors"]) == set(mdl_groups())
    assert meta["model"] == "jakarta.mdl"


def test_sidecar_levers_are_ranged_plain_constants(meta, model_doc):
    levers = meta["levers"]
    assert len(levers) >= 15
    assert {lv["focus_area"] for lv in levers.values()} == FOCUS_AREAS
    for name, lv in levers.items():
        e = EQS[name]
        assert re.fullmatch(r"-?[0-9.e+]+", e["eq"]), f"lever {name} is not a plain number"
        assert e["range"], f"lever {name} has no Vensim range"
        lo, hi = (float(x) for x in e["range"].strip("[]").split(",")[:2])
        assert lo <= float(e["eq"]) <= hi, name
        assert model_doc.loc[name, "Type"] == "Constant"
        lim = model_doc.loc[name, "Limits"]
        assert lim[0] == lo and lim[1] == hi, (name, lim)
        assert lv["label"]["en"] and lv["label"]["id"]
        assert e["doc"].startswith("LEVER"), name


def test_sidecar_indicators(meta):
    assert set(meta["indicators"]) == set(INDICATORS)
    for name, ind in meta["indicators"].items():
        assert EQS[name]["units"] == INDICATORS[name]
        assert ind["better"] in ("lower", "higher")
        assert ind["focus_area"] in FOCUS_AREAS
        assert ind["label"]["en"] and ind["label"]["id"] and ind["unit_label"]["en"] and ind["unit_label"]["id"]


def test_sidecar_labels_every_variable(meta, model_doc):
    labelled = set(meta["levers"]) | set(meta["indicators"]) | set(meta["variables"])
    names = {n for n in model_doc.index if n not in ("Time", "TIME")}
    assert names - labelled == set(), sorted(names - labelled)[:10]
    assert set(meta["variables"]) - names == set()
    for name, label in meta["variables"].items():
        assert label["en"].strip() and label["id"].strip(), name


def test_sidecar_shock(meta, model_doc):
    shock = meta["shocks"]["flood"]
    assert shock["input"] == "Flood shock input"
    assert float(EQS["Flood shock input"]["eq"]) == 0
    assert shock["duration"] == pytest.approx(float(EQS["Flood event duration"]["eq"]))
    lo, hi = shock["magnitude_range"]
    assert 0 <= lo < hi
