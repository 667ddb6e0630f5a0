"""GET XLS/GET DIRECT CONSTANTS and LOOKUPS read at compile time by PySD's own loaders."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.engine.batch import compile_model
from cityfutures.errors import ModelError
from tests.engine.batch._refcases import copy_case, load_cases

CASES = load_cases()
EXTERNAL = ["get_constants_subranges", "get_values_order", "with_lookup", "get_lookups_subset",
            "get_lookups_subscripted_args"]


@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.parametrize("case", EXTERNAL)
def test_external_constants_and_lookups_match_pysd(case, case_dir, pysd_run):
    path = copy_case(CASES[case]["model"], case_dir)
    times, ours = compile_model(path).run()
    ref = pysd_run(path)
    np.testing.assert_allclose(times, ref.index.to_numpy(float))
    checked = 0
    for label, arr in ours.items():
        if label in ref.columns:
            np.testing.assert_allclose(arr[:, 0], ref[label].to_numpy(float), rtol=1e-12,
                                       atol=1e-12, err_msg=f"{case}: {label}")
            checked += 1
    assert checked


def test_missing_external_file_is_a_model_error(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nx = GET DIRECT CONSTANTS('nowhere.xlsx', 'Sheet1', 'A1') ~ ~ |\n"
                    "FINAL TIME = 2 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nSAVEPER = 1 ~ ~ |\n"
                    "TIME STEP = 1 ~ ~ |\n")
    with pytest.raises(ModelError, match="'x'"):
        compile_model(path)
