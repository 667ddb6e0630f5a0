"""Charts of the portfolio search: the Pareto front with the chosen points named, the budget staircase of
added programmes, the members-by-budget matrix (and one front per focus area).

Drawn from a :class:`~cityfutures.analysis.portfolio.PortfolioResult` only; never runs a model.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_pdf import PdfPages

from ...analysis.portfolio import PortfolioResult
from ...files import atomic_write
from .. import numbers
from ..i18n import t
from ..labels import Labels
from ._common import (
    BASELINE_COLOR,
    OTHER_COLOR,
    SERIES,
    figure,
    save,
    set_number_format,
    shorten,
    shorten_px,
    style,
    text_width,
)

__all__ = ["draw_portfolio", "front_chart", "staircase_chart", "matrix_chart", "area_fronts_chart", "answer_page",
           "write_pdf", "kind_text", "search_line"]


def _t(key: str, lang: str, **fmt) -> str:
    return t(key, lang, "portfolio", **fmt)


def _footer(fig, result: PortfolioResult, labels: Labels) -> None:
    a = result.results.attrs
    comparison = a.get(f"comparison_title_{labels.lang}") or result.meta["comparison"]
    text = _t("footer", labels.lang, comparison=comparison, model=a.get("model_name", "?"),
              sha=str(a.get("model_sha256", ""))[:12], search=_t(f"search_{result.meta['search']}", labels.lang))
    fig.text(0.01, 0.01, text, fontsize=11, color="#555555", ha="left", va="bottom")


def _kind(result: PortfolioResult, lang: str) -> str:
    return _t(f"kind_{result.meta['budget_kind']}_short", lang)


def front_chart(result: PortfolioResult, lang: str = "en"):
    """Cost against score: the front's portfolios, each budget's choice named by what it adds."""
    labels = Labels(result.results, lang)
    with style():
        fig = figure()
        ax = fig.add_axes([0.08, 0.12, 0.62, 0.78])
        tab = result.table.sort_values("cost_idr_bn")
        front = tab[tab["on_front"]]
        ax.step(front["cost_idr_bn"], front["score"], where="post", color=OTHER_COLOR, lw=1.5, zorder=1)
        ax.scatter(front["cost_idr_bn"], front["score"], s=30, color=SERIES[0], zorder=2,
                   label=_t("front_points", lang))
        if "score_p05" in tab:
            ax.vlines(front["cost_idr_bn"], front["score_p05"], front["score_p95"], color=SERIES[0], alpha=0.35, lw=2,
                      label=_t("interval", lang, n=result.meta["futures"]))
        curve = result.curve[result.curve["members"] != ""]
        side = []
        for j, (_, row) in enumerate(curve.iterrows()):
            color = SERIES[(j + 1) % len(SERIES)]
            ax.scatter([row["cost_idr_bn"]], [row["score"]], s=160, color=color, edgecolor=BASELINE_COLOR, zorder=3)
            ax.annotate(str(j + 1), (row["cost_idr_bn"], row["score"]), xytext=(8, -18), textcoords="offset points",
                        fontsize=15, fontweight="bold", color=color)
            change = [f"+{shorten(result.title(n, lang), 30)}" for n in row["added"].split("+") if n]
            change += [f"\u2212{shorten(result.title(n, lang), 30)}" for n in row["dropped"].split("+") if n]
            side.append((color, f"{j + 1}. " + _t("chosen", lang, budget=numbers.number(row["budget_idr_bn"], lang)),
                         _t("side_line", lang, score=numbers.number(row["score"], lang), n=int(row["n_members"]),
                            synergy=numbers.signed_number(row["synergy"], lang)), "; ".join(change)))
        y = 0.9
        for color, head, sub, body in side:
            fig.text(0.72, y, head, fontsize=14, fontweight="bold", color=color, va="top")
            fig.text(0.72, y - 0.03, sub, fontsize=12, va="top")
            lines = _wrap(body, 50).split("\n")
            wrapped = "\n".join(lines[:4] + (["..."] if len(lines) > 4 else []))
            fig.text(0.72, y - 0.058, wrapped, fontsize=11, va="top", color="#333333")
            y -= 0.09 + 0.021 * wrapped.count("\n")
        ax.set_xlabel(_t("cost_axis", lang, kind=_kind(result, lang)))
        ax.set_ylabel(_t("score_axis", lang))
        ax.set_title(_t("front_title", lang), loc="left")
        set_number_format(ax.xaxis, lang)
        set_number_format(ax.yaxis, lang)
        ax.legend(loc="lower right")
        fig.text(0.01, 0.04, _t("synergy_note", lang), fontsize=12, color="#333333")
        _footer(fig, result, labels)
    return fig


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or "-"


def staircase_chart(result: PortfolioResult, lang: str = "en"):
    """The best score at each budget as a staircase; each step labelled with what it adds (+) or drops (-)."""
    labels = Labels(result.results, lang)
    curve = result.curve[result.curve["members"] != ""].reset_index(drop=True)
    with style():
        fig = figure()
        ax = fig.add_axes([0.08, 0.14, 0.88, 0.76])
        x = np.arange(len(curve))
        ax.bar(x, curve["score"], color=SERIES[0], width=0.6)
        if "score_p05" in curve:
            ax.errorbar(x, curve["score"], fmt="none",
                        yerr=[curve["score"] - curve["score_p05"], curve["score_p95"] - curve["score"]],
                        ecolor=BASELINE_COLOR, capsize=6, lw=1.5)
        top = float(np.nanmax(curve[["score", "score_p95"] if "score_p95" in curve else ["score"]].to_numpy())) \
            if len(curve) else 1.0
        ax.set_axisbelow(True)   # grid lines behind the bars
        col_px = 0.92 * 0.88 * fig.bbox.width / max(len(curve), 1)   # most of one step's column

        def item(sign: str, name: str) -> str:   # a programme on up to two lines, the second indented
            words, first = result.title(name, lang).split(), f"{sign}"
            while words and text_width(fig, f"{first} {words[0]}", 10.5) <= col_px:
                first += f" {words.pop(0)}"
            if first == sign:           # one word wider than the column
                first += " " + shorten_px(fig, words.pop(0), col_px, 10.5)
            rest = shorten_px(fig, " ".join(words), col_px, 10.5) if words else ""
            return first + (f"\n{rest}" if rest else "")

        for i, row in curve.iterrows():
            parts = [item("+", n) for n in row["added"].split("+") if n]
            parts += [item("\u2212", n) for n in row["dropped"].split("+") if n]
            above = max(row["score"], row.get("score_p95", row["score"]))
            ax.text(i, above + 0.02 * top, "\n".join(parts[:9] + (["..."] if len(parts) > 9 else [])),
                    ha="center", va="bottom", fontsize=10.5)
        ax.set_xticks(x, [numbers.number(b, lang) for b in curve["budget_idr_bn"]])
        ax.set_ylim(0, top * 1.45 if top > 0 else 1)
        ax.set_xlabel(_t("budget_axis", lang))
        ax.set_ylabel(_t("score_axis", lang))
        ax.set_title(_t("staircase_title", lang), loc="left")
        set_number_format(ax.yaxis, lang)
        fig.text(0.01, 0.04, _t("staircase_note", lang), fontsize=12, color="#333333")
        _footer(fig, result, labels)
    return fig


def matrix_chart(result: PortfolioResult, lang: str = "en"):
    """Programmes (rows, by focus area) by budget (columns): filled where the best portfolio holds it."""
    labels = Labels(result.results, lang)
    curve = result.curve.reset_index(drop=True)
    order = sorted(range(len(result.names)), key=lambda i: (labels.focus_order(result.focus_areas).index(
        result.focus_areas[i]) if result.focus_areas[i] in result.focus_areas else 99, i))
    with style():
        fig = figure()
        ax = fig.add_axes([0.40, 0.12, 0.56, 0.78])
        for c, (_, row) in enumerate(curve.iterrows()):
            members = set(row["members"].split("+")) if row["members"] else set()
            for r, i in enumerate(order):
                on = result.names[i] in members
                ax.scatter([c], [r], s=260 if on else 60, marker="s",
                           color=labels.focus_color(result.focus_areas[i]) if on else "#EEEEEE",
                           edgecolor="#999999" if not on else BASELINE_COLOR, lw=0.8)
            ax.text(c, len(order) + 0.2, numbers.number(row["score"], lang), ha="center", va="center", fontsize=13,
                    fontweight="bold")
        name_px = 0.39 * fig.bbox.width - 14   # the room left of the axes, at the tick labels' 15 pt
        ax.set_yticks(list(range(len(order))) + [len(order) + 0.2],
                      [shorten_px(fig, result.title(result.names[i], lang), name_px, 15) for i in order]
                      + [_t("score_row", lang)])
        ax.set_xticks(range(len(curve)), [numbers.number(b, lang) for b in curve["budget_idr_bn"]])
        ax.set_xlim(-0.6, len(curve) - 0.4)
        ax.set_ylim(len(order) + 0.8, -0.8)
        ax.grid(False)
        ax.set_xlabel(_t("budget_axis", lang))
        ax.set_title(_t("matrix_title", lang), loc="left")
        fig.text(0.01, 0.04, _t("matrix_note", lang), fontsize=12, color="#333333")
        _footer(fig, result, labels)
    return fig


def area_fronts_chart(result: PortfolioResult, lang: str = "en"):
    """One panel per focus area: cost against that area's score, its own front."""
    labels = Labels(result.results, lang)
    areas = result.meta["areas"]
    with style():
        fig = figure()
        cols = min(3, len(areas))
        rows = int(np.ceil(len(areas) / cols))
        tab = result.table
        for k, fa in enumerate(areas):
            ax = fig.add_subplot(rows, cols, k + 1)
            on = tab[tab[f"front_{fa}"]].sort_values("cost_idr_bn")
            ax.scatter(tab["cost_idr_bn"], tab[f"score_{fa}"], s=10, color=OTHER_COLOR,
                       label=_t("evaluated_points", lang))
            ax.step(on["cost_idr_bn"], on[f"score_{fa}"], where="post", color=labels.focus_color(fa), lw=2,
                    label=_t("front_points", lang))
            ax.set_title(shorten(labels.focus_area(fa), 40), loc="left", fontsize=15)
            set_number_format(ax.xaxis, lang)
            set_number_format(ax.yaxis, lang)
            ax.tick_params(labelsize=11)
        fig.supxlabel(_t("cost_axis", lang, kind=_kind(result, lang)), fontsize=15, y=0.045)
        fig.supylabel(_t("area_score_axis", lang), fontsize=15)
        fig.tight_layout(rect=(0.02, 0.07, 1, 1))
        _footer(fig, result, labels)
    return fig


