"""Loop dominance of one indicator: its course over time, and which loops drove it in each period.

Top: the indicator in the run. Bottom: per period, the mean relative loop score of the
loops that matter for it (Loops That Matter), stacked above zero for loops that reinforced
its change and below zero for loops that balanced it; the loops that lead most often are
coloured, the rest grey; the period's dominant loops are outlined.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
from matplotlib.patches import Patch, Rectangle

from .. import numbers
from ..i18n import check_lang, t
from . import _common as c

__all__ = ["draw_loop_dominance", "draw_overview", "save_loop_dominance", "TOP_LOOPS"]

TOP_LOOPS = 6
"""Loops shown in colour (the others are one grey 'other loops' bar)."""


def _tr(key: str, lang: str, **fmt) -> str:
    return t(key, lang, catalog="checks", **fmt)


def _unit(result, indicator: str, lang: str) -> str:
    label = result.unit_label(indicator, lang)
    if label:
        return label
    units = result.units.get(indicator, "")
    if units.strip().lower() in ("", "dmnl", "1", "dimensionless"):
        return _tr("unit.dimensionless", lang)
    return units


def _chosen(result, indicator: str, top: int) -> list[int]:
    """Indices of the loops drawn in colour: the largest mean shares over the periods."""
    rows = result.table[result.table["indicator"] == indicator]
    if rows.empty:
        return []
    best = rows.assign(a=rows["share"].abs()).groupby("loop")["a"].max().sort_values(ascending=False)
    ids = [lp.id for lp in result.loops]
    return [ids.index(i) for i in best.index[:top]]


def draw_loop_dominance(result, indicator: str, lang: str = "en", *, top: int = TOP_LOOPS):
    """The loop-dominance figure of ``indicator`` (a matplotlib Figure, not saved).

    Parameters
    ----------
    result : LoopDominance
        From :func:`cityfutures.analysis.loops.loop_dominance` (the chart draws from it only).
    indicator : str
        One of the result's indicators.
    lang : {"en", "id"}
    top : int
        Loops drawn in colour.
    """
    check_lang(lang)
    chosen = _chosen(result, indicator, top)
    periods = result.periods
    mids = np.array([(a + b) / 2 for a, b in periods])
    width = 0.8 * min(b - a for a, b in periods)
    means = result.period_shares(indicator)
    rows = result.table[result.table["indicator"] == indicator]
    dominant = {(r.period_start, r.loop) for r in rows.itertuples() if r.dominant}
    with c.style():
        fig = c.figure()
        title = _tr("loops.title", lang, indicator=result.label(indicator, lang))
        tt, ts = c.fit(fig, title, 0.94 * fig.bbox.width, 26, max_lines=2, min_size=20)
        fig.suptitle(tt, x=0.03, ha="left", y=0.975, fontsize=ts)
        ax_v = fig.add_axes([0.1, 0.66, 0.52, 0.2])
        ax = fig.add_axes([0.1, 0.17, 0.52, 0.45], sharex=ax_v)
        ax_v.plot(result.all_times, result.values[indicator], color="#000000", lw=2.5)
        ax_v.set_title(_unit(result, indicator, lang), loc="left", fontsize=15, fontweight="normal")  # wide ticks
        c.set_number_format(ax_v.yaxis, lang)
        ax_v.tick_params(labelbottom=False)
        for a, _b in periods[1:]:
            ax_v.axvline(a, color="#DDDDDD", lw=1)
        colors = [col for col in c.OKABE_ITO if col != "#000000"]
        up, down = np.zeros(len(periods)), np.zeros(len(periods))
        handles = []
        for k, i in enumerate(chosen):
            lp = result.loops[i]
            vals = 100 * means[i]
            bottoms = np.where(vals >= 0, up, down)
            edge = ["#000000" if (a, lp.id) in dominant else "white" for a, _b in periods]
            lw = [2.2 if e == "#000000" else 0.8 for e in edge]
            ax.bar(mids, vals, width=width, bottom=bottoms, color=colors[k % len(colors)], edgecolor=edge,
                   linewidth=lw)
            handles.append((Patch(facecolor=colors[k % len(colors)]),
                            f"{lp.name}: {lp.label_en if lang == 'en' else lp.label_id}"))
            up += np.where(vals >= 0, vals, 0)
            down += np.where(vals < 0, vals, 0)
        rest = [i for i in range(means.shape[0]) if i not in chosen]
        if rest:
            other = 100 * means[rest]
            pos, neg = np.where(other > 0, other, 0).sum(0), np.where(other < 0, other, 0).sum(0)
            ax.bar(mids, pos, width=width, bottom=up, color=c.OTHER_COLOR, edgecolor="white",
                   linewidth=np.where(pos > 0, 0.8, 0.0))
            ax.bar(mids, neg, width=width, bottom=down, color=c.OTHER_COLOR, edgecolor="white",
                   linewidth=np.where(neg < 0, 0.8, 0.0))
            if np.abs(other).sum() > 0:
                handles.append((Patch(facecolor=c.OTHER_COLOR), _tr("loops.other", lang)))
        ax.axhline(0, color="#000000", lw=1.2)
        ax.set_ylim(-105, 105)
        ax.set_ylabel(c.wrap(_tr("loops.share_axis", lang), 24), fontsize=15)
        tu = (result.time_units or "Year").strip()
        ax.set_xlabel(t("axis.year", lang) if tu.lower() in ("year", "years") else tu)
        c.set_number_format(ax.yaxis, lang)
        ax.text(0.005, 0.98, "R ↑ " + _tr("loops.reinforcing", lang), transform=ax.transAxes, fontsize=13,
                va="top", color="#333333")
        ax.text(0.005, 0.02, "B ↓ " + _tr("loops.balancing", lang), transform=ax.transAxes, fontsize=13,
                va="bottom", color="#333333")
        ax.set_xlim(result.all_times[0], result.all_times[-1])
        room = 0.34 * fig.bbox.width
        labels = [_lines(fig, text, room - 50, 12, 3) for _h, text in handles]
        if handles:
            fig.legend([h for h, _ in handles], labels, loc="upper left", bbox_to_anchor=(0.645, 0.89),
                       frameon=False, fontsize=12, title=_tr("loops.legend", lang), title_fontsize=13,
                       alignment="left", labelspacing=0.9)
        _footnotes(fig, result, lang, "loops.note", 13, 0.045)
    return fig


def _footnotes(fig, result, lang: str, note_key: str, size: float, y: float) -> None:
    """The chart's note (at height ``y``) and the provenance footer: source, model and its hash, date."""
    note, ns = c.fit(fig, _tr(note_key, lang), 0.94 * fig.bbox.width, size, max_lines=2, min_size=size - 2)
    fig.text(0.01, y, note, fontsize=ns, color="#333333", ha="left", va="bottom")
    footer = _tr("loops.footer", lang, source=result.source, model=result.model_name,
                 sha=result.model_sha256[:12], today=date.today().isoformat())
    fig.text(0.01, 0.008, footer, fontsize=11, color="#555555", ha="left", va="bottom")


