"""The one pipeline: scenario or comparison -> plan -> runner -> results -> analysis.

Every face (the CLI, the dashboard, notebooks) calls these functions; none rebuilds the
pipeline. A deterministic comparison is an ensemble of one future: both go through the same
plan (:class:`cityfutures.plan.Plan`), the same chunk runner and failure record
(:mod:`cityfutures.engine.runner`), and results files with the same provenance.

>>> ds = run("scenarios/mrt-phase-2.yaml")                       # doctest: +SKIP
>>> res = compare("scenarios/workshop-2018.yaml")                 # doctest: +SKIP
>>> ens = ensemble("scenarios/workshop-2018.yaml", samples=1000, seed=1)   # doctest: +SKIP
"""
from __future__ import annotations

import os
import time
import warnings
from dataclasses import replace
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from tqdm.auto import tqdm

from .analysis.compare import ComparisonResult, comparison_result, comparison_table
from .analysis.evolution import evolve
from .analysis.pathways import explain
from .analysis.portfolio import (
    ROBUST_RULES,
    PortfolioResult,
    budget_curve,
    evaluate,
    item_costs,
    p_best,
    pareto,
    robust_choice,
    score_basis,
    scores,
    synergy,
)
from .analysis.robust import EnsembleResult, Target, parse_target, robust_tables
from .analysis.sensitivity import SensitivityResult, sensitivity as _sensitivity
from .engine import DEFAULT_ENGINE, check_engine
from .engine.executors import Executor, InProcessExecutor
from .engine.runner import KNOCKOUTS_COMPILING, collect, execute
from .errors import InputError, RunError, RunFailedWarning
from .plan import Plan, build_plan, plan_ensemble, without_shocks
from .plan.plan import bundle_run, check_results_memory
from .plan.portfolio import MAX_EXHAUSTIVE, admissible, all_masks, catalogue, member_names
from .progress import named_steps
from .results.dataset import attach_futures, attach_pathways, attach_without_shock, build_results, load_results
from .results.ensemble import reduce_ensemble
from .scenario import Comparison, load_any

__all__ = ["run", "run_plan", "compare", "ensemble", "run_ensemble", "sensitivity", "run_futures", "pathways",
           "portfolio"]


def _plan(what: Any) -> Plan:
    return what if isinstance(what, Plan) else build_plan(load_any(what))


def run(what: Any, *, engine: str = DEFAULT_ENGINE, progress: bool = False,
        variables: Sequence[str] | None = None, executor: Executor | None = None) -> xr.Dataset:
    """Run a scenario, a list of scenarios, a comparison or a plan.

    Parameters
    ----------
    what : Scenario, Comparison, sequence of Scenario, Plan, mapping or path
        A path may name a scenario file or a comparison file. A comparison runs its baseline,
        each intervention on the baseline, and each bundle.
    engine : {"compiled", "batch", "pysd"}
        ``compiled`` (default): numba kernels; ``batch``: every run at once on the vectorised
        numpy engine; ``pysd``: PySD's loop, one run at a time (the reference).
    progress : bool
        Show a progress bar (when more than three runs are made).
    variables : sequence of str, optional
        Variables to keep (default: every variable of the model).
    executor : Executor, optional
        Where the runs go (default: this process).

    Returns
    -------
    xarray.Dataset
        Dims ``scenario`` and ``time``; see :mod:`cityfutures.results.dataset`. A run that failed
        keeps NaN values, is listed in ``attrs["failed_runs"]`` and reported with a
        :class:`~cityfutures.errors.RunFailedWarning`.

    Raises
    ------
    ScenarioError
        The file or the combination of scenarios is invalid (see :func:`cityfutures.build_plan`).
    RunError
        Every run failed.

    Examples
    --------
    >>> ds = run("scenarios/workshop-2018.yaml")                    # doctest: +SKIP
    >>> ds[indicator].sel(scenario="baseline")                       # doctest: +SKIP
    """
    check_engine(engine)
    return run_plan(_plan(what), engine=engine, progress=progress, variables=variables, executor=executor)


