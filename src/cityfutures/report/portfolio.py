"""The portfolio search in words and files: the terminal text, ``portfolio.csv``, ``budget-curve.csv``.

:func:`portfolio_text` answers the workshop's question budget by budget (members, cost, score, synergy,
intervals and the robust choice); :func:`write_portfolio` writes the tables, the chosen portfolios' results
and the charts (:mod:`cityfutures.report.charts.portfolio`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import pandas as pd

from ..analysis.portfolio import PortfolioResult
from ..files import atomic_write
from ..results.dataset import save_results
from . import numbers
from .charts.portfolio import draw_portfolio, search_line, write_pdf
from .i18n import t

__all__ = ["portfolio_text", "write_portfolio", "member_titles"]


def _t(key: str, lang: str, **fmt) -> str:
    return t(key, lang, "portfolio", **fmt)


def member_titles(result: PortfolioResult, members: str, lang: str) -> str:
    """A portfolio's members (``a+b``) as their titles in ``lang``, joined by commas."""
    return ", ".join(result.title(n, lang) for n in members.split("+") if n) or "-"


def portfolio_text(result: PortfolioResult, lang: str = "en") -> str:
    """The best portfolio at each budget, as the terminal shows it."""
    m = result.meta
    lines = [_t("heading", lang), search_line(result, lang), ""]
    for _, row in result.curve.iterrows():
        lines.append(_t("budget", lang, budget=numbers.number(row["budget_idr_bn"], lang)) + ":")
        if not row["members"]:
            lines.append("  " + _t("none_fits", lang))
            continue
        lines.append("  " + member_titles(result, row["members"], lang))
        lines.append("  " + _t("line_score", lang, cost=numbers.number(row["cost_idr_bn"], lang),
                               score=numbers.number(row["score"], lang),
                               synergy=numbers.signed_number(row["synergy"], lang)))
        if "score_p05" in row and m["futures"]:
            lines.append("  " + _t("line_interval", lang, n=m["futures"],
                                   interval=numbers.interval(row["score_p05"], row["score_p95"], lang),
                                   p=numbers.share(row["p_best"], lang)))
            lines.append("  " + _t("line_robust", lang, rule=_t(f"rule_{m['robust']}", lang),
                                   members=_difference(result, row["members"], row["robust_members"], lang)))
        if row["added"] and row.name > 0:
            lines.append("  " + _t("line_added", lang, members=member_titles(result, row["added"], lang)))
        if row["dropped"]:
            lines.append("  " + _t("line_dropped", lang, members=member_titles(result, row["dropped"], lang)))
    for _, row in result.excluded.iterrows():
        lines.append(_t("excluded", lang, n=numbers.number(row["portfolios"], lang), reason=row["reason"],
                        example=row["example"]))
    lines += ["", _t("synergy_note", lang)]
    return "\n".join(lines)


def _difference(result: PortfolioResult, chosen: str, other: str, lang: str) -> str:
    """``other`` against ``chosen``: the same portfolio, or what it adds (+) and drops (-)."""
    a, b = set(chosen.split("+")) - {""}, set(other.split("+")) - {""}
    if a == b:
        return _t("same_portfolio", lang)
    names = [n for n in result.names if n in a | b]
    return ", ".join(("+" if n in b else "\u2212") + result.title(n, lang) for n in names if (n in a) != (n in b))


def _csv(df: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def write_portfolio(result: PortfolioResult, folder, *, lang: str = "en", charts: bool = True,
                    formats: Sequence[str] = ("png", "svg")) -> list[Path]:
    """Write ``portfolio.csv`` (the front and every budget's choice), ``budget-curve.csv``, ``excluded.csv``
    (when some portfolios were left out), ``results.nc``/``results.csv`` (the chosen portfolios' runs), the
    charts and ``portfolio-brief.pdf`` (the answer page and the charts) into ``folder``; returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [_csv(result.table, folder / "portfolio.csv"), _csv(result.curve, folder / "budget-curve.csv")]
    if len(result.excluded):
        paths.append(_csv(result.excluded, folder / "excluded.csv"))
    paths += list(save_results(result.results, folder / "results.nc"))
    if charts:
        paths += draw_portfolio(result, folder, lang=lang, formats=formats)
        stem = "portfolio-brief" if lang == "en" else f"portfolio-brief-{lang}"
        paths.append(write_pdf(result, folder / f"{stem}.pdf", lang=lang))
    return paths
