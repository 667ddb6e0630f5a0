"""Knockout: the share of a policy's effect that each pathway carries, on a model whose shares are known."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import cityfutures as cf
from cityfutures.analysis.knockout import knockout
from cityfutures.errors import InputError
from tests.helpers import DATA, JAKARTA

PATHWAYS = DATA / "knockout" / "pathways.mdl"
INDICATORS = ["Sum", "Product", "Accumulated"]


@pytest.fixture(scope="module", params=["batch", "compiled"])
def result(request):
    return knockout(PATHWAYS, {"Lever": 2.0}, holds=["A", "B"], cuts=[("A", "Inflow")], indicators=INDICATORS,
                    engine=request.param)


def shares(result, indicator):
    t = result.table
    return t[t.indicator == indicator].set_index("pathway")["share"].to_dict()


def test_additive_pathways_split_the_effect_by_their_weights(result):
    s = shares(result, "Sum")          # Sum = 2L + 3L: the lever's effect is 2 through A and 3 through B
    assert s["A"] == pytest.approx(0.4, rel=1e-12) and s["B"] == pytest.approx(0.6, rel=1e-12)
    assert s["interaction"] == pytest.approx(0.0, abs=1e-12) and s["remaining"] == pytest.approx(0.0, abs=1e-12)
    assert s["A -> Inflow"] == pytest.approx(0.0, abs=1e-12)    # the cut link does not reach Sum


def test_multiplied_pathways_leave_an_interaction(result):
    s = shares(result, "Product")      # (2L)(3L): 6 -> 24; holding A or B leaves 12, holding both 6
    assert s["A"] == pytest.approx(2 / 3, rel=1e-12) and s["B"] == pytest.approx(2 / 3, rel=1e-12)
    assert s["interaction"] == pytest.approx(-1 / 3, rel=1e-12) and s["remaining"] == pytest.approx(0.0, abs=1e-12)
    parts = sum(v for k, v in s.items() if k not in ("total", "A -> Inflow"))
    assert parts == pytest.approx(1.0, rel=1e-12)


def test_a_stock_follows_its_flow_and_a_cut_link_acts_on_its_target_only(result):
    s = shares(result, "Accumulated")
    assert s["A"] == pytest.approx(1.0, rel=1e-12) and s["A -> Inflow"] == pytest.approx(1.0, rel=1e-12)
    assert s["B"] == pytest.approx(0.0, abs=1e-12)
    total = result.table.query("indicator == 'Accumulated' and pathway == 'total'")["effect"].item()
    assert total == pytest.approx(2.0 * 10, rel=1e-12)         # A rises by 2 for ten years
    t = result.table
    assert set(t.kind) == {"total", "hold", "cut", "interaction", "remaining"}


def test_cumulative_measure_and_bad_requests():
    k = knockout(PATHWAYS, {"Lever": 2.0}, holds=["A"], indicators=["Sum"], measure="cumulative")
    total = k.table.query("pathway == 'total'")["effect"].item()
    assert total == pytest.approx(5.0 * 10, rel=1e-12)          # the area between the curves
    with pytest.raises(InputError, match="no pathway"):
        knockout(PATHWAYS, {"Lever": 2.0}, indicators=["Sum"])
    with pytest.raises(InputError, match="cannot cut a link"):
        knockout(PATHWAYS, {"Lever": 2.0}, cuts=[("A", "Sum")], indicators=["Sum"], engine="pysd")


@pytest.mark.parametrize("engine", ["compiled", "batch", "pysd"])
def test_holding_a_variable_at_its_own_trajectory_changes_nothing(engine):
    own = cf.simulate(PATHWAYS, {"Lever": 2.0}, engine=engine, saveper=0.25)
    for name in ("A", "Accumulated"):   # an auxiliary and a stock
        held = cf.simulate(PATHWAYS, {"Lever": 2.0}, engine=engine, saveper=0.25,
                           hold={name: own[name].isel(run=0)})
        for v in INDICATORS:
            np.testing.assert_allclose(held[v].values, own[v].values, rtol=1e-9, err_msg=f"{engine} {name} {v}")


@pytest.mark.skipif(not JAKARTA.is_file(), reason="models/jakarta.mdl is not in the repository")
def test_holding_jakarta_variables_at_their_own_trajectories_changes_nothing():
    model = cf.load_model(JAKARTA)
    inds = list(model.indicators)
    keep = inds + ["Population", "Waste in drains", "Congestion level"]
    own = cf.simulate(model, variables=keep, saveper=model.time_step)
    held = cf.simulate(model, variables=keep, saveper=model.time_step,
                       hold={n: own[n].isel(run=0) for n in ("Population", "Waste in drains", "Congestion level")})
    for v in inds:
        np.testing.assert_allclose(held[v].values, own[v].values, rtol=1e-9, err_msg=v)
    k = knockout(model, {}, holds=["Congestion level"], indicators=inds[:3])
    assert np.isnan(k.table["share"]).all() and np.allclose(k.table["effect"], 0.0)   # no policy, no effect


def test_the_compiled_engine_knocks_out_as_the_batch_engine(result):
    """Several pathways in one call (runs left to their own equations where a series is NaN) and all of
    them together: the kernel's held values and masked cuts match the batch engine's."""
    from cityfutures.errors import EngineFallbackWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error", EngineFallbackWarning)
        k = knockout(PATHWAYS, {"Lever": 2.0}, holds=["A", "B"], cuts=[("A", "Inflow")], indicators=INDICATORS,
                     engine="compiled")
    assert k.policy.attrs["engine"] == "compiled"
    np.testing.assert_allclose(k.table["effect"], result.table["effect"], rtol=1e-9, atol=1e-12)
