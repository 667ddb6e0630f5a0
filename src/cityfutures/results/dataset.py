"""The scenario results Dataset: build it, save it, load it.

A results Dataset has dims ``scenario`` and ``time`` [Year]. Each data variable is a
model variable under its Vensim name, with attributes

``units``, ``long_name_en``, ``long_name_id``
    always;
``unit_label_en``, ``unit_label_id``, ``better`` (``lower``/``higher``), ``focus_area``
    for the model's indicators (from the sidecar), and ``scale`` [the indicator's units],
    ``scale_reason_en``, ``scale_reason_id`` for those whose sidecar gives a scale.

Coordinates on ``scenario``: ``title_en``, ``title_id``, ``focus_area``, ``track``
(``""`` when not given), ``kind`` (``baseline``/``intervention``/``bundle``),
``cost_capex_idr_bn``, ``cost_opex_idr_bn_per_year`` and ``cost_total_idr_bn`` (capex plus
opex for the years each intervention operates within the horizon, undiscounted).

Global attributes (all NetCDF-safe: text or numbers; maps and lists are JSON text):
``format`` (``"cityfutures-results"``), ``format_version``, ``model_name``, ``model_path``,
``model_sha256``, ``model_meta_sha256``, ``focus_areas`` (JSON id -> {en, id, color} in the
sidecar's order; color ``""`` when the sidecar gives none), ``shock_labels`` (JSON kind -> {en, id}),
``scenario_sha256`` (JSON name -> hash), ``comparison_name``,
``comparison_sha256``, ``comparison_title_en``/``_id``, ``indicators`` (JSON list, the
comparison's indicators in order), ``shocks`` (JSON list of {scenario, kind, year,
magnitude}), ``seed`` (int, or ``"none"`` for a deterministic run), ``engine``,
``horizon_start``, ``horizon_end``, ``horizon_dt``, ``horizon_saveper``, ``failed_runs``
(JSON list of {scenario, sample, error}), ``cityfutures_version``, ``pysd_version``, ``created``
(UTC, ISO 8601); the appraisal's ``weights`` (JSON {focus_areas: {id: w}, indicators: {name: w}}, as
the comparison gives them), ``discount_rate`` [per year] and ``cost_streams`` (JSON name -> list of
{start, ramp_years, capex_idr_bn, opex_idr_bn_per_year}: each scenario's costs with their timing).

Paired futures (``compare --futures N``, :func:`attach_futures`) add the data variable ``future_end``
(dims ``scenario``, ``future``, ``indicator``): each run's indicators at the last saved time in each
sampled future, and the attributes ``futures`` (N), ``futures_seed``, ``futures_sampler`` and
``futures_failed`` (JSON list of {scenario, sample, error}). The pathways behind each notable effect
(:func:`attach_pathways`, :mod:`cityfutures.analysis.pathways`) are the attribute ``pathways`` (JSON list
of records). A stress test's counterfactual (:func:`attach_without_shock`) is the data variable
``without_shock`` (dims ``scenario``, ``time``, ``indicator``): each run's indicators without its shocks.

Files
-----
:func:`save_results` writes ``<name>.nc`` (the Dataset) and ``<name>.csv`` next to it, a
*long* table with one row per value::

    scenario,variable,units,time,value
    baseline,Homes flooded,home/Year,2018.0,100.0

Variables with extra (subscript) dims appear as ``name[sub1,sub2]``. Each file is written
to a temporary file in the same folder and renamed into place, so a reader never sees a
half-written file.
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .._version import __version__
from ..errors import InputError
from ..files import atomic_write
from ..model.load import pysd_version
from ..names import CONTROL_NAMES, TIME_NAMES
from ..scenario.types import DEFAULT_DISCOUNT_RATE

__all__ = ["FORMAT", "FORMAT_VERSION", "build_results", "attach_futures", "save_results", "load_results",
           "results_csv_frame", "json_attr", "netcdf_ready", "model_attrs", "read_netcdf", "FUTURE_END",
           "attach_pathways", "attach_without_shock", "WITHOUT_SHOCK"]

FORMAT = "cityfutures-results"
FORMAT_VERSION = 1
_SCENARIO_COORDS = ("title_en", "title_id", "focus_area", "track", "kind", "cost_capex_idr_bn",
                    "cost_opex_idr_bn_per_year", "cost_total_idr_bn")
_REQUIRED_ATTRS = ("model_name", "model_sha256", "scenario_sha256", "seed", "engine",
                   "cityfutures_version", "pysd_version", "created")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _labels(model, name: str) -> tuple[str, str]:
    try:
        return model.label(name, "en"), model.label(name, "id")
    except KeyError:
        return name, name


def build_results(model, runs: Sequence[Any], simulated: xr.Dataset, *, engine: str,
                  seed: int | None = None, horizon: Any = None, comparison: Any = None,
                  indicators: Sequence[str] | None = None,
                  failed_runs: Iterable[Mapping[str, str]] = ()) -> xr.Dataset:
    """The results Dataset from a simulation with dims ``(run, time)``.

    Parameters
    ----------
    model : Model
        The model that was run (units, labels, indicators, provenance).
    runs : sequence of RunSpec
        One per ``run`` of ``simulated``, in order (see :mod:`cityfutures.plan`): each has
        ``name``, ``kind``, ``title_en``, ``title_id``, ``focus_area``, ``track``,
        ``capex_idr_bn``, ``opex_idr_bn_per_year``, ``total_cost_idr_bn``, ``sha256`` and
        ``shocks`` (tuple of ``(kind, year, magnitude)``).
    simulated : xarray.Dataset
        Dims ``run`` (or the runner's ``scenario`` and a ``sample`` of one) and ``time``; one data
        variable per Vensim name.
    engine : str
        The engine that produced ``simulated``.
    seed : int, optional
        The shared seed of the runs (``None``: deterministic).
    horizon : Horizon, optional
        ``start``, ``end``, ``dt``, ``saveper`` [Year], recorded as attributes.
    comparison : Comparison, optional
        Recorded as ``comparison_name``/``comparison_sha256``/titles.
    indicators : sequence of str, optional
        The indicators of interest, in order (default: all of the model's indicators).
    failed_runs : iterable of {"scenario": ..., "sample": ..., "error": ...}
        Runs that failed; their values are NaN.

    Returns
    -------
    xarray.Dataset
        Dims ``scenario``, ``time``; see the module docstring for variables and attributes.
    """
    if "sample" in simulated.dims:     # the runner's (scenario, sample, time): one future
        simulated = simulated.isel(sample=0, drop=True)
    if "scenario" in simulated.dims:
        simulated = simulated.drop_vars("scenario", errors="ignore").rename({"scenario": "run"})
    if simulated.sizes.get("run", 0) != len(runs):
        raise ValueError(f"simulated has {simulated.sizes.get('run', 0)} runs but {len(runs)} run specs")
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique, got {names}")
    data = simulated.drop_vars([v for v in simulated.data_vars if v in CONTROL_NAMES | TIME_NAMES])
    if "run" in data.coords:
        data = data.drop_vars("run")
    data = data.rename({"run": "scenario"}).assign_coords(scenario=np.array(names, dtype=object))
    data = data.transpose("scenario", "time", ...)
    for name in list(data.data_vars):
        var = model.variables.get(name)
        en, id_ = _labels(model, name)
        attrs = {"units": var.units if var is not None else _text(data[name].attrs.get("units")),
                 "long_name_en": en, "long_name_id": id_}
        ind = model.indicators.get(name)
        if ind is not None:
            attrs.update(unit_label_en=ind.unit_label.en, unit_label_id=ind.unit_label.id,
                         better=ind.better, focus_area=ind.focus_area)
            if ind.scale is not None:
                attrs.update(scale=float(ind.scale), scale_reason_en=ind.scale_reason.en,
                             scale_reason_id=ind.scale_reason.id)
        data[name].attrs = attrs
    coords = {
        "title_en": [_text(r.title_en) for r in runs],
        "title_id": [_text(r.title_id) for r in runs],
        "focus_area": [_text(r.focus_area) for r in runs],
        "track": [_text(r.track) for r in runs],
        "kind": [r.kind for r in runs],
    }
    data = data.assign_coords({k: ("scenario", np.array(v, dtype=object)) for k, v in coords.items()})
    data = data.assign_coords(
        cost_capex_idr_bn=("scenario", np.array([float(r.capex_idr_bn) for r in runs])),
        cost_opex_idr_bn_per_year=("scenario", np.array([float(r.opex_idr_bn_per_year) for r in runs])),
        cost_total_idr_bn=("scenario", np.array([float(r.total_cost_idr_bn) for r in runs])),
    )
    data["time"].attrs = {"units": model.time_units or "Year", "long_name_en": "Time",
                          "long_name_id": "Waktu"}
    if indicators is None:
        indicators = [n for n in model.indicators if n in data.data_vars]
    shocks = [{"scenario": r.name, "kind": k, "year": float(y), "magnitude": float(m)}
              for r in runs for (k, y, m) in r.shocks]
    attrs: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        **model_attrs(model),
        "scenario_sha256": json.dumps({r.name: _text(r.sha256) for r in runs}),
        "comparison_name": _text(getattr(comparison, "name", None)),
        "comparison_sha256": _text(getattr(comparison, "sha256", None)),
        "comparison_title_en": _text(getattr(getattr(comparison, "title", None), "en", None)),
        "comparison_title_id": _text(getattr(getattr(comparison, "title", None), "id", None)),
        "indicators": json.dumps(list(indicators)),
        "shocks": json.dumps(shocks),
        "seed": "none" if seed is None else int(seed),
        "engine": engine,
        "failed_runs": json.dumps(list(failed_runs)),
        "weights": json.dumps({k: dict(v) for k, v in (getattr(comparison, "weights", None) or {}).items()}),
        "discount_rate": float(getattr(comparison, "discount_rate", DEFAULT_DISCOUNT_RATE)),
        "cost_streams": json.dumps({r.name: [c.record() for c in getattr(r, "cost_streams", ())] for r in runs}),
        "cityfutures_version": __version__,
        "pysd_version": pysd_version(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if horizon is not None:
        attrs.update(horizon_start=float(horizon.start), horizon_end=float(horizon.end),
                     horizon_dt=float(horizon.dt), horizon_saveper=float(horizon.saveper))
    data.attrs = attrs
    return data


FUTURE_END = "future_end"


def attach_futures(ds: xr.Dataset, values: xr.Dataset, *, indicators: Sequence[str], seed: int,
                   sampler: str = "", failures: Iterable[Mapping[str, Any]] = ()) -> xr.Dataset:
    """``ds`` with each run's indicators at the last saved time in each of N paired futures.

    Parameters
    ----------
    ds : xarray.Dataset
        The deterministic results (dims ``scenario``, ``time``).
    values : xarray.Dataset
        The runner's output for the same runs in N futures: dims ``(scenario, sample, time)``.
    indicators : sequence of str
    seed : int
        The futures' seed.
    sampler : str
    failures : iterable of {scenario, sample, error}
        Runs that failed in some future (their values are NaN).

    Returns
    -------
    xarray.Dataset
        ``ds`` plus ``future_end`` (dims ``scenario``, ``future``, ``indicator``) and the attributes
        ``futures``, ``futures_seed``, ``futures_sampler``, ``futures_failed``.
    """
    last = values[list(indicators)].isel(time=-1, drop=True).reindex(scenario=ds["scenario"].values)
    arr = np.stack([np.asarray(last[i].transpose("scenario", "sample").values, dtype=float) for i in indicators],
                   axis=-1)
    out = ds.copy()
    out[FUTURE_END] = xr.DataArray(arr, dims=("scenario", "future", "indicator"),
                                   coords={"future": np.asarray(values["sample"].values, dtype=int),
                                           "indicator": np.array(list(indicators), dtype=object)},
                                   attrs={"long_name_en": "Indicators at the end of the horizon in each sampled "
                                          "future", "long_name_id": "Indikator di akhir periode pada tiap masa "
                                          "depan sampel", "units": ""})
    out.attrs.update(futures=int(values.sizes["sample"]), futures_seed=int(seed), futures_sampler=str(sampler or ""),
                     futures_failed=json.dumps([dict(f) for f in failures]))
    return out


WITHOUT_SHOCK = "without_shock"


def attach_without_shock(ds: xr.Dataset, values: xr.Dataset, *, indicators: Sequence[str]) -> xr.Dataset:
    """``ds`` with each run's indicators in the same run without its shocks (``without_shock``: dims
    ``scenario``, ``time``, ``indicator``), the reference a stress test measures the shock against.

    ``values`` is the runner's output of :func:`cityfutures.plan.without_shocks` of the same plan
    (dims ``(scenario, sample, time)`` or ``(scenario, time)``).
    """
    if "sample" in values.dims:
        values = values.isel(sample=0, drop=True)
    values = values.reindex(scenario=ds["scenario"].values)
    arr = np.stack([np.asarray(values[i].transpose("scenario", "time").values, dtype=float) for i in indicators],
                   axis=-1)
    out = ds.copy()
    out[WITHOUT_SHOCK] = xr.DataArray(arr, dims=("scenario", "time", "indicator"),
                                      coords={"indicator": np.array(list(indicators), dtype=object)},
                                      attrs={"long_name_en": "Indicators of each run without its shocks",
                                             "long_name_id": "Indikator tiap simulasi tanpa guncangannya",
                                             "units": ""})
    return out


def attach_pathways(ds: xr.Dataset, records: Iterable[Mapping[str, Any]]) -> xr.Dataset:
    """``ds`` with the pathways behind its effects as the attribute ``pathways`` (JSON; tuples as lists)."""
    def plain(v):
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, (np.floating, float)):
            return None if not np.isfinite(v) else float(v)
        if isinstance(v, (np.integer, np.bool_)):
            return v.item()
        return v
    out = ds.copy()
    out.attrs["pathways"] = json.dumps([{k: plain(v) for k, v in r.items()} for r in records])
    return out


def model_attrs(model) -> dict[str, Any]:
    """The model's part of a results file's provenance: name, path, hashes, and what charts need of its
    sidecar (focus areas in order with labels and colours, shock labels), as NetCDF-safe attributes."""
    return {
        "model_name": model.name,
        "model_path": str(model.path),
        "model_sha256": model.sha256,
        "model_meta_sha256": _text(model.meta_sha256),
        "focus_areas": json.dumps({k: {"en": fa.en, "id": fa.id, "color": fa.color or ""}
                                   for k, fa in model.focus_areas.items()}),
        "shock_labels": json.dumps({k: {"en": s.label.en, "id": s.label.id} for k, s in model.shocks.items()}),
    }


def json_attr(ds: xr.Dataset, name: str, default: Any = None) -> Any:
    """A JSON-encoded global attribute of a results Dataset, decoded (``default`` if absent)."""
    raw = ds.attrs.get(name)
    if raw is None:
        return default
    if isinstance(raw, (list, dict)):
        return raw
    return json.loads(raw)


# ----------------------------------------------------------------------------- files
def results_csv_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The long CSV table of a results Dataset: ``scenario, variable, units, time, value``."""
    frames = []
    for name, da in ds.data_vars.items():
        if "scenario" not in da.dims or "time" not in da.dims:
            continue
        extra = [d for d in da.dims if d not in ("scenario", "time")]
        da = da.transpose("scenario", "time", *extra)
        s = da.reset_coords(drop=True).to_series()
        frame = s.rename("value").reset_index()
        if extra:
            subs = frame[extra].astype(str).agg(",".join, axis=1)
            frame["variable"] = name + "[" + subs + "]"
            frame = frame.drop(columns=extra)
        else:
            frame["variable"] = name
        frame["units"] = da.attrs.get("units", "")
        frames.append(frame[["scenario", "variable", "units", "time", "value"]])
    if not frames:
        return pd.DataFrame(columns=["scenario", "variable", "units", "time", "value"])
    return pd.concat(frames, ignore_index=True)


_NETCDF_START = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff]")
_NETCDF_BAD = re.compile("[/\x00-\x1f\x7f]")


