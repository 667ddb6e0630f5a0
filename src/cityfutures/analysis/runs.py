"""Shared pieces of the checks that run a model: the baseline a check starts from, and
per-run parameters stacked for one call of :func:`cityfutures.engine.simulate.simulate`.

The baseline is the model's own constants, or a baseline scenario (its ``set``,
interventions, shocks and horizon; its ``uncertain:`` block is what equilibrium checks
sample).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ..model import Model
from ..plan import Plan, RunSpec, build_plan
from ..scenario import Cost, Horizon, Intervention, load_scenario
from ..scenario.series import STEP_EPS, lever_series, pulse_series

__all__ = ["Baseline", "baseline", "stack", "changed"]


@dataclass(frozen=True)
class Baseline:
    """Where a check's runs start.

    Attributes
    ----------
    params : mapping of constant name -> float or DataArray(time)
        What the baseline scenario changes in the model (empty for the model as it stands).
    horizon : Horizon
    uncertain : UncertainSpec or None
        The baseline scenario's ``uncertain:`` block.
    scenario : Path or None
    """

    params: Mapping[str, Any]
    horizon: Horizon
    uncertain: Any = None
    scenario: Path | None = None


def baseline(model: Model, scenario: str | Path | None = None) -> Baseline:
    """The model as it stands, or the baseline scenario at ``scenario`` run on ``model``."""
    if scenario is None:
        hz = Horizon(start=model.initial_time, end=model.final_time, dt=model.time_step, saveper=model.saveper)
        return Baseline({}, hz)
    sc = load_scenario(scenario, model=model)
    plan = build_plan(sc)
    return Baseline(dict(plan.runs[0].params), sc.horizon, sc.uncertain, Path(scenario))


def stack(model: Model, horizon: Horizon, runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Per-run params (``name -> float or DataArray(time)``) as one mapping with a run axis."""
    plan = Plan(model=model, horizon=horizon, seed=None,
                runs=tuple(RunSpec(f"run{i}", "intervention", dict(p)) for i, p in enumerate(runs)))
    return plan.batch_params()


def _value_of(model: Model, params: Mapping[str, Any], name: str):
    if name in params:
        return params[name]
    return float(model.constants[name].value)


def changed(model: Model, params: Mapping[str, Any], horizon: Horizon, sets: Mapping[str, float],
            start: float | None, shocks: Sequence[tuple[str, float, float]]) -> dict[str, Any]:
    """``params`` with constants set from ``start`` and shock pulses added.

    Parameters
    ----------
    sets : mapping of constant -> value
        Held from ``start`` on (from the first time when ``start`` is None).
    shocks : sequence of (kind, year, magnitude)
    """
    out = dict(params)
    for name, value in sets.items():
        base = _value_of(model, out, name)
        if start is None or start <= horizon.start:
            out[name] = float(value)
        elif isinstance(base, xr.DataArray):
            keep = base.sel(time=base["time"] < start - STEP_EPS)
            before = float(np.interp(start - STEP_EPS, base["time"].values, base.values))
            t = np.concatenate([keep["time"].values, [start - STEP_EPS, start]])
            out[name] = xr.DataArray(np.concatenate([keep.values, [before, value]]), dims="time",
                                     coords={"time": t})
        else:
            iv = Intervention(lever=name, mode="set", value=float(value), start=float(start), ramp_years=0.0,
                              cost=Cost(), source=None)
            out[name] = lever_series(float(base), [iv], horizon)
    by_input: dict[str, list] = {}
    for kind, year, magnitude in shocks:
        shock = model.shocks[kind]
        by_input.setdefault(shock.input, []).append((year, magnitude, shock.duration))
    for name, pulses in by_input.items():
        onsets, magnitudes, widths = zip(*pulses)
        out[name] = pulse_series(onsets, magnitudes, widths, _value_of(model, out, name))
    return out
