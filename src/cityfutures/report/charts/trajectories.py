"""Indicator trajectories: the baseline against programmes, small multiples by focus area."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import xarray as xr
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..labels import Labels
from . import _common as c

MAX_HIGHLIGHT = 4   # coloured programmes per panel; the rest are drawn thin and grey
MAX_BUNDLES = 2     # of which at most this many bundles, so that single programmes stay visible
PANELS = 3          # panels per figure, side by side, one legend for the figure under them
EXTRA = ("#882255", "#44AA99", "#999933", "#332288")   # Tol's muted colours, when Okabe-Ito's seven run out


def _highlighted(table: pd.DataFrame, indicator: str, candidates: list[str], limit: int,
                 kinds: dict | None = None) -> list[str]:
    """The programmes that move ``indicator`` most at the end of the horizon (either way), best first."""
    sub = table[(table["indicator"] == indicator) & table["scenario"].isin(candidates)]
    if sub.empty:
        return candidates[:limit]
    moved = sub.drop_duplicates("scenario").set_index("scenario")["improvement_end_pct"].astype(float)
    moved = moved[moved.abs() >= 0.05]   # a programme that does not move the indicator is not highlighted
    order = moved.abs().sort_values(ascending=False, kind="stable").index
    out, bundles = [], 0
    for s in order:
        if kinds and kinds.get(s) == "bundle":
            if bundles >= MAX_BUNDLES:
                continue
            bundles += 1
        out.append(s)
        if len(out) == limit:
            break
    return sorted(out, key=lambda s: -moved[s])


def _colours(per_panel: list[list[str]]) -> dict[str, str]:
    """A colour per highlighted programme, the same in every panel, never shared within a panel."""
    out: dict[str, str] = {}
    for panel in per_panel:
        for s in panel:
            if s in out:
                continue
            taken = {out[o] for p in per_panel if s in p for o in p if o in out}
            free = [col for col in c.SERIES if col not in taken]
            out[s] = free[0] if free else c.SERIES[len(out) % len(c.SERIES)]
    return out


def _figure_colours(union: list[str], kinds: dict) -> dict[str, str]:
    """A colour per highlighted programme, never shared within the figure (eleven colours: Okabe-Ito's seven
    and Tol's muted four), programmes solid and bundles dashed, so that one legend names them all."""
    out: dict[str, str] = {}
    pool = list(c.SERIES) + list(EXTRA)      # one pool: no two lines of a figure share a colour
    for k, s in enumerate(union):
        out[s] = pool.pop(0) if pool else c.SERIES[k % len(c.SERIES)]
    return out


def mark_shocks(ax, events: list[dict], labels: Labels, *, text: bool = True) -> None:
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
                    labels: Labels):
    """One figure: a panel per indicator of ``focus_area`` (side by side); the baseline in black and,
    in each panel, the programmes that move that indicator most in colour; one legend names them all."""
    base = c.baseline_name(ds)
    sc = c.scenario_table(ds).set_index("scenario")
    kinds = sc["kind"].to_dict()
    others = [s for s in sc.index if s != base]
    n = len(indicators)
    limit = MAX_HIGHLIGHT + 2 if n == 1 else MAX_HIGHLIGHT
    shown = [_highlighted(table, ind, others, limit, kinds) for ind in indicators]
    union = list(dict.fromkeys(s for p in shown for s in p))
    colour = _figure_colours(union, kinds) if n > 1 else _colours(shown)
    fig = c.figure()
    axes = fig.subplots(1, n, squeeze=False)[0]
    t = ds["time"].values
    events = [e for e in c.shocks(ds) if e["scenario"] in union + [base]]
    width = 40 if n == 1 else 34 if n == 2 else 29
    for i, ind in enumerate(indicators):
        ax = axes[i]
        grey = [s for s in others if s not in shown[i]]
        for s in grey:
            ax.plot(t, ds[ind].sel(scenario=s).values, color=c.OTHER_COLOR, lw=1.2, zorder=1)
        for s in shown[i]:
            ax.plot(t, ds[ind].sel(scenario=s).values, color=colour[s], lw=2.8,
                    ls="--" if kinds.get(s) == "bundle" else "-", zorder=3)
        ax.plot(t, ds[ind].sel(scenario=base).values, color=c.BASELINE_COLOR, lw=3.5, zorder=4)
        mark_shocks(ax, events, labels, text=True)
        meta = c.indicator_meta(table, ind, ds)
        better = labels.t(f"better.{meta['better']}") if meta["better"] else ""
        # the panel's title fits its width (measured; y labels and gaps take about 9 % of the figure each)
        panel_px = (0.99 / n - (0.09 if n > 1 else 0.3)) * fig.bbox.width
        ttl, tsize = c.fit(fig, labels.variable(ind), panel_px, 19, weight="bold", max_lines=3, min_size=15)
        ax.set_title(ttl, loc="left", pad=22 if events else 10, fontsize=tsize)
        # the unit, and under it the better direction, on the y axis
        ax.set_ylabel(c.wrap(labels.unit(ind), 30) + (f"\n({better.lower()})" if better else ""), fontsize=15)
        c.set_number_format(ax.yaxis, labels.lang)
        ax.margins(x=0)
        ax.set_xlabel(labels.t("axis.year"))
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6 if n < 3 else 4, integer=True))
        if n == 1:
            handles = _handles(labels, [labels.t("baseline")] + [c.wrap(labels.scenario(s), width) for s in shown[i]],
                               [colour[s] for s in shown[i]], [kinds.get(s) for s in shown[i]], bool(grey))
            ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.03, 0.5), frameon=False,
                      title=labels.t("legend.scenarios"), alignment="left")
    rect_bottom = 0.07
    if n > 1:   # one legend for the figure, under the panels, every name in full
        any_grey = any(s not in p for p in shown for s in others)
        rect_bottom = _shared_legend(fig, labels, union, colour, kinds, any_grey)
    fig.suptitle(labels.t("trajectories.title", focus_area=labels.focus_area(focus_area)), x=0.01, ha="left")
    fig.set_layout_engine("constrained", w_pad=0.1, h_pad=0.06, wspace=0.08,
                          rect=(0.0, rect_bottom, 1.0, 1.0 - rect_bottom))
    note = labels.t("trajectories.note") if events else labels.t("trajectories.note_no_shock")
    c.add_footer(fig, ds, labels, note)
    return fig


