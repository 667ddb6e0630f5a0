"""Ensembles: paired futures, the same numbers on every executor, failures reported, tables right."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cityfutures.analysis.robust import parse_target, regret
from cityfutures.api import run_ensemble
from cityfutures.engine import runner
from cityfutures.engine.executors import make_executor
from cityfutures.errors import ScenarioError
from cityfutures.plan import RunSpec, plan_ensemble
from cityfutures.results.ensemble import QuantileSketch
from tests.helpers import UNCERTAINTY


@pytest.fixture(scope="module")
def plan(linear_model, linear_spec, linear_runs):
    return plan_ensemble(runs=linear_runs, model=linear_model, spec=linear_spec, samples=240, seed=11)


@pytest.fixture(scope="module")
def reference(plan):
    return run_ensemble(plan, chunk_size=40, targets=["Result>=8"])


def test_baseline_and_interventions_get_the_same_draws(plan):
    per_scenario = [plan.run_params(r, range(10, 20))[0] for r in range(len(plan.runs))]
    for name in ("A", "B", "C"):
        for p in per_scenario[1:]:
            np.testing.assert_array_equal(p[name], per_scenario[0][name])
        np.testing.assert_array_equal(per_scenario[0][name], plan.samples.constants[name].to_numpy()[10:20])
    for p in per_scenario[1:]:
        xr.testing.assert_identical(p["Shock input"], per_scenario[0]["Shock input"])
    assert float(per_scenario[0]["Shock input"].max()) > 0    # some floods strike in these ten futures


def test_differences_are_paired(reference):
    # the lever adds exactly 2 at the end whatever the future: a paired difference has no spread
    d = reference.dataset["quantiles"].sel(indicator="Result", measure="difference", scenario="lever").isel(time=-1)
    np.testing.assert_allclose(d.to_numpy(), 2.0, rtol=1e-9)
    v = reference.dataset["quantiles"].sel(indicator="Result", measure="value", scenario="lever").isel(time=-1)
    assert float(v.sel(quantile=0.95) - v.sel(quantile=0.05)) > 1.0     # while the values themselves spread


@pytest.mark.slow
def test_same_seed_same_results_on_every_executor(plan, reference):
    for name, kw in (("process", {"n_workers": 2}), ("dask", {"n_workers": 2})):
        with make_executor(name, **kw) as ex:
            got = run_ensemble(plan, executor=ex, chunk_size=40, targets=["Result>=8"])
        xr.testing.assert_identical(got.dataset.drop_attrs(), reference.dataset.drop_attrs())
        for key, table in reference.tables.items():
            pd.testing.assert_frame_equal(got.tables[key], table)


def test_chunking_does_not_change_results(plan, reference):
    other = run_ensemble(plan, chunk_size=17, targets=["Result>=8"])
    xr.testing.assert_identical(other.dataset.drop_attrs(), reference.dataset.drop_attrs())


def _csv(res) -> dict:
    return {name: table.to_csv(index=False) for name, table in res.tables.items()}


def test_tables_are_byte_identical_for_any_chunk_size_beyond_exact_quantiles(plan):
    """240 futures through a sketch of 32 points: quantiles estimated in sample order, the same in any chunking."""
    runs = [run_ensemble(plan, chunk_size=size, sketch_size=32, targets=["Result>=8"]) for size in (40, 17, 1)]
    for other in runs[1:]:
        assert _csv(other) == _csv(runs[0])
        xr.testing.assert_identical(other.dataset.drop_attrs(), runs[0].dataset.drop_attrs())


EXP_MODEL = """{UTF-8}
Output= EXP(A * Time / 10) + TANH(B * Time) + Lever ~ Dmnl ~ |
A= 1 ~ Dmnl [0,3] ~ |
B= 0.5 ~ Dmnl [0,3] ~ |
Lever= 0 ~ Dmnl [0,10] ~ |
INITIAL TIME= 0 ~ Year ~ |
FINAL TIME= 5 ~ Year ~ |
SAVEPER= 1 ~ Year ~ |
TIME STEP= 0.25 ~ Year ~ |
"""


def test_a_run_has_the_same_bits_alone_or_in_a_wide_chunk(tmp_path):
    """A few runs per call would take the engine's plain-float path (math.exp), many its numpy path:
    ensembles always take the numpy path, so a chunk of one future gives the numbers of a chunk of 64."""
    from cityfutures import load_model
    from cityfutures.scenario.uncertain import parse_uncertain
    (tmp_path / "exp.mdl").write_text(EXP_MODEL)
    model = load_model(tmp_path / "exp.mdl")
    spec = parse_uncertain({"constants": {"A": {"dist": "uniform", "min": 0.5, "max": 2},
                                          "B": {"dist": "uniform", "min": 0.1, "max": 2}}}, model)
    plan = plan_ensemble(runs=[RunSpec("base", "baseline", {}), RunSpec("lever", "intervention", {"Lever": 1.0})],
                         model=model, spec=spec, samples=64, seed=5, indicators=["Output"])
    one, wide = run_ensemble(plan, chunk_size=1), run_ensemble(plan, chunk_size=64)
    np.testing.assert_array_equal(one.dataset["end_value"].values, wide.dataset["end_value"].values)
    assert _csv(one) == _csv(wide)


def test_tables(reference):
    t = reference.tables
    prob = t["probability"].set_index("scenario")
    assert prob.loc["lever", "p_better"] == 1.0 and prob.loc["small", "p_better"] == 1.0
    reg = t["regret"].set_index("scenario")
    assert reg.loc["lever", "max_regret"] == pytest.approx(0.0, abs=1e-9)
    assert reg.loc["base", "max_regret"] == pytest.approx(2.0)
    assert list(t["ranking"]["scenario"]) == ["lever", "small", "base"]
    share = t["targets"].set_index("scenario")["share_met"]
    end = reference.dataset["end_value"].sel(indicator="Result")
    assert share["base"] == pytest.approx(float((end.sel(scenario="base") >= 8).mean()))
    assert share["base"] < share["small"] < share["lever"] <= 1.0


def test_failed_runs_are_reported_with_their_sample_and_do_not_sink_the_ensemble(tmp_path):

    import cityfutures as cf
    from cityfutures.scenario.uncertain import parse_uncertain
    m = cf.load_model(UNCERTAINTY / "fragile.mdl")
    spec = parse_uncertain({"constants": {"Divisor": {"dist": "choice", "values": [1, 2], "weights": [0.25, 0.75]}}},
                           m)
    plan = plan_ensemble(runs=[RunSpec("base", "baseline")], model=m, spec=spec, samples=40, seed=2,
                         indicators=["Ratio"])
    with np.errstate(divide="ignore"):
        res = run_ensemble(plan, chunk_size=8)
    bad = set(plan.samples.constants.index[plan.samples.constants["Divisor"] == 1])
    assert 0 < len(bad) < 40
    assert set(res.tables["failures"]["sample"]) == bad
    assert (res.tables["failures"]["Divisor"] == 1).all()          # the failure carries its sample
    assert res.dataset.attrs["samples_used"] == 40 - len(bad)
    assert float(res.dataset["quantiles"].sel(measure="value").max()) == pytest.approx(1.0)


def test_a_raising_run_is_isolated(plan, monkeypatch):
    real = runner._simulate
    a5 = plan.samples.constants["A"].iloc[5]

    def flaky(work, params, n):
        if n > 1 and 5 in work.ids:
            raise FloatingPointError("boom")
        if n == 1 and np.asarray(params["A"])[0] == a5:
            raise FloatingPointError("boom")
        return real(work, params, n)

    monkeypatch.setattr(runner, "_simulate", flaky)
    res = run_ensemble(plan, chunk_size=40)
    f = res.tables["failures"]
    assert set(f["sample"]) == {5} and set(f["scenario"]) == {"base", "lever", "small"}
    assert "boom" in f["error"].iloc[0]
    assert res.dataset.attrs["samples_used"] == 239


def test_quantile_sketch_exact_then_close():
    rng = np.random.default_rng(42)
    x = rng.lognormal(size=(20000, 3))
    small = QuantileSketch((3,), size=4096)
    for part in np.array_split(x[:3000], 7):
        small.add(part)
    np.testing.assert_allclose(small.quantiles([0.05, 0.5, 0.95]), np.quantile(x[:3000], [0.05, 0.5, 0.95], axis=0),
                               rtol=1e-12)
    big = QuantileSketch((3,), size=1024)
    for part in np.array_split(x, 40):
        big.add(part)
    got = big.quantiles([0.05, 0.25, 0.5, 0.75, 0.95])
    # rank error under half a percent
    for j in range(3):
        ranks = [(x[:, j] <= g).mean() for g in got[:, j]]
        np.testing.assert_allclose(ranks, [0.05, 0.25, 0.5, 0.75, 0.95], atol=0.005)


def test_regret_and_targets():
    end = np.array([[[1.0], [5.0]], [[3.0], [2.0]]])        # 2 scenarios x 2 futures x 1 indicator
    np.testing.assert_allclose(regret(end, ["higher"])[..., 0], [[2, 0], [0, 3]])
    np.testing.assert_allclose(regret(end, ["lower"])[..., 0], [[0, 3], [2, 0]])
    t = parse_target("result >= 2.5", ["Result"])
    assert (t.indicator, t.op, t.value) == ("Result", ">=", 2.5)


def test_lever_that_is_also_uncertain_is_refused(linear_model, linear_spec):
    with pytest.raises(ScenarioError, match="decision, not an uncertainty"):
        plan_ensemble(runs=[RunSpec("b", "baseline"), RunSpec("x", "intervention", {"A": 2.0})],
                      model=linear_model, spec=linear_spec, samples=4, seed=1)
