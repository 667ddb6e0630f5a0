"""Run a scenario or a comparison: plan -> engine -> results Dataset.

:func:`run` is the one entry point; it builds a :class:`~cityfutures.plan.Plan`, hands it
to :func:`cityfutures.simulate.simulate` and wraps the output with units, labels and
provenance (:func:`cityfutures.results.build_results`). All runs of a plan share the
baseline's horizon and seed, so their differences are paired.

A run that fails (an engine error, or non-finite values) is kept with its values (NaN
after an error), listed in ``ds.attrs["failed_runs"]`` (JSON: ``[{"scenario", "error"}]``)
and reported with a :class:`RunFailedWarning`; it is never silently dropped. If every run
fails, :class:`~cityfutures.errors.RunError` is raised.
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import InputError, RunError
from ..plan.plan import Plan, build_plan
from ..results.dataset import build_results

__all__ = ["run", "run_plan", "load_any", "ENGINES", "DEFAULT_ENGINE", "RunFailedWarning",
           "PROGRESS_MIN_RUNS"]

ENGINES = ("batch", "pysd")
DEFAULT_ENGINE = "batch"
PROGRESS_MIN_RUNS = 4      # a progress bar only when more than three runs are made


class RunFailedWarning(UserWarning):
    """One or more runs of a plan failed; they are listed in ``ds.attrs["failed_runs"]``."""


def load_any(what: Any):
    """A Scenario or Comparison from a path (either kind of file), or ``what`` unchanged."""
    from ..scenario.load import Comparison, Scenario, load_file
    if isinstance(what, (str, os.PathLike)):
        return load_file(Path(what))
    if isinstance(what, Mapping):
        return load_file(what)
    if isinstance(what, (Scenario, Comparison)):
        return what
    if isinstance(what, (list, tuple)) and what and all(isinstance(w, Scenario) for w in what):
        return what
    raise InputError(f"cannot run a {type(what).__name__}", path="<api>", field="what",
                     allowed="a scenario or comparison file path, a mapping of one, a Scenario, a Comparison, "
                     "a list of Scenarios, or a Plan")


def check_engine(engine: str) -> str:
    """``engine`` if it is known, else an :class:`InputError`."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    return engine


def run(what: Any, *, engine: str = DEFAULT_ENGINE, progress: bool = False,
        variables: Sequence[str] | None = None) -> xr.Dataset:
    """Run a scenario, a list of scenarios or a comparison.

    Parameters
    ----------
    what : Scenario, Comparison, sequence of Scenario, Plan, or path
        A path may name a scenario file or a comparison file. A comparison runs its
        baseline, each intervention on the baseline, and each bundle.
    engine : {"batch", "pysd"}
        ``batch``: every run at once on the vectorised engine; ``pysd``: PySD's loop, one
        run at a time (the reference).
    progress : bool
        Show a progress bar (when more than three runs are made).
    variables : sequence of str, optional
        Variables to keep (default: every variable of the model).

    Returns
    -------
    xarray.Dataset
        Dims ``scenario`` and ``time``; see :mod:`cityfutures.results`.

    Raises
    ------
    ScenarioError
        The file or the combination of scenarios is invalid (see :func:`build_plan`).
    RunError
        Every run failed.

    Examples
    --------
    >>> ds = run("scenarios/workshop-2018.yaml")                    # doctest: +SKIP
    >>> ds["People affected by floods"].sel(scenario="baseline")    # doctest: +SKIP
    """
    check_engine(engine)
    plan = what if isinstance(what, Plan) else build_plan(load_any(what))
    return run_plan(plan, engine=engine, progress=progress, variables=variables)


