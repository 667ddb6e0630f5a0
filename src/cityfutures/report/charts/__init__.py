"""Charts of a comparison, drawn from saved results only (no chart runs a model).

Each chart is a function of the results Dataset (``cityfutures.results``) and the
comparison table (``cityfutures.compare``); every word on it comes from the Dataset's
bilingual attributes, the model's sidecar, or ``locale/strings.yaml``. Figures are
projector-ready: 16:9 at 1920 x 1080, large type, the Okabe-Ito palette, a unit on every
axis and a provenance footer (comparison, model hash, run date).

=====================  ==================================================================
``trajectories-*``     indicators over time by focus area, baseline against programmes
``change-*``           change against the baseline at the end of the horizon, per indicator
``scorecard``          programmes x indicators, coloured by improvement
``score-terms``        each programme's weighted score split by focus area, with its interval
``rank-stability``     each programme's rank range when the weights vary (SMAA)
``cost-effectiveness`` weighted score against the present value of costs, programmes and bundles alike
``shock-*``            the resilience triangle after each shock, baseline against programmes
``structure-*``        the model's sectors, stocks, flows and cross-sector links
=====================  ==================================================================

Examples
--------
>>> from cityfutures.charts import draw_all                        # doctest: +SKIP
>>> paths = draw_all(results, table, "out/charts", lang="id")       # doctest: +SKIP
"""
from __future__ import annotations

from concurrent.futures import as_completed
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import xarray as xr

from ...analysis.compare import ComparisonResult, comparison_result
from ...model import structure as model_structure
from ..labels import Labels, resolve_model
from . import _common, change, cost, score, scorecard, shock, structure, trajectories
from ._workers import pool, workers_for

__all__ = ["draw_all", "draw_group", "chart", "CHARTS", "FIGURES", "DEFAULT_FORMATS", "Labels"]

CHARTS = ("shock", "trajectories", "change", "scorecard", "score", "cost", "structure")

DEFAULT_FORMATS = ("png",)
"""Formats drawn unless asked otherwise (``--formats png,svg`` adds SVG; each format costs a render)."""

_GROUPS = (("change", 0), ("change", 1), ("structure",), ("shock-losses", "scorecard", "score", "cost"),
           ("trajectories",), ("shock",))
"""Charts drawn by one worker, the longest first: the change charts in two halves (every other indicator),
the structure maps, the figures the brief takes as pages (the shock's toll, the scorecard, the score's
terms, the cost chart, the rank stability) together with the brief, the trajectories, the shock events."""

class _Job(NamedTuple):
    """One worker's task: a group of charts and everything it draws from (plain, picklable data)."""

    group: tuple
    ds: xr.Dataset
    table: pd.DataFrame
    result: ComparisonResult | None
    out: Path
    lang: str
    formats: tuple
    model: object
    pages: Callable | None
    structure: object = None
    part: tuple = (0, 1)


def draw_all(results_ds: xr.Dataset, table: pd.DataFrame, out_dir, lang: str = "en", *,
             formats: Sequence[str] = DEFAULT_FORMATS, charts: Sequence[str] = CHARTS, model=None,
             notes: list[str] | None = None, result: ComparisonResult | None = None,
             progress: Callable | None = None, pages: Callable | None = None, workers: int | None = None
             ) -> list[Path]:
    """Draw the chart set of a comparison into ``out_dir``, the groups of charts in parallel.

    Parameters
    ----------
    results_ds : xarray.Dataset
        The results Dataset (dims ``scenario``, ``time``), as ``cityfutures.results`` writes it.
    table : pandas.DataFrame
        The comparison table, as ``cityfutures.compare`` computes it.
    out_dir : path
        Folder for the charts (created if needed). Each file is written atomically.
    lang : {"en", "id"}
        Language of every word on the charts.
    formats : sequence of {"png", "svg", "pdf"}
    charts : sequence of names from :data:`CHARTS`
    model : Model or path, optional
        The model, for the structure maps and for labels older results lack; by default
        loaded (once, here) from the results' ``model_path``/``model_name`` attributes when needed.
    notes : list of str, optional
        Receives a line for each chart of ``charts`` that the results cannot give, e.g. the
        shock response when no scenario holds a shock (the CLI prints them as ``note:``).
    result : ComparisonResult, optional
        The comparison of ``results_ds`` (computed here when not given and the results hold a baseline).
    progress : callable, optional
        Called with each chart kind's name (and ``"brief"``) once it is drawn.
    pages : callable, optional
        ``pages(result=..., figures=...) -> Path``, called in the worker that drew them with the figures
        of :data:`cityfutures.report.brief.PAGE_CHARTS` (by file stem) before they close: the brief
        takes its chart pages from them, so no figure is drawn twice. Picklable (a module-level function
        or a ``functools.partial``).
    workers : int, optional
        Processes drawing the groups of charts (shock events, trajectories, change, structure, and the
        brief's figures with the brief); default one per core available, at most one per group, when
        worker processes can start safely (:func:`._workers.main_guarded`), else 1; 1 draws here.

    Returns
    -------
    list of Path
        The files written (the brief last).
    """
    model = resolve_model(results_ds, model, needed="structure" in charts)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = [c for c in charts if c not in CHARTS]
    if unknown:
        raise ValueError(f"unknown chart(s) {', '.join(unknown)}; allowed: {', '.join(CHARTS)}")
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; allowed: png, svg, pdf")
    # a single run (cityfutures run) has nothing to compare: only trajectories, shocks and structure
    comparative = ("kind" in table and (table["kind"] != "baseline").any()) if len(table) else False
    if comparative and result is None:
        result = comparison_result(results_ds)
    if result is not None:
        table = result.table
    if not comparative:
        skipped = [k for k in ("change", "scorecard", "score", "cost") if k in charts]
        charts = [k for k in charts if k not in skipped]
        if notes is not None and skipped:
            notes.append(f"no {', '.join(skipped)} charts: the results hold no programme to compare with the baseline")
    if pages is not None and result is None:
        pages = None
    wanted = set(charts) | ({"shock-losses"} if "shock" in charts else set())
    groups = [tuple(c for c in g if c in wanted) for g in _GROUPS]
    last = 3                                   # the brief's figures
    if pages is not None and not groups[last]:
        groups[last] = ("pages",)              # the brief's figures, drawn for it alone
    jobs = []
    for k, g in enumerate(groups):
        if not g:
            continue
        part = (_GROUPS[k][1], 2) if g == ("change",) else (0, 1)
        jobs.append(_Job(g, results_ds, table, result, out, lang, tuple(formats), model,
                         pages if k == last else None, None, part))
    step = progress or (lambda _name: None)
    workers = workers_for(len(jobs), workers)
    done, finished = [], set()
    if workers <= 1:
        for k, job in enumerate(jobs):
            done.append(draw_group(_with_structure(job)))
            _report(k, step, jobs, finished)
    else:
        with pool(workers) as ex:
            # the longest first; the structure maps' job once the model's structure is built here (parsing the
            # model file takes seconds, once a process: here, while the workers draw the first groups)
            futures = {ex.submit(draw_group, job): k for k, job in enumerate(jobs) if "structure" not in job.group}
            futures.update({ex.submit(draw_group, _with_structure(job)): k for k, job in enumerate(jobs)
                            if "structure" in job.group})
            for future in as_completed(futures):
                _report(futures[future], step, jobs, finished)
            done = [future.result() for future in sorted(futures, key=futures.get)]
    paths: list[Path] = []
    for _job, (drawn, group_notes) in sorted(zip(jobs, done), key=lambda jd: jd[0].pages is not None):  # brief last
        paths += drawn
        if notes is not None:
            notes += group_notes
    return paths


