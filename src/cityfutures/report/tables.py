"""The comparison as text: ``comparison.md`` and the terminal table, in English or Bahasa Indonesia.

Numbers follow :mod:`.numbers` (one rule per language); words come from ``locale/strings.yaml``,
the results' bilingual names and the focus-area labels the results carry.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.compare import RANKING_RULE, ComparisonResult
from ..results.dataset import json_attr
from . import numbers
from .i18n import t
from .labels import Labels

__all__ = ["to_markdown", "format_terminal", "terminal_table", "number_text", "md_text"]

# what makes structure inside one line of Markdown (GitHub's): emphasis, code, links, cells, HTML
_MD_ESCAPE = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"} | {"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def number_text(x: float, lang: str = "en", pct: bool = False, unit: str = "") -> str:
    """A value of the comparison in ``lang`` (``-`` when missing): four significant digits, or a signed percent."""
    if numbers.missing(x):
        return "-"
    return (numbers.change_pct(x, lang) if pct else numbers.number(x, lang, digits=4)) + unit


def md_text(text) -> str:
    """``text`` from a file as literal Markdown inline text: one line (line breaks and tabs become
    spaces), Markdown punctuation (pipes included) backslash-escaped, HTML's ``& < >`` as entities."""
    return " ".join(str(text).split()).translate(_MD_ESCAPE)


def _txt(x, empty: str = "-") -> str:
    return empty if x is None or (not isinstance(x, str) and pd.isna(x)) or x == "" else md_text(x)


def _verdict(imp: float) -> str:
    if not np.isfinite(imp) or abs(imp) < 0.05:
        return "no change"
    return "better" if imp > 0 else "worse"


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]     # cells escaped by their makers
    return "\n".join(out)


def to_markdown(result: ComparisonResult) -> str:
    """``comparison.md``: what was compared, which direction is better, the ranking and the table."""
    ds, table, ranking = result.results, result.table, result.ranking
    title = ds.attrs.get("comparison_title_en") or ds.attrs.get("comparison_name") or "Comparison"
    t0, t1 = float(ds.time.values[0]), float(ds.time.values[-1])
    base = table[table.kind == "baseline"]
    base_name = base.scenario.iloc[0] if len(base) else "baseline"
    a = {k: md_text(ds.attrs.get(k, "")) for k in ("model_name", "engine", "cityfutures_version", "pysd_version",
                                                     "created")}
    lines = [f"# {md_text(title)}", "",
             f"Model {a['model_name']} (sha256 {md_text(str(ds.attrs.get('model_sha256', ''))[:12])}), "
             f"horizon {t0:g}-{t1:g}, engine {a['engine']}, cityfutures {a['cityfutures_version']}, "
             f"PySD {a['pysd_version']}, created {a['created']}. Every programme is compared with the baseline "
             f"{md_text(base_name)} over the same years.", "",
             "## Indicators and which direction is better", ""]
    inds = table.drop_duplicates("indicator")
    lines.append(_md_table(["indicator", "units", "better", "focus area", f"baseline {t1:g}"],
                           [[md_text(r.indicator), _txt(r.units), f"{r.better} is better",
                             _txt(r.indicator_focus_area), number_text(r.baseline_end)] for r in inds.itertuples()]))
    lines += ["", "## Ranking", "", RANKING_RULE, ""]
    lines.append(_md_table(["rank", "programme", "kind", "focus area", "rank in focus area", "score",
                            "total cost [IDR bn]"],
                           [[str(r.rank_overall), f"{md_text(r.title_en)} ({md_text(r.scenario)})", r.kind,
                             _txt(r.focus_area),
                             _txt(r.rank_in_focus_area), f"{r.score:+.2f}", number_text(r.total_cost_idr_bn)]
                            for r in ranking.itertuples()]))
    lines += ["", f"## Change against the baseline at {t1:g}", "",
              "`change` is the percent change at the end of the horizon; `verdict` applies the indicator's "
              "better direction. `cumulative` is the area between the programme's and the baseline's curves "
              "[units x year]. `effect after` is the years from the start until the change first exceeds 1 % of "
              "the baseline. `peak loss` and `recovery` (years from the shock until back to 95 % of the "
              "pre-shock level) appear for scenarios with a shock. `-` means never (or not applicable); a recovery "
              "of `-` means not back within the horizon. `cost / pt` is the total cost per percentage "
              "point of improvement [IDR bn].", ""]
    rows = []
    for r in table[table.kind != "baseline"].itertuples():
        rows.append([md_text(r.scenario), md_text(r.indicator), r.better, number_text(r.baseline_end),
                     number_text(r.value_end),
                     number_text(r.delta_end_pct, pct=True), _verdict(r.improvement_end_pct),
                     number_text(r.cumulative_delta), number_text(r.time_to_effect, unit=" y"),
                     number_text(r.peak_loss), number_text(r.recovery_time, unit=" y"),
                     number_text(r.cost_per_improvement), "" if pd.isna(r.rank_overall) else str(r.rank_overall)])
    lines.append(_md_table(["programme", "indicator", "better", "baseline", "value", "change", "verdict",
                            "cumulative", "effect after", "peak loss", "recovery", "cost / pt", "rank"], rows))
    shocked = base[base.peak_loss.notna()]
    if len(shocked):
        lines += ["", "Baseline under its shock: " + "; ".join(
            f"{md_text(r.indicator)}: peak loss {number_text(r.peak_loss)}, "
            f"recovery {number_text(r.recovery_time, unit=' y')}"
            for r in shocked.itertuples())]
    failed = json_attr(ds, "failed_runs", []) or []
    if failed:
        lines += ["", "## Failed runs", "", "These runs failed; their rows are kept but not ranked:", ""]
        lines += [f"- {md_text(f['scenario'])}: {md_text(f['error'])}" for f in failed]
    return "\n".join(lines) + "\n"