def _netcdf_name(name: str) -> str:
    """A variable name NetCDF-4 stores: '/' as U+2215 (the division slash), control characters as '_',
    a first character NetCDF refuses (a quote of a quoted Vensim name) after a 'v', no trailing space."""
    out = _NETCDF_BAD.sub("_", str(name).replace("/", "\u2215"))
    if not out or not _NETCDF_START.match(out[0]):
        out = "v" + out
    return out.rstrip() + "_" * (len(out) - len(out.rstrip()))


def netcdf_ready(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with every attribute and coordinate in a form NetCDF stores (JSON text for maps and lists)."""
    out = ds.copy()
    renames, taken = {}, set(out.variables)
    for name in out.data_vars:
        safe = _netcdf_name(name)
        while safe != name and safe in taken:       # two names made one: keep them apart
            safe += "_"
        if safe != name:
            renames[name] = safe
            taken.add(safe)
    for name in renames:      # NetCDF-4 names cannot hold "/": the Vensim name is kept (read_netcdf restores it)
        out[name].attrs["vensim_name"] = name
    out = out.rename(renames)
    for name, value in list(out.attrs.items()):
        if value is None:
            out.attrs[name] = ""
        elif isinstance(value, bool):
            out.attrs[name] = int(value)
        elif isinstance(value, (dict, list, tuple)):
            out.attrs[name] = json.dumps(value)
    for name in list(out.coords):
        if out[name].dtype == object:
            out.coords[name] = out[name].astype(str)
    return out


def _paths(path: str | os.PathLike) -> tuple[Path, Path]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        path = path.with_suffix(".nc")
    elif path.suffix.lower() != ".nc":
        path = path.with_name(path.name + ".nc")
    return path, path.with_suffix(".csv")


def read_netcdf(path: str | os.PathLike, default: str, fmt: str, what: str) -> tuple[xr.Dataset, Path]:
    """A NetCDF file cityfutures wrote (``path``, or ``path/default`` for a folder), checked to be ``fmt``.

    Raises
    ------
    InputError
        The file is missing, is not NetCDF, or its attribute ``format`` is not ``fmt``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / default
    if not path.is_file():
        raise InputError(f"{what} file not found", path=str(path), allowed=f"a {default} written by cityfutures")
    try:
        ds = xr.load_dataset(path, engine="netcdf4")
    except Exception as exc:  # netCDF4/HDF5 raise many kinds; all mean "not a readable NetCDF"
        raise InputError(f"not a readable NetCDF file ({type(exc).__name__})", path=str(path)) from None
    if ds.attrs.get("format") != fmt:
        raise InputError(f"not a cityfutures {what} file (attribute 'format' is missing or wrong)",
                         path=str(path), allowed=f"format = {fmt!r}")
    names = {v: ds[v].attrs.pop("vensim_name") for v in ds.data_vars if isinstance(ds[v].attrs.get("vensim_name"), str)}
    return ds.rename(names), path


def save_results(ds: xr.Dataset, path: str | os.PathLike) -> tuple[Path, Path]:
    """Write a results Dataset as NetCDF and as a long CSV, atomically.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`cityfutures.run` (or :func:`build_results`).
    path : str or path
        ``results.nc`` (``.nc`` is added when missing); the CSV is written next to it
        with the suffix ``.csv``. The folder must exist.

    Returns
    -------
    (Path, Path)
        The NetCDF file and the CSV file.
    """
    nc, csv = _paths(path)
    if not nc.parent.is_dir():
        raise InputError("folder does not exist", path=str(nc.parent))
    ready = netcdf_ready(ds)
    frame = results_csv_frame(ds)
    atomic_write(nc, lambda tmp: ready.to_netcdf(tmp, engine="netcdf4"))
    atomic_write(csv, lambda tmp: frame.to_csv(tmp, index=False))
    return nc, csv


def load_results(path: str | os.PathLike) -> xr.Dataset:
    """Read a results file written by :func:`save_results` and check that it is one.

    Parameters
    ----------
    path : str or path
        The ``.nc`` file, or a folder holding ``results.nc``.

    Raises
    ------
    InputError
        The file is missing, is not NetCDF, or is not a cityfutures results file.
    """
    ds, path = read_netcdf(path, "results.nc", FORMAT, "results")
    if "scenario" not in ds.dims or "time" not in ds.dims:
        raise InputError(f"results file lacks the dims 'scenario' and 'time' (has {', '.join(ds.dims)})",
                         path=str(path))
    missing = [a for a in _REQUIRED_ATTRS if a not in ds.attrs]
    missing += [c for c in _SCENARIO_COORDS if c not in ds.coords]
    if missing:
        raise InputError("results file lacks " + ", ".join(missing), path=str(path))
    return ds
