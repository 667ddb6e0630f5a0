"""Shock response: the drop and recovery of an indicator after a shock (the "resilience triangle").

Loss and recovery follow :mod:`cityfutures.metrics`, so the chart and the comparison table
agree: the pre-shock level is the curve's value at the last saved time before the shock;
the loss is the worsening against that level; the recovery time runs from the shock until
the curve is back within 5 % of the pre-shock level. The shaded area is the lost
performance (the triangle).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .. import metrics
from . import _common as c
from .trajectories import mark_shocks

MAX_INDICATORS = 3   # figures per shock: the indicators the shock hits hardest
MAX_PANELS = 3       # programmes compared with the baseline, side by side
LEVEL = 0.95         # recovered: back to 95 % of the pre-shock level (metrics.recovery_time's default)


@dataclass(frozen=True)
class Triangle:
    level: float               # pre-shock level [indicator units]
    loss: np.ndarray           # >= 0 where the curve is worse than the level (from the shock on)
    peak: float                # the largest loss [indicator units]
    area: float                # lost area [indicator units x Year]
    recovery_time: float       # years from shock to recovery; nan if not recovered in the horizon


def triangle(t: np.ndarray, y: np.ndarray, year: float, better: str) -> Triangle:
    """The resilience triangle of curve ``y`` for a shock at ``year`` (definitions of metrics.py)."""
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    da = xr.DataArray(y, dims="time", coords={"time": t})
    before = np.nonzero(t < year - 1e-9)[0]
    level = float(y[before[-1]]) if before.size else float(y[0])
    sign = 1.0 if better == "lower" else -1.0
    loss = np.where(t >= year - 1e-9, np.clip(sign * (y - level), 0, None), 0.0)
    peak = float(metrics.peak_loss(da, year, better))
    area = float(np.trapezoid(loss, t)) if np.nanmax(loss) > 0 else 0.0
    rec = float(metrics.recovery_time(da, year, better, level=LEVEL))
    return Triangle(level, loss, peak if np.isfinite(peak) else 0.0, area, rec)


def _events(ds: xr.Dataset) -> list[dict]:
    seen: dict = {}
    for ev in c.shocks(ds):
        seen.setdefault((ev["kind"], float(ev["year"])), []).append(ev["scenario"])
    return [{"kind": k, "year": y, "scenarios": s} for (k, y), s in sorted(seen.items(), key=lambda kv: kv[0][1])]


def pick(ds: xr.Dataset, table: pd.DataFrame) -> list[tuple[dict, str, list[str]]]:
    """(event, indicator, programmes) to draw: the hardest-hit indicators, the programmes that lose least."""
    base = c.baseline_name(ds)
    t = ds["time"].values
    out = []
    for ev in _events(ds):
        ref_s = base if base in ev["scenarios"] else ev["scenarios"][0]
        hits = []
        for ind in c.indicators(ds, table):
            better = c.indicator_meta(table, ind, ds)["better"] or "higher"
            tri = triangle(t, ds[ind].sel(scenario=ref_s).values, ev["year"], better)
            scale = abs(tri.level) or 1.0
            if tri.peak / scale > 0.02:
                hits.append((tri.peak / scale, ind, better, tri))
        hits.sort(key=lambda h: -h[0])
        for _rel, ind, better, tri0 in hits[:MAX_INDICATORS]:
            cands = [s for s in ev["scenarios"] if s != ref_s] or [s for s in ds["scenario"].values if s != ref_s]
            scored = sorted(cands, key=lambda s: triangle(t, ds[ind].sel(scenario=s).values, ev["year"], better).area)
            out.append((ev, ind, [ref_s] + [str(s) for s in scored[:MAX_PANELS]]))
    return out


def draw_event(ds: xr.Dataset, table: pd.DataFrame, event: dict, indicator: str, scenarios: list[str],
               labels: c.Labels):
    """Panels side by side: the reference (baseline) against each programme, losses shaded."""
    t = ds["time"].values
    better = c.indicator_meta(table, indicator, ds)["better"] or "higher"
    year = event["year"]
    ref_s, progs = scenarios[0], scenarios[1:] or [scenarios[0]]
    fig = c.figure()
    axes = fig.subplots(1, len(progs), squeeze=False, sharey=True)[0]
    # show from two years before the shock to the end of the horizon
    x0 = max(float(t[0]), year - 2.0)
    win = t >= x0 - 1e-9
    yb = ds[indicator].sel(scenario=ref_s).values
    tri_b = triangle(t, yb, year, better)
    unit = labels.unit(indicator)
    for ax, s in zip(axes, progs):
        ys = ds[indicator].sel(scenario=s).values
        tri_s = triangle(t, ys, year, better)
        after = win & (t >= year - 1e-9)
        ax.hlines(tri_b.level, x0, float(t[-1]), color="#666666", lw=1.5, ls=":", zorder=2)
        ax.fill_between(t[after], yb[after], tri_b.level, where=tri_b.loss[after] > 0, color=c.WORSE_COLOR,
                        alpha=0.25, lw=0, zorder=1, interpolate=True)
        ax.plot(t[win], yb[win], color=c.BASELINE_COLOR, lw=3.2, zorder=4)
        if s != ref_s:
            ax.hlines(tri_s.level, x0, float(t[-1]), color=c.BETTER_COLOR, lw=1.5, ls=":", zorder=2)
            ax.fill_between(t[after], ys[after], tri_s.level, where=tri_s.loss[after] > 0,
                            color=c.BETTER_COLOR, alpha=0.35, lw=0, zorder=2, interpolate=True)
            ax.plot(t[win], ys[win], color=c.BETTER_COLOR, lw=3.2, zorder=5)
        mark_shocks(ax, [{"kind": event["kind"], "year": year}], labels)
        ax.set_title(c.wrap(labels.scenario(s), 34), loc="left", pad=26, fontsize=17)
        ax.set_xlabel(labels.t("axis.year"))
        ax.set_xlim(x0, float(t[-1]))
        c.set_number_format(ax.yaxis, labels.lang)
        lines = [(labels.t("baseline"), tri_b, ref_s, c.BASELINE_COLOR)]
        if s != ref_s:
            lines.append((c.shorten(labels.scenario(s), 26), tri_s, s, c.BETTER_COLOR))
        for k, (name, tri, scen, col) in enumerate(lines):
            rec = tri.recovery_time
            txt = (labels.t("recovery_time", years=c.fmt_num(rec, labels.lang, 2)) if np.isfinite(rec)
                   else labels.t("not_recovered", year=c.end_year(ds)))
            ax.text(0.98, 0.97 - 0.09 * k, txt, transform=ax.transAxes, ha="right", va="top", fontsize=14,
                    color=col, fontweight="bold", bbox=dict(fc="white", ec="none", alpha=0.85, pad=1))
        ax.xaxis.set_major_locator(__import__("matplotlib.ticker", fromlist=["MaxNLocator"]).MaxNLocator(
            nbins=5, integer=True))
    axes[0].set_ylabel(c.wrap(f"{labels.variable(indicator)} [{unit}]", 40))
    title = fig.suptitle(c.wrap(labels.t("shock.title", indicator=labels.variable(indicator),
                                 shock=labels.shock(event["kind"]), year=str(int(year))), 62),
                 x=0.01, ha="left", y=0.975)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    handles = [Line2D([], [], color=c.BASELINE_COLOR, lw=3.2, label=labels.t("baseline")),
               Line2D([], [], color=c.BETTER_COLOR, lw=3.2, label=labels.t("legend.programme")),
               Line2D([], [], color="#666666", lw=1.5, ls=":", label=labels.t("shock.reference")),
               Patch(color=c.WORSE_COLOR, alpha=0.25, label=labels.t("shock.lost_baseline")),
               Patch(color=c.BETTER_COLOR, alpha=0.35, label=labels.t("shock.lost_programme"))]
    two_lines = "\n" in title.get_text()   # a long title takes two lines: legend and panels move down
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.84 if two_lines else 0.905), ncols=5,
               frameon=False, fontsize=14, handlelength=2.2, columnspacing=1.4)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.68 if two_lines else 0.74, bottom=0.13, wspace=0.12)
    c.add_footer(fig, ds, labels, labels.t("shock.note", better=labels.t(f"better.{better}").lower()))
    return fig


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: c.Labels, formats) -> list[Path]:
    paths: list[Path] = []
    for event, ind, scen in pick(ds, table):
        with c.style():
            fig = draw_event(ds, table, event, ind, scen, labels)
            stem = f"shock-{c.slug(event['kind'])}-{c.fmt_year(event['year'])}-{c.slug(ind)}"
            paths += c.save(fig, out_dir, stem, formats)
    return paths