def format_terminal(result: ComparisonResult, lang: str = "en", width: int = 100, *, model=None) -> str:
    """A readable plain-text table: per programme, each indicator with its better direction,
    the baseline and the programme's value at the end of the horizon, and the change.

    Parameters
    ----------
    result : ComparisonResult
    lang : {"en", "id"}
        Language of every word (``locale/strings.yaml``, the Dataset's bilingual names, the
        model's focus-area labels) and of the numbers (Indonesian: ``1.234,5``).
    model : Model or path, optional
        Only read in Indonesian, for focus-area labels the Dataset lacks (attr ``focus_area_labels``);
        else loaded from the Dataset's ``model_path`` or ``model_name``. English shows the focus-area ids.
    """
    labels = Labels(result.results, lang, model=model)
    ds, table, ranking = result.results, result.table, result.ranking
    t1 = float(ds.time.values[-1])
    title = (ds.attrs.get(f"comparison_title_{lang}") or ds.attrs.get("comparison_name")
             or t("terminal.comparison", lang))
    n_ind = table.indicator.nunique()
    names = {i: labels.variable(i) for i in table.indicator.unique()}
    better = {b: t(f"terminal.better.{b}", lang) for b in table.better.unique()}
    cols = {k: t(f"terminal.col.{k}", lang, **({"year": format(t1, "g")} if k in ("baseline", "value") else {}))
            for k in ("indicator", "better", "baseline", "value", "change", "verdict")}
    name_w = min(max([len(cols["indicator"])] + [len(n) for n in names.values()]), 44)
    better_w = max([len(cols["better"])] + [len(b) for b in better.values()])
    num_w = max(14, len(cols["baseline"]), len(cols["value"]))
    change_w = max(9, len(cols["change"]))
    verdicts = {v: t(f"terminal.verdict.{v}", lang) for v in ("better", "worse", "no_change")}
    out = [t("terminal.header", lang, title=title, n=len(ranking), start=format(float(ds.time.values[0]), "g"),
             end=format(t1, "g"), engine=ds.attrs.get("engine", "?")), ""]
    head = (f"  {cols['indicator']:<{name_w}}  {cols['better']:<{better_w}}  {cols['baseline']:>{num_w}}  "
            f"{cols['value']:>{num_w}}  {cols['change']:>{change_w}}  {cols['verdict']}")
    for r in ranking.itertuples():
        fa = _txt(r.focus_area, "")
        if fa:   # English keeps the focus-area ids it always showed (and so needs no model)
            group = t("terminal.group.focus_area", lang, focus_area=fa if lang == "en" else labels.focus_area(fa))
        else:
            group = t("terminal.group.bundles" if r.kind == "bundle" else "terminal.group.no_focus_area", lang)
        rank = t("terminal.failed", lang) if r.failed else t(
            "terminal.rank", lang, overall=r.rank_overall, in_group=r.rank_in_focus_area, group=group,
            score=numbers.signed(r.score, 2, lang), n=n_ind)
        title_r = _txt(getattr(r, f"title_{lang}"), r.scenario)
        out.append(f"{title_r} [{r.scenario}, {t(f'terminal.kind.{r.kind}', lang)}] {rank}")
        out.append(head)
        for x in table[table.scenario == r.scenario].itertuples():
            name = names[x.indicator]
            name = name if len(name) <= name_w else name[: name_w - 1] + "~"
            out.append(f"  {name:<{name_w}}  {better[x.better]:<{better_w}}  "
                       f"{number_text(x.baseline_end, lang):>{num_w}}  {number_text(x.value_end, lang):>{num_w}}  "
                       f"{number_text(x.delta_end_pct, lang, pct=True):>{change_w}}  "
                       f"{verdicts[_verdict(x.improvement_end_pct).replace(' ', '_')]}")
        out.append("")
    failed = json_attr(ds, "failed_runs", []) or []
    for f in failed:
        out.append(t("terminal.failed_run", lang, scenario=f["scenario"], error=f["error"]))
    out.append(t("terminal.score_note", lang))
    return "\n".join(out)


def terminal_table(df: pd.DataFrame, title: str, max_rows: int = 40, lang: str | None = None) -> str:
    """A table for the terminal, with a title line.

    With ``lang``, scenarios show by their title in that language (column ``title_<lang>``)
    instead of their slug, and the other language's title is left out.
    """
    if df is None or not len(df):
        return ""
    if lang is not None and f"title_{lang}" in df.columns:
        df = df.drop(columns=[c for c in ("scenario", "title_en", "title_id") if c != f"title_{lang}"])
        df = df.rename(columns={f"title_{lang}": t("col_scenario", lang, catalog="ensemble")})
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format",
                           lambda x: f"{x:.4g}"):
        body = df.head(max_rows).to_string(index=False)
    more = f"\n... {len(df) - max_rows} more rows in the CSV" if len(df) > max_rows else ""
    return f"{title}\n{body}{more}"
