"""Metrics against analytic cases, with explicit tolerances."""
import numpy as np
import pytest
import xarray as xr

from cityfutures.analysis import metrics

T = np.round(np.arange(2018.0, 2028.0 + 1e-9, 0.25), 6)


def curve(values, t=T):
    return xr.DataArray(np.asarray(values, dtype=float), dims="time", coords={"time": t})


def test_end_value_and_delta():
    base = curve(np.full(T.size, 100.0))
    ramp = curve(100 + (T - 2018))
    assert float(metrics.end_value(ramp)) == pytest.approx(110.0, rel=1e-12)
    assert float(metrics.end_value(metrics.delta(ramp, base))) == pytest.approx(10.0, rel=1e-12)


def test_area_between_two_linear_curves():
    # baseline 100 + t', scenario 100 + 3 t' (t' = years since 2018): area = integral 2 t' dt' = t'^2 = 100
    base = curve(100 + (T - 2018))
    scen = curve(100 + 3 * (T - 2018))
    assert float(metrics.area_between(scen, base)) == pytest.approx(100.0, rel=1e-12)
    # lines crossing at the middle: the signed area cancels exactly
    cross = curve(100 + 2 * (T - 2023))
    assert float(metrics.area_between(cross, curve(np.full(T.size, 100.0)))) == pytest.approx(0.0, abs=1e-9)


def test_area_is_trapezoid_over_saved_times():
    t = np.array([0.0, 1.0, 3.0])
    a = curve([0.0, 2.0, 2.0], t)
    b = curve([0.0, 0.0, 0.0], t)
    assert float(metrics.area_between(a, b)) == pytest.approx(1.0 + 4.0, rel=1e-12)


def test_time_to_effect_of_a_known_ramp():
    # baseline flat 100; ramp +10 over 2020..2025: delta = 2 (t - 2020), exceeds 1 (1 %) at t = 2020.5
    base = curve(np.full(T.size, 100.0))
    scen = curve(100 + np.clip(2 * (T - 2020), 0, 10))
    assert float(metrics.time_to_effect(scen, base)) == pytest.approx(2.5, abs=1e-9)
    # a 5 % threshold: delta = 5 at t = 2022.5
    assert float(metrics.time_to_effect(scen, base, threshold=0.05)) == pytest.approx(4.5, abs=1e-9)


def test_time_to_effect_interpolates_between_saved_times():
    t = np.array([2018.0, 2019.0, 2020.0])
    base = curve([100.0, 100.0, 100.0], t)
    scen = curve([100.0, 100.0, 104.0], t)       # crosses 1 at 2019.25 on the straight line
    assert float(metrics.time_to_effect(scen, base)) == pytest.approx(1.25, abs=1e-12)


def test_time_to_effect_never_is_nan_and_sign_does_not_matter():
    base = curve(np.full(T.size, 100.0))
    assert np.isnan(float(metrics.time_to_effect(curve(np.full(T.size, 100.5)), base)))
    down = curve(100 - np.clip(2 * (T - 2020), 0, 10))
    assert float(metrics.time_to_effect(down, base)) == pytest.approx(2.5, abs=1e-9)


def test_time_to_effect_broadcasts_over_scenarios():
    base = curve(np.full(T.size, 100.0))
    scen = xr.concat([curve(100 + np.clip(2 * (T - 2020), 0, 10)), base], dim="scenario")
    out = metrics.time_to_effect(scen, base)
    assert out.dims == ("scenario",)
    assert float(out[0]) == pytest.approx(2.5, abs=1e-9) and np.isnan(float(out[1]))


def test_percent_change_and_improvement():
    assert float(metrics.percent_change(110.0, 100.0)) == pytest.approx(10.0, rel=1e-12)
    assert float(metrics.percent_change(-110.0, -100.0)) == pytest.approx(-10.0, rel=1e-12)
    assert float(metrics.percent_change(0.0, 0.0)) == 0.0
    assert np.isnan(float(metrics.percent_change(1.0, 0.0)))
    assert metrics.improvement(-5.0, "lower") == 5.0
    assert metrics.improvement(-5.0, "higher") == -5.0
    with pytest.raises(ValueError, match="better must be"):
        metrics.improvement(1.0, "sideways")


