"""Scenario discovery: which combinations of uncertain conditions make a programme fail.

The futures of an ensemble are labelled *fail* or *pass* for a programme (it does not beat the
baseline on an indicator, or it misses a stated target); PRIM (the Patient Rule Induction
Method, Friedman and Fisher 1999) from the EMA Workbench then peels the space of uncertain
conditions down to a box where failures concentrate. A box is read as: "when growth is above
x and two or more floods strike, the programme fails in 85 % of futures (density), and these
futures hold 70 % of all its failures (coverage)".

>>> d = discover(result, "sea-wall", indicator="Homes flooded")            # doctest: +SKIP
>>> d.limits                                                                  # doctest: +SKIP
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .robust import EnsembleResult, Target

with warnings.catch_warnings():   # the EMA Workbench warns about its own optional parts on import
    warnings.simplefilter("ignore")
    from ema_workbench.analysis import prim

__all__ = ["discover", "discover_all", "Discovery", "failures_of", "DISCOVERY_COLUMNS"]


@dataclass
class Discovery:
    """A PRIM box.

    Attributes
    ----------
    scenario, indicator : str
    rule : str
        What counts as failure, in words.
    limits : pandas.DataFrame
        One row per restricted condition: ``condition``, ``low``, ``high`` (and the full
        ``range_low``, ``range_high`` of the sampled futures).
    coverage : float
        Share of all failing futures that fall inside the box.
    density : float
        Share of futures inside the box that fail.
    mass : float
        Share of all futures inside the box.
    trajectory : pandas.DataFrame
        PRIM's peeling trajectory (coverage, density, mass, res_dim per step).
    failure_rate : float
        Share of all futures that fail.
    """

    scenario: str
    indicator: str
    rule: str
    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    failure_rate: float
    n_failed: int


def failures_of(result: EnsembleResult, scenario: str, indicator: str, target: Target | None = None) -> np.ndarray:
    """Boolean per used sample: does ``scenario`` fail there?

    Without a target, failing means not beating the baseline in the last year (annual means);
    with a target, missing the target there.
    """
    ds = result.dataset
    end = ds["end_value"].sel(indicator=indicator)
    used = np.isfinite(ds["end_value"]).all(dim=("scenario", "indicator")).to_numpy()
    x = end.sel(scenario=scenario).to_numpy()[used]
    if target is not None:
        return ~target.met(x)
    base = end.isel(scenario=0).to_numpy()[used]
    better = str(ds.better.sel(indicator=indicator).values)
    gain = (x - base) if better == "higher" else (base - x)
    return ~(gain > 0)


def discover(result: EnsembleResult, scenario: str, *, indicator: str | None = None, target: Target | None = None,
             threshold: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """Find the box of uncertain conditions in which ``scenario`` fails.

    Parameters
    ----------
    result : EnsembleResult
    scenario : str
        An intervention (or bundle) of the ensemble.
    indicator : str, optional
        Default: the target's indicator, else the first indicator.
    target : Target, optional
        Fail = target missed; without it, fail = not better than the baseline.
    threshold : float
        Density PRIM aims for; the box chosen is the one with the largest coverage among
        those at least this dense (else the densest).
    peel_alpha, mass_min : float
        PRIM's peeling fraction and the smallest share of futures a box may hold.

    Raises
    ------
    InputError
        Unknown scenario/indicator, or the programme never (or always) fails, so there is
        nothing to discover.
    """
    ds = result.dataset
    names = list(ds.scenario.values)
    if scenario not in names[1:]:
        raise InputError(f"'{scenario}' is not an intervention of the ensemble", field="scenario",
                         allowed=", ".join(names[1:]))
    indicator = indicator or (target.indicator if target is not None else str(ds.indicator.values[0]))
    if indicator not in list(ds.indicator.values):
        raise InputError(f"unknown indicator '{indicator}'", field="indicator",
                         allowed=", ".join(map(str, ds.indicator.values)))
    y = failures_of(result, scenario, indicator, target)
    used = np.isfinite(ds["end_value"]).all(dim=("scenario", "indicator")).to_numpy()
    x = result.samples.table().iloc[used].astype(float).reset_index(drop=True)
    x = x.loc[:, x.nunique() > 1]
    rule = f"misses {target}" if target is not None else f"does not beat the baseline on {indicator}"
    n_fail = int(y.sum())
    if n_fail == 0 or n_fail == len(y):
        raise InputError(f"'{scenario}' {'never' if n_fail == 0 else 'always'} fails ({rule}) in the {len(y)} "
                         "futures: nothing to discover", field="scenario")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory.copy()
    ok = traj[traj["density"] >= threshold]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    lim, full = box.box_lims[i], box.box_lims[0]
    rows = []
    for c in lim.columns:
        lo, hi = float(lim.loc[0, c]), float(lim.loc[1, c])
        flo, fhi = float(full.loc[0, c]), float(full.loc[1, c])
        if lo > flo or hi < fhi:
            rows.append({"condition": c, "low": lo, "high": hi, "range_low": flo, "range_high": fhi})
    limits = pd.DataFrame(rows, columns=["condition", "low", "high", "range_low", "range_high"])
    return Discovery(scenario=scenario, indicator=indicator, rule=rule, limits=limits,
                     coverage=float(traj.loc[i, "coverage"]), density=float(traj.loc[i, "density"]),
                     mass=float(traj.loc[i, "mass"]), trajectory=traj, failure_rate=float(y.mean()),
                     n_failed=n_fail)


DISCOVERY_COLUMNS = ["scenario", "indicator", "fails_when", "failure_rate", "coverage", "density", "condition",
                     "low", "high", "range_low", "range_high"]


def discover_all(result: EnsembleResult, targets: Sequence[Target] = ()) -> pd.DataFrame:
    """PRIM boxes for every programme of an ensemble: per target (or, without targets, per indicator).

    A programme that never or always fails a case has nothing to discover and is left out.
    Columns :data:`DISCOVERY_COLUMNS`, one row per restricted condition of a box.
    """
    ds = result.dataset
    cases = [(t.indicator, t) for t in targets] or [(str(i), None) for i in ds.indicator.values]
    rows = []
    for s in [str(x) for x in ds.scenario.values[1:]]:
        for ind, tgt in cases:
            try:
                d = discover(result, s, indicator=ind, target=tgt)
            except InputError:
                continue      # never or always fails: nothing to discover
            for _, lim in d.limits.iterrows():
                rows.append({"scenario": s, "indicator": ind, "fails_when": d.rule, "failure_rate": d.failure_rate,
                             "coverage": d.coverage, "density": d.density, "condition": lim.condition,
                             "low": lim.low, "high": lim.high, "range_low": lim.range_low,
                             "range_high": lim.range_high})
    return pd.DataFrame(rows, columns=DISCOVERY_COLUMNS)
