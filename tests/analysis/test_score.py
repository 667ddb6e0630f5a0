"""The weighted score: every term by hand, the weights' rule, independence from the other programmes."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr

from cityfutures.analysis.score import improvement_units, indicator_weights, score, weighted_sum
from cityfutures.errors import InputError


def results(ends: dict, *, scales=None, focus=None, better=None, weights=None) -> xr.Dataset:
    """A results Dataset with one value a year; ``ends`` maps scenario -> end values per indicator."""
    inds = ["Floods", "Deaths", "Trips"]
    scales = scales or {"Floods": 10_000.0, "Deaths": 1.0, "Trips": 0.01}
    focus = focus or {"Floods": "prep", "Deaths": "prep", "Trips": "mobility"}
    better = better or {"Floods": "lower", "Deaths": "lower", "Trips": "higher"}
    names = list(ends)
    t = np.arange(2018.0, 2029.0)
    data = {}
    for k, ind in enumerate(inds):
        arr = np.array([np.linspace(ends["base"][k], ends[s][k], len(t)) for s in names])
        attrs = {"better": better[ind], "focus_area": focus[ind], "units": "x"}
        if scales.get(ind) is not None:
            attrs["scale"] = scales[ind]
        data[ind] = xr.DataArray(arr, dims=("scenario", "time"), attrs=attrs)
    ds = xr.Dataset(data, coords={"scenario": names, "time": t,
                                  "kind": ("scenario", ["baseline" if s == "base" else "intervention" for s in names])})
    ds.attrs["indicators"] = json.dumps(inds)
    if weights is not None:
        ds.attrs["weights"] = json.dumps(weights)
    return ds


ENDS = {"base": [40_000.0, 4.0, 0.17], "a": [30_000.0, 3.0, 0.17], "b": [41_000.0, 4.0, 0.19]}


def test_every_term_by_hand():
    s = score(results(ENDS))
    # two focus areas weigh 1/2 each; prep shares its half between its two indicators
    assert s.weights == {"Floods": 0.25, "Deaths": 0.25, "Trips": 0.5}
    t = s.terms.set_index(["scenario", "indicator"])
    assert t.loc[("a", "Floods"), "units_of_improvement"] == pytest.approx(1.0)      # 10,000 people a year fewer
    assert t.loc[("a", "Deaths"), "units_of_improvement"] == pytest.approx(1.0)      # one death a year fewer
    assert t.loc[("b", "Floods"), "units_of_improvement"] == pytest.approx(-0.1)     # 1,000 more: worse
    assert t.loc[("b", "Trips"), "units_of_improvement"] == pytest.approx(2.0)       # two points of share
    assert t.loc[("a", "Floods"), "term"] == pytest.approx(0.25)
    assert s.total["a"] == pytest.approx(0.25 + 0.25 + 0.0)
    assert s.total["b"] == pytest.approx(-0.025 + 0.0 + 1.0)
    assert s.total["base"] == 0.0


def test_weights_from_the_results_or_given():
    given = {"focus_areas": {"prep": 3}, "indicators": {"Deaths": 2}}
    w = indicator_weights({"Floods": "prep", "Deaths": "prep", "Trips": "mobility"}, given)
    assert w == pytest.approx({"Floods": 0.75 / 3, "Deaths": 0.75 * 2 / 3, "Trips": 0.25})
    assert sum(w.values()) == pytest.approx(1.0)
    s = score(results(ENDS, weights=given))
    assert s.total["a"] == pytest.approx(0.25 * 1 + 0.5 * 1)
    assert score(results(ENDS, weights=given), weights={}).total["a"] == pytest.approx(0.5)   # an argument wins


def test_a_programme_is_scored_alone():
    full = score(results(ENDS)).total
    alone = score(results({"base": ENDS["base"], "a": ENDS["a"]})).total
    assert alone["a"] == full["a"]


def test_an_indicator_without_a_scale_cannot_be_scored_unless_it_weighs_nothing():
    s = score(results(ENDS, scales={"Floods": 10_000.0, "Deaths": None, "Trips": 0.01}))
    assert s.unscaled == ("Deaths",) and math.isnan(s.total["a"])
    s0 = score(results(ENDS, scales={"Floods": 10_000.0, "Deaths": None, "Trips": 0.01}),
               weights={"indicators": {"Deaths": 0}})
    assert s0.unscaled == () and s0.total["a"] == pytest.approx(0.5 * 1.0)


@pytest.mark.parametrize("weights, match", [
    ({"focus_areas": {"prep": 0, "mobility": 0}}, "every focus area weighs 0"),
    ({"indicators": {"Floods": 0, "Deaths": 0}}, "every indicator of focus area 'prep' weighs 0"),
    ({"focus_areas": {"prep": -1}}, "must be a number of 0 or more"),
    ({"focus_areas": {"prep": float("nan")}}, "must be a number of 0 or more"),
])
def test_bad_weights(weights, match):
    with pytest.raises(InputError, match=match):
        indicator_weights({"Floods": "prep", "Deaths": "prep", "Trips": "mobility"}, weights)


def test_the_building_blocks():
    u = improvement_units([[-10.0, 2.0]], ["lower", "higher"], [5.0, 4.0])
    assert u.tolist() == [[2.0, 0.5]]
    assert weighted_sum([[2.0, np.nan]], [1.0, 0.0]).tolist() == [2.0]    # a weight of 0 ignores a NaN
    assert math.isnan(weighted_sum([[2.0, np.nan]], [0.5, 0.5])[0])


def test_no_baseline_is_an_error():
    ds = results(ENDS).assign_coords(kind=("scenario", ["intervention"] * 3))
    with pytest.raises(InputError, match="no baseline"):
        score(ds)


def test_weights_at_the_edge_of_the_floats_stay_relative():
    """Two weights of 1e308 sum to infinity; as relative weights they are two equal ones."""
    focus = {"Floods": "prep", "Deaths": "prep", "Trips": "mobility"}
    huge = indicator_weights(focus, {"focus_areas": {"prep": 1e308, "mobility": 1e308},
                                     "indicators": {"Floods": 1e308, "Deaths": 1e308}})
    assert huge == pytest.approx(indicator_weights(focus), rel=1e-12)
    assert sum(huge.values()) == pytest.approx(1.0, rel=1e-12)
