"""Charts of ensembles and sensitivity analyses, in English and Bahasa Indonesia.

Drawn from an :class:`~cityfutures.uncertainty.ensemble.EnsembleResult` or a
:class:`~cityfutures.uncertainty.sensitivity.SensitivityResult` only (never by re-running):

* fan charts per indicator: median, middle 50 % and 90 % of futures for the baseline and
  each intervention, and for each intervention's change from the baseline (paired);
* a heat map of the share of futures in which each programme beats the baseline;
* the robust ranking per indicator: largest regret, with P(better) and targets met;
* tornado charts: which uncertainty drives an indicator (or a programme's gap) in two years.

16:9, the project's projector style and colour-blind-safe palette, units on every axis, and a
footer with the model hash and the seed. UI strings are in ``locale/ensemble.yaml``.
"""
from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from . import i18n
from .charts._common import (BASELINE_COLOR, BETTER_COLOR, FIGSIZE, SERIES, WORSE_COLOR, save, slug, style,
                             wrap)

__all__ = ["t", "fan_charts", "p_better_chart", "ranking_charts", "tornado_charts", "draw_ensemble",
           "draw_sensitivity"]

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


def _fan(ax, times, q, color, label_prefix: str | None, lang: str) -> None:
    """q: (5, T) quantiles 5/25/50/75/95."""
    ax.fill_between(times, q[0], q[4], color=color, alpha=0.18, lw=0,
                    label=t("band_90", lang) if label_prefix is None else None)
    ax.fill_between(times, q[1], q[3], color=color, alpha=0.38, lw=0,
                    label=t("band_50", lang) if label_prefix is None else None)
    ax.plot(times, q[2], color=color, lw=2.5, label=t("median", lang) if label_prefix is None else label_prefix)


def fan_charts(result, out_dir, *, lang: str = "en", model=None, scenarios: Sequence[str] | None = None,
               indicators: Sequence[str] | None = None, formats=("png",)) -> list[Path]:
    """Fan charts per indicator: values (baseline band behind each programme) and changes.

    Pages of six panels, one panel per programme. Returns the files written.
    """
    import matplotlib.pyplot as plt
    ds = result.dataset
    names = [str(s) for s in ds.scenario.values]
    base = names[0]
    chosen = [s for s in names[1:] if scenarios is None or s in scenarios]
    times = ds.time.values
    paths: list[Path] = []
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
                    nrows = 1 if len(panels) <= 3 else 2
                    ncols = min(3, len(part)) if nrows == 1 else 3
                    fig, axes = plt.subplots(nrows, ncols, figsize=FIGSIZE, sharex=True, sharey=True, squeeze=False)
                    qm = q.sel(measure=measure)
                    for k, ax in enumerate(axes.ravel()):
                        if k >= len(part):
                            ax.set_visible(False)
                            continue
                        s = part[k]
                        if measure == "value" and s != base:
                            bq = qm.sel(scenario=base).to_numpy()
                            ax.fill_between(times, bq[0], bq[4], color=BASELINE_COLOR, alpha=0.08, lw=0,
                                            label=t("baseline_band", lang))
                            ax.plot(times, bq[2], color=BASELINE_COLOR, lw=1.2, ls="--")
                        color = BASELINE_COLOR if s == base else SERIES[0]
                        _fan(ax, times, qm.sel(scenario=s).to_numpy(), color, None, lang)
                        if measure == "difference":
                            ax.axhline(0, color=BASELINE_COLOR, lw=1.2)
                        ax.set_title(wrap(_scenario_title(ds, s, lang), 34), fontsize=16)
                        ax.tick_params(labelsize=13)
                    for ax in axes[-1]:
                        ax.set_xlabel(t("year", lang))
                    ylab = (t("value_axis", lang, indicator=ilabel, unit=unit) if measure == "value"
                            else t("difference_axis", lang, unit=unit))
                    for ax in axes[:, 0]:
                        ax.set_ylabel(wrap(ylab, 32), fontsize=14)
                    title = t("fan_values_title" if measure == "value" else "fan_difference_title", lang,
                              indicator=ilabel)
                    if pages > 1:
                        title += " " + t("fan_page", lang, page=page + 1, pages=pages)
                    fig.suptitle(f"{title}  ({hint})", fontsize=22)
                    handles, labels = axes.ravel()[min(1, len(part) - 1)].get_legend_handles_labels()
                    fig.legend(handles, labels, loc="upper right", ncol=len(labels), fontsize=13,
                               bbox_to_anchor=(0.99, 0.935), frameon=False)
                    fig.subplots_adjust(left=0.08, right=0.98, top=0.84, bottom=0.12, hspace=0.35, wspace=0.08)
                    _footer(fig, ds.attrs, model, lang)
                    stem = f"fan_{measure}_{slug(ind)}" + (f"_{page + 1}" if pages > 1 else "") + f"_{lang}"
                    paths += save(fig, out_dir, stem, formats)
    return paths


