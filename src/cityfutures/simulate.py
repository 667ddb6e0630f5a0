"""One function, two engines: run a Vensim model for N parameter sets.

``engine="batch"`` (the default) runs every run at once on the vectorised engine of
:mod:`cityfutures.batch`; ``engine="pysd"`` runs PySD's own loop, one run at a time (the
reference). When the batch engine meets a function it does not support it warns, naming
the element and the function, and the run goes through PySD.

>>> ds = simulate("models/jakarta.mdl", {"Rail transit capacity": [1.0, 1.5, 2.0]})  # doctest: +SKIP
>>> ds["Population"].sel(run=2).values                                               # doctest: +SKIP
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .errors import InputError, ModelError, RunError, UnsupportedFeatureError

__all__ = ["simulate", "simulate_table", "data_files_near", "ENGINES"]

ENGINES = ("batch", "pysd")
_CELL = re.compile(r"^(.*)\[([^\[\]]*)\]$")


def simulate(model, params=None, *, engine: str = "batch", n_runs: int | None = None,
             start: float | None = None, end: float | None = None, dt: float | None = None,
             saveper: float | None = None, variables=None, method: str | None = None,
             data_files=None) -> xr.Dataset:
    """Run a model for N parameter sets.

    Parameters
    ----------
    model : str, Path or Model
        A model file (Vensim ``.mdl``; XMILE ``.xmile``, ``.xml``, ``.stmx``) or a model from
        :func:`cityfutures.load_model`.
    params : dict or DataFrame, optional
        Constant (or variable) name -> scalar, array of length N, ``pandas.Series`` indexed
        by time, or ``xarray.DataArray`` with dim ``time`` (optionally ``run``): a series is
        linearly interpolated and held flat outside its points, as PySD does. A DataFrame
        has one row per run and one column per name.
    engine : {"batch", "pysd"}
    n_runs : int, optional
        N; inferred from the parameters when omitted.
    start, end, dt, saveper : float, optional
        Override the model's INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER [time units].
    variables : list of str, optional
        Names to keep (default: every variable).
    method : {"euler", "rk4"}, optional
        Integration method; by default the model's own (XMILE ``<sim_specs method>``; Euler
        for Vensim text). PySD integrates with Euler only.
    data_files : list of str or Path, optional
        Tabular files (``.tab``/``.csv``) holding the model's DATA variables; by default
        the ones next to the model (:func:`data_files_near`).

    Returns
    -------
    xarray.Dataset
        Dims ``run`` and ``time`` (plus subscript dims); one variable per Vensim name with
        attrs ``units``; ``attrs["failed_runs"]`` lists runs with non-finite results or
        errors, ``attrs["engine"]`` the engine that ran.
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    path = _model_path(model)
    values, n = _normalise_params(params, n_runs)
    kw = _time_settings(start=start, end=end, dt=dt, saveper=saveper)
    if variables is not None:
        if isinstance(variables, str) or not all(isinstance(v, str) for v in variables):
            raise InputError("must be a list of variable names", field="variables",
                             allowed="e.g. ['Population', 'Congestion level']")
    if engine == "batch":
        try:
            bm = _compiled(str(path), path.stat().st_mtime_ns)
        except UnsupportedFeatureError as exc:
            warnings.warn(f"{exc}; running with PySD instead", stacklevel=2)
            engine = "pysd"
        except ModelError as exc:  # e.g. a loop only ACTIVE INITIAL breaks: PySD decides
            if exc.path == str(path):  # the file itself cannot be read: PySD reads it the same way
                raise
            warnings.warn(f"batch engine cannot compile the model ({exc}); running with PySD "
                          "instead", stacklevel=2)
            engine = "pysd"
        else:
            if start is not None or end is not None:
                t0, t1, _, _ = bm.control()
                first, last = (t0 if start is None else start), (t1 if end is None else end)
                if not first < last:
                    raise InputError(f"the run would start at {first:g} and end at {last:g}",
                                     field="start" if start is not None else "end",
                                     allowed=f"a start before the end (the model runs {t0:g} to {t1:g})")
            batch_params = {k: _batch_value(v) for k, v in values.items()}
            times, table = bm.run(batch_params, n_runs=n, variables=variables,
                                  method=bm.method if method is None else method, **kw)
            return _dataset(times, table, n, bm.units, bm.element_dims,
                            bm.graph.subscripts.ranges, "batch")
    if method is None and _file_method(model, path) != "euler":
        raise InputError(f"the model asks for {_file_method(model, path).upper()} (<sim_specs method>) "
                         "and PySD integrates with Euler only", field="method", path=str(path),
                         allowed="method='euler' (--method euler) to run it with Euler, or the batch engine")
    if method not in (None, "euler"):
        raise InputError("PySD integrates with Euler only", field="method", allowed="euler")
    return _simulate_pysd(model, path, values, n, variables, data_files=data_files, **kw)


