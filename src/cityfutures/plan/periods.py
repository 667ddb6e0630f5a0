"""Reported periods: the saved times of a horizon, the years an ensemble reports, and means over them.

Every number an ensemble reports (quantiles, P(beats baseline), regret, targets, and the
sensitivity indices built on the same runs) is, per period, the *mean over the saved times within
that period*: the period labelled ``y`` holds the saved times ``t`` with ``y <= t < y + every``.
For a flow in X/Year this is the year's total [X] (with saveper 0.25, the mean of four saved
values times one year); for a stock it is the annual average. Values at single points in time
would catch a 0.25-year flood pulse in some years and miss it in others. The horizon's final
saved time (e.g. 2028.0) opens no period of its own, so a 2018-2028 horizon reports 2018 to 2027.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ..errors import InputError, ScenarioError

__all__ = ["report_times", "saved_times", "period_weights", "period_means", "check_pulses"]


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
    inside = period_weights(saved, periods, every) > 0
    values = np.asarray(values, float)
    out = np.stack([values[..., np.flatnonzero(inside[:, k])].mean(axis=-1) for k in range(inside.shape[1])],
                   axis=-1)       # each period's own sum, in time order: the same whatever else is in the array
    out[~np.isfinite(values).all(axis=-1)] = np.nan                    # a failed run: every period
    return out


def check_pulses(kind: str, onsets: np.ndarray, duration: float, *, start: float, end: float, saveper: float,
                 every: float = 1.0) -> None:
    """Check that each pulse of a stochastic shock is seen whole, and only in its own year.

    A pulse on ``[onset, onset + duration)`` (see
    :func:`~cityfutures.scenario.series.pulse_series`) covers ``duration / saveper`` saved
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
