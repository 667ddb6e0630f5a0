"""Time loop of the batch engine: PySD's time grid, Euler and classic Runge-Kutta 4.

Euler follows PySD's order of operations exactly: at each time the cells are evaluated
from the states, saved if the time is a saving time, then every state moves by
``derivative * dt`` and the discrete states (DELAY FIXED, SAMPLE IF TRUE, DELAY N's
memory) take their new values. Time advances by repeated addition, as in PySD, so time
functions (STEP, PULSE, RAMP) switch at the same step.
"""
from __future__ import annotations

import numpy as np

from .codegen import Program

__all__ = ["time_grid", "integrate", "integrate_scalar", "scalar_params"]

RPREC = 1e-5
"""PySD's relative precision for the final time and the saving times."""


_GRIDS: dict = {}


def time_grid(initial_time: float, final_time: float, time_step: float,
              saveper: float) -> tuple[np.ndarray, np.ndarray]:
    """Times of the integration steps and which of them are saved, as PySD computes them.

    Returns
    -------
    times : ndarray (T,)
        ``t0, t0 + dt, ...`` by repeated addition, up to the final time.
    saved : ndarray of bool (T,)
    """
    return _grid(initial_time, final_time, time_step, saveper)[:2]


def _grid(*control) -> tuple:
    """``(times, saved, times as floats, saved as bools)``, cached per time settings.

    The arrays are read-only (shared by every run with these settings).
    """
    key = tuple(float(c) for c in control)
    grid = _GRIDS.get(key)
    if grid is None:
        if len(_GRIDS) > 64:
            _GRIDS.clear()
        times, saved = _time_grid(*key)
        times.flags.writeable = saved.flags.writeable = False
        grid = _GRIDS[key] = times, saved, times.tolist(), saved.tolist()
    return grid


def _time_grid(initial_time, final_time, time_step, saveper):
    times = [float(initial_time)]
    t = float(initial_time)
    while t + time_step * RPREC < final_time:
        t = t + time_step
        times.append(t)
    times = np.array(times)
    prec = time_step * RPREC
    delay = times - initial_time
    saved = (np.mod(delay, saveper) < prec) | (np.mod(-delay, saveper) < prec)
    return times, saved


def integrate(program: Program, params: dict, n_runs: int, control: tuple,
              method: str = "euler") -> tuple[np.ndarray, list]:
    """Run ``n_runs`` runs at once and return the saved outputs.

    Parameters
    ----------
    program : Program
    params : dict
        Label -> value (``(N,)`` array or float) or ``(times, values)`` for a series.
    n_runs : int
    control : tuple
        ``(initial_time, final_time, time_step, saveper)`` [time units].
    method : {"euler", "rk4"}

    Returns
    -------
    times : ndarray (T_saved,)
    outputs : list of ndarray
        One ``(T_saved, N)`` array per output of ``program``, in order.
    """
    t0, tf, dt, saveper = control
    times, saved = time_grid(t0, tf, dt, saveper)
    nsave = int(saved.sum())
    store = [np.empty((nsave, n_runs)) for _ in program.outputs]
    S, D, K = program.init(np.float64(t0), params, n_runs)
    evaluate, updaters, nonneg = program.eval, program.updaters, program.continuous_non_negative
    clip = any(nonneg)
    row = 0
    last = len(times) - 1
    with np.errstate(all="ignore"):
        for i, t in enumerate(times):
            derivs, payloads, outs = evaluate(t, S, D, K, params)
            if saved[i]:
                for dest, value in zip(store, outs):
                    dest[row] = value
                row += 1
            if i == last:
                break
            if method == "euler":
                S = [s + d * dt for s, d in zip(S, derivs)]
            else:
                S = _rk4(evaluate, t, dt, S, D, K, params, derivs)
            if clip:
                S = [np.maximum(s, 0) if nn else s for s, nn in zip(S, nonneg)]
            D = [up(old, new) for up, old, new in zip(updaters, D, payloads)]
    digits = -int(np.log10(dt * RPREC))
    return np.round(times[saved], digits), store


def scalar_params(params: dict, run: int = 0) -> dict:
    """The parameters of run ``run`` as plain floats and tuples (for the scalar path)."""
    out = {}
    for label, value in params.items():
        if isinstance(value, tuple):
            xs, ys = np.asarray(value[0], dtype=float), np.asarray(value[1], dtype=float)
            row = ys if ys.ndim == 1 else ys[run]
            out[label] = (tuple(xs.tolist()), tuple(row.tolist()))
        elif isinstance(value, np.ndarray) and value.ndim == 1:
            out[label] = float(value[run])
        else:
            out[label] = float(value)
    return out


def integrate_scalar(program: Program, params: dict, n_runs: int,
                     control: tuple) -> tuple[np.ndarray, list]:
    """Euler runs one after another on the scalar path; returns as :func:`integrate`.

    Raises
    ------
    ArithmeticError, ValueError
        Where numpy would give inf or nan (the caller runs :func:`integrate` instead).
    """
    times, saved, times_list, saved_list = _grid(*control)
    run, dt = program.scalar, float(control[2])
    runs = [run(times_list, saved_list, dt, scalar_params(params, r)) for r in range(n_runs)]
    nsave, nout = int(saved.sum()), len(program.outputs)
    table = np.array(runs, dtype=float).reshape(n_runs, nsave, nout).transpose(2, 1, 0).copy()
    digits = -int(np.log10(dt * RPREC))
    return np.round(times[saved], digits), list(table)


def _rk4(evaluate, t, dt, S, D, K, params, k1):
    """One classic Runge-Kutta 4 step of the continuous states (discrete ones held)."""
    half = dt / 2
    k2 = evaluate(t + half, [s + d * half for s, d in zip(S, k1)], D, K, params)[0]
    k3 = evaluate(t + half, [s + d * half for s, d in zip(S, k2)], D, K, params)[0]
    k4 = evaluate(t + dt, [s + d * dt for s, d in zip(S, k3)], D, K, params)[0]
    return [s + (a + 2 * b + 2 * c + d) * (dt / 6) for s, a, b, c, d in zip(S, k1, k2, k3, k4)]
