"""Conformance: every XMILE file of the reference suite, on PySD and on the batch engine.

The XMILE files under ``../shared/reference-models`` share the canonical output (Vensim's
run) of their ``.mdl`` twin. Each is run by both engines, through the same reading
(:mod:`cityfutures.model.parse`, :mod:`cityfutures.model.xmile`), compared with the canonical
output at the case's tolerance, and the two engines with each other (rel. 1e-9). A file the suite's conversion left
broken is refused with an error naming the file, its line and the variable; the table
below says which, and why, so that a changed outcome fails the test.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from pysd.py_backend.utils import detect_encoding, load_outputs
from pysd.tools.benchmarking import assert_frames_close

from cityfutures.engine.batch import compile_model
from cityfutures.engine.simulate import simulate_table
from cityfutures.errors import InputError, ModelError
from tests.engine.batch._refcases import copy_case
from tests.helpers import REFERENCE

FILES = sorted(str(p.relative_to(REFERENCE)) for p in REFERENCE.rglob("*.xmile")) if REFERENCE.is_dir() else []
TWINS = {}
if (REFERENCE / "cases.json").is_file():
    for _case, _spec in json.loads((REFERENCE / "cases.json").read_text()).items():
        TWINS[str((REFERENCE / _spec["model"]).parent.relative_to(REFERENCE))] = _spec

REFUSED = {  # file -> what the error must name: the variable and the equation the suite's conversion broke
    "tests/macro_expression/test_macro_expression.xmile": ("aux 'macro output'", "EXPRESSION MACRO("),
    "tests/macro_multi_expression/test_macro_multi_expression.xmile": ("aux 'macro output'", "EXPRESSION MACRO("),
    "tests/macro_stock/test_macro_stock.xmile": ("aux 'macro output'", "EXPRESSION MACRO("),
    "tests/subscript_1d_arrays/test_subscript_1d_arrays.xmile": ("aux 'Rate A'", "'???'"),
    "tests/subscript_multiples/test_multiple_subscripts.xmile": ("aux 'Rate A'", "'???'"),
    "tests/subscript_subranges/test_subscript_subrange.xmile": ("aux 'Rate A'", "'???'"),
    "tests/subscript_subranges_equal/test_subscript_subrange_equal.xmile": ("aux 'Rate A'", "'???'"),
    "tests/subscript_updimensioning/test_subscript_updimensioning.xmile": ("aux 'One Dim'", "'???'"),
}
UNFAITHFUL = {  # file -> what its .mdl twin has that the XMILE conversion dropped
    "tests/active_initial/test_active_initial.xmile": "ACTIVE INITIAL(Time, 45 )",
}
RK4 = {  # files whose <sim_specs> ask for RK4 while the twin's canonical output is Vensim's Euler run
    "tests/arithmetics_exp/test_arithmetics_exp.xmile", "tests/rounding/test_rounding.xmile",
    "tests/subscripted_trig/test_subscripted_trig.xmile", "tests/zeroled_decimals/test_zeroled_decimals.xmile",
}
CONTROL = ["INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"]


def _canonical(folder):
    """The canonical output as floats, constants repeated (Vensim prints them in the first row)."""
    for name in ("output.tab", "output.csv"):
        if (folder / name).is_file():
            path = folder / name
            table = load_outputs(str(path), encoding=detect_encoding(str(path))).astype(float)
            constant = table.iloc[1:].isna().all()
            table.loc[:, constant] = np.repeat(table.loc[:, constant].iloc[[0]].to_numpy(), len(table), axis=0)
            return table
    raise FileNotFoundError(folder)


def _run(model, engine):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no fallback from one engine to the other
        warnings.filterwarnings("ignore", module="pysd")
        return simulate_table(model, engine=engine, method="euler")


def test_the_suite_is_here():
    if not FILES:
        pytest.skip(f"reference models not found at {REFERENCE}")
    assert len(FILES) == 44 and "samples/teacup/teacup.xmile" in FILES
    assert set(REFUSED) | set(UNFAITHFUL) | RK4 <= set(FILES)


@pytest.mark.parametrize("rel", FILES)
def test_xmile_case(rel, case_dir):
    model = copy_case(rel, case_dir)
    if rel in REFUSED:
        variable, equation = REFUSED[rel]
        for engine in ("pysd", "batch"):
            with pytest.raises(ModelError) as err:
                _run(model, engine)
            text = str(err.value)
            assert text.startswith(f"{model}:") and variable in text and equation in text, text
            assert err.value.line is not None
        return
    canon = _canonical(model.parent)
    spec = TWINS.get(str(model.parent.relative_to(case_dir)), {})
    rtol = spec.get("rtol", 1e-5)
    runs = {engine: _run(model, engine) for engine in ("pysd", "batch")}
    columns = [c for c in canon.columns if c in runs["batch"].columns and c not in CONTROL]
    assert columns, f"{rel}: no column in common with the canonical output"
    mine = runs["batch"][columns].to_numpy(dtype=float)
    np.testing.assert_allclose(mine, runs["pysd"][columns].to_numpy(dtype=float), rtol=1e-9, atol=1e-12,
                               err_msg=f"{rel}: batch engine and PySD disagree")
    if rel in UNFAITHFUL:
        twin = next(model.parent.glob("*.mdl")).read_text()
        assert UNFAITHFUL[rel] in twin and "ACTIVE INITIAL" not in model.read_text()
        with pytest.raises(AssertionError):
            assert_frames_close(runs["batch"][columns], canon[columns], rtol=rtol)
        return
    for table in runs.values():
        assert_frames_close(table[columns].astype(float), canon[columns], rtol=rtol)


@pytest.mark.parametrize("rel", sorted(RK4))
def test_rk4_in_sim_specs_is_honoured_by_default(rel, case_dir):
    """The file's own method is the default: the batch engine integrates RK4; PySD refuses."""
    model = copy_case(rel, case_dir)
    assert 'method="RK4"' in model.read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bm = compile_model(model)
        assert bm.method == "rk4"
        default = simulate_table(model)
        rk4 = simulate_table(model, method="rk4")
    assert default.equals(rk4)
    with pytest.raises(InputError, match="asks for RK4 .* PySD integrates with Euler only"):
        simulate_table(model, engine="pysd")
