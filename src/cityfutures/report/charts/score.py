"""The weighted score: its terms by focus area, and how stable each rank is when the weights change.

``score-terms``: one bar per programme and bundle in ranking order, split into the focus areas' parts
of its score (improvements to the right, worsenings to the left), with the total and, when futures
were run, its p5-p95 interval. ``rank-stability``: each programme's rank with the given weights and
the p5-p95 range of its rank when the weights are drawn around them (SMAA), with the probability of a
rank in the top k.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...analysis.compare import ComparisonResult
from .. import numbers
from ..labels import Labels
from . import _common as c

__all__ = ["draw_terms", "draw_stability", "draw", "focus_terms"]


def focus_terms(result: ComparisonResult) -> pd.DataFrame:
    """Each ranked programme's score split by focus area: rows in ranking order, a column per focus area."""
    t = result.table[result.table["kind"] != "baseline"]
    parts = t.groupby(["scenario", "indicator_focus_area"], sort=False)["score_term"].sum(min_count=1).unstack()
    rk = result.ranking[result.ranking["score"].notna()]
    return parts.reindex(index=rk["scenario"]).fillna(0.0)


def _rows(fig, labels: Labels, rk: pd.DataFrame, right: float, top: float = 0.8, bottom: float = 0.22):
    """The axes of one row per programme, its names in full when a column of up to 42 % of the width holds
    them (else cut), and their type size."""
    n = len(rk)
    fs = 15 if n <= 12 else 14 if n <= 18 else 12 if n <= 26 else 10
    names = [f"{int(r.rank_overall)}. {labels.scenario(r.scenario)}" for r in rk.itertuples()]
    W = fig.bbox.width
    widest = max((c.text_width(fig, nm, fs) for nm in names), default=0.0)
    left = float(np.clip((widest + 0.025 * W) / W, 0.2, 0.42))
    names = [c.shorten_px(fig, nm, left * W - 0.025 * W, fs) for nm in names]
    ax = fig.add_axes([left, bottom, right - left, top - bottom])
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(np.arange(n))
    ax.set_yticklabels(names, fontsize=fs)
    ax.grid(axis="y", visible=False)
    return ax, fs


def draw_terms(ds: xr.Dataset, result: ComparisonResult, labels: Labels):
    """Horizontal bars: each programme's score as the sum of its focus areas' terms (see the module docstring)."""
    rk = result.ranking[result.ranking["score"].notna()].reset_index(drop=True)
    parts = focus_terms(result)
    fas = labels.focus_order(list(parts.columns))
    n = len(rk)
    fig = c.figure()
    ax, fs = _rows(fig, labels, rk, 0.9)
    y = np.arange(n)
    pos_left, neg_left = np.zeros(n), np.zeros(n)
    for fa in fas:
        v = parts[fa].to_numpy(dtype=float)
        pos, neg = np.clip(v, 0, None), np.clip(v, None, 0)
        color = labels.focus_color(fa)
        ax.barh(y, pos, left=pos_left, color=color, height=0.66, edgecolor="white", lw=0.6)
        ax.barh(y, neg, left=neg_left, color=color, height=0.66, edgecolor="white", lw=0.6, hatch="//")
        pos_left += pos
        neg_left += neg
    score = rk["score"].to_numpy(dtype=float)
    lo, hi = rk["score_p05"].to_numpy(dtype=float), rk["score_p95"].to_numpy(dtype=float)
    ranged = np.isfinite(lo) & np.isfinite(hi)
    if ranged.any():
        ax.hlines(y[ranged], lo[ranged], hi[ranged], color="#222222", lw=2.0, zorder=4)
    ax.scatter(score, y, marker="D", s=70, color="black", zorder=5)
    ax.axvline(0, color="#000000", lw=1.2)
    span = float(np.nanmax(np.abs(np.concatenate([pos_left, neg_left, hi[ranged], lo[ranged], [1e-9]]))))
    dec = 2
    for yi, s in zip(y, score):
        ax.text(max(pos_left[yi], hi[yi] if ranged[yi] else -np.inf, s) + 0.015 * span, yi,
                numbers.signed(s, dec, labels.lang), va="center", ha="left", fontsize=max(fs - 1, 10))
    xmin = min(0.0, float(np.nanmin(np.concatenate([neg_left, lo[ranged], [0.0]]))))
    ax.set_xlim(xmin - 0.05 * span, float(np.nanmax(np.concatenate([pos_left, hi[ranged], [0.0]]))) + 0.16 * span)
    c.set_number_format(ax.xaxis, labels.lang)
    ax.set_xlabel(labels.t("terms.xlabel"))
    fig.suptitle(labels.t("terms.title", year=c.end_year(ds)), x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.905, c.fit(fig, labels.t("terms.subtitle"), 0.97 * fig.bbox.width, 15, max_lines=2,
                                min_size=13)[0], fontsize=15, ha="left", va="top", color="#333333")
    handles = [Patch(color=labels.focus_color(fa), label=labels.focus_area(fa)) for fa in fas]
    handles += [Patch(facecolor="#BBBBBB", hatch="//", edgecolor="white", label=labels.t("terms.worse")),
                Line2D([], [], ls="", marker="D", color="black", ms=8, label=labels.t("terms.total"))]
    if ranged.any():
        handles.append(Line2D([], [], color="#222222", lw=2, label=labels.t("legend.interval")))
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.035), ncols=min(len(handles), 4),
               frameon=False, fontsize=13, handlelength=1.4, columnspacing=1.2)
    c.add_footer(fig, ds, labels, None)
    return fig


