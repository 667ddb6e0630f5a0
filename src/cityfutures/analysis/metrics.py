"""Metrics of one scenario's curve against the baseline's: pure functions of arrays.

Every function takes ``xarray.DataArray`` objects with a ``time`` dim [Year] (other dims
broadcast) and returns a DataArray without ``time``. Curves are known only at the saved
times; between them they are taken as straight lines (so integrals are trapezoids and
crossing times are linear interpolations).

Definitions
-----------
delta(t)
    ``value(t) - baseline(t)`` [indicator units].
percent change
    ``100 * delta / |baseline|`` [%]; NaN where the baseline is 0 and the value is not.
improvement
    A change signed so that > 0 is better: the change itself when ``better="higher"``,
    its negative when ``better="lower"``.
cumulative delta
    The area between the two curves, ``integral of delta(t) dt`` over the horizon
    [indicator units x Year] (trapezoid over saved times).
time to effect
    Years from the horizon start until ``|delta|`` first exceeds ``threshold`` (1 %) of
    ``|baseline|``; NaN if never.
peak loss (after a shock in year ``y``)
    The pre-shock level ``p`` is the curve's value at the last saved time before ``y``.
    The loss at ``t >= y`` is ``p - x(t)`` when higher is better and ``x(t) - p`` when lower
    is better; the peak loss is its maximum, never below 0 [indicator units].
recovery time
    Years from ``y`` until, after the peak, the loss is back within ``(1 - level) * |p|``
    (``level`` = 0.95: "back to 95 % of the pre-shock level"); 0 if the loss never exceeds
    that band, NaN if the curve has not recovered by the end of the horizon.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["end_value", "delta", "percent_change", "improvement", "area_between", "time_to_effect",
           "peak_loss", "recovery_time", "first_crossing"]

TIME = "time"


def _sign(better: str) -> float:
    if better == "higher":
        return 1.0
    if better == "lower":
        return -1.0
    raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")


def end_value(da: xr.DataArray, dim: str = TIME) -> xr.DataArray:
    """The value at the last saved time."""
    return da.isel({dim: -1}, drop=True)


def delta(da: xr.DataArray, baseline: xr.DataArray) -> xr.DataArray:
    """``da - baseline`` [units of da]."""
    return da - baseline


def percent_change(value, baseline):
    """``100 * (value - baseline) / |baseline|`` [%]; 0 where both are 0, NaN where only the baseline is 0."""
    value = xr.DataArray(value) if not isinstance(value, xr.DataArray) else value
    baseline = xr.DataArray(baseline) if not isinstance(baseline, xr.DataArray) else baseline
    d = value - baseline
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * d / abs(baseline)
    return xr.where(baseline == 0, xr.where(d == 0, 0.0, np.nan), pct)


def improvement(change, better: str):
    """A change signed so that a positive number is better for the indicator."""
    return _sign(better) * change


def area_between(da: xr.DataArray, baseline: xr.DataArray, dim: str = TIME) -> xr.DataArray:
    """Signed area between the curves, ``integral of (da - baseline) d(time)`` (trapezoid) [units x Year]."""
    return (da - baseline).integrate(dim)


def first_crossing(t: np.ndarray, g: np.ndarray, start_index: int = 0) -> float:
    """First time at or after ``t[start_index]`` at which ``g`` becomes > 0, linearly interpolated.

    Returns ``t[start_index]`` when ``g`` is already > 0 there, NaN if it never is.
    """
    t = np.asarray(t, dtype=float)
    g = np.asarray(g, dtype=float)
    for i in range(start_index, len(t)):
        if not np.isfinite(g[i]):
            continue
        if g[i] > 0:
            if i == start_index or not np.isfinite(g[i - 1]) or g[i - 1] > 0:
                return float(t[i])
            frac = -g[i - 1] / (g[i] - g[i - 1])
            return float(t[i - 1] + frac * (t[i] - t[i - 1]))
    return float("nan")


def _tte_1d(value, base, t, threshold, atol, start):
    g = np.abs(value - base) - (threshold * np.abs(base) + atol)
    crossing = first_crossing(t, g)
    return crossing - start


def time_to_effect(da: xr.DataArray, baseline: xr.DataArray, *, threshold: float = 0.01,
                   atol: float = 1e-12, start: float | None = None, dim: str = TIME) -> xr.DataArray:
    """Years from ``start`` until ``|da - baseline|`` first exceeds ``threshold * |baseline| + atol``.

    Parameters
    ----------
    da, baseline : DataArray
        The curves, with dim ``time`` [Year].
    threshold : float
        Relative size of an effect that counts (0.01: 1 % of the baseline).
    atol : float
        Absolute floor, so that rounding noise on a zero baseline is not an effect.
    start : float, optional
        Time the clock starts [Year]; default the first saved time.

    Returns
    -------
    DataArray
        [Year]; NaN where the effect never exceeds the threshold. Between saved times the
        crossing is linearly interpolated.
    """
    t = da[dim].values.astype(float)
    start = float(t[0]) if start is None else float(start)
    da, baseline = xr.broadcast(da, baseline)
    return xr.apply_ufunc(_tte_1d, da, baseline, kwargs=dict(t=t, threshold=threshold, atol=atol, start=start),
                          input_core_dims=[[dim], [dim]], vectorize=True, output_dtypes=[float])


def _pre_shock(t: np.ndarray, x: np.ndarray, year: float) -> tuple[float, int]:
    before = np.nonzero(t < year - 1e-9)[0]
    if len(before) == 0:
        return float("nan"), 0
    after = np.nonzero(t >= year - 1e-9)[0]
    return float(x[before[-1]]), int(after[0]) if len(after) else len(t)


def _loss_1d(x, t, year, sign):
    p, i0 = _pre_shock(t, x, year)
    if not np.isfinite(p) or i0 >= len(t):
        return np.full(len(t) - i0 if i0 < len(t) else 0, np.nan), p, i0
    return sign * (p - x[i0:]), p, i0


def _peak_loss_1d(x, t, year, sign):
    loss, p, i0 = _loss_1d(x, t, year, sign)
    if len(loss) == 0 or not np.isfinite(p) or np.all(np.isnan(loss)):
        return float("nan")
    return float(max(0.0, np.nanmax(loss)))


def _recovery_1d(x, t, year, sign, level):
    loss, p, i0 = _loss_1d(x, t, year, sign)
    if len(loss) == 0 or not np.isfinite(p) or np.all(np.isnan(loss)):
        return float("nan")
    band = (1.0 - level) * abs(p)
    if np.nanmax(loss) <= band:
        return 0.0
    peak = int(np.nanargmax(loss))
    tt = t[i0:]
    g = band - loss            # > 0 once recovered
    crossing = first_crossing(tt, g, start_index=peak)
    return crossing - year


def peak_loss(da: xr.DataArray, shock_year: float, better: str, dim: str = TIME) -> xr.DataArray:
    """Largest worsening after ``shock_year`` against the pre-shock level [units of da].

    See the module docstring for the definition; NaN when no time is saved before the shock.
    """
    t = da[dim].values.astype(float)
    return xr.apply_ufunc(_peak_loss_1d, da, kwargs=dict(t=t, year=float(shock_year), sign=_sign(better)),
                          input_core_dims=[[dim]], vectorize=True, output_dtypes=[float])


def recovery_time(da: xr.DataArray, shock_year: float, better: str, *, level: float = 0.95,
                  dim: str = TIME) -> xr.DataArray:
    """Years from ``shock_year`` until the curve is back to ``level`` of its pre-shock level.

    0 when the shock never pushes the curve outside that band; NaN when it has not
    recovered by the last saved time (or no time is saved before the shock).
    """
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    t = da[dim].values.astype(float)
    return xr.apply_ufunc(_recovery_1d, da,
                          kwargs=dict(t=t, year=float(shock_year), sign=_sign(better), level=level),
                          input_core_dims=[[dim]], vectorize=True, output_dtypes=[float])
