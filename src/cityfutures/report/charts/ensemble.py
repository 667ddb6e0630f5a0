"""Charts of ensembles and sensitivity analyses, in English and Bahasa Indonesia.

Drawn from an :class:`~cityfutures.uncertainty.ensemble.EnsembleResult` or a
:class:`~cityfutures.uncertainty.sensitivity.SensitivityResult` only (never by re-running):

* fan charts per indicator: median, middle 50 % and 90 % of futures for the baseline and
  each intervention, and for each intervention's change from the baseline (paired), drawn
  as steps: each year's annual mean (a flow's yearly total, a stock's annual average) holds
  across that year;
* a heat map of the share of futures in which each programme beats the baseline;
* the robust ranking per indicator: largest regret, with P(better) and targets met;
* tornado charts: which uncertainty drives an indicator (or a programme's gap) in two years.

16:9 (1920 x 1080), the project's projector style and colour-blind-safe palette, units on every
axis, numbers with the language's thousands and decimal marks, scenarios by their titles in the
chosen language, a title centred over the plot with a subtitle saying what a value is (annual
means), and a footer with the model hash and the seed. UI strings are in ``locale/ensemble.yaml``.
"""
from __future__ import annotations

import math
import re
from functools import partial
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.transforms import Bbox

from .. import i18n, numbers
from ._common import BASELINE_COLOR, BETTER_COLOR, FIGSIZE, SERIES, save, set_number_format, shorten, slug, style, wrap
from ._workers import pool, workers_for

__all__ = ["t", "fan_charts", "p_better_chart", "ranking_charts", "tornado_charts", "draw_ensemble",
           "draw_sensitivity", "ENSEMBLE_CHARTS"]

PANELS = 6   # fan-chart panels per page (2 x 3)


t = partial(i18n.t, catalog="ensemble")   # UI strings of these charts: locale/ensemble.yaml


def _label(model, name: str, lang: str) -> str:
    try:
        return model.label(name, lang) if model is not None else name
    except KeyError:
        return name


def _unit(model, ds, indicator: str, lang: str) -> str:
    if model is not None and indicator in getattr(model, "indicators", {}):
        return model.indicators[indicator].unit_label(lang)
    return str(ds.units.sel(indicator=indicator).values) if "units" in ds.coords else "-"


def _footer(fig, attrs: dict, model, lang: str, note: str | None = None) -> None:
    text = t("footer", lang, comparison=attrs.get("comparison", "?"),
             model=getattr(model, "name", None) or attrs.get("model_name", "?"),
             sha=str(attrs.get("model_sha256", "?"))[:12], seed=attrs.get("seed", "?"),
             n=attrs.get("samples", "?"), sampler=attrs.get("sampler", "?"), executor=attrs.get("executor", "?"))
    fig.text(0.01, 0.01, text, fontsize=11, color="#555555", ha="left", va="bottom")
    if note:
        fig.text(0.01, 0.038, note, fontsize=13, color="#333333", ha="left", va="bottom")


def _fit(fig, artist, width: float, min_size: float = 13.0) -> None:
    """Shrink a text artist's font until it is at most ``width`` (a fraction of the figure) wide."""
    renderer = fig.canvas.get_renderer()
    limit = width * fig.bbox.width
    while artist.get_window_extent(renderer).width > limit and artist.get_fontsize() > min_size:
        artist.set_fontsize(artist.get_fontsize() - 1)


def _titles(fig, title: str, subtitle: str | None, left: float, right: float, *, top: float = 0.975,
            size: float = 24) -> None:
    """A title centred over the plot area ``[left, right]`` and a subtitle under it."""
    x = (left + right) / 2
    width = 2 * min(x, 1 - x) - 0.04
    head = fig.text(x, top, title, ha="center", va="top", fontsize=size, fontweight="bold")
    _fit(fig, head, width)
    if subtitle:
        sub = fig.text(x, top - 0.052, subtitle, ha="center", va="top", fontsize=15, color="#333333")
        _fit(fig, sub, width, min_size=11)


def _numbers(axis, lang: str) -> None:
    """Readable tick labels: the language's thousands and decimal marks, no "1e6" offset."""
    set_number_format(axis, lang)


def _year_label(year) -> str:
    return numbers.year(float(year))


def _fan(ax, x, q, color, label_prefix: str | None, lang: str) -> None:
    """q: (5, len(x)) quantiles 5/25/50/75/95 at the step edges ``x`` (held until the next edge)."""
    ax.fill_between(x, q[0], q[4], color=color, alpha=0.18, lw=0, step="post",
                    label=t("band_90", lang) if label_prefix is None else None)
    ax.fill_between(x, q[1], q[3], color=color, alpha=0.38, lw=0, step="post",
                    label=t("band_50", lang) if label_prefix is None else None)
    ax.plot(x, q[2], color=color, lw=2.5, drawstyle="steps-post",
            label=t("median", lang) if label_prefix is None else label_prefix)


