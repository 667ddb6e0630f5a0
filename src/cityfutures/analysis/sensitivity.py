"""Global sensitivity: which uncertainty drives an indicator, or a programme's gap, year by year.

SALib draws the design (Sobol/Saltelli or Morris trajectories) in the unit hypercube; the
same quantile transform as every ensemble (:func:`cityfutures.plan.sampling.transform`)
turns it into futures; the futures run through the same chunked executors; SALib analyses
the outputs per scenario, indicator and reported year. Because the transform is monotone per
column, indices in the unit hypercube are the indices of the uncertain inputs themselves.

The output of a year is the same annual mean every ensemble reports (the mean over the saved
times within the year: a flow's yearly total, a stock's annual average; see
:func:`cityfutures.plan.periods.period_means`), so a flood pulse counts in the year it
strikes, whichever saved time it falls on.

For the baseline the output is the indicator's value; for an intervention it is the *gap*
to the baseline in the same future (the paired difference), so a researcher sees which
uncertainty decides whether a programme helps in its third year and which in its last. All yearly
draws of one stochastic shock form one factor (a SALib group), named by the shock kind.

>>> res = sensitivity(comparison, method="sobol", samples=512, seed=1)   # doctest: +SKIP
>>> res.table.query("year == 2028")                                      # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze, sobol as sobol_analyze
from SALib.sample import morris as morris_sample, sobol as sobol_sample

from ..engine.executors import Executor
from ..engine.runner import collect
from ..errors import InputError, RunError
from ..plan import Plan, plan_ensemble, uncertain_of
from ..plan.plan import check_ensemble_memory
from ..plan.sampling import factors

__all__ = ["sensitivity", "SensitivityResult", "METHODS", "salib_problem", "analyse"]

METHODS = ("sobol", "morris")


@dataclass
class SensitivityResult:
    """Indices in a long table.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (scenario, indicator, year, factor): ``title_en``, ``title_id`` (the
        scenario's titles), ``measure`` (``value`` for the baseline, ``difference`` for
        interventions; both annual means of the year starting at ``year``) and, for Sobol, ``S1``, ``S1_conf``,
        ``ST``, ``ST_conf``; for Morris ``mu``, ``mu_star``, ``mu_star_conf``, ``sigma``.
        NaN where the output does not vary (e.g. at the start of the horizon).
    method : str
    plan : Plan
    failures : list
    """

    table: pd.DataFrame
    method: str
    plan: Plan
    failures: list

    @property
    def main_index(self) -> str:
        """The column that ranks factors: ``ST`` (Sobol) or ``mu_star`` (Morris)."""
        return "ST" if self.method == "sobol" else "mu_star"


def salib_problem(spec, start: float, end: float) -> dict:
    """SALib's problem over the unit hypercube, with one group per constant and per shock."""
    facs = factors(spec, start, end)
    return {"num_vars": len(facs), "names": [f.name for f in facs], "bounds": [[0.0, 1.0]] * len(facs),
            "groups": [f.group for f in facs]}


def _design(problem: dict, method: str, n: int, seed: int, num_levels: int) -> np.ndarray:
    if method == "sobol":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(balance|power of 2).*")
            return sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return morris_sample.sample(problem, n, num_levels=num_levels, seed=seed)


def analyse(problem: dict, method: str, X: np.ndarray, Y: np.ndarray, *, seed: int, num_levels: int = 4,
            conf_level: float = 0.95, num_resamples: int = 100) -> pd.DataFrame:
    """SALib's analysis of one output vector ``Y``; one row per factor (group).

    Rows are NaN when ``Y`` does not vary (SALib would divide by zero).
    """
    groups = list(dict.fromkeys(problem["groups"]))
    Y = np.asarray(Y, float)
    if not np.isfinite(Y).all():
        raise RunError("sensitivity needs every run of the design; some failed")
    cols = ["S1", "S1_conf", "ST", "ST_conf"] if method == "sobol" else ["mu", "mu_star", "mu_star_conf", "sigma"]
    if np.ptp(Y) <= 1e-12 * max(1.0, float(np.abs(Y).max())):
        return pd.DataFrame({"factor": groups, **{c: np.nan for c in cols}})
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "sobol":
            r = sobol_analyze.analyze(problem, Y, calc_second_order=False, conf_level=conf_level,
                                      num_resamples=num_resamples, seed=seed)
        else:
            r = morris_analyze.analyze(problem, X, Y, conf_level=conf_level, num_levels=num_levels,
                                       num_resamples=num_resamples, seed=seed)
    return pd.DataFrame({"factor": groups, **{c: np.asarray(r[c], float) for c in cols}})


