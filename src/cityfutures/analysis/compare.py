"""The comparison: every programme against the baseline, indicator by indicator, and a ranking.

The table has one row per (scenario, indicator), baseline rows included (their changes
are 0 and they are not ranked); columns are those of docs/architecture.md, plus
``title_en``, ``title_id`` and ``failed``. Metrics are defined in :mod:`cityfutures.metrics`.

Ranking rule
------------
For each indicator, a programme's improvement at the end of the horizon
(``improvement_end_pct``: percent change against the baseline, signed so that > 0 is
better) is divided by the largest absolute improvement any programme achieves on that
indicator, giving a normalised improvement in [-1, 1] (the row's ``score``; 0 when no
programme moves the indicator). A programme's overall score is the **sum of its
normalised improvements over all compared indicators** (each indicator weighs the
same). ``rank_overall`` orders programmes (interventions and bundles) by that score,
1 = best, ties share the better rank; ``rank_in_focus_area`` does the same among the
programmes of the programme's own focus area (programmes without one, e.g. mixed
bundles, are ranked among themselves). Failed runs are not ranked.

Costs: ``total_cost_idr_bn`` is capex plus opex over the years each intervention runs
within the horizon (undiscounted, beyond the baseline's); ``cost_per_improvement`` is that
total divided by ``improvement_end_pct`` [IDR billion per percentage point], NaN where
the programme does not improve the indicator.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from . import metrics
from ..errors import InputError
from ..results.dataset import atomic_write, json_attr

__all__ = ["ComparisonResult", "compare", "comparison_table", "rank", "write_comparison", "to_markdown",
           "format_terminal", "COLUMNS", "RANKING_RULE"]

COLUMNS = ["scenario", "kind", "focus_area", "track", "indicator", "indicator_focus_area", "units", "better",
           "baseline_end", "value_end", "delta_end", "delta_end_pct", "cumulative_delta", "improvement_end_pct",
           "time_to_effect", "peak_loss", "recovery_time", "capex_idr_bn", "opex_idr_bn_per_year",
           "total_cost_idr_bn", "cost_per_improvement", "score", "rank_in_focus_area", "rank_overall",
           "title_en", "title_id", "failed"]

RANKING_RULE = (
    "Ranking rule: for each indicator, a programme's improvement at the end of the horizon (percent change "
    "against the baseline, signed so that positive is better) is divided by the largest absolute improvement "
    "any programme achieves on that indicator. A programme's score is the sum of these normalised "
    "improvements over all indicators (each indicator weighs the same; the best possible score is the number "
    "of indicators). Rank 1 is the highest score, overall and within the programme's focus area.")


@dataclass(frozen=True)
class ComparisonResult:
    """What :func:`compare` returns.

    Attributes
    ----------
    results : xarray.Dataset
        The runs (dims ``scenario``, ``time``), see :mod:`cityfutures.results`.
    table : pandas.DataFrame
        One row per (scenario, indicator); columns :data:`COLUMNS`.
    ranking : pandas.DataFrame
        One row per programme: ``scenario``, ``title_en``, ``title_id``, ``kind``,
        ``focus_area``, ``track``, ``score``, ``rank_overall``, ``rank_in_focus_area``,
        ``total_cost_idr_bn``, ``failed``; sorted by ``rank_overall``.
    """

    results: xr.Dataset
    table: pd.DataFrame
    ranking: pd.DataFrame

    def to_markdown(self) -> str:
        return to_markdown(self)

    def write(self, folder: str | os.PathLike) -> tuple[Path, Path]:
        return write_comparison(self, folder)


# ----------------------------------------------------------------------------- the table
def _coord(ds: xr.Dataset, name: str, default: Any = "") -> list:
    if name in ds.coords:
        return [v.item() if hasattr(v, "item") else v for v in ds[name].values]
    return [default] * ds.sizes["scenario"]


def _none(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v == "" else v


def _first_shocks(ds: xr.Dataset) -> dict[str, float]:
    out: dict[str, float] = {}
    for sh in json_attr(ds, "shocks", []) or []:
        name, year = sh["scenario"], float(sh["year"])
        out[name] = min(year, out.get(name, math.inf))
    return out


def comparison_table(ds: xr.Dataset) -> pd.DataFrame:
    """The comparison table of a results Dataset (needs no model: everything is in ``ds``).

    Raises
    ------
    InputError
        ``ds`` holds no baseline run, or an indicator it names is missing.
    """
    kinds = _coord(ds, "kind")
    if "baseline" not in kinds:
        raise InputError("the results hold no baseline run to compare against",
                         allowed="results of a comparison (cityfutures compare)")
    names = [str(s) for s in ds.scenario.values]
    base_name = names[kinds.index("baseline")]
    indicators = json_attr(ds, "indicators", None) or [v for v in ds.data_vars if "better" in ds[v].attrs]
    failed = {f["scenario"] for f in json_attr(ds, "failed_runs", []) or []}
    shocks = _first_shocks(ds)
    t0 = float(ds.time.values[0])
    capex = _coord(ds, "cost_capex_idr_bn", 0.0)
    opex = _coord(ds, "cost_opex_idr_bn_per_year", 0.0)
    total = _coord(ds, "cost_total_idr_bn", math.nan)
    rows = []
    for ind in indicators:
        if ind not in ds.data_vars:
            raise InputError(f"indicator '{ind}' is not in the results", allowed=", ".join(ds.data_vars))
        da = ds[ind]
        if set(da.dims) != {"scenario", "time"}:
            raise InputError(f"indicator '{ind}' must have dims (scenario, time), has {da.dims}")
        da = da.transpose("scenario", "time")
        better = da.attrs.get("better", "higher")
        base = da.sel(scenario=base_name)
        end = metrics.end_value(da)
        base_end = metrics.end_value(base)
        d_end = end - base_end
        pct = metrics.percent_change(end, base_end)
        cum = metrics.area_between(da, base)
        tte = metrics.time_to_effect(da, base, start=t0)
        for i, name in enumerate(names):
            peak = rec = math.nan
            if name in shocks:
                peak = float(metrics.peak_loss(da.isel(scenario=i), shocks[name], better))
                rec = float(metrics.recovery_time(da.isel(scenario=i), shocks[name], better))
            imp = float(metrics.improvement(float(pct[i]), better))
            cost = float(total[i]) if total[i] is not None else math.nan
            if kinds[i] == "baseline" or not np.isfinite(imp) or imp <= 0:
                cpi = math.nan
            else:
                cpi = cost / imp
            rows.append({
                "scenario": name, "kind": kinds[i], "focus_area": _none(_coord(ds, "focus_area")[i]),
                "track": _none(_coord(ds, "track")[i]), "indicator": ind,
                "indicator_focus_area": da.attrs.get("focus_area"), "units": da.attrs.get("units", ""),
                "better": better, "baseline_end": float(base_end), "value_end": float(end[i]),
                "delta_end": float(d_end[i]), "delta_end_pct": float(pct[i]), "cumulative_delta": float(cum[i]),
                "improvement_end_pct": imp, "time_to_effect": float(tte[i]), "peak_loss": peak,
                "recovery_time": rec, "capex_idr_bn": float(capex[i]), "opex_idr_bn_per_year": float(opex[i]),
                "total_cost_idr_bn": cost, "cost_per_improvement": cpi,
                "title_en": _coord(ds, "title_en", name)[i] or name,
                "title_id": _coord(ds, "title_id", name)[i] or name, "failed": name in failed,
            })
    table = pd.DataFrame(rows)
    return rank(table)[0]


def rank(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``score``, ``rank_in_focus_area``, ``rank_overall`` to ``table``; also return the ranking.

    See the module docstring for the rule.
    """
    table = table.copy()
    ranked = (table["kind"] != "baseline") & (~table["failed"].astype(bool))
    imp = table["improvement_end_pct"].where(ranked)
    scale = imp.abs().groupby(table["indicator"]).transform("max")
    score = (imp / scale).where(scale > 0, 0.0).where(ranked)
    table["score"] = score.fillna(0.0).where(ranked)
    programmes = table[ranked].drop_duplicates("scenario")[
        ["scenario", "title_en", "title_id", "kind", "focus_area", "track", "total_cost_idr_bn", "failed"]]
    totals = table[ranked].groupby("scenario", sort=False)["score"].sum()
    ranking = programmes.set_index("scenario")
    ranking["score"] = totals
    ranking["rank_overall"] = ranking["score"].rank(ascending=False, method="min")
    group = ranking["focus_area"].fillna("")
    ranking["rank_in_focus_area"] = ranking.groupby(group)["score"].rank(ascending=False, method="min")
    ranking = ranking.reset_index()
    ranking = ranking.sort_values(["rank_overall", "scenario"], kind="stable").reset_index(drop=True)
    ranking = ranking[["scenario", "title_en", "title_id", "kind", "focus_area", "track", "score", "rank_overall",
                       "rank_in_focus_area", "total_cost_idr_bn", "failed"]]
    for col in ("rank_overall", "rank_in_focus_area"):
        ranking[col] = ranking[col].astype("Int64")
        table[col] = table["scenario"].map(ranking.set_index("scenario")[col]).astype("Int64")
    return table[COLUMNS], ranking


