"""Engines: run a model for N parameter sets, and run plans on executors.

``simulate.py`` is the one entry (``simulate(model, params, engine=...)``), ``batch/`` the
vectorised engine compiled from PySD's abstract model, ``pysd_engine.py`` PySD's own run (the
reference), ``executors.py`` where chunks of work run (in process, process pool, Dask) and
``runner.py`` the one chunk runner that turns a plan into values and a failure record.
"""
from __future__ import annotations

from ..errors import InputError

__all__ = ["ENGINES", "DEFAULT_ENGINE", "check_engine"]

ENGINES = ("batch", "pysd")
"""The engines, by name: ``batch`` (vectorised numpy, the default) and ``pysd`` (PySD's run, the reference)."""
DEFAULT_ENGINE = "batch"


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else an :class:`~cityfutures.errors.InputError`."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}'", field="engine", allowed=", ".join(ENGINES))
    return engine
