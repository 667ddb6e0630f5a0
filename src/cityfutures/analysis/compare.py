"""The comparison: every programme against the baseline on every indicator, scored, costed and ranked.

The table has one row per (scenario, indicator), baseline rows included (their changes are 0 and
they are not ranked); the ranking one row per programme (interventions and bundles alike). Metrics
are defined in :mod:`cityfutures.analysis.metrics`, the weighted score in
:mod:`cityfutures.analysis.score`, present values in :mod:`cityfutures.analysis.discount`,
cost-effectiveness in :mod:`cityfutures.analysis.effectiveness` and rank stability in
:mod:`cityfutures.analysis.stability`. Everything is computed from the results Dataset alone.

Ranking rule
------------
Programmes are ranked by their weighted score (:data:`RANKING_RULE`), 1 = best, ties sharing the
better rank; ``rank_in_focus_area`` ranks among the programmes of the same focus area (programmes
without one, e.g. mixed bundles, among themselves). Failed runs, and runs that cannot be scored, are
not ranked.

Shocks
------
In a stress test each run's peak loss, loss area and recovery time are measured against the same run
without its shock (``without_shock``, run by :func:`cityfutures.compare`), so that a trend going on
after the shock is not a loss; results without it fall back to the level before the shock.

Intervals
---------
When the results carry paired futures (``future_end``, ``compare --futures N``), each change gets the
5th, 50th and 95th percentiles over the futures (each future's change against the baseline in the
same future) and ``p_better``, the share of futures in which the run is better than the baseline
(by more than a billionth of the baseline); the score gets the same percentiles and
``p_score_positive``. p5-p95 is the one interval every report shows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..results.dataset import FUTURE_END, WITHOUT_SHOCK, json_attr
from . import metrics
from .discount import discounted_area, present_value, rate_of
from .effectiveness import cost_per
from .pathways import pathways_table
from .score import SCORE_RULE, baseline_of, improvement_units, indicators_of, score, weighted_sum
from .stability import TOP_K, WEIGHT_DRAWS, rank_acceptability

__all__ = ["ComparisonResult", "comparison_result", "comparison_table", "rank", "COLUMNS", "RANKING_COLUMNS",
           "RANKING_RULE", "QUANTILES", "futures_of", "reference_of"]

QUANTILES = (5, 50, 95)
"""The percentiles of every interval [%]: p5-p95 around the median."""
NOTABLE_PCT = 1.0
"""[%] An improvement this large or larger is notable: it gets a cost-effectiveness and a pathway."""

COLUMNS = ["scenario", "kind", "focus_area", "track", "indicator", "indicator_focus_area", "units", "better",
           "baseline_end", "value_end", "delta_end", "delta_end_pct", "cumulative_delta", "improvement_end_pct",
           "time_to_effect", "peak_loss", "loss_area", "recovery_time", "peak_loss_change", "loss_area_change",
           "scale", "units_of_improvement", "weight", "score_term",
           "capex_idr_bn", "opex_idr_bn_per_year", "total_cost_idr_bn", "pv_cost_idr_bn", "cost_per_unit",
           "effect_total_pv", "cost_per_total",
           "futures", "delta_end_p05", "delta_end_p50", "delta_end_p95", "delta_end_pct_p05", "delta_end_pct_p50",
           "delta_end_pct_p95", "p_better",
           "rank_in_focus_area", "rank_overall", "title_en", "title_id", "failed"]

RANKING_COLUMNS = ["scenario", "title_en", "title_id", "kind", "focus_area", "track", "score", "score_p05",
                   "score_p50", "score_p95", "p_score_positive", "rank_overall", "rank_in_focus_area", "rank_p05",
                   "rank_p50", "rank_p95", "p_first", "p_top", "total_cost_idr_bn", "pv_cost_idr_bn",
                   "cost_per_score", "failed"]

RANKING_RULE = SCORE_RULE + " Rank 1 is the highest score, overall and within the programme's focus area."


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`cityfutures.compare` returns.

    Attributes
    ----------
    results : xarray.Dataset
        The runs (dims ``scenario``, ``time``; with ``future_end`` when futures were run), see
        :mod:`cityfutures.results.dataset`.
    table : pandas.DataFrame
        One row per (scenario, indicator); columns :data:`COLUMNS`.
    ranking : pandas.DataFrame
        One row per programme, sorted by ``rank_overall``; columns :data:`RANKING_COLUMNS` (``rank_p05``
        ... ``p_top``: rank stability when the weights vary, :mod:`cityfutures.analysis.stability`, with
        k = ``top``).
    weights : dict
        Indicator -> the final weight of the score.
    top : int
        The k of ``p_top`` (probability of a rank in the top k).
    draws : int
        Weight vectors drawn for the rank stability.
    pathways : pandas.DataFrame
        Why each notable effect happens (:mod:`cityfutures.analysis.pathways`), empty when not computed.
    """

    results: xr.Dataset
    table: pd.DataFrame
    ranking: pd.DataFrame
    weights: dict = field(default_factory=dict)
    top: int = TOP_K
    draws: int = WEIGHT_DRAWS
    pathways: pd.DataFrame = field(default_factory=pd.DataFrame)


