"""Scenario discovery: PRIM finds the conditions in which a programme misses its target."""
from __future__ import annotations

import pytest

from cityfutures.analysis.discovery import discover
from cityfutures.analysis.robust import parse_target
from cityfutures.api import run_ensemble
from cityfutures.errors import InputError
from cityfutures.plan import RunSpec, plan_ensemble
from cityfutures.scenario.uncertain import parse_uncertain


@pytest.fixture(scope="module")
def result(linear_model):
    spec = parse_uncertain({"constants": {"A": {"dist": "uniform", "min": 0.5, "max": 1.5},
                                          "C": {"dist": "uniform", "min": 0, "max": 10}},
                            "shocks": {"flood": {"annual_probability": 0.1, "magnitude": 0.5}}}, linear_model)
    plan = plan_ensemble(runs=[RunSpec("base", "baseline"), RunSpec("lever", "intervention", {"Lever": 2.0})],
                         model=linear_model, spec=spec, samples=1000, seed=4)
    return run_ensemble(plan)


def test_prim_finds_low_growth_as_the_cause_of_a_missed_target(result):
    # Result in the last year (9, annual mean) = 9.375 A + (small flood effect) + 2: misses 11.375 when A is
    # below about 1
    d = discover(result, "lever", target=parse_target("Result>=11.375", ["Result"]))
    lim = d.limits.set_index("condition")
    assert "A" in lim.index and "C" not in lim.index
    assert 0.95 <= lim.loc["A", "high"] <= 1.15          # the box with most coverage at density >= 0.8
    assert d.density >= 0.8 and d.coverage >= 0.8
    assert d.failure_rate == pytest.approx(0.5, abs=0.05)


def test_nothing_to_discover_is_an_input_error(result):
    with pytest.raises(InputError, match="never fails"):
        discover(result, "lever", indicator="Result")          # the lever always beats the baseline
    with pytest.raises(InputError, match="not an intervention"):
        discover(result, "base")
