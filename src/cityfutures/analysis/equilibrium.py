"""Equilibrium check: stocks declared as starting in equilibrium must not move at the start.

A model that starts in equilibrium shows only what the scenario changes; a stock whose
initial value was copied from a run (instead of computed with ``INITIAL()`` or
algebraically) is in equilibrium only for the constants of that run, and drifts as soon as
an ensemble draws others. The check takes the sidecar's ``equilibrium_stocks:``, and for
the baseline and for samples of the baseline scenario's ``uncertain:`` block (constants
only; shocks come later) computes each stock's rate of change at the initial time relative
to the stock, ``|dS/dt| / |S|`` [1/time unit]. Above :data:`TOLERANCE` it is an error.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..engine.simulate import simulate
from ..model import Model
from ..model.checks.findings import Finding, finding
from ..model.source import ModelSource
from ..plan.sampling import sample
from .runs import Baseline, stack

__all__ = ["equilibrium_findings", "TOLERANCE", "initial_rates"]

TOLERANCE = 1e-9
"""Largest relative rate of change [1/time unit] of a stock in equilibrium: rounding, not a drift."""
_FLOOR = 1e-12


def initial_rates(model: Model, stocks: Sequence[str], base: Baseline, runs: Sequence[dict]) -> tuple:
    """Each stock's value and rate of change at the initial time, per run.

    Returns
    -------
    values, rates : ndarray (n_stocks, n_runs)
        [stock units] and [stock units / time unit].
    """
    hz = base.horizon
    params = stack(model, hz, [dict(base.params, **r) for r in runs])
    ds = simulate(model, params, n_runs=len(runs), start=hz.start, end=hz.start + hz.dt, dt=hz.dt,
                  saveper=hz.dt, variables=list(stocks))
    values = np.stack([ds[s].isel(time=0).values.reshape(len(runs), -1)[:, 0] for s in stocks])
    after = np.stack([ds[s].isel(time=1).values.reshape(len(runs), -1)[:, 0] for s in stocks])
    return values, (after - values) / hz.dt


def equilibrium_findings(model: Model, base: Baseline, source: ModelSource, *, file: str,
                         samples: int = 32, seed: int = 0, tolerance: float = TOLERANCE) -> tuple[list[Finding], str]:
    """Findings for stocks declared in equilibrium that move at the initial time.

    Parameters
    ----------
    model : Model
        With ``equilibrium_stocks`` from its sidecar.
    base : Baseline
        The baseline the runs start from; its ``uncertain`` block (if any) is sampled.
    samples : int
        Samples of the uncertain constants (Latin hypercube, ``seed``).

    Returns
    -------
    findings : list of Finding
    note : str
        What was checked, for the report.
    """
    stocks = list(model.equilibrium_stocks)
    if not stocks:
        return [], ""
    runs: list[dict] = [{}]
    table = None
    spec = base.uncertain
    if spec is not None and spec.constants and samples > 0:
        drawn = sample(spec, samples, seed=seed, start=base.horizon.start, end=base.horizon.end)
        table = drawn.constants
        runs += [{k: float(v) for k, v in row.items()} for _, row in table.iterrows()]
    values, rates = initial_rates(model, stocks, base, runs)
    rel = np.abs(rates) / np.maximum(np.abs(values), _FLOOR)
    tu = model.time_units or "time unit"
    out = []
    for i, name in enumerate(stocks):
        bad = np.flatnonzero(rel[i] > tolerance)
        if not bad.size:
            continue
        worst = int(bad[np.argmax(rel[i][bad])])
        where = "in the baseline" if worst == 0 else _sample_text(table, worst - 1)
        also = ""
        if table is not None:
            n_bad_samples = int((bad > 0).sum())
            also = f"; out of equilibrium in {n_bad_samples} of {len(runs) - 1} samples of the uncertain block"
            if 0 in bad and worst != 0:
                also += f" and in the baseline ({rel[i][0]:.3g}/{tu})"
        out.append(finding("equilibrium", name, f"declared in equilibrium but moves at the start: dS/dt = "
                           f"{rates[i][worst]:.4g} ({rel[i][worst]:.3g} of the stock per {tu}) {where}{also}; "
                           "compute its initial value with INITIAL() or from the equilibrium condition",
                           file=file, line=source.line(name)))
    note = (f"equilibrium: {len(stocks)} stock(s) checked in the baseline"
            + (f" and {len(runs) - 1} samples of the uncertain block" if table is not None else ""))
    return out, note


def _sample_text(table, i: int) -> str:
    row = table.iloc[i]
    parts = ", ".join(f"{k} = {float(v):.4g}" for k, v in row.items())
    return f"in sample {i + 1} ({parts})"
