"""What interventions and shocks mean over time: the one composition rule and the one pulse rule.

A parameter that changes during a run is a time series: points ``(time, value)`` linearly
interpolated between them and held flat outside them, exactly as PySD treats a
``pandas.Series`` passed in ``params``. Series here are ``xarray.DataArray`` objects with a dim
``time`` [Year] (and ``run`` when each run has its own).

Interventions on one lever
--------------------------
Each intervention has a weight ``w(t)``: 0 before its ``start``, rising linearly to 1 over
``ramp_years`` (a step when 0: 1 from the first time at or after ``start``). With the lever's
base ``b`` (the scenario's ``set`` value, else the model's constant)::

    S(t) = b, then for each `set` v_k in file order:  S(t) <- S(t) + w_k(t) * (v_k - S(t))
    value(t) = (S(t) + sum of a_k * w_k(t) over `add`s) * product of (1 + (f_k - 1) * w_k(t)) over `scale`s

i.e. sets first (each ramps from whatever the lever was), then adds, then scales. A single
intervention is the two points ``{s: b, s+r: new}``, a step the two points
``{s - STEP_EPS: b, s: new}``.

Shocks
------
A shock of magnitude ``m`` in year ``y`` is a rectangular pulse of height ``m`` and width ``d``
(the shock kind's ``duration`` in the model's sidecar) added to its model input::

    {y - STEP_EPS: 0, y: m, y + d - STEP_EPS: m, y + d: 0}

Sampled futures use the same rule with one magnitude per run (0 where no shock strikes).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import xarray as xr

__all__ = ["STEP_EPS", "weight", "compose", "lever_series", "first_outside", "pulse_series", "add_series",
           "stack_series"]

STEP_EPS = 1e-6
"""Year: a step at ``s`` is the two points ``{s - STEP_EPS: old, s: new}``."""


def weight(t: np.ndarray, start: float, ramp: float) -> np.ndarray:
    """An intervention's weight at times ``t`` [Year]: 0 before ``start``, 1 after ``start + ramp``."""
    t = np.asarray(t, dtype=float)
    if ramp <= 0:
        return (t >= start - 1e-9).astype(float)
    return np.clip((t - start) / ramp, 0.0, 1.0)


def compose(base: float, interventions: Sequence[Any], t: np.ndarray, default_start: float = 0.0) -> np.ndarray:
    """The value of one lever at times ``t`` under its interventions (the rule of the module docstring).

    Parameters
    ----------
    base : float
        The lever's value without interventions [lever units].
    interventions : sequence of Intervention
        Only those on this lever, in file order (``mode``, ``value``, ``start``, ``ramp_years``).
    t : ndarray
        Times [Year].
    default_start : float
        Start of an intervention that gives none.
    """
    level = np.full(np.shape(t), float(base))
    w = [weight(t, default_start if iv.start is None else float(iv.start), float(iv.ramp_years or 0.0))
         for iv in interventions]
    for iv, wk in zip(interventions, w):
        if iv.mode == "set":
            level = level + wk * (float(iv.value) - level)
    for iv, wk in zip(interventions, w):
        if iv.mode == "add":
            level = level + float(iv.value) * wk
    for iv, wk in zip(interventions, w):
        if iv.mode == "scale":
            level = level * (1.0 + (float(iv.value) - 1.0) * wk)
    unknown = [iv.mode for iv in interventions if iv.mode not in ("set", "add", "scale")]
    if unknown:
        raise ValueError(f"unknown intervention mode {unknown[0]!r} (allowed: set, add, scale)")
    return level


def lever_series(base: float, interventions: Sequence[Any], horizon: Any) -> float | xr.DataArray:
    """One lever over time under its interventions: ``base`` when there are none, else a series.

    The points are the interventions' corners (a ramp that ends after the horizon, at its value at
    the horizon's end); where several set or scale the lever (products of ramps are not straight
    lines) every time step of ``horizon.dt`` where they overlap is added.
    """
    if not interventions:
        return float(base)
    start, end = float(horizon.start), float(horizon.end)
    pts: list[float] = []
    for iv in interventions:
        s, r = (start if iv.start is None else float(iv.start)), float(iv.ramp_years or 0.0)
        pts += [s, min(s + r, end)] if r > 0 else [s - STEP_EPS, s]   # a ramp past the end: its value at the end
    if len(interventions) > 1 and any(iv.mode in ("set", "scale") for iv in interventions):
        lo, hi, dt = min(pts), max(pts), float(horizon.dt)
        pts += list(lo + dt * np.arange(int(np.floor((hi - lo) / dt + 1e-9)) + 1))
    t = np.unique(np.round(np.asarray(pts, dtype=float), 9))
    return xr.DataArray(compose(base, interventions, t, start), dims="time", coords={"time": t})