def _with_structure(job: _Job) -> _Job:
    """``job`` with the model's structure, when it draws the structure maps."""
    if "structure" not in job.group or job.model is None:
        return job
    return job._replace(structure=model_structure.build(job.model))


def _report(k: int, step: Callable, jobs: Sequence[_Job], finished: set[int]) -> None:
    """Progress: job ``k`` is drawn; each of its chart kinds once all its parts are (and the brief)."""
    finished.add(k)
    for name in jobs[k].group:
        if name in CHARTS and all(i in finished for i, j in enumerate(jobs) if name in j.group):
            step(name)
    if jobs[k].pages is not None:
        step("brief")


def draw_group(job: _Job) -> tuple[list[Path], list[str]]:
    """Draw one group of charts (a worker's task); returns the files written and the notes."""
    group, ds, table, result, out, lang, formats, model, pages = job[:9]
    labels = Labels(ds, lang, model=model)
    paths: list[Path] = []
    notes: list[str] = []
    if "shock" in group:     # the events; their toll is drawn with the brief's figures
        drawn = shock.draw(ds, table, out, labels, formats, parts=("events",))
        paths += drawn
        if not drawn and not shock.has_losses(table):
            notes.append("no shock-response charts: no scenario of these results holds a shock (run a scenario "
                         "with 'shocks:', or give the comparison's baseline one)"
                         if not _common.shocks(ds) else
                         "no shock-response charts: no indicator loses more than 2 % after the shock")
    if "trajectories" in group:
        paths += trajectories.draw(ds, table, out, labels, formats)
    if "change" in group:
        paths += change.draw(ds, table, out, labels, formats, part=job.part)
    if "structure" in group:
        paths += structure.draw(ds, out, labels, formats, job.structure or model_structure.build(labels.model))
    keep: dict | None = {} if pages is not None else None
    try:
        if "shock-losses" in group:
            paths += shock.draw(ds, table, out, labels, formats, keep=keep, parts=("losses",))
        if "scorecard" in group:
            paths += scorecard.draw(ds, table, out, labels, formats, keep=keep)
        if "score" in group:
            paths += score.draw(ds, result, out, labels, formats, keep=keep)
        if "cost" in group:
            paths += cost.draw(ds, result, out, labels, formats, keep=keep)
        if pages is not None:
            paths.append(pages(result=result, figures=keep))
    finally:
        for fig in (keep or {}).values():
            plt.close(fig)
    return paths, notes


FIGURES = ("scorecard", "score-terms", "rank-stability", "cost-effectiveness", "shock-losses")


def chart(result: ComparisonResult, name: str, lang: str = "en"):
    """One chart of a comparison as a matplotlib figure (for a notebook, where it shows inline).

    Parameters
    ----------
    result : ComparisonResult
        From :func:`cityfutures.compare`.
    name : {"scorecard", "score-terms", "rank-stability", "cost-effectiveness", "shock-losses"}
    lang : {"en", "id"}

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = chart(cf.compare("scenarios/workshop-2018.yaml"), "cost-effectiveness", lang="id")  # doctest: +SKIP
    """
    if name not in FIGURES:
        raise ValueError(f"unknown chart {name!r}; allowed: {', '.join(FIGURES)}")
    ds, table = result.results, result.table
    labels = Labels(ds, lang, model=resolve_model(ds, None))
    draw = {"scorecard": lambda: scorecard.draw_scorecard(ds, table, labels),
            "score-terms": lambda: score.draw_terms(ds, result, labels),
            "rank-stability": lambda: score.draw_stability(ds, result, labels),
            "cost-effectiveness": lambda: cost.draw_cost(ds, result, labels),
            "shock-losses": lambda: shock.draw_losses(ds, table, labels)}[name]
    with _common.style():
        return draw()
