"""Every variable of many runs streamed to NetCDF in chunks: the same numbers as one call, atomically."""
from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from cityfutures.engine.simulate import simulate
from cityfutures.errors import InputError
from cityfutures.results.runs import stream_runs
from tests.helpers import MINI


def test_chunks_on_disk_equal_one_call_in_memory(tmp_path):
    rng = np.random.default_rng(3)
    params = {"Growth rate": rng.uniform(0.01, 0.03, 250), "Drainage investment": 5.0}
    path = stream_runs(MINI, params, tmp_path / "runs.nc", chunk_runs=64)
    whole = simulate(MINI, params)
    with xr.open_dataset(path) as ds:
        assert ds.sizes["run"] == 250 and ds.attrs["format"] == "cityfutures-runs"
        assert ds.attrs["n_runs"] == 250 and json.loads(ds.attrs["failed_runs"]) == []
        assert set(ds.data_vars) == set(whole.data_vars)
        for name in whole.data_vars:
            np.testing.assert_array_equal(ds[name].values, whole[name].values, err_msg=name)
            assert ds[name].attrs["units"] == whole[name].attrs["units"]
        np.testing.assert_array_equal(ds["time"].values, whole["time"].values)
    assert not list(tmp_path.glob(".*")), "temporary files left behind"


def test_a_bad_chunk_size_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="chunk_runs"):
        stream_runs(MINI, {}, tmp_path / "runs.nc", chunk_runs=0)
    assert not (tmp_path / "runs.nc").exists()
