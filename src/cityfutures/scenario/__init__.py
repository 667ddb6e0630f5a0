"""Scenarios and comparisons: YAML files a planner edits, validated once into frozen records."""
from .load import (Comparison, Cost, FrozenDict, Horizon, Intervention, Scenario, ShockEvent, is_comparison,
                   load_comparison, load_file, load_scenario)

__all__ = ["Horizon", "Cost", "Intervention", "ShockEvent", "Scenario", "Comparison", "FrozenDict",
           "load_scenario", "load_comparison", "load_file", "is_comparison"]
