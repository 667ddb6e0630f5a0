"""Runner: a comparison through both engines, paired runs, failed runs recorded and reported."""
import json
import os

import numpy as np
import pytest

from cityfutures.api import run  # noqa: E402
from cityfutures.engine import DEFAULT_ENGINE  # noqa: E402
from cityfutures.errors import (  # noqa: E402
    InputError,
    RunError,
    RunFailedWarning,  # noqa: E402
    ScenarioError,
)
from cityfutures.scenario import load_comparison  # noqa: E402
from tests.helpers import MINI, write_workshop  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def workshop(tmp_path):
    return write_workshop(tmp_path, baseline_shock=True)


def test_comparison_runs_every_scenario_with_provenance(workshop):
    ds = run(workshop)
    assert list(ds.scenario.values) == ["baseline", "drains", "buses", "growth", "drains-buses"]
    assert list(ds.kind.values) == ["baseline", "intervention", "intervention", "intervention", "bundle"]
    assert ds["People affected by floods"].dims == ("scenario", "time")
    assert ds.time.values[0] == 2018.0 and ds.time.values[-1] == 2028.0 and ds.sizes["time"] == 41
    comp = load_comparison(workshop)
    hashes = json.loads(ds.attrs["scenario_sha256"])
    assert hashes["drains"] == comp.interventions[0].sha256 and hashes["baseline"] == comp.baseline.sha256
    assert ds.attrs["comparison_sha256"] == comp.sha256 and ds.attrs["engine"] == DEFAULT_ENGINE
    assert json.loads(ds.attrs["failed_runs"]) == []
    assert json.loads(ds.attrs["indicators"]) == list(comp.indicators)
    # the lever really ramps: 5 before 2019, 15 from 2021
    di = ds["Drainage investment"].sel(scenario="drains")
    assert float(di.sel(time=2018.75)) == 5.0 and float(di.sel(time=2021.0)) == 15.0
    # the shock pulse reaches every run, once
    shock = ds["Flood shock input"]
    assert np.all(shock.sel(time=2023.0).values == 2.0) and np.all(shock.sel(time=2023.25).values == 0.0)


def test_engines_agree(workshop):
    batch = run(workshop, engine="batch")
    pysd = run(workshop, engine="pysd")
    assert pysd.attrs["engine"] == "pysd"
    for name in ("People affected by floods", "Congestion level", "Population"):
        np.testing.assert_allclose(batch[name].values, pysd[name].sel(scenario=batch.scenario).values,
                                   rtol=1e-9, err_msg=name)


def test_baseline_run_equals_an_untouched_model(workshop, tmp_path):
    from cityfutures.engine.simulate import simulate
    ds = run(workshop)
    plain = simulate(MINI, engine="pysd")
    # the baseline differs from the model file only by the shock pulse, which starts in 2023
    before = ds.time.values < 2023
    np.testing.assert_allclose(ds["People affected by floods"].sel(scenario="baseline").values[before],
                               plain["People affected by floods"].isel(run=0).values[before], rtol=1e-12)


@pytest.mark.parametrize("engine", ["compiled", "batch", "pysd"])
def test_a_failed_run_is_recorded_and_reported(tmp_path, engine):
    extra = {"broken.yaml": "name: broken\nextends: baseline.yaml\ntitle: {en: X, id: X}\n"
                            "set: {Initial drainage capacity: 0}\n"}
    path = write_workshop(tmp_path, extra=extra)
    path.write_text(path.read_text().replace("growth.yaml]", "growth.yaml, broken.yaml]"))
    with pytest.warns(RunFailedWarning, match=r"1 of 6 runs failed \(broken: "):
        ds = run(path, engine=engine)
    failed = json.loads(ds.attrs["failed_runs"])
    assert [f["scenario"] for f in failed] == ["broken"]
    assert "broken" in ds.scenario.values                      # kept, not dropped
    assert failed[0]["error"]
    assert np.all(np.isfinite(ds["People affected by floods"].sel(scenario="drains").values))
    for name in ("Population", "People affected by floods"):     # NaN throughout, not only where it broke
        assert np.isnan(ds[name].sel(scenario="broken").values).all(), name


def test_every_run_failing_is_a_run_error(tmp_path):
    (tmp_path / "b.yaml").write_text(f"name: b\ntitle: {{en: B, id: B}}\nmodel: {MINI}\n"
                                     "set: {Initial drainage capacity: 0}\n")
    with pytest.raises(RunError, match="every run failed"):
        run(tmp_path / "b.yaml", engine="pysd")


def test_a_single_scenario_file_runs_alone(tmp_path):
    write_workshop(tmp_path)
    ds = run(tmp_path / "drains.yaml", engine="pysd")
    assert list(ds.scenario.values) == ["drains"] and list(ds.kind.values) == ["intervention"]
    assert ds.attrs["comparison_name"] == ""


def test_bad_inputs(tmp_path):
    with pytest.raises(InputError, match="unknown engine 'fast'"):
        run(tmp_path / "x.yaml", engine="fast")
    with pytest.raises(ScenarioError, match="not found"):
        run(tmp_path / "missing.yaml")


@pytest.mark.parametrize("what", [42, [], [1, 2], None])
def test_what_cannot_be_run_is_an_input_error(what):
    from cityfutures.api import run
    from cityfutures.errors import InputError
    with pytest.raises(InputError, match="cannot run a"):
        run(what)


def test_package_functions_stay_functions_after_their_modules_are_imported():
    import importlib

    import cityfutures
    importlib.import_module("cityfutures.engine.simulate")
    importlib.import_module("cityfutures.analysis.compare")
    with pytest.warns(DeprecationWarning, match="moved to cityfutures.engine.simulate"):
        importlib.import_module("cityfutures.simulate")          # the old module path, an alias
    assert callable(cityfutures.simulate) and callable(cityfutures.compare)


def test_the_progress_bar_says_a_first_compiled_run_compiles_until_the_first_chunk_is_back(tmp_path, capsys):
    from cityfutures.engine.runner import COMPILING
    comparison = load_comparison(write_workshop(tmp_path))
    run(comparison, engine="compiled", progress=True)
    err = capsys.readouterr().err
    assert COMPILING in err
    run(comparison, engine="batch", progress=True)
    assert COMPILING not in capsys.readouterr().err, "only the compiled engine compiles"
