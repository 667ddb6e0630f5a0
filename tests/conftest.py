"""The suite's engine and kernel count, and the fixtures of the uncertainty tests (small models under
tests/data/uncertainty).

Tests that are not about the compiled engine run on the batch engine: ``CITYFUTURES_ENGINE`` is set to
``batch`` here, before cityfutures is imported (subprocesses and notebooks inherit it), unless it is
already set (``CITYFUTURES_ENGINE=compiled pytest`` runs the whole suite on kernels). The compiled engine's
own tests ask for it by name. The summary line counts the kernels the session compiled or read from
numba's cache (``COMPILE_TIMES``).
"""
from __future__ import annotations

import os

os.environ.setdefault("CITYFUTURES_ENGINE", "batch")

import pytest  # noqa: E402
import xarray as xr

from cityfutures.engine.compiled import COMPILE_TIMES  # noqa: E402
from tests.helpers import UNCERTAINTY as DATA


@pytest.fixture(scope="session")
def linear_model():
    import cityfutures as cf
    return cf.load_model(DATA / "linear.mdl")


@pytest.fixture(scope="session")
def ishigami_model():
    import cityfutures as cf
    return cf.load_model(DATA / "ishigami.mdl")


@pytest.fixture(scope="session")
def linear_spec(linear_model):
    from cityfutures.scenario.uncertain import parse_uncertain
    return parse_uncertain({
        "sampler": "lhs",
        "constants": {"A": {"dist": "uniform", "min": 0.5, "max": 1.5},
                      "B": {"dist": "triangular", "min": 0, "mode": 1, "max": 3},
                      "C": {"dist": "choice", "values": [1, 2, 3], "weights": [0.5, 0.3, 0.2]}},
        "shocks": {"flood": {"annual_probability": 0.3, "magnitude": {"dist": "uniform", "min": 0.5, "max": 2}}},
    }, linear_model)


@pytest.fixture(scope="session")
def linear_runs():
    from cityfutures.plan import RunSpec
    ramp = xr.DataArray([0.0, 2.0], dims="time", coords={"time": [3.0, 5.0]})
    return [RunSpec("base", "baseline", {}), RunSpec("lever", "intervention", {"Lever": ramp}),
            RunSpec("small", "intervention", {"Lever": 0.5})]


@pytest.fixture(scope="session")
def pulse_model():
    import cityfutures as cf
    return cf.load_model(DATA / "pulse.mdl")


def pytest_terminal_summary(terminalreporter):
    """One line: the kernels this process compiled (cold) and read from numba's cache (warm), and their seconds."""
    if COMPILE_TIMES:
        cold = [s for *_, s, c in COMPILE_TIMES if c]
        warm = [s for *_, s, c in COMPILE_TIMES if not c]
        terminalreporter.write_line(f"kernels: {len(cold)} compiled cold ({sum(cold):.1f} s), "
                                    f"{len(warm)} from numba's cache ({sum(warm):.1f} s)")