def first_outside(values: np.ndarray, lo: float, hi: float, rtol: float = 0.0) -> int | None:
    """Index of the first value outside ``[lo, hi]`` (NaN bounds are open), or None."""
    values = np.asarray(values, dtype=float)
    bad = np.zeros(values.shape, bool)
    if not math.isnan(lo):
        bad |= values < lo - rtol * max(1.0, abs(lo))
    if not math.isnan(hi):
        bad |= values > hi + rtol * max(1.0, abs(hi))
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def pulse_series(onsets, magnitudes, duration, base: float | xr.DataArray = 0.0) -> xr.DataArray:
    """``base`` plus rectangular pulses, as one series (the shock rule of the module docstring).

    Parameters
    ----------
    onsets : array (k,)
        When each pulse starts [Year].
    magnitudes : array (k,) or (n, k)
        Each pulse's height [units of the input]; one row per run for sampled futures (0: none).
    duration : float or array (k,)
        Width of each pulse [Year].
    base : float or DataArray
        The input's value without pulses: a number or a series (dims ``time`` or ``(run, time)``).

    Returns
    -------
    DataArray
        Dim ``time`` (one magnitude per pulse) or ``(run, time)`` (a row per run).
    """
    onsets = np.atleast_1d(np.asarray(onsets, dtype=float))
    mags = np.asarray(magnitudes, dtype=float)
    per_run = mags.ndim == 2
    mags = mags if per_run else mags.reshape(1, -1)
    widths = np.broadcast_to(np.asarray(duration, dtype=float), onsets.shape)
    pts = np.stack([onsets - STEP_EPS, onsets, onsets + widths - STEP_EPS, onsets + widths], axis=1).ravel()
    t = np.unique(np.round(np.concatenate([pts, [0.0]] if onsets.size == 0 else [pts]), 9))
    on = (t[None, :] >= onsets[:, None]) & (t[None, :] < (onsets + widths - STEP_EPS / 2)[:, None])
    values = mags @ on.astype(float)
    pulses = xr.DataArray(values if per_run else values[0], dims=("run", "time") if per_run else ("time",),
                          coords={"time": t})
    if isinstance(base, xr.DataArray) or float(base) != 0.0:
        return add_series(base, pulses)
    return pulses


def _points(value) -> tuple[np.ndarray | None, np.ndarray]:
    """``(times, values)`` of a param: times None for a number or a per-run array; values (…, K)."""
    if isinstance(value, xr.DataArray) and "time" in value.dims:
        v = value.transpose(*[d for d in ("run", "time") if d in value.dims])
        return np.asarray(v["time"], float), np.asarray(v, float)
    return None, np.asarray(value, float)


def _on_grid(value, grid: np.ndarray, n: int | None) -> np.ndarray:
    """A param at the times ``grid``: ``(K,)``, or ``(n, K)`` when it or ``n`` has runs."""
    t, v = _points(value)
    if t is None:
        out = np.broadcast_to(v[..., None], v.shape + (grid.size,))
    elif v.ndim == 1:
        out = np.interp(grid, t, v)
    else:
        out = np.stack([np.interp(grid, t, row) for row in v])
    if n is not None and out.ndim == 1:
        out = np.broadcast_to(out, (n, grid.size))
    return np.array(out, dtype=float)


def add_series(a, b) -> xr.DataArray:
    """The sum of two params (numbers, per-run arrays or series), as one series on the union of their times.

    Exact: both are piecewise linear between their points, so their sum is linear between the union's.
    """
    grids = [g for g in (_points(a)[0], _points(b)[0]) if g is not None]
    grid = np.unique(np.concatenate(grids)) if grids else np.array([0.0])
    runs = [x.sizes["run"] for x in (a, b) if isinstance(x, xr.DataArray) and "run" in x.dims]
    runs += [len(x) for x in (a, b) if isinstance(x, np.ndarray) and x.ndim == 1]
    n = runs[0] if runs else None
    total = _on_grid(a, grid, n) + _on_grid(b, grid, n)
    return xr.DataArray(total, dims=("run", "time") if total.ndim == 2 else ("time",), coords={"time": grid})


def stack_series(values: Sequence[Any], counts: Sequence[int] | None = None) -> np.ndarray | xr.DataArray:
    """One param for many runs from the values of groups of runs, stacked along ``run``.

    Parameters
    ----------
    values : sequence
        Each group's value: a number, a per-run array ``(n_k,)``, or a series (dim ``time``, or
        ``(run, time)`` with ``n_k`` rows).
    counts : sequence of int, optional
        Runs in each group (default: one each).

    Returns
    -------
    ndarray (N,) or DataArray (run, time)
        Numbers only: one value per run. Any series: every run on the union of the points
        (exact, as in :func:`add_series`).
    """
    counts = [1] * len(values) if counts is None else list(counts)
    series = [v for v in values if isinstance(v, xr.DataArray) and "time" in v.dims]
    if not series:
        return np.concatenate([np.broadcast_to(np.asarray(v, float), (n,)) for v, n in zip(values, counts)])
    grid = np.unique(np.concatenate([np.asarray(s["time"], float) for s in series]))
    rows = np.vstack([_on_grid(v, grid, n) for v, n in zip(values, counts)])
    return xr.DataArray(rows, dims=("run", "time"), coords={"time": grid})
