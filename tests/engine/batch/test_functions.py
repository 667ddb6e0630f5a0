"""Vectorised builtins agree with PySD's scalar functions value for value."""
from __future__ import annotations

import numpy as np
import pytest
from pysd.py_backend import functions as pf

from cityfutures.engine.batch import functions as bf


class _Time:
    def __init__(self, t, dt):
        self.t, self.dt = t, dt

    def __call__(self):
        return self.t

    def time_step(self):
        return self.dt


TIMES = np.round(np.arange(0, 10, 0.25), 10)
DT = 0.25


@pytest.mark.parametrize("start", [0.0, 2.0, 2.1, 5.0])
def test_step_ramp_pulse_match_pysd(start):
    for t in TIMES:
        time = _Time(float(t), DT)
        assert bf.step(t, DT, 3.0, start) == pf.step(time, 3.0, start)
        assert bf.ramp(t, 2.0, start, start + 3) == pf.ramp(time, 2.0, start, start + 3)
        assert bf.ramp(t, 2.0, start) == pf.ramp(time, 2.0, start)
        assert bf.pulse(t, start, 1.0) == pf.pulse(time, start, width=1.0)
        for repeat in (0.0, 2.0):
            assert bf.pulse_train(t, start, repeat, 0.5, 8.0) == pf.pulse(
                time, start, repeat_time=repeat, width=0.5, end=8.0)


def test_functions_vectorise_over_runs():
    starts = np.array([0.0, 1.0, 2.0])
    out = bf.step(1.0, DT, 1.0, starts)
    assert out.shape == (3,) and list(out) == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("den", [0.0, 1e-7, -1e-7, 2.0, -3.0])
def test_xidz_zidz_match_pysd(den):
    assert bf.xidz(1.5, den, 7.0) == pf.xidz(1.5, den, 7.0)
    assert bf.zidz(1.5, den) == pf.zidz(1.5, den)


@pytest.mark.parametrize("x", [-7.5, -3.0, 0.0, 2.5, 7.0, 1e9 + 0.5])
@pytest.mark.parametrize("m", [0.0, 3.0, 2.5, -2.0])
def test_integer_modulo_match_pysd(x, m):
    assert bf.integer(x) == pf.integer(x)
    assert bf.modulo(x, m) == pytest.approx(pf.modulo(x, m), rel=0, abs=0)


def test_lookup_holds_at_the_ends_like_vensim():
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([0.0, 10.0, 5.0])
    got = bf.lookup(np.array([-1.0, 0.5, 1.0, 1.5, 9.0]), xs, ys)
    np.testing.assert_array_equal(got, [0.0, 5.0, 10.0, 7.5, 5.0])


def test_series_per_run_matches_np_interp():
    xs = np.array([0.0, 1.0, 1.0 + 1e-6, 4.0])
    ys = np.array([[1.0, 1.0, 2.0, 2.0], [0.0, 3.0, 3.0, -1.0]])
    for t in [-1.0, 0.0, 0.3, 1.0, 1.0 + 5e-7, 2.0, 4.0, 9.0]:
        got = bf.series(t, xs, ys)
        want = [np.interp(t, xs, row) for row in ys]
        np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
        assert bf.series(t, xs, ys[0]) == np.interp(t, xs, ys[0])
