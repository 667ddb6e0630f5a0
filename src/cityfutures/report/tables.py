"""Tables as text, in English or Bahasa Indonesia: ``comparison.md``, the terminal table of a
comparison, and the dominant loops of each indicator (``cityfutures loops``).

Numbers follow :mod:`.numbers` (one rule per language, thousands separated); words come from
``locale/strings.yaml`` (``locale/checks.yaml`` for loops), the results' bilingual names and unit words,
and the focus-area labels the results carry. Both comparison texts lead with the ranking by weighted
score (its interval over sampled futures, its stability when the weights vary, its cost and cost per
score point), then each programme on every indicator, and, when the pathways were found, why each
notable effect happens. A stress test (a baseline with a shock) leads with what the shock does: peak
loss, loss area, time to recover.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..analysis.compare import NOTABLE_PCT, RANKING_RULE, ComparisonResult
from ..analysis.discount import rate_of
from ..analysis.metrics import is_rate
from ..results.dataset import json_attr
from . import numbers
from .i18n import t
from .labels import Labels

__all__ = ["to_markdown", "format_terminal", "terminal_table", "number_text", "why_lines", "shock_rows",
           "weights_text", "loops_text", "md_text"]

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
        return "no_change"
    return "better" if imp > 0 else "worse"


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]     # cells escaped by their makers
    return "\n".join(out)


def _has_futures(table: pd.DataFrame) -> bool:
    return bool((table["futures"].fillna(0) > 0).any())


def _pct_interval(lo, hi, lang: str) -> str:
    return numbers.interval(lo, hi, lang, lambda x, lg: numbers.change_pct(x, lg).replace(" %", "")) + (
        " %" if not numbers.missing(lo) else "")


def _score(x, lang: str) -> str:
    return numbers.NO_VALUE if numbers.missing(x) else numbers.signed(x, 2, lang)


def _score_interval(r, lang: str) -> str:
    return numbers.interval(r.score_p05, r.score_p95, lang, lambda x, lg: numbers.signed(x, 2, lg))


def _rank_range(r) -> str:
    if pd.isna(r.rank_p05) or pd.isna(r.rank_p95):
        return "-"
    return f"{int(r.rank_p05)}-{int(r.rank_p95)}" if r.rank_p05 != r.rank_p95 else str(int(r.rank_p05))


def _money(x, lang: str) -> str:
    return numbers.NO_VALUE if numbers.missing(x) else numbers.number(x, lang)


def weights_text(result: ComparisonResult, labels: Labels) -> str:
    """One sentence: how the focus areas (and indicators) weigh in the score."""
    table = result.table
    inds = list(dict.fromkeys(table.indicator))
    fa_of = {i: table.loc[table.indicator == i, "indicator_focus_area"].iloc[0] for i in inds}
    by_fa: dict = {}
    for i in inds:
        by_fa.setdefault(fa_of[i], 0.0)
        by_fa[fa_of[i]] += float(result.weights.get(i, np.nan))
    parts = [f"{labels.focus_area(fa)} {numbers.fixed(100 * w, 0, labels.lang)} %"
             for fa, w in by_fa.items() if w > 0]
    return labels.t("weights.line", weights="; ".join(parts))


def why_lines(result: ComparisonResult, labels: Labels, scenario: str | None = None, *, indent: str = "",
              short: bool = True) -> list[str]:
    """One line per explained effect: the indicator, its change, and the pathways with their shares (or
    "interaction"), effects against the programme's purpose first."""
    pw = result.pathways
    if pw is None or not len(pw):
        return []
    if scenario is not None:
        pw = pw[pw.scenario == scenario]
    lang = labels.lang
    out = []
    col = ("short_" if short else "chain_") + lang
    cells = pw.drop_duplicates(["scenario", "indicator"])
    cells = cells.assign(_o=~cells.worse.astype(bool), _a=-cells.effect_pct.abs()).sort_values(["scenario", "_o", "_a"],
                                                                                                 kind="stable")
    for cell in cells.itertuples():
        rows = pw[(pw.scenario == cell.scenario) & (pw.indicator == cell.indicator)]
        merged: dict[str, float] = {}      # chains that read the same in short form: one line, their shares added
        for _i, r in rows[rows.kind == "pathway"].iterrows():
            merged[r[col]] = merged.get(r[col], 0.0) + float(r.share)
        ways = [f"{text} ({numbers.share(share, lang)})" for text, share in merged.items()]
        head = f"{labels.variable(cell.indicator)} {numbers.change_pct(cell.effect_pct, lang)}"
        if cell.worse:
            head = labels.t("why.worse", indicator=labels.variable(cell.indicator),
                            change=numbers.change_pct(cell.effect_pct, lang))
        if (rows.kind == "interaction").any():
            text = labels.t("why.interaction", share=numbers.share(cell.interaction, lang))
            if ways:
                text += "; " + labels.t("why.partly", ways="; ".join(ways))
        else:
            text = "; ".join(ways)
        prefix = "" if scenario is not None else f"{labels.scenario(cell.scenario)}: "
        out.append(f"{indent}{prefix}{head}: {text}")
    return out


