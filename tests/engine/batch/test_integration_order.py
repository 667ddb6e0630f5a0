"""Euler converges with order 1 and RK4 with order 4 on exponential decay."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.engine.batch import compile_model

DECAY = """{UTF-8}
Stock = INTEG(-Rate * Stock, 1) ~ widgets ~ |
Rate = 1 ~ 1/Year ~ |
FINAL TIME = 1 ~ Year ~ |
INITIAL TIME = 0 ~ Year ~ |
SAVEPER = 1 ~ Year ~ |
TIME STEP = 0.125 ~ Year ~ |
"""


@pytest.mark.parametrize("method,order", [("euler", 1), ("rk4", 4)])
def test_convergence_order(tmp_path, method, order):
    path = tmp_path / "decay.mdl"
    path.write_text(DECAY)
    bm = compile_model(path)
    rates = np.array([0.5, 1.0, 2.0])
    errors = []
    steps = [1 / 8, 1 / 16, 1 / 32, 1 / 64]
    for dt in steps:
        times, out = bm.run({"Rate": rates}, dt=dt, saveper=1.0, variables=["Stock"], method=method)
        assert times[-1] == 1.0
        errors.append(np.abs(out["Stock"][-1] - np.exp(-rates)))
    slopes = np.diff(np.log(np.array(errors)), axis=0) / np.diff(np.log(steps))[:, None]
    np.testing.assert_allclose(slopes[-1], order, atol=0.15)
