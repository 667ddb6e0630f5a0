"""Knockout: how much of a policy's effect on each indicator travels through each pathway.

A policy run differs from a reference run; the *effect* on an indicator is the difference. A
pathway is knocked out by running the policy again with one variable held at its reference
trajectory (every equation that reads it sees the reference values: ``holds``) or with one link
cut (only the target's equation sees the source's reference values: ``cuts``). The share of the
effect that disappears is the pathway's share::

    share_p = (E - E_p) / E          E: the policy's effect, E_p: the effect with p knocked out

All pathways knocked out together leave ``E_all``; ``remaining = E_all / E`` is the part that
travels through none of them, and ``interaction = (1 - remaining) - sum of share_p`` the part that
needs two or more of them at once (non-zero where pathways multiply). The shares, the
interaction and the remaining part add up to 1.

Trajectories are taken at every time step (``saveper = dt``), so a held variable takes its
reference value at each step exactly; a variable held at its own trajectory changes nothing.

>>> k = knockout("town.mdl", {"Bus fleet": 2.0},
...              holds=["Car trips"], cuts=[("Car trips", "Travel time")])   # doctest: +SKIP
>>> k.table.query("pathway != 'total'")                                            # doctest: +SKIP
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..engine.simulate import simulate, simulate_knockouts
from ..errors import InputError
from ..model import load_model

__all__ = ["knockout", "KnockoutResult", "MEASURES"]

MEASURES = ("end", "cumulative")


@dataclass(frozen=True)
class KnockoutResult:
    """What :func:`knockout` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per indicator and ``pathway``: ``total`` (the effect, share 1), each knocked-out
        pathway (a held variable's name, or ``source -> target`` for a cut link), ``interaction``
        and ``remaining``. Columns ``indicator``, ``pathway``, ``kind`` (total | hold | cut |
        interaction | remaining), ``effect`` (the part of the effect, in the indicator's units, or
        units x time for ``cumulative``) and ``share`` (of the total; NaN when the effect is 0).
    reference, policy : xarray.Dataset
        The two runs (every time step; dims ``run``, ``time``).
    measure : {"end", "cumulative"}
    """

    table: pd.DataFrame
    reference: xr.Dataset
    policy: xr.Dataset
    measure: str


def _measures(da: xr.DataArray, measure: str) -> np.ndarray:
    """The measure of every run ``(run,)``: the value at the end, or the area under the curve."""
    if measure == "end":
        return np.asarray(da.isel(time=-1).values, dtype=float).reshape(-1)
    return np.asarray(da.integrate("time").values, dtype=float).reshape(-1)


def _measure(da: xr.DataArray, measure: str) -> float:
    return float(_measures(da.isel(run=[0]), measure)[0])


BATCH = 64
"""Knockouts per engine call on the batch engine (each run of the call knocks out one pathway)."""


def _knocked(traj: Mapping, times: np.ndarray, items: list, rows: list) -> dict:
    """Per-run trajectories ``(run, time)``: item ``items[j]`` at its reference trajectory ``traj[items[j]]``
    ``(T,)`` at ``times`` in the rows that knock it out (``rows[k] == items[j]``), NaN elsewhere (not held
    there: its own equation)."""
    out = {}
    for key in items:
        arr = np.full((len(rows), len(times)), np.nan)
        arr[[k for k, r in enumerate(rows) if r == key]] = traj[key]
        out[key] = xr.DataArray(arr, dims=("run", "time"), coords={"time": times})
    return out


def _levers_as_series(m, params: Mapping) -> dict:
    """``params`` with every lever and shock input of the model a time series (a constant one where it is a
    number or not given): the same overrides whatever a programme or a shock sets, so all knockouts of a
    model share one compiled kernel. A constant series gives the number exactly at every time."""
    out = dict(params)
    for name in dict.fromkeys([*m.levers, *(shock.input for shock in m.shocks.values())]):
        variable = m.variables.get(name)
        value = out.get(name, None if variable is None else variable.value)
        if value is None or (isinstance(value, xr.DataArray) and "time" in value.dims):
            continue
        out[name] = xr.DataArray(np.full(2, float(value)), dims="time", coords={"time": [0.0, 1.0]})
    return out


def knockout(model, params: Mapping | None = None, *, holds: Sequence[str] = (),
             cuts: Sequence[tuple[str, str]] = (), reference: Mapping | None = None,
             indicators: Sequence[str] | None = None, measure: str = "end", engine: str = "batch",
             start: float | None = None, end: float | None = None, dt: float | None = None,
             batch: int = BATCH, together: bool = True) -> KnockoutResult:
    """The share of a policy's effect on each indicator that each pathway carries (see the module docstring).

    Parameters
    ----------
    model : Model or path
    params : mapping, optional
        The policy run's params (as :func:`cityfutures.simulate` takes them; one run: numbers or series
        with dim ``time``).
    holds : sequence of str
        Variables to hold at their reference trajectories, one knockout each.
    cuts : sequence of (source, target)
        Links to cut at the source's reference trajectory, one knockout each (compiled and batch engines).
    reference : mapping, optional
        The reference run's params (default: the model as it stands).
    indicators : sequence of str, optional
        Default: the model's indicators (from its sidecar); at least one is needed.
    measure : {"end", "cumulative"}
        The effect at the end of the run, or the area between the two curves.
    engine : {"batch", "compiled", "pysd"}
        Default batch. On the compiled engine the link cuts run in the model's one knockout kernel (the
        link each run cuts is an input of the run: :meth:`cityfutures.engine.compiled.CompiledModel.knockouts`;
        every lever and shock input a time series, so any programme's params make the same kernel), compiled once per
        machine; the held variables and the run with every pathway knocked out make programs of their own,
        which run on the batch engine (built in milliseconds, where the compiled engine would compile a
        kernel for each). PySD holds variables but cannot cut links.
    start, end, dt : float, optional
        Time settings [time units] (default the model's).
    batch : int
        On the compiled and batch engines, knockouts run ``batch`` at a time, one per run of an engine call (each run
        holds or cuts its own pathway; the others follow their own equations there); PySD runs them one
        by one.
    together : bool
        Also run every pathway knocked out at once (``interaction`` and ``remaining``; NaN without it).

    Returns
    -------
    KnockoutResult

    Raises
    ------
    InputError
        No pathway, no indicator, an unknown name or measure, or a cut on the PySD engine.
    """
    if measure not in MEASURES:
        raise InputError(f"unknown measure '{measure}'", field="measure", allowed=", ".join(MEASURES))
    if not holds and not cuts:
        raise InputError("no pathway to knock out", field="holds", allowed="variables to hold or links to cut")
    if cuts and engine == "pysd":
        raise InputError("the pysd engine cannot cut a link (PySD replaces a variable for every equation "
                         "that reads it)", field="cut", allowed="engine='batch'")
    m = load_model(model)
    indicators = list(indicators) if indicators is not None else list(m.indicators)
    if not indicators:
        raise InputError("no indicators: name them (the model's sidecar declares none)", field="indicators")
    if engine == "compiled":
        params, reference = _levers_as_series(m, params or {}), _levers_as_series(m, reference or {})
    holds = list(dict.fromkeys(holds))
    cuts = [tuple(c) for c in dict.fromkeys(tuple(c) for c in cuts)]
    sources = list(dict.fromkeys([*holds, *(s for s, _t in cuts)]))
    step = float(dt if dt is not None else m.time_step)
    # the two runs keep every variable: one program serves every knockout of a model with the same
    # params' names (what they keep would make a program of its own for each set of pathways)
    kw = dict(engine=engine, start=start, end=end, dt=step, saveper=step, variables=None)
    ref = simulate(m, dict(reference or {}), n_runs=1, **kw)
    pol = simulate(m, dict(params or {}), n_runs=1, **kw)
    kw["variables"] = indicators      # knocked-out runs: the indicators only
    times = ref["time"].values
    traj = {name: ref.variables[name].values[0] for name in sources}   # (T,): no DataArray per source
    pathways = [("hold", h) for h in holds] + [("cut", c) for c in cuts]

    def run(knock: list[int], together: bool = False) -> xr.Dataset:
        """One engine call: run k knocks out pathway ``knock[k]`` (or one run with all of them, ``together``)."""
        if engine == "compiled" and (together or any(pathways[j][0] == "hold" for j in knock)):
            kw["engine"] = "batch"      # a program of its own: not worth a kernel
        else:
            kw["engine"] = engine
        which = range(len(pathways)) if together else knock
        source = {j: traj[pathways[j][1] if pathways[j][0] == "hold" else pathways[j][1][0]] for j in which}
        if kw["engine"] == "compiled" and not together:    # link cuts only: straight into the knockout kernel
            ds = simulate_knockouts(m, dict(params or {}), [pathways[j][1] for j in knock],
                                    {pathways[j][1][0]: (times, source[j]) for j in knock}, start=start, end=end,
                                    dt=step, variables=indicators)
            if ds is not None:
                return ds
            kw["engine"] = "batch"      # a link outside the knockout kernel: a program of its own
        if together or len(knock) == 1:     # one run (PySD, or a single pathway: no run left to its own equation)
            one = {pathways[j][1]: xr.DataArray(source[j], dims="time", coords={"time": times}) for j in which}
            hold = {what: v for what, v in one.items() if isinstance(what, str)}
            cut = {what: v for what, v in one.items() if not isinstance(what, str)}
            return simulate(m, dict(params or {}), n_runs=1, hold=hold or None, cut=cut or None, **kw)
        series = _knocked(source, times, knock, knock)
        hold = {pathways[j][1]: series[j] for j in knock if pathways[j][0] == "hold"}
        cut = {pathways[j][1]: series[j] for j in knock if pathways[j][0] == "cut"}
        return simulate(m, dict(params or {}), n_runs=len(knock), hold=hold or None, cut=cut or None, **kw)

    size = max(1, int(batch)) if engine in ("compiled", "batch") else 1
    parts = []
    for kind in ("hold", "cut"):        # holds and cuts in calls of their own (on the compiled engine, engines)
        group = [j for j, (k, _w) in enumerate(pathways) if k == kind]
        parts += [run(group[lo:lo + size]) for lo in range(0, len(group), size)]
    knocked = {ind: np.concatenate([_measures(part[ind], measure) for part in parts]) for ind in indicators}
    both = run([], together=True) if together else None
    rows = []
    for ind in indicators:
        base = _measure(ref[ind], measure)
        total = _measure(pol[ind], measure) - base

        def share(part: float, total: float = total) -> float:
            return part / total if total != 0 else np.nan

        rows.append({"indicator": ind, "pathway": "total", "kind": "total", "effect": total, "share": share(total)})
        removed_sum = 0.0
        for (kind, what), value in zip(pathways, knocked[ind]):
            removed = total - (float(value) - base)
            removed_sum += removed
            name = what if kind == "hold" else f"{what[0]} -> {what[1]}"
            rows.append({"indicator": ind, "pathway": name, "kind": kind, "effect": removed, "share": share(removed)})
        remaining = _measure(both[ind], measure) - base if both is not None else np.nan
        interaction = (total - remaining) - removed_sum
        rows.append({"indicator": ind, "pathway": "interaction", "kind": "interaction", "effect": interaction,
                     "share": share(interaction)})
        rows.append({"indicator": ind, "pathway": "remaining", "kind": "remaining", "effect": remaining,
                     "share": share(remaining)})
    table = pd.DataFrame(rows, columns=["indicator", "pathway", "kind", "effect", "share"])
    return KnockoutResult(table=table, reference=ref, policy=pol, measure=measure)