def _scenario_title(ds, s: str, lang: str) -> str:
    key = f"title_{lang}"
    if key in ds.coords:
        v = str(ds[key].sel(scenario=s).values)
        if v:
            return v
    return s


def p_better_chart(result, out_dir, *, lang: str = "en", model=None, formats=("png",)) -> list[Path]:
    """Heat map: share of futures in which each programme beats the baseline, per indicator."""
    import matplotlib.pyplot as plt
    ds = result.dataset
    names = [str(s) for s in ds.scenario.values][1:]
    inds = [str(i) for i in ds.indicator.values]
    p = ds["p_better"].isel(time=-1).sel(scenario=names).transpose("scenario", "indicator").to_numpy() * 100
    with style():
        fig, ax = plt.subplots(figsize=FIGSIZE)
        im = ax.imshow(p, cmap="PuOr_r", vmin=0, vmax=100, aspect="auto")
        small = len(names) * len(inds) > 120
        for i in range(len(names)):
            for j in range(len(inds)):
                ax.text(j, i, f"{p[i, j]:.0f}", ha="center", va="center", fontsize=9 if small else 13,
                        color="white" if abs(p[i, j] - 50) > 35 else "black")
        ax.set_xticks(range(len(inds)), [wrap(_label(model, i, lang), 16) for i in inds],
                      fontsize=11 if len(inds) > 6 else 13)
        ax.set_yticks(range(len(names)), [wrap(_scenario_title(ds, s, lang), 40) for s in names],
                      fontsize=9 if len(names) > 16 else 13)
        ax.grid(False)
        cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
        cb.set_label(t("p_better_colorbar", lang), fontsize=13)
        year = f"{float(ds.time.values[-1]):g}"
        ax.set_title(t("p_better_title", lang, year=year), fontsize=19)
        fig.subplots_adjust(left=0.25, right=0.97, top=0.9, bottom=0.16)
        _footer(fig, ds.attrs, model, lang)
        return save(fig, out_dir, f"p_better_{lang}", formats)


def ranking_charts(result, out_dir, *, lang: str = "en", model=None, indicators=None,
                   formats=("png",)) -> list[Path]:
    """Per indicator: largest regret of every scenario (shortest bar = most robust)."""
    import matplotlib.pyplot as plt
    ds = result.dataset
    reg = result.tables["regret"]
    prob = result.tables["probability"].set_index(["scenario", "indicator"])["p_better"]
    tg = result.tables["targets"]
    paths: list[Path] = []
    for ind in indicators or [str(i) for i in ds.indicator.values]:
        r = reg[reg.indicator == ind].sort_values(["max_regret", "scenario"], ascending=[False, True])
        unit = _unit(model, ds, ind, lang)
        with style():
            fig, ax = plt.subplots(figsize=FIGSIZE)
            colors = [BASELINE_COLOR if k == 0 else BETTER_COLOR for k in
                      [list(ds.scenario.values).index(s) for s in r.scenario]]
            y = np.arange(len(r))
            ax.barh(y, r.max_regret, color=colors, alpha=0.85)
            ax.set_yticks(y, [wrap(_scenario_title(ds, s, lang), 40) for s in r.scenario],
                          fontsize=9 if len(r) > 16 else 13)
            top = float(r.max_regret.max()) or 1.0
            for yy, (s, v) in zip(y, zip(r.scenario, r.max_regret)):
                bits = []
                if (s, ind) in prob.index:
                    bits.append(t("label_p_better", lang, p=f"{100 * prob[(s, ind)]:.0f}"))
                for _, row in tg[(tg.scenario == s) & (tg.indicator == ind)].iterrows():
                    bits.append(t("label_target", lang, p=f"{100 * row.share_met:.0f}"))
                if bits:
                    ax.text(v + 0.01 * top, yy, "; ".join(bits), va="center", fontsize=9 if len(r) > 16 else 12,
                            color="#333333")
            ax.set_xlim(0, top * 1.35)
            ax.set_xlabel(t("max_regret_axis", lang, unit=unit))
            ax.grid(axis="y", visible=False)
            year = f"{float(ds.time.values[-1]):g}"
            ax.set_title(t("ranking_title", lang, indicator=_label(model, ind, lang), year=year))
            fig.subplots_adjust(left=0.25, right=0.97, top=0.9, bottom=0.14)
            _footer(fig, ds.attrs, model, lang, note=wrap(t("ranking_note", lang), 170))
            paths += save(fig, out_dir, f"ranking_{slug(ind)}_{lang}", formats)
    return paths


