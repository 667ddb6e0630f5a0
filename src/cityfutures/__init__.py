"""cityfutures: system-dynamics scenario simulator for ten-year city futures.

The Python API mirrors the CLI::

    import cityfutures as cf
    model = cf.load_model("jakarta")
    scenario = cf.load_scenario("scenarios/mrt-phase-2.yaml")
    results = cf.run(scenario)                 # xarray.Dataset (scenario, time)
    table = cf.compare("scenarios/workshop-2018.yaml")
    report = cf.check("models/jakarta.mdl")   # units, structure, equilibrium, reality checks
    loops = cf.loop_dominance("scenarios/baseline.yaml")   # which loops drive each indicator
"""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import (CityfuturesError, InputError, ModelError, RunError, ScenarioError,  # noqa: F401
                     UnsupportedFeatureError)
from .model import Model, load_model  # noqa: F401
# Functions that share their module's name are bound here, after their module is imported, so that
# importing the module elsewhere cannot leave the package attribute pointing at the module.
from .simulate import simulate  # noqa: E402,F401
from .compare import compare  # noqa: E402,F401

_LAZY = {
    "load_scenario": ("scenario", "load_scenario"),
    "load_comparison": ("scenario", "load_comparison"),
    "run": ("runner", "run"),
    "load_results": ("results", "load_results"),
    "save_results": ("results", "save_results"),
    "check": ("analysis.check", "check"),
    "loop_dominance": ("analysis.loops", "loop_dominance"),
}


def __getattr__(name: str):
    """Import the heavier parts of the API on first use."""
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)
    raise AttributeError(f"module 'cityfutures' has no attribute {name!r}")
