"""Cost-effectiveness: total cost against improvement, one point per programme or bundle."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from . import _common as c

MARKERS = {"quick-win": "o", "normal": "s", "bundle": "D", None: "^"}


def effect_table(ds: xr.Dataset, table: pd.DataFrame) -> pd.DataFrame:
    """Per programme: total cost and the mean improvement over the indicators of its own focus area.

    Bundles (and programmes whose focus area has no indicator) are scored over all indicators.
    """
    sc = c.scenario_table(ds).set_index("scenario")
    rows = table[table["kind"] != "baseline"]
    out = []
    for s, grp in rows.groupby("scenario", sort=False):
        fa = sc.loc[s, "focus_area"] if s in sc.index else None
        kind = sc.loc[s, "kind"] if s in sc.index else grp["kind"].iloc[0]
        own = grp[grp["indicator_focus_area"] == fa] if fa else grp.iloc[0:0]
        scope = own if (len(own) and kind != "bundle") else grp
        out.append(dict(scenario=s, kind=kind, focus_area=fa, track=sc.loc[s, "track"] if s in sc.index else None,
                        cost=float(grp["total_cost_idr_bn"].iloc[0]),
                        improvement=float(np.nanmean(scope["improvement_end_pct"])),
                        own_scope=scope is own))
    return pd.DataFrame(out)


def _spread_labels(ax, xs, ys, texts, fontsize):
    """Place point labels beside their points, nudging them apart so none overlap."""
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed = []
    anns = []
    order = np.argsort(-np.asarray(ys))
    for i in order:
        best = None
        for dx, dy in ((12, 0), (12, 14), (12, -14), (-12, 0), (12, 28), (12, -28), (-12, 16), (-12, -16),
                       (12, 42), (12, -42), (-12, 32), (-12, -32), (12, 56), (12, -56)):
            ann = ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points",
                              ha="left" if dx > 0 else "right", va="center", fontsize=fontsize,
                              color="#222222", arrowprops=None if (dx, dy) in ((12, 0), (-12, 0)) else
                              dict(arrowstyle="-", color="#999999", lw=0.8, shrinkA=0, shrinkB=4))
            bb = ann.get_window_extent(renderer).expanded(1.02, 1.1)
            inside = ax.get_window_extent(renderer).contains(bb.x0, bb.y0) and \
                ax.get_window_extent(renderer).contains(bb.x1, bb.y1)
            if inside and not any(bb.overlaps(p) for p in placed):
                best = (ann, bb)
                break
            ann.remove()
        if best is None:  # no free place: keep the first position
            ann = ax.annotate(texts[i], (xs[i], ys[i]), xytext=(12, 0), textcoords="offset points",
                              ha="left", va="center", fontsize=fontsize, color="#222222")
            best = (ann, ann.get_window_extent(renderer))
        placed.append(best[1])
        anns.append(best[0])
    return anns


def draw_cost(ds: xr.Dataset, table: pd.DataFrame, labels: c.Labels):
    eff = effect_table(ds, table)
    fig = c.figure()
    ax = fig.add_axes([0.08, 0.16, 0.62, 0.69])
    costs = eff["cost"].to_numpy(dtype=float)
    pos = costs[costs > 0]
    log = bool(pos.size) and pos.max() / max(pos.min(), 1e-9) > 30
    x = costs.copy()
    if log:
        floor = pos.min() / 3
        x = np.where(costs > 0, costs, floor)
        ax.set_xscale("log")
    y = eff["improvement"].to_numpy(dtype=float)
    for i, r in eff.iterrows():
        key = "bundle" if r["kind"] == "bundle" else r["track"] if r["track"] in MARKERS else None
        col = "#777777" if r["kind"] == "bundle" else c.FOCUS_COLORS.get(r["focus_area"], "#777777")
        ax.scatter(x[i], y[i], s=260, marker=MARKERS[key], color=col, edgecolor="black", lw=1.2, zorder=3)
    ax.axhline(0, color="#000000", lw=1.2)
    ax.set_xlabel(labels.t("cost.xlabel", years=_horizon(ds)))
    ax.set_ylabel(c.wrap(labels.t("cost.ylabel"), 40))
    c.set_number_format(ax.yaxis, labels.lang)
    if not log:
        c.set_number_format(ax.xaxis, labels.lang)
    else:
        from matplotlib.ticker import FuncFormatter
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: c.fmt_num(v, labels.lang)))
    ymin, ymax = float(np.nanmin(np.append(y, 0))), float(np.nanmax(np.append(y, 0)))
    pad = 0.12 * ((ymax - ymin) or 1)
    ax.set_ylim(ymin - pad, ymax + pad)
    if log:
        ax.set_xlim(x.min() / 1.6, x.max() * 4)
    else:
        ax.set_xlim(min(0, x.min()) - 0.03 * (x.max() or 1), x.max() * 1.35 or 1)
    n = len(eff)
    fs = 14 if n <= 10 else 12 if n <= 20 else 10
    _spread_labels(ax, x, y, [c.shorten(labels.scenario(s), 30) for s in eff["scenario"]], fs)
    # better direction
    ax.text(0.01, 0.99, "↑ " + labels.t("cost.better_up"), transform=ax.transAxes, ha="left", va="top",
            fontsize=15, color=c.BETTER_COLOR, fontweight="bold")
    ax.text(0.01, 0.93, "← " + labels.t("cost.cheaper_left"), transform=ax.transAxes, ha="left", va="top",
            fontsize=15, color="#333333")
    fig.suptitle(labels.t("cost.title"), x=0.01, ha="left", y=0.975)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    h_track = [Line2D([], [], ls="", marker=MARKERS["quick-win"], ms=14, mfc="white", mec="black",
                      label=labels.t("track.quick-win")),
               Line2D([], [], ls="", marker=MARKERS["normal"], ms=14, mfc="white", mec="black",
                      label=labels.t("track.normal"))]
    if (eff["kind"] == "bundle").any():
        h_track.append(Line2D([], [], ls="", marker=MARKERS["bundle"], ms=14, mfc="#777777", mec="black",
                              label=labels.t("legend.bundle")))
    if eff["track"].isna().any() and (eff.loc[eff["track"].isna(), "kind"] != "bundle").any():
        h_track.append(Line2D([], [], ls="", marker=MARKERS[None], ms=14, mfc="white", mec="black",
                              label=labels.t("track.none")))
    leg1 = fig.legend(handles=h_track, loc="upper left", bbox_to_anchor=(0.72, 0.85), frameon=False,
                      title=labels.t("legend.track"), alignment="left")
    fas = c.ordered_focus_areas([f for f in eff.loc[eff["kind"] != "bundle", "focus_area"] if f])
    h_fa = [Patch(color=c.FOCUS_COLORS.get(fa, "#777777"), label=c.wrap(labels.focus_area(fa), 26)) for fa in fas]
    fig.canvas.draw()
    y1 = leg1.get_window_extent().y0 / fig.bbox.height
    fig.legend(handles=h_fa, loc="upper left", bbox_to_anchor=(0.72, y1 - 0.03), frameon=False,
               title=labels.t("legend.focus_area"), alignment="left")
    note = labels.t("cost.note_log") if log and (costs <= 0).any() else labels.t("cost.note")
    c.add_footer(fig, ds, labels, note)
    return fig


def _horizon(ds: xr.Dataset) -> str:
    t = ds["time"].values
    return c.fmt_num(float(t[-1] - t[0]), "en")


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: c.Labels, formats) -> list[Path]:
    with c.style():
        fig = draw_cost(ds, table, labels)
        return c.save(fig, out_dir, "cost-effectiveness", formats)