def shock_rows(result: ComparisonResult) -> pd.DataFrame:
    """The stress test's measures at the shock, one row per (run, indicator the shock hits): peak loss, loss
    area (the resilience triangle; for a yearly rate, the shock's toll: deaths, people affected), time to
    recover, and their changes against the baseline. Empty when no run meets a shock."""
    t = result.table
    hit = t[t.peak_loss.notna() & (t.kind == "baseline") & (t.peak_loss > 0)].indicator.unique()
    rows = t[t.indicator.isin(hit) & t.peak_loss.notna()]
    return rows[["scenario", "kind", "indicator", "units", "better", "peak_loss", "loss_area", "recovery_time",
                 "peak_loss_change", "loss_area_change", "rank_overall"]]


# ----------------------------------------------------------------------------- comparison.md
def to_markdown(result: ComparisonResult) -> str:
    """``comparison.md``: the score and its weights, the ranking with intervals and stability, the costs and
    cost-effectiveness, each programme's change on every indicator, the shock's measures, and why."""
    ds, table, ranking = result.results, result.table, result.ranking
    labels = Labels(ds, "en")
    title = ds.attrs.get("comparison_title_en") or ds.attrs.get("comparison_name") or "Comparison"
    t0, t1 = float(ds.time.values[0]), float(ds.time.values[-1])
    base = table[table.kind == "baseline"]
    base_name = base.scenario.iloc[0] if len(base) else "baseline"
    n_fut = int(table["futures"].max()) if _has_futures(table) else 0
    rate = rate_of(ds)
    a = {k: md_text(ds.attrs.get(k, "")) for k in ("model_name", "engine", "cityfutures_version", "pysd_version",
                                                     "created", "futures_seed", "futures_sampler")}
    lines = [f"# {md_text(title)}", "",
             f"Model {a['model_name']} (sha256 {md_text(str(ds.attrs.get('model_sha256', ''))[:12])}), "
             f"horizon {t0:g}-{t1:g}, engine {a['engine']}, cityfutures {a['cityfutures_version']}, "
             f"PySD {a['pysd_version']}, created {a['created']}. Every programme is compared with the baseline "
             f"{md_text(base_name)} over the same years."]
    if n_fut:
        lines += ["", f"Intervals: every programme also ran in {n_fut} futures sampled from the baseline's "
                  f"`uncertain:` block (seed {a['futures_seed']}, {a['futures_sampler']}),"
                  " paired across all runs; `[p5, p95]` is the 5th to 95th percentile of the change over these "
                  "futures and `P(better)` the share of futures in which the programme is better than the baseline. "
                  "The value beside an interval is the run with every constant at its nominal value; it may lie "
                  "near an end of the interval, since sampled futures can hold events (such as large floods) that the "
                  "nominal run does not."]
    shock = shock_rows(result)
    if len(shock):
        lines += ["", "## At the shock", "",
                  "Every run meets the baseline's shock, and is measured against the same run without it. "
                  "`peak loss`: the largest worsening; `loss area`: the resilience triangle, the loss summed over "
                  "time (for a yearly rate such as deaths or people affected: the shock's toll); `recovery`: years "
                  "until back within 5 % of the run without the shock (`-`: not within the horizon). Changes are "
                  "against the baseline (negative: smaller losses).", ""]
        lines.append(_md_table(["programme", "indicator", "peak loss", "loss area", "recovery", "peak loss change",
                                "loss area change"],
                               [[md_text(r.scenario), md_text(r.indicator), number_text(r.peak_loss),
                                 number_text(r.loss_area), number_text(r.recovery_time, unit=" y"),
                                 "" if r.kind == "baseline" else number_text(r.peak_loss_change),
                                 "" if r.kind == "baseline" else number_text(r.loss_area_change)]
                                for r in shock.itertuples()]))
    lines += ["", "## Indicators, which direction is better, and one unit of improvement", ""]
    inds = table.drop_duplicates("indicator")
    lines.append(_md_table(["indicator", "units", "better", "focus area", f"baseline {t1:g}", "weight",
                            "one unit of improvement (scale)"],
                           [[md_text(r.indicator), _txt(r.units), f"{r.better} is better", _txt(r.indicator_focus_area),
                             number_text(r.baseline_end), f"{100 * r.weight:.1f} %",
                             f"{number_text(r.scale)} {md_text(r.units)}: "
                             f"{md_text(ds[r.indicator].attrs.get('scale_reason_en', ''))}"
                             if np.isfinite(r.scale) else "no scale in the model's sidecar: not scored"]
                            for r in inds.itertuples()]))
    lines += ["", "## Ranking", "", RANKING_RULE + f" Rank stability: the weights drawn {result.draws:,} "
              f"times from a Dirichlet distribution around the given ones (SMAA); `rank p5-p95` and `P(top "
              f"{result.top})` over these draws" + (", each draw in one of the sampled futures" if n_fut else "")
              + f". Costs: present value at {t0:g} of capex (spread over each ramp) and opex, discounted at "
              f"{100 * rate:g} % a year; `per score point` is that cost divided by the score.", ""]
    lines.append(_md_table(["rank", "programme", "kind", "focus area", "score", "score [p5, p95]", "P(score > 0)",
                            "rank p5-p95", f"P(top {result.top})", "cost, present value [IDR bn]",
                            "cost per score point [IDR bn]"],
                           [[_txt(r.rank_overall), f"{md_text(r.title_en)} ({md_text(r.scenario)})", r.kind,
                             _txt(r.focus_area),
                             _score(r.score, "en"), _score_interval(r, "en"), numbers.share(r.p_score_positive, "en")
                             if n_fut else "", _rank_range(r), numbers.share(r.p_top, "en"),
                             _money(r.pv_cost_idr_bn, "en"), _money(r.cost_per_score, "en")]
                            for r in ranking.itertuples()]))
    lines += ["", "## Score terms", "", "Each programme's score is the sum of these terms: weight x the change in "
              "units of improvement (the change at the end of the horizon divided by the indicator's scale, signed "
              "so that positive is better).", ""]
    inds_order = list(dict.fromkeys(table.indicator))
    terms = table[table.kind != "baseline"].pivot(index="scenario", columns="indicator", values="score_term")
    lines.append(_md_table(["programme"] + [md_text(i) for i in inds_order] + ["score"],
                           [[md_text(r.scenario)] + [_score(terms.loc[r.scenario, i], "en") for i in inds_order]
                            + [_score(r.score, "en")] for r in ranking.itertuples()]))
    priced = table[table.cost_per_unit.notna()]
    if len(priced):
        lines += ["", "## Cost-effectiveness in natural units", "",
                  f"On every indicator a programme improves by {NOTABLE_PCT:g} % or more: its cost (present value) per "
                  "unit of improvement (the indicator's scale) and, for a yearly rate, per thing over the horizon "
                  "(e.g. per death averted, per person protected), the improvement discounted like the costs.", ""]
        lines.append(_md_table(["programme", "indicator", "improvement", "IDR bn per unit", "unit",
                                "IDR bn per thing over the horizon"],
                               [[md_text(r.scenario), md_text(r.indicator),
                                 number_text(r.improvement_end_pct, pct=True),
                                 _money(r.cost_per_unit, "en"), f"{number_text(r.scale)} {md_text(r.units)}",
                                 _money(r.cost_per_total, "en") if is_rate(r.units) else ""]
                                for r in priced.sort_values(["indicator", "cost_per_unit"]).itertuples()]))
    lines += ["", f"## Change against the baseline at {t1:g}", "",
              "`change` is the percent change at the end of the horizon; `verdict` applies the indicator's "
              "better direction. `cumulative` is the area between the programme's and the baseline's curves "
              "[units x year]. `effect after` is the years from the start until the change first exceeds 1 % of "
              "the baseline. `peak loss` and `recovery` (years from the shock until back to 95 % of the "
              "pre-shock level) appear for scenarios with a shock. `-` means never (or not applicable); a recovery "
              "of `-` means not back within the horizon. `term` is the indicator's term of the score.", ""]
    rows = []
    for r in table[table.kind != "baseline"].itertuples():
        row = [md_text(r.scenario), md_text(r.indicator), r.better, number_text(r.baseline_end),
               number_text(r.value_end), number_text(r.delta_end_pct, pct=True)]
        if n_fut:
            row += [_pct_interval(r.delta_end_pct_p05, r.delta_end_pct_p95, "en"), numbers.share(r.p_better, "en")]
        row += [_verdict(r.improvement_end_pct).replace("_", " "), number_text(r.cumulative_delta),
                number_text(r.time_to_effect, unit=" y"), number_text(r.peak_loss), number_text(r.recovery_time,
                                                                                                unit=" y"),
                _score(r.score_term, "en"), "" if pd.isna(r.rank_overall) else str(r.rank_overall)]
        rows.append(row)
    head = ["programme", "indicator", "better", "baseline", "value", "change"]
    head += ["[p5, p95]", "P(better)"] if n_fut else []
    head += ["verdict", "cumulative", "effect after", "peak loss", "recovery", "term", "rank"]
    lines.append(_md_table(head, rows))
    why = why_lines(result, labels, short=False)
    if why:
        lines += ["", "## Why: the pathways behind each effect", "",
                  f"For every effect of {NOTABLE_PCT:g} % or more (and every worsening of 0.1 % or more, an effect "
                  "against the programme's purpose), each link of the model from the programme's levers to the "
                  "indicator was cut in turn at the baseline's values; a pathway's share is the part of the effect "
                  "that disappears along its weakest link. What no single link carries alone is interaction.", ""]
        lines += [f"- {md_text(x)}" for x in why]
    failed = json_attr(ds, "failed_runs", []) or []
    if failed:
        lines += ["", "## Failed runs", "", "These runs failed; their rows are kept but not ranked:", ""]
        lines += [f"- {md_text(f['scenario'])}: {md_text(f['error'])}" for f in failed]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- the terminal
