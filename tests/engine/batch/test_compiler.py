"""The compiled engine agrees with PySD's own run of the same model to 1e-9 (Euler)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from cityfutures.engine.batch import compile_model
from cityfutures.errors import ModelError, UnsupportedFeatureError
from tests.engine.batch._refcases import copy_case, load_cases

CASES = load_cases()
PARITY = ["delays", "delay_fixed", "smooth", "trend", "forecast", "lookups", "active_initial",
          "initial_function", "input_functions", "subscript_2d_arrays", "subscripted_delays",
          "subscript_mapping_simple", "sample_if_true", "if_stmt", "logicals"]
RTOL = 1e-9


def _compare(ours: dict, ref, case: str):
    checked = 0
    for label, arr in ours.items():
        if label not in ref.columns:
            continue
        want = ref[label].to_numpy(dtype=float)
        got = arr[:, 0]
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-12,
                                   err_msg=f"{case}: '{label}' differs from PySD")
        checked += 1
    assert checked, f"{case}: no variable in common with PySD"


@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.parametrize("case", PARITY)
def test_parity_with_pysd(case, case_dir, pysd_run):
    model = copy_case(CASES[case]["model"], case_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times, ours = compile_model(model).run()
    ref = pysd_run(model)
    np.testing.assert_allclose(times, ref.index.to_numpy(dtype=float))
    _compare(ours, ref, case)


def test_ensemble_runs_are_independent(case_dir):
    model = copy_case("samples/teacup/teacup.mdl", case_dir)
    bm = compile_model(model)
    temps = np.array([60.0, 70.0, 80.0])
    _, many = bm.run({"Room Temperature": temps}, variables=["Teacup Temperature"])
    for i, temp in enumerate(temps):
        _, one = bm.run({"Room Temperature": temp}, variables=["Teacup Temperature"])
        np.testing.assert_array_equal(many["Teacup Temperature"][:, i],
                                      one["Teacup Temperature"][:, 0])


def test_initial_values_follow_params(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nStock = INTEG(0, Start) ~ ~ |\nStart = 5 ~ ~ |\n"
                    "FINAL TIME = 2 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\n"
                    "TIME STEP = 1 ~ ~ |\n")
    _, out = compile_model(path).run({"Start": [1.0, 2.0]})
    np.testing.assert_array_equal(out["Stock"], [[1.0, 2.0]] * 3)


def test_unsupported_function_names_element_and_function(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nx = GAME(3) ~ ~ |\nFINAL TIME = 2 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\n"
                    "SAVEPER = 1 ~ ~ |\nTIME STEP = 1 ~ ~ |\n")
    with pytest.raises(UnsupportedFeatureError) as err:
        compile_model(path)
    assert err.value.element == "x" and err.value.function == "GAME"


def test_algebraic_loop_is_a_model_error(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\na = b + 1 ~ ~ |\nb = a * 2 ~ ~ |\nFINAL TIME = 2 ~ ~ |\n"
                    "INITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\nTIME STEP = 1 ~ ~ |\n")
    with pytest.raises(ModelError, match="loop"):
        compile_model(path)


def test_large_ensembles_run_in_chunks_with_the_same_results(case_dir, monkeypatch):
    import cityfutures.engine.batch as batch
    model = copy_case("samples/teacup/teacup.mdl", case_dir)
    bm = compile_model(model)
    rng = np.random.default_rng(42)
    n = 7
    series = (np.array([0.0, 10.0, 20.0]), rng.uniform(60, 80, (n, 3)))
    params = {"Room Temperature": series, "Characteristic Time": rng.uniform(5, 15, n)}
    _, whole = bm.run(params, scalar=False)
    monkeypatch.setattr(batch, "CHUNK_RUNS", 3)
    _, chunked = bm.run(params, scalar=False)
    assert list(chunked) == list(whole)
    for label in whole:
        np.testing.assert_array_equal(chunked[label], whole[label], err_msg=label)
