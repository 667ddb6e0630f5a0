"""The ensemble dataset: paired runs over sampled futures, reduced chunk by chunk in bounded memory.

:func:`reduce_ensemble` takes the runner's chunks (every run of the plan in a chunk of futures,
as period means: see :mod:`cityfutures.plan.periods`) and keeps, per indicator, scenario and
period, the quantiles of the values and of the paired differences to the baseline
(:class:`QuantileSketch`), the share of futures in which each scenario beats the baseline, and
each run's value in the last period (for the robust tables and scenario discovery). Memory does
not grow with the number of trajectories.

The dataset (dims ``indicator``, ``measure``, ``scenario``, ``quantile``, ``time``, ``sample``)
carries its provenance as attributes, like the scenario results (:mod:`.dataset`):
``format = "cityfutures-ensemble"``, the model's name, path and hashes, seed, samples, sampler,
executor, failed runs (JSON list of {scenario, sample, error}), ``every`` and ``time_aggregation``,
versions and the creation time. :func:`save_ensemble` writes it as NetCDF (atomically) and
:func:`load_ensemble` reads it back and checks it is one.
"""
from __future__ import annotations

import json
import os
import time as _time
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import xarray as xr

from .._version import __version__
from ..errors import InputError, RunError
from ..files import atomic_write
from ..model.load import pysd_version
from .dataset import model_attrs, netcdf_ready, read_netcdf