def _pad(text: str, width: int, right: bool = False) -> str:
    return text.rjust(width) if right else text.ljust(width)


def _grid(head: list[str], rows: list[list[str]], right: set[int], indent: str = "  ") -> list[str]:
    widths = [max([len(h)] + [len(r[k]) for r in rows]) for k, h in enumerate(head)]
    fmt = lambda cells: indent + "  ".join(_pad(c, widths[k], k in right) for k, c in enumerate(cells)).rstrip()
    return [fmt(head)] + [fmt(r) for r in rows]


def format_terminal(result: ComparisonResult, lang: str = "en", width: int = 100, *, model=None,
                    why: bool = False) -> str:
    """A readable plain-text report: the ranking, then per programme each indicator with its better
    direction, the baseline and the programme's value at the end of the horizon (unit words, thousands
    separated), the change with its interval and P(better) when futures ran, and its term of the score.

    Parameters
    ----------
    result : ComparisonResult
    lang : {"en", "id"}
        Language of every word (``locale/strings.yaml``, the Dataset's bilingual names, the
        model's focus-area labels) and of the numbers (Indonesian: ``1.234,5``).
    model : Model or path, optional
        Only for labels older results lack.
    why : bool
        Under each programme, why each notable effect happens (when the pathways were found).
    """
    labels = Labels(result.results, lang, model=model)
    ds, table, ranking = result.results, result.table, result.ranking
    t1 = float(ds.time.values[-1])
    title = (ds.attrs.get(f"comparison_title_{lang}") or ds.attrs.get("comparison_name")
             or t("terminal.comparison", lang))
    fut = _has_futures(table)
    out = [t("terminal.header", lang, title=title, n=len(ranking), start=format(float(ds.time.values[0]), "g"),
             end=format(t1, "g"), engine=ds.attrs.get("engine", "?")), weights_text(result, labels)]
    if fut:
        out.append(t("terminal.futures", lang, n=int(table["futures"].max())))
    shock = shock_rows(result)
    if len(shock):
        out += ["", t("terminal.shock_title", lang)]
        rows = []
        for r in shock.itertuples():
            unit = labels.unit(r.indicator)
            total_unit = labels.cumulative_unit(r.indicator) if is_rate(r.units) else labels.t(
                "unit.times_years", unit=unit)
            rows.append([labels.scenario(r.scenario), labels.variable(r.indicator),
                         numbers.number(r.peak_loss, lang), numbers.number(r.loss_area, lang), total_unit,
                         labels.t("terminal.years", years=numbers.fixed(r.recovery_time, 1, lang))
                         if np.isfinite(r.recovery_time) else t("terminal.not_recovered", lang),
                         "" if r.kind == "baseline" else numbers.signed_number(r.loss_area_change, lang)])
        out += _grid([t(f"terminal.shock.{k}", lang) for k in ("programme", "indicator", "peak", "area", "unit",
                                                                "recovery", "area_change")], rows, {2, 3, 6})
    out += ["", t("terminal.ranking", lang)]
    rows = []
    for r in ranking.itertuples():
        rows.append([_txt(r.rank_overall), _txt(getattr(r, f"title_{lang}"), r.scenario), _score(r.score, lang),
                     _score_interval(r, lang) if fut else "", _rank_range(r), numbers.share(r.p_top, lang),
                     _money(r.pv_cost_idr_bn, lang), _money(r.cost_per_score, lang)])
    head = [t(f"terminal.rank.{k}", lang, k=result.top) for k in ("rank", "programme", "score", "interval", "range",
                                                                  "top", "cost", "per_point")]
    keep = [k for k in range(len(head)) if fut or k != 3]
    out += _grid([head[k] for k in keep], [[r[k] for k in keep] for r in rows],
                 {k2 for k2, k in enumerate(keep) if k in (0, 2, 5, 6, 7)})
    better = {b: t(f"terminal.better.{b}", lang) for b in table.better.unique()}
    verdicts = {v: t(f"terminal.verdict.{v}", lang) for v in ("better", "worse", "no_change")}
    n_ind = table.indicator.nunique()
    for r in ranking.itertuples():
        fa = _txt(r.focus_area, "")
        if fa:
            group = t("terminal.group.focus_area", lang, focus_area=labels.focus_area(fa))
        else:
            group = t("terminal.group.bundles" if r.kind == "bundle" else "terminal.group.no_focus_area", lang)
        rank = t("terminal.failed", lang) if r.failed else t(
            "terminal.rank", lang, overall=_txt(r.rank_overall), in_group=_txt(r.rank_in_focus_area), group=group,
            score=_score(r.score, lang), n=n_ind)
        out += ["", f"{_txt(getattr(r, f'title_{lang}'), r.scenario)} [{r.scenario}, "
                    f"{t(f'terminal.kind.{r.kind}', lang)}] {rank}"]
        head = [t(f"terminal.col.{k}", lang, year=format(t1, "g")) for k in
                ("indicator", "better", "baseline", "value", "change", "interval", "p_better", "verdict", "term",
                 "unit")]
        rows = []
        for x in table[table.scenario == r.scenario].itertuples():
            rows.append([labels.variable(x.indicator), better[x.better], number_text(x.baseline_end, lang),
                         number_text(x.value_end, lang), number_text(x.delta_end_pct, lang, pct=True),
                         _pct_interval(x.delta_end_pct_p05, x.delta_end_pct_p95, lang),
                         numbers.share(x.p_better, lang), verdicts[_verdict(x.improvement_end_pct)],
                         _score(x.score_term, lang), labels.unit(x.indicator)])
        keep = [k for k in range(len(head)) if fut or k not in (5, 6)]
        out += _grid([head[k] for k in keep], [[row[k] for k in keep] for row in rows],
                     {k2 for k2, k in enumerate(keep) if k in (2, 3, 4, 6, 8)})
        if why:
            lines = why_lines(result, labels, r.scenario, indent="  ")
            out += [t("terminal.why", lang)] + lines if lines else []
    failed = json_attr(ds, "failed_runs", []) or []
    if failed:
        out.append("")
    for f in failed:
        out.append(t("terminal.failed_run", lang, scenario=f["scenario"], error=f["error"]))
    out += ["", t("terminal.score_note", lang)]
    return "\n".join(out)


