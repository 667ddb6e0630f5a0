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
``cost-effectiveness`` total cost against improvement, quick wins and normal track apart
``shock-*``            the resilience triangle after each shock, baseline against programmes
``structure-*``        the model's sectors, stocks, flows and cross-sector links
=====================  ==================================================================

Examples
--------
>>> from cityfutures.charts import draw_all                        # doctest: +SKIP
>>> paths = draw_all(results, table, "out/charts", lang="id")       # doctest: +SKIP
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import pandas as pd
import xarray as xr

from ...model import structure as model_structure
from ..labels import Labels, resolve_model
from . import _common, change, cost, scorecard, shock, structure, trajectories

__all__ = ["draw_all", "draw_group", "CHARTS", "DEFAULT_FORMATS", "Labels"]

_START = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
"""How chart workers start: a clean server process forked on demand (never a fork of a process whose
threads may hold locks), else a fresh interpreter."""

CHARTS = ("trajectories", "change", "scorecard", "cost", "shock", "structure")


DEFAULT_FORMATS = ("png",)
"""Formats drawn unless asked otherwise (``--formats png,svg`` adds SVG; each format costs a render)."""

_GROUPS = (("trajectories",), ("change",), ("shock",), ("structure",), ("scorecard", "cost"))
"""Charts drawn by one worker: the scorecard and the cost chart together, as the brief's pages are
those same figures."""


def draw_all(results_ds: xr.Dataset, table: pd.DataFrame, out_dir, lang: str = "en", *,
             formats: Sequence[str] = DEFAULT_FORMATS, charts: Sequence[str] = CHARTS, model=None,
             notes: list[str] | None = None, pages: Callable | None = None, workers: int | None = None
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
    pages : callable, optional
        ``pages(figures=...) -> Path``, called (in the worker that drew them) with the figures of the
        scorecard and the cost chart, before they close: the brief takes its chart pages from them, so
        no figure is drawn twice. Picklable (a module-level function or a ``functools.partial``).
    workers : int, optional
        Processes drawing the groups of charts (trajectories, change, shock, structure, scorecard with
        cost and brief); default one per core available, at most one per group; 1 draws here.

    Returns
    -------
    list of Path
        The files written, in drawing order (the brief last).
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
    if not comparative:
        skipped = [k for k in ("change", "scorecard", "cost") if k in charts]
        charts = [k for k in charts if k not in skipped]
        if notes is not None and skipped:
            notes.append(f"no {', '.join(skipped)} charts: the results hold no programme to compare with the baseline")
    groups = [tuple(c for c in g if c in charts) for g in _GROUPS]
    if pages is not None and not groups[-1]:
        groups[-1] = ("pages",)              # the brief's figures, drawn for it alone
    groups = [g for g in groups if g]
    jobs = [(g, results_ds, table, out, lang, tuple(formats), model,
             pages if g in (("scorecard", "cost"), ("scorecard",), ("cost",), ("pages",)) else None)
            for g in groups]
    workers = min(len(jobs), workers or _cores())
    if workers <= 1:
        done = [draw_group(job) for job in jobs]
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(_START)) as pool:
            done = list(pool.map(draw_group, jobs))
    paths: list[Path] = []
    for drawn, group_notes in done:
        paths += drawn
        if notes is not None:
            notes += group_notes
    return paths


def draw_group(job: tuple) -> tuple[list[Path], list[str]]:
    """Draw one group of charts (a worker's task); returns the files written and the notes."""
    group, ds, table, out, lang, formats, model, pages = job
    labels = Labels(ds, lang, model=model)
    paths: list[Path] = []
    notes: list[str] = []
    if "trajectories" in group:
        paths += trajectories.draw(ds, table, out, labels, formats)
    if "change" in group:
        paths += change.draw(ds, table, out, labels, formats)
    if "shock" in group:
        drawn = shock.draw(ds, table, out, labels, formats)
        paths += drawn
        if not drawn:
            notes.append("no shock-response charts: no scenario of these results holds a shock (run a scenario "
                         "with 'shocks:', or give the comparison's baseline one)"
                         if not _common.shocks(ds) else
                         "no shock-response charts: no indicator loses more than 2 % after the shock")
    if "structure" in group:
        paths += structure.draw(ds, out, labels, formats, model_structure.build(labels.model))
    if pages is not None or "scorecard" in group or "cost" in group:
        figures = []
        try:
            for part, scen in scorecard.parts(ds, table) if pages is not None or "scorecard" in group else ():
                with _common.style():
                    fig = scorecard.draw_scorecard(ds, table, labels, part, scen)
                    figures.append(fig)
                    if "scorecard" in group:
                        stem = "scorecard" if part in (None, "programmes") else f"scorecard-{part}"
                        paths += _common.save(fig, out, stem, formats, close=False)
            with _common.style():
                if pages is None and "cost" not in group:
                    return paths, notes
                fig = cost.draw_cost(ds, table, labels)
                figures.append(fig)
                if "cost" in group:
                    paths += _common.save(fig, out, "cost-effectiveness", formats, close=False)
            if pages is not None:
                paths.append(pages(figures=figures))
        finally:
            for fig in figures:
                plt.close(fig)
    return paths, notes


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
