"""Present values: costs (and yearly effects) discounted to the start of the horizon.

A comparison states a social discount rate ``r`` [per year, real] (``discount_rate:``; default
:data:`DEFAULT_DISCOUNT_RATE`, 9 %, the Asian Development Bank's rate for the economic analysis of the
projects it finances). A flow at time ``t`` is worth ``(1 + r) ** -(t - t0)`` of its value at the
horizon's start ``t0``; a flow spread over ``[a, b)`` at a constant rate is integrated exactly::

    integral_a^b (1 + r) ** -(t - t0) dt = ((1 + r) ** -(a - t0) - (1 + r) ** -(b - t0)) / ln(1 + r)

(``b - a`` when ``r = 0``). The timing of a programme's costs is the scenario's
(:class:`cityfutures.plan.CostStream`): capex spent evenly over the ramp (at the start when there is
none), opex at its yearly rate from the start to the end of the horizon. With ``r = 0`` the present
value is the undiscounted total (``cost_total_idr_bn``).

>>> present_value(results)                      # doctest: +SKIP
scenario
baseline          0.0
reservoirs     4182.6
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..results.dataset import json_attr
from ..scenario.types import DEFAULT_DISCOUNT_RATE, MAX_DISCOUNT_RATE

__all__ = ["DEFAULT_DISCOUNT_RATE", "discount_factor", "discounted_span", "stream_value", "present_value",
           "discounted_area", "rate_of"]


def _check(rate: float) -> float:
    rate = float(rate)
    if not (math.isfinite(rate) and 0 <= rate <= MAX_DISCOUNT_RATE):
        raise InputError(f"discount rate {rate:g} is not a yearly rate", field="discount_rate",
                         allowed=f"0 to {MAX_DISCOUNT_RATE:g} (e.g. 0.09 for 9 % a year)")
    return rate


def discount_factor(t, rate: float, base: float):
    """``(1 + rate) ** -(t - base)``: the value at ``base`` of one unit at time ``t`` [Year]."""
    return (1.0 + _check(rate)) ** (-(np.asarray(t, dtype=float) - float(base)))


def discounted_span(a: float, b: float, rate: float, base: float) -> float:
    """The value at ``base`` of one unit per year flowing over ``[a, b)`` [Year] (``b - a`` undiscounted)."""
    rate = _check(rate)
    if b <= a:
        return 0.0
    if rate == 0:
        return float(b - a)
    ln = math.log1p(rate)
    return float(((1.0 + rate) ** (-(a - base)) - (1.0 + rate) ** (-(b - base))) / ln)


def stream_value(stream: Mapping, rate: float, base: float, end: float) -> float:
    """Present value at ``base`` of one cost stream [IDR billion].

    Parameters
    ----------
    stream : mapping
        ``start``, ``ramp_years`` [Year], ``capex_idr_bn`` [IDR billion], ``opex_idr_bn_per_year``
        [IDR billion per year] (a :class:`~cityfutures.plan.CostStream` record).
    rate : float
        Discount rate [per year].
    base, end : float
        The horizon's start (the present) and end [Year]; opex runs until ``end``.
    """
    start, ramp = float(stream["start"]), float(stream.get("ramp_years") or 0.0)
    capex, opex = float(stream.get("capex_idr_bn") or 0.0), float(stream.get("opex_idr_bn_per_year") or 0.0)
    if ramp > 0:
        pv_capex = capex / ramp * discounted_span(start, start + ramp, rate, base)
    else:
        pv_capex = capex * float(discount_factor(start, rate, base))
    return pv_capex + opex * discounted_span(start, max(start, end), rate, base)


def rate_of(results: xr.Dataset, rate: float | None = None) -> float:
    """The discount rate to use: ``rate`` if given, else the results' own (their comparison's), else the default."""
    if rate is not None:
        return _check(rate)
    raw = results.attrs.get("discount_rate")
    return _check(DEFAULT_DISCOUNT_RATE if raw in (None, "") else float(raw))


def _horizon(results: xr.Dataset) -> tuple[float, float]:
    t = results["time"].values
    return float(results.attrs.get("horizon_start", t[0])), float(results.attrs.get("horizon_end", t[-1]))


def present_value(results: xr.Dataset, rate: float | None = None) -> pd.Series:
    """The present value of each scenario's costs beyond the baseline [IDR billion, at the horizon's start].

    Parameters
    ----------
    results : xarray.Dataset
        A results Dataset (its ``cost_streams`` attribute; results written before it existed fall back to
        capex at the start and opex over the horizon, from the cost coordinates).
    rate : float, optional
        Discount rate [per year]; default the results' ``discount_rate`` (their comparison's), else
        :data:`DEFAULT_DISCOUNT_RATE`.

    Returns
    -------
    pandas.Series
        Indexed by scenario name.
    """
    rate = rate_of(results, rate)
    base, end = _horizon(results)
    names = [str(s) for s in results["scenario"].values]
    streams = json_attr(results, "cost_streams", None)
    if streams is None:   # older results: every cost from the start of the horizon
        capex = results["cost_capex_idr_bn"].values if "cost_capex_idr_bn" in results.coords else np.zeros(len(names))
        opex = (results["cost_opex_idr_bn_per_year"].values if "cost_opex_idr_bn_per_year" in results.coords
                else np.zeros(len(names)))
        streams = {n: [{"start": base, "ramp_years": 0.0, "capex_idr_bn": float(c), "opex_idr_bn_per_year": float(o)}]
                   for n, c, o in zip(names, capex, opex)}
    return pd.Series([sum(stream_value(s, rate, base, end) for s in streams.get(n, [])) for n in names],
                     index=pd.Index(names, name="scenario"), name="pv_cost_idr_bn")


def discounted_area(delta: xr.DataArray, rate: float, base: float, dim: str = "time") -> xr.DataArray:
    """``integral of delta(t) * (1 + rate) ** -(t - base) dt`` (trapezoid over the saved times).

    For an indicator that is a yearly rate (people a year, deaths a year) this is the present value of
    the change's total over the horizon (people, deaths) [units x Year]; with ``rate = 0`` it is the area
    between the curves (:func:`cityfutures.analysis.metrics.area_between`).
    """
    t = delta[dim].values.astype(float)
    w = xr.DataArray(discount_factor(t, rate, base), dims=dim, coords={dim: delta[dim].values})
    return (delta * w).integrate(dim)
