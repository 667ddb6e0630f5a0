"""PySD's own run of a model (the reference engine), one run at a time, with its external files.

The translation lives in the user cache, so GET XLS/GET DIRECT files (named relative to the
model file) are resolved against the model's own folder, and DATA variables are read from the
tabular files next to the model (or the ones given).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pysd
import xarray as xr

from ..errors import InputError, RunError
from ..files import sha256_file
from ..model.load import translate
from ..resources import check_run_size

__all__ = ["simulate_pysd", "data_files_near", "DATA_SUFFIXES"]


def simulate_pysd(model, path: Path, values: dict, n: int, variables, *, start, end, dt,
                  saveper, data_files=None) -> tuple[np.ndarray, dict, dict, dict]:
    """PySD's loop, one run at a time (the reference engine).

    Returns
    -------
    times : ndarray (T,)
        The saved times.
    table : dict
        Column (``Name`` or ``Name[a,b]``) -> ndarray ``(T, N)``; NaN for runs that raised.
    units : dict
        Vensim name -> units.
    errors : dict
        Run index -> message, for the runs that raised (a failed run is recorded, not fatal).

    Raises
    ------
    RunError
        Every run failed.
    """
    if hasattr(model, "translation"):
        translation = model.translation
    else:  # not load_model: it initialises the model where its external files are missing
        translation = translate(path, sha256_file(path))
    pm = _pysd_model(translation, path, data_files)
    try:
        control = {k: float(getattr(pm.components, k)()) for k in ("initial_time", "final_time", "time_step",
                                                                      "saveper")}
    except Exception:  # noqa: BLE001 - time settings PySD computes during the run: checked by the run
        control = None
    if control is not None:
        check_run_size(control["initial_time"] if start is None else start,
                       control["final_time"] if end is None else end,
                       control["time_step"] if dt is None else dt, control["saveper"] if saveper is None else saveper,
                       n, len(variables) if variables is not None else len(pm.doc), path=str(path))
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
    return times, table, units, dict(errors)


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
