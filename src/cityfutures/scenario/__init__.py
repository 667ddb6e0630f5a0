"""Scenarios and comparisons: YAML files a planner edits, validated once into frozen records.

``types.py`` holds the records, ``schema.py`` the file shapes and ``extends``, ``uncertain.py`` the
``uncertain:`` block, ``series.py`` what interventions and shocks mean over time (the one
composition rule and the one pulse rule), ``load.py`` the checks against the model, ``reality.py`` the
reality-check files of a model (what it must do when something changes; run by ``cf.check``).
"""
from .load import against_baseline, is_comparison, load_any, load_comparison, load_file, load_scenario
from .portfolio import PortfolioSpec
from .types import Comparison, Cost, FrozenDict, Horizon, Intervention, Scenario, ShockEvent
from .uncertain import Distribution, StochasticShock, UncertainSpec, parse_uncertain

__all__ = ["Horizon", "Cost", "Intervention", "ShockEvent", "Scenario", "Comparison", "FrozenDict", "PortfolioSpec",
           "UncertainSpec", "Distribution", "StochasticShock", "parse_uncertain",
           "load_scenario", "load_comparison", "load_file", "load_any", "is_comparison", "against_baseline"]
