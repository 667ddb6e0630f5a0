"""The dashboard's framework-free core: state -> validated scenario -> batch run -> view; files."""
from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest
import yaml

from cityfutures.api import run
from cityfutures.cli import main
from cityfutures.dashboard import SESSIONS, Dashboard, DashboardState
from cityfutures.errors import ScenarioError
from cityfutures.scenario.load import load_comparison, load_scenario

ERP = "Electronic road pricing charge"


# ----------------------------------------------------------------------------- controls and views
def test_controls_come_from_the_model_and_the_folder(dashboard):
    m = dashboard.model
    assert [c.name for c in dashboard.controls_levers] == list(m.levers)
    for c in dashboard.controls_levers:
        lever = m.levers[c.name]
        assert (c.minimum, c.maximum, c.units) == (lever.minimum, lever.maximum, lever.units)
        assert c.minimum <= c.start <= c.maximum
        k = (c.start - c.minimum) / c.step
        assert abs(k - round(k)) < 1e-6, f"{c.name}: baseline {c.start} is not on the slider grid"
    comp = dashboard.comparison
    assert [c.name for c in dashboard.switches("programme")] == [s.name for s in comp.interventions]
    assert [c.name for c in dashboard.switches("bundle")] == list(comp.bundles)
    assert {c.name for c in dashboard.switches("shock")} == {"flood-2007", "flood-2020"}


def test_baseline_state_shows_no_change_and_no_cost(dashboard):
    v = dashboard.update(dashboard.initial_state())
    assert [r.name for r in v.rows] == list(dashboard.comparison.indicators)
    for r in v.rows:
        assert r.delta_end == 0 and r.verdict == "same"
        np.testing.assert_array_equal(v.values[r.name], v.baseline[r.name])
    assert v.cost.total_cost_idr_bn == 0 and v.cost.items == ()
    assert v.time[0] == 2018 and v.time[-1] == 2028


def test_a_lever_move_changes_indicators_against_the_baseline(dashboard):
    v = dashboard.update(dashboard.initial_state().with_lever(ERP, 20.0))
    congestion = v.row("Congestion level")
    assert congestion.value_end < congestion.baseline_end
    assert congestion.improvement_pct > 0 and congestion.verdict == "better"
    assert v.scenario.set[ERP] == 20.0
    assert v.cost.total_cost_idr_bn == 0          # sliders carry no cost


def test_moving_a_lever_back_to_its_start_drops_it():
    s = DashboardState().with_lever(ERP, 5.0, start=0.0).with_lever(ERP, 0.0, start=0.0)
    assert dict(s.levers) == {}


def test_language_only_change_reuses_the_run(dashboard):
    s = dashboard.initial_state().with_lever(ERP, 12.5)
    first = dashboard.update(s)
    again = dashboard.update(s.with_lang("id"))
    assert again.cached and again.rows == first.rows


def test_programmes_and_bundles_compose_as_in_the_comparison(dashboard):
    """A bundle switched on in the page gives the comparison's bundle run, to the last digit."""
    comp = dashboard.comparison
    ds = run(comp)
    state = dashboard.initial_state().with_switch("bundle", "water-package", True)
    v = dashboard.update(state)
    for name in dashboard.indicators:
        np.testing.assert_allclose(v.values[name], ds[name].sel(scenario="water-package").values,
                                   rtol=1e-12, err_msg=name)
    bundle_cost = float(ds["cost_capex_idr_bn"].sel(scenario="water-package")) if "cost_capex_idr_bn" in ds \
        else None
    control = next(c for c in dashboard.switches("bundle") if c.name == "water-package")
    assert v.cost.total_cost_idr_bn == pytest.approx(control.total_cost_idr_bn)
    if bundle_cost is not None:
        assert v.cost.capex_idr_bn == pytest.approx(bundle_cost)
    # switching a member on as well adds nothing: each intervention counts once
    both = dashboard.update(state.with_switch("programme", "reservoirs", True))
    assert both.cost.total_cost_idr_bn == pytest.approx(v.cost.total_cost_idr_bn)
    for name in dashboard.indicators:
        np.testing.assert_array_equal(both.values[name], v.values[name])


