"""XMILE models wherever a model is taken: load_model, scenarios, comparisons, ensembles, the dashboard, the CLI.

The test town (``tests/data/mini``) is exported to XMILE (Stella's ``.stmx``) and its metadata
sidecar put beside it; every face must then give what it gives for the ``.mdl``, as
``test_second_model.py`` runs the whole pipeline on a second city.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cityfutures.api import run
from cityfutures.cli import main
from cityfutures.dashboard.session import Dashboard
from cityfutures.engine.simulate import simulate
from cityfutures.errors import ModelError, RunError
from cityfutures.model import load_model, resolve_model_path
from cityfutures.model.export import export_xmile
from cityfutures.model.structure import build
from tests.helpers import MINI, MINI_DIR, TOWN, write_workshop


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """The test town as ``mini.stmx`` (Stella's suffix) with ``mini.meta.yaml`` beside it."""
    folder = tmp_path_factory.mktemp("town")
    shutil.copy2(MINI_DIR / "mini.meta.yaml", folder / "mini.meta.yaml")
    export_xmile(MINI, folder / "mini.stmx")
    return folder / "mini.stmx"


def test_a_model_is_found_by_name_under_any_model_suffix(town):
    assert resolve_model_path("mini", relative_to=town.parent) == town.resolve()
    with pytest.raises(ModelError, match=r"\(allowed: a path to a model file \(.mdl, .xmile, .xml, .stmx\)"):
        resolve_model_path("nowhere", relative_to=town.parent)


def test_load_model_reads_the_sidecar_beside_an_xmile_model(town):
    vensim, xmile = load_model(MINI), load_model(town)
    assert (xmile.format, xmile.method, vensim.format) == ("xmile", "euler", "vensim")
    assert xmile.levers == vensim.levers and xmile.indicators == vensim.indicators
    assert xmile.shocks == vensim.shocks and xmile.sectors == vensim.sectors
    assert (xmile.initial_time, xmile.final_time, xmile.time_step, xmile.time_units) == (
        vensim.initial_time, vensim.final_time, vensim.time_step, vensim.time_units)
    assert xmile.saveper == xmile.time_step  # XMILE 1.0 saves every DT
    assert set(xmile.variables) == set(vensim.variables)
    for name, v in vensim.variables.items():
        if name in ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"):
            continue
        x = xmile.variables[name]
        assert (x.units, x.kind, x.doc, x.value) == (v.units, v.kind, v.doc, v.value), name
        np.testing.assert_equal((x.minimum, x.maximum), (v.minimum, v.maximum), err_msg=name)
    assert sorted(p.name for p in town.parent.iterdir()) == ["mini.meta.yaml", "mini.stmx"]  # nothing written


def test_a_comparison_on_the_xmile_model_gives_the_vensim_results(town, tmp_path):
    results = {}
    for name, model in (("vensim", MINI), ("xmile", town)):
        folder = tmp_path / name
        folder.mkdir()
        workshop = write_workshop(folder, baseline_shock=True)
        base = folder / "baseline.yaml"
        base.write_text(base.read_text().replace(str(MINI), str(model))
                        + "horizon: {start: 2018, end: 2028, dt: 0.0625, saveper: 0.25}\n")
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            results[name] = run(workshop)
    v, x = results["vensim"], results["xmile"]
    assert list(x.scenario.values) == list(v.scenario.values) and x.sizes == v.sizes
    for var in v.data_vars:
        np.testing.assert_allclose(x[var].values, v[var].values, rtol=1e-9, err_msg=var)
    assert x.attrs["model_sha256"] != v.attrs["model_sha256"]


def test_scenario_runs_integrate_with_the_models_own_method(town, tmp_path):
    """A file asking for RK4 runs RK4 in a plan as in simulate(); PySD refuses it rather than run Euler."""
    rk4 = tmp_path / "mini.stmx"
    rk4.write_text(town.read_text().replace('method="Euler"', 'method="RK4"'))
    shutil.copy2(MINI_DIR / "mini.meta.yaml", tmp_path / "mini.meta.yaml")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\ntitle: {{en: S, id: S}}\nmodel: {rk4}\n")
    ran = run(scenario)
    own, euler = simulate(rk4, variables=["Population"]), simulate(rk4, variables=["Population"], method="euler")
    times = ran["time"].values
    np.testing.assert_allclose(ran["Population"].values[0], own["Population"].sel(time=times).values[0], rtol=1e-12)
    assert not np.allclose(ran["Population"].values[0], euler["Population"].sel(time=times).values[0], rtol=1e-9)
    with pytest.raises(RunError, match=r"asks for RK4 .* PySD integrates with Euler only"):
        run(scenario, engine="pysd")   # the runner records the refusal as every run's failure


def test_the_dashboard_core_runs_an_xmile_model(town, tmp_path):
    workshop = write_workshop(tmp_path)
    for f in (town, town.with_name("mini.meta.yaml")):      # the dashboard reads only inside its folder
        shutil.copy2(f, tmp_path / f.name)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text().replace(str(MINI), "mini.stmx"))
    board = Dashboard(tmp_path, workshop)
    view = board.update(board.initial_state().with_lever("Bus capacity", 400.0))
    assert board.model.format == "xmile"
    assert view.row("Congestion level").value_end < view.row("Congestion level").baseline_end


