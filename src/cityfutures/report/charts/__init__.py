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

from pathlib import Path
from typing import Sequence

import pandas as pd
import xarray as xr

from ...analysis.compare import ComparisonResult, comparison_result
from ...model import structure as model_structure
from ..labels import Labels, resolve_model
from . import _common, change, cost, score, scorecard, shock, structure, trajectories

__all__ = ["draw_all", "chart", "CHARTS", "FIGURES", "Labels"]

CHARTS = ("shock", "trajectories", "change", "scorecard", "score", "cost", "structure")


def draw_all(results_ds: xr.Dataset, table: pd.DataFrame, out_dir, lang: str = "en", *,
             formats: Sequence[str] = ("png", "svg"), charts: Sequence[str] = CHARTS, model=None,
             notes: list[str] | None = None, result: ComparisonResult | None = None,
             progress=None) -> list[Path]:
    """Draw the chart set of a comparison into ``out_dir``.

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
        Called with each chart kind's name before it is drawn.

    Returns
    -------
    list of Path
        The files written, in drawing order.
    """
    labels = Labels(results_ds, lang, model=resolve_model(results_ds, model, needed="structure" in charts))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unknown = [c for c in charts if c not in CHARTS]
    if unknown:
        raise ValueError(f"unknown chart(s) {', '.join(unknown)}; allowed: {', '.join(CHARTS)}")
    bad = [f for f in formats if f not in ("png", "svg", "pdf")]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; allowed: png, svg, pdf")
    paths: list[Path] = []
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
    step = progress or (lambda _name: None)
    if "shock" in charts:   # a stress test leads with what the shock does
        step("shock")
        drawn = shock.draw(results_ds, table, out, labels, formats)
        paths += drawn
        if notes is not None and not drawn:
            notes.append("no shock-response charts: no scenario of these results holds a shock (run a scenario "
                         "with 'shocks:', or give the comparison's baseline one)"
                         if not _common.shocks(results_ds) else
                         "no shock-response charts: no indicator loses more than 2 % after the shock")
    if "trajectories" in charts:
        step("trajectories")
        paths += trajectories.draw(results_ds, table, out, labels, formats)
    if "change" in charts:
        step("change")
        paths += change.draw(results_ds, table, out, labels, formats)
    if "scorecard" in charts:
        step("scorecard")
        paths += scorecard.draw(results_ds, table, out, labels, formats)
    if "score" in charts:
        step("score")
        paths += score.draw(results_ds, result, out, labels, formats)
    if "cost" in charts:
        step("cost")
        paths += cost.draw(results_ds, result, out, labels, formats)
    if "structure" in charts:   # last: the only chart that needs the model file
        step("structure")
        paths += structure.draw(results_ds, out, labels, formats, model_structure.build(labels.model))
    return paths


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