def save_loop_dominance(result, out_dir: str | Path, lang: str = "en", *, indicators=None,
                        formats=("png", "svg"), top: int = TOP_LOOPS, overview: bool | None = None) -> list[Path]:
    """Draw and save one figure per indicator as ``loops-<indicator>-<lang>.<fmt>`` and, for
    several indicators, the overview ``loops-overview-<lang>.<fmt>``; returns the paths."""
    paths = []
    chosen = indicators or result.indicators
    for ind in chosen:
        fig = draw_loop_dominance(result, ind, lang, top=top)
        paths += c.save(fig, Path(out_dir), f"loops-{c.slug(ind)}-{lang}", formats)
    if overview if overview is not None else len(result.indicators) > 1:
        paths += c.save(draw_overview(result, lang), Path(out_dir), f"loops-overview-{lang}", formats)
    return paths


def draw_overview(result, lang: str = "en", *, top: int = 8):
    """Every indicator's dominant loop in every period, as one table of coloured cells.

    Rows are the result's indicators, columns its periods; a cell names the loop with the
    largest mean share of the indicator's change in that period (R reinforcing, B balancing)
    and its share. The ``top`` loops that lead most often have a colour and a legend entry.
    """
    check_lang(lang)
    names = result.indicators
    periods = result.periods
    table = result.table[result.table["rank"] == 1]
    lead = {(r.indicator, r.period_start): r for r in table.itertuples()}
    counts = table["loop"].value_counts()
    coloured = list(counts.index[:top])
    colors = [col for col in c.OKABE_ITO if col != "#000000"] + ["#999933", "#882255", "#44AA99"]
    by_id = {lp.id: lp for lp in result.loops}
    with c.style():
        fig = c.figure()
        title = _tr("loops.overview_title", lang, source=result.source)
        fig.suptitle(title, x=0.03, ha="left", y=0.975, fontsize=24)
        left, width = 0.2, 0.5
        ax = fig.add_axes([left, 0.15, width, 0.76])
        n, m = len(names), len(periods)
        for i, ind in enumerate(names):
            for j, (a, _b) in enumerate(periods):
                row = lead.get((ind, a))
                color = "#F4F4F4"
                text = ""
                if row is not None:
                    k = coloured.index(row.loop) if row.loop in coloured else None
                    color = colors[k % len(colors)] if k is not None else "#DDDDDD"
                    text = f"{row.name}\n{numbers.percent(100 * row.share, lang)} %"
                ax.add_patch(Rectangle((j, n - 1 - i), 0.96, 0.92, facecolor=color, edgecolor="white"))
                ax.text(j + 0.48, n - 1 - i + 0.46, text, ha="center", va="center", fontsize=8 if n > 16 else 10,
                        color="#000000", linespacing=0.95)
        ax.set_xlim(0, m)
        ax.set_ylim(0, n)
        ax.set_xticks([j + 0.48 for j in range(m)])
        ax.set_xticklabels([numbers.year(a) for a, _b in periods], fontsize=12)
        ax.set_yticks([n - 1 - i + 0.46 for i in range(n)])
        room = left * fig.bbox.width - 16
        ax.set_yticklabels([c.shorten_px(fig, result.label(ind, lang), room, 11) for ind in names], fontsize=11)
        ax.tick_params(length=0)
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(_tr("loops.period_axis", lang), fontsize=14)
        handles, labels = [], []
        legend_room = (1 - left - width - 0.03) * fig.bbox.width
        for k, lid in enumerate(coloured):
            lp = by_id[lid]
            handles.append(Patch(facecolor=colors[k % len(colors)]))
            desc = lp.label_en if lang == "en" else lp.label_id
            labels.append(_lines(fig, f"{lp.name}: {desc}", legend_room - 90, 11, 3))
        handles.append(Patch(facecolor="#DDDDDD"))
        labels.append(_tr("loops.other", lang))
        fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(left + width + 0.02, 0.9), frameon=False,
                   fontsize=11, title=_tr("loops.legend", lang), title_fontsize=12, alignment="left",
                   labelspacing=0.8)
        _footnotes(fig, result, lang, "loops.overview_note", 12, 0.035)
    return fig


def _lines(fig, text: str, width_px: float, size: float, max_lines: int) -> str:
    """``text`` wrapped at word boundaries into at most ``max_lines`` lines of ``width_px``, the last cut with '…'."""
    words, lines, current = text.split(" "), [], ""
    for word in words:
        cand = (current + " " + word).strip()
        if current and c.text_width(fig, cand, size) > width_px:
            lines.append(current)
            current = word
        else:
            current = cand
    lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = c.shorten_px(fig, lines[-1] + " …", width_px, size)
    return "\n".join(lines)