def tornado_charts(sens, out_dir, *, lang: str = "en", model=None, years: Sequence[float] | None = None,
                   scenarios: Sequence[str] | None = None, indicators: Sequence[str] | None = None,
                   top: int = 12, formats=("png",), attrs: dict | None = None) -> list[Path]:
    """Tornado charts: factors ranked by their index, side by side for two (or more) years."""
    import matplotlib.pyplot as plt
    tab = sens.table
    col = sens.main_index
    conf = f"{col}_conf"
    plan = sens.plan
    all_years = sorted(tab.year.unique())
    if years is None:
        early = [y for y in all_years if y >= plan.start + 3 - 1e-9]
        years = [early[0] if early else all_years[-1], all_years[-1]]
        years = sorted(set(years))
    attrs = dict(attrs or {})
    attrs.setdefault("model_sha256", plan.model_sha256)
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
            h = 0.8 / len(years)
            y = np.arange(len(order))
            for k, year in enumerate(years):
                gy = g[g.year == year].set_index("factor").reindex(order)
                ax.barh(y + (k - (len(years) - 1) / 2) * h, gy[col].fillna(0), height=h,
                        xerr=gy[conf].fillna(0) if conf in gy else None, color=colors[k % len(colors)],
                        error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1.2},
                        label=t("tornado_year", lang, year=f"{year:g}"))
            ax.set_yticks(y, [wrap(_factor_label(model, f, lang), 36) for f in order])
            ax.axvline(0, color=BASELINE_COLOR, lw=1)
            ax.grid(axis="y", visible=False)
            ax.set_xlabel(t("tornado_axis_sobol", lang) if sens.method == "sobol"
                          else t("tornado_axis_morris", lang, unit=unit))
            what = t("tornado_what_value" if g.measure.iloc[0] == "value" else "tornado_what_gap", lang)
            ax.set_title(wrap(t("tornado_title", lang, indicator=_label(model, ind, lang), scenario=scen, what=what),
                              90))
            handles, labels = ax.get_legend_handles_labels()
            ax.legend(handles[::-1], labels[::-1], loc="lower right")
            fig.subplots_adjust(left=0.3, right=0.97, top=0.88, bottom=0.14)
            _footer(fig, attrs, model, lang, note=t("tornado_note", lang, conf=95))
            paths += save(fig, out_dir, f"tornado_{slug(scen)}_{slug(ind)}_{lang}", formats)
    return paths


class _Units:
    """A stand-in for a dataset's ``units`` coordinate, from a plan."""

    def __init__(self, plan):
        import xarray as xr
        self.coords = {"units": None}
        self.units = xr.DataArray(list(plan.units), dims="indicator", coords={"indicator": list(plan.indicators)})


def _factor_label(model, name: str, lang: str) -> str:
    if model is not None and name in getattr(model, "shocks", {}):
        return model.shocks[name].label(lang)
    return _label(model, name, lang)


def draw_ensemble(result, out_dir, *, lang: str = "en", model=None, scenarios=None, formats=("png",)) -> list[Path]:
    """Every ensemble chart: fans, P(better) and rankings."""
    out_dir = Path(out_dir)
    paths = fan_charts(result, out_dir, lang=lang, model=model, scenarios=scenarios, formats=formats)
    if len(result.dataset.scenario) > 1:
        paths += p_better_chart(result, out_dir, lang=lang, model=model, formats=formats)
    paths += ranking_charts(result, out_dir, lang=lang, model=model, formats=formats)
    return paths


def draw_sensitivity(sens, out_dir, *, lang: str = "en", model=None, scenarios=None, formats=("png",),
                     attrs: dict | None = None) -> list[Path]:
    """Tornado charts of a sensitivity analysis."""
    return tornado_charts(sens, Path(out_dir), lang=lang, model=model, scenarios=scenarios, formats=formats,
                          attrs=attrs)


def terminal_table(df: pd.DataFrame, title: str, max_rows: int = 40) -> str:
    """A table for the terminal, with a title line."""
    if df is None or not len(df):
        return ""
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format",
                           lambda x: f"{x:.4g}"):
        body = df.head(max_rows).to_string(index=False)
    more = f"\n... {len(df) - max_rows} more rows in the CSV" if len(df) > max_rows else ""
    return f"{title}\n{body}{more}"
