"""Indicator trajectories: the baseline against programmes, small multiples by focus area."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import _common as c

MAX_HIGHLIGHT = 6   # coloured programmes per figure; the rest are drawn thin and grey


def _highlighted(table: pd.DataFrame, indicators: list[str], candidates: list[str], limit: int) -> list[str]:
    """The programmes that improve these indicators most (mean improvement at the end)."""
    sub = table[table["indicator"].isin(indicators) & table["scenario"].isin(candidates)]
    if sub.empty:
        return candidates[:limit]
    score = sub.groupby("scenario")["improvement_end_pct"].mean().sort_values(ascending=False)
    return [s for s in score.index if s in candidates][:limit]


def mark_shocks(ax, events: list[dict], labels: c.Labels, *, text: bool = True) -> None:
    """A shaded band at each shock year, labelled with the shock's name."""
    seen = set()
    for ev in events:
        key = (ev["kind"], float(ev["year"]))
        if key in seen:
            continue
        seen.add(key)
        ax.axvspan(ev["year"], ev["year"] + 0.25, color="#999999", alpha=0.25, lw=0, zorder=0)
        if text:
            ax.annotate(labels.shock(ev["kind"]), xy=(ev["year"] + 0.12, 1.0), xycoords=("data", "axes fraction"),
                        ha="center", va="bottom", fontsize=13, color="#444444", annotation_clip=False)


def draw_focus_area(ds: xr.Dataset, table: pd.DataFrame, focus_area, indicators: list[str],
                    labels: c.Labels):
    """One figure: a panel per indicator of ``focus_area``; baseline in black, programmes in colour."""
    base = c.baseline_name(ds)
    sc = c.scenario_table(ds)
    others = [s for s in sc["scenario"] if s != base]
    # programmes of this focus area and bundles first, then whoever helps these indicators most
    own = [s for s in others if sc.set_index("scenario").loc[s, "focus_area"] == focus_area
           or sc.set_index("scenario").loc[s, "kind"] == "bundle"]
    pool = own if own else others
    shown = _highlighted(table, indicators, pool, MAX_HIGHLIGHT)
    grey = [s for s in others if s not in shown]
    n = len(indicators)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3
    nrows = math.ceil(n / ncols)
    fig = c.figure()
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True)
    t = ds["time"].values
    events = [e for e in c.shocks(ds) if e["scenario"] in shown + [base]]
    for i, ind in enumerate(indicators):
        ax = axes[i // ncols][i % ncols]
        for s in grey:
            ax.plot(t, ds[ind].sel(scenario=s).values, color=c.OTHER_COLOR, lw=1.2, zorder=1)
        for j, s in enumerate(shown):
            ax.plot(t, ds[ind].sel(scenario=s).values, color=c.SERIES[j % len(c.SERIES)], lw=2.6,
                    ls="--" if sc.set_index("scenario").loc[s, "kind"] == "bundle" else "-", zorder=3)
        ax.plot(t, ds[ind].sel(scenario=base).values, color=c.BASELINE_COLOR, lw=3.5, zorder=4)
        mark_shocks(ax, events, labels, text=(i < ncols))
        meta = c.indicator_meta(table, ind, ds)
        better = labels.t(f"better.{meta['better']}") if meta["better"] else ""
        ax.set_title(c.wrap(labels.variable(ind), 40 if ncols > 1 else 70), loc="left", pad=22 if i < ncols else 8)
        # the unit, and under it the better direction, on the y axis
        ax.set_ylabel(c.wrap(labels.unit(ind), 26) + (f"\n({better.lower()})" if better else ""), fontsize=15)
        c.set_number_format(ax.yaxis, labels.lang)
        ax.margins(x=0)
        if i // ncols == nrows - 1 or i + ncols >= n:
            ax.set_xlabel(labels.t("axis.year"))
            ax.tick_params(axis="x", labelbottom=True)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].set_visible(False)
    fig.suptitle(labels.t("trajectories.title", focus_area=labels.focus_area(focus_area)), x=0.01, ha="left")
    # legend: baseline, the coloured programmes, the grey rest
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color=c.BASELINE_COLOR, lw=3.5, label=labels.t("baseline"))]
    for j, s in enumerate(shown):
        ls = "--" if sc.set_index("scenario").loc[s, "kind"] == "bundle" else "-"
        handles.append(Line2D([], [], color=c.SERIES[j % len(c.SERIES)], lw=2.6, ls=ls,
                              label=c.shorten(labels.scenario(s), 34)))
    if grey:
        handles.append(Line2D([], [], color=c.OTHER_COLOR, lw=1.2, label=labels.t("legend.other_programmes")))
    fig.legend(handles=handles, loc="center right", bbox_to_anchor=(0.995, 0.5), frameon=False,
               title=labels.t("legend.scenarios"), alignment="left")
    # reserve the right side for the legend, measured from its real width
    fig.canvas.draw()
    leg_w = fig.legends[0].get_window_extent().width / fig.bbox.width
    fig.subplots_adjust(left=0.08, right=max(0.5, 0.985 - leg_w - 0.015), top=0.83, bottom=0.15,
                        hspace=0.45, wspace=0.32)
    note = labels.t("trajectories.note") if events else None
    c.add_footer(fig, ds, labels, note)
    return fig


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: c.Labels, formats) -> list[Path]:
    """One figure per focus area with indicators; returns the written paths."""
    inds = c.indicators(ds, table)
    groups: dict = {}
    for ind in inds:
        groups.setdefault(c.indicator_meta(table, ind, ds)["focus_area"], []).append(ind)
    paths: list[Path] = []
    for fa in c.ordered_focus_areas(groups):
        members = groups[fa]
        # at most six panels per figure: more would not read from the back of the room
        for part in range(0, len(members), 6):
            chunk = members[part:part + 6]
            with c.style():
                fig = draw_focus_area(ds, table, fa, chunk, labels)
                suffix = "" if len(members) <= 6 else f"-{part // 6 + 1}"
                paths += c.save(fig, out_dir, f"trajectories-{c.slug(fa or 'other')}{suffix}", formats)
    return paths
