"""What interventions and shocks mean over time: the composition rule and the pulse rule."""
import numpy as np
import pytest
import xarray as xr

from cityfutures.scenario import Cost, Horizon, Intervention
from cityfutures.scenario.series import STEP_EPS, add_series, lever_series, pulse_series, stack_series

H = Horizon(start=2018.0, end=2028.0, dt=0.0625, saveper=0.25)


def iv(mode, value, start, ramp=0.0, lever="Drainage investment", capex=0.0):
    return Intervention(lever=lever, mode=mode, value=value, start=start, ramp_years=ramp,
                        cost=Cost(capex_idr_bn=capex))


def at(series: xr.DataArray, t: float) -> float:
    return float(np.interp(t, series.time.values, series.values))


def test_a_ramp_is_the_two_documented_points():
    s = lever_series(5.0, [iv("add", 10.0, 2020.0, 2.0)], H)
    assert s.time.values.tolist() == [2020.0, 2022.0]
    assert s.values.tolist() == [5.0, 15.0]
    assert lever_series(5.0, [iv("scale", 3.0, 2020.0, 4.0)], H).values.tolist() == [5.0, 15.0]
    assert lever_series(5.0, [iv("set", 8.0, 2020.0, 4.0)], H).values.tolist() == [5.0, 8.0]


def test_a_step_holds_from_its_start():
    s = lever_series(5.0, [iv("add", 10.0, 2020.0)], H)
    np.testing.assert_allclose(s.time.values, [2020.0 - STEP_EPS, 2020.0], rtol=0, atol=1e-12)
    assert s.values.tolist() == [5.0, 15.0]


def test_a_ramp_past_the_end_stops_at_its_value_at_the_end():
    s = lever_series(5.0, [iv("add", 10.0, 2026.0, 4.0)], H)
    assert s.time.values.tolist() == [2026.0, 2028.0] and s.values.tolist() == [5.0, 10.0]
    s = lever_series(5.0, [iv("add", 10.0, 2020.0, 1e308)], H)          # any finite ramp: a correct series
    assert s.time.values.tolist() == [2020.0, 2028.0] and np.all(np.isfinite(s.values))
    s = lever_series(5.0, [iv("set", 8.0, 2020.0, 1e12), iv("scale", 2.0, 2021.0, 1e12)], H)
    assert s.time.size <= (H.end - H.start) / H.dt + 3 and np.all(np.isfinite(s.values))


def test_no_interventions_is_the_base_scalar():
    assert lever_series(5.0, [], H) == 5.0


def test_composition_rule_set_then_add_then_scale_whatever_the_file_order():
    ivs = [iv("scale", 2.0, 2022.0), iv("add", 5.0, 2021.0), iv("set", 20.0, 2020.0)]
    for order in (ivs, ivs[::-1]):
        s = lever_series(5.0, order, H)
        assert at(s, 2019.0) == pytest.approx(5.0, abs=1e-12)
        assert at(s, 2020.5) == pytest.approx(20.0, abs=1e-12)          # set
        assert at(s, 2021.5) == pytest.approx(25.0, abs=1e-12)          # set + add
        assert at(s, 2022.5) == pytest.approx(50.0, abs=1e-12)          # (set + add) x scale


def test_sets_apply_in_file_order_each_ramping_from_the_current_value():
    first, second = iv("set", 20.0, 2020.0), iv("set", 30.0, 2022.0)
    s = lever_series(5.0, [first, second], H)
    assert (at(s, 2021.0), at(s, 2023.0)) == pytest.approx((20.0, 30.0), abs=1e-12)
    s = lever_series(5.0, [second, first], H)   # the later entry wins once both are active
    assert (at(s, 2021.0), at(s, 2023.0)) == pytest.approx((20.0, 20.0), abs=1e-12)


def test_overlapping_ramps_are_sampled_at_every_time_step():
    s = lever_series(10.0, [iv("add", 10.0, 2020.0, 2.0), iv("scale", 2.0, 2020.0, 2.0)], H)
    # (10 + 10 w)(1 + w) at w = 0.5: 15 * 1.5
    assert at(s, 2021.0) == pytest.approx(22.5, abs=1e-12)
    assert np.all(np.diff(s.time.values) <= H.dt + 1e-9)


def test_shock_is_a_pulse_added_to_the_input():
    s = pulse_series([2021.0], [2.0], 0.25, base=1.0)
    assert at(s, 2021.0 - 1e-3) == 1.0
    assert at(s, 2021.0) == 3.0 and at(s, 2021.1875) == 3.0     # the last step inside the pulse
    assert at(s, 2021.25) == 1.0
    two = pulse_series([2021.0, 2021.125], [2.0, 1.0], [0.25, 0.25])
    assert at(two, 2021.2) == pytest.approx(3.0)                 # overlapping pulses add




def test_sampled_pulses_follow_the_same_rule_per_run():
    p = pulse_series([2019.0, 2020.0], [[0.0, 2.0], [1.0, 0.0]], 0.25)
    assert p.dims == ("run", "time")
    one = pulse_series([2020.0], [2.0], 0.25)
    np.testing.assert_array_equal(p.isel(run=0).interp(time=one.time).values, one.values)


def test_sums_and_stacks_are_exact_on_the_union_of_points():
    ramp = xr.DataArray([0.0, 2.0], dims="time", coords={"time": [1.0, 3.0]})
    step = xr.DataArray([0.0, 1.0], dims="time", coords={"time": [2.0 - STEP_EPS, 2.0]})
    total = add_series(ramp, step)
    for t in (0.5, 1.5, 2.0, 2.5, 4.0):
        assert at(total, t) == pytest.approx(at(ramp, t) + at(step, t), abs=1e-12)
    both = stack_series([1.0, ramp, np.array([5.0, 6.0])], [1, 1, 2])
    assert both.dims == ("run", "time") and both.sizes["run"] == 4
    assert at(both.isel(run=0), 2.5) == 1.0 and at(both.isel(run=1), 2.5) == 1.5 and at(both.isel(run=3), 9) == 6.0
    np.testing.assert_array_equal(stack_series([1.0, 2.0], [2, 1]), [1.0, 1.0, 2.0])