def _handles(labels: Labels, names: list[str], colours: list[str], kinds: list, grey: bool) -> list:
    handles = [Line2D([], [], color=c.BASELINE_COLOR, lw=3.5, label=names[0])]
    handles += [Line2D([], [], color=col, lw=2.8, ls="--" if k == "bundle" else "-", label=nm)
                for nm, col, k in zip(names[1:], colours, kinds)]
    if grey:
        handles.append(Line2D([], [], color=c.OTHER_COLOR, lw=1.2, label=labels.t("legend.other_programmes")))
    return handles


def _shared_legend(fig, labels: Labels, union: list[str], colour: dict, kinds: dict, grey: bool) -> float:
    """The figure's legend above the note line: as many columns as fit the width, names wrapped to their
    column if need be (never cut). Returns its top (figure fraction), where the panels' room begins."""
    W = fig.bbox.width
    names = [labels.scenario(s) for s in union]
    fs = 15
    for ncols in (3, 2):
        col_px = 0.98 * W / ncols - (2.0 + 0.8 + 2.0) * fs * fig.dpi / 72   # handle, its padding, column gap
        wrapped = [c.fit(fig, nm, col_px, fs, max_lines=2)[0] for nm in names]
        if all(c.text_width(fig, w, fs) <= col_px for w in wrapped):
            break
    handles = _handles(labels, [labels.t("baseline")] + wrapped, [colour[s] for s in union],
                       [kinds.get(s) for s in union], grey)
    leg = fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.01, 0.075), ncols=ncols, frameon=False,
                     fontsize=fs, borderaxespad=0, handlelength=2.0, columnspacing=2.0)
    fig.draw_without_rendering()
    return leg.get_window_extent().y1 / fig.bbox.height + 0.01


def draw(ds: xr.Dataset, table: pd.DataFrame, out_dir: Path, labels: Labels, formats) -> list[Path]:
    """One figure per focus area with indicators; returns the written paths."""
    inds = c.indicators(ds, table)
    groups: dict = {}
    for ind in inds:
        groups.setdefault(c.indicator_meta(table, ind, ds)["focus_area"], []).append(ind)
    paths: list[Path] = []
    for fa in labels.focus_order(groups):
        members = groups[fa]
        # at most three panels per figure: more would not read from the back of the room
        for part in range(0, len(members), PANELS):
            chunk = members[part:part + PANELS]
            with c.style():
                fig = draw_focus_area(ds, table, fa, chunk, labels)
                suffix = "" if len(members) <= PANELS else f"-{part // PANELS + 1}"
                paths += c.save(fig, out_dir, f"trajectories-{c.slug(fa or 'other')}{suffix}", formats)
    return paths