def test_a_shock_switch_adds_the_shock_scenarios_shocks(dashboard):
    v = dashboard.update(dashboard.initial_state().with_switch("shock", "flood-2007", True))
    assert [(s.kind, s.year) for s in v.scenario.shocks] == [("flood", 2021.1)]
    name = "People affected by floods"
    assert v.values[name].max() > 2 * v.baseline[name].max()      # the flood year stands out


# ----------------------------------------------------------------------------- bad values
def _file_error(dashboard, tmp_path, state_dict: dict) -> ScenarioError:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(state_dict, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


@pytest.mark.parametrize("value, problem", [
    (55.0, r"55 is outside the range of 'Electronic road pricing charge' \[0, 40\]"),
    (-1, r"-1 is outside the range"),
    ("12", r"must be a number, got '12'"),
    (True, r"must be a number, got true"),
    (float("nan"), r"must be a finite number"),
    (float("inf"), r"must be a finite number"),
    (None, r"must be a number, got None"),
])
def test_bad_lever_values_are_rejected_as_in_a_file(dashboard, tmp_path, value, problem):
    state = dashboard.initial_state().with_lever(ERP, value)
    with pytest.raises(ScenarioError) as info:
        dashboard.update(state)
    err = info.value
    assert re.search(problem, err.problem), err.problem
    assert err.field == f"set.{ERP}"
    data = dashboard.scenario_dict(state)
    data["model"] = str(dashboard.model.path)
    in_file = _file_error(dashboard, tmp_path, data)
    assert (in_file.field, in_file.problem, in_file.allowed) == (err.field, err.problem, err.allowed)


def test_a_programme_on_top_of_a_slider_is_range_checked(dashboard):
    state = dashboard.initial_state().with_lever("MRT extension capacity target", 700000.0) \
        .with_switch("programme", "mrt-phase-2", True)
    with pytest.raises(ScenarioError, match=r"would be 900000 \(baseline 700000 \+ 200000\), outside its range"):
        dashboard.update(state)


@pytest.mark.parametrize("state, message", [
    (DashboardState(levers={"Rail capacity": 1.0}), "unknown lever 'Rail capacity'"),
    (DashboardState(programmes=("mrt-phase-3",)), "unknown programme 'mrt-phase-3'"),
    (DashboardState(bundles=("reservoirs",)), "unknown bundle 'reservoirs'"),
    (DashboardState(shocks=("tsunami",)), "unknown shock 'tsunami'"),
    (DashboardState(lang="fr"), "unknown language 'fr'"),
])
def test_unknown_names_from_the_page_are_rejected(dashboard, state, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        dashboard.update(state)


# ----------------------------------------------------------------------------- saving and exporting
def test_save_round_trip_validates_and_runs_unchanged(library, dashboard):
    state = (dashboard.initial_state().with_lever(ERP, 17.5)
             .with_switch("programme", "mrt-phase-2", True).with_switch("shock", "flood-2020", True))
    view = dashboard.update(state)
    path = dashboard.save(state, "group-3-try-1", title_en="Group 3, try 1", title_id="Kelompok 3, coba 1")
    assert path == library / SESSIONS / "group-3-try-1.yaml" and path.is_file()
    assert main(["validate", str(path)]) == 0
    sc = load_scenario(path)
    assert sc.title.en == "Group 3, try 1" and sc.title.id == "Kelompok 3, coba 1"
    assert sc.set[ERP] == 17.5 and sc.interventions == view.scenario.interventions
    assert sc.shocks == view.scenario.shocks and sc.horizon == view.scenario.horizon
    ds = run(path)                                  # what `cityfutures run` runs
    for name in dashboard.indicators:
        np.testing.assert_allclose(ds[name].isel(scenario=0).values, view.values[name], rtol=1e-12)
    # saving again under the same name in this session overwrites it
    dashboard.save(state.with_lever(ERP, 18.0), "group-3-try-1")
    assert load_scenario(path).set[ERP] == 18.0
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "temporary file left behind"


def test_export_comparison_of_the_session(library, dashboard):
    dashboard.save(dashboard.initial_state().with_switch("bundle", "quick-wins", True), "quick-wins-try")
    path = dashboard.export_comparison("session-1")
    comp = load_comparison(path)
    assert comp.baseline.path == (library / "baseline.yaml").resolve()
    assert [s.name for s in comp.interventions] == dashboard.saved
    assert comp.indicators == dashboard.indicators
    assert main(["validate", str(path)]) == 0
    assert dashboard.export_comparison("session-1") == path       # the session may export again


def test_export_needs_saved_scenarios(tmp_path, make_library):
    d = Dashboard(make_library())
    with pytest.raises(ScenarioError, match="nothing saved"):
        d.export_comparison("empty")


@pytest.mark.parametrize("name, message", [
    ("../escape", "is not a slug"), ("sub/dir", "is not a slug"), ("Group1", "is not a slug"),
    ("", "is not a slug"), ("a" * 65, "is not a slug"), (7, "is not a slug"), ("/etc/passwd", "is not a slug"),
    ("baseline", "already the name of a scenario"), ("mrt-phase-2", "already the name of a scenario"),
    ("water-package", "already the name of a scenario"),
])
def test_save_names_are_slugs_of_their_own(dashboard, name, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        dashboard.save(dashboard.initial_state(), name)


def test_save_never_overwrites_a_file_of_another_session(tmp_path, make_library):
    lib = make_library()
    (lib / SESSIONS).mkdir()
    old = lib / SESSIONS / "earlier.yaml"
    old.write_text("name: earlier\n", encoding="utf-8")
    d = Dashboard(lib)
    with pytest.raises(ScenarioError, match="was not saved in this session"):
        d.save(d.initial_state(), "earlier")
    assert old.read_text(encoding="utf-8") == "name: earlier\n"


def test_save_refuses_symbolic_links(tmp_path, make_library):
    lib = make_library()
    outside = tmp_path / "outside"
    outside.mkdir()
    (lib / SESSIONS).symlink_to(outside, target_is_directory=True)
    d = Dashboard(lib)
    with pytest.raises(ScenarioError, match="symbolic link"):
        d.save(d.initial_state(), "try-1")
    assert list(outside.iterdir()) == []
    os.unlink(lib / SESSIONS)
    (lib / SESSIONS).mkdir()
    (lib / SESSIONS / "try-2.yaml").symlink_to(outside / "target.yaml")
    with pytest.raises(ScenarioError, match="symbolic link"):
        d.save(d.initial_state(), "try-2")
    assert list(outside.iterdir()) == []


def test_bad_state_writes_nothing(tmp_path, make_library):
    lib = make_library()
    d = Dashboard(lib)
    with pytest.raises(ScenarioError, match="outside the range"):
        d.save(d.initial_state().with_lever(ERP, 99.0), "too-much")
    assert not (lib / SESSIONS / "too-much.yaml").exists()


def test_the_fullest_comparison_is_chosen_unless_one_is_named(tmp_path, make_library):
    lib = make_library()
    assert Dashboard(lib).comparison.name == "workshop-2018"      # beside workshop-2018-flood.yaml
    (lib / "a-copy.yaml").write_text((lib / "workshop-2018.yaml").read_text(encoding="utf-8")
                                     .replace("name: workshop-2018", "name: a-copy"), encoding="utf-8")
    assert Dashboard(lib).comparison.name == "a-copy"              # same size: the first by file name
    assert Dashboard(lib, comparison="workshop-2018-flood.yaml").comparison.name == "workshop-2018-flood"
    with pytest.raises(ScenarioError, match="outside the scenario folder"):
        Dashboard(lib, comparison="../elsewhere.yaml")
    with pytest.raises(ScenarioError, match="scenario folder not found"):
        Dashboard(tmp_path / "missing")


def test_a_comparison_naming_files_outside_the_folder_is_refused(tmp_path, make_library):
    lib = make_library()
    inner = lib / "inner"
    inner.mkdir()
    (lib / "workshop-2018.yaml").rename(inner / "workshop.yaml")   # now names ../baseline.yaml etc.
    (inner / "workshop.yaml").write_text((inner / "workshop.yaml").read_text(encoding="utf-8")
                                         .replace("baseline: baseline.yaml", "baseline: ../baseline.yaml"),
                                         encoding="utf-8")
    with pytest.raises(ScenarioError):
        Dashboard(inner)


def test_strings_have_both_languages_and_the_same_fields():
    from cityfutures.dashboard.strings import strings
    fields = re.compile(r"\{(\w+)")
    for key, entry in strings().items():
        assert set(entry) == {"en", "id"}, key
        assert entry["en"].strip() and entry["id"].strip(), key
        assert sorted(fields.findall(entry["en"])) == sorted(fields.findall(entry["id"])), key


def test_views_are_finite(dashboard):
    v = dashboard.update(dashboard.initial_state().with_lever("Road building rate", 0.03))
    for r in v.rows:
        assert math.isfinite(r.value_end) and math.isfinite(r.baseline_end)


# ----------------------------------------------------------------------------- the score, sliders that follow, why
MRT = "MRT extension capacity target"


def test_the_view_carries_the_weighted_score_and_its_terms(dashboard):
    s = dashboard.initial_state().with_switch("programme", "mrt-phase-2", True)
    v = dashboard.update(s)
    assert sum(r.weight for r in v.rows) == pytest.approx(1.0)
    assert v.score == pytest.approx(sum(r.term for r in v.rows), rel=1e-12) and v.score > 0
    for r in v.rows:
        scale = dashboard.model.indicators[r.name].scale
        sign = 1 if r.better == "higher" else -1
        assert r.units_of_improvement == pytest.approx(sign * r.delta_end / scale, rel=1e-9, abs=1e-12)
    # the room weighs mobility three times: the score follows, without a new run
    heavy = dashboard.update(s.with_weight("connectivity-mobility", 3.0))
    assert heavy.cached and heavy.score > v.score
    assert dashboard.focus_weight(s.with_weight("connectivity-mobility", 3.0), "connectivity-mobility") == 3.0


@pytest.mark.parametrize("weights, match", [({"nowhere": 1.0}, "has no indicator on this page"),
                                            ({"governance": -1.0}, "must be a number of 0 or more"),
                                            ({"governance": "a lot"}, "must be a number of 0 or more")])
def test_bad_weights_from_the_page_are_rejected(dashboard, weights, match):
    s = dashboard.initial_state()
    for fa, w in weights.items():
        s = s.with_weight(fa, w)
    with pytest.raises(ScenarioError, match=match):
        dashboard.update(s)


def test_sliders_follow_switched_programmes(dashboard):
    s = dashboard.initial_state()
    start = dashboard.update(s).levers_end[MRT]
    on = s.with_switch("programme", "mrt-phase-2", True)
    v = dashboard.update(on)
    assert v.levers_end[MRT] == pytest.approx(start + 200_000)     # the programme adds 200,000 a day
    # the slider shows the end value: moving it to 250,000 sets the lever's base under the programme
    base = dashboard.lever_base(on, MRT, start + 250_000)
    moved = dashboard.update(on.with_lever(MRT, base, start=dashboard.lever(MRT).start))
    assert moved.levers_end[MRT] == pytest.approx(start + 250_000)


def test_a_slider_cannot_move_a_lever_a_programme_sets(dashboard):
    on = dashboard.initial_state().with_switch("programme", "waste-banks", True)
    lever = "Waste bank participation target"
    assert dashboard.update(on).levers_end[lever] == pytest.approx(0.3)   # waste banks set it to 0.3
    with pytest.raises(ScenarioError, match="switch it off"):
        dashboard.lever_base(on, lever, 0.5)


def test_why_explains_the_configuration(dashboard):
    found = dashboard.why(dashboard.initial_state().with_switch("programme", "mrt-phase-2", True))
    riders = found[found.indicator == "MRT ridership"]
    assert len(riders) and riders.short_en.iloc[0].startswith(dashboard.model.levers[MRT].label("en"))
    assert riders.share.sum() == pytest.approx(1.0, abs=0.05)


def test_the_bundled_scenarios_are_found_from_any_folder(tmp_path, monkeypatch):
    from cityfutures.cli.dashboard import default_folder
    from cityfutures.model import bundled_scenarios_dir
    monkeypatch.chdir(tmp_path)
    assert default_folder() == bundled_scenarios_dir()
    (tmp_path / "scenarios").mkdir()
    assert str(default_folder()) == "scenarios"