# ----------------------------------------------------------------------------- the API
def compare(what: Any = None, *, engine: str = "batch", results: xr.Dataset | str | os.PathLike | None = None,
            progress: bool = False) -> ComparisonResult:
    """Compare every programme of a comparison against its baseline.

    Parameters
    ----------
    what : Comparison or path, optional
        The comparison to run. Not needed when ``results`` is given.
    engine : {"batch", "pysd"}
        See :func:`cityfutures.run`.
    results : Dataset or path, optional
        Results of an earlier run (a Dataset or a ``results.nc``): compare them without running.
    progress : bool
        Show a progress bar while running.

    Returns
    -------
    ComparisonResult
        ``results``, ``table`` (one row per scenario and indicator) and ``ranking``.

    Examples
    --------
    >>> res = compare("scenarios/workshop-2018.yaml")                 # doctest: +SKIP
    >>> res.ranking[["scenario", "score", "rank_overall"]]             # doctest: +SKIP
    """
    if results is None:
        if what is None:
            raise InputError("nothing to compare: give a comparison or results", path="<api>")
        from ..engine.runner import run
        ds = run(what, engine=engine, progress=progress)
    elif isinstance(results, xr.Dataset):
        ds = results
    else:
        from ..results.dataset import load_results
        ds = load_results(results)
    table, ranking = rank(comparison_table(ds))
    return ComparisonResult(results=ds, table=table, ranking=ranking)


