"""What the room has chosen and what the page shows: the dashboard's records, free of any web framework.

A :class:`DashboardState` is the room's choice (lever values, programmes, bundles and shocks switched
on, the page's language); a :class:`View` is what the page shows for it. The core that turns one
into the other is :class:`cityfutures.dashboard.session.Dashboard`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

import numpy as np

from ..errors import ScenarioError
from ..model import Label
from ..scenario import FrozenDict, Scenario

__all__ = ["DashboardState", "LeverControl", "SwitchControl", "IndicatorRow", "CostItem", "CostSummary", "View",
           "WHERE", "nice_step", "clean_number", "verdict"]

WHERE = "<dashboard>"         # the "path" of values that come from the page


@dataclass(frozen=True)
class LeverControl:
    """A slider: a lever of the model with its range, unit and starting (baseline) value."""

    name: str
    label: Label
    units: str
    minimum: float
    maximum: float
    start: float
    step: float
    focus_area: str


@dataclass(frozen=True)
class SwitchControl:
    """A switch: a programme or bundle of the comparison, or a shock scenario.

    ``total_cost_idr_bn`` is the programme's (bundle's) cost beyond the baseline over the
    horizon [IDR billion]; 0 for shocks.
    """

    name: str
    kind: str                      # programme | bundle | shock
    title: Label
    focus_area: str | None = None
    members: tuple[str, ...] = ()
    total_cost_idr_bn: float = 0.0


@dataclass(frozen=True)
class DashboardState:
    """What the room has chosen. Immutable: every change makes a new state.

    Attributes
    ----------
    levers : mapping of lever name -> value
        Levers moved away from the baseline [lever units]; a lever not listed keeps its
        baseline value.
    programmes, bundles, shocks : tuple of str
        Names of the switched-on programmes and bundles (of the comparison) and shock
        scenarios, in the order they were switched on.
    lang : {"en", "id"}
    weights : mapping of focus area -> relative weight
        The room's weights of the score (:mod:`cityfutures.analysis.score`); a focus area not
        listed keeps the comparison's weight (1 unless its file says otherwise).
    """

    levers: Mapping[str, Any] = field(default_factory=FrozenDict)
    programmes: tuple[str, ...] = ()
    bundles: tuple[str, ...] = ()
    shocks: tuple[str, ...] = ()
    lang: str = "en"
    weights: Mapping[str, Any] = field(default_factory=FrozenDict)

    def with_weight(self, focus_area: str, value: Any) -> "DashboardState":
        """This state with the score's weight of ``focus_area`` at ``value``."""
        weights = dict(self.weights)
        weights[focus_area] = value
        return replace(self, weights=FrozenDict(weights))

    def with_lever(self, name: str, value: Any, start: float | None = None) -> "DashboardState":
        """This state with lever ``name`` at ``value`` (dropped when it equals ``start``)."""
        levers = dict(self.levers)
        if start is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isclose(float(value), float(start), rel_tol=1e-12, abs_tol=1e-12):
            levers.pop(name, None)
        else:
            levers[name] = value
        return replace(self, levers=FrozenDict(levers))

    def with_switch(self, kind: str, name: str, on: bool) -> "DashboardState":
        """This state with switch ``name`` of ``kind`` (programme | bundle | shock) on or off."""
        attr = {"programme": "programmes", "bundle": "bundles", "shock": "shocks"}.get(kind)
        if attr is None:
            raise ScenarioError(f"unknown kind of switch '{kind}'", path=WHERE, field="switch",
                                allowed="programme, bundle, shock")
        names = tuple(n for n in getattr(self, attr) if n != name)
        return replace(self, **{attr: names + ((name,) if on else ())})

    def with_lang(self, lang: str) -> "DashboardState":
        return replace(self, lang=lang)


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator at the end of the horizon against the baseline (a scorecard row).

    ``delta_pct`` is the change in percent of the baseline; ``improvement_pct`` the same,
    signed so that > 0 is better; ``verdict`` is better | worse | same | unknown.
    """

    name: str
    focus_area: str
    better: str
    units: str
    baseline_end: float
    value_end: float
    delta_end: float
    delta_pct: float
    improvement_pct: float
    verdict: str
    units_of_improvement: float = float("nan")   # the change divided by the indicator's scale (> 0 better)
    weight: float = 0.0                           # its weight in the score (they sum to 1)
    term: float = 0.0                             # weight x units of improvement


@dataclass(frozen=True)
class CostItem:
    """Cost of one switched-on programme or bundle beyond the baseline [IDR billion]."""

    name: str
    kind: str
    title: Label
    capex_idr_bn: float
    opex_idr_bn_per_year: float
    total_cost_idr_bn: float


@dataclass(frozen=True)
class CostSummary:
    """Cost of the current set of programmes (each intervention counted once) [IDR billion]."""

    capex_idr_bn: float
    opex_idr_bn_per_year: float
    total_cost_idr_bn: float
    items: tuple[CostItem, ...]


@dataclass(frozen=True)
class View:
    """Everything the page shows for one state.

    Attributes
    ----------
    state : DashboardState
    scenario : Scenario
        The validated scenario of the state.
    time : ndarray
        Saved times [Year].
    values, baseline : mapping of indicator -> ndarray
        The state's and the baseline's trajectories [indicator units].
    rows : tuple of IndicatorRow
        One per compared indicator, in the comparison's order.
    cost : CostSummary
    seconds : float
        Time taken by :meth:`Dashboard.update` [s].
    cached : bool
        The simulation was reused (the same scenario was evaluated before).
    score : float
        The configuration's weighted score (the sum of the rows' terms; NaN when an indicator has no scale).
    levers_end : mapping of lever -> value
        Each lever's value at the end of the horizon in this configuration (programmes included): what
        the sliders show.
    """

    state: DashboardState
    scenario: Scenario
    time: np.ndarray
    values: Mapping[str, np.ndarray]
    baseline: Mapping[str, np.ndarray]
    rows: tuple[IndicatorRow, ...]
    cost: CostSummary
    seconds: float
    cached: bool = False
    score: float = float("nan")
    levers_end: Mapping[str, float] = field(default_factory=dict)

    def row(self, indicator: str) -> IndicatorRow:
        for r in self.rows:
            if r.name == indicator:
                return r
        raise KeyError(indicator)


def nice_step(lo: float, hi: float, start: float) -> float:
    """A round slider step: about a hundredth of the range (1, 2 or 5 times a power of ten), made
    finer (down to a millionth of the range) until the baseline value ``start`` lies on the grid."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1.0, 2.0, 5.0) if raw <= m * power * (1 + 1e-9)), 10.0 * power)
    while step > span * 1e-6:
        k = (start - lo) / step
        if abs(k - round(k)) <= 1e-6:
            break
        step /= 10.0
    return float(f"{step:.6g}")


def clean_number(value: Any) -> Any:
    """A float rounded to 12 significant digits (slider arithmetic noise); anything else as given."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    if isinstance(value, np.floating):
        return clean_number(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def verdict(improvement: float, delta: float) -> str:
    if not math.isfinite(improvement):
        return "same" if delta == 0 else "unknown"
    if abs(improvement) < 0.05:    # below 0.05 % of the baseline: shown as no change
        return "same"
    return "better" if improvement > 0 else "worse"
