"""SUM, PROD, VMIN, VMAX over ``!`` subscripts, ELMCOUNT and QUANTUM agree with PySD's run."""
from __future__ import annotations

import warnings

import numpy as np
import pysd
import pytest

from cityfutures.engine.batch import compile_model
from tests.engine.batch._refcases import copy_case, load_cases

MODEL = """{UTF-8}
region: north, south, east ~ ~ |
mode: rail, road ~ ~ |
sub: north, east ~ ~ |
base[region, mode] = 1, 2; 3, -4; 0.5, 6 ~ ~ |
weight[mode] = 0.25, 0.75 ~ ~ |
grow[region, mode] = base[region, mode] * (1 + 0.1 * Time) - weight[mode] ~ ~ |
stock[region, mode] = INTEG(grow[region, mode], base[region, mode]) ~ ~ |
total = SUM(stock[region!, mode!]) ~ ~ |
by region[region] = SUM(stock[region, mode!] * weight[mode!]) ~ ~ |
by mode[mode] = PROD(base[region!, mode]) ~ ~ |
lowest[mode] = VMIN(stock[region!, mode]) ~ ~ |
highest = VMAX(stock[region!, mode!] - Time) ~ ~ |
over sub = SUM(stock[sub!, road]) ~ ~ |
nested = SUM(base[region!, rail]) / ELMCOUNT(region) + VMAX(weight[mode!]) ~ ~ |
count = ELMCOUNT(mode) * ELMCOUNT(sub) ~ ~ |
logical sum = SUM(IF THEN ELSE(stock[region!, rail] > 2, 1, 0)) ~ ~ |
steps = QUANTUM(total, 2.5) + QUANTUM(-7.3, 2) + QUANTUM(highest, 0) ~ ~ |
FINAL TIME = 4 ~ ~ |
INITIAL TIME = 0 ~ ~ |
SAVEPER = 0.5 ~ ~ |
TIME STEP = 0.25 ~ ~ |
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("reductions") / "reductions.mdl"
    path.write_text(MODEL)
    return path


@pytest.mark.parametrize("scalar", [False, True])
def test_reductions_match_pysd(model, tmp_path, scalar):
    (tmp_path / model.name).write_text(MODEL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pysd.read_vensim(str(tmp_path / model.name)).run(progress=False)
    times, ours = compile_model(model).run(scalar=scalar)
    np.testing.assert_allclose(times, ref.index.to_numpy(float))
    checked = 0
    for label, arr in ours.items():
        if label in ref.columns:
            np.testing.assert_allclose(arr[:, 0], ref[label].to_numpy(float), rtol=1e-12,
                                       atol=1e-12, err_msg=label)
            checked += 1
    names = {"total", "by region[north]", "by mode[road]", "lowest[rail]", "highest",
             "over sub", "nested", "count", "logical sum", "steps"}
    assert names <= set(ours) and checked >= len(names)
    assert ours["count"][0, 0] == 4.0


def test_reductions_vectorise_over_runs(model):
    bm = compile_model(model)
    _, out = bm.run({"weight": np.array([0.5, 1.0])}, variables=["by region"], scalar=False)
    for i, w in enumerate([0.5, 1.0]):
        _, one = bm.run({"weight": w}, variables=["by region"])
        np.testing.assert_allclose(out["by region[north]"][:, i], one["by region[north]"][:, 0],
                                   rtol=1e-14)


CASES = load_cases()


@pytest.mark.skipif(not CASES, reason="reference cases not found")
@pytest.mark.parametrize("case", ["subscript_switching", "subscript_transposition",
                                  "subscript_definition", "subscripted_round"])
def test_reference_cases_with_reductions_match_pysd(case, case_dir, pysd_run):
    path = copy_case(CASES[case]["model"], case_dir)
    times, ours = compile_model(path).run()
    ref = pysd_run(path)
    for label, arr in ours.items():
        if label in ref.columns:
            np.testing.assert_allclose(arr[:, 0], ref[label].to_numpy(float), rtol=1e-9,
                                       atol=1e-12, err_msg=f"{case}: {label}")