def kind_text(result: PortfolioResult, lang: str) -> str:
    """What the budget counts, in words (present value at the rate, or capex)."""
    if result.meta["budget_kind"] == "pv":
        return _t("kind_pv", lang, rate=numbers.percent(100 * result.meta["discount_rate"], lang) + " %")
    return _t("kind_capex", lang)


def search_line(result: PortfolioResult, lang: str) -> str:
    """How the search went: exhaustive or evolutionary, portfolios simulated, seconds, what the budget counts."""
    m = result.meta
    return _t("search_line", lang, search=_t(f"search_{m['search']}", lang),
              evaluated=numbers.number(m["evaluated"], lang), space=numbers.number(m["portfolios"], lang),
              candidates=m["candidates"], seconds=numbers.number(m["seconds"], lang, 2), kind=kind_text(result, lang))


def answer_page(result: PortfolioResult, lang: str = "en"):
    """The brief's page: the best portfolio at each budget, with cost, score, synergy and interval."""
    labels = Labels(result.results, lang)
    with style():
        fig = figure()
        fig.text(0.03, 0.95, _t("brief_title", lang), fontsize=26, fontweight="bold", va="top")
        fig.text(0.03, 0.89, _wrap(search_line(result, lang), 125), fontsize=13.5, va="top", color="#333333")
        cols = [(0.03, "budget_axis"), (0.17, "members_head"), (0.64, "cost_head"), (0.76, "score_head"),
                (0.89, "synergy_head")]
        y = 0.80
        for x, key in cols:
            fig.text(x, y, _t(key, lang), fontsize=13, fontweight="bold", va="top")
        y -= 0.045
        futures = bool(result.meta.get("futures"))
        for _, row in result.curve.iterrows():
            names = [result.title(n, lang) for n in row["members"].split("+") if n]
            text = _wrap("; ".join(names) or _t("none_fits", lang), 70)
            lines = text.count("\n") + 1
            fig.text(0.03, y, numbers.number(row["budget_idr_bn"], lang), fontsize=13, va="top", fontweight="bold")
            fig.text(0.17, y, text, fontsize=12, va="top")
            if names:
                fig.text(0.64, y, numbers.number(row["cost_idr_bn"], lang), fontsize=13, va="top")
                score = numbers.number(row["score"], lang)
                if futures:
                    score += "\n" + numbers.interval(row["score_p05"], row["score_p95"], lang)
                fig.text(0.76, y, score, fontsize=13, va="top")
                fig.text(0.89, y, numbers.signed_number(row["synergy"], lang), fontsize=13, va="top")
            y -= 0.022 * max(lines, 2 if futures else 1) + 0.025
        fig.text(0.03, 0.06, _t("synergy_note", lang), fontsize=12, color="#333333")
        _footer(fig, result, labels)
    return fig


def write_pdf(result: PortfolioResult, path: str | Path, *, lang: str = "en") -> Path:
    """``portfolio-brief.pdf``: the answer page and every portfolio chart, atomically."""
    def write(tmp):
        figs = [answer_page(result, lang)] + [draw(result, lang) for draw in CHARTS.values()]
        with PdfPages(tmp, metadata={"Title": _t("brief_title", lang), "Creator": "cityfutures",
                                     "CreationDate": None}) as pdf:
            for fig in figs:
                pdf.savefig(fig)
                plt.close(fig)

    return atomic_write(Path(path), write)


CHARTS = {"portfolio-front": front_chart, "portfolio-budget-steps": staircase_chart,
          "portfolio-members": matrix_chart, "portfolio-area-fronts": area_fronts_chart}


def draw_portfolio(result: PortfolioResult, out: str | Path, *, lang: str = "en",
                   formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Draw every portfolio chart into ``out`` (``<name>.png``/``.svg`` for ``lang == "en"``, ``<name>-id.*``
    otherwise); returns the paths."""
    paths = []
    for name, draw in CHARTS.items():
        paths += save(draw(result, lang), Path(out), name if lang == "en" else f"{name}-{lang}", formats)
    plt.close("all")
    return paths
