"""The weighted score of a programme: every indicator's change in units of improvement, weighted and summed.

Rule
----
For each indicator ``i`` of the comparison, a run's change against the baseline at the end of the
horizon, signed so that a positive number is better, is divided by the indicator's **scale** (one unit
of improvement, declared in the model's sidecar with its reason, e.g. 10,000 people a year less
affected)::

    u_i = sign_i * (x_i - b_i) / scale_i                        [units of improvement]

so the measure of one programme never depends on which other programmes are compared, and a small
baseline value cannot inflate it. The score is the weighted sum ``S = sum_i w_i u_i``. The weights
come from the comparison (``weights:``): a relative weight per focus area (default 1 each) and per
indicator within its focus area (default 1 each), normalised so that the focus areas' weights sum to
1 and each focus area's weight is shared among its indicators in proportion to theirs::

    w_i = F_f / sum_g F_g  *  v_i / sum_{j in f} v_j             (f: the focus area of i)

A score of 1 is one unit of improvement on the weighted average of the indicators. Every term
``w_i u_i`` is reported. An indicator without a scale cannot be scored: its term is NaN and so is the
score of every run (give the indicator a ``scale:`` in the sidecar, or the weight 0).

>>> s = score(results)                       # doctest: +SKIP
>>> s.total.sort_values(ascending=False)     # doctest: +SKIP
>>> s.terms.query("scenario == 'reservoirs'")[["indicator", "units_of_improvement", "weight", "term"]]  # doctest: +SKIP
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..results.dataset import json_attr
from . import metrics

__all__ = ["Score", "score", "indicator_weights", "improvement_units", "weighted_sum", "SCORE_RULE", "baseline_of",
           "indicators_of"]

SCORE_RULE = (
    "Score: each indicator's change against the baseline at the end of the horizon, signed so that positive "
    "is better, is divided by the indicator's scale (one unit of improvement, stated with its reason in the "
    "model's sidecar), then weighted and summed. Weights: each focus area weighs the same unless the "
    "comparison says otherwise, shared equally among its indicators unless the comparison says otherwise; all "
    "weights sum to 1. A score of 1 is one unit of improvement on the weighted average of the indicators.")


@dataclass(frozen=True)
class Score:
    """What :func:`score` returns.

    Attributes
    ----------
    terms : pandas.DataFrame
        One row per (scenario, indicator): ``scenario``, ``indicator``, ``focus_area``, ``better``,
        ``units``, ``baseline_end``, ``value_end``, ``change`` [indicator units], ``scale`` [indicator
        units], ``units_of_improvement``, ``weight`` and ``term`` (= weight x units of improvement).
    total : pandas.Series
        The score of each scenario (the sum of its terms; 0 for the baseline, NaN for a failed run or
        when a weighted indicator has no scale).
    weights : dict
        Indicator -> final weight (they sum to 1).
    unscaled : tuple of str
        Weighted indicators without a scale.
    """

    terms: pd.DataFrame
    total: pd.Series
    weights: dict = field(default_factory=dict)
    unscaled: tuple[str, ...] = ()


def indicator_weights(focus_of: Mapping[str, str], weights: Mapping | None = None) -> dict[str, float]:
    """The final weight of each indicator (see the module docstring); they sum to 1.

    Parameters
    ----------
    focus_of : mapping of indicator -> focus area
        The compared indicators, in order.
    weights : mapping, optional
        ``{"focus_areas": {id: w}, "indicators": {name: w}}``: relative weights >= 0, each 1 unless given.

    Raises
    ------
    InputError
        A negative or non-finite weight, every focus area at 0, or a weighted focus area whose indicators
        all weigh 0.
    """
    weights = weights or {}
    fa_w = dict(weights.get("focus_areas") or {})
    ind_w = dict(weights.get("indicators") or {})
    for where, table in (("focus_areas", fa_w), ("indicators", ind_w)):
        for k, v in table.items():
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise InputError(f"weight of '{k}' must be a number of 0 or more, got {v!r}",
                                 field=f"weights.{where}.{k}", allowed="relative weights >= 0 (default 1)")
    areas = list(dict.fromkeys(focus_of.values()))
    F = _relative({fa: float(fa_w.get(fa, 1.0)) for fa in areas})
    total_f = sum(F.values())
    if not total_f > 0:
        raise InputError("every focus area weighs 0: nothing would count", field="weights.focus_areas",
                         allowed="at least one positive weight")
    out = {}
    for fa in areas:
        members = [i for i, f in focus_of.items() if f == fa]
        v = _relative({i: float(ind_w.get(i, 1.0)) for i in members})
        total_v = sum(v.values())
        if total_v <= 0:
            if F[fa] > 0:
                raise InputError(f"every indicator of focus area '{fa}' weighs 0 but the focus area does not",
                                 field="weights.indicators", allowed=", ".join(members))
            out.update({i: 0.0 for i in members})
            continue
        out.update({i: F[fa] / total_f * v[i] / total_v for i in members})
    return {i: out[i] for i in focus_of}


def _relative(weights: dict) -> dict:
    """Relative weights divided by the largest, so that their sum stays finite (two weights of 1e308)."""
    top = max(weights.values(), default=0.0)
    return {k: v / top for k, v in weights.items()} if top > 1.0 else weights


def improvement_units(change, better: Sequence[str] | str, scale):
    """``sign * change / scale``: a change in units of improvement (> 0 is better).

    ``change`` and ``scale`` broadcast (the indicator on the last axis); ``better`` is ``"higher"`` or
    ``"lower"`` per indicator.
    """
    better = [better] if isinstance(better, str) else list(better)
    sign = np.array([metrics.improvement(1.0, b) for b in better], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sign * np.asarray(change, dtype=float) / np.asarray(scale, dtype=float)


def weighted_sum(units, weights) -> np.ndarray:
    """``sum_i w_i u_i`` over the last axis; an indicator weighing 0 never counts (even when NaN)."""
    units = np.asarray(units, dtype=float)
    w = np.asarray(weights, dtype=float)
    used = w > 0
    return np.sum(units[..., used] * w[used], axis=-1)


def baseline_of(results: xr.Dataset) -> str:
    """The name of the results' baseline run (``kind == "baseline"``)."""
    kinds = [str(k) for k in results["kind"].values] if "kind" in results.coords else []
    if "baseline" not in kinds:
        raise InputError("the results hold no baseline run to compare against",
                         allowed="results of a comparison (cityfutures compare)")
    return str(results["scenario"].values[kinds.index("baseline")])