def simulate_table(model, engine: str = "batch", data_files=None, method: str | None = None) -> pd.DataFrame:
    """One run of a model as it stands: a table of every variable at the saved times.

    Columns are named as Vensim exports them (``Name`` or ``Name[a,b]``); the index is
    the saved time, named ``Time``. ``data_files`` and ``method`` as in :func:`simulate`.
    """
    ds = simulate(model, engine=engine, data_files=data_files, method=method)
    columns = {}
    for name, da in ds.data_vars.items():
        da = da.isel(run=0)
        extra = [d for d in da.dims if d != "time"]
        if not extra:
            columns[name] = da.values
            continue
        stacked = da.stack(_cell=extra).transpose("time", "_cell")
        for j, cell in enumerate(stacked["_cell"].values):
            cell = cell if isinstance(cell, tuple) else (cell,)
            col = stacked.values[:, j]
            if not np.all(np.isnan(col)):
                columns[f"{name}[{','.join(cell)}]"] = col
    return pd.DataFrame(columns, index=pd.Index(ds["time"].values, name="Time"))


# ----------------------------------------------------------------------------- helpers
def _model_path(model) -> Path:
    if hasattr(model, "path"):
        return Path(model.path)
    path = Path(model)
    if not path.is_file():
        from .model import resolve_model_path
        return resolve_model_path(model)
    return path.resolve()


def _file_method(model, path: Path) -> str:
    """The integration method the model file asks for (``Model.method`` when loaded)."""
    if hasattr(model, "method"):
        return model.method
    from .model_file import integration_method
    return integration_method(path)


@lru_cache(maxsize=16)
def _compiled(path: str, mtime: int):
    """The batch model of a file, compiled once per (path, modification time).

    Its programs (one per set of overrides and outputs) are cached on it, so a dashboard
    calling :func:`simulate` on every slider move compiles nothing after the first call.
    """
    from .batch import compile_model
    return compile_model(path)


def _time_settings(**kw) -> dict:
    """The time arguments of :func:`simulate`, checked: finite numbers, positive steps, start < end."""
    for key, value in kw.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not np.isfinite(value):
            raise InputError(f"must be a finite number, got {value!r}", field=key)
        if key in ("dt", "saveper") and not value > 0:
            raise InputError(f"must be positive, got {value!r}", field=key, allowed="a number > 0 [time units]")
    if kw["start"] is not None and kw["end"] is not None and not kw["start"] < kw["end"]:
        raise InputError(f"start {kw['start']!r} must be before end {kw['end']!r}", field="start")
    return kw


