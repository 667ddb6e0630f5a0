"""The one chunk runner: a plan cut into chunks of futures, each chunk every run of the plan in those futures.

Every way of running a plan goes through here: a deterministic comparison (one future, every
variable at every saved time), an ensemble (many futures, the indicators' period means) and
the dashboard (one run). A chunk is plain picklable data (:class:`ChunkWork`); :func:`run_chunk`
is a pure function of it, so every executor (in process, process pool, Dask) returns the same
numbers. All runs of a chunk go to the engine in one call (run ``r`` in future ``j`` is row
``r * n + j``); when that call raises, the runs are retried one by one so that one bad run is
recorded instead of losing the chunk.

A run that fails (an engine error, or non-finite values) keeps NaN values and gets one
:class:`RunFailure` (which run, which future, why): the one failure record of every path.

>>> for rows, out in execute(plan, executor=ex):            # doctest: +SKIP
...     out.values[indicator].sel(scenario="baseline")      # dims (scenario, sample, time)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

from ..errors import RunError
from ..plan import Plan
from ..plan.periods import period_means, saved_times
from ..resources import BYTES, COPIES, require_memory
from . import DEFAULT_ENGINE, check_engine
from .executors import Chunk, Executor, InProcessExecutor, chunked
from .simulate import simulate

__all__ = ["RunFailure", "ChunkWork", "ChunkOutput", "run_chunk", "execute", "collect", "chunk_size_for",
           "PROGRESS_MIN_RUNS", "MAX_CHUNK_RUNS", "CHUNK_RUNS"]

PROGRESS_MIN_RUNS = 4      # a progress bar only when more than three runs are made
COMPILING = "a model's first run on this machine compiles its kernel (once)"
KNOCKOUTS_COMPILING = "a model's first pathways on this machine compile its knockout kernel (once)"
"""Beside the first programme of the pathways on the compiled engine (about 35 s cold for jakarta.mdl)."""
"""The progress bar's note until the first chunk of a compiled-engine run is back."""
MAX_CHUNK_RUNS = 4096      # runs per engine call: the batch engine's array width (CHUNK_RUNS)
CHUNK_RUNS = {"compiled": 32768, "batch": MAX_CHUNK_RUNS, "pysd": MAX_CHUNK_RUNS}
"""Runs per engine call by engine: the compiled engine's overhead is per call (about a millisecond in
Python), the batch engine's arrays stay in cache up to its own chunk width."""
CHUNK_BYTES = 512 * 2**20  # saved values of one chunk in flight (a long run kept at every step takes fewer futures)


@dataclass(frozen=True)
class RunFailure:
    """A run that failed: which scenario (run of the plan), in which future (sample id), and why.

    A deterministic plan has one future, sample 0; ``scenario == "*"`` marks a whole chunk lost
    (a worker died).
    """

    scenario: str
    sample: int
    error: str

    def record(self) -> dict:
        """As stored with results: ``{"scenario", "sample", "error"}``."""
        return {"scenario": self.scenario, "sample": int(self.sample), "error": self.error}


@dataclass(frozen=True)
class ChunkWork:
    """A chunk's plain data: enough to run it in any process, and nothing more.

    Attributes
    ----------
    model_path : str
    names : tuple of str
        The runs (scenarios), in plan order.
    params : mapping
        Every run's params stacked along ``run`` (``len(names) * len(ids)`` rows), as
        :meth:`Plan.batch_params` gives them.
    ids : tuple of int
        Sample ids of the chunk's futures (``(0,)`` for a deterministic plan).
    start, end, dt, saveper : float
        The horizon [Year].
    variables : tuple of str or None
        What to keep (None: every variable).
    periods : tuple of float or None
        Report means over ``[p, p + every)`` at these period starts instead of every saved time.
    every : float
    engine : str
    method : str or None
        None: the model's own (:func:`cityfutures.engine.simulate.simulate`).
    scalar : bool or None
        The batch engine's choice of path (:func:`~cityfutures.engine.simulate.simulate`): False for
        ensembles, so that no number depends on the chunk size.
    """

    model_path: str
    names: tuple[str, ...]
    params: Mapping[str, Any]
    ids: tuple[int, ...]
    start: float
    end: float
    dt: float
    saveper: float
    variables: tuple[str, ...] | None = None
    periods: tuple[float, ...] | None = None
    every: float = 1.0
    engine: str = DEFAULT_ENGINE
    method: str | None = None
    scalar: bool | None = None


