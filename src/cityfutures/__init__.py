"""cityfutures: system-dynamics scenario simulator for ten-year city futures.

The Python API mirrors the CLI::

    import cityfutures as cf
    model = cf.load_model("jakarta")
    scenario = cf.load_scenario("scenarios/mrt-phase-2.yaml")
    results = cf.run(scenario)                          # xarray.Dataset (scenario, time)
    result = cf.compare("scenarios/workshop-2018.yaml")  # .results, .table, .ranking
    cf.write_report(result, "out", lang="id")           # results, tables, charts, brief
    ens = cf.ensemble("scenarios/workshop-2018.yaml", samples=1000, seed=1)
    report = cf.check("models/jakarta.mdl", strict=True)  # units, structure, equilibrium, reality checks
    loops = cf.loop_dominance("scenarios/baseline.yaml")  # which feedback loops drive each indicator

Importing the package is light: each function loads its part of the library on first use, so
``cityfutures --help`` starts without numpy's neighbours (pandas, xarray, matplotlib, PySD).
"""
from __future__ import annotations

import importlib

from . import _aliases
from ._version import __version__
from .errors import (
    CityfuturesError,
    CityfuturesWarning,
    InputError,
    ModelError,
    OutputError,
    RunError,
    RunFailedWarning,
    ScenarioError,
    UnsupportedFeatureError,
)

# public name -> module that holds it (loaded on first use)
_API = {
    "load_model": "model", "Model": "model", "export_xmile": "model.export",
    "load_scenario": "scenario", "load_comparison": "scenario", "parse_uncertain": "scenario",
    "build_plan": "plan", "plan_ensemble": "plan",
    "simulate": "engine.simulate", "make_executor": "engine.executors",
    "run": "api", "compare": "api", "ensemble": "api", "run_ensemble": "api", "sensitivity": "api", "portfolio": "api",
    "write_portfolio": "report.portfolio",
    "save_results": "results.dataset", "load_results": "results.dataset", "stream_runs": "results.runs",
    "save_ensemble": "results.ensemble", "load_ensemble": "results.ensemble",
    "Target": "analysis.robust", "discover": "analysis.discovery", "knockout": "analysis.knockout",
    "check": "analysis.check", "loop_dominance": "analysis.loops",
    "write_report": "report.write", "write_charts": "report.write", "write_ensemble_report": "report.write",
    "draw_ensemble": "report.charts.ensemble", "draw_sensitivity": "report.charts.ensemble",
    "chart": "report.charts", "score": "analysis.score", "present_value": "analysis.discount",
}

__all__ = sorted(_API) + ["__version__", "CityfuturesError", "InputError", "ModelError", "ScenarioError",
                          "OutputError", "UnsupportedFeatureError", "RunError", "CityfuturesWarning",
                          "RunFailedWarning"]


def __getattr__(name: str):
    """Load a public function (or class) of the API on first use."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'cityfutures' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


_aliases.install(__name__, functions=("simulate", "compare"))
