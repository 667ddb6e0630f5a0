"""The brief of a comparison: a three- or four-page PDF in one language, from saved results only.

Page 1 is the headline table: per focus area, the programmes that improve its
indicators most, with their track, cost and main effects (and, when the baseline holds
a shock, a line saying that every run meets it). The next pages hold the key charts, one
per page so that their text stays legible: the scorecard (programmes and bundles on two
pages when they are many) and the cost-effectiveness chart. Pages are 16:9 (the projector's shape; printed on A4
landscape, the smallest text is about 8 pt and body text 10 pt or more), drawn as
vector graphics with matplotlib's ``PdfPages`` (no other dependency).

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

from ..files import atomic_write
from . import numbers
from .charts import _common as c, cost, scorecard
from .labels import Labels, focus_order, resolve_model

__all__ = ["write_brief", "headline_table"]

PAGE = c.FIGSIZE   # 16 x 9 inches
TOP_PER_FOCUS_AREA = 2


def headline_table(ds: xr.Dataset, table: pd.DataFrame, top: int = TOP_PER_FOCUS_AREA, model=None) -> pd.DataFrame:
    """The best programmes of each focus area: rank, cost, and their two largest effects.

    Programmes are ranked by the comparison's score (``compare.rank``: the sum over all
    indicators of the improvement normalised by the best programme's), or, when the table
    has no score, by their mean improvement over their own focus area's indicators
    (:func:`cityfutures.charts.cost.effect_table`). Bundles form their own group.

    Returns
    -------
    DataFrame
        Columns ``group`` (focus area id or ``"bundle"``), ``scenario``, ``track``, ``kind``,
        ``cost`` [IDR billion], ``improvement`` [%], ``effects`` (list of
        ``(indicator, delta_end_pct, improvement_end_pct)``).
    """
    eff = cost.effect_table(ds, table)
    if "score" in table and table["score"].notna().any():
        # the comparison's own ranking (compare.rank): the same order as comparison.md
        totals = table[table["kind"] != "baseline"].groupby("scenario")["score"].sum(min_count=1)
        eff["improvement_rank_key"] = eff["scenario"].map(totals)
    else:
        eff["improvement_rank_key"] = eff["improvement"]
    eff["group"] = np.where(eff["kind"] == "bundle", "bundle", eff["focus_area"].fillna(""))
    order = focus_order(ds, [g for g in eff["group"] if g != "bundle"], model) + ["bundle"]
    rows = []
    for g in order:
        grp = eff[eff["group"] == g].sort_values("improvement_rank_key", ascending=False).head(top)
        for _i, r in grp.iterrows():
            t = table[(table["scenario"] == r["scenario"])].copy()
            t = t[np.isfinite(t["improvement_end_pct"])]
            t = t.reindex(t["improvement_end_pct"].abs().sort_values(ascending=False).index).head(2)
            effects = [(str(x.indicator), float(x.delta_end_pct), float(x.improvement_end_pct))
                       for x in t.itertuples() if abs(x.improvement_end_pct) >= 0.05]
            rows.append(dict(group=g, scenario=r["scenario"], track=r["track"], kind=r["kind"], cost=r["cost"],
                             improvement=r["improvement"], effects=effects))
    return pd.DataFrame(rows, columns=["group", "scenario", "track", "kind", "cost", "improvement", "effects"])


def _page_table(ds, table, labels: Labels):
    """Page 1: the headline table in projector type (14 pt and up), each effect on one line."""
    fig = plt.figure(figsize=PAGE)
    a = ds.attrs
    title = a.get(f"comparison_title_{labels.lang}") or a.get("comparison_name") or labels.t("brief.title")
    fig.text(0.03, 0.955, c.wrap(title, 70), fontsize=26, fontweight="bold", va="top")
    fig.text(0.03, 0.885, labels.t("brief.subtitle", start=numbers.year(float(ds["time"].values[0])),
                                   end=c.end_year(ds)), fontsize=17, va="top", color="#333333")
    head = headline_table(ds, table, model=labels._model)
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
    fig.text(0.97, 0.015, labels.t("brief.page", page=1, pages=pages(ds, table)), fontsize=11, color="#555555",
             va="bottom", ha="right")
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


def pages(ds, table) -> int:
    """The brief's number of pages: the table, the scorecard (one or two pages) and the cost chart."""
    return 2 + len(scorecard.parts(ds, table))


def _page_charts(ds, table, labels: Labels) -> list:
    """The scorecard (programmes and bundles apart when they are many) and the cost-effectiveness chart,
    each a full page (vector)."""
    out = []
    draws = [lambda p=p, sc=sc: scorecard.draw_scorecard(ds, table, labels, p, sc)
             for p, sc in scorecard.parts(ds, table)]
    draws.append(lambda: cost.draw_cost(ds, table, labels))
    total = pages(ds, table)
    with c.style():
        for k, draw in enumerate(draws):
            fig = draw()
            fig.text(0.99, 0.01, labels.t("brief.page", page=k + 2, pages=total), fontsize=11, color="#555555",
                     va="bottom", ha="right")
            out.append(fig)
    return out


def write_brief(results_ds: xr.Dataset, table: pd.DataFrame, path, lang: str = "en", *, model=None) -> Path:
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

    Returns
    -------
    Path
    """
    labels = Labels(results_ds, lang, model=resolve_model(results_ds, model))
    path = Path(path)

    def write(tmp):
        with plt.rc_context(c.RC):
            pages = [_page_table(results_ds, table, labels)] + _page_charts(results_ds, table, labels)
        a = results_ds.attrs
        meta = {"Title": a.get(f"comparison_title_{lang}") or a.get("comparison_name") or "cityfutures brief",
                "Subject": c.footer_text(results_ds, labels), "Creator": "cityfutures", "CreationDate": None}
        with PdfPages(tmp, metadata=meta) as pdf:
            for fig in pages:
                pdf.savefig(fig)
                plt.close(fig)

    return atomic_write(path, write)
