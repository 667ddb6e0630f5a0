"""Fixtures of the uncertainty tests: small models under tests/data/uncertainty."""
from __future__ import annotations

import pytest
import xarray as xr

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