def _as_floats(name: str, value) -> np.ndarray:
    """``value`` as a float array, or an InputError naming the parameter."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"must be a number or an array of numbers, got {value!r}"[:200],
                         field=f"params.{name}") from None
    if not np.all(np.isfinite(arr)):
        raise InputError("must be finite (no NaN or infinity)", field=f"params.{name}")
    return arr


def _normalise_params(params, n_runs):
    """Params as name -> scalar | (N,) array | DataArray(time[, run]); and N."""
    if n_runs is not None and (isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer))
                               or n_runs < 1):
        raise InputError(f"must be a whole number of runs >= 1, got {n_runs!r}", field="n_runs")
    if params is None:
        return {}, int(n_runs or 1)
    if isinstance(params, pd.DataFrame):
        params = {c: _as_floats(str(c), params[c].to_numpy()) for c in params.columns}
    if not isinstance(params, Mapping):
        raise InputError(f"must map constant names to values, got a {type(params).__name__}", field="params",
                         allowed="a dict {name: value} or a DataFrame with one row per run")
    values, lengths = {}, set()
    for name, value in params.items():
        if not isinstance(name, str):
            raise InputError(f"names must be text, got {name!r}", field="params")
        if isinstance(value, pd.Series):
            value = xr.DataArray(_as_floats(name, value.to_numpy()), {"time": _as_floats(name, value.index)},
                                 ["time"])
        if isinstance(value, xr.DataArray):
            if "time" not in value.dims or set(value.dims) - {"time", "run"}:
                raise InputError(f"a series must have dim 'time' (and optionally 'run'), "
                                 f"got {value.dims}", field=f"params.{name}")
            value = value.transpose(*[d for d in ("run", "time") if d in value.dims])
            _as_floats(name, value.values)
            _as_floats(name, value["time"].values)
            if "run" in value.dims:
                lengths.add(value.sizes["run"])
        else:
            arr = _as_floats(name, value)
            if arr.ndim > 1:
                raise InputError(f"expected a scalar or an array of length N, got shape {arr.shape}",
                                 field=f"params.{name}")
            if arr.ndim == 1:
                lengths.add(len(arr))
            value = float(arr) if arr.ndim == 0 else arr
        values[name] = value
    if n_runs is not None:
        lengths.add(int(n_runs))
    if len(lengths) > 1:
        raise InputError(f"parameters disagree on the number of runs: {sorted(lengths)}",
                         field="params")
    return values, (lengths.pop() if lengths else 1)


def _batch_value(value):
    if isinstance(value, xr.DataArray):
        return (value["time"].values.astype(float), value.values.astype(float))
    return value


def _dataset(times, table: dict, n: int, units: dict, dims: dict, ranges: dict,
             engine: str) -> xr.Dataset:
    """Group cell columns ``Name[a,b]`` into one variable per element."""
    groups: dict = {}
    for label, arr in table.items():
        m = _CELL.match(label)
        name, cell = (m.group(1), tuple(m.group(2).split(","))) if m else (label, ())
        groups.setdefault(name, {})[cell] = arr
    data = {}
    failed = set()
    for name, cells in groups.items():
        attrs = {"units": units.get(name, "")}
        if list(cells) == [()]:  # a Variable, not a DataArray: nothing to align (fast)
            arr = np.asarray(cells[()], dtype=float).T
            data[name] = xr.Variable(("run", "time"), arr, attrs=attrs)
        else:
            width = len(next(iter(cells)))
            names = list(dims.get(name) or [])
            if len(names) != width:
                names = [f"{name} dim{i}" for i in range(width)]
            coords = []
            for i, d in enumerate(names):
                coord = list(ranges.get(d, []))
                coord += [c for c in dict.fromkeys(cell[i] for cell in cells) if c not in coord]
                coords.append(coord)
            names = [d if names.index(d) == i else f"{d}_{i}" for i, d in enumerate(names)]
            shape = (n, len(times)) + tuple(len(c) for c in coords)
            arr = np.full(shape, np.nan)
            for cell, values in cells.items():
                idx = tuple(coords[i].index(c) for i, c in enumerate(cell))
                arr[(slice(None), slice(None)) + idx] = np.asarray(values, dtype=float).T
            data[name] = xr.DataArray(arr, dims=("run", "time", *names),
                                      coords=dict(zip(names, coords)), attrs=attrs)
        flat = data[name].values.reshape(n, -1)
        bad = ~np.isfinite(flat)
        if bad.any():
            finite = ~bad | np.isnan(flat).all(axis=0)
            failed |= set(np.nonzero(~finite.all(axis=1))[0].tolist())
    ds = xr.Dataset(data, coords={"run": np.arange(n), "time": np.asarray(times, dtype=float)})
    ds.attrs["failed_runs"] = sorted(int(r) for r in failed)
    ds.attrs["engine"] = engine
    return ds


def _simulate_pysd(model, path: Path, values: dict, n: int, variables, *, start, end, dt,
                   saveper, data_files=None) -> xr.Dataset:
    """PySD's loop, one run at a time (the reference engine)."""
    if hasattr(model, "translation"):
        translation = model.translation
    else:  # not load_model: it initialises the model where its external files are missing
        from .model import _sha256, _translate
        translation = _translate(path, _sha256(path))
    pm = _pysd_model(translation, path, data_files)
    units = {}
    for row in pm.doc.itertuples(index=False):
        units[row[0]] = row.Units.strip() if isinstance(row.Units, str) else ""
    columns = None if variables is None else list(variables)
    table: dict = {}
    times = None
    errors = []
    for r in range(n):
        run_params = {}
        for name, value in values.items():
            if isinstance(value, xr.DataArray):
                row = value.isel(run=r) if "run" in value.dims else value
                run_params[name] = pd.Series(row.values, index=row["time"].values)
            elif isinstance(value, np.ndarray):
                run_params[name] = float(value[r])
            else:
                run_params[name] = value
        kwargs = dict(params=run_params, return_columns=columns, final_time=end, time_step=dt,
                      saveper=saveper, progress=False)
        if start is not None:
            kwargs["initial_condition"] = (start, {})
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                df = pm.run(**kwargs)
        except Exception as exc:  # one failed run is recorded, not fatal
            errors.append((r, f"{type(exc).__name__}: {exc}"))
            continue
        if times is None:
            times = df.index.to_numpy(dtype=float)
            table = {c: np.full((len(times), n), np.nan) for c in df.columns}
        for c in df.columns:
            table[c][:, r] = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
    if times is None:
        raise RunError(f"every PySD run failed; first error: {errors[0][1]}")
    ds = _dataset(times, table, n, units, {}, {}, "pysd")
    ds.attrs["failed_runs"] = sorted(set(ds.attrs["failed_runs"]) | {r for r, _ in errors})
    return ds


