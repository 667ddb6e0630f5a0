"""Cost-effectiveness: the weighted score against the present value of costs, one numbered point per programme
or bundle (one measure for both), numbered by rank as in the terminal and comparison.md."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from ...analysis.compare import ComparisonResult
from ...analysis.discount import rate_of
from .. import numbers
from ..labels import NO_FOCUS_COLOR, Labels
from . import _common as c

MARKERS = {"quick-win": "o", "normal": "s", "bundle": "D", None: "^"}


def effect_table(result: ComparisonResult) -> pd.DataFrame:
    """Per programme and bundle, in ranking order: the present value of its costs, its weighted score (and
    p5-p95 over sampled futures), its cost per score point and its rank (the point's number)."""
    rk = result.ranking
    rk = rk[rk["score"].notna()].reset_index(drop=True)
    return pd.DataFrame({"scenario": rk["scenario"], "kind": rk["kind"], "focus_area": rk["focus_area"],
                         "track": rk["track"], "cost": rk["pv_cost_idr_bn"].astype(float),
                         "score": rk["score"].astype(float), "score_p05": rk["score_p05"].astype(float),
                         "score_p95": rk["score_p95"].astype(float), "per_point": rk["cost_per_score"].astype(float),
                         "number": rk["rank_overall"].astype(int)})


def _spread_labels(ax, xs, ys, texts, fontsize, *, color="#222222", weight="bold"):
    """Place short point labels (numbers) beside their points, nudged apart so none overlap.

    Candidate positions ring each point at growing distances; a label takes the first one
    that stays inside the axes and overlaps neither another label nor a marker. A leader
    line joins a label placed away from its point.
    """
    fig = ax.figure
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ax_bb = ax.get_window_extent(renderer)
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    r_mark = 10 * fig.dpi / 72   # marker half-size in pixels (s=260 -> ~16 pt wide)
    markers = [matplotlib_bbox(px - r_mark, py - r_mark, px + r_mark, py + r_mark) for px, py in pts]
    placed, anns = [], []
    rings = [(18, 0), (-18, 0), (0, 18), (0, -18), (16, 14), (-16, 14), (16, -14), (-16, -14)]
    for dist in (30, 44, 60, 78, 100, 125, 155, 190):
        rings += [(dist * np.cos(a), dist * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 24, endpoint=False)]
    order = np.argsort(-np.asarray(ys))
    for i in order:
        chosen = None
        for dx, dy in rings:
            near = abs(dx) <= 18 and abs(dy) <= 18
            ann = ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points",
                              ha="center", va="center", fontsize=fontsize, color=color, fontweight=weight,
                              zorder=5, arrowprops=None if near else
                              dict(arrowstyle="-", color="#666666", lw=0.9, shrinkA=0, shrinkB=7))
            ann.update_positions(renderer)
            bb = Text.get_window_extent(ann, renderer).expanded(1.15, 1.1)   # the text, not its leader line
            inside = ax_bb.contains(bb.x0, bb.y0) and ax_bb.contains(bb.x1, bb.y1)
            if inside and not any(bb.overlaps(p) for p in placed) and not any(bb.overlaps(m) for m in markers):
                chosen = (ann, bb)
                break
            ann.remove()
        if chosen is None:  # no free place: the place inside the axes that overlaps the other labels least
            best = None
            for dx, dy in rings:
                ann = ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points",
                                  ha="center", va="center", fontsize=fontsize, color=color, fontweight=weight,
                                  zorder=5)
                ann.update_positions(renderer)
                bb = Text.get_window_extent(ann, renderer).expanded(1.15, 1.1)
                ann.remove()
                if not (ax_bb.contains(bb.x0, bb.y0) and ax_bb.contains(bb.x1, bb.y1)):
                    continue
                cost_ = sum(_area(bb, p) for p in placed) + 0.2 * sum(_area(bb, m) for m in markers)
                if best is None or cost_ < best[0]:
                    best = (cost_, dx, dy)
            dx, dy = (best[1], best[2]) if best else (18, 0)
            ann = ax.annotate(texts[i], (xs[i], ys[i]), xytext=(dx, dy), textcoords="offset points",
                              ha="center", va="center", fontsize=fontsize, color=color, fontweight=weight,
                              zorder=5, arrowprops=None if abs(dx) <= 18 and abs(dy) <= 18 else
                              dict(arrowstyle="-", color="#666666", lw=0.9, shrinkA=0, shrinkB=7))
            ann.update_positions(renderer)
            chosen = (ann, Text.get_window_extent(ann, renderer))
        placed.append(chosen[1])
        anns.append(chosen[0])
    return anns


