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
    The pre-shock level ``p`` is the curve's value at the last saved time before ``y``; when the same
    run without the shock is known (``reference``: a stress test's counterfactual), the level at each
    time is that run's value instead, so that a trend going on after the shock is not counted.
    The loss at ``t >= y`` is ``p - x(t)`` when higher is better and ``x(t) - p`` when lower
    is better; the peak loss is its maximum, never below 0 [indicator units].
recovery time
    Years from ``y`` until, after the peak, the loss is back within ``(1 - level) * |p|``
    (``level`` = 0.95: "back to 95 % of the pre-shock level"); 0 if the loss never exceeds
    that band, NaN if the curve has not recovered by the end of the horizon.
loss area (the resilience triangle)
    The area of the loss from ``y`` to the end of the horizon, ``integral of max(0, loss(t)) dt``
    (trapezoid over the saved times, the loss taken as 0 before ``y``) [units x Year]. For an
    indicator that is a yearly rate (deaths a year, people affected a year) it is the shock's toll:
    the deaths (people) above the pre-shock level.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

__all__ = ["end_value", "delta", "percent_change", "improvement", "area_between", "time_to_effect",
           "peak_loss", "recovery_time", "loss_area", "loss_curve", "first_crossing", "is_rate"]

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


def _loss_1d(x, t, year, sign, ref=None):
    """The loss from the shock on, against the pre-shock level (``ref`` None) or a reference trajectory."""
    p, i0 = _pre_shock(t, x, year)
    if ref is not None:
        level = np.asarray(ref, dtype=float)
        p = 0.0 if i0 < len(t) else float("nan")        # a reference needs no time before the shock
    elif np.isfinite(p):
        level = np.full(len(t), p)
    if not np.isfinite(p) or i0 >= len(t):
        return np.full(len(t) - i0 if i0 < len(t) else 0, np.nan), p, i0, None
    return sign * (level[i0:] - x[i0:]), p, i0, level


def loss_curve(t, x, year: float, better: str, reference=None) -> tuple[float | np.ndarray, np.ndarray]:
    """The level the loss is measured against (the pre-shock value, or ``reference``: a trajectory without
    the shock) and the loss at every saved time (0 before ``year``, never below 0)."""
    t = np.asarray(t, dtype=float)
    x = np.asarray(x, dtype=float)
    loss, p, i0, level = _loss_1d(x, t, year, _sign(better), reference)
    if level is None:
        return p, np.full(len(t), np.nan)
    full = np.zeros(len(t))
    full[i0:] = np.clip(loss, 0, None)
    return (level if reference is not None else float(level[0])), full


def _loss_area_1d(x, t, year, better, ref=None):
    level, loss = loss_curve(t, x, year, better, ref)
    if np.all(np.isnan(loss)):
        return float("nan")
    return float(np.trapezoid(loss, t))


def _with_reference(fn, da: xr.DataArray, reference: xr.DataArray | None, dim: str, **kw) -> xr.DataArray:
    """``fn(x, t, ..., ref)`` over ``da`` (and ``reference``, broadcast against it) along ``dim``."""
    t = da[dim].values.astype(float)
    if reference is None:
        return xr.apply_ufunc(fn, da, kwargs=dict(t=t, **kw), input_core_dims=[[dim]], vectorize=True,
                              output_dtypes=[float])
    da, reference = xr.broadcast(da, reference)
    return xr.apply_ufunc(lambda x, r, **k: fn(x, ref=r, **k), da, reference, kwargs=dict(t=t, **kw),
                          input_core_dims=[[dim], [dim]], vectorize=True, output_dtypes=[float])


def loss_area(da: xr.DataArray, shock_year: float, better: str, dim: str = TIME,
              reference: xr.DataArray | None = None) -> xr.DataArray:
    """The resilience triangle's area after ``shock_year`` [units of da x Year] (module docstring).

    ``reference``: the same run without the shock; the loss is then measured against it instead of the
    pre-shock level (a trend that goes on after the shock is not a loss). NaN when no time is saved
    before the shock and there is no reference.
    """
    return _with_reference(_loss_area_1d, da, reference, dim, year=float(shock_year), better=better)


def is_rate(units: str, time_units: str = "Year") -> bool:
    """Whether a Vensim unit is a yearly rate (``person/Year``): its area over time counts things [units x Year]."""
    u = str(units).replace(" ", "").lower()
    return u.endswith("/" + str(time_units or "Year").lower()) or u.endswith("/year") or u.endswith("/years")


def _peak_loss_1d(x, t, year, sign, ref=None):
    loss, p, i0, level = _loss_1d(x, t, year, sign, ref)
    if len(loss) == 0 or level is None or np.all(np.isnan(loss)):
        return float("nan")
    return float(max(0.0, np.nanmax(loss)))


def _recovery_1d(x, t, year, sign, level_frac, ref=None):
    loss, p, i0, level = _loss_1d(x, t, year, sign, ref)
    if len(loss) == 0 or level is None or np.all(np.isnan(loss)):
        return float("nan")
    band = (1.0 - level_frac) * np.abs(level[i0:])
    if np.all(loss <= band):
        return 0.0
    peak = int(np.nanargmax(loss - band))
    tt = t[i0:]
    g = band - loss            # > 0 once recovered
    crossing = first_crossing(tt, g, start_index=peak)
    return crossing - year


def peak_loss(da: xr.DataArray, shock_year: float, better: str, dim: str = TIME,
              reference: xr.DataArray | None = None) -> xr.DataArray:
    """Largest worsening after ``shock_year`` against the pre-shock level, or against ``reference`` (the run
    without the shock) [units of da].

    See the module docstring for the definition; NaN when no time is saved before the shock.
    """
    return _with_reference(_peak_loss_1d, da, reference, dim, year=float(shock_year), sign=_sign(better))


def recovery_time(da: xr.DataArray, shock_year: float, better: str, *, level: float = 0.95,
                  dim: str = TIME, reference: xr.DataArray | None = None) -> xr.DataArray:
    """Years from ``shock_year`` until the curve is back to ``level`` of its pre-shock level (or of
    ``reference``, the run without the shock, at each time).

    0 when the shock never pushes the curve outside that band; NaN when it has not
    recovered by the last saved time (or no time is saved before the shock).
    """
    if not 0 < level <= 1:
        raise ValueError(f"level must be in (0, 1], got {level}")
    return _with_reference(_recovery_1d, da, reference, dim, year=float(shock_year), sign=_sign(better),
                           level_frac=level)