def triangle():
    # higher is better: flat 100, a shock in 2020 drops it linearly to 50 at 2021, then it climbs
    # linearly back to 100 at 2025: back to 95 (95 %) at 2021 + 45/12.5 = 2024.6, i.e. 4.6 years after the shock
    x = np.where(T < 2020, 100.0, np.where(T <= 2021, 100 - 50 * (T - 2020),
                                           np.minimum(100.0, 50 + 12.5 * (T - 2021))))
    return curve(x)


def test_peak_loss_and_recovery_of_a_known_triangle():
    tri = triangle()
    assert float(metrics.peak_loss(tri, 2020.0, "higher")) == pytest.approx(50.0, rel=1e-12)
    assert float(metrics.recovery_time(tri, 2020.0, "higher")) == pytest.approx(4.6, abs=1e-9)
    # to 80 %: 50 + 12.5 (t - 2021) = 80 at 2023.4
    assert float(metrics.recovery_time(tri, 2020.0, "higher", level=0.8)) == pytest.approx(3.4, abs=1e-9)


def test_lower_is_better_shock_mirror():
    tri = 200 - triangle()          # flat 100, rises to 150, back to 100: worse while high
    assert float(metrics.peak_loss(tri, 2020.0, "lower")) == pytest.approx(50.0, rel=1e-12)
    assert float(metrics.recovery_time(tri, 2020.0, "lower")) == pytest.approx(4.6, abs=1e-9)
    # in the wrong direction the shock is a gain: no loss, nothing to recover from
    assert float(metrics.peak_loss(tri, 2020.0, "higher")) == 0.0
    assert float(metrics.recovery_time(tri, 2020.0, "higher")) == 0.0


def test_never_recovered_is_nan_and_no_pre_shock_time_is_nan():
    x = curve(np.where(T < 2020, 100.0, 60.0))
    assert float(metrics.peak_loss(x, 2020.0, "higher")) == pytest.approx(40.0, rel=1e-12)
    assert np.isnan(float(metrics.recovery_time(x, 2020.0, "higher")))
    assert np.isnan(float(metrics.peak_loss(x, 2018.0, "higher")))


def test_recovery_level_is_checked():
    with pytest.raises(ValueError, match="level"):
        metrics.recovery_time(triangle(), 2020.0, "higher", level=1.5)


def test_shock_metrics_against_a_reference_run():
    """A rising trend with a shock on top: against the run without the shock, only the shock is a loss."""
    import xarray as xr
    t = np.arange(2018.0, 2028.01, 0.25)
    trend = 100 + 10 * (t - 2018)                       # lower is better: the trend alone would be a "loss"
    shock = np.where((t >= 2021) & (t < 2021.5), 50.0, 0.0)
    da = xr.DataArray(trend + shock, dims="time", coords={"time": t})
    ref = xr.DataArray(trend, dims="time", coords={"time": t})
    assert float(metrics.peak_loss(da, 2021.0, "lower", reference=ref)) == pytest.approx(50.0)
    assert float(metrics.loss_area(da, 2021.0, "lower", reference=ref)) == pytest.approx(
        np.trapezoid(shock, t), rel=1e-12)
    rec = float(metrics.recovery_time(da, 2021.0, "lower", reference=ref))
    # back within 5 % of the reference between the last high value (2021.25) and 2021.5, linearly
    g0, g1 = 0.05 * 132.5 - 50, 0.05 * 135.0
    assert rec == pytest.approx(0.25 + 0.25 * -g0 / (g1 - g0), rel=1e-9)
    # against the level before the shock, the trend never lets it recover
    assert np.isnan(float(metrics.recovery_time(da, 2021.0, "lower")))
