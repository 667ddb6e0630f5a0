"""The comparison: every programme against the baseline, indicator by indicator, and a ranking.

The table has one row per (scenario, indicator), baseline rows included (their changes
are 0 and they are not ranked); columns are those of docs/architecture.md, plus
``title_en``, ``title_id`` and ``failed``. Metrics are defined in :mod:`cityfutures.metrics`.

Ranking rule
------------
For each indicator, a programme's improvement at the end of the horizon
(``improvement_end_pct``: percent change against the baseline, signed so that > 0 is
better) is divided by the largest absolute improvement any programme achieves on that
indicator, giving a normalised improvement in [-1, 1] (the row's ``score``; 0 when no
programme moves the indicator). A programme's overall score is the **sum of its
normalised improvements over all compared indicators** (each indicator weighs the
same). ``rank_overall`` orders programmes (interventions and bundles) by that score,
1 = best, ties share the better rank; ``rank_in_focus_area`` does the same among the
programmes of the programme's own focus area (programmes without one, e.g. mixed
bundles, are ranked among themselves). Failed runs are not ranked.

Costs: ``total_cost_idr_bn`` is capex plus opex over the years each intervention runs
within the horizon (undiscounted, beyond the baseline's); ``cost_per_improvement`` is that
total divided by ``improvement_end_pct`` [IDR billion per percentage point], NaN where
the programme does not improve the indicator.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..results.dataset import json_attr
from . import metrics

__all__ = ["ComparisonResult", "comparison_result", "comparison_table", "rank", "COLUMNS", "RANKING_RULE"]

COLUMNS = ["scenario", "kind", "focus_area", "track", "indicator", "indicator_focus_area", "units", "better",
           "baseline_end", "value_end", "delta_end", "delta_end_pct", "cumulative_delta", "improvement_end_pct",
           "time_to_effect", "peak_loss", "recovery_time", "capex_idr_bn", "opex_idr_bn_per_year",
           "total_cost_idr_bn", "cost_per_improvement", "score", "rank_in_focus_area", "rank_overall",
           "title_en", "title_id", "failed"]

RANKING_RULE = (
    "Ranking rule: for each indicator, a programme's improvement at the end of the horizon (percent change "
    "against the baseline, signed so that positive is better) is divided by the largest absolute improvement "
    "any programme achieves on that indicator. A programme's score is the sum of these normalised "
    "improvements over all indicators (each indicator weighs the same; the best possible score is the number "
    "of indicators). Rank 1 is the highest score, overall and within the programme's focus area.")


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`compare` returns.

    Attributes
    ----------
    results : xarray.Dataset
        The runs (dims ``scenario``, ``time``), see :mod:`cityfutures.results`.
    table : pandas.DataFrame
        One row per (scenario, indicator); columns :data:`COLUMNS`.
    ranking : pandas.DataFrame
        One row per programme: ``scenario``, ``title_en``, ``title_id``, ``kind``,
        ``focus_area``, ``track``, ``score``, ``rank_overall``, ``rank_in_focus_area``,
        ``total_cost_idr_bn``, ``failed``; sorted by ``rank_overall``.
    """

    results: xr.Dataset
    table: pd.DataFrame
    ranking: pd.DataFrame


def comparison_result(ds: xr.Dataset) -> ComparisonResult:
    """The comparison of a results Dataset: its table and ranking (see the module docstring)."""
    table, ranking = rank(comparison_table(ds))
    return ComparisonResult(results=ds, table=table, ranking=ranking)


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


