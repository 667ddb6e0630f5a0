"""One function, three engines: run a Vensim or XMILE model for N parameter sets.

``engine="compiled"`` (the default) runs the batch engine's graph as one numba kernel per program
(:mod:`cityfutures.engine.compiled`); ``engine="batch"`` runs every run at once on the vectorised
numpy engine of :mod:`cityfutures.engine.batch` (the compiled engine's fallback and parity
reference); ``engine="pysd"`` runs PySD's own loop, one run at a time (the outer reference). When
the batch graph meets a function it does not support, either engine warns, naming the element and
the function, and the run goes through PySD; when numba cannot compile a kernel the compiled engine
warns and the run goes through the batch engine.

>>> ds = simulate("models/jakarta.mdl", {"Rail transit capacity": [1.0, 1.5, 2.0]})  # doctest: +SKIP
>>> ds["Households"].sel(run=2).values                                               # doctest: +SKIP
"""
from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from xarray.core.indexes import PandasIndex

from ..errors import EngineFallbackWarning, InputError, ModelError, UnsupportedFeatureError
from ..model import resolve_model_path
from ..model.parse import integration_method, parse_model
from ..resources import check_run_size
from . import DEFAULT_ENGINE, check_engine
from .compiled import CompiledModel, KernelError, compile_model as compile_compiled
from .pysd_engine import data_files_near, simulate_pysd

__all__ = ["simulate", "simulate_knockouts", "simulate_table", "data_files_near", "generated_source", "batch_params"]
_CELL = re.compile(r"^(.*)\[([^\[\]]*)\]$")


