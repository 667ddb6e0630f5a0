"""Vectorised Vensim builtins, matching PySD's ``py_backend.functions`` value for value.

Every function takes scalars or arrays of shape ``(N,)`` (one value per run) and
broadcasts. The formulas and comparison tolerances are those of PySD 3.14, so that a
batch run agrees with a PySD run to rounding.
"""
from __future__ import annotations

import numpy as np

SMALL_VENSIM = 1e-6
"""What Vensim (and PySD) treat as zero in XIDZ, ZIDZ, MODULO and the time functions."""

__all__ = ["SMALL_VENSIM", "step", "ramp", "pulse", "pulse_train", "xmile_pulse", "xidz", "zidz", "integer",
           "modulo", "quantum", "lookup", "lookup_extrapolate", "lookup_discrete", "series"]


def step(time, time_step, value, tstep):
    """STEP(value, tstep): ``value`` from the first step whose midpoint passes ``tstep``.

    Parameters
    ----------
    time, time_step : float
        Current time and the integration step [time units].
    value, tstep : float or ndarray (N,)
    """
    return value * (time + time_step / 2 > tstep)


def ramp(time, slope, start, finish=None):
    """RAMP(slope, start, finish): ``slope * (min(time, finish) - start)`` after ``start``."""
    final = time if finish is None else np.minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


def pulse(time, start, width):
    """PULSE(start, width): 1 while ``start <= time < start + width``, else 0."""
    return np.where((start - SMALL_VENSIM <= time) & (time < start + width), 1.0, 0.0)


def pulse_train(time, start, repeat_time, width, end):
    """PULSE TRAIN(start, width, repeat, end): a pulse of ``width`` every ``repeat_time``."""
    single = (start - SMALL_VENSIM <= time) & (time < start + width)
    with np.errstate(all="ignore"):
        phase = np.mod(time - start + SMALL_VENSIM, repeat_time)
    train = (start <= time) & (time < end) & (phase < width)
    return np.where(repeat_time == 0, single, train).astype(float)


def xmile_pulse(time, time_step, start, magnitude, interval):
    """XMILE PULSE(magnitude, first, interval): ``magnitude / DT`` for half a step at each pulse.

    As PySD's XMILE translator runs it: a pulse at ``start`` (with Vensim's 1e-6 tolerance),
    then every ``interval`` after it when ``interval > 0``; lasting ``DT/2``, so exactly one
    step sees it, carrying ``magnitude`` in total [units of magnitude].
    """
    width = 0.5 * time_step
    single = (start - SMALL_VENSIM <= time) & (time < start + width)
    with np.errstate(all="ignore"):
        phase = np.mod(time - start + SMALL_VENSIM, interval)
    train = (start <= time) & (phase < width)
    return np.where(np.where(interval == 0, single, train), magnitude / time_step, 0.0)


def xidz(numerator, denominator, x):
    """XIDZ(a, b, x): ``a / b``, or ``x`` when ``|b| < 1e-6``."""
    with np.errstate(all="ignore"):
        return np.where(np.abs(denominator) < SMALL_VENSIM, x, np.divide(numerator, denominator))


def zidz(numerator, denominator):
    """ZIDZ(a, b): ``a / b``, or 0 when ``|b| < 1e-6``."""
    with np.errstate(all="ignore"):
        return np.where(np.abs(denominator) < SMALL_VENSIM, 0.0, np.divide(numerator, denominator))


def integer(x):
    """INTEGER(x): ``x`` truncated towards zero (as Python's ``int``)."""
    return np.trunc(x)


def modulo(x, m):
    """MODULO(x, m): ``x - m * INTEGER(x / m)``, or 0 when ``m < 1e-6`` (PySD's rule)."""
    with np.errstate(all="ignore"):
        quantum = np.where(m < SMALL_VENSIM, x, m * np.trunc(np.divide(x, m)))
    return x - quantum


def quantum(x, q):
    """QUANTUM(x, q): ``x`` truncated to a multiple of ``q``, or ``x`` when ``q < 1e-6``."""
    with np.errstate(all="ignore"):
        return np.where(q < SMALL_VENSIM, x, q * np.trunc(np.divide(x, q)))


def lookup(x, xs, ys):
    """A Vensim lookup table at ``x``: linear between points, held flat outside them.

    Parameters
    ----------
    x : float or ndarray (N,)
    xs, ys : ndarray (K,)
        The table's points, ``xs`` increasing.
    """
    return np.interp(x, xs, ys)


def held(value, own):
    """A held value where it is a number, the variable's own value where it is NaN (not held in that run)."""
    if isinstance(value, float):
        return own if value != value else value
    return np.where(np.isnan(value), own, value)


def lookup_extrapolate(x, xs, ys):
    """An XMILE ``extrapolate`` graphical function: linear between points, and beyond the
    ends along the first and last segments (PySD's rule for ``LOOKUP EXTRAPOLATE``)."""
    low = (ys[1] - ys[0]) / (xs[1] - xs[0])
    high = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    out = np.interp(x, xs, ys)
    out = np.where(x > xs[-1], ys[-1] + high * (x - xs[-1]), out)
    return np.where(x < xs[0], ys[0] + low * (x - xs[0]), out)


def lookup_discrete(x, xs, ys):
    """An XMILE ``discrete`` graphical function (Vensim's hold backward): the value of the
    last point at or below ``x``; the first value below the table."""
    j = np.searchsorted(xs, x, side="right") - 1
    return np.asarray(ys)[np.clip(j, 0, len(xs) - 1)]


def series(time, xs, ys):
    """A time-series parameter at ``time``: PySD's ``np.interp`` of a ``pandas.Series``.

    Parameters
    ----------
    time : float
    xs : ndarray (K,)
        Times of the points, increasing.
    ys : ndarray (K,) or (N, K)
        Values, shared by all runs or one row per run.
    """
    if ys.ndim == 1:
        return float(np.interp(time, xs, ys))
    j = int(np.searchsorted(xs, time, side="right")) - 1
    if j < 0:
        return ys[:, 0]
    if j >= len(xs) - 1:
        return ys[:, -1]
    if time == xs[j]:
        return ys[:, j]
    slope = (ys[:, j + 1] - ys[:, j]) / (xs[j + 1] - xs[j])
    return slope * (time - xs[j]) + ys[:, j]
