"""simulate(): both engines, params as arrays, series and DataFrames; the simulate command."""
from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cityfutures.cli import simulate as simulate_command
from cityfutures.engine.simulate import simulate
from cityfutures.errors import InputError
from tests.helpers import MINI, REFERENCE as REF

pytestmark = pytest.mark.skipif(not REF.is_dir(), reason="reference models not found")


@pytest.fixture(scope="module")
def teacup(tmp_path_factory):
    d = tmp_path_factory.mktemp("teacup")
    shutil.copy(REF / "samples/teacup/teacup.mdl", d / "teacup.mdl")
    return d / "teacup.mdl"


def _pysd(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate(*args, engine="pysd", **kw)


def test_engines_agree_with_array_and_series_params(teacup):
    series = xr.DataArray([[70.0, 70.0, 60.0], [70.0, 75.0, 75.0]], dims=("run", "time"),
                          coords={"time": [0.0, 10.0, 12.5]})
    params = {"Characteristic Time": np.array([8.0, 12.0]), "Room Temperature": series}
    batch = simulate(teacup, params)
    ref = _pysd(teacup, params)
    assert batch.sizes == {"run": 2, "time": 241}
    assert batch["Teacup Temperature"].attrs["units"] == "Degrees Fahrenheit"
    for name in ref.data_vars:
        np.testing.assert_allclose(batch[name], ref[name], rtol=1e-9, err_msg=name)


def test_dataframe_params_and_time_overrides(teacup):
    df = pd.DataFrame({"Room Temperature": [60.0, 70.0, 80.0]})
    ds = simulate(teacup, df, end=10, dt=0.5, saveper=1, variables=["Teacup Temperature"])
    assert list(ds.data_vars) == ["Teacup Temperature"]
    assert ds.sizes == {"run": 3, "time": 11}
    ref = _pysd(teacup, df, end=10, dt=0.5, saveper=1, variables=["Teacup Temperature"])
    np.testing.assert_allclose(ds["Teacup Temperature"], ref["Teacup Temperature"], rtol=1e-9)
    assert ds.attrs["failed_runs"] == []


def test_unsupported_model_falls_back_to_pysd_with_a_warning(tmp_path):
    shutil.copytree(REF / "tests/game", tmp_path / "game")
    model = next((tmp_path / "game").glob("*.mdl"))
    with pytest.warns(UserWarning, match="GAME"):
        ds = simulate(model)
    assert ds.attrs["engine"] == "pysd"


def test_bad_params_are_input_errors(teacup):
    with pytest.raises(InputError, match="number of runs"):
        simulate(teacup, {"Room Temperature": [1.0, 2.0], "Characteristic Time": [1.0, 2.0, 3.0]})
    with pytest.raises(InputError, match="not a variable"):
        simulate(teacup, {"Room Temprature": 3.0})
    with pytest.raises(InputError):
        simulate(teacup, engine="vensim")


def _cli(argv):
    import argparse
    parser = argparse.ArgumentParser(prog="cityfutures")
    simulate_command.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_writes_vensim_style_table(teacup, tmp_path):
    out = tmp_path / "out.csv"
    assert _cli(["simulate", str(teacup), "--out", str(out)]) == 0
    table = pd.read_csv(out, index_col=0)
    assert table.index.name == "Time" and "Teacup Temperature" in table.columns
    assert table["Teacup Temperature"].iloc[0] == 180.0
    assert _cli(["simulate", str(teacup), "--engine", "pysd", "--out", str(out)]) == 0
    ref = pd.read_csv(out, index_col=0)
    np.testing.assert_allclose(table[ref.columns], ref, rtol=1e-9)
    with pytest.raises(InputError):
        _cli(["simulate", str(teacup), "--out", str(tmp_path / "x.txt")])


def test_failed_runs_are_recorded_and_agree_with_pysd(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nStock = INTEG(1, 1) ~ ~ |\nGap = Deadline - Time ~ ~ |\n"
                    "Deadline = 2 ~ ~ |\nRatio = Stock / Gap ~ ~ |\n"
                    "FINAL TIME = 4 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\n"
                    "TIME STEP = 1 ~ ~ |\n")
    params = {"Deadline": np.array([2.5, 2.0, 3.5])}
    ds = simulate(path, params)  # run 1 divides by zero: off the scalar path, to numpy's inf
    ref = _pysd(path, params)  # PySD's own run 1 raises ZeroDivisionError and is recorded
    assert ds.attrs["failed_runs"] == ref.attrs["failed_runs"] == [1]
    assert np.isinf(ds["Ratio"].sel(run=1, time=2.0))
    np.testing.assert_array_equal(ds["Ratio"].values[[0, 2]], ref["Ratio"].values[[0, 2]])


def test_repeated_calls_reuse_the_compiled_model(teacup):
    import importlib
    simulate_module = importlib.import_module("cityfutures.engine.simulate")  # the module, not the function
    simulate(teacup, {"Room Temperature": 70.0}, variables=["Teacup Temperature"])
    cm = simulate_module._compiled(str(teacup.resolve()), teacup.stat().st_mtime_ns)
    programs, kernels = dict(cm.batch._programs), dict(cm._kernels)
    for temp in (60.0, 65.0, 75.0):  # a dashboard slider: new values, same names
        ds = simulate(teacup, {"Room Temperature": temp}, variables=["Teacup Temperature"])
        assert ds["Teacup Temperature"].isel(run=0, time=-1) > temp
    simulate(teacup, {"Characteristic Time": 5.0}, variables=["Teacup Temperature"])   # another constant
    assert cm.batch._programs.keys() > programs.keys()          # the batch engine compiles a program more,
    assert cm._kernels == kernels                               # every constant is a parameter of the kernel
    assert all(cm.batch._programs[k] is programs[k] for k in programs)


def test_cli_prints_the_fallback_as_one_warning_line(tmp_path, capsys):
    from cityfutures.cli import main
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\ny = GAME(Time * 3) ~ ~ |\n"
                    "FINAL TIME = 2 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 0.5 ~ ~ |\n"
                    "TIME STEP = 0.5 ~ ~ |\n")
    out = tmp_path / "out.csv"
    assert main(["simulate", str(path), "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["warning: batch engine does not support GAME (in 'y'); running with PySD instead"]
    table = pd.read_csv(out, index_col=0)
    assert table.index.name == "Time" and list(table.index) == [0.0, 0.5, 1.0, 1.5, 2.0]
    np.testing.assert_allclose(table["y"], [0.0, 1.5, 3.0, 4.5, 6.0])


def test_data_files_next_to_the_model_feed_data_variables(tmp_path):
    from cityfutures.engine.simulate import data_files_near, simulate_table
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nd:INTERPOLATE: ~ ~ |\ny = 2 * d ~ ~ |\nFINAL TIME = 2 ~ ~ |\n"
                    "INITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\nTIME STEP = 1 ~ ~ |\n")
    (tmp_path / "data.tab").write_text("Time\td\n0\t1\n2\t5\n")
    (tmp_path / "output.tab").write_text("Time\td\n0\t100\n2\t100\n")  # a canonical output
    assert data_files_near(path) == [str(tmp_path / "data.tab")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = simulate_table(path)
    np.testing.assert_allclose(table["y"], [2.0, 6.0, 10.0])


@pytest.mark.parametrize("kwargs, field, problem", [
    (dict(params={"Bus capacity": "x"}), "params.Bus capacity", "must be a number"),
    (dict(params={"Growth rate": [0.01, float("nan")]}), "params.Growth rate", "must be finite"),
    (dict(params=[1, 2]), "params", "must map constant names"),
    (dict(params={"Bus capacty": 5}), "params", "did you mean 'Bus capacity'"),
    (dict(variables=["Nope"]), "variables", "not a variable of the model"),
    (dict(variables="Population"), "variables", "list of variable names"),
    (dict(n_runs=0), "n_runs", "whole number of runs"),
    (dict(dt=-1.0), "dt", "must be positive"),
    (dict(start="2019"), "start", "finite number"),
    (dict(start=2030.0), "start", "would start at 2030 and end at 2028"),
    (dict(engine="fast"), "engine", "unknown engine"),
])
def test_bad_arguments_are_input_errors_naming_the_field(kwargs, field, problem):
    from cityfutures.errors import InputError
    from cityfutures.model.load import load_model
    mini = load_model(MINI)
    with pytest.raises(InputError) as info:
        simulate(mini, **kwargs)
    assert info.value.field == field and problem in str(info.value), str(info.value)


@pytest.mark.parametrize("joined", [True, False])
def test_the_finiteness_check_finds_a_bad_value_joined_or_array_by_array(monkeypatch, joined):
    from cityfutures.engine import simulate as module
    monkeypatch.setattr(module, "_ONE_CHECK", 2**20 if joined else 0)
    good = [np.ones((3, 2)), np.zeros((3, 2))]
    assert module._all_finite(good) and module._all_finite([])
    for bad in (np.nan, np.inf, -np.inf):
        arrays = [a.copy() for a in good]
        arrays[1][2, 1] = bad
        assert not module._all_finite(arrays)


def test_a_single_runs_dataset_is_what_xarrays_constructor_builds(teacup, monkeypatch):
    """The one-run path fills each Variable's fields directly (:func:`_filled_variable`): the result must be
    identical to the one built by ``xr.Variable``, and behave as one (arithmetic, selection, a NetCDF-ready copy)."""
    from cityfutures.engine import simulate as module
    assert module._variable is module._filled_variable, "this xarray's Variable should take the direct path"
    fast = simulate(teacup, {"Room Temperature": 60.0}, engine="batch")
    monkeypatch.setattr(module, "_variable", lambda dims, data, attrs: xr.Variable(dims, data, attrs))
    plain = simulate(teacup, {"Room Temperature": 60.0}, engine="batch")
    xr.testing.assert_identical(fast, plain)
    temp = fast["Teacup Temperature"]
    assert temp.dims == ("run", "time") and temp.attrs["units"] == plain["Teacup Temperature"].attrs["units"]
    np.testing.assert_array_equal((temp * 2).isel(run=0).values, 2 * plain["Teacup Temperature"].values[0])
    assert fast.copy(deep=True).identical(plain)
