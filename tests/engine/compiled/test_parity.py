"""Parity of the compiled engine with the batch engine (fastmath off): every variable, every saved time.

Tolerance: relative 1e-9 with an absolute floor of 1e-12 times the variable's largest magnitude. The
city model, every shipped scenario, and the reference models the batch engine supports: a sample
that covers every kind of stateful and lookup in every run (each compiles a kernel), the rest with
``CITYFUTURES_FULL_PARITY=1`` (CI compiles only the sample; the conformance suite runs on the batch engine).
"""
from __future__ import annotations

import os

import numpy as np
import pytest

import cityfutures as cf
from cityfutures.engine.simulate import _compiled, simulate
from tests.engine.batch._refcases import COMPILED_SAMPLE, batch_case, load_cases
from tests.helpers import JAKARTA, SCENARIOS

RTOL, FLOOR = 1e-9, 1e-12
CASES = load_cases()
SAMPLE = COMPILED_SAMPLE


def assert_parity(compiled, batch, what: str) -> None:
    """Every variable of ``batch`` in ``compiled`` within RTOL, with an absolute floor of FLOOR x its largest
    magnitude; names the variable and the first time that differs."""
    assert compiled.attrs["engine"] == "compiled", what
    assert batch.attrs["engine"] == "batch", what
    for name in batch.data_vars:
        a, b = np.asarray(compiled[name].values, float), np.asarray(batch[name].values, float)
        finite = np.isfinite(b)
        scale = float(np.abs(b[finite]).max()) if finite.any() else 0.0
        close = np.isclose(a, b, rtol=RTOL, atol=FLOOR * scale, equal_nan=True) | (a == b)
        if not close.all():
            t = compiled["time"].values[np.nonzero(~close.reshape(close.shape[0], close.shape[1], -1)
                                                   .any(axis=(0, 2)))[0][0]]
            pytest.fail(f"{what}: '{name}' differs from time {t:g}: max |diff| "
                        f"{np.nanmax(np.abs(a - b)):.3g} (scale {scale:.3g})")


@pytest.mark.skipif(not JAKARTA.is_file(), reason="models/jakarta.mdl is not in the repository")
def test_jakarta_every_variable_matches_the_batch_engine():
    assert_parity(simulate(JAKARTA, engine="compiled"), simulate(JAKARTA, engine="batch"), "jakarta baseline")


@pytest.mark.skipif(not JAKARTA.is_file(), reason="models/jakarta.mdl is not in the repository")
def test_jakarta_ensemble_of_varied_constants_matches_the_batch_engine():
    """Every variable of 300 runs, every constant varied: the baseline's kernel (every constant is a
    parameter of every kernel), so nothing compiles again."""
    from cityfutures.model import load_model
    model = load_model(JAKARTA)
    rng = np.random.default_rng(7)
    params = {name: var.value * rng.uniform(0.8, 1.2, 300) for name, var in model.constants.items()
              if var.value is not None and np.isfinite(var.value) and var.value != 0}
    cm = _jakarta()
    baseline = cm.kernel(cm.batch.prepare({})).path.name       # loaded, not compiled: the baseline's kernel
    before = _kernel_files()
    assert_parity(simulate(JAKARTA, params, engine="compiled"), simulate(JAKARTA, params, engine="batch"),
                  "jakarta, 300 varied runs")
    assert _kernel_files() - before <= {baseline}, "varied constants run on the baseline's kernel"


@pytest.mark.skipif(not JAKARTA.is_file(), reason="models/jakarta.mdl is not in the repository")
def test_every_shipped_scenario_matches_the_batch_engine():
    """Every comparison and scenario file through the runner (one kernel serves them all: every lever
    is passed as a series in every call)."""
    files = sorted(SCENARIOS.glob("*.yaml")) if SCENARIOS.is_dir() else []
    if not files:
        pytest.skip("no shipped scenarios")
    before = _kernel_files()
    for path in files:
        compiled, batch = cf.run(path, engine="compiled"), cf.run(path, engine="batch")
        assert_parity(compiled, batch, path.name)
    assert len(_kernel_files() - before) <= 1, "the runner reuses one kernel per model and outputs"


def _jakarta():
    """The compiled model simulate() and the runner use for models/jakarta.mdl (its kernels cached on it)."""
    return _compiled(str(JAKARTA.resolve()), JAKARTA.stat().st_mtime_ns)


def _kernel_files():
    return {k.path.name for k in _jakarta()._kernels.values()}


def _case(case, case_dir):
    model = batch_case(case, CASES[case], case_dir)
    compiled = simulate(model, engine="compiled")
    assert_parity(compiled, simulate(model, engine="batch"), case)


@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.parametrize("case", [c for c in SAMPLE if c in CASES])
def test_reference_model_sample_matches_the_batch_engine(case, case_dir):
    _case(case, case_dir)


@pytest.mark.slow
@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.skipif(not os.environ.get("CITYFUTURES_FULL_PARITY"),
                    reason="a kernel per reference model: set CITYFUTURES_FULL_PARITY=1 (CI compiles the sample)")
@pytest.mark.parametrize("case", sorted(c for c in CASES if c not in SAMPLE))
def test_every_other_reference_model_matches_the_batch_engine(case, case_dir):
    _case(case, case_dir)