# ----------------------------------------------------------------------------- presenting
def _num(x: float, pct: bool = False, unit: str = "") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x):
        return "-"
    if pct:
        return f"{x:+.1f} %"
    return f"{x:,.4g}{unit}" if abs(x) < 1e6 else f"{x:,.0f}{unit}"


def _txt(x, empty: str = "-") -> str:
    return empty if x is None or (not isinstance(x, str) and pd.isna(x)) or x == "" else str(x)


def _verdict(imp: float) -> str:
    if not np.isfinite(imp) or abs(imp) < 0.05:
        return "no change"
    return "better" if imp > 0 else "worse"


def _md_table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "/") for c in r) + " |" for r in rows]
    return "\n".join(out)


def to_markdown(result: ComparisonResult) -> str:
    """``comparison.md``: what was compared, which direction is better, the ranking and the table."""
    ds, table, ranking = result.results, result.table, result.ranking
    title = ds.attrs.get("comparison_title_en") or ds.attrs.get("comparison_name") or "Comparison"
    t0, t1 = float(ds.time.values[0]), float(ds.time.values[-1])
    base = table[table.kind == "baseline"]
    base_name = base.scenario.iloc[0] if len(base) else "baseline"
    lines = [f"# {title}", "",
             f"Model `{ds.attrs.get('model_name', '')}` (sha256 {str(ds.attrs.get('model_sha256', ''))[:12]}), "
             f"horizon {t0:g}-{t1:g}, engine `{ds.attrs.get('engine', '')}`, "
             f"cityfutures {ds.attrs.get('cityfutures_version', '')}, PySD {ds.attrs.get('pysd_version', '')}, "
             f"created {ds.attrs.get('created', '')}. Every programme is compared with the baseline "
             f"`{base_name}` over the same years.", "",
             "## Indicators and which direction is better", ""]
    inds = table.drop_duplicates("indicator")
    lines.append(_md_table(["indicator", "units", "better", "focus area", f"baseline {t1:g}"],
                           [[r.indicator, r.units, f"{r.better} is better", _txt(r.indicator_focus_area),
                             _num(r.baseline_end)] for r in inds.itertuples()]))
    lines += ["", "## Ranking", "", RANKING_RULE, ""]
    lines.append(_md_table(["rank", "programme", "kind", "focus area", "rank in focus area", "score",
                            "total cost [IDR bn]"],
                           [[str(r.rank_overall), f"{r.title_en} (`{r.scenario}`)", r.kind, _txt(r.focus_area),
                             _txt(r.rank_in_focus_area), f"{r.score:+.2f}", _num(r.total_cost_idr_bn)]
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
        rows.append([r.scenario, r.indicator, r.better, _num(r.baseline_end), _num(r.value_end),
                     _num(r.delta_end_pct, pct=True), _verdict(r.improvement_end_pct), _num(r.cumulative_delta),
                     _num(r.time_to_effect, unit=" y"), _num(r.peak_loss), _num(r.recovery_time, unit=" y"),
                     _num(r.cost_per_improvement), "" if pd.isna(r.rank_overall) else str(r.rank_overall)])
    lines.append(_md_table(["programme", "indicator", "better", "baseline", "value", "change", "verdict",
                            "cumulative", "effect after", "peak loss", "recovery", "cost / pt", "rank"], rows))
    shocked = base[base.peak_loss.notna()]
    if len(shocked):
        lines += ["", "Baseline under its shock: " + "; ".join(
            f"{r.indicator}: peak loss {_num(r.peak_loss)}, recovery {_num(r.recovery_time, unit=' y')}"
            for r in shocked.itertuples())]
    failed = json_attr(ds, "failed_runs", []) or []
    if failed:
        lines += ["", "## Failed runs", "", "These runs failed; their rows are kept but not ranked:", ""]
        lines += [f"- `{f['scenario']}`: {f['error']}" for f in failed]
    return "\n".join(lines) + "\n"


def write_comparison(result: ComparisonResult, folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``comparison.csv`` and ``comparison.md`` into ``folder`` (each atomically)."""
    folder = Path(folder)
    csv, md = folder / "comparison.csv", folder / "comparison.md"
    text = to_markdown(result)
    atomic_write(csv, lambda tmp: result.table.to_csv(tmp, index=False))
    atomic_write(md, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return csv, md


def _num_lang(x: float, lang: str, pct: bool = False) -> str:
    """:func:`_num` in ``lang``: English as :func:`_num`; otherwise the charts' number marks
    (Indonesian: decimal comma, thousands dots)."""
    if lang == "en":
        return _num(x, pct=pct)
    if x is None or pd.isna(x) or not math.isfinite(x):
        return "-"
    from ..report.charts._common import fmt_num
    return _signed(x, 1, lang) + " %" if pct else fmt_num(x, lang, digits=4)


def _signed(x: float, decimals: int, lang: str) -> str:
    if lang == "en":
        return f"{x:+.{decimals}f}"
    from ..report.charts._common import fmt_fixed
    s = fmt_fixed(x, decimals, lang)
    return s if s.startswith("\u2212") else "+" + s


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
    from ..report.charts._common import Labels
    from ..report.i18n import t
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
            score=_signed(r.score, 2, lang), n=n_ind)
        title_r = _txt(getattr(r, f"title_{lang}"), r.scenario)
        out.append(f"{title_r} [{r.scenario}, {t(f'terminal.kind.{r.kind}', lang)}] {rank}")
        out.append(head)
        for x in table[table.scenario == r.scenario].itertuples():
            name = names[x.indicator]
            name = name if len(name) <= name_w else name[: name_w - 1] + "~"
            out.append(f"  {name:<{name_w}}  {better[x.better]:<{better_w}}  "
                       f"{_num_lang(x.baseline_end, lang):>{num_w}}  {_num_lang(x.value_end, lang):>{num_w}}  "
                       f"{_num_lang(x.delta_end_pct, lang, pct=True):>{change_w}}  "
                       f"{verdicts[_verdict(x.improvement_end_pct).replace(' ', '_')]}")
        out.append("")
    failed = json_attr(ds, "failed_runs", []) or []
    for f in failed:
        out.append(t("terminal.failed_run", lang, scenario=f["scenario"], error=f["error"]))
    out.append(t("terminal.score_note", lang))
    return "\n".join(out)
