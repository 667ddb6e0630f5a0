"""History: the committed jakarta.mdl reproduces the observations of 2010-2018 (and the 2007 and 2013 floods)
within the tolerances of the model card, and its fitted constants are those of models/calibration/.

The fit itself (models/calibrate_jakarta.py) and the holdout test (models/validate_jakarta.py) are run by
test_jakarta_validation.py on their fast path.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from .conftest import MODELS, parse_mdl

# relative tolerance per series (model card, section "Calibration"); flood impacts: a factor (log error)
TOLERANCE = {
    "Population": 0.03,
    "Piped water coverage": 0.10,
    "Piped water connections": 0.10,
    "Waste delivered to Bantargebang": 0.15,
    "Cars": 0.15,
    "Motorcycles": 0.25,
    "Congestion level": 0.20,
    "TransJakarta ridership": 0.30,
    "Commuter rail ridership": 0.30,
    "Public transport mode share": 0.30,
    "Non revenue water fraction": 0.10,
    "Flooded area fraction": 0.10,
    "People affected by floods": 0.10,
    "Peak displaced population": 0.60,
    "Flood deaths": 0.90,
    "Flood damage": 0.10,
}
PARAMS = MODELS / "calibration" / "jakarta-params.csv"


@pytest.fixture(scope="module")
def fitted(calibration):
    model = calibration.load()
    values = calibration.model_values(model)
    return calibration.fit_table(model, values), values, model


def test_every_series_has_a_tolerance(calibration):
    assert {o.series for o in calibration.OBS} == set(TOLERANCE)
    assert all(o.time < 2019 for o in calibration.OBS)        # observations after 2018 are never used


def test_fit_table_is_committed():
    table = pd.read_csv(MODELS / "calibration" / "jakarta-fit.csv")
    assert {"series", "year", "observed", "simulated", "relative_error", "split", "source"} <= set(table.columns)
    assert len(table) >= 30


def test_history_within_model_card_tolerance(fitted):
    table, _, _ = fitted
    failures = []
    for row in table.itertuples():
        err = abs(np.log(row.simulated / row.observed)) if row.block in ("flood", "impact") else abs(row.relative_error)
        if err > TOLERANCE[row.series]:
            failures.append(f"{row.series} {row.year}: simulated {row.simulated:.4g} vs observed {row.observed:.4g} ({row.source})")
    assert not failures, "\n".join(failures)


def test_calibrated_constants_are_in_the_model(fitted, calibration):
    """The constants and 2018 states in jakarta.mdl are the ones in calibration/jakarta-params.csv."""
    _, _, model = fitted
    params = pd.read_csv(PARAMS)
    kinds = set(params.kind)
    assert {"constant", "initial-2010", "state-2018"} <= kinds
    for name, value, kind in zip(params.name, params.value, params.kind):
        if kind in ("constant", "state-2018"):
            assert float(model.variables[name].value) == pytest.approx(value, rel=1e-3), name
    fitted_names = {p.name for p in calibration.PARAMS}
    assert fitted_names <= set(params.name)
    for p in calibration.PARAMS:       # each fitted constant inside the range it is fitted in
        value = float(params.loc[params.name == p.name, "value"].iloc[0])
        assert p.lower <= value <= p.upper, p.name


def test_fitted_constants_cite_their_calibration():
    eqs = parse_mdl()
    for name, kind in zip(*pd.read_csv(PARAMS)[["name", "kind"]].T.values):
        if kind == "constant":
            assert "Calibrated:" in eqs[name]["doc"], name
