"""Scenarios and comparisons as frozen records: what :func:`cityfutures.scenario.load_scenario` returns.

Everything here is validated already; downstream code trusts it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from ..model import Label, Model

__all__ = ["FrozenDict", "Horizon", "Cost", "Intervention", "ShockEvent", "Scenario", "Comparison",
           "DEFAULT_DISCOUNT_RATE", "MAX_DISCOUNT_RATE"]

DEFAULT_DISCOUNT_RATE = 0.09
"""The social discount rate of a comparison that states none [per year, real]: the rate the Asian
Development Bank uses in the economic analysis of the projects it finances (ADB, *Guidelines for the
Economic Analysis of Projects*, Manila 2017, doi:10.22617/TIM178607-2, which allows 6 % for social-sector,
poverty-targeted and selected environmental projects: write ``discount_rate: 0.06`` for those)."""
MAX_DISCOUNT_RATE = 0.5
"""A rate above this (50 % a year) is a mistyped percentage (``9`` for 9 %): refused."""


class FrozenDict(dict):
    """A read-only dict: hashable-free, picklable, and safe to share between runs."""

    def _readonly(self, *args, **kwargs):
        raise TypeError("this mapping is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _readonly  # type: ignore
    __ior__ = _readonly  # type: ignore

    def __reduce__(self):
        return (type(self), (dict(self),))


@dataclass(frozen=True)
class Horizon:
    """The simulated period and steps [Year]."""

    start: float
    end: float
    dt: float
    saveper: float


@dataclass(frozen=True)
class Cost:
    """Cost of a programme [IDR billion; IDR billion per year]."""

    capex_idr_bn: float = 0.0
    opex_idr_bn_per_year: float = 0.0


@dataclass(frozen=True)
class Intervention:
    """A programme acting on one lever.

    ``mode`` says how ``value`` applies to the lever's baseline ``b``: ``set`` -> value,
    ``add`` -> b + value, ``scale`` -> b * value; reached linearly over ``ramp_years``
    from ``start`` (0 = a step). ``lever`` is the model's exact Vensim name.
    """

    lever: str
    mode: Literal["set", "add", "scale"]
    value: float
    start: float
    ramp_years: float
    cost: Cost
    source: str | None = None

    def target(self, baseline: float) -> float:
        """The lever's value once the ramp is complete, from its baseline value."""
        if self.mode == "set":
            return self.value
        if self.mode == "add":
            return baseline + self.value
        return baseline * self.value


@dataclass(frozen=True)
class ShockEvent:
    """A shock of ``kind`` (a shock kind of the model) in ``year`` with ``magnitude``."""

    kind: str
    year: float
    magnitude: float


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: everything a run needs, with names normalised to the model's."""

    name: str
    title: Label
    path: Path | None
    sha256: str
    model: Model = field(repr=False)
    horizon: Horizon
    focus_area: str | None
    track: Literal["quick-win", "normal"] | None
    set: Mapping[str, float]
    interventions: tuple[Intervention, ...]
    shocks: tuple[ShockEvent, ...]
    seed: int | None
    description: str
    source: str | None
    owner: str | None = None
    agency: str | None = None   # the delivering agency's id (a slug): portfolio budgets per agency
    uncertain: Any = None   # a scenario.uncertain.UncertainSpec, or None: what ensembles sample
    base_path: Path | None = None   # the root of its extends chain (its baseline), when it extends one

    @property
    def cost(self) -> Cost:
        """Total cost of the scenario's interventions."""
        return Cost(capex_idr_bn=sum(i.cost.capex_idr_bn for i in self.interventions),
                    opex_idr_bn_per_year=sum(i.cost.opex_idr_bn_per_year for i in self.interventions))

    def baseline_of(self, lever: str) -> float:
        """The value of ``lever`` before any intervention: this scenario's ``set`` or the model's."""
        if lever in self.set:
            return self.set[lever]
        return self.model.constants[lever].value


@dataclass(frozen=True)
class Comparison:
    """A validated comparison: baseline, intervention scenarios, bundles, indicators, and the appraisal's
    ``weights`` (``{"focus_areas": {id: w}, "indicators": {name: w}}``, relative, each 1 unless given:
    see :mod:`cityfutures.analysis.score`) and ``discount_rate`` [per year]."""

    name: str
    title: Label
    path: Path | None
    sha256: str
    baseline: Scenario
    interventions: tuple[Scenario, ...]
    bundles: Mapping[str, tuple[str, ...]]
    indicators: tuple[str, ...]
    description: str = ""
    bundle_titles: Mapping[str, Label] = field(default_factory=dict)
    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    discount_rate: float = DEFAULT_DISCOUNT_RATE
    portfolio: Any = None   # a scenario.portfolio.PortfolioSpec: what a portfolio of programmes must respect

    @property
    def model(self) -> Model:
        return self.baseline.model

    def scenario(self, name: str) -> Scenario:
        """The baseline or intervention scenario called ``name``."""
        for s in (self.baseline, *self.interventions):
            if s.name == name:
                return s
        raise KeyError(name)
