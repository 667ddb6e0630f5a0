"""Robust decisions over an ensemble: regret, the chance of beating the baseline, targets, the robust ranking.

Every table reads the last reported period of an ensemble dataset (:mod:`cityfutures.results.ensemble`:
annual means) and keys scenarios by ``scenario`` (the slug), with their titles ``title_en``,
``title_id``. The robust ranking orders programmes per indicator by minimax regret, then by the
share of futures in which they beat the baseline, then by targets met.

>>> tables = robust_tables(dataset, targets=[parse_target("Travel time<=40")])   # doctest: +SKIP
>>> tables["ranking"]                                                                  # doctest: +SKIP
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..errors import InputError
from ..names import did_you_mean, norm_name
from ..results.ensemble import QUANTILES

__all__ = ["Target", "parse_target", "regret", "robust_tables", "EnsembleResult", "TABLES"]

TABLES = ("summary", "probability", "regret", "targets", "ranking", "failures")


@dataclass(frozen=True)
class Target:
    """A stated target on an indicator in the last year (annual mean), e.g. ``Travel time<=40``."""

    indicator: str
    op: str
    value: float

    def met(self, x: np.ndarray) -> np.ndarray:
        return {"<=": x <= self.value, "<": x < self.value, ">=": x >= self.value,
                ">": x > self.value}[self.op]

    def __str__(self) -> str:
        return f"{self.indicator} {self.op} {self.value:g}"


@dataclass
class EnsembleResult:
    """What an ensemble returns.

    Attributes
    ----------
    dataset : xarray.Dataset
        ``quantiles`` (indicator, measure = value|difference, scenario, quantile, time);
        ``p_better`` (indicator, scenario, time): share of futures in which the scenario beats
        the baseline; ``end_value`` (scenario, sample, indicator): each run's value in the last
        year. Every value is an annual mean (the mean over the saved times within the year
        ``[time, time + every)``: a flow's yearly total, a stock's annual average). Coordinates
        ``title_en``, ``title_id`` on ``scenario``. Attributes: seed, samples, sampler, executor,
        model hash, failed runs, ``every`` and ``time_aggregation``.
    tables : dict of pandas.DataFrame
        ``summary``, ``probability``, ``regret``, ``targets``, ``ranking``, ``failures``.
    samples : Samples
    failures : list of RunFailure
    plan : Plan
    """

    dataset: xr.Dataset
    tables: dict
    samples: Any
    failures: list
    plan: Any = None


def parse_target(text: str, indicators: Sequence[str] | None = None) -> Target:
    """``"Travel time<=40"`` -> :class:`Target` (operators ``<= < >= >``)."""
    m = re.match(r"^\s*(.+?)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$", str(text))
    if not m:
        raise InputError(f"cannot read target '{text}'", field="--target",
                         allowed="'Indicator<=value' or 'Indicator>=value'")
    name, op, value = m.group(1), m.group(2), m.group(3)
    try:
        val = float(value)
    except ValueError:
        raise InputError(f"'{value}' is not a number", field="--target") from None
    if indicators is not None:
        norm = {norm_name(i): i for i in indicators}
        key = norm_name(name)
        if key not in norm:
            raise InputError(f"unknown indicator '{name}' in target. " + did_you_mean(name, indicators),
                             field="--target", allowed=", ".join(indicators))
        name = norm[key]
    return Target(name, op, val)


def regret(end: np.ndarray, better: Sequence[str]) -> np.ndarray:
    """Regret of each scenario in each future: how much worse than the best scenario there.

    ``end`` has shape ``(S, N, I)`` (the last year's annual means); the result too, >= 0, in the
    indicator's units.
    """
    sign = np.array([1.0 if b == "higher" else -1.0 for b in better])
    perf = end * sign[None, None, :]
    return np.nanmax(perf, axis=0, keepdims=True) - perf


def robust_tables(ds: xr.Dataset, targets: Sequence[Target] = (), failures: Sequence[Any] = (),
                  samples: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The tables of an ensemble, on the last period's annual means (column ``year``: its start).

    Parameters
    ----------
    ds : Dataset
        An ensemble dataset (:func:`cityfutures.results.ensemble.reduce_ensemble`).
    targets : sequence of Target
    failures : sequence of RunFailure
    samples : DataFrame, optional
        One row per sample (``Samples.table()``), joined to the failures.

    Returns
    -------
    dict of DataFrame
        ``summary``, ``probability``, ``regret``, ``targets``, ``ranking``, ``failures``.
    """
    indicators = [str(i) for i in ds.indicator.values]
    better_of = [str(b) for b in ds.better.values]
    units_of = [str(u) for u in ds.units.values]
    names = list(ds.scenario.values)
    kinds = list(ds.kind.values)
    end_t = ds.time.values[-1]
    q = ds["quantiles"].sel(time=end_t)
    rows = []
    for ind in indicators:
        for s, kind in zip(names, kinds):
            row = {"scenario": s, "kind": kind, "indicator": ind, "units": str(ds.units.sel(indicator=ind).values),
                   "better": str(ds.better.sel(indicator=ind).values), "year": float(end_t)}
            for meas in ("value", "difference"):
                for qq in QUANTILES:
                    row[f"{meas}_p{int(round(qq * 100)):02d}"] = float(q.sel(indicator=ind, measure=meas,
                                                                             scenario=s, quantile=qq))
            rows.append(row)
    summary = pd.DataFrame(rows)
    end = ds["end_value"].to_numpy()                                      # (S, N, I)
    valid = np.isfinite(end).all(axis=(0, 2))
    end = end[:, valid]
    reg = regret(end, better_of)
    prob_rows, reg_rows = [], []
    for k, ind in enumerate(indicators):
        max_r = reg[:, :, k].max(axis=1)
        order = pd.Series(max_r).rank(method="min").astype(int).to_numpy()
        for j, s in enumerate(names):
            if j > 0:
                p = float(ds["p_better"].sel(indicator=ind, scenario=s, time=end_t))
                sgn = 1.0 if better_of[k] == "higher" else -1.0
                d = (end[j, :, k] - end[0, :, k]) * sgn
                prob_rows.append({"scenario": s, "indicator": ind, "p_better": p,
                                  "p_worse": float((d < 0).mean()), "p_same": float((d == 0).mean()),
                                  "median_improvement": float(np.median(d))})
            reg_rows.append({"scenario": s, "indicator": ind, "units": units_of[k],
                             "max_regret": float(max_r[j]), "mean_regret": float(reg[j, :, k].mean()),
                             "p95_regret": float(np.quantile(reg[j, :, k], 0.95)),
                             "minimax_rank": int(order[j])})
    probability = pd.DataFrame(prob_rows, columns=["scenario", "indicator", "p_better", "p_worse", "p_same",
                                                   "median_improvement"])
    regret_t = pd.DataFrame(reg_rows)
    tgt_rows = []
    for t in targets:
        k = indicators.index(t.indicator)
        for j, s in enumerate(names):
            tgt_rows.append({"scenario": s, "target": str(t), "indicator": t.indicator,
                             "share_met": float(t.met(end[j, :, k]).mean())})
    target_t = pd.DataFrame(tgt_rows, columns=["scenario", "target", "indicator", "share_met"])
    # the robust ranking: per indicator, minimax regret, then P(beats baseline), then targets met
    ranking = regret_t[["scenario", "indicator", "max_regret", "minimax_rank"]].merge(
        probability[["scenario", "indicator", "p_better"]], on=["scenario", "indicator"], how="left")
    if len(target_t):
        ranking = ranking.merge(target_t.groupby(["scenario", "indicator"], as_index=False)["share_met"].min(),
                                on=["scenario", "indicator"], how="left")
    ranking = ranking.sort_values(["indicator", "minimax_rank", "scenario"], kind="stable").reset_index(drop=True)
    fail_t = pd.DataFrame([{"sample": f.sample, "scenario": f.scenario, "error": f.error} for f in failures],
                          columns=["sample", "scenario", "error"])
    if len(fail_t) and samples is not None:
        fail_t = fail_t.merge(samples.reset_index(), on="sample", how="left")
    tables = {"summary": summary, "probability": probability, "regret": regret_t, "targets": target_t,
              "ranking": ranking}
    titles = {lang: dict(zip(names, (str(x) for x in ds[f"title_{lang}"].values))) for lang in ("en", "id")}
    for df in tables.values():
        for k, lang in enumerate(("en", "id")):
            df.insert(1 + k, f"title_{lang}", [titles[lang].get(x, x) for x in df["scenario"]])
    tables["failures"] = fail_t
    return tables
