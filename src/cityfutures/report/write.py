"""Writing a report: the results, the comparison tables, the charts and the brief, into one folder.

:func:`write_report` is what ``cityfutures compare --charts`` and ``cityfutures demo`` write;
:func:`write_charts` redraws the charts and the brief from saved results (``cityfutures charts``);
:func:`write_ensemble_report` writes an ensemble's tables, dataset and charts. Every file is
written atomically; nothing here runs a model.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import pandas as pd
import xarray as xr

from ..analysis.compare import ComparisonResult, comparison_result
from ..analysis.robust import TABLES, EnsembleResult
from ..files import atomic_write
from ..progress import named_steps
from ..results.dataset import save_results
from ..results.ensemble import save_ensemble
from .brief import write_brief
from .charts import CHARTS, draw_all
from .charts.ensemble import draw_ensemble
from .labels import resolve_model
from .tables import to_markdown

__all__ = ["write_report", "write_comparison", "write_charts", "write_ensemble_report"]


def write_comparison(result: ComparisonResult, folder: str | os.PathLike) -> list[Path]:
    """Write ``comparison.csv`` (one row per programme and indicator), ``ranking.csv`` (one row per
    programme: score, interval, rank stability, costs), ``comparison.md`` and, when the pathways were
    found, ``pathways.csv`` into ``folder`` (each atomically)."""
    folder = Path(folder)
    text = to_markdown(result)
    paths = [atomic_write(folder / "comparison.csv", lambda tmp: result.table.to_csv(tmp, index=False)),
             atomic_write(folder / "ranking.csv", lambda tmp: result.ranking.to_csv(tmp, index=False)),
             atomic_write(folder / "comparison.md", lambda tmp: tmp.write_text(text, encoding="utf-8"))]
    if result.pathways is not None and len(result.pathways):
        frame = result.pathways.assign(chain=[" -> ".join(c) for c in result.pathways["chain"]])
        paths.append(atomic_write(folder / "pathways.csv", lambda tmp: frame.to_csv(tmp, index=False)))
    return paths


def write_charts(results: xr.Dataset, table: pd.DataFrame, folder: str | os.PathLike, *, lang: str = "en",
                 formats: Sequence[str] = ("png", "svg"), charts: Sequence[str] = CHARTS, brief: bool = True,
                 model=None, notes: list[str] | None = None, result: ComparisonResult | None = None,
                 progress: bool = False, portfolio=None) -> list[Path]:
    """The chart set and ``brief.pdf`` of a comparison's results, into ``folder``.

    ``model`` (a Model or a path; default the results' own) is read once here, for the structure
    maps and for labels older results lack. A chart the results cannot give (no programme to
    compare, no shock) is left out with a line in ``notes``. ``result`` is the comparison of
    ``results`` (computed here when needed and not given). ``progress`` shows a bar over the
    charts and the brief. ``portfolio`` (a :func:`cityfutures.portfolio` result of the same comparison) adds its
    page to the brief.
    """
    model = resolve_model(results, model, needed="structure" in charts)
    comparative = bool(len(table)) and "kind" in table and bool((table["kind"] != "baseline").any())
    if comparative and result is None:
        result = comparison_result(results)
    steps = [k for k in charts] + (["brief"] if brief and comparative else [])
    with named_steps(len(steps), unit="step", desc="charts", show=progress) as step:
        paths = draw_all(results, table, folder, lang=lang, formats=formats, charts=charts, model=model, notes=notes,
                         result=result, progress=step)
        if brief and not comparative:
            if notes is not None:
                notes.append("no brief: the results hold no programme to compare with the baseline")
        elif brief:
            step("brief")
            paths.append(write_brief(results, table, Path(folder) / "brief.pdf", lang=lang, model=model,
                                     result=result, portfolio=portfolio))
    return paths


def write_report(result: ComparisonResult | xr.Dataset, folder: str | os.PathLike, *, lang: str = "en",
                 charts: bool = True, formats: Sequence[str] = ("png", "svg"), model=None,
                 notes: list[str] | None = None, progress: bool = False, portfolio=None) -> list[Path]:
    """Everything a workshop takes home from a comparison, into ``folder``.

    Parameters
    ----------
    result : ComparisonResult or Dataset
        From :func:`cityfutures.compare` (a results Dataset is compared first).
    folder : path
        Created if needed.
    lang : {"en", "id"}
        Language of the charts and the brief.
    charts : bool
        Also draw the chart set and ``brief.pdf``.
    formats : sequence of {"png", "svg", "pdf"}
    model : Model or path, optional
        See :func:`write_charts`.
    notes : list of str, optional
        Receives a line for each chart the results cannot give.
    progress : bool
        Show a progress bar over the charts and the brief.
    portfolio : PortfolioResult, optional
        A portfolio search of the same comparison (:func:`cityfutures.portfolio`): its answer page and Pareto
        front follow the brief's first page.

    Returns
    -------
    list of Path
        ``results.nc``, ``results.csv``, ``comparison.csv``, ``ranking.csv``, ``comparison.md`` (and
        ``pathways.csv``), then the charts and the brief.
    """
    if isinstance(result, xr.Dataset):
        result = comparison_result(result)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = list(save_results(result.results, folder / "results.nc")) + list(write_comparison(result, folder))
    if charts:
        paths += write_charts(result.results, result.table, folder, lang=lang, formats=formats, model=model,
                              notes=notes, result=result, progress=progress, portfolio=portfolio)
    return paths


def write_ensemble_report(result: EnsembleResult, folder: str | os.PathLike, *, lang: str = "en", charts: bool = True,
                          scenarios: Sequence[str] | None = None, discovery: pd.DataFrame | None = None,
                          formats: Sequence[str] = ("png",)) -> list[Path]:
    """An ensemble's tables (CSV), its samples, its dataset (``ensemble.nc``: quantiles and P(better) per
    period, without each run's value) and its charts, into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in TABLES:
        paths.append(atomic_write(folder / f"{name}.csv", lambda tmp, name=name: result.tables[name].to_csv(
            tmp, index=False)))
    paths.append(atomic_write(folder / "samples.csv", lambda tmp: result.samples.table().to_csv(tmp)))
    if discovery is not None:
        paths.append(atomic_write(folder / "discovery.csv", lambda tmp: discovery.to_csv(tmp, index=False)))
    # each run's last value (``end_value``) stays out: it grows with every future, the report does not need it
    paths.append(save_ensemble(result.dataset.drop_vars("end_value"), folder / "ensemble.nc"))
    if charts:
        paths += draw_ensemble(result, folder, lang=lang, model=result.plan.model if result.plan else None,
                               scenarios=scenarios, formats=formats)
    return paths