def comparison_result(ds: xr.Dataset, *, draws: int = WEIGHT_DRAWS, top: int = TOP_K) -> ComparisonResult:
    """The comparison of a results Dataset: its table, ranking (with rank stability) and pathways (if any)."""
    table, ranking, weights = _compare(ds, draws=draws, top=top)
    return ComparisonResult(results=ds, table=table, ranking=ranking, weights=weights, top=top, draws=draws,
                            pathways=pathways_table(ds))


# ----------------------------------------------------------------------------- the table
def _coord(ds: xr.Dataset, name: str, default: Any = "") -> list:
    if name in ds.coords:
        return [v.item() if hasattr(v, "item") else v for v in ds[name].values]
    return [default] * ds.sizes["scenario"]


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else v


def _first_shocks(ds: xr.Dataset) -> dict[str, float]:
    out: dict[str, float] = {}
    for sh in json_attr(ds, "shocks", []) or []:
        name, year = sh["scenario"], float(sh["year"])
        out[name] = min(year, out.get(name, math.inf))
    return out


def reference_of(ds: xr.Dataset, indicator: str, scenario: str) -> xr.DataArray | None:
    """The run's indicator without its shock (a stress test's counterfactual), or None when not known."""
    if WITHOUT_SHOCK not in ds.data_vars or indicator not in ds[WITHOUT_SHOCK]["indicator"].values:
        return None
    return ds[WITHOUT_SHOCK].sel(indicator=indicator, scenario=scenario, drop=True)


def futures_of(ds: xr.Dataset) -> xr.DataArray | None:
    """The paired futures' end values ``(scenario, future, indicator)``, or None."""
    return ds[FUTURE_END] if FUTURE_END in ds.data_vars else None


def _quantiles(x: np.ndarray) -> np.ndarray:
    """p5, p50, p95 over the last axis, ignoring NaN (all NaN where nothing is finite)."""
    ok = np.isfinite(x).any(axis=-1)
    out = np.full(x.shape[:-1] + (3,), np.nan)
    if ok.any():
        out[ok] = np.nanpercentile(x[ok], QUANTILES, axis=-1).T
    return out


def comparison_table(ds: xr.Dataset) -> pd.DataFrame:
    """The comparison table of a results Dataset (needs no model: everything is in ``ds``).

    Raises
    ------
    InputError
        ``ds`` holds no baseline run, or an indicator it names is missing.
    """
    return _compare(ds, draws=0)[0]