@dataclass(frozen=True)
class ChunkOutput:
    """What one chunk gives back: ``values`` with dims ``(scenario, sample, time, ...)`` and the failures."""

    values: xr.Dataset
    failures: tuple[RunFailure, ...]


def _rows(params: Mapping[str, Any], rows: Sequence[int]) -> dict:
    """The params of some runs (rows) of a stacked mapping."""
    out = {}
    for name, value in params.items():
        if isinstance(value, xr.DataArray):
            out[name] = value.isel(run=list(rows)) if "run" in value.dims else value
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            out[name] = value[list(rows)]
        else:
            out[name] = value
    return out


def _simulate(work: ChunkWork, params: Mapping[str, Any], n: int) -> xr.Dataset:
    return simulate(work.model_path, dict(params), engine=work.engine, n_runs=n, start=work.start, end=work.end,
                    dt=work.dt, saveper=work.saveper, method=work.method, scalar=work.scalar,
                    variables=None if work.variables is None else list(work.variables))


def _nonfinite(ds: xr.Dataset, i: int) -> str:
    for name, da in ds.data_vars.items():
        values = np.asarray(da.isel(run=i).values, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any() and not np.isnan(values).all():
            t = ds["time"].values[np.nonzero(bad.reshape(values.shape[0], -1).any(axis=1))[0][0]]
            return f"non-finite values in '{name}' from {t:g}"
    return "failed in the engine"


def _run_all(work: ChunkWork, n_total: int) -> tuple[xr.Dataset, dict[int, str]]:
    """Every run of the chunk; failed runs NaN, with their messages by row."""
    try:
        ds = _simulate(work, work.params, n_total)
    except RunError:
        ds = None
    except Exception:  # noqa: BLE001 - find the runs that fail, one by one
        ds = None
    if ds is not None:
        errors = {int(r): ds.attrs.get("errors", {}).get(int(r)) or _nonfinite(ds, int(r))
                  for r in ds.attrs.get("failed_runs", ())}
        return ds, errors
    parts, errors = [], {}
    for r in range(n_total):
        try:
            part = _simulate(work, _rows(work.params, [r]), 1)
        except Exception as exc:  # noqa: BLE001 - one bad run is recorded, not fatal
            errors[r] = f"{type(exc).__name__}: {exc}".replace("every PySD run failed; first error: ", "")[:300]
            parts.append(None)
            continue
        if part.attrs.get("failed_runs"):
            errors[r] = part.attrs.get("errors", {}).get(0) or _nonfinite(part, 0)
        parts.append(part)
    template = next((p for p in parts if p is not None), None)
    if template is None:
        raise RunError(f"every run failed; first: {errors[0]}")
    filled = [p if p is not None else xr.full_like(template, np.nan) for p in parts]
    ds = xr.concat(filled, dim="run", join="outer")
    return ds.assign_coords(run=np.arange(n_total)), errors


def run_chunk(work: ChunkWork) -> ChunkOutput:
    """Run every run of a chunk in each of its futures. Pure: the same work gives the same answer.

    Returns
    -------
    ChunkOutput
        ``values``: dims ``(scenario, sample, time, ...)`` — every saved time, or period means
        when ``work.periods`` is given; NaN where a run failed. ``failures``: one
        :class:`RunFailure` per failed run.
    """
    S, n = len(work.names), len(work.ids)
    ds, errors = _run_all(work, S * n)
    ds = ds.drop_vars("run", errors="ignore")
    if errors:   # a failed run is NaN throughout: no half-finite values reach the tables and charts
        ds = ds.map(_blank, rows=sorted(errors))
    coords = {d: ds[d].values for d in ds.coords if d not in ("run", "time")}
    values = xr.Dataset({name: _split(da, S, n) for name, da in ds.data_vars.items()},
                        coords={"scenario": list(work.names), "sample": list(work.ids), **coords})
    if work.periods is not None:
        saved = np.asarray(ds["time"], float)
        values = values.map(lambda da: xr.apply_ufunc(period_means, da, input_core_dims=[["time"]],
                                                      output_core_dims=[["period"]], keep_attrs=True,
                                                      kwargs=dict(saved=saved, periods=work.periods,
                                                                  every=work.every)))
        values = (values.rename(period="time").assign_coords(time=list(work.periods))
                  .transpose("scenario", "sample", "time", ...))
    else:
        values = values.assign_coords(time=ds["time"].values)
    values.attrs = {"engine": ds.attrs.get("engine", work.engine)}
    failures = tuple(RunFailure(work.names[r // n], int(work.ids[r % n]), msg) for r, msg in sorted(errors.items()))
    return ChunkOutput(values=values, failures=failures)


def _blank(da: xr.DataArray, rows: list[int]) -> xr.DataArray:
    """``da`` with the runs ``rows`` set to NaN."""
    if "run" not in da.dims:
        return da
    values = np.array(da.values, dtype=float)
    index = [slice(None)] * da.ndim
    index[da.dims.index("run")] = rows
    values[tuple(index)] = np.nan
    return da.copy(data=values)


def _split(da: xr.DataArray, S: int, n: int) -> xr.Variable:
    """``(run, time, ...)`` with ``S * n`` runs -> ``(scenario, sample, time, ...)`` (a Variable: nothing to align)."""
    rest = [d for d in da.dims if d != "run"]
    arr = np.asarray(da.transpose("run", *rest).values)
    return xr.Variable(("scenario", "sample", *rest), arr.reshape((S, n) + arr.shape[1:]), attrs=da.attrs)


def chunk_size_for(plan: Plan, executor: Executor, engine: str = DEFAULT_ENGINE, kept: int | None = None) -> int:
    """Futures per chunk, sized to the engine's efficient regime and to the memory.

    The compiled engine runs up to ``CHUNK_RUNS["compiled"]`` runs per call (its threads share them; a
    call costs a fixed overhead in Python, so fewer, larger calls are faster) and gives each worker of
    a pool at least one chunk; the batch engine about four chunks per worker of at most
    ``CHUNK_RUNS["batch"]`` runs (its arrays stay in cache). On every engine a chunk holds at most
    :data:`CHUNK_BYTES` of saved values (``kept`` variables; default the indicators).
    """
    n, workers = plan.n_futures, max(executor.n_workers, 1)
    per_call = max(1, CHUNK_RUNS.get(engine, MAX_CHUNK_RUNS) // max(len(plan.runs), 1))
    one = chunk_bytes(plan, 1, kept if kept is not None else len(plan.indicators))
    per_memory = max(1, int(CHUNK_BYTES // one)) if one else per_call
    if engine == "compiled":
        return int(max(1, min(math.ceil(n / workers), per_call, per_memory)))
    return int(max(1, min(max(math.ceil(n / (4 * workers)), 64), 2000, per_call, per_memory, n)))


def chunk_bytes(plan: Plan, futures: int, kept: int) -> float:
    """Memory of one chunk of ``futures`` futures in flight [bytes]: its runs' saved values, in three copies."""
    h = plan.horizon
    return float(futures) * len(plan.runs) * len(saved_times(h.start, h.end, h.saveper)) * kept * BYTES * COPIES


def _work(plan: Plan, positions: Sequence[int], ids: tuple[int, ...], engine: str, variables, reduce: bool
          ) -> ChunkWork:
    params = plan.batch_params(positions=positions if plan.futures is not None else None)
    h = plan.horizon
    if engine in ("compiled", "batch"):   # the same overrides in every call: a program (kernel) compiles once
        n = len(plan.runs) * len(ids)
        for name, lever in plan.model.levers.items():
            params.setdefault(name, np.full(n, float(lever.baseline)))
        if engine == "compiled":          # every lever and shock input a series, with or without interventions
            inputs = {shock.input for shock in plan.model.shocks.values()}
            for name in [*plan.model.levers, *sorted(inputs)]:
                if name not in params:
                    if name not in plan.model.constants:
                        continue
                    params[name] = float(plan.model.constants[name].value)
                if not isinstance(params[name], xr.DataArray):
                    value = np.broadcast_to(np.asarray(params[name], dtype=float), (n,))
                    params[name] = xr.DataArray(value[:, None], coords={"time": [float(h.start)]},
                                                dims=("run", "time"))
    periods = plan.times if (reduce and plan.every is not None) else None
    return ChunkWork(model_path=str(plan.model.path), names=tuple(plan.names), params=params, ids=ids,
                     start=float(h.start), end=float(h.end), dt=float(h.dt), saveper=float(h.saveper),
                     variables=None if variables is None else tuple(variables), periods=periods,
                     every=float(plan.every or 1.0), engine=engine, method=plan.method,
                     scalar=False if plan.futures is not None else None)   # ensembles: the same bits in any chunk


def execute(plan: Plan, *, engine: str = DEFAULT_ENGINE, executor: Executor | None = None,
            chunk_size: int | None = None, variables: Sequence[str] | None = None, progress: bool = False
            ) -> Iterator[tuple[np.ndarray, ChunkOutput]]:
    """Run a plan chunk by chunk; yield ``(rows, output)`` per chunk, in order.

    Parameters
    ----------
    plan : Plan
    engine : {"compiled", "batch", "pysd"}
    executor : Executor, optional
        Where chunks run (default: in this process).
    chunk_size : int, optional
        Futures per chunk (default :func:`chunk_size_for`).
    variables : sequence of str, optional
        What to keep; default every variable for a deterministic plan, the plan's indicators
        (as period means over ``plan.every``) for an ensemble.
    progress : bool
        Show a progress bar (runs done, time left) when more than three runs are made.

    Yields
    ------
    rows : ndarray of int
        The chunk's row positions in ``plan.samples`` (``[0]`` for a deterministic plan).
    output : ChunkOutput
        For a chunk that failed as a whole (a worker died): NaN values are not sent; ``values``
        is None and every run of the chunk has a failure with ``scenario == "*"``.
    """
    check_engine(engine)
    executor = executor or InProcessExecutor()
    n = plan.n_futures
    ids = plan.samples.sample_ids if plan.futures is not None else np.array([0])
    if variables is None and plan.futures is not None:
        variables = plan.indicators
    reduce = plan.futures is not None
    kept = len(variables) if variables is not None else len(plan.model.variables)
    size = chunk_size or chunk_size_for(plan, executor, engine, kept)
    if chunk_size:
        require_memory(chunk_bytes(plan, min(chunk_size, plan.n_futures), kept) * max(executor.n_workers, 1),
                       what=f"chunks of {chunk_size:,} futures x {len(plan.runs)} runs", field="--chunk-size",
                       allowed="a smaller --chunk-size (or leave it out: chosen from the memory)")
    pieces = chunked(list(range(n)), size)
    chunks = (Chunk(k, tuple(int(ids[p]) for p in pos),
                    _work(plan, list(pos), tuple(int(ids[p]) for p in pos), engine, variables, reduce))
              for k, pos in enumerate(pieces))
    pos_of = {int(i): k for k, i in enumerate(ids)}
    bar = None
    if progress and plan.n_runs >= PROGRESS_MIN_RUNS:
        desc = (plan.name or "runs") if plan.futures is not None else "runs"
        bar = tqdm(total=plan.n_runs, unit="run", desc=desc, smoothing=0.1, leave=False)
        if engine == "compiled":     # until the first chunk is back: a cold kernel takes ~20 s to compile
            bar.set_postfix_str(COMPILING)
    try:
        for res in executor.map_chunks(run_chunk, chunks):
            rows = np.array([pos_of[i] for i in res.ids], dtype=int)
            if res.ok:
                yield rows, res.value
            else:
                yield rows, ChunkOutput(values=None, failures=tuple(RunFailure("*", int(i), res.error)
                                                                    for i in res.ids))
            if bar is not None:
                if bar.postfix:
                    bar.set_postfix_str("", refresh=False)
                bar.update(len(res.ids) * len(plan.runs))
    finally:
        if bar is not None:
            bar.close()


def collect(plan: Plan, **kw) -> tuple[xr.Dataset, list[RunFailure]]:
    """Every run's values of a plan in one Dataset ``(scenario, sample, time, ...)``, and the failures.

    For a deterministic plan and for designs that need every trajectory (sensitivity analysis);
    large ensembles should reduce chunk by chunk instead (:mod:`cityfutures.results.ensemble`).
    Keyword arguments as :func:`execute`.

    Raises
    ------
    RunError
        Every run failed.
    """
    parts, failures = [], []
    for rows, out in execute(plan, **kw):
        failures += out.failures
        if out.values is not None:
            parts.append((rows, out.values))
    if not parts:
        first = failures[0].error if failures else "nothing ran"
        raise RunError(f"every run failed; first error: {first}")
    template = parts[0][1]
    if len(parts) == 1 and len(parts[0][0]) == plan.n_futures:
        return template, failures
    ids = plan.samples.sample_ids if plan.futures is not None else np.array([0])
    full = xr.concat([v for _r, v in parts], dim="sample", join="outer")
    return full.reindex(sample=ids).transpose("scenario", "sample", "time", ...), failures
