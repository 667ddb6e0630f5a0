"""History: the committed jakarta.mdl, run from 2010, agrees with observed 2010-2018 figures.

The run setup (2010 initial state, 2010-2018 programme history, observations and their csv rows) is the one
of models/calibrate_jakarta.py; the 2010 initial states it estimated are read from
models/calibration/jakarta-params.csv. The tolerances are those stated in models/README.md.
The calibration itself is not run here (too slow).
"""
from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from .conftest import MODELS, _quiet

# relative tolerance per indicator (model card, section "Calibration report")
TOLERANCE = {
    "Population": 0.03,
    "Non revenue water fraction": 0.10,
    "Piped water coverage": 0.10,
    "Piped water connections": 0.10,
    "Waste delivered to landfill": 0.15,
    "Cars": 0.15,
    "Motorcycles": 0.25,
    "Congestion level": 0.20,
    "TransJakarta ridership": 0.30,
    "Commuter rail ridership": 0.30,
    "Public transport mode share": 0.30,
    "Subsidence rate": 0.15,
}


@pytest.fixture(scope="module")
def calibration():
    spec = importlib.util.spec_from_file_location("calibrate_jakarta", MODELS / "calibrate_jakarta.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def history(calibration, translated):
    params = pd.read_csv(MODELS / "calibration" / "jakarta-params.csv")
    start_state = dict(zip(params.loc[params.kind == "initial-2010", "name"], params.loc[params.kind == "initial-2010", "value"]))
    return _quiet(calibration.simulate, translated, start_state), calibration.OBS


def test_every_observation_has_a_tolerance(calibration):
    assert {v for v, *_ in calibration.OBS} <= set(TOLERANCE)


def test_fit_table_is_committed():
    table = pd.read_csv(MODELS / "calibration" / "jakarta-fit.csv")
    assert list(table.columns) == ["indicator", "year", "observed", "simulated", "relative_error", "source_row"]
    assert len(table) >= 20


def test_history_within_model_card_tolerance(history):
    sim, obs = history
    failures = []
    for name, year, observed, row in obs:
        err = (sim[(name, year)] - observed) / observed
        if abs(err) > TOLERANCE[name]:
            failures.append(f"{name} {year}: simulated {sim[(name, year)]:.4g} vs observed {observed:.4g} ({err:+.1%}; {row})")
    assert not failures, "\n".join(failures)


def test_calibrated_constants_are_in_the_model(calibration, translated):
    """The fitted constants written in jakarta.mdl are the ones in calibration/jakarta-params.csv."""
    import pysd
    params = pd.read_csv(MODELS / "calibration" / "jakarta-params.csv")
    model = _quiet(pysd.load, str(translated))
    for name, value in zip(params.loc[params.kind == "constant", "name"], params.loc[params.kind == "constant", "value"]):
        assert float(model[name]) == pytest.approx(value, rel=1e-3), name
