"""Conformance: every reference case the supported subset covers, against Vensim's output.

One table (``cases.json``); a case outside the subset is skipped with the reason the
engine gives (element and function), so ``pytest -ra`` lists what is not covered.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from pysd.py_backend.utils import detect_encoding, load_outputs
from pysd.tools.benchmarking import assert_frames_close

from cityfutures.engine.batch import compile_model
from cityfutures.engine.simulate import simulate_table
from cityfutures.errors import UnsupportedFeatureError
from tests.engine.batch._refcases import REFERENCE, copy_case, load_cases

CASES = load_cases()


def _canonical(folder):
    for name in ("output.tab", "output.csv"):
        if (folder / name).is_file():
            path = folder / name
            return load_outputs(str(path), encoding=detect_encoding(str(path)))
    raise FileNotFoundError(folder)


@pytest.mark.skipif(not CASES, reason=f"reference cases not found at {REFERENCE}")
@pytest.mark.parametrize("case", sorted(CASES))
def test_case_matches_canonical_output(case, case_dir):
    spec = CASES[case]
    if "pysd_mark" in spec:
        pytest.skip(f"{case}: PySD itself cannot run it ({spec['pysd_mark'][:60]}...)")
    model = copy_case(spec["model"], case_dir)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile_model(model)
    except UnsupportedFeatureError as exc:
        pytest.skip(f"{case}: unsupported: {exc}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback to PySD allowed here
        ours = simulate_table(model, engine="batch")
    canon = _canonical(model.parent)
    columns = [c for c in canon.columns if c in ours.columns]
    assert columns, f"{case}: no common columns"
    rtol = spec.get("rtol", 1e-5)
    assert_frames_close(ours[columns], canon[columns], rtol=rtol)
    assert np.isfinite(ours[columns].to_numpy(dtype=float)).any()
