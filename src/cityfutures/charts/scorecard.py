"""Scorecard: programmes x indicators, coloured by improvement against the baseline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import _common as c


def _cmap():
    from matplotlib.colors import LinearSegmentedColormap
    # vermillion (worse) - white - blue (better): readable with every common colour-vision deficiency
    return LinearSegmentedColormap.from_list("cf_diverging", [c.WORSE_COLOR, "#F7F7F7", c.BETTER_COLOR])


def order_scenarios(table: pd.DataFrame, ds: xr.Dataset) -> list[str]:
    """Programmes grouped by focus area (strategy order), bundles last, best first within a group."""
    sc = c.scenario_table(ds).set_index("scenario")
    rows = table[table["kind"] != "baseline"]
    mean = rows.groupby("scenario")["improvement_end_pct"].mean()
    names = [s for s in sc.index if s in mean.index]
    fas = c.ordered_focus_areas([sc.loc[s, "focus_area"] for s in names if sc.loc[s, "kind"] != "bundle"])
    out = []
    for fa in fas:
        grp = [s for s in names if sc.loc[s, "focus_area"] == fa and sc.loc[s, "kind"] != "bundle"]
        out += sorted(grp, key=lambda s: -mean[s])
    out += sorted([s for s in names if sc.loc[s, "kind"] == "bundle"], key=lambda s: -mean[s])
    return out


def draw_scorecard(ds: xr.Dataset, table: pd.DataFrame, labels: c.Labels):
    inds = c.indicators(ds, table)
    fa_of = {i: c.indicator_meta(table, i, ds)["focus_area"] for i in inds}
    inds = [i for fa in c.ordered_focus_areas(fa_of.values()) for i in inds if fa_of[i] == fa]
    scen = order_scenarios(table, ds)
    piv = (table[table["kind"] != "baseline"].pivot_table(index="scenario", columns="indicator",
                                                          values="improvement_end_pct", aggfunc="first")
           .reindex(index=scen, columns=inds))
    vals = piv.to_numpy(dtype=float)
    finite = np.abs(vals[np.isfinite(vals)])
    vmax = float(np.percentile(finite, 95)) if finite.size else 1.0
    vmax = max(vmax, 1.0)
    nr, nc = vals.shape
    fig = c.figure()
    left = 0.25
    ax = fig.add_axes([left, 0.1, 0.66, 0.58 if nc > 5 else 0.66])
    from matplotlib.colors import Normalize
    norm = Normalize(-vmax, vmax)
    im = ax.imshow(np.clip(vals, -vmax, vmax), cmap=_cmap(), norm=norm, aspect="auto", interpolation="nearest")
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    fs_cell = 15 if nr * nc <= 60 else 13 if nr * nc <= 150 else 11 if nr * nc <= 320 else 9
    for r in range(nr):
        for k in range(nc):
            v = vals[r, k]
            txt = "–" if not np.isfinite(v) else c.fmt_num(round(v, 1) if abs(v) < 10 else round(v), labels.lang, 2)
            dark = np.isfinite(v) and abs(v) > 0.55 * vmax
            ax.text(k, r, txt, ha="center", va="center", fontsize=fs_cell, color="white" if dark else "#222222")
    ax.set_xticks(np.arange(nc))
    fs_col = 14 if nc <= 8 else 12 if nc <= 14 else 11
    flat = nc <= 5
    ax.set_xticklabels([c.wrap(labels.variable(i), 22 if flat else 24) for i in inds], fontsize=fs_col,
                       rotation=0 if flat else 30, ha="center" if flat else "left", rotation_mode="anchor")
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0, pad=6)
    ax.set_yticks(np.arange(nr))
    sc = c.scenario_table(ds).set_index("scenario")
    fs_row = 15 if nr <= 10 else 13 if nr <= 18 else 11 if nr <= 26 else 9
    ax.set_yticklabels([c.shorten(labels.scenario(s), 36) for s in scen], fontsize=fs_row)
    ax.tick_params(axis="y", length=0, pad=18)   # room for the focus-area strip
    # separators between focus-area groups of rows and of columns
    prev = None
    for r, s in enumerate(scen):
        key = "bundle" if sc.loc[s, "kind"] == "bundle" else sc.loc[s, "focus_area"]
        if prev is not None and key != prev:
            ax.axhline(r - 0.5, color="#333333", lw=2)
        prev = key
    for k in range(1, nc):
        if fa_of[inds[k]] != fa_of[inds[k - 1]]:
            ax.axvline(k - 0.5, color="#333333", lw=2)
    # focus area of each row, as a coloured strip on the left
    for r, s in enumerate(scen):
        fa = "bundle" if sc.loc[s, "kind"] == "bundle" else sc.loc[s, "focus_area"]
        ax.add_patch(__import__("matplotlib.patches", fromlist=["Rectangle"]).Rectangle(
            (-0.5 - 0.12, r - 0.5), 0.1, 1, color=c.FOCUS_COLORS.get(fa, "#777777"), clip_on=False))
    cax = fig.add_axes([0.925, 0.1, 0.015, 0.58 if nc > 5 else 0.66])
    cb = fig.colorbar(im, cax=cax, extend="both" if finite.size and finite.max() > vmax else "neither")
    cb.set_label(labels.t("scorecard.colorbar"), fontsize=14)
    c.set_number_format(cb.ax.yaxis, labels.lang)
    cb.ax.tick_params(labelsize=13)
    fig.suptitle(labels.t("scorecard.title", year=c.end_year(ds)), x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.905, labels.t("scorecard.subtitle"), fontsize=16, ha="left", va="top", color="#333333")
    # legend of the row colours
    from matplotlib.patches import Patch
    fas = c.ordered_focus_areas([sc.loc[s, "focus_area"] for s in scen if sc.loc[s, "kind"] != "bundle"])
    handles = [Patch(color=c.FOCUS_COLORS.get(fa, "#777777"), label=c.shorten(labels.focus_area(fa), 30)) for fa in fas]
    if (sc.loc[scen, "kind"] == "bundle").any():
        handles.append(Patch(color="#777777", label=labels.t("legend.bundle")))
    fig.legend(handles=[Patch(color="none", label=labels.t("legend.focus_area") + ":")] + handles,
               loc="upper left", bbox_to_anchor=(0.005, 0.87), frameon=False, fontsize=11,
               ncols=len(handles) + 1, handlelength=1.2, columnspacing=1.0)
    c.add_footer(fig, ds, labels, labels.t("scorecard.note"))
    return fig


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: c.Labels, formats) -> list[Path]:
    with c.style():
        fig = draw_scorecard(ds, table, labels)
        return c.save(fig, out_dir, "scorecard", formats)
