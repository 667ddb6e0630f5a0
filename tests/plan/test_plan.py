"""Plans: intervention time series, shock pulses, composition rules, bundles and their errors."""
import os

import numpy as np
import pytest
import xarray as xr

from cityfutures.errors import ScenarioError
from cityfutures.plan import build_plan
from cityfutures.scenario import Cost, Horizon, Intervention, load_comparison, load_scenario
from tests.helpers import MINI, write_workshop  # noqa: F401  (write_workshop: used by other modules before)

H = Horizon(start=2018.0, end=2028.0, dt=0.0625, saveper=0.25)




@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def iv(mode, value, start, ramp=0.0, lever="Drainage investment", capex=0.0):
    return Intervention(lever=lever, mode=mode, value=value, start=start, ramp_years=ramp,
                        cost=Cost(capex_idr_bn=capex))


def at(series: xr.DataArray, t: float) -> float:
    return float(np.interp(t, series.time.values, series.values))


# ----------------------------------------------------------------------------- plans
def test_comparison_plan_runs_and_kinds(tmp_path):
    comp = load_comparison(write_workshop(tmp_path, baseline_shock=True))
    plan = build_plan(comp)
    assert plan.names == ["baseline", "drains", "buses", "growth", "drains-buses"]
    assert [r.kind for r in plan.runs] == ["baseline"] + ["intervention"] * 3 + ["bundle"]
    runs = {r.name: r for r in plan.runs}
    assert set(runs["baseline"].params) == {"Flood shock input"}          # the baseline's shock only
    assert runs["drains"].params["Drainage investment"].values.tolist() == [5.0, 15.0]
    assert runs["growth"].params["Growth rate"] == 0.03
    bundle = runs["drains-buses"]
    assert set(bundle.params) == {"Drainage investment", "Bus capacity", "Flood shock input"}
    assert bundle.members == ("drains", "buses")
    assert bundle.title_en == "Bundle drains-buses (2 programmes)"
    assert bundle.title_id == "Paket drains-buses (2 program)"
    assert bundle.focus_area is None and runs["drains"].focus_area == "water-waste"
    # the shock every scenario inherits from the baseline is applied once, not once per member
    assert at(bundle.params["Flood shock input"], 2023.1) == 2.0
    assert plan.horizon == comp.baseline.horizon and plan.indicators == tuple(comp.model.indicators)


def test_costs_are_incremental_over_the_horizon(tmp_path):
    plan = build_plan(load_comparison(write_workshop(tmp_path)))
    runs = {r.name: r for r in plan.runs}
    assert runs["baseline"].total_cost_idr_bn == 0.0
    assert runs["drains"].capex_idr_bn == 200.0 and runs["drains"].opex_idr_bn_per_year == 5.0
    assert runs["drains"].total_cost_idr_bn == pytest.approx(200.0 + 5.0 * (2028 - 2019))
    assert runs["drains-buses"].total_cost_idr_bn == pytest.approx(245.0 + 50.0)


def test_baseline_interventions_are_not_applied_twice(tmp_path):
    extra = {"baseline.yaml": (f"name: baseline\ntitle: {{en: B, id: B}}\nmodel: {MINI}\ninterventions:\n"
                               "  - {lever: Drainage investment, add: 5, start: 2018, cost: {capex_idr_bn: 9}}\n"),
             "drains.yaml": ("name: drains\nextends: baseline.yaml\ntitle: {en: D, id: D}\nadd_interventions:\n"
                             "  - {lever: Bus capacity, add: 100, start: 2020}\n")}
    plan = build_plan(load_comparison(write_workshop(tmp_path, extra=extra)))
    runs = {r.name: r for r in plan.runs}
    assert at(runs["drains"].params["Drainage investment"], 2025.0) == 10.0        # 5 + 5, not 5 + 5 + 5
    assert runs["drains"].capex_idr_bn == 0.0                                       # the baseline's 9 is not its
    assert at(runs["drains-buses"].params["Drainage investment"], 2025.0) == 10.0