def run_plan(plan: Plan, *, engine: str = DEFAULT_ENGINE, progress: bool = False,
             variables: Sequence[str] | None = None, executor: Executor | None = None) -> xr.Dataset:
    """Execute a deterministic plan and return the results Dataset (see :func:`run`)."""
    check_engine(engine)
    if plan.futures is not None:
        raise InputError("this plan samples futures: run it with cityfutures.ensemble", field="plan")
    check_results_memory(plan, len(variables) if variables is not None else len(plan.model.variables))
    values, failures = collect(plan, engine=engine, executor=executor, variables=variables, progress=progress)
    failed = [f.record() for f in failures]
    if len(failed) == len(plan.runs):
        raise RunError(f"every run failed; first: {failed[0]['scenario']}: {failed[0]['error']}")
    if failed:
        listing = "; ".join(f"{f['scenario']}: {f['error']}" for f in failed)
        warnings.warn(f"{len(failed)} of {len(plan.runs)} runs failed ({listing})", RunFailedWarning, stacklevel=3)
    return build_results(plan.model, plan.runs, values, engine=engine, seed=plan.seed, horizon=plan.horizon,
                         comparison=plan.comparison, indicators=plan.indicators, failed_runs=failed)


def compare(what: Any = None, *, engine: str = DEFAULT_ENGINE, results: xr.Dataset | str | os.PathLike | None = None,
            progress: bool = False, futures: int = 0, seed: int | None = None, why: bool = False) -> ComparisonResult:
    """Compare every programme of a comparison against its baseline.

    Parameters
    ----------
    what : Comparison, Plan or path, optional
        The comparison to run. Not needed when ``results`` is given.
    engine : {"compiled", "batch", "pysd"}
        See :func:`run`.
    results : Dataset or path, optional
        Results of an earlier run (a Dataset or a ``results.nc``): compare them without running.
    progress : bool
        Show a progress bar while running.
    futures : int
        Also run every programme in N futures sampled from the baseline's ``uncertain:`` block, paired
        across all runs (the ensemble's plan and sampling, :func:`run_futures`): every change then has a
        p5-p95 interval and P(better).
    seed : int, optional
        Seed of the futures (default: the baseline's seed, else 0).
    why : bool
        Also find the pathways behind every notable effect (:func:`pathways`; about a second per
        programme on the batch engine).

    Returns
    -------
    ComparisonResult
        ``results``, ``table`` (one row per scenario and indicator), ``ranking`` (with score intervals,
        cost per score point and rank stability), ``pathways``.

    Examples
    --------
    >>> res = compare("scenarios/workshop-2018.yaml", futures=200, why=True)    # doctest: +SKIP
    >>> res.ranking[["scenario", "score", "score_p05", "score_p95", "rank_overall"]]   # doctest: +SKIP
    """
    plan = None
    if results is None:
        if what is None:
            raise InputError("nothing to compare: give a comparison or results", path="<api>")
        plan = _plan(what)
        ds = run_plan(plan, engine=engine, progress=progress)
        if any(r.shocks for r in plan.runs):   # a stress test: each run without its shock is its reference
            values, _failures = collect(without_shocks(plan), engine=engine, variables=plan.indicators)
            ds = attach_without_shock(ds, values, indicators=plan.indicators)
    elif isinstance(results, xr.Dataset):
        ds = results
    else:
        ds = load_results(results)
    if futures:
        if plan is None:
            raise InputError("futures need the comparison to run, not saved results", field="futures")
        ds = run_futures(plan, ds, futures, seed=seed, engine=engine, progress=progress)
    if why:
        if plan is None:
            raise InputError("pathways need the comparison to run, not saved results", field="why")
        ds = pathways(plan, ds, progress=progress, engine=engine)
    return comparison_result(ds)


