"""Reference cases of the batch-engine tests: the table and copies into tmp folders."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from cityfutures.engine.batch import compile_model
from cityfutures.errors import UnsupportedFeatureError
from tests.helpers import REFERENCE

COMPILED_SAMPLE = ("delays", "delay_fixed", "smooth_and_stock", "subscripted_smooth", "trend", "forecast",
                   "sample_if_true", "lookups_inline", "input_functions", "subscript_2d_arrays", "active_initial")
"""Reference cases run on the compiled engine in every test run (every kind of stateful and lookup, subscripts):
each compiles a kernel, so the rest of the suite runs on the batch engine."""


def load_cases() -> dict:
    """The table of reference cases (empty when the reference folder is missing)."""
    path = REFERENCE / "cases.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def copy_case(model_rel: str, dest: Path) -> Path:
    """Copy a case's folder into ``dest`` and return the copied model path."""
    src = REFERENCE / model_rel
    target = dest / src.parent.name
    if not target.exists():
        shutil.copytree(src.parent, target)
    return target / src.name




def batch_case(case: str, spec: dict, dest: Path) -> Path:
    """The case's model copied under ``dest``; the test is skipped when PySD cannot run it or the batch
    engine does not support it (with the engine's reason: element and function)."""
    if "pysd_mark" in spec:
        pytest.skip(f"{case}: PySD itself cannot run it ({spec['pysd_mark'][:60]}...)")
    model = copy_case(spec["model"], dest)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile_model(model)
    except UnsupportedFeatureError as exc:
        pytest.skip(f"{case}: unsupported: {exc}")
    return model