__all__ = ["QuantileSketch", "QUANTILES", "reduce_ensemble", "save_ensemble", "load_ensemble", "ENSEMBLE_FORMAT"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BLOCK = 256
"""Futures added to the quantile sketch at a time, in sample order: the reduction does not depend on chunks."""
ENSEMBLE_FORMAT = "cityfutures-ensemble"


class QuantileSketch:
    """Quantiles of many cells, accumulated chunk by chunk in bounded memory.

    Each cell keeps at most ``size`` weighted points. While a cell has seen no more than
    ``size`` values the points are the values themselves and the quantiles are exact (as
    ``numpy.quantile``, linear); beyond that the points are re-spaced at equal cumulative
    weight after each merge (a mergeable quantile summary), with a rank error of a small
    fraction of a percent for ``size`` in the thousands. Results depend on the order and size
    of the additions: :func:`reduce_ensemble` adds futures in blocks of :data:`BLOCK`, in sample
    order, so its numbers are the same for any chunk size.
    """

    def __init__(self, shape: tuple[int, ...], size: int = 2048):
        self.shape = tuple(shape)
        self.size = int(size)
        self.cells = int(np.prod(shape)) if shape else 1
        self.values = np.empty((self.cells, 0))
        self.weights = np.empty((self.cells, 0))

    @property
    def count(self) -> float:
        return float(self.weights[0].sum()) if self.weights.shape[1] else 0.0

    def add(self, x: np.ndarray, block: int = 256) -> None:
        """Add values ``x`` of shape ``(n, *shape)`` (NaN rows are skipped by the caller).

        Cells are merged ``block`` at a time, so the temporary arrays stay small.
        """
        x = np.asarray(x, float).reshape(x.shape[0], self.cells).T
        if x.shape[1] == 0:
            return
        parts_v, parts_w = [], []
        for c0 in range(0, self.cells, block):
            v = np.concatenate([self.values[c0:c0 + block], x[c0:c0 + block]], axis=1)
            w = np.concatenate([self.weights[c0:c0 + block], np.ones_like(x[c0:c0 + block])], axis=1)
            order = np.argsort(v, axis=1, kind="stable")
            v = np.take_along_axis(v, order, axis=1)
            w = np.take_along_axis(w, order, axis=1)
            if v.shape[1] > self.size:
                v, w = self._compress(v, w, self.size)
            parts_v.append(v)
            parts_w.append(w)
        self.values, self.weights = np.concatenate(parts_v), np.concatenate(parts_w)

    @staticmethod
    def _ranks(w: np.ndarray) -> np.ndarray:
        return np.cumsum(w, axis=1) - w / 2.0   # mid-point rank of each point (0.5, 1.5, ... when w == 1)

    def _compress(self, v, w, k):
        total = w.sum(axis=1, keepdims=True)
        targets = (np.arange(k) + 0.5)[None, :] / k * total
        nv = self._interp(targets, self._ranks(w), v)
        return nv, np.broadcast_to(total / k, nv.shape).copy()

    @staticmethod
    def _interp(targets, ranks, values):
        """Row-wise ``np.interp`` (targets clipped to each row's rank span)."""
        c = ranks.shape[0]
        lo, hi = ranks[:, :1], ranks[:, -1:]
        t = np.clip(targets, lo, hi)
        span = (hi.max() + 1.0) * 2.0
        off = (np.arange(c) * span)[:, None]
        return np.interp((t + off).ravel(), (ranks + off).ravel(), values.ravel()).reshape(targets.shape)

    def quantiles(self, qs: Sequence[float]) -> np.ndarray:
        """Quantiles, shape ``(len(qs), *shape)``; NaN where nothing was added."""
        qs = np.asarray(qs, float)
        if self.values.shape[1] == 0:
            return np.full((len(qs),) + self.shape, np.nan)
        w = self.weights
        total = w.sum(axis=1, keepdims=True)
        targets = 0.5 + qs[None, :] * (total - 1.0)  # rank of np.quantile's linear method
        out = self._interp(targets, self._ranks(w), self.values)
        return out.T.reshape((len(qs),) + self.shape)


def reduce_ensemble(plan, chunks: Iterable, *, executor: str = "inprocess", sketch_size: int = 2048
                    ) -> tuple[xr.Dataset, list]:
    """The ensemble dataset of a plan with futures, from the runner's chunks (see the module docstring).

    Parameters
    ----------
    plan : Plan
        With futures (:func:`cityfutures.plan.plan_ensemble`); ``plan.runs[0]`` is the baseline.
    chunks : iterable of (rows, ChunkOutput)
        From :func:`cityfutures.engine.runner.execute`, with the plan's indicators as period means.
    executor : str
        How the chunks ran (recorded).
    sketch_size : int
        Points kept per quantile cell; ensembles up to this many futures are reduced exactly.

    Returns
    -------
    (Dataset, list of RunFailure)
        ``quantiles`` (indicator, measure = value|difference, scenario, quantile, time);
        ``p_better`` (indicator, scenario, time): share of futures in which the scenario beats the
        baseline (NaN for the baseline); ``end_value`` (scenario, sample, indicator): each run's
        value in the last period. A future counts only if every scenario ran in it.

    Raises
    ------
    RunError
        Every run failed.
    """
    n = plan.n_futures
    S, I, T = len(plan.runs), len(plan.indicators), len(plan.times)  # noqa: E741 - the arrays' axes
    ids = plan.samples.sample_ids
    sign = np.array([1.0 if b == "higher" else -1.0 for b in plan.better])  # > 0 is better
    sketch = QuantileSketch((2, S, I, T), size=sketch_size)
    better = np.zeros((S, I, T))
    counted = 0
    end = np.full((S, n, I), np.nan)
    failures: list = []
    pending: list[tuple[np.ndarray, np.ndarray]] = []       # (positions, values (m, 2, S, I, T)) not yet sketched
    done = 0                                                # positions below this are in the sketch

    def feed(upto: int) -> None:
        """Sketch the futures at positions below ``upto``, in blocks of BLOCK positions: the same
        additions in the same order whatever the chunk size (sample order)."""
        nonlocal done, pending
        while done + BLOCK <= upto or (upto >= n and done < n):
            stop = min(done + BLOCK, n)
            block = [v[(pos >= done) & (pos < stop)] for pos, v in pending]
            if block:
                sketch.add(np.concatenate(block))
            pending = [(pos[pos >= stop], v[pos >= stop]) for pos, v in pending if (pos >= stop).any()]
            done = stop

    t0 = _time.perf_counter()
    for rows, out in chunks:
        failures += out.failures
        if out.values is not None:
            vals = np.stack([out.values[i].transpose("scenario", "sample", "time").to_numpy()
                             for i in plan.indicators], axis=2)            # (S, m, I, T)
            ok = np.isfinite(vals).all(axis=(0, 2, 3))
            v = vals[:, ok]
            diff = v - v[:1]
            pending.append((np.asarray(rows)[ok], np.stack([v, diff], axis=0).transpose(2, 0, 1, 3, 4)))
            better += ((diff * sign[None, None, :, None]) > 0).sum(axis=1)   # counts: exact in any order
            counted += int(ok.sum())
            end[:, rows[ok], :] = v[:, :, :, -1]
        feed(int(np.max(rows)) + 1 if len(rows) else done)
    feed(n)
    elapsed = _time.perf_counter() - t0
    if counted == 0:
        first = failures[0].error if failures else "no samples"
        raise RunError(f"every run of the ensemble failed; first error: {first}")
    qs = sketch.quantiles(QUANTILES)                              # (Q, 2, S, I, T)
    names = plan.names
    ds = xr.Dataset(
        {"quantiles": (("indicator", "measure", "scenario", "quantile", "time"), qs.transpose(3, 1, 2, 0, 4)),
         "p_better": (("indicator", "scenario", "time"), (better / counted).transpose(1, 0, 2)),
         "end_value": (("scenario", "sample", "indicator"), end)},
        coords={"indicator": list(plan.indicators), "measure": ["value", "difference"], "scenario": names,
                "quantile": list(QUANTILES), "time": list(plan.times), "sample": ids,
                "kind": ("scenario", [s.kind for s in plan.runs]),
                "title_en": ("scenario", [s.title("en") for s in plan.runs]),
                "title_id": ("scenario", [s.title("id") for s in plan.runs]),
                "units": ("indicator", list(plan.units)), "better": ("indicator", list(plan.better))})
    ds["p_better"].loc[{"scenario": names[0]}] = np.nan
    ds.attrs.update(format=ENSEMBLE_FORMAT, format_version=1, **model_attrs(plan.model),
                    seed=int(plan.samples.seed) if plan.samples.seed is not None else -1, samples=n,
                    samples_used=counted, sampler=plan.samples.method, executor=executor,
                    comparison=plan.name, failed_runs=json.dumps([f.record() for f in failures]),
                    elapsed_seconds=elapsed, reduction="exact" if n <= sketch_size else f"sketch({sketch_size})",
                    every=float(plan.every), saveper=float(plan.horizon.saveper),
                    time_aggregation=f"mean over the saved times t with time <= t < time + {plan.every:g} Year "
                                     "(a flow's yearly total, a stock's annual average)",
                    cityfutures_version=__version__, pysd_version=pysd_version(),
                    created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    return ds, failures


def save_ensemble(ds: xr.Dataset, path: str | os.PathLike) -> Path:
    """Write an ensemble dataset as NetCDF (atomically); ``.nc`` is added when missing.

    ``end_value`` (one value per run) is kept: it is what the robust tables and scenario
    discovery read back.
    """
    path = Path(path)
    if path.suffix.lower() != ".nc":
        path = path.with_name(path.name + ".nc")
    if not path.parent.is_dir():
        raise InputError("folder does not exist", path=str(path.parent))
    ready = netcdf_ready(ds)
    return atomic_write(path, lambda tmp: ready.to_netcdf(tmp, engine="netcdf4"))


def load_ensemble(path: str | os.PathLike) -> xr.Dataset:
    """Read an ensemble file written by :func:`save_ensemble` and check that it is one.

    Raises
    ------
    InputError
        The file is missing, not NetCDF, or not a cityfutures ensemble file.
    """
    ds, path = read_netcdf(path, "ensemble.nc", ENSEMBLE_FORMAT, "ensemble")
    missing = [v for v in ("quantiles", "p_better") if v not in ds.data_vars]  # end_value is optional
    if missing:
        raise InputError("ensemble file lacks " + ", ".join(missing), path=str(path))
    return ds