def _short_label(text: str, width: int = 34) -> str:
    """A one-line label: without its parenthesis, at most ``width`` characters."""
    return shorten(re.sub(r"\s*\([^)]*\)", "", text).strip() or text, width)


def _steps(times: np.ndarray, every: float) -> np.ndarray:
    """Edges of the yearly steps: each year's start, and the end of the last year."""
    return np.append(times, times[-1] + every)


def _hold_last(q: np.ndarray) -> np.ndarray:
    return np.concatenate([q, q[..., -1:]], axis=-1)


def _scenario_title(ds, s: str, lang: str) -> str:
    """A scenario's title in ``lang`` from the results (``title_en`` / ``title_id``), else its name."""
    key = f"title_{lang}"
    if key in ds.coords:
        v = str(ds[key].sel(scenario=s).values)
        if v and v != "nan":
            return v
    return s


def fan_charts(result, out_dir, *, lang: str = "en", model=None, scenarios: Sequence[str] | None = None,
               indicators: Sequence[str] | None = None, formats=("png",)) -> list[Path]:
    """Fan charts per indicator: values (baseline band behind each programme) and changes.

    Pages of six panels, one panel per programme (by its title). Each year's annual mean holds
    across that year (steps). Returns the files written.
    """
    ds = result.dataset
    names = [str(s) for s in ds.scenario.values]
    base = names[0]
    chosen = [s for s in names[1:] if scenarios is None or s in scenarios]
    times = np.asarray(ds.time.values, float)
    every = float(ds.attrs.get("every", 1.0))
    x = _steps(times, every)
    paths: list[Path] = []
    left, right = 0.1, 0.98
    figures: dict = {}      # one figure per grid of panels, drawn again for every page
    try:
        _fan_pages(ds, base, chosen, x, model, lang, indicators, out_dir, formats, figures, paths, left, right)
    finally:
        for fig, _axes in figures.values():
            plt.close(fig)
    return paths


def _page(figures: dict, nrows: int, ncols: int):
    """The figure and axes of a fan-chart page of ``nrows`` x ``ncols`` panels: made once per grid, then emptied
    for the next page (its ticks and axes are kept: making them again took a third of a page's time)."""
    if (nrows, ncols) not in figures:
        figures[nrows, ncols] = plt.subplots(nrows, ncols, figsize=FIGSIZE, sharex=True, sharey=True, squeeze=False)
        return figures[nrows, ncols]
    fig, axes = figures[nrows, ncols]
    for artist in [*fig.texts, *fig.legends]:
        artist.remove()
    for ax in axes.ravel():
        for artist in [*ax.lines, *ax.collections]:
            artist.remove()
        ax.dataLim.set_points(Bbox.null().get_points())    # the next page's data alone sets the limits
        ax.ignore_existing_data_limits = True
        ax.set_visible(True)
    return fig, axes