def _area(a, b) -> float:
    """Area of the overlap of two boxes (pixels squared)."""
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))


def matplotlib_bbox(x0, y0, x1, y1):
    return Bbox([[x0, y0], [x1, y1]])


def _marker_key(r) -> str | None:
    return "bundle" if r["kind"] == "bundle" else r["track"] if r["track"] in MARKERS else None


def _colour(r, labels: Labels) -> str:
    return NO_FOCUS_COLOR if r["kind"] == "bundle" else labels.focus_color(r["focus_area"])


def draw_cost(ds: xr.Dataset, result: ComparisonResult, labels: Labels):
    """The weighted score against the present value of costs, programmes and bundles on the same axes; each
    point numbered by its rank (the terminal's and comparison.md's order), explained in a key beside the chart.

    Names beside 25 points overlap however they are nudged; numbers are short enough to
    place without overlap, and the key (ranked by score) is itself a reading aid.
    """
    eff = effect_table(result)
    fig = c.figure()
    ax_right = 0.56
    ax = fig.add_axes([0.085, 0.3, ax_right - 0.085, 0.54])
    costs = eff["cost"].to_numpy(dtype=float)
    pos = costs[costs > 0]
    log = bool(pos.size) and pos.max() / max(pos.min(), 1e-9) > 30
    x = costs.copy()
    if log:
        floor = pos.min() / 3
        x = np.where(costs > 0, costs, floor)
        ax.set_xscale("log")
    y = eff["score"].to_numpy(dtype=float)
    lo, hi = eff["score_p05"].to_numpy(dtype=float), eff["score_p95"].to_numpy(dtype=float)
    ranged = np.isfinite(lo) & np.isfinite(hi)
    if ranged.any():   # the p5-p95 interval over the sampled futures
        ax.vlines(x[ranged], lo[ranged], hi[ranged], color="#555555", lw=2.2, zorder=2)
    for i, r in eff.iterrows():
        ax.scatter(x[i], y[i], s=260, marker=MARKERS[_marker_key(r)], color=_colour(r, labels), edgecolor="black",
                   lw=1.2, zorder=3)
    ax.axhline(0, color="#000000", lw=1.2)
    ax.set_xlabel(labels.t("cost.xlabel", year=numbers.year(float(ds["time"].values[0])),
                           rate=numbers.number(100 * rate_of(ds), labels.lang)))
    ax.set_ylabel(c.wrap(labels.t("cost.ylabel"), 34))
    c.set_number_format(ax.yaxis, labels.lang)
    if not log:
        c.set_number_format(ax.xaxis, labels.lang)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: numbers.number(v, labels.lang)))
    allv = np.concatenate([y, lo[ranged], hi[ranged], [0.0]])
    ymin, ymax = float(np.nanmin(allv)), float(np.nanmax(allv))
    pad = 0.14 * ((ymax - ymin) or 1)
    ax.set_ylim(ymin - pad, ymax + pad)
    if log:
        ax.set_xlim(x.min() / 2.2, x.max() * 2.2)
    else:
        span = (x.max() - min(0, x.min())) or 1
        ax.set_xlim(min(0, x.min()) - 0.06 * span, x.max() + 0.1 * span)
    _legends(fig, eff, labels, width=ax_right, ranged=bool(ranged.any()))   # before the numbers: sets the height
    _spread_labels(ax, x, y, [str(k) for k in eff["number"]], 14)
    # better direction, above the plot so that no point hides it
    ax.text(0.0, 1.025, "↑ " + labels.t("cost.better_up") + "      ← " + labels.t("cost.cheaper_left"),
            transform=ax.transAxes, ha="left", va="bottom", fontsize=15, color=c.BETTER_COLOR, fontweight="bold")
    fig.suptitle(labels.t("cost.title"), x=0.01, ha="left", y=0.975)
    _key_table(fig, eff, labels, x0=ax_right + 0.045)
    note = labels.t("cost.note_log") if log and (costs <= 0).any() else labels.t("cost.note")
    c.add_footer(fig, ds, labels, note)
    return fig


