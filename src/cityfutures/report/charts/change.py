"""Change against the baseline at the end of the horizon: sorted bars, one figure per indicator."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.patches import Patch

from .. import numbers
from ..labels import Labels
from . import _common as c


def draw_indicator(ds: xr.Dataset, table: pd.DataFrame, indicator: str, labels: Labels):
    """Horizontal bars of ``delta_end`` per programme, best at the top, coloured better/worse."""
    rows = table[(table["indicator"] == indicator) & (table["kind"] != "baseline")].copy()
    better = c.indicator_meta(table, indicator, ds)["better"] or "higher"
    sign = -1.0 if better == "lower" else 1.0
    rows["good"] = sign * rows["delta_end"]
    rows = rows.sort_values("good", ascending=True)   # barh draws bottom-up: best ends on top
    n = len(rows)
    fig = c.figure()
    ax = fig.add_axes([0.33, 0.16, 0.62, 0.66])
    y = np.arange(n)
    colors = [c.BETTER_COLOR if g > 0 else c.WORSE_COLOR if g < 0 else "#888888" for g in rows["good"]]
    hatches = ["//" if k == "bundle" else "" for k in rows["kind"]]
    bars = ax.barh(y, rows["delta_end"], color=colors, height=0.7, edgecolor="white")
    for bar, h in zip(bars, hatches):
        if h:
            bar.set_hatch(h)
            bar.set_edgecolor("#FFFFFF")
    fs = 16 if n <= 12 else 14 if n <= 18 else 12 if n <= 26 else 10
    ax.set_yticks(y)
    # names as long as the left margin allows (measured: the same in both languages)
    room = 0.33 * fig.bbox.width - 0.01 * fig.bbox.width - 12
    names = [labels.scenario(s) for s in rows["scenario"]]
    # every name in full: smaller type (down to 12 pt), else two lines when the rows are tall enough
    name_fs = fs
    while name_fs > 12 and max(c.text_width(fig, nm, name_fs) for nm in names) > room:
        name_fs -= 1
    if max(c.text_width(fig, nm, name_fs) for nm in names) > room and n <= 14:
        name_fs = fs
        shown = [c.fit(fig, nm, room, fs, max_lines=2, min_size=12) for nm in names]
        name_fs = min(size for _t, size in shown)
        shown = [c.fit(fig, nm, room, name_fs, max_lines=2)[0] for nm in names]
    else:
        shown = [c.shorten_px(fig, nm, room, name_fs) for nm in names]
    ax.set_yticklabels(shown, fontsize=name_fs, linespacing=1.0)
    ax.grid(axis="y", visible=False)
    ax.axvline(0, color="#000000", lw=1.2)
    unit = labels.unit(indicator)
    xl, xs = c.fit(fig, labels.t("change.xlabel", unit=unit), 0.62 * fig.bbox.width, 17, max_lines=2, min_size=14)
    ax.set_xlabel(xl, fontsize=xs)
    c.set_number_format(ax.xaxis, labels.lang)
    # value labels at the end of each bar, percent of the baseline in brackets
    span = float(np.nanmax(np.abs(rows["delta_end"]))) if n else 1.0
    span = span or 1.0
    lo, hi = float(min(0, np.nanmin(rows["delta_end"]))), float(max(0, np.nanmax(rows["delta_end"])))
    pad = 0.28 * span
    any_neg, any_pos = bool((rows["delta_end"] < 0).any()), bool((rows["delta_end"] >= 0).any())
    ax.set_xlim(lo - (pad if any_neg else 0.02 * span), hi + (pad if any_pos else 0.02 * span))
    # numbers with three significant digits for the largest change, the same decimals on every bar
    dec = numbers.decimals_for(span)
    for yi, (d, p) in enumerate(zip(rows["delta_end"], rows["delta_end_pct"])):
        d, p = float(d), float(p)
        if d == 0:
            txt = "0"
        elif abs(d) < 0.5 * 10 ** -dec:
            # no visible bar: no number of ten decimals either
            txt, d = "≈ 0", 0.0
        else:
            txt = (("+" if d > 0 else "") + numbers.fixed(d, dec, labels.lang)
                   + (f" ({numbers.percent(p, labels.lang)} %)" if np.isfinite(p) else ""))
        ax.text(d + (0.02 * span if d >= 0 else -0.02 * span), yi, txt, va="center",
                ha="left" if d >= 0 else "right", fontsize=max(fs - 1, 12), color="#222222")
    ax.set_ylim(-0.7, n - 0.3)
    values = list(ax.texts)
    text, size = c.fit(fig, labels.t("change.title", indicator=labels.variable(indicator), year=c.end_year(ds)),
                       0.97 * fig.bbox.width, 26, weight="bold", max_lines=2, min_size=20)
    title = fig.suptitle(text, x=0.01, ha="left", va="top", y=0.975, fontsize=size)
    # the better direction, in words and with an arrow pointing to the better side
    direction = labels.t(f"better.{better}")
    dtext = fig.text(0.33, 0.0, f"← {direction}" if sign < 0 else f"{direction} →", fontsize=17,
                     color=c.BETTER_COLOR, fontweight="bold", ha="left", va="top")
    handles = [Patch(color=c.BETTER_COLOR, label=labels.t("legend.better")),
               Patch(color=c.WORSE_COLOR, label=labels.t("legend.worse"))]
    if (rows["kind"] == "bundle").any():
        handles.append(Patch(facecolor="#888888", hatch="//", edgecolor="white", label=labels.t("legend.bundle")))
    fig.draw_without_rendering()
    H = fig.bbox.height
    below_title = title.get_window_extent().y0 / H - 0.02
    dtext.set_y(below_title)
    leg = fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.99, below_title), frameon=False,
                     ncols=len(handles), fontsize=14, handlelength=1.6, columnspacing=1.2, borderaxespad=0)
    fig.draw_without_rendering()
    d_bb, l_bb = dtext.get_window_extent(), leg.get_window_extent()
    if l_bb.x0 < d_bb.x1 + 20:   # no room on one line: the legend goes below the direction
        leg.set_bbox_to_anchor((0.99, d_bb.y0 / H - 0.01), transform=fig.transFigure)
        fig.draw_without_rendering()
        l_bb = leg.get_window_extent()
    top = min(d_bb.y0, l_bb.y0) / H - 0.025
    ax.set_position([0.33, 0.16, 0.62, top - 0.16])
    _fit_values(fig, ax, values)
    c.add_footer(fig, ds, labels, labels.t("change.note"))
    return fig


def _fit_values(fig, ax, values) -> None:
    """Widen the x range until every value label lies inside the axes (never on the names or the margin)."""
    for _ in range(4):
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        box = ax.get_window_extent(renderer)
        over_left = max([box.x0 - v.get_window_extent(renderer).x0 for v in values] + [0.0])
        over_right = max([v.get_window_extent(renderer).x1 - box.x1 for v in values] + [0.0])
        if over_left <= 1 and over_right <= 1:
            return
        lo, hi = ax.get_xlim()
        per_px = (hi - lo) / box.width
        # widening the range shrinks every bar: ask for a little more than the overflow
        ax.set_xlim(lo - 1.3 * over_left * per_px - (0.01 * (hi - lo) if over_left > 1 else 0),
                    hi + 1.3 * over_right * per_px + (0.01 * (hi - lo) if over_right > 1 else 0))


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: Labels, formats,
         part: tuple[int, int] = (0, 1)) -> list[Path]:
    """One chart per indicator; ``part = (k, parts)`` draws every ``parts``-th indicator from the ``k``-th
    (the charts split between workers)."""
    k, parts = part
    paths: list[Path] = []
    for ind in c.indicators(ds, table)[k::parts]:
        with c.style():
            fig = draw_indicator(ds, table, ind, labels)
            paths += c.save(fig, out_dir, f"change-{c.slug(ind)}", formats)
    return paths
