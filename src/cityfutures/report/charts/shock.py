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
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ...analysis import metrics
from .. import numbers
from ..labels import Labels
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
        for _rel, ind, better, _tri in hits[:MAX_INDICATORS]:
            cands = [s for s in ev["scenarios"] if s != ref_s] or [s for s in ds["scenario"].values if s != ref_s]
            scored = sorted(cands, key=lambda s: triangle(t, ds[ind].sel(scenario=s).values, ev["year"], better).area)
            out.append((ev, ind, [ref_s] + [str(s) for s in scored[:MAX_PANELS]]))
    return out


def is_pulse(ds: xr.Dataset, indicator: str, tri: Triangle) -> bool:
    """Whether ``indicator`` is a flow (a rate per year) whose shock response is a short pulse.

    A pulse of a few weeks (people affected by floods: millions per year for a quarter of a
    year) reads as a needle on a ten-year axis: its size is its area, not its height. Such a
    flow is drawn as its running total since the window's start, where the shock is a step
    whose height is the number of people (or tonnes) the shock added.
    """
    units = str(ds[indicator].attrs.get("units", "")).replace(" ", "").lower()
    is_rate = units.endswith("/year") or units.endswith("/years")
    return bool(is_rate and tri.peak > 0 and np.isfinite(tri.recovery_time) and tri.recovery_time <= 1.0)


def _shock_total(t: np.ndarray, y: np.ndarray, tri: Triangle, year: float, better: str) -> float:
    """What the shock added within a year: the area of the curve above the pre-shock level, from the
    last saved time before the shock to a year after it [indicator units x Year], to 3 significant digits."""
    sign = 1.0 if better == "lower" else -1.0
    excess = np.clip(sign * (np.asarray(y, float) - tri.level), 0, None)
    before = np.nonzero(t < year - 1e-9)[0]
    start = t[before[-1]] if before.size else t[0]
    m = (t >= start - 1e-9) & (t <= year + 1.0 + 1e-9)
    total = float(np.trapezoid(excess[m], t[m])) if m.sum() > 1 else 0.0
    if total <= 0:
        return 0.0
    k = 10 ** (np.floor(np.log10(total)) - 2)
    return float(np.round(total / k) * k)


def _cumulative(t: np.ndarray, y: np.ndarray, x0: float) -> np.ndarray:
    """The running integral of ``y`` from ``x0`` (nan before it)."""
    out = np.full(len(t), np.nan)
    m = t >= x0 - 1e-9
    tt, yy = t[m], y[m]
    acc = np.concatenate([[0.0], np.cumsum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt))]) if len(tt) else tt
    out[m] = acc
    return out


def recovery_text(tri: Triangle, labels: Labels, end_year: str) -> str:
    """What a panel says of a curve's recovery: no loss, a loss too small to need one, its time, or none."""
    if tri.peak <= 0:
        return labels.t("no_loss")
    if not np.isfinite(tri.recovery_time):
        return labels.t("not_recovered", year=end_year)
    if tri.recovery_time <= 1e-9:
        return labels.t("small_loss")
    return labels.t("recovery_time", years=numbers.number(tri.recovery_time, labels.lang, 2))


def cumulative_unit(unit: str, labels: Labels) -> str:
    """The unit of a rate's running total: ``people per year`` -> ``people``."""
    suffix = labels.t("unit.per_year_suffix")
    if unit.endswith(suffix) and len(unit) > len(suffix):
        return unit[: -len(suffix)].strip()
    return labels.t("unit.times_years", unit=unit)


