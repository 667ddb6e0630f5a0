"""Engines: run a model for N parameter sets, and run plans on executors.

``simulate.py`` is the one entry (``simulate(model, params, engine=...)``), ``batch/`` the
vectorised engine compiled from PySD's abstract model, ``compiled/`` the same graph as one numba
kernel per program (the default), ``pysd_engine.py`` PySD's own run (the reference),
``executors.py`` where chunks of work run (in process, process pool, Dask) and ``runner.py`` the one
chunk runner that turns a plan into values and a failure record.
"""
from __future__ import annotations

import os

from ..errors import InputError

__all__ = ["ENGINES", "DEFAULT_ENGINE", "ENGINE_ENV", "check_engine"]

ENGINES = ("compiled", "batch", "pysd")
"""The engines, by name: ``compiled`` (numba kernels, the default), ``batch`` (vectorised numpy: the
fallback and the compiled engine's parity reference) and ``pysd`` (PySD's run, the outer reference)."""
ENGINE_ENV = "CITYFUTURES_ENGINE"
"""Environment variable naming the default engine (read once, at import; unset or empty: ``compiled``).
The test suite sets it to ``batch`` (only the compiled engine's own tests compile kernels)."""
DEFAULT_ENGINE = os.environ.get(ENGINE_ENV, "").strip() or "compiled"
"""The engine every API call and command uses unless told: ``$CITYFUTURES_ENGINE`` or ``compiled``. A bad
value is kept and refused by :func:`check_engine` where an engine is first used (one line, naming the variable)."""


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else an :class:`~cityfutures.errors.InputError` (naming
    ``CITYFUTURES_ENGINE`` when the bad name is its default)."""
    if engine not in ENGINES:
        if engine == DEFAULT_ENGINE:
            raise InputError(f"unknown engine '{engine}'", path="<environment>", field=ENGINE_ENV,
                             allowed=", ".join(ENGINES))
        raise InputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    return engine
