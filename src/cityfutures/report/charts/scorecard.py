"""Scorecard: programmes x indicators, coloured by improvement against the baseline."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.patches import Patch, Rectangle

from .. import numbers
from ..labels import Labels, focus_order
from . import _common as c


def _cmap():
    # vermillion (worse) - white - blue (better): readable with every common colour-vision deficiency
    return LinearSegmentedColormap.from_list("cf_diverging", [c.WORSE_COLOR, "#F7F7F7", c.BETTER_COLOR])


def order_scenarios(table: pd.DataFrame, ds: xr.Dataset) -> list[str]:
    """Programmes grouped by focus area (strategy order), bundles last, best first within a group."""
    sc = c.scenario_table(ds).set_index("scenario")
    rows = table[table["kind"] != "baseline"]
    mean = rows.groupby("scenario")["improvement_end_pct"].mean()
    names = [s for s in sc.index if s in mean.index]
    fas = focus_order(ds, [sc.loc[s, "focus_area"] for s in names if sc.loc[s, "kind"] != "bundle"])
    out = []
    for fa in fas:
        grp = [s for s in names if sc.loc[s, "focus_area"] == fa and sc.loc[s, "kind"] != "bundle"]
        out += sorted(grp, key=lambda s: -mean[s])
    out += sorted([s for s in names if sc.loc[s, "kind"] == "bundle"], key=lambda s: -mean[s])
    return out


MAX_ROWS = 18   # more rows than this: programmes and bundles on two pages, so that names stay 13 pt or more


def parts(ds: xr.Dataset, table: pd.DataFrame) -> list[tuple[str | None, list[str]]]:
    """The scorecard's pages: ``[(None, all)]``, or programmes and bundles apart when the rows are many."""
    scen = order_scenarios(table, ds)
    kinds = c.scenario_table(ds).set_index("scenario")["kind"]
    progs = [s for s in scen if kinds.get(s) != "bundle"]
    bundles = [s for s in scen if kinds.get(s) == "bundle"]
    if len(scen) <= MAX_ROWS or not progs or not bundles:
        return [(None, scen)]
    return [("programmes", progs), ("bundles", bundles)]


def _row_labels(fig, names: list[str], fs: float, row_px: float, max_left: float) -> tuple[list[str], float, float]:
    """Row names in full: one line if the label column can take them, else two lines, else smaller type.

    Returns the labels, their font size and the label column's width (figure fraction)."""
    W = fig.bbox.width
    # the tick padding (18 pt), the focus-area strip beside it and the figure's margin
    extra = 18 * c.DPI / 72 + 30 + 0.012 * W
    for size in np.arange(fs, 11.5, -1.0):
        widest = max(c.text_width(fig, n, size) for n in names)
        if widest + extra <= max_left * W:
            return names, float(size), max(0.2, (widest + extra) / W)
        if row_px >= 2 * 1.15 * size * c.DPI / 72:   # two lines fit the row
            wrapped = [c.fit(fig, n, max_left * W - extra, size, max_lines=2)[0] for n in names]
            if all(w.count("\n") <= 1 for w in wrapped):
                widest = max(c.text_width(fig, w, size) for w in wrapped)
                if widest + extra <= max_left * W:
                    return wrapped, float(size), max(0.2, (widest + extra) / W)
    size = 12.0
    return [c.shorten_px(fig, n, max_left * W - extra, size) for n in names], size, max_left