def _compare(ds: xr.Dataset, *, draws: int = WEIGHT_DRAWS, top: int = TOP_K):
    base_name = baseline_of(ds)
    indicators = indicators_of(ds)
    names = [str(s) for s in ds.scenario.values]
    kinds = _coord(ds, "kind")
    b = names.index(base_name)
    failed = {f["scenario"] for f in json_attr(ds, "failed_runs", []) or []}
    shocks = _first_shocks(ds)
    t0 = float(ds.time.values[0])
    capex = _coord(ds, "cost_capex_idr_bn", 0.0)
    opex = _coord(ds, "cost_opex_idr_bn_per_year", 0.0)
    total = _coord(ds, "cost_total_idr_bn", math.nan)
    rate = rate_of(ds)
    pv = present_value(ds, rate).reindex(names).to_numpy()
    sc = score(ds, indicators=indicators)
    terms = sc.terms.set_index(["scenario", "indicator"])
    fut = futures_of(ds)
    n_fut = 0 if fut is None else int(fut.sizes["future"])
    time_units = str(ds["time"].attrs.get("units", "Year"))
    focus, track = _coord(ds, "focus_area"), _coord(ds, "track")
    titles_en, titles_id = _coord(ds, "title_en"), _coord(ds, "title_id")
    rows = []
    for ind in indicators:
        da = ds[ind]
        if set(da.dims) != {"scenario", "time"}:
            raise InputError(f"indicator '{ind}' must have dims (scenario, time), has {da.dims}")
        da = da.transpose("scenario", "time")
        better = da.attrs.get("better", "higher")
        base = da.sel(scenario=base_name)
        end = metrics.end_value(da)
        base_end = metrics.end_value(base)
        d_end = end - base_end
        pct = metrics.percent_change(end, base_end)
        cum = metrics.area_between(da, base)
        tte = metrics.time_to_effect(da, base, start=t0)
        rated = metrics.is_rate(da.attrs.get("units", ""), time_units)
        total_pv = (metrics.improvement(discounted_area(da - base, rate, t0), better).values
                    if rated else np.full(len(names), np.nan))
        shock_m = {}
        for i, name in enumerate(names):
            if name in shocks:
                one, ref = da.isel(scenario=i), reference_of(ds, ind, name)
                shock_m[name] = (float(metrics.peak_loss(one, shocks[name], better, reference=ref)),
                                 float(metrics.loss_area(one, shocks[name], better, reference=ref)),
                                 float(metrics.recovery_time(one, shocks[name], better, reference=ref)))
        base_shock = shock_m.get(base_name, (math.nan,) * 3)
        if fut is not None:
            f = fut.sel(indicator=ind).transpose("scenario", "future").values.astype(float)
            fd = f - f[b]
            with np.errstate(divide="ignore", invalid="ignore"):
                fp = np.where(f[b] == 0, np.where(fd == 0, 0.0, np.nan), 100.0 * fd / np.abs(f[b]))
            q_d, q_p = _quantiles(fd), _quantiles(fp)
            imp_f = metrics.improvement(fd, better)
            valid = np.isfinite(imp_f)
            tol = 1e-9 * np.abs(f[b])
            with np.errstate(invalid="ignore"):
                better_f = (imp_f > tol) & valid
            p_better = np.where(valid.any(axis=1), better_f.sum(axis=1) / np.maximum(valid.sum(axis=1), 1), np.nan)
        for i, name in enumerate(names):
            peak, area, rec = shock_m.get(name, (math.nan,) * 3)
            imp = float(metrics.improvement(float(pct[i]), better))
            term = terms.loc[(name, ind)]
            baseline_row = kinds[i] == "baseline"
            priced = not baseline_row and imp >= NOTABLE_PCT    # a side effect of a few tenths of a % has no price
            cost = float(pv[i])
            row = {
                "scenario": name, "kind": kinds[i], "focus_area": _none(focus[i]), "track": _none(track[i]),
                "indicator": ind, "indicator_focus_area": da.attrs.get("focus_area"),
                "units": da.attrs.get("units", ""), "better": better, "baseline_end": float(base_end),
                "value_end": float(end[i]), "delta_end": float(d_end[i]), "delta_end_pct": float(pct[i]),
                "cumulative_delta": float(cum[i]), "improvement_end_pct": imp, "time_to_effect": float(tte[i]),
                "peak_loss": peak, "loss_area": area, "recovery_time": rec,
                "peak_loss_change": peak - base_shock[0], "loss_area_change": area - base_shock[1],
                "scale": float(term["scale"]), "units_of_improvement": float(term["units_of_improvement"]),
                "weight": float(term["weight"]), "score_term": math.nan if baseline_row else float(term["term"]),
                "capex_idr_bn": float(capex[i]), "opex_idr_bn_per_year": float(opex[i]),
                "total_cost_idr_bn": float(total[i]) if total[i] is not None else math.nan,
                "pv_cost_idr_bn": cost,
                "cost_per_unit": float(cost_per(cost, term["units_of_improvement"])) if priced else math.nan,
                "effect_total_pv": float(total_pv[i]),
                "cost_per_total": float(cost_per(cost, total_pv[i])) if priced else math.nan,
                "futures": n_fut,
                "title_en": titles_en[i] or name, "title_id": titles_id[i] or name, "failed": name in failed,
            }
            if fut is not None:
                row.update(delta_end_p05=q_d[i, 0], delta_end_p50=q_d[i, 1], delta_end_p95=q_d[i, 2],
                           delta_end_pct_p05=q_p[i, 0], delta_end_pct_p50=q_p[i, 1], delta_end_pct_p95=q_p[i, 2],
                           p_better=math.nan if baseline_row else float(p_better[i]))
            rows.append(row)
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    table, ranking = rank(table)
    ranking = _with_uncertainty(ds, ranking, sc, indicators, names, pv, draws=draws, top=top)
    return table[COLUMNS], ranking, sc.weights