def _fan_pages(ds, base, chosen, x, model, lang, indicators, out_dir, formats, figures, paths, left, right):
    for ind in indicators or [str(i) for i in ds.indicator.values]:
        q = ds["quantiles"].sel(indicator=ind)
        unit = _unit(model, ds, ind, lang)
        ilabel = _label(model, ind, lang)
        better = str(ds.better.sel(indicator=ind).values)
        hint = t("better_up" if better == "higher" else "better_down", lang)
        for measure in ("value", "difference"):
            panels = ([base] if measure == "value" else []) + chosen
            pages = max(1, math.ceil(len(panels) / PANELS))
            for page in range(pages):
                part = panels[page * PANELS:(page + 1) * PANELS]
                if not part:
                    continue
                with style():
                    nrows = 1 if len(part) <= 3 else 2
                    ncols = len(part) if len(panels) <= 3 else 3      # same panel width on every page
                    fig, axes = _page(figures, nrows, ncols)
                    qm = q.sel(measure=measure)
                    for k, ax in enumerate(axes.ravel()):
                        if k >= len(part):
                            ax.set_visible(False)
                            continue
                        s = part[k]
                        if measure == "value" and s != base:
                            bq = _hold_last(qm.sel(scenario=base).to_numpy())
                            ax.fill_between(x, bq[0], bq[4], color=BASELINE_COLOR, alpha=0.08, lw=0, step="post",
                                            label=t("baseline_band", lang))
                            ax.plot(x, bq[2], color=BASELINE_COLOR, lw=1.2, ls="--", drawstyle="steps-post",
                                    label=t("baseline_median", lang))
                        color = BASELINE_COLOR if s == base else SERIES[0]
                        _fan(ax, x, _hold_last(qm.sel(scenario=s).to_numpy()), color, None, lang)
                        if measure == "difference":
                            ax.axhline(0, color=BASELINE_COLOR, lw=1.2)
                        ax.set_title(wrap(_scenario_title(ds, s, lang), 32), fontsize=15)
                        ax.tick_params(labelsize=13)
                        _numbers(ax.yaxis, lang)
                    for j, ax in enumerate(axes[0]):
                        if nrows > 1 and axes[-1, j].get_visible():
                            ax.tick_params(labelbottom=False)   # the panel below carries the years
                            ax.set_xlabel("")
                        else:
                            ax.tick_params(labelbottom=True)
                            ax.set_xlabel(t("year", lang), fontsize=15)
                    for ax in axes[-1]:
                        ax.set_xlabel(t("year", lang), fontsize=15)
                    ylab = (t("value_axis", lang, indicator=ilabel, unit=unit) if measure == "value"
                            else t("difference_axis", lang, unit=unit))
                    head_, _, unit_ = ylab.rpartition(" [")      # the unit on a line of its own
                    ylab = wrap(head_, 34) + "\n" + wrap("[" + unit_, 34) if head_ else wrap(ylab, 34)
                    for ax in axes[:, 0]:
                        ax.set_ylabel(ylab, fontsize=14)
                    title = t("fan_values_title" if measure == "value" else "fan_difference_title", lang,
                              indicator=ilabel)
                    if pages > 1:
                        title += " " + t("fan_page", lang, page=page + 1, pages=pages)
                    _titles(fig, title, t("fan_subtitle", lang, hint=hint), left, right, size=22)
                    ref = axes.ravel()[min(1, len(part) - 1)]
                    handles, labels = ref.get_legend_handles_labels()
                    fig.legend(handles, labels, loc="upper center", ncol=len(labels) if len(labels) <= 4 else 3,
                               fontsize=13, bbox_to_anchor=((left + right) / 2, 0.895), frameon=False)
                    fig.subplots_adjust(left=left, right=right, top=0.77, bottom=0.12, hspace=0.45, wspace=0.08)
                    _footer(fig, ds.attrs, model, lang)
                    stem = f"fan_{measure}_{slug(ind)}" + (f"_{page + 1}" if pages > 1 else "") + f"_{lang}"
                    paths += save(fig, out_dir, stem, formats, keep={})


def p_better_chart(result, out_dir, *, lang: str = "en", model=None, formats=("png",)) -> list[Path]:
    """Heat map: share of futures in which each programme beats the baseline, per indicator (last year)."""
    ds = result.dataset
    names = [str(s) for s in ds.scenario.values][1:]
    inds = [str(i) for i in ds.indicator.values]
    p = ds["p_better"].isel(time=-1).sel(scenario=names).transpose("scenario", "indicator").to_numpy() * 100
    year = _year_label(ds.time.values[-1])
    many = len(names) > 16
    with style():
        fig = plt.figure(figsize=FIGSIZE)
        left, right, bottom, top = 0.31, 0.86, 0.25, 0.86
        ax = fig.add_axes((left, bottom, right - left, top - bottom))
        cax = fig.add_axes((right + 0.012, bottom, 0.012, top - bottom))
        im = ax.imshow(p, cmap="PuOr_r", vmin=0, vmax=100, aspect="auto")
        small = len(names) * len(inds) > 120
        for i in range(len(names)):
            for j in range(len(inds)):
                ax.text(j, i, f"{p[i, j]:.0f}", ha="center", va="center", fontsize=10 if small else 13,
                        color="white" if abs(p[i, j] - 50) > 35 else "black")
        ax.set_xticks(range(len(inds)), [_short_label(_label(model, i, lang)) for i in inds],
                      fontsize=12 if len(inds) > 6 else 13, rotation=25, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(names)), [shorten(_scenario_title(ds, s, lang), 56) for s in names],
                      fontsize=11 if many else 13)
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_visible(False)
        cb = fig.colorbar(im, cax=cax)
        cb.set_label(t("p_better_colorbar", lang), fontsize=13)
        cb.ax.tick_params(labelsize=12)
        _titles(fig, t("p_better_title", lang), t("p_better_subtitle", lang, year=year), left, right, size=22)
        _footer(fig, ds.attrs, model, lang)
        return save(fig, out_dir, f"p_better_{lang}", formats)