def sensitivity(source=None, spec=None, *, method: str = "sobol", samples: int = 256, seed: int,
                runs=None, model=None, horizon=None, indicators=None, executor: Executor | None = None,
                chunk_size: int | None = None, every: float = 1.0, num_levels: int = 4,
                conf_level: float = 0.95, num_resamples: int = 100, progress: bool = False) -> SensitivityResult:
    """Global sensitivity of every indicator (baseline) and every gap (interventions), per year.

    The output of each year is the annual mean of the indicator (or of the gap), as in
    :func:`cityfutures.ensemble`.

    Parameters
    ----------
    source : Comparison or Plan, optional
        Or ``runs`` and ``model`` (as :func:`~cityfutures.plan.plan_ensemble`).
    spec : UncertainSpec, optional
        Defaults to the baseline's ``uncertain:`` block.
    method : {"sobol", "morris"}
        Sobol first-order and total indices (Saltelli design, N x (k + 2) futures for k
        factors) or Morris elementary effects (N trajectories of k + 1 futures).
    samples : int
        SALib's N (a power of two for Sobol).
    seed : int
        Seed of the design and of SALib's bootstrap.

    Returns
    -------
    SensitivityResult
    """
    if method not in METHODS:
        raise InputError(f"unknown sensitivity method '{method}'", field="--method", allowed=", ".join(METHODS))
    if spec is None and source is not None:
        spec = uncertain_of(source)
    base = plan_ensemble(source, spec, samples=1, seed=seed, runs=runs, model=model, horizon=horizon,
                         indicators=indicators, every=every)
    problem = salib_problem(base.spec, base.horizon.start, base.horizon.end)
    groups = len(set(problem["groups"]))                              # Saltelli N (G + 2), Morris N (G + 1) rows
    check_ensemble_memory(int(samples), base.spec, len(base.runs), len(base.indicators), base.horizon.start,
                          base.horizon.end, kept_periods=len(base.times),      # every period is kept
                          futures_per_sample=groups + (2 if method == "sobol" else 1))
    X = _design(problem, method, int(samples), int(seed), num_levels)
    plan = plan_ensemble(source, base.spec, seed=seed, runs=runs, model=model, horizon=horizon,
                         indicators=indicators, every=every, design=X, design_method=f"salib-{method}")
    data, failures = collect(plan, executor=executor, chunk_size=chunk_size, progress=progress)
    values = np.stack([data[i].transpose("scenario", "sample", "time").to_numpy() for i in plan.indicators],
                      axis=2)                                       # (S, N, I, T)
    if failures:
        f = failures[0]
        raise RunError(f"{len(failures)} run(s) of the sensitivity design failed (first: sample {f.sample}, "
                       f"scenario {f.scenario}: {f.error}); Sobol and Morris need every run")
    frames = []
    for s, scen in enumerate(plan.scenarios):
        measure = "value" if s == 0 else "difference"
        out = values[s] if s == 0 else values[s] - values[0]          # (N, I, T)
        for i, ind in enumerate(plan.indicators):
            for t, year in enumerate(plan.times):
                df = analyse(problem, method, X, out[:, i, t], seed=seed, num_levels=num_levels,
                             conf_level=conf_level, num_resamples=num_resamples)
                df.insert(0, "year", year)
                df.insert(0, "indicator", ind)
                df.insert(0, "measure", measure)
                df.insert(0, "title_id", scen.title("id"))
                df.insert(0, "title_en", scen.title("en"))
                df.insert(0, "scenario", scen.name)
                frames.append(df)
    table = pd.concat(frames, ignore_index=True)
    return SensitivityResult(table=table, method=method, plan=plan, failures=failures)
