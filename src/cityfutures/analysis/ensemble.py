"""Ensembles: every scenario of a comparison run over the same sampled futures.

What to run is plain data (:class:`EnsemblePlan`: the scenarios' parameters, the samples,
the horizon); how to run it is an :mod:`executor <.executors>`. The plan is cut into chunks
of samples; a chunk runs the baseline and every intervention on the *same* samples (so each
difference is paired) with the batch engine, and comes back as arrays that are reduced to
quantiles chunk by chunk (:class:`QuantileSketch`), so memory does not grow with the number
of trajectories. Per sample only the last year's values are kept, for the robust ranking and
scenario discovery.

**Annual means.** Every number an ensemble reports (quantiles, P(beats baseline), regret,
targets, and the sensitivity indices built on the same runs) is, per year, the *mean over the
saved times within that year*: the year labelled ``y`` holds the saved times ``t`` with
``y <= t < y + every``. For a flow in X/Year this is the year's total [X] (with saveper 0.25,
the mean of four saved values times one year); for a stock it is the annual average. Values at
single points in time would catch a 0.25-year flood pulse in some years and miss it in others
(:func:`period_means`). The horizon's final saved time (e.g. 2028.0) opens no year of its own,
so a 2018-2028 horizon reports the years 2018 to 2027.

>>> plan = plan_ensemble(comparison, spec, samples=1000, seed=42)        # doctest: +SKIP
>>> result = run_ensemble(plan, executor=make_executor("process"))        # doctest: +SKIP
>>> result.tables["ranking"]                                              # doctest: +SKIP
"""
from __future__ import annotations

import math
import re
import time as _time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError, RunError, ScenarioError, did_you_mean
from ..engine.executors import Chunk, Executor, InProcessExecutor, chunked
from ..plan.sampling import Samples, pulse_series, sample, transform
from ..scenario.uncertain import UncertainSpec