def draw_stability(ds: xr.Dataset, result: ComparisonResult, labels: Labels):
    """Each programme's rank with the given weights (dot) and the p5-p95 range of its rank when the weights
    vary (bar), with the probability of a rank in the top k written beside it."""
    rk = result.ranking[result.ranking["rank_p05"].notna()].reset_index(drop=True)
    n = len(rk)
    fig = c.figure()
    ax, fs = _rows(fig, labels, rk, 0.86, top=0.77)
    y = np.arange(n)
    top = result.top
    ax.axvspan(0.5, top + 0.5, color="#E8F1FA", zorder=0)
    ax.hlines(y, rk["rank_p05"].astype(float), rk["rank_p95"].astype(float), color=c.BETTER_COLOR, lw=7,
              alpha=0.55, zorder=2)
    ax.scatter(rk["rank_overall"].astype(float), y, s=90, color="black", zorder=3)
    ax.set_xlim(0.5, max(n, top) + 0.5)
    ax.set_xticks(np.arange(1, n + 1, 1 if n <= 15 else 2))
    ax.set_xlabel(labels.t("stability.xlabel"))
    for yi, p in zip(y, rk["p_top"]):
        ax.text(1.012, yi, numbers.share(p, labels.lang), transform=ax.get_yaxis_transform(), va="center",
                ha="left", fontsize=max(fs - 1, 10), color=c.BETTER_COLOR if p >= 0.5 else "#333333")
    ax.text(1.012, 1.005, labels.t("stability.p_top", k=top), transform=ax.transAxes, va="bottom",
            ha="left", fontsize=13, fontweight="bold")
    fig.suptitle(labels.t("stability.title"), x=0.01, ha="left", y=0.975)
    futures = int(result.table["futures"].max() or 0)
    sub = labels.t("stability.subtitle", draws=numbers.number(result.draws, labels.lang), k=top)
    if futures:
        sub += " " + labels.t("stability.with_futures", n=futures)
    fig.text(0.01, 0.905, c.fit(fig, sub, 0.97 * fig.bbox.width, 15, max_lines=2, min_size=13)[0], fontsize=15,
             ha="left", va="top", color="#333333")
    handles = [Line2D([], [], ls="", marker="o", color="black", ms=9, label=labels.t("stability.given")),
               Line2D([], [], color=c.BETTER_COLOR, lw=7, alpha=0.55, label=labels.t("stability.range")),
               Patch(color="#E8F1FA", label=labels.t("stability.top", k=top))]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.035), ncols=3, frameon=False, fontsize=13)
    c.add_footer(fig, ds, labels, None)
    return fig


def draw(ds: xr.Dataset, result: ComparisonResult, out_dir: Path, labels: Labels, formats) -> list[Path]:
    paths: list[Path] = []
    with c.style():
        paths += c.save(draw_terms(ds, result, labels), out_dir, "score-terms", formats)
    if result.ranking["rank_p05"].notna().any():
        with c.style():
            paths += c.save(draw_stability(ds, result, labels), out_dir, "rank-stability", formats)
    return paths
