"""Which programmes to fund: portfolios scored by simulating them, fronts, budget curves, robustness.

A portfolio's score is the weighted appraisal score (:mod:`cityfutures.analysis.score`: its
``improvement_units``, ``indicator_weights`` and ``weighted_sum``) of the run of the baseline plus the
union of its members (:mod:`cityfutures.plan.portfolio`), never a sum of single effects; its cost is the
present value of the capex and opex it adds (:func:`cityfutures.analysis.discount.stream_value`), or its
capex. The **synergy** of a portfolio is its score minus the sum of its members' scores alone (0 for an
additive model).

* :func:`evaluate` simulates many portfolios in chunks on one engine call each (the batch engine runs a
  chunk as one array) and returns their indicators' end values.
* :func:`pareto` finds the non-dominated portfolios (lower cost, higher score); :func:`budget_curve` the
  best portfolio at each budget and what each budget step adds.
* :func:`robust_choice` compares the front's portfolios across sampled futures: p5-p95, expected value,
  best 5th percentile, minimax regret, P(best).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from pymoo.indicators.hv import HV

from ..engine.simulate import simulate
from ..errors import InputError
from ..plan.portfolio import Catalogue, portfolio_params
from ..results.dataset import json_attr
from .discount import rate_of, stream_value
from .robust import regret
from .score import improvement_units, indicator_weights, indicators_of, weighted_sum

__all__ = ["ScoreBasis", "score_basis", "item_costs", "evaluate", "scores", "pareto", "budget_curve", "synergy",
           "robust_choice", "p_best", "ROBUST_RULES", "hypervolume", "PortfolioResult"]

ROBUST_RULES = ("regret", "p5", "mean")


@dataclass(frozen=True)
class ScoreBasis:
    """What a portfolio's score needs from the baseline's results (the score's inputs, nothing else).

    Attributes
    ----------
    indicators : tuple of str
    better : tuple of str
    scale : ndarray (I,) [indicator units]
    weights : ndarray (I,)
        Final weights (sum 1; :func:`cityfutures.analysis.score.indicator_weights`).
    focus : tuple of str
        Each indicator's focus area.
    areas : tuple of str
        The focus areas, in order.
    baseline_end : ndarray (I,)
        The baseline's value at the end of the horizon [indicator units].
    rate : float
        Discount rate of the costs [per year].
    start, end : float
        The horizon [Year].
    """

    indicators: tuple[str, ...]
    better: tuple[str, ...]
    scale: np.ndarray
    weights: np.ndarray
    focus: tuple[str, ...]
    areas: tuple[str, ...]
    baseline_end: np.ndarray
    rate: float
    start: float
    end: float


def score_basis(baseline: xr.Dataset) -> ScoreBasis:
    """The :class:`ScoreBasis` of a results Dataset holding the baseline run (first along ``scenario``)."""
    inds = indicators_of(baseline)
    focus = {i: str(baseline[i].attrs.get("focus_area", "")) for i in inds}
    w = indicator_weights(focus, json_attr(baseline, "weights", None) or {})
    t = baseline["time"].values
    return ScoreBasis(indicators=tuple(inds),
                      better=tuple(str(baseline[i].attrs.get("better", "higher")) for i in inds),
                      scale=np.array([float(baseline[i].attrs.get("scale", np.nan)) for i in inds]),
                      weights=np.array([w[i] for i in inds]), focus=tuple(focus[i] for i in inds),
                      areas=tuple(dict.fromkeys(focus[i] for i in inds)),
                      baseline_end=np.array([float(baseline[i].isel(scenario=0, time=-1)) for i in inds]),
                      rate=rate_of(baseline), start=float(baseline.attrs.get("horizon_start", t[0])),
                      end=float(baseline.attrs.get("horizon_end", t[-1])))


def item_costs(cat: Catalogue, basis: ScoreBasis, kind: str = "pv") -> np.ndarray:
    """Each cost item of the catalogue in the budget's terms ``(C,)`` [IDR billion]: its present value at the
    horizon's start (``"pv"``) or its capex (``"capex"``)."""
    if kind == "capex":
        return np.array([c.capex_idr_bn for c in cat.costs], float)
    if kind != "pv":
        raise InputError(f"unknown budget kind '{kind}'", field="budget_kind", allowed="pv, capex")
    return np.array([stream_value(c.record(), basis.rate, basis.start, basis.end) for c in cat.costs], float)


def scores(end: np.ndarray, basis: ScoreBasis) -> tuple[np.ndarray, np.ndarray]:
    """Scores of runs from their indicators' end values.

    Parameters
    ----------
    end : ndarray (..., I)
        End values [indicator units].
    basis : ScoreBasis

    Returns
    -------
    total : ndarray (...)
        The weighted score.
    by_area : ndarray (..., A)
        Each focus area's part of it (its indicators' terms).
    """
    units = improvement_units(np.asarray(end, float) - basis.baseline_end, list(basis.better), basis.scale)
    total = weighted_sum(units, basis.weights)
    by_area = np.stack([weighted_sum(units, np.where(np.array(basis.focus) == fa, basis.weights, 0.0))
                        for fa in basis.areas], axis=-1)
    return total, by_area


def evaluate(cat: Catalogue, masks: np.ndarray, basis: ScoreBasis, *, engine: str = "batch",
             chunk_size: int = 4096, progress: Callable[[int], Any] | None = None
             ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Simulate portfolios and return their indicators' end values.

    Parameters
    ----------
    cat : Catalogue
    masks : ndarray (P, K) bool
    basis : ScoreBasis
    engine : {"batch", "pysd"}
    chunk_size : int
        Portfolios per engine call.
    progress : callable, optional
        Called with the number of portfolios done after each chunk.

    Returns
    -------
    end : ndarray (P, I)
        NaN for a portfolio that cannot be run (``reasons``) or whose run failed.
    ok : ndarray (P,) bool
    reasons : list of str
        Why a portfolio is left out ("" when it is not).
    """
    masks = np.asarray(masks, bool)
    plan = cat.plan
    h = plan.horizon
    end = np.full((len(masks), len(basis.indicators)), np.nan)
    ok = np.zeros(len(masks), bool)
    reasons = [""] * len(masks)
    for lo in range(0, len(masks), chunk_size):
        chunk = masks[lo:lo + chunk_size]
        params, good, why = portfolio_params(cat, chunk)
        ds = simulate(plan.model, params, engine=engine, n_runs=len(chunk), start=h.start, end=h.end, dt=h.dt,
                      saveper=h.saveper, method=plan.method, variables=list(basis.indicators))
        values = np.stack([ds[i].isel(time=-1).values for i in basis.indicators], axis=-1)
        failed = np.zeros(len(chunk), bool)
        failed[[int(r) for r in ds.attrs.get("failed_runs", [])]] = True
        for r in np.flatnonzero(failed & good):
            why[r] = "the run failed: " + str(ds.attrs.get("errors", {}).get(int(r), "values not finite"))
        good &= ~failed
        values[~good] = np.nan
        end[lo:lo + len(chunk)] = values
        ok[lo:lo + len(chunk)] = good
        reasons[lo:lo + len(chunk)] = why
        if progress is not None:
            progress(len(chunk))
    return end, ok, reasons


def pareto(cost: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Indices of the non-dominated points (lower cost, higher score), by rising cost.

    Of portfolios with equal cost and score the first is kept. NaN scores are never on the front.
    """
    cost, score = np.asarray(cost, float), np.asarray(score, float)
    idx = np.flatnonzero(np.isfinite(score) & np.isfinite(cost))
    order = idx[np.lexsort((-score[idx], cost[idx]))]
    out, best = [], -np.inf
    for i in order:
        if not out or score[i] > best + 1e-12 * max(1.0, abs(best)):
            out.append(i)
            best = score[i]
    return np.array(out, dtype=int)


def budget_curve(cost: np.ndarray, score: np.ndarray, budgets: Sequence[float]) -> np.ndarray:
    """Index of the best portfolio with cost within each budget ``(B,)`` (-1 where none fits)."""
    front = pareto(cost, score)
    out = []
    for b in budgets:
        fits = front[cost[front] <= float(b) * (1 + 1e-12)]
        out.append(int(fits[-1]) if fits.size else -1)
    return np.array(out, dtype=int)


def synergy(masks: np.ndarray, score: np.ndarray, single: np.ndarray) -> np.ndarray:
    """Each portfolio's score minus the sum of its members' scores alone ``(P,)``.

    ``single`` ``(K,)``: each programme's score on its own (the portfolio of one).
    """
    return np.asarray(score, float) - np.asarray(masks, float) @ np.asarray(single, float)


def hypervolume(cost: np.ndarray, score: np.ndarray, ref_cost: float, ref_score: float) -> float:
    """The area dominated by the points (lower cost, higher score) up to the reference point
    ``(ref_cost, ref_score)`` [IDR billion x score] (pymoo's indicator, cost and -score minimised)."""
    pts = np.column_stack([np.asarray(cost, float), -np.asarray(score, float)])
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    return float(HV(ref_point=np.array([ref_cost, -ref_score]))(pts)) if len(pts) else 0.0


def p_best(future_scores: np.ndarray, cost: np.ndarray, budget: float) -> np.ndarray:
    """How often each portfolio is the best of those within ``budget`` ``(P,)`` (0 for those beyond it).

    ``future_scores`` ``(P, N)``: scores in N paired futures; ``cost`` ``(P,)`` [IDR billion].
    """
    fs = np.asarray(future_scores, float)
    fits = np.asarray(cost, float) <= float(budget) * (1 + 1e-12)
    out = np.zeros(len(fs))
    if fits.any():
        masked = np.where(fits[:, None] & np.isfinite(fs), fs, -np.inf)
        out = np.bincount(np.argmax(masked, axis=0), minlength=len(fs)) / fs.shape[1]
    return out


def robust_choice(future_scores: np.ndarray, cost: np.ndarray, budgets: Sequence[float]) -> pd.DataFrame:
    """The choice at each budget by each rule, among portfolios met by the same sampled futures.

    Parameters
    ----------
    future_scores : ndarray (P, N)
        Each portfolio's score in each future (paired: the same N futures).
    cost : ndarray (P,) [IDR billion]
    budgets : sequence of float

    Returns
    -------
    DataFrame
        One row per budget: ``budget_idr_bn``, and for each rule of ``mean`` (expected value), ``p5`` (best
        5th percentile), ``regret`` (minimax regret against the best portfolio within the budget in each
        future) and ``p_best`` (most often the best) the index of the chosen portfolio (-1: none fits).
    """
    fs = np.asarray(future_scores, float)
    rows = []
    for b in budgets:
        fits = np.flatnonzero(np.asarray(cost) <= float(b) * (1 + 1e-12))
        row: dict[str, Any] = {"budget_idr_bn": float(b)}
        if not fits.size:
            row.update({"mean": -1, "p5": -1, "regret": -1, "p_best": -1})
            rows.append(row)
            continue
        sub = fs[fits]
        reg = regret(sub[:, :, None], ["higher"])[:, :, 0]
        best = np.nanargmax(np.where(np.isfinite(sub), sub, -np.inf), axis=0)
        row.update({"mean": int(fits[np.nanargmax(np.nanmean(sub, axis=1))]),
                    "p5": int(fits[np.nanargmax(np.nanpercentile(sub, 5, axis=1))]),
                    "regret": int(fits[np.nanargmin(np.nanmax(reg, axis=1))]),
                    "p_best": int(fits[np.argmax(np.bincount(best, minlength=len(fits)))])})
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class PortfolioResult:
    """What :func:`cityfutures.portfolio` returns.

    Attributes
    ----------
    table : DataFrame
        Every portfolio on the front (cost against score) and every budget's choice: ``code`` (bit k set when
        programme k is a member), ``members`` (names joined by ``+``), ``n_members``, ``cost_idr_bn``,
        ``score``, ``synergy``, ``score_<focus area>``, ``on_front``, ``front_<focus area>`` (on the front of
        cost against that area's score) and, with futures, ``score_mean``, ``score_p05``, ``score_p50``,
        ``score_p95``, ``p_best``.
    curve : DataFrame
        One row per budget: ``budget_idr_bn``, ``code``, ``members``, ``cost_idr_bn``, ``score``, ``synergy``,
        ``added``, ``dropped`` (against the budget before), the interval columns and, with futures,
        ``robust_members`` (the choice by the robust rule) and ``ev_members`` (by expected value).
    excluded : DataFrame
        Portfolios within the budget left out: ``reason``, ``portfolios`` (how many), ``example``.
    results : Dataset
        The baseline and each budget's choice run through the pipeline (trajectories; scenarios
        ``portfolio-<budget>``).
    names, titles_en, titles_id, focus_areas, tracks : tuple
        The candidates.
    meta : dict
        ``search`` (exhaustive | evolutionary), ``candidates``, ``portfolios`` (in the space), ``admissible``,
        ``evaluated``, ``seconds``, ``budget_kind``, ``discount_rate``, ``futures``, ``robust``, ``seed``,
        ``areas``, ``comparison``.
    """

    table: pd.DataFrame
    curve: pd.DataFrame
    excluded: pd.DataFrame
    results: xr.Dataset
    names: tuple[str, ...]
    titles_en: tuple[str, ...]
    titles_id: tuple[str, ...]
    focus_areas: tuple[str | None, ...]
    tracks: tuple[str | None, ...]
    meta: dict

    def title(self, name: str, lang: str) -> str:
        i = self.names.index(name)
        return (self.titles_en if lang == "en" else self.titles_id)[i] or name
