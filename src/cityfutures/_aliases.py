"""Old module paths of cityfutures, kept as aliases of their new homes (with a deprecation warning).

``import cityfutures.runner`` (or ``from cityfutures.uncertainty.ensemble import ...``) still
works: the old name is the new module itself, and a
:class:`~cityfutures.errors.CityfuturesDeprecationWarning` names where it moved. Names that moved
between modules (``run`` from ``runner`` to ``api``) are found in the new module.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

from .errors import CityfuturesDeprecationWarning

__all__ = ["MOVED", "install"]

MOVED = {   # old module -> new module (relative to the package)
    "simulate": "engine.simulate",
    "runner": "api",
    "batch": "engine.batch",
    "metrics": "analysis.metrics",
    "compare": "analysis.compare",
    "charts": "report.charts",
    "brief": "report.brief",
    "i18n": "report.i18n",
    "ensemble_charts": "report.charts.ensemble",
    "scenario_schema": "scenario.schema",
    "uncertainty": "analysis",
    "uncertainty.spec": "scenario.uncertain",
    "uncertainty.sampling": "plan.sampling",
    "uncertainty.executors": "engine.executors",
    "uncertainty.ensemble": "analysis.robust",
    "uncertainty.sensitivity": "analysis.sensitivity",
    "uncertainty.discovery": "analysis.discovery",
}


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module path and loads it as the module it moved to."""

    def __init__(self, package: str):
        self.package = package

    def _target(self, fullname: str) -> str | None:
        prefix = self.package + "."
        if not fullname.startswith(prefix):
            return None
        old = fullname[len(prefix):]
        for moved in sorted(MOVED, key=len, reverse=True):   # the longest first; batch.graph -> engine.batch.graph
            new = MOVED[moved]
            if old == moved or old.startswith(moved + "."):
                if old == moved and new == moved:
                    return None
                return prefix + new + old[len(moved):]
        return None

    def find_spec(self, fullname, path=None, target=None):
        new = self._target(fullname)
        if new is None or importlib.util.find_spec(new) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = self._target(spec.name)
        warnings.warn(f"{spec.name} moved to {new}; import it from there", CityfuturesDeprecationWarning,
                      stacklevel=4)
        return importlib.import_module(new)

    def exec_module(self, module):   # the new module is loaded already
        pass


class _Package(types.ModuleType):
    """The package module: an old submodule import must not replace a function of the same name."""

    _functions: tuple[str, ...] = ()

    def __setattr__(self, name, value):
        if name in self._functions and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


def install(package: str, functions: tuple[str, ...] = ()) -> None:
    """Register the aliases of ``package`` (once) and protect its ``functions`` from submodule imports."""
    if not any(isinstance(f, _Alias) and f.package == package for f in sys.meta_path):
        sys.meta_path.insert(0, _Alias(package))   # before the path finder: an old name never loads a second copy
    module = sys.modules[package]
    module.__class__ = _Package
    _Package._functions = tuple(functions)
