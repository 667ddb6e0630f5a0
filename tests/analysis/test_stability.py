"""Rank stability under Dirichlet weights (SMAA): known cases."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.analysis.stability import dirichlet_weights, rank_acceptability


def test_draws_are_centred_on_the_given_weights():
    w = np.array([0.5, 0.3, 0.2, 0.0])
    draws = dirichlet_weights(w, 20_000, seed=1)
    assert np.allclose(draws.sum(axis=1), 1.0) and (draws[:, 3] == 0).all()
    assert draws.mean(axis=0) == pytest.approx(w, abs=0.01)
    # kappa = 3 positive weights: Var[W_1] = 0.5 x 0.5 / 4
    assert draws[:, 0].var() == pytest.approx(0.25 / 4, rel=0.05)
    tight = dirichlet_weights(w, 5000, seed=1, concentration=1000)
    assert tight[:, 0].std() < 0.02


def test_a_dominating_programme_is_always_first():
    units = np.array([[2.0, 2.0], [1.0, 1.5], [0.5, -1.0]])
    t = rank_acceptability(units, [0.5, 0.5], names=["a", "b", "c"], top=1, draws=500, seed=2).set_index("scenario")
    assert t.loc["a", "p_first"] == 1.0 and t.loc["a", "rank_p95"] == 1 and t.loc["c", "rank_best"] == 3
    assert list(t["rank"]) == [1, 2, 3]


def test_two_specialists_with_equal_weights_split_the_first_rank():
    units = np.array([[1.0, 0.0], [0.0, 1.0]])
    t = rank_acceptability(units, [0.5, 0.5], names=["x", "y"], top=1, draws=4000, seed=3).set_index("scenario")
    assert t.loc["x", "p_first"] == pytest.approx(0.5, abs=0.03)
    assert t.loc["x", "rank_p05"] == 1 and t.loc["x", "rank_p95"] == 2
    # leaning on the first indicator: x first more often
    t2 = rank_acceptability(units, [0.8, 0.2], names=["x", "y"], top=1, draws=4000, seed=3).set_index("scenario")
    assert t2.loc["x", "p_first"] > 0.8


def test_futures_and_unscorable_programmes():
    units = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 2.0], [0.0, 0.5]], [[np.nan, 0.0], [0.0, 0.0]]])
    t = rank_acceptability(units, [0.5, 0.5], names=["x", "y", "z"], draws=200, seed=0)
    assert list(t.scenario) == ["x", "y"]            # z is not scored
    again = rank_acceptability(units, [0.5, 0.5], names=["x", "y", "z"], draws=200, seed=0)
    assert t.equals(again)                           # the same seed, the same table