def simulate(model, params=None, *, engine: str = DEFAULT_ENGINE, n_runs: int | None = None,
             start: float | None = None, end: float | None = None, dt: float | None = None,
             saveper: float | None = None, variables=None, method: str | None = None,
             data_files=None, hold=None, cut=None, scalar: bool | None = None) -> xr.Dataset:
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
    engine : {"compiled", "batch", "pysd"}
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
    scalar : bool, optional
        Batch engine (also where the compiled engine hands a run to it: RK4, a kernel numba cannot
        compile): None lets it run up to 16 runs on its plain-float path (fastest for one run);
        False always runs the vectorised path, so that a run's numbers do not depend on how many
        runs share the call (the last bits of ``math.exp`` and ``numpy.exp`` differ). The compiled
        engine runs every run through the same kernel whatever their number.
    hold : dict, optional
        Variable name -> trajectory (the forms of ``params``): any variable -- a constant, an
        auxiliary, a flow or a stock -- takes these values in the run, as seen by every
        equation that reads it. Every engine (PySD through ``set_components``). On the compiled and
        batch engines a run whose row of a trajectory is NaN is not held: the variable follows its own
        equation there (so that one call can hold different variables in different runs).
    cut : dict, optional
        ``(source, target)`` -> trajectory: only ``target``'s equation sees ``source`` as these
        values (a link cut); every other equation reads ``source``. Compiled and batch engines; a NaN
        row leaves the link whole in that run.

    Returns
    -------
    xarray.Dataset
        Dims ``run`` and ``time`` (plus subscript dims); one variable per Vensim name with
        attrs ``units``; ``attrs["failed_runs"]`` lists runs with non-finite results or
        errors, ``attrs["errors"]`` maps a run that raised to its message, ``attrs["engine"]``
        names the engine that ran.
    """
    check_engine(engine)
    path = _model_path(model)
    values, lengths = _normalise(params)
    held, held_lengths = _normalise(hold, field="hold", nan_rows=engine in ("compiled", "batch"))
    if cut is not None and not isinstance(cut, Mapping):
        raise InputError(f"must map (source, target) pairs to trajectories, got a {type(cut).__name__}", field="cut")
    for key in (cut or {}):
        if not (isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, str) for k in key)):
            raise InputError(f"a link is a pair of names (source, target), got {key!r}", field="cut")
    cuts, cut_lengths = _normalise({f"{s} -> {tg}": v for (s, tg), v in (cut or {}).items()}, field="cut",
                                   nan_rows=True)
    cuts = {pair: cuts[f"{pair[0]} -> {pair[1]}"] for pair in (cut or {})}
    n = _agree(lengths | held_lengths | cut_lengths, n_runs, "params")
    kw = _time_settings(start=start, end=end, dt=dt, saveper=saveper)
    if variables is not None:
        if isinstance(variables, str) or not all(isinstance(v, str) for v in variables):
            raise InputError("must be a list of variable names", field="variables",
                             allowed="e.g. ['Households', 'Travel time']")
    if engine in ("compiled", "batch"):
        parse_model(path)         # a bad file ends here (ModelError), on these engines as on PySD's
        try:
            bm = _compiled(str(path), path.stat().st_mtime_ns)
        except UnsupportedFeatureError as exc:
            warnings.warn(f"{exc}; running with PySD instead", EngineFallbackWarning, stacklevel=2)
            engine = "pysd"
        except ModelError as exc:  # e.g. a loop only ACTIVE INITIAL breaks: PySD decides
            if exc.path == str(path):  # the file itself cannot be read: PySD reads it the same way
                raise
            warnings.warn(f"batch engine cannot compile the model ({exc}); running with PySD "
                          "instead", EngineFallbackWarning, stacklevel=2)
            engine = "pysd"
        else:
            t0, t1, step, every = bm.control()
            first, last = (t0 if start is None else start), (t1 if end is None else end)
            if (start is not None or end is not None) and not first < last:
                raise InputError(f"the run would start at {first:g} and end at {last:g}",
                                 field="start" if start is not None else "end",
                                 allowed=f"a start before the end (the model runs {t0:g} to {t1:g})")
            check_run_size(first, last, step if dt is None else dt, every if saveper is None else saveper, n,
                           len(variables) if variables is not None else len(bm.labels), path=str(path))
            job = bm.batch.prepare({k: _batch_value(v) for k, v in values.items()}, n_runs=n,
                                   variables=variables, method=bm.batch.method if method is None else method,
                                   hold={k: _batch_value(v) for k, v in held.items()} or None,
                                   cut={k: _batch_value(v) for k, v in cuts.items()} or None, **kw)
            ran = "batch"
            if engine == "compiled" and job.method == "euler":     # RK4 runs on the batch engine
                try:
                    times, table = bm.integrate(job)
                    ran = "compiled"
                except KernelError as exc:
                    warnings.warn(f"{exc}; running on the batch engine instead", EngineFallbackWarning,
                                  stacklevel=2)
            if ran == "batch":
                times, table = bm.batch.integrate(job, scalar=scalar)
            return _dataset(times, table, n, bm.units, bm.element_dims, bm.graph.subscripts.ranges, ran)
    if method is None and _file_method(model, path) != "euler":
        raise InputError(f"the model asks for {_file_method(model, path).upper()} (<sim_specs method>) "
                         "and PySD integrates with Euler only", field="method", path=str(path),
                         allowed="method='euler' (--method euler) to run it with Euler, or the batch engine")
    if method not in (None, "euler"):
        raise InputError("PySD integrates with Euler only", field="method", allowed="euler")
    if cuts:
        raise InputError("the pysd engine cannot cut a link (PySD replaces a variable for every equation "
                         "that reads it)", field="cut", allowed="engine='batch'")
    times, table, units, errors = simulate_pysd(model, path, {**values, **held}, n, variables,
                                                data_files=data_files, **kw)
    ds = _dataset(times, table, n, units, {}, {}, "pysd")
    ds.attrs["failed_runs"] = sorted(set(ds.attrs["failed_runs"]) | set(errors))
    ds.attrs["errors"] = {int(r): m for r, m in errors.items()}
    return ds


def simulate_knockouts(model, params, links, reference, *, start: float | None = None,
                       end: float | None = None, dt: float | None = None, variables=None) -> xr.Dataset | None:
    """Link knockouts on the compiled engine: run ``r`` cuts link ``links[r]`` (one run per link), all in
    the model's one knockout kernel (:meth:`cityfutures.engine.compiled.CompiledModel.run_knockouts`).

    The narrow path of :func:`cityfutures.analysis.knockout.knockout`: the same runs as :func:`simulate`
    with ``cut`` giving each link its source's reference trajectory in its own run (NaN in the others),
    without building those per-run series or a program of the cuts.

    Parameters
    ----------
    model, params, start, end, dt, variables
        As :func:`simulate` (``params`` of one run; saved at every step: ``saveper = dt``).
    links : list of (source, target)
        Element names, one link per run.
    reference : mapping of source -> (times, values)
        Each source's reference trajectory, two 1-D arrays [time units], [the source's units].

    Returns
    -------
    xarray.Dataset or None
        As :func:`simulate`; None where the compiled engine does not run these knockouts (a link outside the
        knockout kernel, a model on RK4 or PySD, a kernel numba cannot compile): run them with ``cut``.
    """
    path = _model_path(model)
    reference = {source: tuple(np.asarray(a, dtype=float) for a in reference[source]) for source, _t in links}
    if any(ys.ndim != 1 for _xs, ys in reference.values()):        # a subscripted source
        return None
    values, _ = _normalise(params)
    try:
        bm = _compiled(str(path), path.stat().st_mtime_ns)
    except (UnsupportedFeatureError, ModelError):
        return None
    job = bm.batch.prepare({k: _batch_value(v) for k, v in values.items()}, n_runs=len(links), variables=variables,
                           method=bm.batch.method, **_time_settings(start=start, end=end, dt=dt, saveper=dt))
    if job.method != "euler":
        return None
    try:
        ran = bm.run_knockouts(job, list(links), reference)
    except KernelError as exc:
        warnings.warn(f"{exc}; running on the batch engine instead", EngineFallbackWarning, stacklevel=2)
        return None
    if ran is None:
        return None
    return _dataset(*ran, len(links), bm.units, bm.element_dims, bm.graph.subscripts.ranges, "compiled")


def simulate_table(model, engine: str = DEFAULT_ENGINE, data_files=None, method: str | None = None) -> pd.DataFrame:
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


def generated_source(model) -> str:
    """The Python source the batch engine runs for ``model`` as it stands (every variable kept).

    Variables are named after their Vensim names and each model cell carries its equation as a
    comment; the single-run program (when the model has one) follows the vectorised one.

    Raises
    ------
    UnsupportedFeatureError
        The batch engine cannot run the model (names the element and the function).
    """
    path = _model_path(model)
    bm = _compiled(str(path), path.stat().st_mtime_ns).batch
    prog = bm.program({}, tuple(bm.labels))
    text = prog.source
    if prog.scalar_source:
        text += ("\n\n# ---- the same model for one run in plain floats (the engine's path for small ensembles)\n"
                 + prog.scalar_source)
    return text


# ----------------------------------------------------------------------------- helpers
def _model_path(model) -> Path:
    if hasattr(model, "path"):
        return Path(model.path)
    path = Path(model)
    if not path.is_file():
        return resolve_model_path(model)
    return path.resolve()


def _file_method(model, path: Path) -> str:
    """The integration method the model file asks for (``Model.method`` when loaded)."""
    return model.method if hasattr(model, "method") else integration_method(path)


@lru_cache(maxsize=16)
def _compiled(path: str, mtime: int) -> CompiledModel:
    """The model of a file for the compiled and batch engines, built once per (path, modification time).

    Its programs and kernels (one per set of overrides and outputs) are cached on it, so a dashboard
    calling :func:`simulate` on every slider move compiles nothing after the first call.
    """
    return compile_compiled(path)


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


def _as_floats(name: str, value, field: str = "params", nan_rows: bool = False) -> np.ndarray:
    """``value`` as a float array, or an InputError naming the parameter.

    With ``nan_rows``, a run's row (the first axis of a 2-D array) may be NaN throughout: that run is
    not overridden (holds and cuts on the compiled and batch engines).
    """
    if type(value) in (float, int, np.float64) and math.isfinite(value):     # a plain number (a slider's value)
        return np.float64(value)
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"must be a number or an array of numbers, got {value!r}"[:200],
                         field=f"{field}.{name}") from None
    ok = np.isfinite(arr)
    if nan_rows and arr.ndim == 2:
        ok |= np.isnan(arr).all(axis=1, keepdims=True)
    if not np.all(ok):
        raise InputError("must be finite (no NaN or infinity)" + (" except whole runs left to their own equation"
                         if nan_rows else ""), field=f"{field}.{name}")
    return arr


def _normalise_params(params, n_runs, field: str = "params"):
    """Params as name -> scalar | (N,) array | DataArray(time[, run]); and N."""
    values, lengths = _normalise(params, field)
    return values, _agree(lengths, n_runs, field)


def _agree(lengths: set, n_runs, field: str) -> int:
    """N from the lengths found and ``n_runs``; an InputError when they disagree."""
    if n_runs is not None and (isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer))
                               or n_runs < 1):
        raise InputError(f"must be a whole number of runs >= 1, got {n_runs!r}", field="n_runs")
    lengths = set(lengths) | ({int(n_runs)} if n_runs is not None else set())
    if len(lengths) > 1:
        raise InputError(f"parameters disagree on the number of runs: {sorted(lengths)}", field=field)
    return lengths.pop() if lengths else 1


def _normalise(params, field: str = "params", nan_rows: bool = False) -> tuple[dict, set]:
    """Params as name -> scalar | (N,) array | DataArray(time[, run]); and the run counts they imply.

    ``nan_rows``: a series' run may be NaN throughout (not overridden in that run)."""
    if params is None:
        return {}, set()
    if isinstance(params, pd.DataFrame):
        params = {c: _as_floats(str(c), params[c].to_numpy(), field) for c in params.columns}
    if not isinstance(params, Mapping):
        raise InputError(f"must map constant names to values, got a {type(params).__name__}", field=field,
                         allowed="a dict {name: value} or a DataFrame with one row per run")
    values, lengths = {}, set()
    for name, value in params.items():
        if not isinstance(name, str):
            raise InputError(f"names must be text, got {name!r}", field=field)
        if isinstance(value, pd.Series):
            value = xr.DataArray(_as_floats(name, value.to_numpy(), field),
                                 {"time": _as_floats(name, value.index, field)}, ["time"])
        if isinstance(value, xr.DataArray):
            if "time" not in value.dims or set(value.dims) - {"time", "run"}:
                raise InputError(f"a series must have dim 'time' (and optionally 'run'), "
                                 f"got {value.dims}", field=f"{field}.{name}")
            value = value.transpose(*[d for d in ("run", "time") if d in value.dims])
            _as_floats(name, value.values, field, nan_rows=nan_rows)
            _as_floats(name, value["time"].values, field)
            if "run" in value.dims:
                lengths.add(value.sizes["run"])
        else:
            arr = _as_floats(name, value, field)
            if arr.ndim > 1:
                raise InputError(f"expected a scalar or an array of length N, got shape {arr.shape}",
                                 field=f"{field}.{name}")
            if arr.ndim == 1:
                lengths.add(len(arr))
            value = float(arr) if arr.ndim == 0 else arr
        values[name] = value
    return values, lengths


