"""The brief of a comparison: a PDF in one language, from saved results only.

Page 1 answers the workshop's question, "which programmes should we prioritise?": the quick wins
and the normal track side by side, each with its best programmes by weighted score and by
cost-effectiveness (cost per score point), each with its p5-p95 interval when futures were run and
the main pathway of its largest effect; below them the best bundles. A stress test (a baseline with
a shock) opens instead with the shock's toll with each programme (deaths, people affected, damage,
time to recover). Page 2 is the headline table: per focus area, the best programmes by the same score,
with their track, cost and main effects. The next pages hold the key charts, one per page so that
their text stays legible: the shock's toll (stress tests), the scorecard (programmes and bundles on
two pages when they are many), the score's terms, the cost-effectiveness chart and the rank
stability; the last pages say why each notable effect happens. Pages are 16:9 (the projector's
shape; printed on A4 landscape, the smallest text is about 8 pt and body text 10 pt or more), drawn
as vector graphics with matplotlib's ``PdfPages`` (no other dependency).

Examples
--------
>>> from cityfutures.brief import write_brief                              # doctest: +SKIP
>>> write_brief(results, table, "out/brief.pdf", lang="id")                 # doctest: +SKIP
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.backends.backend_pdf import PdfPages

from ..analysis.compare import ComparisonResult, comparison_result
from ..analysis.discount import rate_of
from ..files import atomic_write
from . import numbers
from .charts import _common as c, cost, portfolio as portfolio_charts, score, scorecard, shock
from .labels import Labels, focus_order, resolve_model
from .tables import why_lines

__all__ = ["write_brief", "headline_table", "answer_table", "main_pathway"]

PAGE = c.FIGSIZE   # 16 x 9 inches
TOP_PER_FOCUS_AREA = 2
MAX_WHY_PAGES = 3


def headline_table(ds: xr.Dataset, table: pd.DataFrame, top: int = TOP_PER_FOCUS_AREA, model=None,
                   result: ComparisonResult | None = None) -> pd.DataFrame:
    """The best programmes of each focus area by weighted score, with their cost and two largest effects.

    Programmes are ranked by the comparison's weighted score (:mod:`cityfutures.analysis.score`: the
    same order as the terminal and comparison.md). Bundles form their own group.

    Returns
    -------
    DataFrame
        Columns ``group`` (focus area id or ``"bundle"``), ``scenario``, ``track``, ``kind``,
        ``cost`` [IDR billion, present value], ``score``, ``effects`` (list of
        ``(indicator, delta_end_pct, improvement_end_pct)``).
    """
    result = result if result is not None else comparison_result(ds)
    rk = result.ranking[result.ranking["score"].notna()].copy()
    rk["group"] = np.where(rk["kind"] == "bundle", "bundle", rk["focus_area"].fillna(""))
    order = focus_order(ds, [g for g in rk["group"] if g != "bundle"], model) + ["bundle"]
    table = result.table
    rows = []
    for g in order:
        grp = rk[rk["group"] == g].head(top)
        for r in grp.itertuples():
            t = table[(table["scenario"] == r.scenario)].copy()
            t = t[np.isfinite(t["improvement_end_pct"])]
            t = t.reindex(t["improvement_end_pct"].abs().sort_values(ascending=False).index).head(2)
            effects = [(str(x.indicator), float(x.delta_end_pct), float(x.improvement_end_pct))
                       for x in t.itertuples() if abs(x.improvement_end_pct) >= 0.05]
            rows.append(dict(group=g, scenario=r.scenario, track=r.track, kind=r.kind, cost=r.pv_cost_idr_bn,
                             score=r.score, effects=effects))
    return pd.DataFrame(rows, columns=["group", "scenario", "track", "kind", "cost", "score", "effects"])


def main_pathway(result: ComparisonResult, scenario: str, labels: Labels, *, via: bool = False) -> str:
    """One line: the run's largest score term (or largest change), and the pathway that carries most of it.

    ``via``: name the pathway by the elements between the lever and the indicator only ("via ...": the
    programme is named next to it)."""
    t = result.table[result.table["scenario"] == scenario]
    t = t[np.isfinite(t["improvement_end_pct"])]
    if t.empty:
        return ""
    key = t["score_term"].abs() if t["score_term"].notna().any() else t["improvement_end_pct"].abs()
    cell = t.loc[key.idxmax()]
    head = f"{labels.variable(cell.indicator)} {numbers.change_pct(cell.delta_end_pct, labels.lang)}"
    pw = result.pathways
    if pw is None or not len(pw):
        return head
    rows = pw[(pw.scenario == scenario) & (pw.indicator == cell.indicator)]
    way = rows[rows.kind == "pathway"].head(1)
    if (rows.kind == "interaction").any():
        return head + ": " + labels.t("brief.interaction")
    if way.empty:
        return head
    w = way.iloc[0]
    share = numbers.share(w.share, labels.lang)
    if not via:
        return head + ": " + w[f"short_{labels.lang}"] + f" ({share})"
    middle = str(w[f"short_{labels.lang}"]).split(" -> ")[1:-1]
    return labels.t("brief.via", effect=head, ways=" -> ".join(middle) or labels.t("brief.directly"), share=share)


def answer_table(result: ComparisonResult, top: int = 3) -> dict[str, pd.DataFrame]:
    """Page 1's lists: per track (``quick-win``, ``normal``) the best programmes by score (``score``) and by
    cost per score point (``cost``), and the best bundles (``bundles``)."""
    rk = result.ranking[result.ranking["score"].notna()]
    out = {}
    for track in ("quick-win", "normal"):
        progs = rk[(rk["kind"] != "bundle") & (rk["track"] == track)]
        out[(track, "score")] = progs.sort_values("score", ascending=False).head(top)
        out[(track, "cost")] = progs[progs["cost_per_score"].notna()].sort_values("cost_per_score").head(top)
    out["bundles"] = rk[rk["kind"] == "bundle"].sort_values("score", ascending=False).head(top)
    return out


def _fitted(fig, text: str, room_px: float, fs: float, smallest: float, weight: str = "normal") -> tuple[str, float]:
    """``text`` on one line in ``room_px`` pixels: in smaller type down to ``smallest`` if need be, then cut."""
    size = float(fs)
    while size > smallest and c.text_width(fig, text, size, weight) > room_px:
        size -= 0.5
    return c.shorten_px(fig, text, room_px, size, weight), size


def _line(fig, x, y, text, fs, room_px, **kw):
    """``text`` at (x, y), cut to ``room_px`` pixels."""
    fig.text(x, y, c.shorten_px(fig, text, room_px, fs, kw.get("fontweight", "normal")), fontsize=fs, va="top", **kw)


def _score_text(r, lang: str) -> str:
    text = numbers.signed(r.score, 2, lang)
    iv = numbers.interval(r.score_p05, r.score_p95, lang, lambda x, lg: numbers.signed(x, 2, lg))
    return f"{text} {iv}".strip()


def _page_answer(ds, result: ComparisonResult, labels: Labels):
    """Page 1 of a comparison: quick wins and normal track side by side, then the bundles."""
    fig = plt.figure(figsize=PAGE)
    a = ds.attrs
    lang = labels.lang
    W = fig.bbox.width
    title = a.get(f"comparison_title_{lang}") or a.get("comparison_name") or labels.t("brief.title")
    fig.text(0.03, 0.955, c.wrap(title, 70), fontsize=26, fontweight="bold", va="top")
    sub, size = c.fit(fig, labels.t("brief.question", start=numbers.year(float(ds["time"].values[0])),
                                    end=c.end_year(ds)), 0.94 * W, 17, max_lines=2, min_size=14)
    fig.text(0.03, 0.89, sub, fontsize=size, va="top", color="#333333")
    lists = answer_table(result)
    shown: set = set()
    col_w = 0.455
    fs = 13
    step = 0.029
    y_top = 0.89 - 0.035 * (sub.count("\n") + 1) - 0.02
    y_low = 1.0
    for k, track in enumerate(("quick-win", "normal")):
        x0 = 0.03 + k * (col_w + 0.03)
        y = y_top
        fig.text(x0, y, labels.track(track), fontsize=19, fontweight="bold", va="top", color=c.BETTER_COLOR)
        y -= 0.045
        for what in ("score", "cost"):
            fig.text(x0, y, labels.t(f"brief.by_{what}"), fontsize=14.5, fontweight="bold", va="top",
                     color="#333333")
            y -= 0.034
            rows = lists[(track, what)]
            if rows.empty:
                fig.text(x0 + 0.01, y, labels.t("brief.none"), fontsize=fs, va="top", color="#777777")
                y -= step
            for r in rows.itertuples():
                value = (_score_text(r, lang) if what == "score" else
                         labels.t("brief.per_point_short", cost=numbers.number(r.cost_per_score, lang)))
                vw = c.text_width(fig, value, fs, "bold")
                name, nfs = _fitted(fig, f"{int(r.rank_overall)}. {labels.scenario(r.scenario)}",
                                    col_w * W - vw - 0.025 * W, fs, 11, "bold")
                fig.text(x0 + 0.01, y, name, fontsize=nfs, va="top", fontweight="bold")
                fig.text(x0 + col_w, y, value, fontsize=fs, va="top", ha="right", fontweight="bold",
                         color=c.BETTER_COLOR if r.score > 0 else c.WORSE_COLOR)
                y -= step * 0.8
                if (track, r.scenario) in shown:     # its pathway is given above already
                    y -= step * 0.3
                    continue
                shown.add((track, r.scenario))
                way = c.shorten_px(fig, main_pathway(result, r.scenario, labels, via=True), (col_w - 0.02) * W,
                                   fs - 1.5)
                fig.text(x0 + 0.022, y, way, fontsize=fs - 1.5, va="top", color="#444444")
                y -= step * 1.05
            y -= 0.008
        y_low = min(y_low, y - 0.01)
    # the bundles, across the page, each with its main pathway under it
    y = min(y_low, 0.33)
    fig.add_artist(plt.Line2D([0.03, 0.97], [y + 0.015, y + 0.015], color="#333333", lw=1.0))
    fig.text(0.03, y, labels.t("brief.bundles"), fontsize=16, fontweight="bold", va="top", color="#555555")
    y -= 0.04
    for r in lists["bundles"].itertuples():
        value = _score_text(r, lang) + "   " + labels.t("brief.per_point_short",
                                                      cost=numbers.number(r.cost_per_score, lang))
        vw = c.text_width(fig, value, fs, "bold")
        _line(fig, 0.04, y, f"{int(r.rank_overall)}. {labels.scenario(r.scenario)}", fs, 0.93 * W - vw - 20,
              fontweight="bold")
        fig.text(0.97, y, value, fontsize=fs, va="top", ha="right", fontweight="bold",
                 color=c.BETTER_COLOR if r.score > 0 else c.WORSE_COLOR)
        y -= step * 0.8
        _line(fig, 0.052, y, main_pathway(result, r.scenario, labels), fs - 1.5, 0.915 * W, color="#444444")
        y -= step * 1.05
    note = labels.t("brief.answer_note", rate=numbers.number(100 * rate_of(ds), lang))
    if int(result.table["futures"].max() or 0):
        note += " " + labels.t("brief.futures_note", n=int(result.table["futures"].max()))
    note, nsize = c.fit(fig, note, 0.94 * W, 11.5, max_lines=4, min_size=10)
    fig.text(0.03, 0.045, note, fontsize=nsize, va="bottom", color="#333333")
    fig.text(0.03, 0.012, c.footer_text(ds, labels), fontsize=10.5, color="#555555", va="bottom")
    return fig


def _page_shock(ds, result: ComparisonResult, labels: Labels):
    """Page 1 of a stress test: the shock's toll with each programme, fewest losses first."""
    fig = plt.figure(figsize=PAGE)
    a = ds.attrs
    lang = labels.lang
    title = a.get(f"comparison_title_{lang}") or a.get("comparison_name") or labels.t("brief.title")
    fig.text(0.03, 0.955, c.wrap(title, 70), fontsize=26, fontweight="bold", va="top")
    fig.text(0.03, 0.885, labels.t("brief.shock_question", shocks=_common_shocks(ds, labels)), fontsize=17,
             va="top", color="#333333")
    tl = shock.tolls(result.table)
    inds = list(dict.fromkeys(tl["indicator"]))
    W = fig.bbox.width
    right = [0.5] + [0.66 + 0.14 * k for k in range(len(inds))]     # right edges of the number columns
    y = 0.765
    fs = 13 if len(result.ranking) <= 14 else 12
    fig.text(0.03, y, labels.t("brief.col.programme"), fontsize=14, fontweight="bold", va="bottom")
    heads = [labels.t("brief.col.recovery")] + [f"{labels.variable(i)} [{labels.cumulative_unit(i)}]" for i in inds]
    for x, h in zip(right, heads):
        fig.text(x, y, c.fit(fig, h, 0.13 * W, 12, weight="bold", max_lines=3, min_size=11)[0], fontsize=12,
                 fontweight="bold", va="bottom", ha="right")
    y -= 0.012
    fig.add_artist(plt.Line2D([0.03, 0.97], [y, y], color="#333333", lw=1.0))
    y -= 0.012
    first = inds[0] if inds else None
    runs = (tl[tl["indicator"] == first].sort_values("loss_area")["scenario"].tolist() if first
            else list(result.ranking["scenario"]))
    base = c.baseline_name(ds)
    runs = [base] + [r for r in runs if r != base]
    step = min(0.045, (y - 0.11) / max(len(runs), 1))
    for name in runs:
        row = tl[tl["scenario"] == name]
        is_base = name == base
        _line(fig, 0.03, y, labels.scenario(name), fs, 0.36 * W, fontweight="bold" if is_base else "normal")
        rec = row["recovery_time"].dropna()
        recovery = (labels.t("terminal.not_recovered") if len(rec) < len(row) or not len(rec) else
                    labels.t("terminal.years", years=numbers.fixed(rec.max(), 1, lang)))
        fig.text(right[0], y, recovery, fontsize=fs, va="top", ha="right")
        for x, ind in zip(right[1:], inds):
            cell = row[row["indicator"] == ind]
            if cell.empty:
                continue
            v, ch = float(cell["loss_area"].iloc[0]), float(cell["loss_area_change"].iloc[0])
            text = numbers.number(v, lang) if is_base else numbers.signed_number(ch, lang)
            fig.text(x, y, text, fontsize=fs, va="top", ha="right",
                     color="#222222" if is_base else c.BETTER_COLOR if ch < 0
                     else c.WORSE_COLOR if ch > 0 else "#777777")
        y -= step
    fig.text(0.03, 0.06, c.wrap(labels.t("brief.shock_note"), 190), fontsize=11.5, va="bottom", color="#333333")
    fig.text(0.03, 0.015, c.footer_text(ds, labels), fontsize=11, color="#555555", va="bottom")
    return fig