def _legends(fig, eff: pd.DataFrame, labels: Labels, width: float, ranged: bool = False) -> None:
    """Marker shapes (track) in a row under the title; colours (focus area) under the x axis."""
    h = [Line2D([], [], ls="", marker=MARKERS["quick-win"], ms=14, mfc="white", mec="black",
                label=labels.t("track.quick-win")),
         Line2D([], [], ls="", marker=MARKERS["normal"], ms=14, mfc="white", mec="black",
                label=labels.t("track.normal"))]
    if (eff["kind"] == "bundle").any():
        h.append(Line2D([], [], ls="", marker=MARKERS["bundle"], ms=14, mfc="#777777", mec="black",
                        label=labels.t("legend.bundle")))
    if eff["track"].isna().any() and (eff.loc[eff["track"].isna(), "kind"] != "bundle").any():
        h.append(Line2D([], [], ls="", marker=MARKERS[None], ms=14, mfc="white", mec="black",
                        label=labels.t("track.none")))
    if ranged:
        h.append(Line2D([], [], color="#555555", lw=2.2, label=labels.t("legend.interval")))
    fas = labels.focus_order([f for f in eff.loc[eff["kind"] != "bundle", "focus_area"] if f])
    hf = [Patch(color=labels.focus_color(fa), label=labels.focus_area(fa)) for fa in fas]
    kw = dict(frameon=False, fontsize=14, handlelength=1.3, handletextpad=0.5, columnspacing=1.3,
              borderaxespad=0, loc="upper left", alignment="left")
    _track_legend(fig, [Line2D([], [], ls="", label=labels.t("legend.track") + ":")] + h, kw, right=width + 0.035)
    kw.update(loc="lower left")   # above the note line, whatever its number of rows
    leg = fig.legend(handles=hf, bbox_to_anchor=(0.01, 0.078), ncols=2 if len(hf) > 2 else len(hf),
                     title=labels.t("legend.focus_area") + ":", title_fontsize=14, **kw)
    leg._legend_box.align = "left"
    # the axes end above the legend, leaving room for the tick labels and the x label
    fig.draw_without_rendering()
    top = leg.get_window_extent().y1 / fig.bbox.height
    ax = fig.axes[0]
    pos = ax.get_position()
    bottom = max(pos.y0, top + 0.12)
    ax.set_position([pos.x0, bottom, pos.width, pos.y1 - bottom])



def _track_legend(fig, handles: list, kw: dict, right: float) -> None:
    """The row of marker shapes under the title, in smaller type (down to 11 pt) rather than into the key
    on the right (``right``, figure fraction); two rows, with the axes moved down, if still too wide."""
    kw = dict(kw)
    for fs in (14, 13, 12, 11):
        kw["fontsize"] = fs
        leg = fig.legend(handles=handles, bbox_to_anchor=(0.01, 0.925), ncols=len(handles), **kw)
        fig.draw_without_rendering()
        ext = leg.get_window_extent()
        if ext.x1 / fig.bbox.width <= right:
            return
        leg.remove()
    leg = fig.legend(handles=handles, bbox_to_anchor=(0.01, 0.925), ncols=int(np.ceil(len(handles) / 2)), **kw)
    fig.draw_without_rendering()
    drop = leg.get_window_extent().height / fig.bbox.height / 2   # the second row's height
    ax = fig.axes[0]
    pos = ax.get_position()
    ax.set_position([pos.x0, pos.y0, pos.width, pos.height - drop])