def draw_scorecard(ds: xr.Dataset, table: pd.DataFrame, labels: Labels, part: str | None = None,
                   scenarios: list[str] | None = None):
    """The scorecard of ``scenarios`` (default: every programme and bundle); ``part`` names the page
    (``"programmes"`` or ``"bundles"``) when :func:`parts` splits it. The colour scale is the same on all pages."""
    inds = c.indicators(ds, table)
    fa_of = {i: c.indicator_meta(table, i, ds)["focus_area"] for i in inds}
    inds = [i for fa in labels.focus_order(fa_of.values()) for i in inds if fa_of[i] == fa]
    every = order_scenarios(table, ds)
    scen = [s for s in every if s in scenarios] if scenarios is not None else every
    piv_all = (table[table["kind"] != "baseline"].pivot_table(index="scenario", columns="indicator",
                                                              values="improvement_end_pct", aggfunc="first")
               .reindex(index=every, columns=inds))
    vals_all = piv_all.to_numpy(dtype=float)
    finite = np.abs(vals_all[np.isfinite(vals_all)])
    vmax = _nice(max(float(np.percentile(finite, 95)) if finite.size else 1.0, 1.0))
    vals = piv_all.reindex(index=scen).to_numpy(dtype=float)
    nr, nc = vals.shape
    fig = c.figure()
    left, right = 0.255, 0.905
    futures = "futures" in table and bool((table["futures"].fillna(0) > 0).any())
    bottom = _legend(fig, ds, scen, labels, futures) + 0.025
    # the row names first (the label column takes the width they need), with the room rotated headers leave
    row_px = (0.865 - 0.23 - bottom) * c.FIGSIZE[1] * c.DPI / max(nr, 1)
    fs_row = float(np.clip(np.floor(row_px * 0.86 / (c.DPI / 72)), 12, 16))
    row_names, fs_row, left = _row_labels(fig, [labels.scenario(s) for s in scen], fs_row, row_px, 0.42)
    col_px = (right - left) * c.FIGSIZE[0] * c.DPI / max(nc, 1)
    # column headers: horizontal and wrapped to the column's width when the words fit, else rotated
    fs_col, heads, flat = 15, [], False
    names = [labels.variable(i) for i in inds]
    renderer = fig.canvas.get_renderer()
    longest_word = max(len(w) for nm in names for w in nm.split())
    for fs_try in (15, 14, 13, 12, 11):
        for per_line in range(int(col_px / (0.5 * fs_try * c.DPI / 72)), longest_word - 1, -1):
            cand = [c.wrap(nm, per_line) for nm in names]
            if max(h.count("\n") + 1 for h in cand) > 4:
                break
            probe = [fig.text(0, 0, line, fontsize=fs_try) for h in cand for line in h.split("\n")]
            widest = max(p.get_window_extent(renderer).width for p in probe)
            for p in probe:
                p.remove()
            if widest <= col_px - 8:
                heads, fs_col, flat = cand, fs_try, True
                break
        if flat:
            break
    if not flat:   # rotated: the width of a column no longer limits the type, so keep it large
        # at 45 degrees neighbouring headers lie col_px x sin 45 apart: no more lines than fit there;
        # the type (14 down to 12 pt) whose headers stand lowest, so that the rows keep their room
        best = None
        for fs_try in (14, 13, 12):
            most = max(1, int(col_px * 0.707 / (1.25 * fs_try * c.DPI / 72)))
            cand = []
            for nm in names:
                width = 20
                while c.wrap(nm, width).count("\n") + 1 > most and width < len(nm):
                    width += 2
                cand.append(c.wrap(nm, width))
            em = fs_try * c.DPI / 72
            tall = max((max(len(ln) for ln in h.split("\n")) * 0.55 * em + (h.count("\n") + 1) * 1.25 * em) * 0.707
                       for h in cand)
            if best is None or tall < 0.93 * best[0]:
                best = (tall, fs_try, cand)
        _tall, fs_col, heads = best
    lines = max(h.count("\n") + 1 for h in heads) if heads else 1
    head_h = (lines * 1.25 * fs_col / 72 * c.DPI + 14) / (c.FIGSIZE[1] * c.DPI) if flat else 0.23
    top = 0.865 - head_h
    ax = fig.add_axes([left, bottom, right - left, top - bottom])
    norm = Normalize(-vmax, vmax)
    im = ax.imshow(np.clip(vals, -vmax, vmax), cmap=_cmap(), norm=norm, aspect="auto", interpolation="nearest")
    ax.grid(False)
    for s in ax.spines.values():
        s.set_visible(False)
    fs_cell = min(fs_row, float(np.floor(col_px / 5 / (0.6 * c.DPI / 72))), 15)
    clipped = False
    lo, hi = _interval(table, scen, inds)         # the improvement's p5-p95 over sampled futures, if any
    two = lo is not None and row_px >= 2.3 * fs_cell * c.DPI / 72 and col_px >= 8 * 0.6 * fs_cell * c.DPI / 72
    for r in range(nr):
        for k in range(nc):
            v = vals[r, k]
            # no percentage (a baseline of zero): the cell says so instead of a number
            txt = (numbers.NO_VALUE if not np.isfinite(v)
                   else numbers.number(round(v, 1) if abs(v) < 10 else round(v), labels.lang, 2))
            dark = np.isfinite(v) and abs(v) > 0.55 * vmax
            out = np.isfinite(v) and abs(v) > vmax * 1.0001
            clipped |= bool(out)
            txt = txt + (" ▶" if out and v > 0 else "") if not (out and v < 0) else "◀ " + txt
            if lo is not None and np.isfinite(lo[r, k]) and lo[r, k] < -0.05 and hi[r, k] > 0.05:
                # the sign of the change differs across the futures: the cell is dotted
                ax.add_patch(Rectangle((k - 0.5, r - 0.5), 1, 1, fill=False, hatch="..", lw=0,
                                       edgecolor="#888888"))
            if two and np.isfinite(lo[r, k]):
                rng = numbers.interval(lo[r, k], hi[r, k], labels.lang,
                                       lambda x, lg: numbers.number(round(x, 1) if abs(x) < 10 else round(x), lg, 2))
                ax.text(k, r + 0.22, rng, ha="center", va="center", fontsize=max(fs_cell - 3, 9),
                        color="white" if dark else "#444444")
            ax.text(k, r - (0.12 if two else 0), txt,
                    ha="center", va="center", fontsize=fs_cell, fontweight="bold" if out else "normal",
                    color="white" if dark else "#222222")
    ax.set_xticks(np.arange(nc))
    ax.set_xticklabels(heads, fontsize=fs_col, rotation=0 if flat else 45, ha="center" if flat else "left",
                       va="bottom", rotation_mode="anchor", linespacing=1.15)
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", length=0, pad=8)
    if not flat:   # the rotated headers' measured height sets the table's top
        fig.draw_without_rendering()
        tall = max(lab.get_window_extent().height for lab in ax.get_xticklabels())
        top = 0.865 - (tall + 14) / fig.bbox.height
        ax.set_position([left, bottom, right - left, top - bottom])
        # the rows got lower than planned: their type follows
        row_px = (top - bottom) * fig.bbox.height / max(nr, 1)
        fits = float(max(11, np.floor(row_px * 0.86 / (c.DPI / 72))))
        if fits < fs_row:   # smaller names need a narrower label column
            row_names, fs_row, left = _row_labels(fig, [labels.scenario(s) for s in scen], fits, row_px, 0.42)
            ax.set_position([left, bottom, right - left, top - bottom])
            col_px = (right - left) * c.FIGSIZE[0] * c.DPI / max(nc, 1)
            for tx in ax.texts:
                tx.set_fontsize(min(tx.get_fontsize(), fs_row))
    ax.set_yticks(np.arange(nr))
    sc = c.scenario_table(ds).set_index("scenario")
    ax.set_yticklabels(row_names, fontsize=fs_row, linespacing=1.0)
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
        # 14 px wide, 4 px from the table, whatever the columns' width (inside the 18 pt tick padding)
        ax.add_patch(Rectangle((-0.5 - 18 / col_px, r - 0.5), 14 / col_px, 1, color=labels.focus_color(fa),
                               clip_on=False))
    cax = fig.add_axes([0.925, bottom, 0.015, top - bottom])
    cb = fig.colorbar(im, cax=cax, extend="both" if clipped else "neither")
    cb.set_label(labels.t("scorecard.colorbar"), fontsize=14)
    c.set_number_format(cb.ax.yaxis, labels.lang)
    cb.ax.tick_params(labelsize=13)
    key = {None: "scorecard.title", "programmes": "scorecard.title_programmes", "bundles": "scorecard.title_bundles"}
    fig.suptitle(labels.t(key[part], year=c.end_year(ds)), x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.905, labels.t("scorecard.subtitle"), fontsize=16, ha="left", va="top", color="#333333")
    note = labels.t("scorecard.note")
    if two:
        note += ". " + labels.t("scorecard.note_interval")
    if clipped:
        note += ". " + labels.t("scorecard.note_clipped", vmax=numbers.number(round(vmax), labels.lang))
    c.add_footer(fig, ds, labels, note)
    return fig