def _page_why(ds, result: ComparisonResult, labels: Labels) -> list:
    """The pathways behind the effects: per programme in ranking order, effects against the purpose first."""
    lines = []
    for r in result.ranking.itertuples():
        own = why_lines(result, labels, r.scenario)
        if own:
            lines.append(("head", labels.scenario(r.scenario)))
            lines += [("line", x) for x in own]
    if not lines:
        return []
    pages, fs, step = [], 12.5, 0.029
    bottom = 0.075
    k = 0
    while k < len(lines) and len(pages) < MAX_WHY_PAGES:
        fig = plt.figure(figsize=PAGE)
        W = fig.bbox.width
        fig.text(0.03, 0.955, labels.t("brief.why_title"), fontsize=24, fontweight="bold", va="top")
        sub, _size = c.fit(fig, labels.t("brief.why_subtitle"), 0.94 * W, 13.5, max_lines=3, min_size=12)
        fig.text(0.03, 0.9, sub, fontsize=13.5, va="top", color="#333333")
        y = 0.9 - 0.034 * (sub.count("\n") + 1) - 0.015
        while k < len(lines):
            kind, text = lines[k]
            if kind == "head":
                if y - 2 * step < bottom:          # a programme's name never ends a page
                    break
                _line(fig, 0.03, y, text, fs + 1, 0.94 * W, fontweight="bold")
                y -= step * 1.1
            else:
                wrapped, _s = c.fit(fig, text, 0.925 * W, fs, max_lines=3, min_size=fs)
                n_lines = wrapped.count("\n") + 1
                if y - n_lines * step < bottom:
                    break
                worse = labels.t("why.worse", indicator="", change="").strip() in text
                fig.text(0.045, y, wrapped, fontsize=fs, va="top", linespacing=1.15,
                         color=c.WORSE_COLOR if worse else "#222222")
                y -= step * n_lines
            k += 1
        fig.text(0.03, 0.015, c.footer_text(ds, labels), fontsize=11, color="#555555", va="bottom")
        pages.append(fig)
    if k < len(lines):
        pages[-1].text(0.97, 0.045, labels.t("brief.why_more"), fontsize=12, ha="right", va="bottom",
                       color="#555555")
    return pages