def run_futures(plan: Plan, ds: xr.Dataset, n: int, *, seed: int | None = None, engine: str = DEFAULT_ENGINE,
                progress: bool = False, executor: Executor | None = None) -> xr.Dataset:
    """The results ``ds`` of a deterministic plan with every run's indicators in ``n`` paired futures.

    The futures come from the baseline's ``uncertain:`` block through the ensemble's plan and sampling
    (:func:`cityfutures.plan.plan_ensemble`, every saved time kept), so every run meets the same futures
    and each change is paired (:func:`cityfutures.results.dataset.attach_futures`).

    Raises
    ------
    ScenarioError
        The baseline has no ``uncertain:`` block.
    """
    if seed is None:
        seed = 0 if plan.seed is None else plan.seed
    fplan = plan_ensemble(plan, samples=int(n), seed=int(seed), every=None)
    values, failures = collect(fplan, engine=engine, executor=executor, variables=plan.indicators,
                               progress=progress)
    if failures:
        warnings.warn(f"{len(failures)} of {fplan.n_runs} runs in sampled futures failed (first: "
                      f"{failures[0].scenario}, future {failures[0].sample}: {failures[0].error}); they are left "
                      "out of the intervals", RunFailedWarning, stacklevel=3)
    return attach_futures(ds, values, indicators=plan.indicators, seed=seed,
                          sampler=fplan.samples.method,
                          failures=[f.record() for f in failures])


def pathways(plan: Plan, ds: xr.Dataset, *, progress: bool = False, engine: str | None = None) -> xr.Dataset:
    """The results ``ds`` of ``plan`` with the pathways behind every notable effect (attribute ``pathways``;
    :func:`cityfutures.analysis.pathways.explain` on ``engine``, default the default engine)."""
    table = comparison_table(ds)
    names = [r.name for r in plan.runs if r.kind != "baseline"]
    compiled = check_engine(DEFAULT_ENGINE if engine is None else engine) == "compiled"
    with named_steps(len(names), unit="programme", desc="why", show=progress,
                     first=KNOCKOUTS_COMPILING if compiled else None) as step:
        found = explain(plan, table, progress=step, engine=engine)
    return attach_pathways(ds, found.to_dict("records"))


def _comparison(what: Any) -> Comparison | Plan:
    obj = what if isinstance(what, Plan) else load_any(what)
    if not isinstance(obj, (Comparison, Plan)):
        raise InputError("an ensemble needs a comparison (a baseline and programmes), not a scenario",
                         field="what", allowed="a comparison file, a Comparison or a Plan")
    return obj


def run_ensemble(plan: Plan, *, executor: Executor | None = None, chunk_size: int | None = None,
                 targets: Sequence[Target | str] = (), sketch_size: int = 2048, engine: str = DEFAULT_ENGINE,
                 progress: bool = False) -> EnsembleResult:
    """Run a plan with sampled futures on an executor, reduce it as it goes, and tabulate it.

    Parameters
    ----------
    plan : Plan
        From :func:`cityfutures.plan.plan_ensemble`.
    executor : Executor, optional
        Default in process. Every executor returns the same numbers for the same plan.
    chunk_size : int, optional
        Futures per chunk (each chunk runs every scenario in its futures).
    targets : sequence of Target or str
        Stated targets on the last year's annual mean, e.g. ``"Travel time<=40"``.
    sketch_size : int
        Points kept per quantile cell; ensembles up to this many futures are reduced exactly.
    engine : {"compiled", "batch", "pysd"}
    progress : bool
        Show a progress bar (runs done, time left).

    Returns
    -------
    EnsembleResult
        ``dataset`` (:func:`cityfutures.results.ensemble.reduce_ensemble`), ``tables``
        (:func:`cityfutures.analysis.robust.robust_tables`), ``samples``, ``failures``, ``plan``.

    Raises
    ------
    RunError
        Every run failed.
    """
    if plan.futures is None:
        raise InputError("this plan has no sampled futures: make it with plan_ensemble", field="plan")
    executor = executor or InProcessExecutor()
    targets = [t if isinstance(t, Target) else parse_target(t, plan.indicators) for t in targets]
    for t in targets:
        if t.indicator not in plan.indicators:
            raise InputError(f"target on '{t.indicator}', which the ensemble does not report",
                             field="--target", allowed=", ".join(plan.indicators))
    chunks = execute(plan, engine=engine, executor=executor, chunk_size=chunk_size, progress=progress)
    ds, failures = reduce_ensemble(plan, chunks, executor=executor.describe(), sketch_size=sketch_size)
    tables = robust_tables(ds, targets, failures, plan.samples.table())
    return EnsembleResult(dataset=ds, tables=tables, samples=plan.samples, failures=failures, plan=plan)