__all__ = ["RunSpec", "EnsemblePlan", "EnsembleResult", "Target", "RunFailure", "plan_ensemble", "run_ensemble",
           "run_chunk", "stream_runs", "collect_runs", "QuantileSketch", "parse_target", "QUANTILES", "uncertain_of",
           "period_means", "period_weights", "scenario_titles"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


# ----------------------------------------------------------------------------- plain data
@dataclass(frozen=True)
class RunSpec:
    """One scenario of the ensemble: its name (slug), kind, parameters (see plan.py) and titles.

    ``title_en`` / ``title_id`` are what charts and terminal tables show; empty means the name.
    """

    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    title_en: str = ""
    title_id: str = ""

    def title(self, lang: str) -> str:
        """The title in ``lang`` ("en" or "id"), else the name."""
        return (self.title_en if lang == "en" else self.title_id) or self.title_en or self.name


@dataclass(frozen=True)
class Target:
    """A stated target on an indicator in the last year (annual mean), e.g. ``Congestion level<=0.4``."""

    indicator: str
    op: str
    value: float

    def met(self, x: np.ndarray) -> np.ndarray:
        return {"<=": x <= self.value, "<": x < self.value, ">=": x >= self.value,
                ">": x > self.value}[self.op]

    def __str__(self) -> str:
        return f"{self.indicator} {self.op} {self.value:g}"


@dataclass(frozen=True)
class RunFailure:
    """A run that failed: which sample, which scenario, and why."""

    sample: int
    scenario: str
    error: str


@dataclass(frozen=True)
class EnsemblePlan:
    """Everything an ensemble runs, as plain picklable data (no executor, no state).

    ``scenarios[0]`` is the baseline. ``times`` are the reported years [Year]: the start of each
    period ``[t, t + every)`` of the horizon (by default one a year, 2018 ... 2027 for a
    2018-2028 horizon); each run's value for a period is the mean over its saved times there.
    """

    model_path: str
    model_sha256: str
    scenarios: tuple[RunSpec, ...]
    indicators: tuple[str, ...]
    better: tuple[str, ...]
    units: tuple[str, ...]
    start: float
    end: float
    dt: float
    saveper: float
    times: tuple[float, ...]
    samples: Samples
    spec: UncertainSpec
    shock_inputs: Mapping[str, tuple[str, float]] = field(default_factory=dict)
    method: str = "euler"
    name: str = "ensemble"
    every: float = 1.0

    @property
    def n_runs(self) -> int:
        return len(self.samples) * len(self.scenarios)


def uncertain_of(comparison) -> UncertainSpec | None:
    """The baseline's ``uncertain:`` block of a comparison, once scenario.py carries it."""
    base = getattr(comparison, "baseline", comparison)
    return getattr(base, "uncertain", None)


def _runs_of(source) -> tuple[list[RunSpec], Any, Any, tuple[str, ...], str]:
    """(runs, model, horizon, indicators, name) of a Comparison or a Plan (baseline first)."""
    plan = source
    if not hasattr(source, "runs"):
        if not (hasattr(source, "baseline") and hasattr(source, "interventions")):
            raise TypeError("plan_ensemble needs a Comparison or a Plan, or runs= with model=")
        from ..plan.plan import build_plan
        plan = build_plan(source)
    runs = [RunSpec(r.name, r.kind, dict(r.params), getattr(r, "title_en", "") or "",
                    getattr(r, "title_id", "") or "") for r in plan.runs]
    runs.sort(key=lambda r: r.kind != "baseline")          # stable: the baseline first, the rest in order
    comparison = getattr(plan, "comparison", None)
    name = getattr(comparison, "name", None) or (runs[0].name if runs else "ensemble")
    inds = tuple(getattr(plan, "indicators", ()) or getattr(comparison, "indicators", ()) or plan.model.indicators)
    return runs, plan.model, plan.horizon, inds, name


def plan_ensemble(source=None, spec: UncertainSpec | None = None, *, samples: int = 0, seed: int,
                  runs: Sequence[RunSpec] | None = None, model=None, horizon=None,
                  indicators: Sequence[str] | None = None, sampler: str | None = None,
                  every: float = 1.0, method: str = "euler", name: str | None = None,
                  design: np.ndarray | None = None, design_method: str | None = None) -> EnsemblePlan:
    """The plan of an ensemble: which scenarios, over which sampled futures.

    Parameters
    ----------
    source : Comparison, optional
        A loaded comparison (baseline first). Or give ``runs``, ``model`` (and ``horizon``).
    spec : UncertainSpec, optional
        Defaults to the comparison baseline's ``uncertain:`` block.
    samples : int
        Number of sampled futures N; the ensemble makes N x (number of scenarios) runs.
    seed : int
        Seed of the design (explicit: the same seed gives the same result on any executor).
    indicators : sequence of str, optional
        Default: the comparison's indicators (or the model's).
    sampler : {"lhs", "sobol", "random"}, optional
        Overrides the block's ``sampler``.
    every : float
        Length of a reported period [Year] (a multiple of the horizon's ``saveper``); each run
        reports, per period, the mean over its saved times within it (see the module docstring).
    design : ndarray (n, d), optional
        A ready design in the unit hypercube (e.g. SALib's), used instead of drawing one;
        ``samples`` is then ignored. ``design_method`` names it.

    Raises
    ------
    ScenarioError
        No uncertainty to sample, a lever that is also uncertain, unknown indicators, a stochastic
        shock whose pulse would not be counted once in its own year (see :func:`check_pulses`).
    """
    from ..model.load import load_model
    if source is not None:
        runs_, model_, horizon_, inds, nm = _runs_of(source)
        spec = spec if spec is not None else uncertain_of(source)
    else:
        if runs is None or model is None:
            raise TypeError("give a Comparison, or runs= and model=")
        model_ = load_model(model)
        runs_, horizon_, inds, nm = list(runs), horizon, tuple(model_.indicators), "ensemble"
    if spec is None or not spec:
        raise ScenarioError("the baseline has no 'uncertain:' block, so there are no futures to sample",
                            field="uncertain", allowed="an uncertain: block with constants or shocks "
                            "(see docs), or --uncertain FILE")
    if not runs_:
        raise ScenarioError("no scenarios to run", field="runs")
    if horizon_ is None:
        start, end, dt, saveper = model_.initial_time, model_.final_time, model_.time_step, model_.saveper
    else:
        start, end, dt, saveper = horizon_.start, horizon_.end, horizon_.dt, horizon_.saveper
    inds = tuple(indicators) if indicators else inds
    if not inds:
        raise ScenarioError("no indicators to report", field="indicators")
    resolved = []
    for ind in inds:
        try:
            real = model_.lookup_name(ind)
        except KeyError:
            raise ScenarioError(f"unknown indicator '{ind}'. " + did_you_mean(ind, model_.variables),
                                field="indicators") from None
        resolved.append(real)
    inds = tuple(resolved)
    better = tuple(model_.indicators[i].better if i in model_.indicators else "higher" for i in inds)
    units = tuple(model_.variables[i].units for i in inds)
    for r in runs_:
        clash = sorted(set(r.params) & set(spec.names))
        if clash:
            raise ScenarioError(f"'{clash[0]}' is uncertain and is also set by scenario '{r.name}'; a lever is a "
                                "decision, not an uncertainty", field=f"uncertain.constants.{clash[0]}",
                                allowed="uncertain constants that no scenario sets")
    shock_inputs = {}
    for s in spec.shocks:
        ms = model_.shocks[s.kind]
        shock_inputs[s.kind] = (ms.input, float(ms.duration))
    times = report_times(start, end, saveper, every)
    if design is not None:
        smp = transform(spec, design, start=start, end=end, seed=seed, method=design_method or "design")
    else:
        smp = sample(spec, int(samples), seed=seed, start=start, end=end, method=sampler)
    for kind, (_inp, duration) in shock_inputs.items():
        check_pulses(kind, smp.onsets[kind], duration, start=start, end=end, saveper=saveper, every=every)
    return EnsemblePlan(model_path=str(model_.path), model_sha256=model_.sha256, scenarios=tuple(runs_),
                        indicators=inds, better=better, units=units, start=float(start), end=float(end),
                        dt=float(dt), saveper=float(saveper), times=times, samples=smp, spec=spec,
                        shock_inputs=shock_inputs, method=method, name=name or nm, every=float(every))


# ----------------------------------------------------------------------------- annual means
def report_times(start: float, end: float, saveper: float, every: float = 1.0) -> tuple[float, ...]:
    """Starts of the reported periods ``[t, t + every)`` within ``[start, end)`` [Year]."""
    if not every > 0:
        raise InputError(f"the reporting interval must be positive (got {every})", field="every")
    ratio = every / saveper
    if abs(ratio - round(ratio)) > 1e-6 or round(ratio) < 1:
        raise InputError(f"the reporting interval {every:g} Year is not a whole number of saved intervals "
                         f"(SAVEPER {saveper:g} Year)", field="every", allowed=f"a multiple of {saveper:g}")
    n = int(math.ceil((end - start) / every - 1e-9))
    return tuple(float(start + k * every) for k in range(max(n, 1)))


def saved_times(start: float, end: float, saveper: float) -> np.ndarray:
    """The saved times of a horizon, ``start, start + saveper, ... , end`` [Year]."""
    n = int(math.floor((end - start) / saveper + 1e-9))
    return start + saveper * np.arange(n + 1)


def period_weights(saved: np.ndarray, periods: Sequence[float], every: float) -> np.ndarray:
    """Matrix ``(len(saved), len(periods))`` that turns saved values into period means.

    Column ``k`` holds ``1 / m`` for the ``m`` saved times ``t`` with
    ``periods[k] <= t < periods[k] + every`` (a tolerance of 1e-9 Year), and 0 elsewhere.
    """
    saved = np.asarray(saved, float)
    p = np.asarray(periods, float)
    tol = 1e-9
    inside = (saved[:, None] >= p[None, :] - tol) & (saved[:, None] < p[None, :] + every - tol)
    count = inside.sum(axis=0)
    if (count == 0).any():
        k = int(np.flatnonzero(count == 0)[0])
        raise InputError(f"no saved time falls in the period starting {p[k]:g}", field="every")
    return inside / count[None, :]


def period_means(values: np.ndarray, saved: np.ndarray, periods: Sequence[float], every: float = 1.0) -> np.ndarray:
    """Mean over the saved times within each period, along the last axis of ``values``.

    Parameters
    ----------
    values : ndarray (..., len(saved))
        A series at the saved times (a flow [X/Year] or a stock [X]).
    saved : ndarray
        The saved times [Year].
    periods : sequence of float
        Starts of the periods ``[p, p + every)`` [Year].
    every : float
        Length of a period [Year].

    Returns
    -------
    ndarray (..., len(periods))
        For a flow in X/Year and periods of one year, the year's total [X] (the sum of the
        saved values times ``saveper``, divided by one year); for a stock, the period's
        average. A non-finite saved value makes every period of that series NaN (a failed run).

    Examples
    --------
    A 0.25-year pulse of 4 M people/Year (1 M people) in 2019, saved every 0.25 years:

    >>> t = 2018 + 0.25 * np.arange(13)
    >>> flow = np.where(t == 2019.0, 4e6, 0.0)
    >>> period_means(flow, t, [2018.0, 2019.0, 2020.0])
    array([      0., 1000000.,       0.])
    """
    w = period_weights(saved, periods, every)
    with np.errstate(invalid="ignore", over="ignore"):       # inf x 0 of a diverging run -> NaN: a failed run
        return np.asarray(values, float) @ w


def check_pulses(kind: str, onsets: np.ndarray, duration: float, *, start: float, end: float, saveper: float,
                 every: float = 1.0) -> None:
    """Check that each pulse of a stochastic shock is seen whole, and only in its own year.

    A pulse on ``[onset, onset + duration)`` (see
    :func:`~cityfutures.uncertainty.sampling.pulse_series`) covers ``duration / saveper`` saved
    times when ``duration`` is a whole number of saved intervals, so the annual mean of a flow
    that follows the shock input carries exactly the pulse's area. With the default offset 0
    and duration = saveper, each pulse covers exactly one saved time: its onset.

    Raises
    ------
    ScenarioError
        The duration is not a whole number of saved intervals, or a pulse reaches past the end
        of the year (or horizon) it was drawn for (an ``offset`` too late in the year).
    """
    ratio = duration / saveper
    want = int(round(ratio))
    if abs(ratio - want) > 1e-6 or want < 1:
        raise ScenarioError(f"the '{kind}' shock lasts {duration:g} Year, not a whole number of saved intervals "
                            f"(SAVEPER {saveper:g} Year), so the annual means would count a pulse once or twice",
                            field=f"uncertain.shocks.{kind}",
                            allowed=f"a shock duration (model sidecar) that is a multiple of {saveper:g}")
    saved = saved_times(start, end, saveper)
    periods = np.asarray(report_times(start, end, saveper, every))
    for onset in np.asarray(onsets, float):
        k = int(np.searchsorted(periods, onset + 1e-9) - 1)
        lo, hi = periods[k], min(periods[k] + every, end)
        hit = (saved >= onset - 1e-9) & (saved < onset + duration - 1e-9) & (saved >= lo - 1e-9) & (saved < hi - 1e-9)
        if int(hit.sum()) != want:
            raise ScenarioError(f"a '{kind}' pulse starting at {onset:g} reaches past the end of its year "
                                f"({hi:g}), so the annual means would not count it in full",
                                field=f"uncertain.shocks.{kind}.offset",
                                allowed=f"an offset of at most {every - duration:g} Year")


def scenario_titles(plan: EnsemblePlan, lang: str) -> dict[str, str]:
    """Scenario name -> title in ``lang`` (the name where a scenario has none)."""
    return {s.name: s.title(lang) for s in plan.scenarios}


# ----------------------------------------------------------------------------- one chunk (runs anywhere)
@dataclass(frozen=True)
class ChunkWork:
    """A chunk's plain data: enough to run it in any process, and nothing more."""

    model_path: str
    scenarios: tuple[RunSpec, ...]
    indicators: tuple[str, ...]
    times: tuple[float, ...]
    start: float
    end: float
    dt: float
    saveper: float
    method: str
    ids: tuple[int, ...]
    constants: Mapping[str, np.ndarray]
    shocks: Mapping[str, tuple[str, float, np.ndarray, np.ndarray]]   # kind -> (input, duration, mags, onsets)
    every: float = 1.0


def _chunk_work(plan: EnsemblePlan, positions: Sequence[int] | slice, ids: tuple[int, ...]) -> ChunkWork:
    sub = plan.samples.take(positions)
    shocks = {k: (plan.shock_inputs[k][0], plan.shock_inputs[k][1], sub.shocks[k], sub.onsets[k])
              for k in sub.shocks}
    return ChunkWork(plan.model_path, plan.scenarios, plan.indicators, plan.times, plan.start, plan.end,
                     plan.dt, plan.saveper, plan.method, ids,
                     {c: sub.constants[c].to_numpy() for c in sub.constants.columns}, shocks, plan.every)


def _as_series(value, n: int):
    """A scalar / (n,) / DataArray param as ``(times, values (n, K))``; None for no time dim."""
    if isinstance(value, xr.DataArray) and "time" in value.dims:
        if "run" in value.dims:
            v = value.transpose("run", "time")
            return np.asarray(v["time"], float), np.asarray(v, float)
        return np.asarray(value["time"], float), np.broadcast_to(np.asarray(value, float), (n, value.sizes["time"]))
    return None


def _add_series(a, b, n: int):
    """Sum of two params (scalar, per-run or time series) as one ``(run, time)`` DataArray."""
    sa, sb = _as_series(a, n), _as_series(b, n)
    parts = []
    for v, s in ((a, sa), (b, sb)):
        if s is None:
            arr = np.broadcast_to(np.asarray(v, float), (n,))
            parts.append((None, arr))
        else:
            parts.append(s)
    grids = [p[0] for p in parts if p[0] is not None]
    grid = np.unique(np.concatenate(grids))
    total = np.zeros((n, len(grid)))
    for t, vals in parts:
        if t is None:
            total += vals[:, None]
        else:
            total += np.stack([np.interp(grid, t, vals[i]) for i in range(n)])
    return xr.DataArray(total, dims=("run", "time"), coords={"time": grid})


def chunk_params(work: ChunkWork, scenario: RunSpec, positions: np.ndarray | None = None) -> tuple[dict, int]:
    """The params of one scenario for the chunk's samples (or a subset of them)."""
    pos = np.arange(len(work.ids)) if positions is None else np.asarray(positions)
    n = len(pos)
    params: dict[str, Any] = dict(scenario.params)
    for name, values in work.constants.items():
        params[name] = np.asarray(values)[pos]
    for kind, (inp, duration, mags, onsets) in work.shocks.items():
        pulse = pulse_series(np.asarray(mags)[pos], onsets, duration)
        params[inp] = pulse if inp not in params else _add_series(params[inp], pulse, n)
    return params, n


def _simulate(work: ChunkWork, params: dict, n: int) -> np.ndarray:
    """Run ``n`` runs on the batch engine; the indicators' period means, ``(n, I, T)``.

    Each value is the mean over the saved times within its period (:func:`period_means`).
    """
    from ..engine.simulate import simulate
    ds = simulate(work.model_path, params, engine="batch", n_runs=n, start=work.start, end=work.end,
                  dt=work.dt, saveper=work.saveper, variables=list(work.indicators), method=work.method)
    raw = np.stack([ds[i].transpose("run", "time").to_numpy() for i in work.indicators], axis=1)
    out = period_means(raw, np.asarray(ds["time"], float), work.times, work.every)
    for r in ds.attrs.get("failed_runs", ()) or ():
        out[int(r)] = np.nan
    return out


def run_chunk(work: ChunkWork) -> dict:
    """Run every scenario of a chunk on its samples. Pure: the same work gives the same answer.

    Returns
    -------
    dict
        ``values``: ndarray ``(S, n, I, T)`` of period means (NaN where a run failed); ``failures``: list of
        ``(sample id, scenario, error)``.
    """
    n_all = len(work.ids)
    out = np.full((len(work.scenarios), n_all, len(work.indicators), len(work.times)), np.nan)
    failures: list[tuple[int, str, str]] = []
    for s, scen in enumerate(work.scenarios):
        params, n = chunk_params(work, scen)
        try:
            out[s] = _simulate(work, params, n)
        except Exception:  # noqa: BLE001 - find the runs that fail, one by one
            for j in range(n_all):
                p1, _ = chunk_params(work, scen, [j])
                try:
                    out[s, j] = _simulate(work, p1, 1)[0]
                except Exception as exc:  # noqa: BLE001
                    failures.append((work.ids[j], scen.name, f"{type(exc).__name__}: {exc}"[:300]))
        bad = ~np.isfinite(out[s]).all(axis=(1, 2))
        known = {f[0] for f in failures if f[1] == scen.name}
        for j in np.flatnonzero(bad):
            if work.ids[j] not in known:
                failures.append((work.ids[j], scen.name, "the run produced non-finite values"))
    return {"values": out, "failures": failures}


# ----------------------------------------------------------------------------- streaming reduction
class QuantileSketch:
    """Quantiles of many cells, accumulated chunk by chunk in bounded memory.

    Each cell keeps at most ``size`` weighted points. While a cell has seen no more than
    ``size`` values the points are the values themselves and the quantiles are exact (as
    ``numpy.quantile``, linear); beyond that the points are re-spaced at equal cumulative
    weight after each merge (a mergeable quantile summary), with a rank error of a small
    fraction of a percent for ``size`` in the thousands. Results depend only on the order of
    the chunks, which executors keep.
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


# ----------------------------------------------------------------------------- the ensemble
@dataclass
class EnsembleResult:
    """What an ensemble returns.

    Attributes
    ----------
    dataset : xarray.Dataset
        ``quantiles`` (indicator, measure = value|difference, scenario, quantile, time);
        ``p_better`` (indicator, scenario, time): share of futures in which the scenario beats
        the baseline; ``end_value`` (scenario, sample, indicator): each run's value in the last
        year. Every value is an annual mean (the mean over the saved times within the year
        ``[time, time + every)``: a flow's yearly total, a stock's annual average). Coordinates
        ``title_en``, ``title_id`` on ``scenario``. Attributes: seed, samples, sampler, executor,
        model hash, failed runs, ``every`` and ``time_aggregation``.
    tables : dict of pandas.DataFrame
        ``summary``, ``probability``, ``regret``, ``targets``, ``ranking``, ``failures``.
    samples : Samples
    failures : list of RunFailure
    """

    dataset: xr.Dataset
    tables: dict
    samples: Samples
    failures: list
    plan: EnsemblePlan | None = None


def parse_target(text: str, indicators: Sequence[str] | None = None) -> Target:
    """``"Congestion level<=0.4"`` -> :class:`Target` (operators ``<= < >= >``)."""
    m = re.match(r"^\s*(.+?)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$", str(text))
    if not m:
        raise InputError(f"cannot read target '{text}'", field="--target",
                         allowed="'Indicator<=value' or 'Indicator>=value'")
    name, op, value = m.group(1), m.group(2), m.group(3)
    try:
        val = float(value)
    except ValueError:
        raise InputError(f"'{value}' is not a number", field="--target") from None
    if indicators is not None:
        norm = {" ".join(i.lower().split()): i for i in indicators}
        key = " ".join(name.lower().split())
        if key not in norm:
            raise InputError(f"unknown indicator '{name}' in target. " + did_you_mean(name, indicators),
                             field="--target", allowed=", ".join(indicators))
        name = norm[key]
    return Target(name, op, val)


def stream_runs(plan: EnsemblePlan, executor: Executor | None = None, *, chunk_size: int | None = None,
                progress: bool = False):
    """Run a plan chunk by chunk; yield ``(rows, values, failures)`` per chunk, in order.

    ``rows`` are the chunk's row positions in ``plan.samples``; ``values`` is ``(S, m, I, T)``
    with NaN for failed runs (``None`` when the whole chunk failed); ``failures`` is a list
    of :class:`RunFailure`. A progress bar shows runs done and time left.
    """
    executor = executor or InProcessExecutor()
    n = len(plan.samples)
    S = len(plan.scenarios)
    ids = plan.samples.sample_ids
    if chunk_size is None:
        chunk_size = int(min(max(math.ceil(n / (4 * max(executor.n_workers, 1))), 64), 2000))
    pieces = chunked(list(range(n)), chunk_size)
    chunks = (Chunk(k, tuple(int(ids[p]) for p in pos), _chunk_work(plan, list(pos), tuple(int(ids[p]) for p in pos)))
              for k, pos in enumerate(pieces))
    pos_of = {int(i): k for k, i in enumerate(ids)}
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=n * S, unit="run", desc=plan.name, smoothing=0.1)
    try:
        for res in executor.map_chunks(run_chunk, chunks):
            rows = np.array([pos_of[i] for i in res.ids], dtype=int)
            if not res.ok:
                yield rows, None, [RunFailure(i, "*", res.error) for i in res.ids]
            else:
                yield rows, res.value["values"], [RunFailure(int(i), s, e) for i, s, e in res.value["failures"]]
            if bar is not None:
                bar.update(len(res.ids) * S)
    finally:
        if bar is not None:
            bar.close()


def collect_runs(plan: EnsemblePlan, executor: Executor | None = None, *, chunk_size: int | None = None,
                 progress: bool = False) -> tuple[np.ndarray, list]:
    """Every run's indicators as period means (annual means), ``(S, N, I, T)``, and the failures.

    For designs that need every trajectory (sensitivity analysis); large ensembles should
    use :func:`run_ensemble`, which reduces as it goes.
    """
    n = len(plan.samples)
    out = np.full((len(plan.scenarios), n, len(plan.indicators), len(plan.times)), np.nan)
    failures: list[RunFailure] = []
    for rows, vals, fails in stream_runs(plan, executor, chunk_size=chunk_size, progress=progress):
        failures += fails
        if vals is not None:
            out[:, rows] = vals
    return out, failures


def run_ensemble(plan: EnsemblePlan, *, executor: Executor | None = None, chunk_size: int | None = None,
                 targets: Sequence[Target | str] = (), sketch_size: int = 2048,
                 progress: bool = False) -> EnsembleResult:
    """Run an ensemble plan on an executor and reduce it as it goes.

    Parameters
    ----------
    plan : EnsemblePlan
        From :func:`plan_ensemble`.
    executor : Executor, optional
        Default :class:`InProcessExecutor`. Every executor returns the same numbers.
    chunk_size : int, optional
        Samples per chunk (each chunk runs all scenarios on its samples).
    targets : sequence of Target or str
        Stated targets on the last year's annual mean, e.g. ``"Congestion level<=0.4"``.
    sketch_size : int
        Points kept per quantile cell; ensembles up to this many samples are reduced exactly.
    progress : bool
        Show a progress bar (runs done, time left).

    Returns
    -------
    EnsembleResult

    Raises
    ------
    RunError
        Every run failed.
    """
    executor = executor or InProcessExecutor()
    targets = [t if isinstance(t, Target) else parse_target(t, plan.indicators) for t in targets]
    for t in targets:
        if t.indicator not in plan.indicators:
            raise InputError(f"target on '{t.indicator}', which the ensemble does not report",
                             field="--target", allowed=", ".join(plan.indicators))
    n = len(plan.samples)
    S, I, T = len(plan.scenarios), len(plan.indicators), len(plan.times)
    ids = plan.samples.sample_ids
    sign = np.array([1.0 if b == "higher" else -1.0 for b in plan.better])  # > 0 is better
    sketch = QuantileSketch((2, S, I, T), size=sketch_size)
    better = np.zeros((S, I, T))
    counted = 0
    end = np.full((S, n, I), np.nan)
    failures: list[RunFailure] = []
    t0 = _time.perf_counter()
    for rows, vals, fails in stream_runs(plan, executor, chunk_size=chunk_size, progress=progress):
        failures += fails
        if vals is None:
            continue
        ok = np.isfinite(vals).all(axis=(0, 2, 3))       # a sample counts only if all its scenarios ran
        v = vals[:, ok]
        diff = v - v[:1]
        sketch.add(np.stack([v, diff], axis=0).transpose(2, 0, 1, 3, 4))   # (m, 2, S, I, T)
        better += ((diff * sign[None, None, :, None]) > 0).sum(axis=1)
        counted += int(ok.sum())
        end[:, rows[ok], :] = v[:, :, :, -1]
    elapsed = _time.perf_counter() - t0
    if counted == 0:
        first = failures[0].error if failures else "no samples"
        raise RunError(f"every run of the ensemble failed; first error: {first}")
    qs = sketch.quantiles(QUANTILES)                              # (Q, 2, S, I, T)
    names = [s.name for s in plan.scenarios]
    ds = xr.Dataset(
        {"quantiles": (("indicator", "measure", "scenario", "quantile", "time"), qs.transpose(3, 1, 2, 0, 4)),
         "p_better": (("indicator", "scenario", "time"), (better / counted).transpose(1, 0, 2)),
         "end_value": (("scenario", "sample", "indicator"), end)},
        coords={"indicator": list(plan.indicators), "measure": ["value", "difference"], "scenario": names,
                "quantile": list(QUANTILES), "time": list(plan.times), "sample": ids,
                "kind": ("scenario", [s.kind for s in plan.scenarios]),
                "title_en": ("scenario", [s.title("en") for s in plan.scenarios]),
                "title_id": ("scenario", [s.title("id") for s in plan.scenarios]),
                "units": ("indicator", list(plan.units)), "better": ("indicator", list(plan.better))})
    ds["p_better"].loc[{"scenario": names[0]}] = np.nan
    ds.attrs.update(seed=int(plan.samples.seed) if plan.samples.seed is not None else -1, samples=n,
                    samples_used=counted, sampler=plan.samples.method, executor=executor.describe(),
                    model_sha256=plan.model_sha256, comparison=plan.name, failed_runs=len(failures),
                    elapsed_seconds=elapsed, reduction="exact" if n <= sketch_size else f"sketch({sketch_size})",
                    every=float(plan.every), saveper=float(plan.saveper),
                    time_aggregation=f"mean over the saved times t with time <= t < time + {plan.every:g} Year "
                                     "(a flow's yearly total, a stock's annual average)")
    tables = _tables(ds, plan, targets, failures)
    return EnsembleResult(dataset=ds, tables=tables, samples=plan.samples, failures=failures, plan=plan)


def regret(end: np.ndarray, better: Sequence[str]) -> np.ndarray:
    """Regret of each scenario in each future: how much worse than the best scenario there.

    ``end`` has shape ``(S, N, I)`` (the last year's annual means); the result too, >= 0, in the
    indicator's units.
    """
    sign = np.array([1.0 if b == "higher" else -1.0 for b in better])
    perf = end * sign[None, None, :]
    return np.nanmax(perf, axis=0, keepdims=True) - perf


def _tables(ds: xr.Dataset, plan: EnsemblePlan, targets: Sequence[Target], failures) -> dict:
    """The tables of an ensemble, on the last year's annual means (column ``year``: its start).

    Every table keys scenarios by ``scenario`` (the slug) and carries ``title_en``, ``title_id``.
    """
    names = list(ds.scenario.values)
    kinds = list(ds.kind.values)
    end_t = ds.time.values[-1]
    q = ds["quantiles"].sel(time=end_t)
    rows = []
    for ind in plan.indicators:
        for s, kind in zip(names, kinds):
            row = {"scenario": s, "kind": kind, "indicator": ind, "units": str(ds.units.sel(indicator=ind).values),
                   "better": str(ds.better.sel(indicator=ind).values), "year": float(end_t)}
            for meas in ("value", "difference"):
                for qq in QUANTILES:
                    row[f"{meas}_p{int(round(qq * 100)):02d}"] = float(q.sel(indicator=ind, measure=meas,
                                                                             scenario=s, quantile=qq))
            rows.append(row)
    summary = pd.DataFrame(rows)
    end = ds["end_value"].to_numpy()                                      # (S, N, I)
    valid = np.isfinite(end).all(axis=(0, 2))
    end = end[:, valid]
    reg = regret(end, plan.better)
    prob_rows, reg_rows = [], []
    for k, ind in enumerate(plan.indicators):
        max_r = reg[:, :, k].max(axis=1)
        order = pd.Series(max_r).rank(method="min").astype(int).to_numpy()
        for j, s in enumerate(names):
            if j > 0:
                p = float(ds["p_better"].sel(indicator=ind, scenario=s, time=end_t))
                sgn = 1.0 if plan.better[k] == "higher" else -1.0
                d = (end[j, :, k] - end[0, :, k]) * sgn
                prob_rows.append({"scenario": s, "indicator": ind, "p_better": p,
                                  "p_worse": float((d < 0).mean()), "p_same": float((d == 0).mean()),
                                  "median_improvement": float(np.median(d))})
            reg_rows.append({"scenario": s, "indicator": ind, "units": plan.units[k],
                             "max_regret": float(max_r[j]), "mean_regret": float(reg[j, :, k].mean()),
                             "p95_regret": float(np.quantile(reg[j, :, k], 0.95)),
                             "minimax_rank": int(order[j])})
    probability = pd.DataFrame(prob_rows, columns=["scenario", "indicator", "p_better", "p_worse", "p_same",
                                                   "median_improvement"])
    regret_t = pd.DataFrame(reg_rows)
    tgt_rows = []
    for t in targets:
        k = plan.indicators.index(t.indicator)
        for j, s in enumerate(names):
            tgt_rows.append({"scenario": s, "target": str(t), "indicator": t.indicator,
                             "share_met": float(t.met(end[j, :, k]).mean())})
    target_t = pd.DataFrame(tgt_rows, columns=["scenario", "target", "indicator", "share_met"])
    # the robust ranking: per indicator, minimax regret, then P(beats baseline), then targets met
    ranking = regret_t[["scenario", "indicator", "max_regret", "minimax_rank"]].merge(
        probability[["scenario", "indicator", "p_better"]], on=["scenario", "indicator"], how="left")
    if len(target_t):
        ranking = ranking.merge(target_t.groupby(["scenario", "indicator"], as_index=False)["share_met"].min(),
                                on=["scenario", "indicator"], how="left")
    ranking = ranking.sort_values(["indicator", "minimax_rank", "scenario"], kind="stable").reset_index(drop=True)
    fail_t = pd.DataFrame([f.__dict__ for f in failures], columns=["sample", "scenario", "error"])
    if len(fail_t):
        fail_t = fail_t.merge(plan.samples.table().reset_index(), on="sample", how="left")
    tables = {"summary": summary, "probability": probability, "regret": regret_t, "targets": target_t,
              "ranking": ranking}
    titles = {lang: scenario_titles(plan, lang) for lang in ("en", "id")}
    for df in tables.values():
        for k, lang in enumerate(("en", "id")):
            df.insert(1 + k, f"title_{lang}", [titles[lang].get(x, x) for x in df["scenario"]])
    tables["failures"] = fail_t
    return tables
