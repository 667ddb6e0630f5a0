"""Global sensitivity against models whose indices are known analytically."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.analysis.sensitivity import sensitivity
from cityfutures.errors import InputError
from cityfutures.plan import RunSpec
from cityfutures.scenario.uncertain import parse_uncertain

# Ishigami (a=7, b=0.1), X1..X3 ~ U(-pi, pi): Sobol & Levitan (1999); Saltelli et al. (2008), table 4.1
ISHIGAMI_S1 = {"X1": 0.3139, "X2": 0.4424, "X3": 0.0}
ISHIGAMI_ST = {"X1": 0.5576, "X2": 0.4424, "X3": 0.2437}


def test_ishigami_sobol_indices_match_the_analytic_values(ishigami_model):
    spec = parse_uncertain({"constants": {x: {"dist": "uniform", "min": -np.pi, "max": np.pi}
                                          for x in ("X1", "X2", "X3")}}, ishigami_model)
    res = sensitivity(runs=[RunSpec("base", "baseline")], model=ishigami_model, spec=spec, method="sobol",
                      samples=2048, seed=3, indicators=["Y"])
    t = res.table.query("year == 1").set_index("factor")
    assert len(res.plan.samples) == 2048 * (3 + 2)
    for x in ("X1", "X2", "X3"):
        assert abs(t.loc[x, "S1"] - ISHIGAMI_S1[x]) <= t.loc[x, "S1_conf"], (x, t.loc[x].to_dict())
        assert abs(t.loc[x, "ST"] - ISHIGAMI_ST[x]) <= t.loc[x, "ST_conf"], (x, t.loc[x].to_dict())
    y0 = res.table.query("year == 0").set_index("factor")["ST"]      # Y does not change over time
    np.testing.assert_allclose(y0.to_numpy(), t["ST"].to_numpy())
    assert res.main_index == "ST"


def test_linear_model_morris_effects_are_exact(linear_model):
    # Result = A*Time + B*smoothed shock + Lever: the annual mean of year t (saved at t, t + 0.25, t + 0.5,
    # t + 0.75) is A (t + 0.375), so A's elementary effect there is (t + 0.375) x (1.5 - 0.5)
    spec = parse_uncertain({"constants": {"A": {"dist": "uniform", "min": 0.5, "max": 1.5},
                                          "C": {"dist": "uniform", "min": 0, "max": 10}}}, linear_model)
    res = sensitivity(runs=[RunSpec("base", "baseline"), RunSpec("lever", "intervention", {"Lever": 1.0})],
                      model=linear_model, spec=spec, method="morris", samples=20, seed=1, indicators=["Result"])
    base = res.table.query("scenario == 'base'").set_index(["year", "factor"])
    assert sorted(set(res.table["year"])) == [float(y) for y in range(10)]      # years 0..9 of a 0-10 horizon
    for year in (3.0, 9.0):
        assert base.loc[(year, "A"), "mu_star"] == pytest.approx(year + 0.375, rel=1e-6)
        assert base.loc[(year, "C"), "mu_star"] == pytest.approx(0.0, abs=1e-9)
    gap = res.table.query("scenario == 'lever'")
    assert set(gap["measure"]) == {"difference"} and gap["mu_star"].isna().all()   # a constant gap


def test_which_uncertainty_drives_early_and_late_years(linear_model):
    # the flood drives the early years, the growth rate A the late ones; C does nothing
    spec = parse_uncertain({"constants": {"A": {"dist": "uniform", "min": 0.5, "max": 1.5},
                                          "B": {"dist": "uniform", "min": 1, "max": 3},
                                          "C": {"dist": "uniform", "min": 0, "max": 10}},
                            "shocks": {"flood": {"annual_probability": 0.5,
                                                 "magnitude": {"dist": "uniform", "min": 1, "max": 3}}}},
                           linear_model)
    res = sensitivity(runs=[RunSpec("base", "baseline")], model=linear_model, spec=spec, method="sobol",
                      samples=512, seed=5, indicators=["Result"])
    st = res.table.set_index(["year", "factor"])["ST"]
    assert set(res.table["factor"]) == {"A", "B", "C", "flood"}
    assert st.loc[(1.0, "flood")] > st.loc[(1.0, "A")]
    assert st.loc[(9.0, "A")] > st.loc[(9.0, "flood")]
    c = res.table.query("factor == 'C' and year > 0")
    assert (c["ST"].abs() <= c["ST_conf"] + 1e-9).all()


def test_unknown_method(linear_model, linear_spec):
    with pytest.raises(InputError, match="unknown sensitivity method"):
        sensitivity(runs=[RunSpec("base", "baseline")], model=linear_model, spec=linear_spec, method="fast",
                    seed=1)