def ensemble(what: Any, spec=None, *, samples: int = 1000, seed: int | None = None, sampler: str | None = None,
             indicators: Sequence[str] | None = None, every: float = 1.0, targets: Sequence[Target | str] = (),
             executor: Executor | None = None, chunk_size: int | None = None, sketch_size: int = 2048,
             engine: str = DEFAULT_ENGINE, progress: bool = False) -> EnsembleResult:
    """Every programme of a comparison over many sampled futures, paired with the baseline.

    Parameters
    ----------
    what : Comparison, Plan or path
        A comparison (its baseline's ``uncertain:`` block says what to sample), or a plan.
    spec : UncertainSpec, optional
        Sample this instead of the baseline's block.
    samples : int
        Number of futures N (N x runs simulations).
    seed : int, optional
        Seed of the futures (default: the baseline's seed, else 0). The same seed gives the same
        numbers on every executor.
    sampler : {"lhs", "sobol", "random"}, optional
    indicators : sequence of str, optional
        Default: the comparison's.
    every : float
        Report period [Year]: each value is the mean over the saved times in it (annual means).
    targets, executor, chunk_size, sketch_size, engine, progress
        As :func:`run_ensemble`.

    Returns
    -------
    EnsembleResult

    Examples
    --------
    >>> res = ensemble("scenarios/workshop-2018.yaml", samples=1000, seed=42)   # doctest: +SKIP
    >>> res.tables["ranking"]                                                    # doctest: +SKIP
    """
    source = _comparison(what)
    if seed is None:
        seed = source.seed if isinstance(source, Plan) else source.baseline.seed
        seed = 0 if seed is None else seed
    plan = plan_ensemble(source, spec, samples=samples, seed=seed, sampler=sampler, indicators=indicators,
                         every=every)
    return run_ensemble(plan, executor=executor, chunk_size=chunk_size, targets=targets, sketch_size=sketch_size,
                        engine=engine, progress=progress)


def sensitivity(what: Any, spec=None, *, method: str = "sobol", samples: int = 256, seed: int | None = None,
                **kw) -> SensitivityResult:
    """Global sensitivity (SALib Sobol or Morris) of every indicator and every programme's gap, per year.

    ``what`` is a comparison (or plan); the other arguments are those of
    :func:`cityfutures.analysis.sensitivity.sensitivity` (``indicators``, ``executor``, ``chunk_size``,
    ``every``, ``num_levels``, ``conf_level``, ``num_resamples``, ``progress``).

    Examples
    --------
    >>> res = sensitivity("scenarios/workshop-2018.yaml", method="morris", samples=20, seed=1)  # doctest: +SKIP
    >>> res.table.query("year == 2027")                                                      # doctest: +SKIP
    """
    source = _comparison(what)
    if seed is None:
        seed = source.seed if isinstance(source, Plan) else source.baseline.seed
        seed = 0 if seed is None else seed
    return _sensitivity(source, spec, method=method, samples=samples, seed=seed, **kw)