def ranking_charts(result, out_dir, *, lang: str = "en", model=None, indicators=None,
                   formats=("png",)) -> list[Path]:
    """Per indicator: largest regret of every scenario (shortest bar = most robust), last year's annual means."""
    ds = result.dataset
    reg = result.tables["regret"]
    prob = result.tables["probability"].set_index(["scenario", "indicator"])["p_better"]
    tg = result.tables["targets"]
    year = _year_label(ds.time.values[-1])
    paths: list[Path] = []
    for ind in indicators or [str(i) for i in ds.indicator.values]:
        r = reg[reg.indicator == ind].sort_values(["max_regret", "scenario"], ascending=[False, True])
        unit = _unit(model, ds, ind, lang)
        many = len(r) > 16
        with style():
            fig, ax = plt.subplots(figsize=FIGSIZE)
            left, right = 0.31, 0.97
            colors = [BASELINE_COLOR if k == 0 else BETTER_COLOR for k in
                      [list(ds.scenario.values).index(s) for s in r.scenario]]
            y = np.arange(len(r))
            ax.barh(y, r.max_regret, color=colors, alpha=0.85)
            ax.set_yticks(y, [shorten(_scenario_title(ds, s, lang), 56) for s in r.scenario],
                          fontsize=11 if many else 13)
            top = float(r.max_regret.max()) or 1.0
            for yy, (s, v) in zip(y, zip(r.scenario, r.max_regret)):
                bits = []
                if (s, ind) in prob.index:
                    bits.append(t("label_p_better", lang, p=f"{100 * prob[(s, ind)]:.0f}"))
                for _, row in tg[(tg.scenario == s) & (tg.indicator == ind)].iterrows():
                    bits.append(t("label_target", lang, p=f"{100 * row.share_met:.0f}"))
                if bits:
                    ax.text(v + 0.01 * top, yy, "; ".join(bits), va="center", fontsize=10 if many else 12,
                            color="#333333")
            ax.set_xlim(0, top * 1.4)
            ax.set_ylim(-0.6, len(r) - 0.4)
            ax.set_xlabel(t("max_regret_axis", lang, unit=unit), fontsize=15)
            _numbers(ax.xaxis, lang)
            ax.grid(axis="y", visible=False)
            _titles(fig, t("ranking_title", lang, indicator=_label(model, ind, lang)),
                    t("ranking_subtitle", lang, year=year), left, right, size=22)
            fig.subplots_adjust(left=left, right=right, top=0.86, bottom=0.17)
            _footer(fig, ds.attrs, model, lang, note=wrap(t("ranking_note", lang), 170))
            paths += save(fig, out_dir, f"ranking_{slug(ind)}_{lang}", formats)
    return paths


def tornado_charts(sens, out_dir, *, lang: str = "en", model=None, years: Sequence[float] | None = None,
                   scenarios: Sequence[str] | None = None, indicators: Sequence[str] | None = None,
                   top: int = 12, formats=("png",), attrs: dict | None = None) -> list[Path]:
    """Tornado charts: factors ranked by their index, side by side for two (or more) years.

    The indices are those of each year's annual mean (of the indicator, or of the gap).
    """
    tab = sens.table
    col = sens.main_index
    conf = f"{col}_conf"
    plan = sens.plan
    titles = {s.name: s.title(lang) for s in plan.runs}
    all_years = sorted(tab.year.unique())
    if years is None:
        early = [y for y in all_years if y >= plan.horizon.start + 3 - 1e-9]
        years = [early[0] if early else all_years[-1], all_years[-1]]
        years = sorted(set(years))
    attrs = dict(attrs or {})
    attrs.setdefault("model_sha256", plan.model.sha256)
    attrs.setdefault("comparison", plan.name)
    attrs.setdefault("seed", plan.samples.seed)
    attrs.setdefault("samples", len(plan.samples))
    attrs.setdefault("sampler", plan.samples.method)
    attrs.setdefault("executor", attrs.get("executor", "-"))
    paths: list[Path] = []
    colors = [SERIES[1], SERIES[0], SERIES[2], SERIES[3]]
    for (scen, ind), g in tab.groupby(["scenario", "indicator"], sort=False):
        if (scenarios is not None and scen not in scenarios) or (indicators is not None and ind not in indicators):
            continue
        g = g[g.year.isin(years)]
        if g[col].isna().all():
            continue
        last = g[g.year == max(years)].set_index("factor")[col].fillna(0)
        order = last.abs().sort_values(ascending=True).index[-top:]
        unit = _unit(model, _Units(plan), ind, lang)
        with style():
            fig, ax = plt.subplots(figsize=FIGSIZE)
            left, right = 0.3, 0.97
            h = 0.8 / len(years)
            y = np.arange(len(order))
            for k, year in enumerate(years):
                gy = g[g.year == year].set_index("factor").reindex(order)
                ax.barh(y + (k - (len(years) - 1) / 2) * h, gy[col].fillna(0), height=h,
                        xerr=gy[conf].fillna(0) if conf in gy else None, color=colors[k % len(colors)],
                        error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1.2},
                        label=t("tornado_year", lang, year=_year_label(year)))
            ax.set_yticks(y, [wrap(_factor_label(model, f, lang), 36) for f in order])
            ax.axvline(0, color=BASELINE_COLOR, lw=1)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel(t("tornado_axis_sobol", lang) if sens.method == "sobol"
                          else t("tornado_axis_morris", lang, unit=unit), fontsize=15)
            _numbers(ax.xaxis, lang)
            what = t("tornado_what_value" if g.measure.iloc[0] == "value" else "tornado_what_gap", lang)
            _titles(fig, t("tornado_title", lang, indicator=_label(model, ind, lang), what=what),
                    t("tornado_subtitle", lang, scenario=titles.get(scen, scen)), left, right, size=22)
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels[::-1], loc="lower right", title=t("tornado_legend", lang))
            fig.subplots_adjust(left=left, right=right, top=0.86, bottom=0.16)
            _footer(fig, attrs, model, lang, note=t("tornado_note", lang, conf=95))
            paths += save(fig, out_dir, f"tornado_{slug(scen)}_{slug(ind)}_{lang}", formats)
    return paths


