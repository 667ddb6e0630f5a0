"""Rank stability under uncertain weights: SMAA-style rank acceptability.

The weights of a workshop's score are a judgement. To show how much the ranking depends on them,
weight vectors are drawn from a Dirichlet distribution centred on the given weights ``w``::

    W ~ Dirichlet(kappa * w)        E[W] = w,   Var[W_i] = w_i (1 - w_i) / (kappa + 1)

with ``kappa`` the number of weighted indicators by default, so that equal weights give the uniform
distribution over every possible weighting (the classic "no preference information" case of SMAA-2,
Lahdelma & Salminen 2001, Operations Research 49(3)). For each draw every programme is scored
(:func:`cityfutures.analysis.score.weighted_sum`) and ranked (1 = best). Reported per programme: its rank
with the given weights, the 5th, 50th and 95th percentiles of its rank (the one p5-p95 interval the
reports use), its best and worst rank, the probability of rank 1 (first-rank acceptability) and of a
rank in the top ``k``. When the comparison ran sampled futures, each weight draw meets one future in
turn, so weights and futures vary together.

>>> rank_acceptability(units, weights, names=names, seed=1)   # doctest: +SKIP
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from ..errors import InputError
from .score import weighted_sum

__all__ = ["rank_acceptability", "dirichlet_weights", "WEIGHT_DRAWS", "TOP_K"]

WEIGHT_DRAWS = 2000
TOP_K = 3


def dirichlet_weights(weights: Sequence[float], draws: int, *, seed: int = 0,
                      concentration: float | None = None) -> np.ndarray:
    """``draws`` weight vectors ``(draws, I)`` around ``weights`` (indicators weighing 0 stay 0).

    Parameters
    ----------
    weights : sequence of float
        The given weights (>= 0, summing to 1).
    draws : int
    seed : int
    concentration : float, optional
        ``kappa`` (default: the number of positive weights); larger keeps draws closer to ``weights``.
    """
    w = np.asarray(weights, dtype=float)
    used = w > 0
    if not used.any():
        raise InputError("no positive weight to vary", field="weights")
    kappa = float(used.sum()) if concentration is None else float(concentration)
    if not kappa > 0:
        raise InputError(f"concentration must be positive, got {kappa:g}", field="concentration")
    rng = np.random.default_rng(seed)
    out = np.zeros((int(draws), len(w)))
    if used.sum() == 1:
        out[:, used] = 1.0
    else:
        out[:, used] = rng.dirichlet(kappa * w[used] / w[used].sum(), size=int(draws))
    return out


def rank_acceptability(units: np.ndarray, weights: Sequence[float], *, names: Sequence[str], top: int = TOP_K,
                       draws: int = WEIGHT_DRAWS, seed: int = 0, concentration: float | None = None) -> pd.DataFrame:
    """How stable each programme's rank is when the weights vary (see the module docstring).

    Parameters
    ----------
    units : ndarray (S, I) or (S, N, I)
        Units of improvement of ``S`` programmes on ``I`` indicators (in ``N`` futures).
    weights : sequence of float (I,)
        The given weights.
    names : sequence of str (S,)
    top : int
        ``k`` of "probability of a rank in the top k".
    draws : int
        Weight vectors drawn.
    seed : int
    concentration : float, optional
        See :func:`dirichlet_weights`.

    Returns
    -------
    pandas.DataFrame
        One row per programme: ``scenario``, ``rank`` (with the given weights, in the central future:
        the median score over futures), ``rank_p05``, ``rank_p50``, ``rank_p95``, ``rank_best``,
        ``rank_worst``, ``p_first``, ``p_top`` and ``top`` (= k). Programmes whose units are not all
        finite are left out.
    """
    units = np.asarray(units, dtype=float)
    if units.ndim == 2:
        units = units[:, None, :]
    S, N, _I = units.shape
    w = np.asarray(weights, dtype=float)
    used = w > 0
    ok = np.isfinite(units[..., used]).all(axis=(1, 2))
    names = [n for n, k in zip(names, ok) if k]
    units = units[ok]
    cols = ["scenario", "rank", "rank_p05", "rank_p50", "rank_p95", "rank_best", "rank_worst", "p_first", "p_top",
            "top"]
    if not len(names):
        return pd.DataFrame(columns=cols)
    W = dirichlet_weights(w, draws, seed=seed, concentration=concentration)
    future = np.arange(len(W)) % N
    scores = np.einsum("sdi,di->sd", np.nan_to_num(units[:, future][..., used]), W[:, used])   # (S, draws)
    ranks = np.vstack([rankdata(-scores[:, d], method="min") for d in range(scores.shape[1])]).T
    central = np.median(weighted_sum(units, w), axis=1)
    given = rankdata(-central, method="min")
    q = np.percentile(ranks, [5, 50, 95], axis=1, method="inverted_cdf")
    rows = [{"scenario": n, "rank": int(given[s]), "rank_p05": int(q[0, s]), "rank_p50": int(q[1, s]),
             "rank_p95": int(q[2, s]), "rank_best": int(ranks[s].min()), "rank_worst": int(ranks[s].max()),
             "p_first": float((ranks[s] == 1).mean()), "p_top": float((ranks[s] <= top).mean()), "top": int(top)}
            for s, n in enumerate(names)]
    return pd.DataFrame(rows, columns=cols)
