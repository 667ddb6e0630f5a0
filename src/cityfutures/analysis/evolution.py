"""The evolutionary portfolio search, for catalogues too large to enumerate: pymoo's NSGA-II over bit strings.

Objectives: cost (minimised) and the weighted score (maximised), both of the simulated portfolio
(:func:`cityfutures.analysis.portfolio.evaluate`: every generation's new portfolios in one engine call);
constraint: the ``portfolio:`` block and the largest budget (:func:`cityfutures.plan.portfolio.admissible`),
violated by the amount over budget plus one for any other rule broken (such portfolios are not simulated).
The first population holds the empty portfolio, every single programme and random portfolios of every size,
so the front's cheap end and the synergy of every portfolio are known. Seeded: the same seed gives the
same front.
"""
from __future__ import annotations

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.core.callback import Callback
from pymoo.core.problem import Problem
from pymoo.operators.crossover.ux import UniformCrossover
from pymoo.operators.mutation.bitflip import BitflipMutation
from pymoo.optimize import minimize
from tqdm.auto import tqdm

from ..plan.portfolio import Catalogue, admissible
from .portfolio import ScoreBasis, evaluate, scores

__all__ = ["evolve", "first_population"]


def first_population(k: int, size: int, seed: int) -> np.ndarray:
    """The empty portfolio, every single programme, then random portfolios of rising density ``(max(size, k+1), k)``."""
    rng = np.random.default_rng(seed)
    rows = [np.zeros(k, bool)] + list(np.eye(k, dtype=bool))
    n = max(0, size - len(rows))
    density = np.linspace(0.05, 0.95, n) if n else np.array([])
    rows += [rng.random(k) < p for p in density]
    return np.array(rows, dtype=bool)


class _Portfolios(Problem):
    def __init__(self, cat: Catalogue, basis: ScoreBasis, spec, item_cost: np.ndarray, budget: float, engine: str):
        super().__init__(n_var=cat.k, n_obj=2, n_ieq_constr=1, xl=0, xu=1, vtype=bool)
        self.cat, self.basis, self.spec, self.item = cat, basis, spec, item_cost
        self.budget, self.engine = budget, engine
        self.seen: dict[bytes, tuple[np.ndarray, bool, str]] = {}   # a portfolio's bits -> what its run gave

    def run(self, masks: np.ndarray) -> None:
        """Simulate the portfolios of ``masks`` not seen yet (one engine call)."""
        new: dict[bytes, int] = {}
        for i, row in enumerate(masks):
            key = row.tobytes()
            if key not in self.seen:
                new.setdefault(key, i)
        if not new:
            return
        end, ok, reasons = evaluate(self.cat, masks[list(new.values())], self.basis, engine=self.engine)
        for j, key in enumerate(new):
            self.seen[key] = (end[j], bool(ok[j]), reasons[j])

    def _evaluate(self, x, out, *args, **kwargs):
        masks = np.asarray(x, bool)
        inside, cost = admissible(self.cat, masks, self.spec, self.item, None)
        within = cost <= self.budget * (1 + 1e-12)
        self.run(masks[inside & within])
        score = np.zeros(len(masks))
        runnable = np.zeros(len(masks), bool)
        for i, row in enumerate(masks):
            hit = self.seen.get(row.tobytes())
            if hit is not None and hit[1] and inside[i] and within[i]:
                score[i] = float(scores(hit[0], self.basis)[0])
                runnable[i] = True
        over = np.maximum(cost - self.budget, 0.0) / max(self.budget, 1.0)
        out["F"] = np.column_stack([cost, -score])
        out["G"] = (over + (~inside | (within & ~runnable)).astype(float))[:, None]


class _Progress(Callback):
    """A progress bar over the generations."""

    def __init__(self, bar):
        super().__init__()
        self.bar = bar

    def notify(self, algorithm):
        self.bar.update(1)
        self.bar.set_postfix_str(f"{len(algorithm.problem.seen):,} simulated")


def evolve(cat: Catalogue, basis: ScoreBasis, spec, item_cost: np.ndarray, budget: float, *, engine: str = "batch",
           seed: int = 0, generations: int = 60, population: int = 100, progress: bool = False):
    """Portfolios found by NSGA-II, with every single programme, and their simulated end values.

    Returns
    -------
    masks : ndarray (P, K) bool
        Every portfolio simulated during the search.
    end : ndarray (P, I)
    ok : ndarray (P,) bool
    reasons : list of str
    """
    problem = _Portfolios(cat, basis, spec, np.asarray(item_cost, float), float(budget), engine)
    start = first_population(cat.k, population, seed)
    problem.run(start[: cat.k + 1])                       # the empty portfolio and the singles, whatever the rules
    algorithm = NSGA2(pop_size=population, sampling=start, crossover=UniformCrossover(),
                      mutation=BitflipMutation(prob=1.0, prob_var=1.0 / max(cat.k, 1)), eliminate_duplicates=True)
    bar = tqdm(total=int(generations), unit="generation", desc="portfolios", leave=False) if progress else None
    try:
        extra = {"callback": _Progress(bar)} if bar is not None else {}
        minimize(problem, algorithm, ("n_gen", int(generations)), seed=int(seed), verbose=False, **extra)
    finally:
        if bar is not None:
            bar.close()
    keys = list(problem.seen)
    masks = np.array([np.frombuffer(k, dtype=bool) for k in keys])
    end = np.array([problem.seen[k][0] for k in keys])
    ok = np.array([problem.seen[k][1] for k in keys])
    reasons = [problem.seen[k][2] for k in keys]
    return masks, end, ok, reasons