def _page_table(ds, table, labels: Labels, result: ComparisonResult | None = None):
    """The headline table in projector type (14 pt and up), each effect on one line."""
    fig = plt.figure(figsize=PAGE)
    a = ds.attrs
    title = a.get(f"comparison_title_{labels.lang}") or a.get("comparison_name") or labels.t("brief.title")
    fig.text(0.03, 0.955, c.wrap(title, 70), fontsize=26, fontweight="bold", va="top")
    fig.text(0.03, 0.885, labels.t("brief.subtitle", start=numbers.year(float(ds["time"].values[0])),
                                   end=c.end_year(ds)), fontsize=17, va="top", color="#333333")
    head = headline_table(ds, table, model=labels._model, result=result)
    y = 0.825
    common = _common_shocks(ds, labels)
    if common:   # the baseline holds a shock: every run of the comparison meets it, and the reader must know
        fig.text(0.03, 0.845, labels.t("brief.every_run_meets", shocks=common), fontsize=16, fontweight="bold",
                 va="top", color=c.WORSE_COLOR)
        y -= 0.04
    cols = [(0.03, "left", labels.t("brief.col.programme")), (0.36, "left", labels.t("brief.col.track")),
            (0.585, "right", labels.t("brief.col.cost")), (0.61, "left", labels.t("brief.col.effects"))]
    for x, ha, h in cols:
        fig.text(x, y, c.wrap(h, 42), fontsize=15, fontweight="bold", va="top", ha=ha, color="#333333")
    y -= 0.07
    fig.add_artist(plt.Line2D([0.03, 0.97], [y + 0.008, y + 0.008], color="#333333", lw=1.2))
    lines = sum(max(2, len(r)) for r in head["effects"]) + head["group"].nunique()   # a name may take 2 lines
    step = min(0.038, (y - 0.175) / max(lines, 1))
    fs = 15 if step >= 0.036 else 14 if step >= 0.032 else 13 if step >= 0.029 else 12
    for g, grp in head.groupby("group", sort=False):
        name = labels.t("legend.bundle") if g == "bundle" else labels.focus_area(g or None)
        color = labels.focus_color(g) if g != "bundle" else "#555555"
        fig.text(0.03, y, name, fontsize=fs + 1, fontweight="bold", va="top", color=color)
        y -= step
        for r in grp.itertuples():
            # the whole name, on two lines if it needs them (bilingual titles differ in length)
            name, _fs = c.fit(fig, labels.scenario(r.scenario), (0.35 - 0.04) * fig.bbox.width, fs, max_lines=2)
            name = name if name.count("\n") < 2 else c.shorten(labels.scenario(r.scenario), 38)
            spacing = step * fig.bbox.height / (fs * fig.dpi / 72) / 1.2   # its lines on the table's rows
            fig.text(0.04, y, name, fontsize=fs, va="top", linespacing=spacing if "\n" in name else 1.2)
            fig.text(0.36, y, c.shorten(labels.track(r.track, r.kind), 26), fontsize=fs, va="top")
            fig.text(0.585, y, numbers.number(r.cost, labels.lang), fontsize=fs, va="top", ha="right")
            for k, (ind, pct, impr) in enumerate(r.effects):
                num = f"  {'+' if pct > 0 else ''}{numbers.percent(pct, labels.lang)} %"
                # the indicator's whole name when the column takes it (measured), else cut to the column
                room = (0.985 - 0.61) * fig.bbox.width - c.text_width(fig, num, fs)
                txt = c.shorten_px(fig, labels.variable(ind), room, fs) + num
                fig.text(0.61, y - k * step, txt, fontsize=fs, va="top",
                         color=c.BETTER_COLOR if impr > 0 else c.WORSE_COLOR)
            if not r.effects:
                fig.text(0.61, y, labels.t("brief.no_effect"), fontsize=fs, va="top", color="#777777")
            y -= step * max(1, len(r.effects), name.count("\n") + 1)
    fig.text(0.03, 0.06, c.wrap(labels.t("brief.table_note"), 175), fontsize=12, va="bottom", color="#333333")
    if not c.shocks(ds):
        fig.text(0.03, 0.115, c.wrap(labels.t("brief.no_shock"), 150), fontsize=13, va="bottom", color="#333333",
                 fontstyle="italic")
    fig.text(0.03, 0.015, c.footer_text(ds, labels), fontsize=11, color="#555555", va="bottom")
    return fig