class _Units:
    """A stand-in for a dataset's ``units`` coordinate, from a plan."""

    def __init__(self, plan):
        self.coords = {"units": None}
        self.units = xr.DataArray(list(plan.units), dims="indicator", coords={"indicator": list(plan.indicators)})


def _factor_label(model, name: str, lang: str) -> str:
    if model is not None and name in getattr(model, "shocks", {}):
        return model.shocks[name].label(lang)
    return _label(model, name, lang)


ENSEMBLE_CHARTS = ("fan", "p_better", "ranking")


def draw_ensemble(result, out_dir, *, lang: str = "en", model=None, scenarios=None, indicators=None,
                  charts: Sequence[str] = ENSEMBLE_CHARTS, formats=("png",), workers: int | None = None) -> list[Path]:
    """The ensemble charts of :data:`ENSEMBLE_CHARTS` (fans, P(better), rankings) into ``out_dir``.

    ``model`` defaults to the ensemble plan's; ``scenarios`` and ``indicators`` narrow the fans
    (and ``indicators`` the rankings). The indicators' charts are shared between ``workers`` processes
    (default one per core, as :func:`cityfutures.report.charts.draw_all`; 1 draws here).
    """
    out_dir = Path(out_dir)
    model = model if model is not None else getattr(getattr(result, "plan", None), "model", None)
    inds = list(indicators) if indicators else [str(i) for i in result.dataset.indicator.values]
    n = workers_for(len(inds), workers)
    jobs = [(result, out_dir, lang, model, scenarios, inds[k::n], tuple(charts), tuple(formats), k == 0)
            for k in range(n)]
    if n == 1:
        return _draw_part(jobs[0])
    with pool(n) as ex:
        parts = list(ex.map(_draw_part, jobs))
    return [p for part in parts for p in part]


def _draw_part(job: tuple) -> list[Path]:
    """One worker's share of :func:`draw_ensemble`: the fans and rankings of some indicators (and P(better))."""
    result, out_dir, lang, model, scenarios, inds, charts, formats, first = job
    paths: list[Path] = []
    if "fan" in charts and inds:
        paths += fan_charts(result, out_dir, lang=lang, model=model, scenarios=scenarios, indicators=inds,
                            formats=formats)
    if "p_better" in charts and first and len(result.dataset.scenario) > 1:
        paths += p_better_chart(result, out_dir, lang=lang, model=model, formats=formats)
    if "ranking" in charts and inds:
        paths += ranking_charts(result, out_dir, lang=lang, model=model, indicators=inds, formats=formats)
    return paths


def draw_sensitivity(sens, out_dir, *, lang: str = "en", model=None, scenarios=None, indicators=None,
                     formats=("png",), attrs: dict | None = None) -> list[Path]:
    """Tornado charts of a sensitivity analysis (``model`` defaults to its plan's)."""
    model = model if model is not None else sens.plan.model
    return tornado_charts(sens, Path(out_dir), lang=lang, model=model, scenarios=scenarios, indicators=indicators,
                          formats=formats, attrs=attrs)