def draw_event(ds: xr.Dataset, table: pd.DataFrame, event: dict, indicator: str, scenarios: list[str],
               labels: Labels):
    """Panels side by side: the reference (baseline) against each programme, losses shaded.

    A flow whose response is a short pulse (:func:`is_pulse`) is drawn as its running total
    instead, with the total the shock added written in each panel.
    """
    t = ds["time"].values
    better = c.indicator_meta(table, indicator, ds)["better"] or "higher"
    year = event["year"]
    ref_s, progs = scenarios[0], scenarios[1:] or [scenarios[0]]
    has_prog = any(s != ref_s for s in progs)
    fig = c.figure()
    axes = fig.subplots(1, len(progs), squeeze=False, sharey=True)[0]
    # show from two years before the shock to the end of the horizon
    x0 = max(float(t[0]), year - 2.0)
    win = t >= x0 - 1e-9
    yb = ds[indicator].sel(scenario=ref_s).values
    tri_b = triangle(t, yb, year, better)
    pulse = is_pulse(ds, indicator, tri_b)
    unit = labels.unit(indicator)
    lang = labels.lang
    for ax, s in zip(axes, progs):
        ys = ds[indicator].sel(scenario=s).values
        tri_s = triangle(t, ys, year, better)
        after = win & (t >= year - 1e-9)
        lines = [(labels.t("baseline"), tri_b, c.BASELINE_COLOR)]
        if s != ref_s:
            lines.append((labels.scenario(s), tri_s, c.BETTER_COLOR))
        if pulse:
            ax.plot(t[win], _cumulative(t, yb, x0)[win], color=c.BASELINE_COLOR, lw=3.2, zorder=4)
            if s != ref_s:
                ax.plot(t[win], _cumulative(t, ys, x0)[win], color=c.BETTER_COLOR, lw=3.2, zorder=5)
            texts = [labels.t("shock.pulse_total", shock=labels.shock(event["kind"]),
                              total=numbers.number(_shock_total(t, yy, tri, year, better), lang),
                              unit=cumulative_unit(unit, labels))
                     for (_n, tri, _col), yy in zip(lines, (yb, ys))]
            ax.set_ylim(bottom=0)
        else:
            ax.hlines(tri_b.level, x0, float(t[-1]), color="#666666", lw=1.5, ls=":", zorder=2)
            ax.fill_between(t[after], yb[after], tri_b.level, where=tri_b.loss[after] > 0, color=c.WORSE_COLOR,
                            alpha=0.25, lw=0, zorder=1, interpolate=True)
            ax.plot(t[win], yb[win], color=c.BASELINE_COLOR, lw=3.2, zorder=4)
            if s != ref_s:
                ax.hlines(tri_s.level, x0, float(t[-1]), color=c.BETTER_COLOR, lw=1.5, ls=":", zorder=2)
                ax.fill_between(t[after], ys[after], tri_s.level, where=tri_s.loss[after] > 0,
                                color=c.BETTER_COLOR, alpha=0.35, lw=0, zorder=2, interpolate=True)
                ax.plot(t[win], ys[win], color=c.BETTER_COLOR, lw=3.2, zorder=5)
            texts = [recovery_text(tri, labels, c.end_year(ds)) for _n, tri, _col in lines]
        mark_shocks(ax, [{"kind": event["kind"], "year": year}], labels)
        ax.set_xlabel(labels.t("axis.year"))
        ax.set_xlim(x0, float(t[-1]))
        c.set_number_format(ax.yaxis, lang)
        for k, (txt, (_n, _tri, col)) in enumerate(zip(texts, lines)):
            # at the bottom right for a running total (its curves rise to the right), else top right
            ax.text(0.98, 0.04 + 0.09 * (len(lines) - 1 - k) if pulse else 0.97 - 0.09 * k, txt,
                    transform=ax.transAxes, ha="right", va="bottom" if pulse else "top",
                    fontsize=_fit_size(fig, ax, texts), color=col,
                    fontweight="bold",
                    zorder=10, bbox=dict(fc="white", ec="none", alpha=0.85, pad=1))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5 if len(progs) < 3 else 4, integer=True))
    ylabel = (labels.t("shock.cumulative_ylabel", indicator=labels.variable(indicator),
                       unit=cumulative_unit(unit, labels)) if pulse
              else f"{labels.variable(indicator)} [{unit}]")
    title = fig.suptitle(labels.t("shock.title", indicator=labels.variable(indicator),
                                  shock=labels.shock(event["kind"]), year=str(int(year))),
                         x=0.01, ha="left", y=0.975)
    # one line if a slightly smaller type allows it (a title broken before its year reads badly), else two
    text, size = title.get_text(), None
    for fs_try in np.arange(title.get_fontsize(), 21.5, -1.0):
        if c.text_width(fig, text, fs_try, "bold") <= 0.95 * fig.bbox.width:
            size = float(fs_try)
            break
    if size is None:
        text, size = c.fit(fig, text, 0.95 * fig.bbox.width, title.get_fontsize(), weight="bold",
                           max_lines=2, min_size=20)
    title.set_text(text)
    title.set_fontsize(size)
    handles = [Line2D([], [], color=c.BASELINE_COLOR, lw=3.2, label=labels.t("baseline"))]
    if has_prog:
        handles.append(Line2D([], [], color=c.BETTER_COLOR, lw=3.2, label=labels.t("legend.programme")))
    if not pulse:
        handles += [Line2D([], [], color="#666666", lw=1.5, ls=":", label=labels.t("shock.reference")),
                    Patch(color=c.WORSE_COLOR, alpha=0.25, label=labels.t("shock.lost_baseline"))]
        if has_prog:
            handles.append(Patch(color=c.BETTER_COLOR, alpha=0.35, label=labels.t("shock.lost_programme")))
    two_lines = "\n" in title.get_text()   # a long title takes two lines: legend and panels move down
    fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.01, 0.84 if two_lines else 0.905), ncols=5,
               frameon=False, fontsize=14, handlelength=2.2, columnspacing=1.4)
    fig.subplots_adjust(left=0.1, right=0.975, top=0.68 if two_lines else 0.74, bottom=0.13, wspace=0.14)
    # the panel titles and the y label fit their room (measured, in either language)
    for ax, s in zip(axes, progs):
        width = ax.get_window_extent().width
        text, size = c.fit(fig, labels.scenario(s), width, 17, weight="bold", max_lines=2, min_size=13)
        ax.set_title(text, loc="left", pad=26, fontsize=size)
    y_room = axes[0].get_window_extent().height
    text, size = c.fit(fig, ylabel, y_room, 17, max_lines=3, min_size=12)
    axes[0].set_ylabel(text, fontsize=size)
    fig.canvas.draw()
    # the y label (with the tick labels) must not leave the figure: widen the left margin if it does
    bb = axes[0].get_tightbbox(fig.canvas.get_renderer())
    if bb.x0 < 4:
        left = 0.1 + (4 - bb.x0) / fig.bbox.width
        fig.subplots_adjust(left=left)
    note = (labels.t("shock.note_pulse", shock=labels.shock(event["kind"])) if pulse
            else labels.t("shock.note", better=labels.t(f"better.{better}").lower()))
    c.add_footer(fig, ds, labels, note)
    return fig


def _fit_size(fig, ax, texts: list[str]) -> float:
    """The panel notes' type: 14 pt, smaller (down to 11 pt) if the longest would not fit the panel."""
    room = 0.95 * ax.get_position().width * fig.bbox.width
    size = 14.0
    while size > 11 and max(c.text_width(fig, tx, size, "bold") for tx in texts) > room:
        size -= 1
    return size


def stem(event: dict, indicator: str) -> str:
    """File name of a shock chart: ``shock-<kind>-<year>-<indicator>`` (the year as a whole number)."""
    return f"shock-{c.slug(event['kind'])}-{int(np.floor(float(event['year']) + 1e-9))}-{c.slug(indicator)}"


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: Labels, formats) -> list[Path]:
    paths: list[Path] = []
    for event, ind, scen in pick(ds, table):
        with c.style():
            fig = draw_event(ds, table, event, ind, scen, labels)
            paths += c.save(fig, out_dir, stem(event, ind), formats)
    return paths
