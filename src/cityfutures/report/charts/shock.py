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
from ...analysis.compare import reference_of
from .. import numbers
from ..labels import Labels
from . import _common as c
from .trajectories import mark_shocks

MAX_INDICATORS = 3   # figures per shock: the indicators the shock hits hardest
MAX_PANELS = 3       # programmes compared with the baseline, side by side
LEVEL = 0.95         # recovered: back to 95 % of the pre-shock level (metrics.recovery_time's default)
PULSE_YEARS = 1.5    # a rate back within 5 % of its level this soon after the shock is drawn as a running total


@dataclass(frozen=True)
class Triangle:
    level: float | np.ndarray  # pre-shock level, or the run without the shock at each time [indicator units]
    loss: np.ndarray           # >= 0 where the curve is worse than the level (from the shock on)
    peak: float                # the largest loss [indicator units]
    area: float                # lost area [indicator units x Year]
    recovery_time: float       # years from shock to recovery; nan if not recovered in the horizon
    base: float = float("nan")  # the level when the shock strikes (the scale of a loss)


def triangle(t: np.ndarray, y: np.ndarray, year: float, better: str, reference=None) -> Triangle:
    """The resilience triangle of curve ``y`` for a shock at ``year`` (definitions of metrics.py), against
    the level before the shock, or against ``reference`` (the same run without the shock) when given."""
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    da = xr.DataArray(y, dims="time", coords={"time": t})
    ref = None if reference is None else xr.DataArray(np.asarray(reference, float), dims="time", coords={"time": t})
    level, loss = metrics.loss_curve(t, y, year, better, None if ref is None else ref.values)
    if ref is None and not np.isfinite(level):   # no time saved before the shock: the first value stands for it
        level = float(y[0])
        loss = np.where(t >= year - 1e-9, np.clip(metrics.improvement(level - y, better), 0, None), 0.0)
    peak = float(metrics.peak_loss(da, year, better, reference=ref))
    area = float(metrics.loss_area(da, year, better, reference=ref)) if np.nanmax(loss) > 0 else 0.0
    area = area if np.isfinite(area) else float(np.trapezoid(loss, t))
    rec = float(metrics.recovery_time(da, year, better, level=LEVEL, reference=ref))
    at = int(np.searchsorted(t, year - 1e-9))
    base = float(np.atleast_1d(level)[min(at, len(t) - 1)] if np.ndim(level) else level)
    return Triangle(level, loss, peak if np.isfinite(peak) else 0.0, area, rec, base)


def _reference(ds: xr.Dataset, indicator: str, scenario: str):
    ref = reference_of(ds, indicator, scenario)
    return None if ref is None else np.asarray(ref.values, float)


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
            tri = triangle(t, ds[ind].sel(scenario=ref_s).values, ev["year"], better, _reference(ds, ind, ref_s))
            scale = abs(tri.base) or 1.0
            if tri.peak / scale > 0.02:
                hits.append((tri.peak / scale, ind, better, tri))
        hits.sort(key=lambda h: -h[0])
        for _rel, ind, better, _tri in hits[:MAX_INDICATORS]:
            cands = [s for s in ev["scenarios"] if s != ref_s] or [s for s in ds["scenario"].values if s != ref_s]
            scored = sorted(cands, key=lambda s: triangle(t, ds[ind].sel(scenario=s).values, ev["year"], better,
                                                          _reference(ds, ind, s)).area)
            out.append((ev, ind, [ref_s] + [str(s) for s in scored[:MAX_PANELS]]))
    return out


