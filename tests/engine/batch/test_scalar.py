"""The scalar fast path (one run in plain floats) agrees with the vectorised path.

Every reference case the engine supports and ``models/jakarta.mdl`` (baseline, array and
series parameters) are run both ways: every variable agrees to ``rtol=1e-12`` (the paths
differ only where ``math.exp``/``pow`` and numpy's SIMD versions round the last bit).
The plain-float helpers agree with the numpy builtins value for value, and a run that
divides by zero falls back to the vectorised path, which gives inf as PySD does.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from cityfutures.engine.batch import compile_model, functions as bf, scalar as sc
from cityfutures.errors import InputError, UnsupportedFeatureError
from tests.engine.batch._refcases import copy_case, load_cases
from tests.helpers import JAKARTA

CASES = load_cases()

RTOL = 1e-12


def _assert_paths_agree(bm, what, **kw):
    t_fast, fast = bm.run(scalar=True, **kw)
    t_vec, vec = bm.run(scalar=False, **kw)
    np.testing.assert_array_equal(t_fast, t_vec)
    assert list(fast) == list(vec)
    for label in vec:
        assert fast[label].shape == vec[label].shape, f"{what}: '{label}' shape"
        # a rate near zero (a goal gap of two nearly equal shares) keeps the rounding of its operands:
        # the absolute tolerance is RTOL of the variable's largest magnitude over the run
        finite = np.abs(vec[label][np.isfinite(vec[label])])
        scale = finite.max() if finite.size else 0.0
        np.testing.assert_allclose(fast[label], vec[label], rtol=RTOL, atol=max(RTOL * scale, 1e-300),
                                   equal_nan=True, err_msg=f"{what}: '{label}' differs")


def _compiled(case, case_dir):
    model = copy_case(CASES[case]["model"], case_dir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile_model(model)
    except UnsupportedFeatureError as exc:  # the conformance test reports these
        pytest.skip(f"{case}: not compiled ({type(exc).__name__})")


@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.parametrize("case", sorted(CASES))
def test_scalar_path_matches_vectorised_on_reference_cases(case, case_dir):
    if "pysd_mark" in CASES[case]:
        pytest.skip("PySD itself cannot run it")
    bm = _compiled(case, case_dir)
    if bm.program({}, tuple(bm.labels)).scalar is None:
        pytest.skip(f"{case}: pipeline statefuls, no scalar path")
    with np.errstate(all="ignore"):
        _assert_paths_agree(bm, case)


@pytest.fixture(scope="module")
def jakarta():
    if not JAKARTA.is_file():
        pytest.skip("models/jakarta.mdl is not in the repository yet")
    return compile_model(JAKARTA)


def test_scalar_path_matches_vectorised_on_jakarta(jakarta):
    assert jakarta.program({}, tuple(jakarta.labels)).scalar is not None
    _assert_paths_agree(jakarta, "baseline")
    _assert_paths_agree(jakarta, "levers", params={"Road building rate": np.array([3.0]),
                                                   "Reservoir area target": 400.0})
    series = (np.array([2018.0, 2020.0, 2023.0]), np.array([[0.0, 0.0, 2.5]]))
    _assert_paths_agree(jakarta, "series", params={"Flood shock input": series},
                        variables=["Population", "People affected by floods"])
    _assert_paths_agree(jakarta, "time settings", dt=0.125, saveper=0.5, end=2024)


def test_small_ensembles_on_the_scalar_path_match_vectorised(jakarta):
    rng = np.random.default_rng(42)
    series = (np.array([2018.0, 2020.0, 2023.0]), rng.uniform(0, 3, (5, 3)))
    params = {"Road building rate": rng.uniform(1, 3, 5), "Reservoir area target": 400.0,
              "Flood shock input": series}
    _assert_paths_agree(jakarta, "ensemble", params=params)
    _, many = jakarta.run(params, variables=["Population"])
    for r in range(5):
        one = {"Road building rate": params["Road building rate"][r],
               "Reservoir area target": 400.0, "Flood shock input": (series[0], series[1][r])}
        _, alone = jakarta.run(one, variables=["Population"])
        np.testing.assert_array_equal(many["Population"][:, r], alone["Population"][:, 0])


def test_scalar_path_is_the_default_for_one_euler_run(jakarta, monkeypatch):
    import cityfutures.engine.batch as batch
    calls, real = [], batch.integrate
    monkeypatch.setattr(batch, "integrate", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    from cityfutures.engine.batch import SCALAR_MAX_RUNS
    jakarta.run(variables=["Population"])
    jakarta.run(params={"Road building rate": [1.0, 2.0]}, variables=["Population"])
    jakarta.run(variables=["Population"], method="rk4")
    big = SCALAR_MAX_RUNS + 1
    jakarta.run(params={"Road building rate": np.ones(big)}, variables=["Population"])
    assert calls == [1, big]  # small Euler ensembles never reached the vectorised loop


def test_division_by_zero_falls_back_to_vectorised(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nStock = INTEG(1 / Gap, 1) ~ ~ |\nGap = 2 - Time ~ ~ |\n"
                    "Ratio = Stock / Gap ~ ~ |\n"
                    "FINAL TIME = 4 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\n"
                    "TIME STEP = 1 ~ ~ |\n")
    bm = compile_model(path)
    assert bm.program({}, tuple(bm.labels)).scalar is not None
    with pytest.raises(ZeroDivisionError):
        _raw_scalar(bm)
    _, fast = bm.run()
    _, vec = bm.run(scalar=False)
    for label in vec:
        np.testing.assert_array_equal(fast[label], vec[label])
    assert np.isinf(vec["Ratio"][2, 0])


def _raw_scalar(bm):
    from cityfutures.engine.batch.integrate import integrate_scalar
    prog = bm.program({}, tuple(bm.labels))
    return integrate_scalar(prog, {}, 1, (0.0, 4.0, 1.0, 1.0))


def test_pipeline_statefuls_have_no_scalar_path(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nS = SMOOTH(Input, 2) ~ ~ |\nInput = STEP(1, 1) ~ ~ |\n"
                    "FINAL TIME = 4 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\n"
                    "TIME STEP = 0.5 ~ ~ |\n")
    bm = compile_model(path)
    assert bm.program({}, tuple(bm.labels)).scalar is None
    _, out = bm.run()
    assert out["S"].shape == (5, 1)
    with pytest.raises(InputError, match="scalar"):
        bm.run(scalar=True)


def test_scalar_source_rewrites_numpy_calls():
    assert sc.scalar_source("np.where(v1 > v2, np.minimum(v3, _L0), v4 ** 2)") == \
        "_s_min(v3, _L0) if v1 > v2 else _s_pow(v4, 2)"
    assert sc.scalar_source("np.logical_and(v1, np.logical_not(v2))") == \
        "bool(v1) and bool(not v2)"
    assert sc.scalar_source("_f.series(t, *_P['x'])") == "_s_series(t, *_P['x'])"
    for code in ("s3[-1] / v2", "_st.smooth_ddt(s1, v2, v3)", "d0.state"):
        with pytest.raises(sc.NotScalar):
            sc.scalar_source(code)


VALUES = [-3.0, -1e-7, 0.0, 1e-7, 0.5, 1.0, 2.0, 7.25, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("a", VALUES)
def test_scalar_helpers_match_numpy(a):
    for b in VALUES:
        for mine, ref in ((sc.minimum, np.minimum), (sc.maximum, np.maximum)):
            np.testing.assert_array_equal(mine(a, b), ref(a, b))
        with np.errstate(all="ignore"):
            want_x, want_z = bf.xidz(a, b, 9.0), bf.zidz(a, b)
        if b != 0:
            np.testing.assert_array_equal(sc.xidz(a, b, 9.0), want_x)
            np.testing.assert_array_equal(sc.zidz(a, b), want_z)
        if math.isfinite(a) and math.isfinite(b) and b > 0:
            assert sc.modulo(a, b) == bf.modulo(a, b)
        for t in (0.0, 1.0, 2.0, 2.5, 8.0):
            if math.isfinite(a) and math.isfinite(b):
                assert sc.step(t, 0.25, a, b) == bf.step(t, 0.25, a, b)
                assert sc.ramp(t, 2.0, a, b) == bf.ramp(t, 2.0, a, b)
                assert sc.pulse(t, a, b) == bf.pulse(t, a, b)
                for repeat in (0.0, 2.0):
                    assert sc.pulse_train(t, a, repeat, 0.5, 8.0) == \
                        bf.pulse_train(t, a, repeat, 0.5, 8.0)
    if math.isfinite(a):
        assert sc.integer(a) == bf.integer(a)


def test_scalar_lookup_is_np_interp_bit_for_bit():
    rng = np.random.default_rng(42)
    xs = np.sort(rng.uniform(-5, 5, 12))
    ys = rng.normal(size=12)
    ys[4] = ys[5]
    points = np.concatenate([xs, rng.uniform(-7, 7, 2000), [-np.inf, np.inf, np.nan]])
    txs, tys = tuple(xs.tolist()), tuple(ys.tolist())
    for x in points.tolist():
        np.testing.assert_array_equal(sc.lookup(x, txs, tys), np.interp(x, xs, ys))
    with_inf = (0.0, 1.0, 2.0), (0.0, math.inf, 1.0)
    for x in (0.5, 1.0, 1.5, 2.0):
        np.testing.assert_array_equal(sc.lookup(x, *with_inf), np.interp(x, *map(np.array,
                                                                                with_inf)))