DATA_SUFFIXES = (".tab", ".csv")
"""Files PySD reads DATA variables from (Vensim's tabular exports)."""


def data_files_near(path: Path, exclude=()) -> list:
    """Tabular files next to a model that its DATA variables may be read from.

    Vensim takes the data of a DATA variable (``name :=`` with no equation) from files the
    user loads with the run; a model run from the command line looks for them next to the
    model: every ``.tab`` and ``.csv`` file of its folder, except canonical outputs
    (``output.*``) and the files in ``exclude`` (the table being written). PySD reads a
    variable from the first file holding a column of its name.
    """
    skip = {Path(p).resolve() for p in exclude}
    return sorted(str(p) for p in Path(path).parent.iterdir()
                  if p.is_file() and p.suffix.lower() in DATA_SUFFIXES
                  and p.stem.lower() != "output" and p.resolve() not in skip)


def _pysd_model(translation: Path, path: Path, data_files=None):
    """A PySD model from a cached translation, its external files read next to ``path``.

    The translation lives in the cache, so GET XLS/GET DIRECT files (named relative to
    the model file) are resolved against the model's own folder, and DATA variables are
    read from ``data_files`` (default: :func:`data_files_near`).
    """
    import pysd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pm = pysd.load(str(translation), initialize=False)
            _set_external_root(pm, path.parent)
            if pm._data_elements:
                files = data_files_near(path) if data_files is None else list(data_files)
                if not files:
                    names = ", ".join(e.real_name for e in pm._data_elements)
                    raise InputError(f"the DATA variables {names} need a data file (.tab or "
                                     f".csv) next to the model", path=str(path))
                pm._get_data([str(Path(f).resolve()) for f in files], None)
            pm.initialize()
        except InputError:
            raise
        except Exception as exc:
            raise RunError(f"PySD cannot initialise the model: {type(exc).__name__}: {exc}"
                           .splitlines()[0][:500]) from exc
    return pm


def _set_external_root(pm, root: Path) -> None:
    """Point the external objects of a PySD model (and of its macros) at ``root``."""
    for ext in pm._external_elements:
        ext.root = root
    for macro in getattr(pm, "_macro_elements", []):
        _set_external_root(macro, root)
