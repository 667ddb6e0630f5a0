"""Present values: exact integrals of discounted flows, the scenario's cost timing, r = 0 is the plain total."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

from cityfutures.analysis.discount import (
    DEFAULT_DISCOUNT_RATE,
    discount_factor,
    discounted_area,
    discounted_span,
    present_value,
    stream_value,
)
from cityfutures.errors import InputError


def test_the_default_rate_is_the_documented_one():
    assert DEFAULT_DISCOUNT_RATE == 0.09


def test_discount_factor_and_span_by_hand():
    assert discount_factor(2020, 0.1, 2018) == pytest.approx(1 / 1.21)
    # one unit a year over two years, discounted continuously: the integral of 1.1^-(t-2018) over [2018, 2020)
    expected = (1 - 1.1 ** -2) / math.log(1.1)
    assert discounted_span(2018, 2020, 0.1, 2018) == pytest.approx(expected, rel=1e-12)
    assert discounted_span(2018, 2020, 0.0, 2018) == 2.0 and discounted_span(2020, 2018, 0.1, 2018) == 0.0
    # the sum of the year's parts is the whole
    parts = sum(discounted_span(a, a + 1, 0.07, 2018) for a in range(2018, 2028))
    assert parts == pytest.approx(discounted_span(2018, 2028, 0.07, 2018), rel=1e-12)


def test_a_stream_with_its_timing():
    lump = {"start": 2020.0, "ramp_years": 0.0, "capex_idr_bn": 100.0, "opex_idr_bn_per_year": 0.0}
    assert stream_value(lump, 0.1, 2018, 2028) == pytest.approx(100 / 1.21)
    ramp = {"start": 2020.0, "ramp_years": 2.0, "capex_idr_bn": 100.0, "opex_idr_bn_per_year": 10.0}
    expected = 50 * discounted_span(2020, 2022, 0.1, 2018) + 10 * discounted_span(2020, 2028, 0.1, 2018)
    assert stream_value(ramp, 0.1, 2018, 2028) == pytest.approx(expected, rel=1e-12)
    assert stream_value(ramp, 0.0, 2018, 2028) == pytest.approx(100 + 10 * 8)      # the undiscounted total


def _results(rate=None):
    t = np.arange(2018.0, 2029.0)
    ds = xr.Dataset({"X": (("scenario", "time"), np.zeros((2, len(t))))},
                    coords={"scenario": ["base", "p"], "time": t})
    ds.attrs["cost_streams"] = json.dumps({"base": [], "p": [
        {"start": 2019.0, "ramp_years": 0.0, "capex_idr_bn": 50.0, "opex_idr_bn_per_year": 2.0}]})
    if rate is not None:
        ds.attrs["discount_rate"] = rate
    return ds


def test_present_value_of_results():
    pv = present_value(_results(0.05))
    assert pv["base"] == 0.0
    assert pv["p"] == pytest.approx(50 / 1.05 + 2 * discounted_span(2019, 2028, 0.05, 2018), rel=1e-12)
    assert present_value(_results(0.05), rate=0.0)["p"] == pytest.approx(50 + 2 * 9)
    assert present_value(_results())["p"] == pytest.approx(present_value(_results(DEFAULT_DISCOUNT_RATE))["p"])


@pytest.mark.parametrize("rate", [-0.1, 0.6, float("nan")])
def test_a_rate_outside_the_range_is_refused(rate):
    with pytest.raises(InputError, match="not a yearly rate"):
        present_value(_results(), rate=rate)


def test_discounted_area_of_a_constant_change():
    t = np.linspace(2018.0, 2028.0, 161)
    delta = xr.DataArray(np.full(len(t), 3.0), dims="time", coords={"time": t})
    exact = 3.0 * discounted_span(2018, 2028, 0.09, 2018)
    assert float(discounted_area(delta, 0.09, 2018)) == pytest.approx(exact, rel=1e-5)   # a trapezoid
    assert float(discounted_area(delta, 0.0, 2018)) == pytest.approx(30.0, rel=1e-12)
