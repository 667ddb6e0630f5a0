"""Sampled futures: seeded, stratified, and the same however they are cut."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.errors import ScenarioError
from cityfutures.plan.sampling import factors, sample, shock_onsets, unit_design
from cityfutures.scenario.series import pulse_series


@pytest.mark.parametrize("method", ["lhs", "sobol", "random"])
def test_same_seed_same_futures_other_seed_other_futures(linear_spec, method):
    a = sample(linear_spec, 64, seed=7, start=0, end=10, method=method)
    b = sample(linear_spec, 64, seed=7, start=0, end=10, method=method)
    c = sample(linear_spec, 64, seed=8, start=0, end=10, method=method)
    assert a.constants.equals(b.constants) and np.array_equal(a.shocks["flood"], b.shocks["flood"])
    assert not a.constants.equals(c.constants)


def test_latin_hypercube_is_stratified():
    u = unit_design(4, 50, method="lhs", seed=3)
    for j in range(4):
        assert sorted(np.floor(u[:, j] * 50).astype(int)) == list(range(50))


def test_columns_constants_then_shock_occurrence_and_magnitude(linear_spec):
    fac = factors(linear_spec, 0, 10)
    assert [f.name for f in fac[:3]] == ["A", "B", "C"]
    assert [f.role for f in fac[3:]] == ["occurs"] * 10 + ["magnitude"] * 10
    assert {f.group for f in fac[3:]} == {"flood"}
    assert list(shock_onsets(2018, 2028)) == list(range(2018, 2028))


def test_samples_follow_their_distributions(linear_spec):
    s = sample(linear_spec, 4000, seed=1, start=0, end=10)
    assert s.constants["A"].between(0.5, 1.5).all()
    assert s.constants["C"].value_counts(normalize=True).sort_index().to_list() == pytest.approx([0.5, 0.3, 0.2],
                                                                                              abs=0.01)
    mags = s.shocks["flood"]
    assert (mags > 0).mean() == pytest.approx(0.3, abs=0.01)          # annual probability
    struck = mags[mags > 0]
    assert struck.min() >= 0.5 and struck.max() <= 2.0


def test_take_keeps_sample_ids_and_rows(linear_spec):
    s = sample(linear_spec, 20, seed=1, start=0, end=10)
    part = s.take([3, 4, 5])
    assert list(part.sample_ids) == [3, 4, 5]
    assert np.array_equal(part.shocks["flood"], s.shocks["flood"][3:6])
    assert list(s.table().columns) == ["A", "B", "C", "flood count", "flood largest"]


def test_pulse_series_is_a_run_by_time_step_pulse():
    p = pulse_series(np.array([2018.0, 2019.0]), np.array([[0.0, 2.0], [1.0, 0.0]]), 0.25)
    assert p.dims == ("run", "time")
    assert float(p.isel(run=0).interp(time=2019.1)) == 2.0
    assert float(p.isel(run=0).interp(time=2018.1)) == 0.0
    assert float(p.isel(run=1).interp(time=2018.2)) == 1.0
    assert float(p.isel(run=1).interp(time=2018.3)) == 0.0


def test_bad_seed_or_size():
    with pytest.raises(ScenarioError, match="seed"):
        unit_design(2, 10, seed=-1)
    with pytest.raises(ScenarioError, match="at least one"):
        unit_design(2, 0, seed=1)
