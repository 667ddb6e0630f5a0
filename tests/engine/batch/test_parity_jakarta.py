"""Parity with PySD on models/jakarta.mdl: every variable, every saved time, rtol 1e-9 (Euler)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from cityfutures.engine.simulate import simulate
from tests.helpers import JAKARTA, SCENARIOS

pytestmark = pytest.mark.skipif(not JAKARTA.is_file(),
                                reason="models/jakarta.mdl is not in the repository yet")
RTOL = 1e-9


def _assert_same(batch, ref, what):
    for name in ref.data_vars:
        a, b = batch[name].values, ref[name].values
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-12, equal_nan=True,
                                   err_msg=f"{what}: '{name}' differs between engines")


def test_baseline_parity():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = simulate(JAKARTA, engine="pysd")
    batch = simulate(JAKARTA, engine="batch")
    assert batch.attrs["engine"] == "batch"
    _assert_same(batch, ref, "baseline")


@pytest.mark.slow
def test_every_shipped_scenario_parity():
    from cityfutures.plan.plan import build_plan
    from cityfutures.scenario.load import load_comparison, load_scenario
    files = sorted(SCENARIOS.glob("*.yaml")) if SCENARIOS.is_dir() else []
    if not files:
        pytest.skip("no shipped scenarios yet")
    for path in files:
        try:
            what = load_comparison(path)
        except Exception:
            what = load_scenario(path)
        plan = build_plan(what)
        if Path(plan.model.path).resolve() != JAKARTA.resolve():
            continue
        h = plan.horizon
        kw = dict(start=h.start, end=h.end, dt=h.dt, saveper=h.saveper)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = simulate(JAKARTA, plan.batch_params(), engine="pysd", **kw)
        batch = simulate(JAKARTA, plan.batch_params(), engine="batch", **kw)
        _assert_same(batch, ref, path.name)