def _common_shocks(ds, labels: Labels) -> str:
    """The shocks of the baseline (which every run of the comparison meets), as one phrase; "" if none."""
    base = c.baseline_name(ds)
    items = []
    for ev in c.shocks(ds):
        if ev.get("scenario") != base:
            continue
        mag = ev.get("magnitude")
        item = labels.t("brief.shock_item", shock=labels.shock(ev["kind"]), year=str(int(float(ev["year"]) + 1e-9)),
                        magnitude=numbers.fixed(float(mag), 1, labels.lang) if mag is not None else "?")
        if item not in items:
            items.append(item)
    return "; ".join(items)


def _pages(ds, result: ComparisonResult, labels: Labels, portfolio=None) -> list:
    """Every page of the brief, as figures (see the module docstring); with a portfolio search's result, its
    answer page and Pareto front after the first page."""
    table = result.table
    stress = bool(c.shocks(ds)) and len(shock.tolls(table)) > 0
    draws = [(lambda: _page_shock(ds, result, labels)) if stress else (lambda: _page_answer(ds, result, labels))]
    if portfolio is not None:
        draws += [lambda: portfolio_charts.answer_page(portfolio, labels.lang),
                  lambda: portfolio_charts.front_chart(portfolio, labels.lang)]
    draws += [lambda: _page_table(ds, table, labels, result)]
    if stress:
        draws.append(lambda: shock.draw_losses(ds, table, labels))
    draws += [lambda p=p, sc=sc: scorecard.draw_scorecard(ds, table, labels, p, sc)
              for p, sc in scorecard.parts(ds, table)]
    draws += [lambda: score.draw_terms(ds, result, labels), lambda: cost.draw_cost(ds, result, labels)]
    if result.ranking["rank_p05"].notna().any():
        draws.append(lambda: score.draw_stability(ds, result, labels))
    figs = []
    with c.style():
        for draw in draws:
            figs.append(draw())
        figs += _page_why(ds, result, labels)
    for k, fig in enumerate(figs):
        fig.text(0.99, 0.01, labels.t("brief.page", page=k + 1, pages=len(figs)), fontsize=11, color="#555555",
                 va="bottom", ha="right")
    return figs