def batch_params(params) -> dict:
    """``params`` (the forms :func:`simulate` takes, checked as it checks them) in the batch engine's form:
    a number, an ``(N,)`` array, or a series as ``(times, values)``."""
    values, _lengths = _normalise(params)
    return {k: _batch_value(v) for k, v in values.items()}


def _batch_value(value):
    if isinstance(value, xr.DataArray):
        return (value["time"].values.astype(float), value.values.astype(float))
    return value


def _dataset(times, table: dict, n: int, units: dict, dims: dict, ranges: dict,
             engine: str) -> xr.Dataset:
    """Group cell columns ``Name[a,b]`` into one variable per element."""
    if not any(label.endswith("]") for label in table):      # no subscripts: one array per variable
        return _flat_dataset(times, table, n, units, engine)
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
    ds.attrs["errors"] = {}
    ds.attrs["engine"] = engine
    return ds


def _flat_dataset(times, table: dict, n: int, units: dict, engine: str) -> xr.Dataset:
    """:func:`_dataset` of unsubscripted variables: each ``(time, run)`` array becomes a ``(run, time)``
    variable as it is (a transposed view, no copy), and the Dataset is assembled directly, without
    xarray's alignment and merge (nothing to align: every variable has the same two dims), so that one
    run costs little more than the engine."""
    times = np.asarray(times, dtype=float)
    data = {name: _variable(("run", "time"), np.asarray(arr, dtype=float).T, {"units": units.get(name, "")})
            for name, arr in table.items()}
    failed = set()
    for var in data.values() if not _all_finite(table.values()) else ():
        values = var.values
        bad = ~np.isfinite(values)
        if bad.any():
            finite = ~bad | np.isnan(values).all(axis=0)
            failed |= set(np.nonzero(~finite.all(axis=1))[0].tolist())
    (run_var, run_index), (time_var, time_index) = _axis("run", n, None), _axis("time", len(times), times)
    data["run"], data["time"] = run_var, time_var
    attrs = {"failed_runs": sorted(int(r) for r in failed), "errors": {}, "engine": engine}
    # xarray's own constructor of a Dataset from consistent parts (what its operations return through)
    return xr.Dataset._construct_direct(data, {"run", "time"}, {"run": n, "time": len(times)}, attrs,
                                        {"run": run_index, "time": time_index})


