"""Results Dataset: attributes, provenance, atomic save and checked load."""
import json
import os
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cityfutures import load_model
from cityfutures.errors import InputError
from cityfutures.results.dataset import build_results, load_results, save_results
from tests.helpers import MINI


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return load_model(MINI)


def spec(name, kind, **kw):
    base = dict(name=name, kind=kind, title_en=name.title(), title_id=name.upper(), focus_area=None,
                track=None, capex_idr_bn=0.0, opex_idr_bn_per_year=0.0, total_cost_idr_bn=0.0,
                sha256="ab" * 32, shocks=())
    base.update(kw)
    return SimpleNamespace(**base)


@pytest.fixture
def results(model):
    t = np.arange(2018.0, 2028.25, 0.25)
    sim = xr.Dataset(
        {"People affected by floods": (("run", "time"), np.vstack([np.full(t.size, 100.0), 100 - (t - 2018)])),
         "Population": (("run", "time"), np.vstack([1000 + t - 2018, 1000 + t - 2018])),
         "TIME STEP": (("run", "time"), np.full((2, t.size), 0.0625))},
        coords={"time": t})
    runs = [spec("baseline", "baseline"),
            spec("drains", "intervention", focus_area="water-waste", track="quick-win", capex_idr_bn=10.0,
                 opex_idr_bn_per_year=1.0, total_cost_idr_bn=18.0, shocks=(("flood", 2021.0, 2.0),))]
    horizon = SimpleNamespace(start=2018.0, end=2028.0, dt=0.0625, saveper=0.25)
    return build_results(model, runs, sim, engine="pysd", seed=None, horizon=horizon,
                         failed_runs=[{"scenario": "x", "error": "boom"}])


def test_dataset_shape_units_labels_and_provenance(results, model):
    ds = results
    assert ds["People affected by floods"].dims == ("scenario", "time")
    assert list(ds.scenario.values) == ["baseline", "drains"]
    assert "TIME STEP" not in ds
    v = ds["People affected by floods"].attrs
    assert v["units"] == "person/Year"
    assert v["long_name_en"] == "People affected by floods" and v["long_name_id"] == "Warga terdampak banjir"
    assert v["better"] == "lower" and v["focus_area"] == "water-waste"
    assert v["unit_label_id"] == "jiwa per tahun"
    assert ds["Population"].attrs["long_name_id"] == "Jumlah penduduk"
    a = ds.attrs
    assert a["model_sha256"] == model.sha256 and a["model_name"] == "mini"
    assert json.loads(a["scenario_sha256"]) == {"baseline": "ab" * 32, "drains": "ab" * 32}
    assert a["seed"] == "none" and a["engine"] == "pysd"
    for key in ("cityfutures_version", "pysd_version", "created"):
        assert a[key]
    assert json.loads(a["shocks"]) == [{"scenario": "drains", "kind": "flood", "year": 2021.0, "magnitude": 2.0}]
    assert json.loads(a["failed_runs"]) == [{"scenario": "x", "error": "boom"}]
    assert list(ds.kind.values) == ["baseline", "intervention"]
    assert list(ds.track.values) == ["", "quick-win"]
    assert float(ds.cost_total_idr_bn.sel(scenario="drains")) == 18.0
    assert ds.time.attrs["units"] == "Year"


def test_save_and_load_round_trip(results, tmp_path):
    nc, csv = save_results(results, tmp_path / "results.nc")
    assert nc.name == "results.nc" and csv.name == "results.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv", "results.nc"]  # no temp files left
    back = load_results(nc)
    xr.testing.assert_allclose(back["People affected by floods"], results["People affected by floods"])
    assert back.attrs["model_sha256"] == results.attrs["model_sha256"]
    assert back["People affected by floods"].attrs["long_name_id"] == "Warga terdampak banjir"
    assert list(back.title_id.values) == ["BASELINE", "DRAINS"]
    assert load_results(tmp_path).attrs["engine"] == "pysd"  # a folder holding results.nc


def test_a_name_with_a_slash_survives_netcdf(results, tmp_path):
    ds = results.rename({"Population": "Cars/person"})
    save_results(ds, tmp_path / "results.nc")
    back = load_results(tmp_path / "results.nc")
    assert "Cars/person" in back.data_vars and "vensim_name" not in back["Cars/person"].attrs
    xr.testing.assert_allclose(back["Cars/person"], ds["Cars/person"])
    assert "Cars/person" in set(pd.read_csv(tmp_path / "results.csv")["variable"])


def test_csv_is_long(results, tmp_path):
    _, csv = save_results(results, tmp_path / "out")
    frame = pd.read_csv(csv)
    assert list(frame.columns) == ["scenario", "variable", "units", "time", "value"]
    assert len(frame) == 2 * 2 * results.sizes["time"]
    row = frame[(frame.scenario == "drains") & (frame.variable == "People affected by floods")
                & (frame.time == 2028.0)]
    assert row.value.item() == pytest.approx(90.0, rel=1e-12)
    assert row.units.item() == "person/Year"


def test_save_is_atomic_when_writing_fails(results, tmp_path, monkeypatch):
    target = tmp_path / "results.nc"
    target.write_text("old")
    def boom(self, *a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(OSError, match="disk full"):
        save_results(results, target)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.nc"]


def test_save_into_missing_folder_is_input_error(results, tmp_path):
    with pytest.raises(InputError, match="folder does not exist"):
        save_results(results, tmp_path / "nope" / "results.nc")
    assert not (tmp_path / "nope").exists()


def test_load_rejects_missing_garbage_and_foreign_files(tmp_path):
    with pytest.raises(InputError, match="results file not found"):
        load_results(tmp_path / "missing.nc")
    junk = tmp_path / "junk.nc"
    junk.write_text("not netcdf")
    with pytest.raises(InputError, match="not a readable NetCDF"):
        load_results(junk)
    foreign = tmp_path / "foreign.nc"
    xr.Dataset({"x": ("time", [1.0, 2.0])}, coords={"time": [0.0, 1.0]}).to_netcdf(foreign)
    with pytest.raises(InputError, match="not a cityfutures results file"):
        load_results(foreign)