def is_pulse(ds: xr.Dataset, indicator: str, tri: Triangle) -> bool:
    """Whether ``indicator`` is a flow (a rate per year) whose shock response is a short pulse.

    A pulse of a few weeks (people affected by floods: millions per year for a quarter of a
    year; recovered within :data:`PULSE_YEARS`) reads as a needle on a ten-year axis: its size is its
    area, not its height. Such a
    flow is drawn as its running total since the window's start, where the shock is a step
    whose height is the number of people (or tonnes) the shock added.
    """
    units = str(ds[indicator].attrs.get("units", "")).replace(" ", "").lower()
    is_rate = units.endswith("/year") or units.endswith("/years")
    return bool(is_rate and tri.peak > 0 and np.isfinite(tri.recovery_time) and tri.recovery_time <= PULSE_YEARS)


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
    return labels.t("recovery_time", years=numbers.fixed(tri.recovery_time, 1, labels.lang))


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
    tri_b = triangle(t, yb, year, better, _reference(ds, indicator, ref_s))
    pulse = is_pulse(ds, indicator, tri_b)
    unit = labels.unit(indicator)
    lang = labels.lang
    for ax, s in zip(axes, progs):
        ys = ds[indicator].sel(scenario=s).values
        tri_s = triangle(t, ys, year, better, _reference(ds, indicator, s))
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
                              unit=labels.cumulative_unit(indicator))
                     for (_n, tri, _col), yy in zip(lines, (yb, ys))]
            ax.set_ylim(bottom=0)
        else:
            _level(ax, t, win, tri_b.level, "#666666")
            ax.fill_between(t[after], yb[after], _at(tri_b.level, after), where=tri_b.loss[after] > 0,
                            color=c.WORSE_COLOR,
                            alpha=0.25, lw=0, zorder=1, interpolate=True)
            ax.plot(t[win], yb[win], color=c.BASELINE_COLOR, lw=3.2, zorder=4)
            if s != ref_s:
                _level(ax, t, win, tri_s.level, c.BETTER_COLOR)
                ax.fill_between(t[after], ys[after], _at(tri_s.level, after), where=tri_s.loss[after] > 0,
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
                       unit=labels.cumulative_unit(indicator)) if pulse
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
        handles += [Line2D([], [], color="#666666", lw=1.5, ls=":",
                           label=labels.t("shock.reference_run" if np.ndim(tri_b.level) else "shock.reference")),
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
    fig.draw_without_rendering()
    # the y label (with the tick labels) must not leave the figure: widen the left margin if it does
    bb = axes[0].get_tightbbox(fig.canvas.get_renderer())
    if bb.x0 < 4:
        left = 0.1 + (4 - bb.x0) / fig.bbox.width
        fig.subplots_adjust(left=left)
    note = (labels.t("shock.note_pulse", shock=labels.shock(event["kind"])) if pulse
            else labels.t("shock.note_run" if np.ndim(tri_b.level) else "shock.note",
                          better=labels.t(f"better.{better}").lower()))
    c.add_footer(fig, ds, labels, note)
    return fig


def _level(ax, t, win, level, color) -> None:
    """The level a loss is measured against: a flat line at the level before the shock, or the run
    without the shock."""
    if np.ndim(level):
        ax.plot(t[win], np.asarray(level)[win], color=color, lw=1.5, ls=":", zorder=2)
    else:
        ax.hlines(level, float(t[win][0]), float(t[-1]), color=color, lw=1.5, ls=":", zorder=2)


def _at(level, mask):
    return np.asarray(level)[mask] if np.ndim(level) else level


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


MAX_TOLLS = 3   # panels of the losses chart: the first yearly rates (in the comparison's order) the shock hits


def tolls(table: pd.DataFrame) -> pd.DataFrame:
    """The shock's toll per run and indicator: the loss area of every yearly-rate indicator the shock hits
    (deaths, people affected, damage a year: the loss area counts them), and its change against the baseline."""
    t = table[table["loss_area"].notna()]
    rated = [i for i in t["indicator"].unique() if metrics.is_rate(t.loc[t.indicator == i, "units"].iloc[0])]
    base = t[(t["kind"] == "baseline") & t["indicator"].isin(rated) & (t["loss_area"] > 0)]
    order = base["indicator"].tolist()[:MAX_TOLLS]          # in the comparison's order
    return t[t["indicator"].isin(order)].assign(_o=lambda d: d["indicator"].map(order.index)).sort_values(
        ["_o", "loss_area"]).drop(columns="_o")


def draw_losses(ds: xr.Dataset, table: pd.DataFrame, labels: Labels):
    """The shock's toll with each programme: one panel per yearly rate the shock hits (deaths, people affected
    ...), a bar per run for what the shock costs in it, the baseline's bar in black, fewest losses at the top."""
    tl = tolls(table)
    inds = list(dict.fromkeys(tl["indicator"]))
    # one order of the runs in every panel: by the first panel's toll, fewest losses at the top
    order = tl[tl["indicator"] == inds[0]].sort_values("loss_area", ascending=False)["scenario"].tolist()
    fig = c.figure()
    W = fig.bbox.width
    fs_name = 13 if len(order) <= 14 else 12
    names = [labels.scenario(sc) for sc in order]
    room = float(np.clip(max(c.text_width(fig, nm, fs_name) for nm in names) / W + 0.03, 0.15, 0.32))
    names = [c.shorten_px(fig, nm, (room - 0.03) * W, fs_name) for nm in names]
    axes = fig.subplots(1, len(inds), squeeze=False, sharey=False)[0]
    fig.subplots_adjust(left=room, right=0.985, top=0.78, bottom=0.2, wspace=0.1)
    lang = labels.lang
    for k, (ax, ind) in enumerate(zip(axes, inds)):
        rows = tl[tl["indicator"] == ind].set_index("scenario").reindex(order).reset_index()
        y = np.arange(len(rows))
        colors = [c.BASELINE_COLOR if kd == "baseline" else c.BETTER_COLOR if ch < 0 else c.WORSE_COLOR
                  for kd, ch in zip(rows["kind"], rows["loss_area_change"])]
        ax.barh(y, rows["loss_area"], color=colors, height=0.7)
        ax.set_yticks(y)
        ax.set_yticklabels([] if k else names, fontsize=fs_name)
        ax.grid(axis="y", visible=False)
        span = float(rows["loss_area"].max()) or 1.0
        for yi, (v, ch, kd) in enumerate(zip(rows["loss_area"], rows["loss_area_change"], rows["kind"])):
            text = numbers.number(v, lang) + ("" if kd == "baseline" or not np.isfinite(ch)
                                                else f" ({numbers.signed_number(ch, lang)})")
            ax.text(v + 0.02 * span, yi, text, va="center", ha="left", fontsize=11)
        ax.set_xlim(0, 1.8 * span)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        c.set_number_format(ax.xaxis, lang)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
        title, size = c.fit(fig, labels.variable(ind), ax.get_position().width * W, 16,
                            weight="bold", max_lines=2, min_size=12)
        ax.set_title(title, fontsize=size, loc="left")
        ax.set_xlabel(c.fit(fig, labels.cumulative_unit(ind), ax.get_position().width * W, 14, max_lines=2,
                            min_size=11)[0], fontsize=14)
    events = _events(ds)
    ev = events[0] if events else {"kind": "", "year": float(ds["time"].values[0])}
    fig.suptitle(labels.t("losses.title", shock=labels.shock(ev["kind"]) if ev["kind"] else "",
                          year=str(int(ev["year"]))), x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.905, c.fit(fig, labels.t("losses.subtitle"), 0.97 * W, 15, max_lines=2, min_size=13)[0],
             fontsize=15, ha="left", va="top", color="#333333")
    handles = [Patch(color=c.BASELINE_COLOR, label=labels.t("baseline")),
               Patch(color=c.BETTER_COLOR, label=labels.t("losses.fewer")),
               Patch(color=c.WORSE_COLOR, label=labels.t("losses.more"))]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.035), ncols=3, frameon=False, fontsize=13)
    c.add_footer(fig, ds, labels, None)
    return fig


def has_losses(table: pd.DataFrame) -> bool:
    """Whether the comparison has a shock toll to chart (programmes against a shocked baseline)."""
    return "loss_area" in table and bool(len(tolls(table))) and bool((table["kind"] != "baseline").any())


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: Labels, formats,
         keep: dict | None = None, parts: tuple = ("losses", "events")) -> list[Path]:
    """The shock's toll (``losses``: one chart, kept in ``keep`` when given) and the resilience triangle of
    each notable event (``events``)."""
    paths: list[Path] = []
    if "losses" in parts and has_losses(table):
        with c.style():
            paths += c.save(draw_losses(ds, table, labels), out_dir, "shock-losses", formats, keep=keep)
    for event, ind, scen in (pick(ds, table) if "events" in parts else ()):
        with c.style():
            fig = draw_event(ds, table, event, ind, scen, labels)
            paths += c.save(fig, out_dir, stem(event, ind), formats)
    return paths