@pytest.mark.parametrize("argv, expect", [
    (["levers", "--model", "{town}"], "Bus capacity"),
    (["indicators", "--model", "{town}", "--format", "csv"], "People affected by floods"),
    (["simulate", "{town}", "--engine", "pysd"], "Population"),
    (["simulate", "{town}"], "Population"),
])
def test_commands_take_xmile_models(town, capsys, argv, expect):
    assert main([a.format(town=town) for a in argv]) == 0
    assert expect in capsys.readouterr().out


def test_simulate_on_xmile_matches_the_vensim_run(town):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        x = simulate(town, {"Growth rate": [0.01, 0.03]}, engine="compiled")
        v = simulate(MINI, {"Growth rate": [0.01, 0.03]}, saveper=0.0625)
    assert x.attrs["engine"] == "compiled"      # the compiled engine runs it: no fallback
    for var in v.data_vars:
        if var not in ("SAVEPER",):
            np.testing.assert_allclose(x[var].values, v[var].values, rtol=1e-9, err_msg=var)


def test_bad_xmile_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.xmile"
    bad.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "e">]>\n<xmile/>')
    out = tmp_path / "out.csv"
    assert main(["simulate", str(bad), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and f"{bad}:2: <!DOCTYPE>:" in err
    assert not out.exists()


def test_an_ensemble_on_the_xmile_model_gives_the_vensim_tables(tmp_path):
    town = TOWN
    tables = {}
    for name in ("mdl", "stmx"):
        folder = tmp_path / name
        shutil.copytree(town, folder)
        if name == "stmx":
            export_xmile(folder / "mini.mdl", folder / "mini.stmx")
            (folder / "mini.mdl").unlink()
            base = folder / "baseline.yaml"
            base.write_text(base.read_text().replace("model: mini.mdl", "model: mini.stmx"))
        out = folder / "out"
        assert main(["ensemble", str(folder / "town.yaml"), "--uncertain", str(folder / "uncertain.yaml"),
                     "--samples", "32", "--seed", "5", "--quiet", "--no-charts", "--out", str(out)]) == 0
        tables[name] = pd.read_csv(out / "summary.csv")
    pd.testing.assert_frame_equal(tables["stmx"], tables["mdl"], rtol=1e-9)


def test_the_structure_map_of_an_xmile_model_is_the_vensim_one(town):
    x, v = build(load_model(town)), build(load_model(MINI))
    assert (x.kind, x.sector, x.links, x.inflows) == (v.kind, v.sector, v.links, v.inflows)
