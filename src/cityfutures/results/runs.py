"""Every variable of many runs, streamed to NetCDF chunk by chunk (memory stays one chunk's worth).

Keeping every variable of 100,000 runs of ``models/jakarta.mdl`` (552 variables, 41 saved times,
float64) is 18 GB: more than a workshop laptop holds. :func:`stream_runs` runs the ensemble in
chunks of runs (one engine call each) and appends each chunk to a NetCDF-4 file along an unlimited
``run`` dimension, so the peak memory is that of one chunk (HDF5's chunk cache is kept to two chunks
per variable). The file is written to a temporary name and renamed into place when complete, and
carries the provenance of a results file (model hash, engine, versions, creation time).

>>> stream_runs("model.mdl", {"Some constant": rng.uniform(0.01, 0.03, 100_000)}, "runs.nc")  # doctest: +SKIP
>>> xr.open_dataset("runs.nc")["Some stock"].sel(run=99_999)                  # doctest: +SKIP
"""
from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

import netCDF4
import numpy as np
import xarray as xr

from .._version import __version__
from ..engine import DEFAULT_ENGINE
from ..engine.simulate import simulate
from ..errors import InputError
from ..files import atomic_write, sha256_file
from ..model import resolve_model_path

__all__ = ["stream_runs", "STREAM_CHUNK_RUNS", "RUNS_FORMAT"]

STREAM_CHUNK_RUNS = 2048
"""Runs per engine call when streaming (about 370 MB of results per chunk for every variable of the Jakarta model)."""
RUNS_FORMAT = "cityfutures-runs"


def stream_runs(model, params: dict | None, path: str | os.PathLike, *, n_runs: int | None = None,
                variables=None, engine: str = DEFAULT_ENGINE, chunk_runs: int = STREAM_CHUNK_RUNS,
                **time) -> Path:
    """Run ``n_runs`` runs of ``model`` and write every kept variable of every run to ``path`` (NetCDF-4).

    Parameters
    ----------
    model : str, Path or Model
    params : dict, optional
        As :func:`cityfutures.simulate`: name -> scalar, array ``(N,)`` or series (a ``DataArray`` with
        dim ``time``, and ``run`` of length N for one series per run).
    path : path
        The ``.nc`` file to write (atomically).
    n_runs : int, optional
        N; inferred from the arrays when omitted.
    variables : list of str, optional
        What to keep (default: every variable).
    engine : {"compiled", "batch", "pysd"}
    chunk_runs : int
        Runs per engine call (the memory held at once).
    **time
        ``start``, ``end``, ``dt``, ``saveper`` as :func:`cityfutures.simulate`.

    Returns
    -------
    Path
        ``path``. Dims ``run`` (unlimited) and ``time``; one float64 variable per Vensim name with
        ``units``; attributes ``format = "cityfutures-runs"``, ``model_path``, ``model_sha256``,
        ``engine``, ``n_runs``, ``failed_runs`` (JSON list of run numbers), ``cityfutures_version``,
        ``created``.
    """
    params = dict(params or {})
    n = _runs(params, n_runs)
    if not isinstance(chunk_runs, int) or chunk_runs < 1:
        raise InputError(f"must be a whole number >= 1, got {chunk_runs!r}", field="chunk_runs")
    model_path = Path(model.path) if hasattr(model, "path") else Path(model)
    if not model_path.is_file():
        model_path = resolve_model_path(model)
    path = Path(path)

    def write(tmp: Path) -> None:
        failed, engines = [], set()
        with netCDF4.Dataset(tmp, "w", format="NETCDF4") as nc:
            for lo in range(0, n, chunk_runs):
                hi = min(n, lo + chunk_runs)
                ds = simulate(model, _slice(params, n, lo, hi), n_runs=hi - lo, variables=variables,
                              engine=engine, **time)
                engines.add(ds.attrs.get("engine", engine))
                failed += [lo + int(r) for r in ds.attrs.get("failed_runs", [])]
                if lo == 0:
                    _define(nc, ds)
                for name, da in ds.data_vars.items():
                    nc.variables[name][lo:hi] = np.asarray(da.transpose("run", "time", ...).values)
                del ds
            nc.setncatts({"format": RUNS_FORMAT, "model_path": str(model_path),
                          "model_sha256": sha256_file(model_path), "engine": ",".join(sorted(engines)),
                          "n_runs": n, "chunk_runs": chunk_runs, "failed_runs": json.dumps(failed),
                          "cityfutures_version": __version__,
                          "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})

    return atomic_write(path, write)


def _define(nc, ds: xr.Dataset) -> None:
    """Dimensions, coordinates and one variable per data variable of the first chunk."""
    nc.createDimension("run", None)
    for dim, size in ds.sizes.items():
        if dim != "run":
            nc.createDimension(dim, size)
    nc.createVariable("run", "i8", ("run",))
    for coord in ds.coords:
        if coord == "run":
            continue
        values = np.asarray(ds[coord].values)
        var = nc.createVariable(coord, values.dtype if values.dtype.kind != "U" else str, (coord,))
        var[:] = values
    for name, da in ds.data_vars.items():
        dims = ("run",) + tuple(d for d in da.dims if d != "run")
        chunks = (min(1024, max(1, ds.sizes["run"])),) + tuple(ds.sizes[d] for d in dims[1:])
        var = nc.createVariable(name, "f8", dims, zlib=False, fill_value=np.nan, chunksizes=chunks)
        # HDF5 keeps written chunks in a cache per variable until it is full (netCDF's default: 16 MiB or
        # more each, gigabytes for a model's hundreds of variables): room for two chunks, written out first
        var.set_var_chunk_cache(size=2 * 8 * int(np.prod(chunks)), nelems=7, preemption=1.0)
        var.units = da.attrs.get("units", "")


def _runs(params: dict, n_runs: int | None) -> int:
    """N from the arrays of ``params`` and ``n_runs``."""
    sizes = set()
    for value in params.values():
        if isinstance(value, xr.DataArray):
            if "run" in value.dims:
                sizes.add(value.sizes["run"])
        elif np.ndim(value) == 1:
            sizes.add(len(value))
    if n_runs is not None:
        sizes.add(int(n_runs))
    if len(sizes) > 1:
        raise InputError(f"parameters disagree on the number of runs: {sorted(sizes)}", field="params")
    return sizes.pop() if sizes else 1


def _slice(params: dict, n: int, lo: int, hi: int) -> dict:
    """The parameters of runs ``lo:hi``."""
    out = {}
    for name, value in params.items():
        if isinstance(value, xr.DataArray):
            out[name] = value.isel(run=slice(lo, hi)) if "run" in value.dims else value
        elif np.ndim(value) == 1 and len(value) == n:
            out[name] = np.asarray(value)[lo:hi]
        else:
            out[name] = value
    return out