def _key_table(fig, key: pd.DataFrame, labels: Labels, x0: float) -> None:
    """The key: number, marker, programme name and its improvement, ranked; two columns if long."""
    n = len(key)
    top, bottom = 0.855, 0.085
    ncol = 1 if n <= 30 else 2
    per_col = int(np.ceil(n / ncol))
    step = min(0.048, (top - bottom) / max(per_col, 1))
    fs = 15 if step >= 0.045 else 14 if step >= 0.04 else 13 if step >= 0.033 else 12
    width = (0.995 - x0) / ncol
    # smaller type (down to 12 pt) before any name is cut: the key is where names are read in full
    name_px = (width - 0.043 - 0.006) * fig.bbox.width - c.text_width(fig, "+0.00 · 100,000", fs) - 12
    names = [labels.scenario(s) for s in key["scenario"]]
    fs0 = fs
    while fs > 12 and max(c.text_width(fig, nm, fs) for nm in names) > name_px:
        fs -= 1
    two_lines = (max(c.text_width(fig, nm, fs) for nm in names) > name_px
                 and step * fig.bbox.height >= 2.2 * 13 * fig.dpi / 72)
    if two_lines:   # tall rows: the names on two lines instead of cut
        fs = min(fs0, max(13, min(c.fit(fig, nm, name_px, fs0, max_lines=2, min_size=13)[1] for nm in names)))
    fig.text(x0, top + 0.042, labels.t("cost.key_title"), fontsize=15, fontweight="bold", va="bottom")
    fig.text(0.99, top + 0.008, labels.t("cost.key_values"), fontsize=13, color="#333333", va="bottom", ha="right")
    for k, r in enumerate(key.itertuples()):
        col, row = divmod(k, per_col)
        xx, yy = x0 + col * width, top - (row + 0.5) * step
        fig.text(xx + 0.018, yy, str(r.number), fontsize=fs, fontweight="bold", ha="right", va="center")
        fig.lines.append(_marker(fig, xx + 0.03, yy, r, labels))
        name = labels.scenario(r.scenario)
        name = (c.fit(fig, name, name_px, fs, max_lines=2)[0] if two_lines else c.shorten_px(fig, name, name_px, fs))
        if name.count("\n") > 1 or c.text_width(fig, name, fs) > name_px:
            name = c.shorten_px(fig, labels.scenario(r.scenario), name_px, fs)
        fig.text(xx + 0.043, yy, name, fontsize=fs, va="center", linespacing=1.0)
        text = numbers.signed(r.score, 2, labels.lang)
        if np.isfinite(r.per_point):
            text += " · " + numbers.number(r.per_point, labels.lang)
        fig.text(xx + width - 0.006, yy, text, fontsize=fs, ha="right", va="center",
                 color=c.BETTER_COLOR if r.score > 0 else c.WORSE_COLOR if r.score < 0 else "#555555")


def _marker(fig, x, y, r, labels: Labels):
    rr = {"kind": r.kind, "track": r.track, "focus_area": r.focus_area}
    return Line2D([x], [y], ls="", marker=MARKERS[_marker_key(rr)], ms=11, mfc=_colour(rr, labels), mec="black",
                  mew=1, transform=fig.transFigure, figure=fig)


def _horizon(ds: xr.Dataset) -> str:
    t = ds["time"].values
    return numbers.number(float(t[-1] - t[0]), "en")


def draw(ds: xr.Dataset, result: ComparisonResult, out_dir: Path, labels: Labels, formats,
         keep: dict | None = None) -> list[Path]:
    with c.style():
        fig = draw_cost(ds, result, labels)
        return c.save(fig, out_dir, "cost-effectiveness", formats, keep=keep)
