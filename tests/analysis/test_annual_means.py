"""Annual means: a flood pulse counts in full, once, in the year it strikes, on every executor."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from cityfutures.api import run_ensemble
from cityfutures.engine.executors import make_executor
from cityfutures.engine.runner import collect
from cityfutures.errors import ScenarioError
from cityfutures.plan import RunSpec, plan_ensemble
from cityfutures.plan.periods import check_pulses, period_means, report_times
from cityfutures.scenario.series import pulse_series
from cityfutures.scenario.uncertain import parse_uncertain

RATE = 4e6          # person/Year per unit of shock (pulse.mdl)


def test_a_pulse_of_known_area_gives_the_right_annual_mean():
    # saved every 0.25 years; a 0.25-year pulse of 6 M people/Year = 1.5 M people in 2021
    t = 2018 + 0.25 * np.arange(41)
    flow = np.full_like(t, 50_000.0)                                 # a steady 50,000 people/Year
    flow[t == 2021.0] += 6e6
    got = period_means(flow, t, report_times(2018, 2028, 0.25))
    expected = np.full(10, 50_000.0)
    expected[3] += 1.5e6
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got.sum() == pytest.approx(10 * 50_000 + 1.5e6)          # the decade's total, whatever the pulse
    # a stock: the annual average of the four saved values
    stock = t - 2018
    np.testing.assert_allclose(period_means(stock, t, [2018.0, 2019.0]), [0.375, 1.375])


def test_report_times_are_year_starts():
    assert report_times(2018, 2028, 0.25) == tuple(float(y) for y in range(2018, 2028))
    assert report_times(0, 2, 1.0, every=1.0) == (0.0, 1.0)


@pytest.mark.parametrize("saveper", [0.25, 0.125])
def test_each_sampled_pulse_covers_whole_saved_intervals_in_its_own_year(saveper):
    onsets = np.arange(2018.0, 2028.0)
    mags = np.linspace(0.4, 1.0, 10)[None, :]
    pulse = pulse_series(onsets, mags, 0.25)
    t = 2018 + saveper * np.arange(int(round(10 / saveper)) + 1)
    at_saved = np.interp(t, pulse["time"].to_numpy(), pulse.isel(run=0).to_numpy())
    # area of each pulse (magnitude x 0.25 Year) = the year's mean of the input, in its own year
    np.testing.assert_allclose(period_means(at_saved, t, report_times(2018, 2028, saveper)), mags[0] * 0.25,
                               rtol=1e-12)
    check_pulses("flood", onsets, 0.25, start=2018, end=2028, saveper=saveper)


def test_pulses_that_would_be_miscounted_are_refused():
    with pytest.raises(ScenarioError, match="not a whole number of saved intervals"):
        check_pulses("flood", np.arange(0.0, 10.0), 0.25, start=0, end=10, saveper=1.0)
    with pytest.raises(ScenarioError, match="reaches past the end of its year"):
        check_pulses("flood", np.arange(0.0, 10.0) + 0.9, 0.25, start=0, end=10, saveper=0.25)


@pytest.fixture(scope="module")
def pulse_plan(pulse_model):
    spec = parse_uncertain({"shocks": {"flood": {"annual_probability": 0.3,
                                                 "magnitude": {"dist": "uniform", "min": 0.4, "max": 1.0}}}},
                           pulse_model)
    runs = [RunSpec("base", "baseline", title_en="Baseline", title_id="Garis dasar"),
            RunSpec("halve", "intervention", {"Lever": 1.0}, title_en="Halve the impact",
                    title_id="Separuh dampak")]
    return plan_ensemble(runs=runs, model=pulse_model, spec=spec, samples=60, seed=3)


def test_the_ensemble_reports_each_years_total_of_a_pulsed_flow(pulse_plan):
    data, failures = collect(pulse_plan, chunk_size=16)
    assert not failures
    values = np.stack([data[i].transpose("scenario", "sample", "time").to_numpy() for i in pulse_plan.indicators],
                      axis=2)                                           # (S, N, I, T)
    expected = pulse_plan.samples.shocks["flood"] * 0.25 * RATE       # (N, years): people affected that year
    assert (expected > 0).any() and (expected == 0).any()
    np.testing.assert_allclose(values[0, :, 0, :], expected, rtol=1e-9)
    np.testing.assert_allclose(values[1, :, 0, :], expected / 2, rtol=1e-9)
    assert pulse_plan.times == tuple(float(y) for y in range(10))


@pytest.mark.slow
def test_same_seed_identical_annual_means_on_the_three_executors(pulse_plan):
    ref = run_ensemble(pulse_plan, chunk_size=16, targets=["People affected after lever<=100000"])
    q = ref.dataset["quantiles"].sel(measure="value", scenario="base", quantile=0.95).isel(indicator=0)
    assert float(q.max()) <= 1.0 * 0.25 * RATE + 1e-6              # never the full pulse rate (4 M/Year)
    for name in ("process", "dask"):
        with make_executor(name, n_workers=2) as ex:
            got = run_ensemble(pulse_plan, executor=ex, chunk_size=16,
                               targets=["People affected after lever<=100000"])
        xr.testing.assert_identical(got.dataset.drop_attrs(), ref.dataset.drop_attrs())
        for key, table in ref.tables.items():
            pd.testing.assert_frame_equal(got.tables[key], table)


def test_titles_travel_with_the_results(pulse_plan):
    res = run_ensemble(pulse_plan, chunk_size=30)
    ds = res.dataset
    assert list(ds["title_en"].values) == ["Baseline", "Halve the impact"]
    assert list(ds["title_id"].values) == ["Garis dasar", "Separuh dampak"]
    for key in ("summary", "probability", "regret", "ranking"):
        assert list(res.tables[key].columns[:3]) == ["scenario", "title_en", "title_id"], key
    assert ds.attrs["every"] == 1.0 and "mean over the saved times" in ds.attrs["time_aggregation"]
