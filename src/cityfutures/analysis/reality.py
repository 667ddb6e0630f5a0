"""Run the reality checks of a :class:`~cityfutures.scenario.reality.RealityFile` and report violations.

Each check runs in pairs - the baseline, and the baseline with the check's change - so an
expectation about a change compares like with like. With ``across: levers`` the pair is
repeated for Latin-hypercube samples of the other levers over their documented ranges
(the same values in both runs of a pair). All runs of a check go through one call of
:func:`cityfutures.engine.simulate.simulate`. A violation names the run that shows it.

Tolerance: a change counts when it exceeds :data:`RTOL` of the baseline value (or
:data:`ATOL`), so rounding never decides a check.
"""
from __future__ import annotations

import numpy as np

from ..engine.simulate import simulate
from ..model import Model
from ..model.checks.findings import Finding, finding
from ..plan.sampling import unit_design
from ..scenario.reality import Expectation, RealityCheck, RealityFile
from .runs import Baseline, changed, stack

__all__ = ["run_reality", "RTOL", "ATOL"]

RTOL = 1e-6
ATOL = 1e-12


def _lever_samples(model: Model, check: RealityCheck, n: int, seed: int) -> list[dict]:
    levers = [lv for lv in model.levers.values() if lv.name not in check.when.set and lv.name not in check.given.set]
    unit = unit_design(len(levers), n, method="lhs", seed=seed)
    return [{lv.name: float(lv.minimum + u * (lv.maximum - lv.minimum)) for lv, u in zip(levers, row)}
            for row in unit]


def _run_text(model: Model, levers: dict) -> str:
    if not levers:
        return "in the run with the baseline's levers"
    parts = ", ".join(f"{k} = {v:.4g}" for k, v in levers.items())
    return f"in the run with {parts}"


def _change_start(check: RealityCheck, t0: float) -> float:
    when = check.when
    times = ([when.start] if when.start is not None and when.set else []) + [y for _, y, _ in when.shocks]
    return min(times) if times else t0


def _judge(e: Expectation, times: np.ndarray, base: np.ndarray, test: np.ndarray, t_change: float):
    """How badly one pair breaks ``e`` (0 = holds), and a description of the values."""
    if e.at == "end":
        idx = np.array([len(times) - 1])
    elif e.at == "all":
        idx = np.flatnonzero(times >= t_change - 1e-9)
    else:
        idx = np.array([int(np.argmin(np.abs(times - float(e.at))))])
    b, t = base[idx], test[idx]
    if e.within is not None:
        lo, hi = e.within
        over = np.maximum(t - hi, lo - t)
        k = int(np.argmax(over))
        if over[k] > ATOL:
            return float(over[k]), f"{t[k]:.6g} at {times[idx][k]:g}, outside [{lo:g}, {hi:g}]"
        return 0.0, ""
    tol = RTOL * np.maximum(np.abs(b), np.abs(t)) + ATOL
    d = t - b
    direction = {"rise": 1.0, "fall": -1.0}.get(e.change)
    if direction is None:  # not_improve / not_worsen: which way is better
        worse = 1.0 if e.better == "lower" else -1.0
        direction = worse if e.change == "not_improve" else -worse   # the direction allowed
        gap = np.where(direction * d < -tol, -direction * d, 0.0)   # moved the forbidden way by this much
    elif e.at == "all":
        wrong = np.where(direction * d < -tol, -direction * d, 0.0)
        gap = wrong if wrong.any() or (direction * d > tol).any() else np.abs(d) + tol
    else:
        gap = np.where(direction * d > tol, 0.0, np.abs(d) + tol)
    k = int(np.argmax(gap))
    if gap[k] <= 0:
        return 0.0, ""
    rel = d[k] / abs(b[k]) if b[k] else np.inf
    return float(gap[k] / (abs(b[k]) + ATOL)), (f"changes by {d[k]:+.4g} ({rel:+.3%}) at {times[idx][k]:g}: "
                                                 f"{b[k]:.6g} without the change, {t[k]:.6g} with it")


def _expected(e: Expectation) -> str:
    at = "at the end" if e.at == "end" else "at every time from the change" if e.at == "all" else f"in {e.at:g}"
    if e.within is not None:
        return f"should stay within [{e.within[0]:g}, {e.within[1]:g}] {at}"
    if e.change in ("not_improve", "not_worsen"):
        return f"should not {e.change[4:]} ({e.better} is better) {at}"
    return f"should {e.change} {at}"


def run_reality(model: Model, reality: RealityFile, base: Baseline) -> tuple[list[Finding], str]:
    """Run every check of ``reality`` on ``model`` from ``base``.

    Returns
    -------
    findings : list of Finding
        One ``reality`` error per violated expectation, at its line of the reality file.
    note : str
        How many checks and runs, for the report.
    """
    out: list[Finding] = []
    hz = base.horizon
    n_runs = 0
    for c, check in enumerate(reality.checks):
        lever_sets = [{}]
        if check.across_levers:
            lever_sets += _lever_samples(model, check, reality.samples, reality.seed + c)
        runs = []
        for levers in lever_sets:
            g = check.given
            b = changed(model, dict(base.params, **levers), hz, g.set, g.start, g.shocks)
            w = check.when
            runs += [b, changed(model, b, hz, w.set, w.start, w.shocks)]
        n_runs += len(runs)
        variables = sorted({e.variable for e in check.expect})
        ds = simulate(model, stack(model, hz, runs), n_runs=len(runs), start=hz.start, end=hz.end, dt=hz.dt,
                      saveper=hz.saveper, variables=variables)
        times = ds["time"].values
        t_change = _change_start(check, hz.start)
        for e in check.expect:
            values = ds[e.variable].values.reshape(len(runs), len(times), -1)
            worst, text, bad = 0.0, "", 0
            for k, levers in enumerate(lever_sets):
                for cell in range(values.shape[2]):
                    score, desc = _judge(e, times, values[2 * k, :, cell], values[2 * k + 1, :, cell], t_change)
                    if score > 0:
                        bad += 1
                        if score > worst or not text:
                            worst, text = score, f"{desc} {_run_text(model, levers)}"
            if bad:
                of = f" (violated in {bad} of {len(lever_sets)} lever settings)" if len(lever_sets) > 1 else ""
                out.append(finding("reality", check.name, f"{e.variable} {_expected(e)} but {text}{of}",
                                   file=str(reality.path), line=e.line or check.line))
    note = f"reality: {len(reality.checks)} checks, {n_runs} runs"
    return out, note
