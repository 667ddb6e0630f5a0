"""Cost-effectiveness: what a programme's improvement costs, in natural units and on the weighted score.

Every measure divides a run's **present value of costs** (:func:`cityfutures.analysis.discount.present_value`,
IDR billion at the horizon's start) by an improvement, and is NaN where the run does not improve
(no improvement has no price) or costs nothing:

``cost_per_unit`` [IDR billion per unit of improvement]
    per indicator the run improves by 1 % or more: cost / (improvement at the end of the horizon / the
    indicator's scale). The unit is the sidecar's scale, in natural words (e.g. "per 10,000 people a
    year less affected"). A side effect of a few tenths of a percent gets no price: the cost buys the
    programme's main effects.
``cost_per_total`` [IDR billion per thing]
    per indicator that is a yearly rate (people a year, deaths a year, passengers a year) and improves
    by 1 % or more: cost / the present value of the improvement summed over the horizon (people
    protected, deaths averted, passengers carried), discounted at the same rate as the costs.
``cost_per_score`` [IDR billion per score point]
    per run: cost / weighted score (:mod:`cityfutures.analysis.score`), the one measure on which
    programmes and bundles are compared.

A run that improves and costs nothing has a cost-effectiveness of 0 (free).
"""
from __future__ import annotations

import numpy as np

__all__ = ["cost_per"]


def cost_per(cost, improvement):
    """``cost / improvement`` where the improvement is positive (and the cost 0 or more); NaN elsewhere."""
    cost = np.asarray(cost, dtype=float)
    improvement = np.asarray(improvement, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = cost / improvement
    ok = np.isfinite(out) & (improvement > 0) & (cost >= 0)
    return np.where(ok, out, np.nan)
