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

from ..engine import DEFAULT_ENGINE
from ..engine.simulate import simulate
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


def _measure(da: xr.DataArray, measure: str) -> float:
    da = da.isel(run=0)
    if measure == "end":
        return float(da.isel(time=-1))
    return float(da.integrate("time"))


def knockout(model, params: Mapping | None = None, *, holds: Sequence[str] = (),
             cuts: Sequence[tuple[str, str]] = (), reference: Mapping | None = None,
             indicators: Sequence[str] | None = None, measure: str = "end", engine: str = DEFAULT_ENGINE,
             start: float | None = None, end: float | None = None, dt: float | None = None) -> KnockoutResult:
    """The share of a policy's effect on each indicator that each pathway carries (see the module docstring).

    Parameters
    ----------
    model : Model or path
    params : mapping, optional
        The policy run's params (as :func:`cityfutures.simulate` takes them; one run).
    holds : sequence of str
        Variables to hold at their reference trajectories, one knockout each.
    cuts : sequence of (source, target)
        Links to cut at the source's reference trajectory, one knockout each (batch engine).
    reference : mapping, optional
        The reference run's params (default: the model as it stands).
    indicators : sequence of str, optional
        Default: the model's indicators (from its sidecar); at least one is needed.
    measure : {"end", "cumulative"}
        The effect at the end of the run, or the area between the two curves.
    engine : {"batch", "pysd"}
        PySD holds variables but cannot cut links.
    start, end, dt : float, optional
        Time settings [time units] (default the model's).

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
    m = load_model(model)
    indicators = list(indicators) if indicators is not None else list(m.indicators)
    if not indicators:
        raise InputError("no indicators: name them (the model's sidecar declares none)", field="indicators")
    sources = list(dict.fromkeys([*holds, *(s for s, _t in cuts)]))
    keep = list(dict.fromkeys([*indicators, *sources]))
    step = float(dt if dt is not None else m.time_step)
    kw = dict(engine=engine, start=start, end=end, dt=step, saveper=step, variables=keep)
    ref = simulate(m, dict(reference or {}), n_runs=1, **kw)
    pol = simulate(m, dict(params or {}), n_runs=1, **kw)
    traj = {name: ref[name].isel(run=0) for name in sources}

    def run(hold=(), cut=()) -> xr.Dataset:
        return simulate(m, dict(params or {}), n_runs=1, hold={h: traj[h] for h in hold} or None,
                        cut={c: traj[c[0]] for c in cut} or None, **kw)

    pathways = [(h, "hold", run(hold=[h])) for h in holds]
    pathways += [(f"{s} -> {t}", "cut", run(cut=[(s, t)])) for s, t in cuts]
    together = run(hold=list(holds), cut=[tuple(c) for c in cuts])
    rows = []
    for ind in indicators:
        base = _measure(ref[ind], measure)
        total = _measure(pol[ind], measure) - base

        def share(part: float, total: float = total) -> float:
            return part / total if total != 0 else np.nan

        rows.append({"indicator": ind, "pathway": "total", "kind": "total", "effect": total, "share": share(total)})
        removed_sum = 0.0
        for name, kind, ds in pathways:
            removed = total - (_measure(ds[ind], measure) - base)
            removed_sum += removed
            rows.append({"indicator": ind, "pathway": name, "kind": kind, "effect": removed, "share": share(removed)})
        remaining = _measure(together[ind], measure) - base
        interaction = (total - remaining) - removed_sum
        rows.append({"indicator": ind, "pathway": "interaction", "kind": "interaction", "effect": interaction,
                     "share": share(interaction)})
        rows.append({"indicator": ind, "pathway": "remaining", "kind": "remaining", "effect": remaining,
                     "share": share(remaining)})
    table = pd.DataFrame(rows, columns=["indicator", "pathway", "kind", "effect", "share"])
    return KnockoutResult(table=table, reference=ref, policy=pol, measure=measure)
