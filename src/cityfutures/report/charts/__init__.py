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

from pathlib import Path
from typing import Sequence

import pandas as pd
import xarray as xr

from ...model import structure as model_structure
from ..labels import Labels, resolve_model
from . import _common, change, cost, scorecard, shock, structure, trajectories

__all__ = ["draw_all", "CHARTS", "Labels"]

CHARTS = ("trajectories", "change", "scorecard", "cost", "shock", "structure")


def draw_all(results_ds: xr.Dataset, table: pd.DataFrame, out_dir, lang: str = "en", *,
             formats: Sequence[str] = ("png", "svg"), charts: Sequence[str] = CHARTS, model=None,
             notes: list[str] | None = None) -> list[Path]:
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
    if not comparative:
        skipped = [k for k in ("change", "scorecard", "cost") if k in charts]
        charts = [k for k in charts if k not in skipped]
        if notes is not None and skipped:
            notes.append(f"no {', '.join(skipped)} charts: the results hold no programme to compare with the baseline")
    if "trajectories" in charts:
        paths += trajectories.draw(results_ds, table, out, labels, formats)
    if "change" in charts:
        paths += change.draw(results_ds, table, out, labels, formats)
    if "scorecard" in charts:
        paths += scorecard.draw(results_ds, table, out, labels, formats)
    if "cost" in charts:
        paths += cost.draw(results_ds, table, out, labels, formats)
    if "shock" in charts:
        drawn = shock.draw(results_ds, table, out, labels, formats)
        paths += drawn
        if notes is not None and not drawn:
            notes.append("no shock-response charts: no scenario of these results holds a shock (run a scenario "
                         "with 'shocks:', or give the comparison's baseline one)"
                         if not _common.shocks(results_ds) else
                         "no shock-response charts: no indicator loses more than 2 % after the shock")
    if "structure" in charts:   # last: the only chart that needs the model file
        paths += structure.draw(results_ds, out, labels, formats, model_structure.build(labels.model))
    return paths