_VARIABLE_SLOTS = {"_dims", "_data", "_attrs", "_encoding"}


def _filled_variable(dims: tuple, data: np.ndarray, attrs: dict) -> xr.Variable:
    """An ``xr.Variable`` of a float array whose dims are already right, with its four fields set directly:
    ``Variable.__init__`` re-checks what :func:`_flat_dataset` knows (about 1 us a variable, a quarter of a
    single run's Dataset)."""
    var = object.__new__(xr.Variable)
    var._dims, var._data, var._attrs, var._encoding = dims, data, attrs, None
    return var


def _variable_maker():
    """:func:`_filled_variable` where this xarray's ``Variable`` holds exactly those four fields and the
    result is identical to the constructor's; else the constructor (fast path)."""
    def public(dims, data, attrs):
        return xr.Variable(dims, data, attrs, fastpath=True)

    slots = {s for cls in xr.Variable.__mro__ for s in getattr(cls, "__slots__", ())}
    probe = np.arange(6.0).reshape(2, 3)
    try:
        same = slots == _VARIABLE_SLOTS and _filled_variable(("run", "time"), probe, {"units": "u"}).identical(
            public(("run", "time"), probe, {"units": "u"}))
    except Exception:  # noqa: BLE001 - any change in xarray's internals: use its constructor
        same = False
    return _filled_variable if same else public


_variable = _variable_maker()

_ONE_CHECK = 2**20
"""Values up to which :func:`_all_finite` checks every array in one call (on one copy of them all)."""


def _all_finite(arrays) -> bool:
    """Whether every value of ``arrays`` is finite: one call on a joined copy when they are small (a single
    run: one call instead of one per variable), else array by array."""
    arrays = list(arrays)
    if sum(a.size for a in arrays) <= _ONE_CHECK:
        return bool(np.isfinite(np.concatenate([a.reshape(-1) for a in arrays])).all()) if arrays else True
    return all(np.isfinite(a).all() for a in arrays)


_AXES: dict = {}


def _axis(dim: str, size: int, values) -> tuple:
    """The coordinate variable and index of a dimension (immutable: shared by the datasets of equal axes)."""
    key = (dim, size, None if values is None else values.tobytes())
    if key not in _AXES:
        if len(_AXES) > 64:
            _AXES.clear()
        data = np.arange(size) if values is None else np.array(values)
        data.flags.writeable = False
        index = pd.RangeIndex(size, name=dim) if values is None else pd.Index(data, name=dim)
        _AXES[key] = (xr.IndexVariable(dim, data), PandasIndex(index, dim))
    return _AXES[key]