def write_brief(results_ds: xr.Dataset, table: pd.DataFrame, path, lang: str = "en", *, model=None,
                result: ComparisonResult | None = None, portfolio=None) -> Path:
    """Write the brief of a comparison as a PDF (atomically).

    Parameters
    ----------
    results_ds : xarray.Dataset
        The results Dataset (see ``cityfutures.results``).
    table : pandas.DataFrame
        The comparison table (see ``cityfutures.compare``).
    path : path
        The PDF to write, e.g. ``out/brief.pdf``.
    lang : {"en", "id"}
    model : Model or path, optional
        Only for labels the results lack (focus areas of older results).
    result : ComparisonResult, optional
        The comparison of ``results_ds`` (computed from it when not given; ``table`` is then not read).
    portfolio : PortfolioResult, optional
        A portfolio search of the same comparison (:func:`cityfutures.portfolio`): its page follows page 1.

    Returns
    -------
    Path
    """
    labels = Labels(results_ds, lang, model=resolve_model(results_ds, model))
    result = result if result is not None else comparison_result(results_ds)
    path = Path(path)

    def write(tmp):
        with plt.rc_context(c.RC):
            pages = _pages(results_ds, result, labels, portfolio)
        a = results_ds.attrs
        meta = {"Title": a.get(f"comparison_title_{lang}") or a.get("comparison_name") or "cityfutures brief",
                "Subject": c.footer_text(results_ds, labels), "Creator": "cityfutures", "CreationDate": None}
        with PdfPages(tmp, metadata=meta) as pdf:
            for fig in pages:
                pdf.savefig(fig)
                plt.close(fig)

    return atomic_write(path, write)