def _interval(table: pd.DataFrame, scen: list[str], inds: list[str]):
    """The improvement's p5 and p95 [%] per (programme, indicator) over the sampled futures, or (None, None)."""
    if "futures" not in table or not (table["futures"].fillna(0) > 0).any():
        return None, None
    t = table[table["kind"] != "baseline"].copy()
    sign = np.where(t["better"] == "lower", -1.0, 1.0)
    a, b = sign * t["delta_end_pct_p05"].to_numpy(float), sign * t["delta_end_pct_p95"].to_numpy(float)
    t["lo"], t["hi"] = np.minimum(a, b), np.maximum(a, b)
    lo = t.pivot_table(index="scenario", columns="indicator", values="lo", aggfunc="first").reindex(index=scen,
                                                                                                    columns=inds)
    hi = t.pivot_table(index="scenario", columns="indicator", values="hi", aggfunc="first").reindex(index=scen,
                                                                                                    columns=inds)
    return lo.to_numpy(float), hi.to_numpy(float)


def _nice(v: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at least ``v``: a round end for the colour scale."""
    k = 10 ** np.floor(np.log10(v))
    return float(next(m * k for m in (1, 2, 2.5, 5, 10) if m * k >= v - 1e-9))


def _legend(fig, ds, scen, labels: Labels, futures: bool = False) -> float:
    """The focus-area colours of the rows, under the table (two rows if one is too wide), and with futures the
    dotted cells' meaning; returns its top."""
    sc = c.scenario_table(ds).set_index("scenario")
    fas = labels.focus_order([sc.loc[s, "focus_area"] for s in scen if sc.loc[s, "kind"] != "bundle"])
    handles = [Patch(color=labels.focus_color(fa), label=labels.focus_area(fa)) for fa in fas]
    if (sc.loc[scen, "kind"] == "bundle").any():
        handles.append(Patch(color="#777777", label=labels.t("legend.bundle")))
    if futures:
        handles.append(Patch(facecolor="white", hatch="..", edgecolor="#888888", label=labels.t("scorecard.unsure")))
    kw = dict(loc="lower left", bbox_to_anchor=(0.005, 0.07), frameon=False, fontsize=13, handlelength=1.2,
              handletextpad=0.4, columnspacing=1.2, borderaxespad=0)
    one_row = [Patch(color="none", label=labels.t("legend.focus_area") + ":")] + handles
    leg = fig.legend(handles=one_row, ncols=len(one_row), **kw)
    fig.draw_without_rendering()
    if leg.get_window_extent().x1 > 0.99 * fig.bbox.width:
        leg.remove()
        leg = fig.legend(handles=one_row, ncols=int(np.ceil(len(one_row) / 2)), **kw)
        fig.draw_without_rendering()
    return leg.get_window_extent().y1 / fig.bbox.height


def stem(part: str | None) -> str:
    """The file stem of a scorecard part (:func:`parts`)."""
    return "scorecard" if part in (None, "programmes") else f"scorecard-{part}"


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: Labels, formats,
         keep: dict | None = None) -> list[Path]:
    paths: list[Path] = []
    for part, scen in parts(ds, table):
        with c.style():
            fig = draw_scorecard(ds, table, labels, part, scen)
            paths += c.save(fig, out_dir, stem(part), formats, keep=keep)
    return paths