def test_bundle_with_conflicting_sets_is_an_error(tmp_path):
    extra = {"growth2.yaml": ("name: growth2\nextends: baseline.yaml\ntitle: {en: G2, id: G2}\n"
                              "set: {Growth rate: 0.04}\n")}
    bundles = "bundles:\n  both: [growth, growth2]\n"
    text = (tmp_path / "workshop.yaml")
    write_workshop(tmp_path, extra=extra, bundles=bundles)
    text.write_text(text.read_text().replace("growth.yaml]", "growth.yaml, growth2.yaml]"))
    comp = load_comparison(text)
    with pytest.raises(ScenarioError) as err:
        build_plan(comp)
    msg = str(err.value)
    assert msg.startswith(str(text)) and "bundles.both" in msg
    assert "'growth' sets 'Growth rate' to 0.03 but 'growth2' sets it to 0.04" in msg


def test_bundle_with_conflicting_set_interventions_is_an_error(tmp_path):
    extra = {"buses2.yaml": ("name: buses2\nextends: baseline.yaml\ntitle: {en: B2, id: B2}\ninterventions:\n"
                             "  - {lever: Bus capacity, set: 500, start: 2020}\n")}
    path = write_workshop(tmp_path, extra=extra, bundles="bundles:\n  two-bus: [buses, buses2]\n")
    path.write_text(path.read_text().replace("growth.yaml]", "growth.yaml, buses2.yaml]"))
    with pytest.raises(ScenarioError, match="'buses' sets lever 'Bus capacity' to 400 but 'buses2' sets it to 500"):
        build_plan(load_comparison(path))


def test_bundle_that_pushes_a_lever_out_of_range_is_an_error(tmp_path):
    extra = {"drains.yaml": ("name: drains\nextends: baseline.yaml\ntitle: {en: D, id: D}\ninterventions:\n"
                             "  - {lever: Drainage investment, add: 30, start: 2019}\n"),
             "buses.yaml": ("name: buses\nextends: baseline.yaml\ntitle: {en: B, id: B}\ninterventions:\n"
                            "  - {lever: Drainage investment, add: 31, start: 2019}\n")}
    with pytest.raises(ScenarioError,
                       match=r"lever 'Drainage investment' reaches 66 in 2019, outside its range \[0, 50\]"):
        build_plan(load_comparison(write_workshop(tmp_path, extra=extra)))


def test_single_scenario_and_list_plans():
    base = load_scenario({"name": "b", "title": {"en": "B", "id": "B"}, "model": str(MINI)})
    drains = load_scenario({"name": "d", "title": {"en": "D", "id": "D"}, "model": str(MINI),
                            "interventions": [{"lever": "Drainage investment", "add": 1, "start": 2020}]})
    assert [r.kind for r in build_plan(base).runs] == ["baseline"]
    plan = build_plan([base, drains])
    assert [r.kind for r in plan.runs] == ["baseline", "intervention"]
    with pytest.raises(ScenarioError, match="appears twice"):
        build_plan([base, base])
    with pytest.raises(ScenarioError, match="nothing to run"):
        build_plan([])
    other = load_scenario({"name": "o", "title": {"en": "O", "id": "O"}, "model": str(MINI),
                           "horizon": {"end": 2025}})
    with pytest.raises(ScenarioError, match="share the baseline's horizon"):
        build_plan([base, other])


def test_batch_params_align_runs(tmp_path):
    plan = build_plan(load_comparison(write_workshop(tmp_path)))
    p = plan.batch_params()
    assert p["Growth rate"].tolist() == [0.02, 0.02, 0.02, 0.03, 0.02]
    di = p["Drainage investment"]
    assert di.dims == ("run", "time") and di.shape[0] == 5
    assert di.isel(run=0).values.tolist() == [5.0, 5.0] and di.isel(run=1).values.tolist() == [5.0, 15.0]
    pysd_params = plan.params_list()
    assert pysd_params[1]["Drainage investment"].index.tolist() == [2019.0, 2021.0]