def run_plan(plan: Plan, *, engine: str = DEFAULT_ENGINE, progress: bool = False,
             variables: Sequence[str] | None = None) -> xr.Dataset:
    """Execute a plan and return the results Dataset (see :func:`run`)."""
    check_engine(engine)
    names = plan.names
    show = progress and len(names) >= PROGRESS_MIN_RUNS
    if engine == "pysd":
        sim, errors = _one_at_a_time(plan, variables, show)
    else:
        sim, errors = _all_at_once(plan, variables, show)
    failed = []
    for i, name in enumerate(names):
        if i in errors:
            failed.append({"scenario": name, "error": errors[i]})
    if len(failed) == len(names):
        raise RunError(f"every run failed; first: {failed[0]['scenario']}: {failed[0]['error']}")
    if failed:
        listing = "; ".join(f"{f['scenario']}: {f['error']}" for f in failed)
        warnings.warn(f"{len(failed)} of {len(names)} runs failed ({listing})", RunFailedWarning, stacklevel=3)
    return build_results(plan.model, plan.runs, sim, engine=engine, seed=plan.seed, horizon=plan.horizon,
                         comparison=plan.comparison, indicators=plan.indicators, failed_runs=failed)


def _simulate_kwargs(plan: Plan, variables) -> dict:
    h = plan.horizon
    return dict(start=h.start, end=h.end, dt=h.dt, saveper=h.saveper,
                variables=None if variables is None else list(variables))


def _nonfinite(sim: xr.Dataset, i: int) -> str | None:
    for name, da in sim.data_vars.items():
        values = da.isel(run=i).values
        bad = ~np.isfinite(values)
        if bad.any():
            t = da["time"].values[np.nonzero(bad.reshape(values.shape[0], -1).any(axis=1))[0][0]]
            return f"non-finite values in '{name}' from {t:g}"
    return None


def _failed_indices(sim: xr.Dataset) -> list[int]:
    raw = sim.attrs.get("failed_runs", [])
    if isinstance(raw, str):
        import json
        raw = json.loads(raw) if raw else []
    if isinstance(raw, (int, np.integer)):
        raw = [raw]
    return [int(r["run"] if isinstance(r, dict) else r) for r in np.atleast_1d(raw).tolist()]


def _all_at_once(plan: Plan, variables, show: bool) -> tuple[xr.Dataset, dict[int, str]]:
    from .simulate import simulate
    bar = _bar(len(plan.runs), show)
    try:
        sim = simulate(plan.model, plan.batch_params(), engine="batch", n_runs=len(plan.runs),
                       **_simulate_kwargs(plan, variables))
    finally:
        if bar is not None:
            bar.update(len(plan.runs))
            bar.close()
    errors = {i: _nonfinite(sim, i) or "failed in the engine" for i in _failed_indices(sim)}
    return sim, errors


def _one_at_a_time(plan: Plan, variables, show: bool) -> tuple[xr.Dataset, dict[int, str]]:
    from .simulate import simulate
    bar = _bar(len(plan.runs), show)
    parts: list[xr.Dataset | None] = []
    errors: dict[int, str] = {}
    try:
        for i, params in enumerate(plan.params_list()):
            try:
                part = simulate(plan.model, params, engine="pysd", n_runs=1, **_simulate_kwargs(plan, variables))
            except RunError as exc:
                errors[i] = re.sub(r"^every .*? failed; first error: ", "", str(exc))
                parts.append(None)
            else:
                if _failed_indices(part):
                    errors[i] = _nonfinite(part, 0) or "failed in the engine"
                parts.append(part.isel(run=0, drop=True) if "run" in part.dims else part)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    template = next((p for p in parts if p is not None), None)
    if template is None:
        first = errors[min(errors)]
        raise RunError(f"every run failed; first: {plan.runs[min(errors)].name}: {first}")
    filled = [p if p is not None else xr.full_like(template, np.nan) for p in parts]
    sim = xr.concat(filled, dim="run", join="outer")
    sim.attrs = {"engine": "pysd"}
    return sim, errors


def _bar(total: int, show: bool):
    if not show:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, desc="runs", unit="run", leave=False)