def portfolio(what: Any, *, budget: float | None = None, budgets: Sequence[float] | None = None, futures: int = 0,
              robust: str = "regret", budget_kind: str | None = None, seed: int | None = None,
              engine: str = DEFAULT_ENGINE, search: str = "auto", chunk_size: int = 4096, generations: int = 60,
              population: int = 100, progress: bool = False) -> PortfolioResult:
    """Which programmes to fund: the best portfolio of a comparison's programmes at each budget.

    Every admissible portfolio (within the largest budget and the comparison's ``portfolio:`` block) is
    simulated as the baseline plus the union of its members (the bundle rule) and scored by the
    weighted appraisal score; the best at each budget, the Pareto fronts and each choice's synergy follow
    (:mod:`cityfutures.analysis.portfolio`). With ``futures``, the front's portfolios meet the same
    sampled futures and each budget's robust choice is reported beside the expected-value one.

    Parameters
    ----------
    what : Comparison or path
        A comparison; its programmes are the candidates (bundles are not).
    budget, budgets : float or sequence of float, optional
        Budget(s) [IDR billion]; default the block's ``budget_idr_bn``.
    futures : int
        Sampled futures for the front's portfolios (0: none).
    robust : {"regret", "p5", "mean"}
        The rule of the robust choice (minimax regret, best 5th percentile, expected value).
    budget_kind : {"pv", "capex"}, optional
        Present value of capex and opex at the comparison's discount rate (default), or capex.
    seed : int, optional
        Seed of the futures and of the evolutionary search (default the baseline's, else 0).
    engine : {"batch", "pysd"}
    search : {"auto", "exhaustive", "evolutionary"}
        ``auto``: exhaustive up to 22 programmes, else evolutionary (pymoo's NSGA-II).
    chunk_size : int
        Portfolios per engine call.
    generations, population : int
        Of the evolutionary search.
    progress : bool

    Returns
    -------
    PortfolioResult

    Raises
    ------
    ScenarioError
        No budget, a budget that is not positive, an unknown rule or kind, a bad ``portfolio:`` block.

    Examples
    --------
    >>> res = portfolio("scenarios/workshop-2018.yaml", budgets=[5000, 20000, 80000])   # doctest: +SKIP
    >>> res.curve[["budget_idr_bn", "members", "score", "synergy"]]                      # doctest: +SKIP
    """
    check_engine(engine)
    started = time.perf_counter()
    comp = load_any(what)
    if not isinstance(comp, Comparison):
        raise InputError("a portfolio needs a comparison (a baseline and programmes), not a scenario",
                         field="what", allowed="a comparison file")
    spec = comp.portfolio
    kind = budget_kind or (spec.budget_kind if spec is not None else "pv")
    levels = [float(b) for b in (budgets or ([budget] if budget is not None else
                                             [spec.budget_idr_bn] if spec is not None and spec.budget_idr_bn else []))]
    if not levels:
        raise InputError("no budget: give --budget or --budgets, or budget_idr_bn in the portfolio: block",
                         field="--budget", allowed="a budget in IDR billion, e.g. --budget 40000")
    if any(not b > 0 for b in levels):
        raise InputError(f"a budget must be positive, got {min(levels):g}", field="--budgets",
                         allowed="budgets in IDR billion, e.g. 5000,10000,20000")
    if robust not in ROBUST_RULES:
        raise InputError(f"unknown rule '{robust}'", field="--robust", allowed=", ".join(ROBUST_RULES))
    if search not in ("auto", "exhaustive", "evolutionary"):
        raise InputError(f"unknown search '{search}'", field="search", allowed="auto, exhaustive, evolutionary")
    levels = sorted(set(levels))
    if seed is None:
        seed = 0 if comp.baseline.seed is None else comp.baseline.seed
    cat = catalogue(comp)
    base_plan = replace(cat.plan, runs=cat.plan.runs[:1])
    basis = score_basis(run_plan(base_plan, engine=engine))
    item = item_costs(cat, basis, kind)
    exhaustive = search == "exhaustive" or (search == "auto" and cat.k <= MAX_EXHAUSTIVE)
    singles = np.eye(cat.k, dtype=bool)
    if exhaustive:
        space = all_masks(cat.k)
        within, _ = admissible(cat, space, spec, item, max(levels))
        masks = np.unique(np.vstack([space[within], singles]), axis=0)
        n_space = len(space)
        n_admissible = int(within.sum())
        bar = tqdm(total=len(masks), unit="portfolio", desc="portfolios", leave=False) if progress else None
        end, ok, reasons = evaluate(cat, masks, basis, engine=engine, chunk_size=chunk_size,
                                    progress=None if bar is None else bar.update)
        if bar is not None:
            bar.close()
    else:
        masks, end, ok, reasons = evolve(cat, basis, spec, item, max(levels), engine=engine, seed=int(seed),
                                         generations=generations, population=population, progress=progress)
        n_space, n_admissible = 2 ** cat.k, -1
    return _portfolio_result(comp, cat, spec, basis, item, kind, levels, masks, end, ok, reasons, singles,
                             futures=futures, robust=robust, seed=int(seed), engine=engine, progress=progress,
                             meta={"search": "exhaustive" if exhaustive else "evolutionary", "portfolios": n_space,
                                   "admissible": n_admissible, "started": started})