def indicators_of(results: xr.Dataset) -> list[str]:
    """The compared indicators of a results Dataset, in order."""
    names = json_attr(results, "indicators", None) or [v for v in results.data_vars if "better" in results[v].attrs]
    for name in names:
        if name not in results.data_vars:
            raise InputError(f"indicator '{name}' is not in the results", allowed=", ".join(results.data_vars))
    return list(names)


def score(results: xr.Dataset, weights: Mapping | None = None, *, indicators: Sequence[str] | None = None) -> Score:
    """The weighted score of every run of a results Dataset against its baseline (module docstring).

    Needs nothing but the results: their baseline run, the indicators' ``better`` and ``scale``
    attributes (from the model's sidecar) and, unless ``weights`` is given, the comparison's weights
    (attribute ``weights``). Runs are scored one by one: adding or removing a programme changes no other
    programme's score.

    Parameters
    ----------
    results : xarray.Dataset
        Dims ``scenario`` and ``time`` (:mod:`cityfutures.results.dataset`), with a baseline run.
    weights : mapping, optional
        ``{"focus_areas": {...}, "indicators": {...}}`` (default: the results' own, else equal).
    indicators : sequence of str, optional
        Default: the results' compared indicators.

    Returns
    -------
    Score
    """
    base = baseline_of(results)
    inds = list(indicators) if indicators is not None else indicators_of(results)
    if weights is None:
        weights = json_attr(results, "weights", None) or {}
    focus_of = {i: str(results[i].attrs.get("focus_area", "")) for i in inds}
    w = indicator_weights(focus_of, weights)
    names = [str(s) for s in results["scenario"].values]
    rows = []
    unscaled = []
    for ind in inds:
        da = results[ind].transpose("scenario", "time")
        better = str(da.attrs.get("better", "higher"))
        scale = float(da.attrs["scale"]) if "scale" in da.attrs else math.nan
        if not np.isfinite(scale) and w[ind] > 0:
            unscaled.append(ind)
        end = metrics.end_value(da).values.astype(float)
        b_end = float(metrics.end_value(da.sel(scenario=base)))
        change = end - b_end
        units = improvement_units(change, better, scale)
        for k, name in enumerate(names):
            rows.append({"scenario": name, "indicator": ind, "focus_area": focus_of[ind], "better": better,
                         "units": da.attrs.get("units", ""), "baseline_end": b_end, "value_end": float(end[k]),
                         "change": float(change[k]), "scale": scale, "units_of_improvement": float(units[k]),
                         "weight": w[ind], "term": float(units[k]) * w[ind] if w[ind] > 0 else 0.0})
    terms = pd.DataFrame(rows)
    wide = terms.pivot(index="scenario", columns="indicator", values="units_of_improvement").reindex(
        index=names, columns=inds)
    total = pd.Series(weighted_sum(wide.to_numpy(), [w[i] for i in inds]), index=pd.Index(names, name="scenario"),
                      name="score")
    return Score(terms=terms, total=total, weights=w, unscaled=tuple(unscaled))
