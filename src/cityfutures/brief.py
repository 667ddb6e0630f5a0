"""The brief of a comparison: a two-page PDF in one language, from saved results only.

Page 1 is the headline table: per focus area, the programmes that improve its
indicators most, with their track, cost and main effects. Page 2 holds the key charts:
the scorecard and the cost-effectiveness chart. Pages are A4 landscape, drawn with
matplotlib's ``PdfPages`` (no other dependency).

Examples
--------
>>> from cityfutures.brief import write_brief                              # doctest: +SKIP
>>> write_brief(results, table, "out/brief.pdf", lang="id")                 # doctest: +SKIP
"""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .charts import _common as c
from .charts import cost, scorecard

__all__ = ["write_brief", "headline_table"]

A4_LANDSCAPE = (11.69, 8.27)
TOP_PER_FOCUS_AREA = 3


def headline_table(ds: xr.Dataset, table: pd.DataFrame, top: int = TOP_PER_FOCUS_AREA) -> pd.DataFrame:
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
    order = c.ordered_focus_areas([g for g in eff["group"] if g != "bundle"]) + ["bundle"]
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


def _page_table(ds, table, labels: c.Labels):
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=A4_LANDSCAPE)
    a = ds.attrs
    title = a.get(f"comparison_title_{labels.lang}") or a.get("comparison_name") or labels.t("brief.title")
    fig.text(0.04, 0.95, c.wrap(title, 70), fontsize=20, fontweight="bold", va="top")
    fig.text(0.04, 0.885, labels.t("brief.subtitle", start=c.fmt_year(float(ds["time"].values[0])),
                                   end=c.end_year(ds)), fontsize=12, va="top", color="#333333")
    head = headline_table(ds, table)
    cols = [(0.04, "left", labels.t("brief.col.programme")), (0.34, "left", labels.t("brief.col.track")),
            (0.58, "right", labels.t("brief.col.cost")), (0.62, "left", labels.t("brief.col.effects"))]
    y = 0.83
    for x, ha, h in cols:
        fig.text(x, y, c.wrap(h, 24 if ha == "right" else 44), fontsize=10.5, fontweight="bold", va="top",
                 ha=ha, color="#333333")
    y -= 0.06
    fig.add_artist(plt.Line2D([0.04, 0.96], [y + 0.012, y + 0.012], color="#333333", lw=1))
    nrows = len(head) + head["group"].nunique()
    step = min(0.034, 0.74 / max(nrows, 1) / 1.15)
    fs = 10 if step >= 0.03 else 8.5
    for g, grp in head.groupby("group", sort=False):
        name = labels.t("legend.bundle") if g == "bundle" else labels.focus_area(g or None)
        fig.text(0.04, y, name, fontsize=fs + 1, fontweight="bold", va="top",
                 color=c.FOCUS_COLORS.get(g, "#555555"))
        y -= step
        for r in grp.itertuples():
            fig.text(0.05, y, c.shorten(labels.scenario(r.scenario), 40), fontsize=fs, va="top")
            fig.text(0.34, y, c.shorten(labels.track(r.track, r.kind), 26), fontsize=fs, va="top")
            fig.text(0.58, y, c.fmt_num(r.cost, labels.lang), fontsize=fs, va="top", ha="right")
            x = 0.62
            for k, (ind, pct, impr) in enumerate(r.effects):
                txt = f"{c.shorten(labels.variable(ind), 30)} {'+' if pct > 0 else ''}{c.fmt_num(pct, labels.lang, 2)} %"
                fig.text(x, y - (0.0 if k == 0 else step * 0.5), txt, fontsize=fs - 0.5, va="top",
                         color=c.BETTER_COLOR if impr > 0 else c.WORSE_COLOR)
            if len(r.effects) > 1:
                y -= step * 0.5
            if not r.effects:
                fig.text(x, y, labels.t("brief.no_effect"), fontsize=fs - 0.5, va="top", color="#777777")
            y -= step
        y -= step * 0.15
    fig.text(0.04, 0.075, c.wrap(labels.t("brief.table_note"), 150), fontsize=9, va="bottom", color="#333333")
    fig.text(0.04, 0.03, c.footer_text(ds, labels), fontsize=8, color="#555555", va="bottom")
    fig.text(0.96, 0.03, labels.t("brief.page", page=1, pages=2), fontsize=8, color="#555555", va="bottom",
             ha="right")
    return fig


def _chart_image(draw, ds, table, labels):
    """A chart drawn in the projector style, as an RGBA image for a brief page."""
    import matplotlib.pyplot as plt
    with c.style():
        fig = draw(ds, table, labels)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        plt.close(fig)
    buf.seek(0)
    return plt.imread(buf)


def _page_charts(ds, table, labels: c.Labels):
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=A4_LANDSCAPE)
    imgs = [_chart_image(scorecard.draw_scorecard, ds, table, labels),
            _chart_image(cost.draw_cost, ds, table, labels)]
    # stacked: each chart gets the page's width at 16:9
    h = 0.455
    w = h * A4_LANDSCAPE[1] / A4_LANDSCAPE[0] * 16 / 9
    for k, img in enumerate(imgs):
        ax = fig.add_axes([(1 - w) / 2, 0.525 - k * 0.475, w, h])
        ax.imshow(img, interpolation="lanczos")
        ax.set_axis_off()
    fig.text(0.96, 0.012, labels.t("brief.page", page=2, pages=2), fontsize=8, color="#555555", va="bottom",
             ha="right")
    return fig


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
    from matplotlib.backends.backend_pdf import PdfPages
    import matplotlib.pyplot as plt
    labels = c.Labels(results_ds, lang, model=model)
    path = Path(path)

    def write(tmp):
        with plt.rc_context({**c.RC, "figure.figsize": A4_LANDSCAPE}):
            pages = [_page_table(results_ds, table, labels), _page_charts(results_ds, table, labels)]
        a = results_ds.attrs
        meta = {"Title": a.get(f"comparison_title_{lang}") or a.get("comparison_name") or "cityfutures brief",
                "Subject": c.footer_text(results_ds, labels), "Creator": "cityfutures", "CreationDate": None}
        with PdfPages(tmp, metadata=meta) as pdf:
            for fig in pages:
                pdf.savefig(fig)
                plt.close(fig)

    return c.atomic_write(path, write)