def _portfolio_result(comp, cat, spec, basis, item, kind, levels, masks, end, ok, reasons, singles, *, futures,
                      robust, seed, engine, progress, meta) -> PortfolioResult:
    total, by_area = scores(end, basis)
    total = np.where(ok, total, np.nan)
    inside, cost = admissible(cat, masks, spec, item, max(levels))
    codes = {}   # a portfolio's number: bit k set when programme k is a member (Python ints: any number of bits)
    single_rows = [int(np.flatnonzero((masks == row).all(axis=1))[0]) for row in singles]
    syn = synergy(masks, total, total[single_rows])
    usable = inside & ok
    score_in = np.where(usable, total, np.nan)
    front = pareto(cost, score_in)
    chosen = budget_curve(cost, score_in, levels)
    area_fronts = {fa: set(pareto(cost, np.where(usable, by_area[:, a], np.nan)).tolist())
                   for a, fa in enumerate(basis.areas)}
    rows = sorted(set(front.tolist()) | {c for c in chosen.tolist() if c >= 0}
                  | set().union(*area_fronts.values()))
    for r in set(rows):
        codes[r] = sum(1 << int(k) for k in np.flatnonzero(masks[r]))
    table = pd.DataFrame({"code": [str(codes[r]) for r in rows],
                          "members": ["+".join(member_names(cat, masks[r])) for r in rows],
                          "n_members": masks[rows].sum(axis=1), "cost_idr_bn": cost[rows], "score": total[rows],
                          "synergy": syn[rows], "on_front": np.isin(rows, front)})
    for a, fa in enumerate(basis.areas):
        table[f"score_{fa}"] = by_area[rows, a]
    for fa in basis.areas:
        table[f"front_{fa}"] = [r in area_fronts[fa] for r in rows]
    robust_rows = None
    if futures:
        fs = _front_futures(comp, cat, masks[rows], basis, int(futures), seed, engine, progress)
        for col, fn in (("score_mean", np.nanmean), ("score_p05", lambda x, axis: np.nanpercentile(x, 5, axis=axis)),
                        ("score_p50", np.nanmedian), ("score_p95", lambda x, axis: np.nanpercentile(x, 95, axis=axis))):
            table[col] = fn(fs, axis=1)
        table["p_best"] = [p_best(fs, cost[rows], c)[i] for i, c in enumerate(cost[rows])]
        robust_rows = robust_choice(fs, cost[rows], levels)
    pos = {r: i for i, r in enumerate(rows)}
    curve, before = [], set()
    for j, (b, r) in enumerate(zip(levels, chosen)):
        entry: dict[str, Any] = {"budget_idr_bn": b}
        if r < 0:
            entry.update(members="", n_members=0, cost_idr_bn=np.nan, score=np.nan, synergy=np.nan, added="",
                         dropped="")
            curve.append(entry)
            continue
        now = member_names(cat, masks[r])
        entry.update(code=str(codes[r]), members="+".join(now), n_members=len(now), cost_idr_bn=float(cost[r]),
                     score=float(total[r]), synergy=float(syn[r]),
                     added="+".join(n for n in now if n not in before), dropped="+".join(n for n in before
                                                                                        if n not in now))
        for a, fa in enumerate(basis.areas):
            entry[f"score_{fa}"] = float(by_area[r, a])
        if robust_rows is not None:
            i = pos[r]
            entry.update({c: float(table[c].iloc[i]) for c in ("score_mean", "score_p05", "score_p95")})
            entry["p_best"] = float(p_best(fs, cost[rows], b)[i])
            for rule, col in ((robust, "robust_members"), ("mean", "ev_members")):
                k = int(robust_rows[rule].iloc[j])
                entry[col] = table["members"].iloc[k] if k >= 0 else ""
        before = set(now)
        curve.append(entry)
    curve = pd.DataFrame(curve)
    left = [(reasons[r], r) for r in np.flatnonzero(inside & ~ok)]
    by_reason: dict[str, list[int]] = {}
    for why, r in left:
        by_reason.setdefault(why, []).append(r)
    excluded = pd.DataFrame([{"reason": why, "portfolios": len(rs),
                              "example": "+".join(member_names(cat, masks[rs[0]]))} for why, rs in by_reason.items()],
                            columns=["reason", "portfolios", "example"])
    picked = [(b, r) for b, r in zip(levels, chosen) if r >= 0]
    runs = [cat.plan.runs[0]] + [bundle_run(cat.plan, member_names(cat, masks[r]), f"portfolio-{b:g}",
                                            title_en=f"Best portfolio within IDR {b:,.0f} bn",
                                            title_id=f"Portofolio terbaik dalam Rp {b:,.0f} miliar".replace(",", "."))
                                 for b, r in picked]
    ds = run_plan(replace(cat.plan, runs=tuple(runs)), engine=engine)
    ds.attrs.update(portfolio_budget_kind=kind, portfolio_search=meta["search"])
    started = meta.pop("started")
    meta.update(candidates=cat.k, evaluated=int(ok.sum()), budget_kind=kind, discount_rate=basis.rate,
                futures=int(futures), robust=robust, seed=seed, areas=list(basis.areas), comparison=comp.name,
                seconds=time.perf_counter() - started)
    return PortfolioResult(table=table, curve=curve, excluded=excluded, results=ds, names=cat.names,
                           titles_en=cat.titles_en, titles_id=cat.titles_id, focus_areas=cat.focus_areas,
                           tracks=cat.tracks, meta=meta)


def _front_futures(comp, cat, masks, basis, n, seed, engine, progress) -> np.ndarray:
    """Scores ``(P, n)`` of portfolios in ``n`` futures sampled from the baseline's ``uncertain:`` block, paired
    with the baseline in each."""
    runs = [cat.plan.runs[0]] + [bundle_run(cat.plan, member_names(cat, m), f"p{i}") for i, m in enumerate(masks)]
    fplan = plan_ensemble(replace(cat.plan, runs=tuple(runs)), samples=n, seed=seed, every=None)
    values, failures = collect(fplan, engine=engine, variables=list(basis.indicators), progress=progress)
    end = np.stack([values[i].isel(time=-1).transpose("scenario", "sample").values for i in basis.indicators],
                   axis=-1)                                           # (S, N, I)
    shifted = replace(basis, baseline_end=end[0])                     # paired: each future's own baseline
    total, _ = scores(end[1:], shifted)
    return total