def _future_units(ds: xr.Dataset, indicators: list[str], names: list[str]) -> np.ndarray | None:
    """Units of improvement of every run in every future ``(S, N, I)``, or None without futures."""
    fut = futures_of(ds)
    if fut is None:
        return None
    f = fut.sel(indicator=indicators).transpose("scenario", "future", "indicator").reindex(scenario=names)
    arr = f.values.astype(float)
    base = names.index(baseline_of(ds))
    better = [ds[i].attrs.get("better", "higher") for i in indicators]
    scale = [float(ds[i].attrs.get("scale", math.nan)) for i in indicators]
    return improvement_units(arr - arr[base][None], better, scale)


def _with_uncertainty(ds, ranking, sc, indicators, names, pv, *, draws: int, top: int) -> pd.DataFrame:
    """The ranking with score intervals over futures, present values, cost per score point and rank stability."""
    ranking = ranking.copy()
    w = np.array([sc.weights[i] for i in indicators])
    units_f = _future_units(ds, indicators, names)
    pv_of = dict(zip(names, pv))
    ranking["pv_cost_idr_bn"] = [float(pv_of[s]) for s in ranking.scenario]
    ranking["cost_per_score"] = cost_per(ranking["pv_cost_idr_bn"].to_numpy(), ranking["score"].to_numpy())
    for col in ("score_p05", "score_p50", "score_p95", "p_score_positive"):
        ranking[col] = np.nan
    idx = {n: k for k, n in enumerate(names)}
    if units_f is not None and len(ranking):
        s_f = weighted_sum(units_f, w)                                          # (S, N)
        rows = [idx[s] for s in ranking.scenario]
        q = _quantiles(s_f[rows])
        ranking["score_p05"], ranking["score_p50"], ranking["score_p95"] = q[:, 0], q[:, 1], q[:, 2]
        ok = np.isfinite(s_f[rows])
        ranking["p_score_positive"] = np.where(ok.any(axis=1), (np.where(ok, s_f[rows], 0) > 0).sum(axis=1)
                                               / np.maximum(ok.sum(axis=1), 1), np.nan)
    for col in ("rank_p05", "rank_p50", "rank_p95", "p_first", "p_top"):
        ranking[col] = np.nan
    progs = [s for s in ranking.scenario if not ranking.set_index("scenario").loc[s, "failed"]]
    if draws and progs:
        if units_f is not None:
            units = units_f[[idx[s] for s in progs]]
        else:
            wide = sc.terms.pivot(index="scenario", columns="indicator", values="units_of_improvement")
            units = wide.reindex(index=progs, columns=indicators).to_numpy()
        seed = ds.attrs.get("seed")
        seed = int(seed) if isinstance(seed, (int, np.integer)) else 0
        acc = rank_acceptability(units, w, names=progs, top=top, draws=draws, seed=seed).set_index("scenario")
        for col in ("rank_p05", "rank_p50", "rank_p95", "p_first", "p_top"):
            ranking[col] = ranking.scenario.map(acc[col])
    ranking = ranking.reindex(columns=RANKING_COLUMNS)
    for col in ("rank_p05", "rank_p50", "rank_p95"):
        ranking[col] = ranking[col].astype("Int64")
    return ranking


def rank(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank the programmes of ``table`` by the sum of their ``score_term``; fill ``rank_in_focus_area`` and
    ``rank_overall``; also return the ranking (see the module docstring for the rule)."""
    table = table.copy()
    ranked = (table["kind"] != "baseline") & (~table["failed"].astype(bool))
    cols = ["scenario", "title_en", "title_id", "kind", "focus_area", "track", "total_cost_idr_bn", "failed"]
    programmes = table[table["kind"] != "baseline"].drop_duplicates("scenario")[cols]
    totals = table[ranked].groupby("scenario", sort=False)["score_term"].sum(min_count=1)
    scorable = table[ranked].groupby("scenario", sort=False)["score_term"].apply(lambda s: s.notna().all())
    ranking = programmes.set_index("scenario")
    ranking["score"] = totals.where(scorable)
    ranking["rank_overall"] = ranking["score"].rank(ascending=False, method="min")
    group = ranking["focus_area"].fillna("")
    ranking["rank_in_focus_area"] = ranking.groupby(group)["score"].rank(ascending=False, method="min")
    ranking = ranking.reset_index()
    ranking = ranking.sort_values(["rank_overall", "scenario"], kind="stable", na_position="last")
    ranking = ranking.reset_index(drop=True)
    for col in ("rank_overall", "rank_in_focus_area"):
        ranking[col] = ranking[col].astype("Int64")
        table[col] = table["scenario"].map(ranking.set_index("scenario")[col]).astype("Int64")
    return table, ranking