def comparison_table(ds: xr.Dataset) -> pd.DataFrame:
    """The comparison table of a results Dataset (needs no model: everything is in ``ds``).

    Raises
    ------
    InputError
        ``ds`` holds no baseline run, or an indicator it names is missing.
    """
    kinds = _coord(ds, "kind")
    if "baseline" not in kinds:
        raise InputError("the results hold no baseline run to compare against",
                         allowed="results of a comparison (cityfutures compare)")
    names = [str(s) for s in ds.scenario.values]
    base_name = names[kinds.index("baseline")]
    indicators = json_attr(ds, "indicators", None) or [v for v in ds.data_vars if "better" in ds[v].attrs]
    failed = {f["scenario"] for f in json_attr(ds, "failed_runs", []) or []}
    shocks = _first_shocks(ds)
    t0 = float(ds.time.values[0])
    capex = _coord(ds, "cost_capex_idr_bn", 0.0)
    opex = _coord(ds, "cost_opex_idr_bn_per_year", 0.0)
    total = _coord(ds, "cost_total_idr_bn", math.nan)
    rows = []
    for ind in indicators:
        if ind not in ds.data_vars:
            raise InputError(f"indicator '{ind}' is not in the results", allowed=", ".join(ds.data_vars))
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
        for i, name in enumerate(names):
            peak = rec = math.nan
            if name in shocks:
                peak = float(metrics.peak_loss(da.isel(scenario=i), shocks[name], better))
                rec = float(metrics.recovery_time(da.isel(scenario=i), shocks[name], better))
            imp = float(metrics.improvement(float(pct[i]), better))
            cost = float(total[i]) if total[i] is not None else math.nan
            if kinds[i] == "baseline" or not np.isfinite(imp) or imp <= 0:
                cpi = math.nan
            else:
                cpi = cost / imp
            rows.append({
                "scenario": name, "kind": kinds[i], "focus_area": _none(_coord(ds, "focus_area")[i]),
                "track": _none(_coord(ds, "track")[i]), "indicator": ind,
                "indicator_focus_area": da.attrs.get("focus_area"), "units": da.attrs.get("units", ""),
                "better": better, "baseline_end": float(base_end), "value_end": float(end[i]),
                "delta_end": float(d_end[i]), "delta_end_pct": float(pct[i]), "cumulative_delta": float(cum[i]),
                "improvement_end_pct": imp, "time_to_effect": float(tte[i]), "peak_loss": peak,
                "recovery_time": rec, "capex_idr_bn": float(capex[i]), "opex_idr_bn_per_year": float(opex[i]),
                "total_cost_idr_bn": cost, "cost_per_improvement": cpi,
                "title_en": _coord(ds, "title_en", name)[i] or name,
                "title_id": _coord(ds, "title_id", name)[i] or name, "failed": name in failed,
            })
    table = pd.DataFrame(rows)
    return rank(table)[0]


def rank(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``score``, ``rank_in_focus_area``, ``rank_overall`` to ``table``; also return the ranking.

    See the module docstring for the rule.
    """
    table = table.copy()
    ranked = (table["kind"] != "baseline") & (~table["failed"].astype(bool))
    imp = table["improvement_end_pct"].where(ranked)
    scale = imp.abs().groupby(table["indicator"]).transform("max")
    score = (imp / scale).where(scale > 0, 0.0).where(ranked)
    table["score"] = score.fillna(0.0).where(ranked)
    programmes = table[ranked].drop_duplicates("scenario")[
        ["scenario", "title_en", "title_id", "kind", "focus_area", "track", "total_cost_idr_bn", "failed"]]
    totals = table[ranked].groupby("scenario", sort=False)["score"].sum()
    ranking = programmes.set_index("scenario")
    ranking["score"] = totals
    ranking["rank_overall"] = ranking["score"].rank(ascending=False, method="min")
    group = ranking["focus_area"].fillna("")
    ranking["rank_in_focus_area"] = ranking.groupby(group)["score"].rank(ascending=False, method="min")
    ranking = ranking.reset_index()
    ranking = ranking.sort_values(["rank_overall", "scenario"], kind="stable").reset_index(drop=True)
    ranking = ranking[["scenario", "title_en", "title_id", "kind", "focus_area", "track", "score", "rank_overall",
                       "rank_in_focus_area", "total_cost_idr_bn", "failed"]]
    for col in ("rank_overall", "rank_in_focus_area"):
        ranking[col] = ranking[col].astype("Int64")
        table[col] = table["scenario"].map(ranking.set_index("scenario")[col]).astype("Int64")
    return table[COLUMNS], ranking