def terminal_table(df: pd.DataFrame, title: str, max_rows: int = 40, lang: str | None = None) -> str:
    """A table for the terminal, with a title line; numbers thousands-separated in the language's marks.

    With ``lang``, scenarios show by their title in that language (column ``title_<lang>``)
    instead of their slug, and the other language's title is left out.
    """
    if df is None or not len(df):
        return ""
    marks = lang or "en"
    if lang is not None and f"title_{lang}" in df.columns:
        df = df.drop(columns=[c for c in ("scenario", "title_en", "title_id") if c != f"title_{lang}"])
        df = df.rename(columns={f"title_{lang}": t("col_scenario", lang, catalog="ensemble")})
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format",
                           lambda x: numbers.number(x, marks, digits=4)):
        body = df.head(max_rows).to_string(index=False)
    more = f"\n... {len(df) - max_rows} more rows in the CSV" if len(df) > max_rows else ""
    return f"{title}\n{body}{more}"


def loops_text(result, lang: str = "en", top: int = 3) -> str:
    """The dominant loops of each indicator, period by period, as terminal text.

    Parameters
    ----------
    result : LoopDominance
        From :func:`cityfutures.analysis.loops.loop_dominance`.
    lang : {"en", "id"}
    top : int
        Loops listed per period (a ``*`` marks the period's dominant ones).
    """
    def tr(key: str, **fmt) -> str:
        return t(key, lang, catalog="checks", **fmt)

    lines = []
    for ind in result.indicators:
        lines.append(tr("loops.table_title", indicator=result.label(ind, lang)))
        head = [tr(f"loops.col_{k}") for k in ("period", "loop", "polarity", "share", "description")]
        lines.append(f"  {head[0]:<13} {head[1]:<8} {head[2]:<12} {head[3]:>7}  {head[4]}")
        for r in result.dominant(ind, top=top).itertuples():
            period = f"{numbers.year(r.period_start)}-{numbers.year(r.period_end)}"
            share = numbers.signed(100 * r.share, 0, lang) + " %"
            name = r.name + ("*" if r.dominant else " ")
            desc = r.label_en if lang == "en" else r.label_id
            lines.append(f"  {period:<13} {name:<8} {tr('loops.' + r.polarity):<12} {share:>7}  {desc}")
    lines += [f"{tr('loops.note_prefix')}: {n}" for n in result.notes]
    return "\n".join(lines)
