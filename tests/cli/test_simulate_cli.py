"""``cityfutures simulate MODEL.mdl --out FILE.csv`` against Vensim's output, every reference case.

This runs the command exactly as an independent check does (the model's own time settings, the case
copied with its data files into a tmp folder; the batch engine and PySD on every case, the compiled
engine on the sample of cases CI compiles) and compares
every column of the canonical output (``output.tab`` / ``output.csv``, as Vensim exported
it) at the saved times, with the case's tolerance. A case the batch engine does not cover
runs through PySD (the command warns on one line); cases PySD itself cannot run are
skipped with the suite's reason. The batch-only table is ``tests/batch/test_conformance.py``.
"""
from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pysd.py_backend.utils import detect_encoding
from pysd.tools.benchmarking import assert_frames_close, load_outputs

from cityfutures.cli import main
from cityfutures.engine.batch import compile_model
from cityfutures.errors import UnsupportedFeatureError
from tests.engine.batch._refcases import COMPILED_SAMPLE
from tests.helpers import REFERENCE as REF

CASES = json.loads((REF / "cases.json").read_text()) if (REF / "cases.json").is_file() else {}
pytestmark = pytest.mark.skipif(not CASES, reason=f"reference cases not found at {REF}")


def _canonical(folder: Path) -> pd.DataFrame:
    for name in ("output.tab", "output.csv"):
        path = folder / name
        if path.is_file():
            return load_outputs(str(path), encoding=detect_encoding(str(path)))
    raise FileNotFoundError(f"no output.tab or output.csv in {folder}")


def _copy(spec: dict, dest: Path) -> Path:
    """The case's folder (model, data files, canonical output) copied under ``dest``."""
    src = REF / spec["model"]
    target = dest / src.parent.name
    shutil.copytree(src.parent, target)
    return target / src.name


@pytest.mark.parametrize("case, engine", [(c, e) for c in sorted(CASES) for e in ("batch", "pysd")]
                         + [(c, "compiled") for c in COMPILED_SAMPLE if c in CASES])
def test_simulate_command_matches_vensim_output(case, engine, tmp_path, capsys):
    """The batch engine (or PySD after a one-line warning), PySD's own loop, and the compiled engine."""
    spec = CASES[case]
    if "pysd_mark" in spec:
        reason = re.search(r"'reason': '([^']*)'", spec["pysd_mark"])
        pytest.skip(f"{case}: PySD itself cannot run it ({reason.group(1) if reason else 'marked'})")
    model = _copy(spec, tmp_path)
    if engine == "pysd":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile_model(model)
        except UnsupportedFeatureError as exc:
            pytest.skip(f"{case}: the default run is PySD's already ({exc})")
    out = tmp_path / "out" / "result.csv"
    argv = ["simulate", str(model), "--out", str(out)]
    code = main(argv + ["--engine", engine])
    err = capsys.readouterr().err
    assert code == 0, f"{case}: exit {code}: {err}"
    for line in err.splitlines():  # a fallback to PySD: one line naming element and function
        assert re.fullmatch(r"warning: batch engine (does not support .+ \(in '.+'\)|cannot "
                            r"compile the model \(.+\)).*; running with PySD instead", line), line

    header = out.read_text().splitlines()[0]
    assert header.split(",")[0] == "Time", header[:80]
    ours = load_outputs(str(out))
    canon = _canonical(model.parent)
    missing = [c for c in canon.columns if c not in ours.columns]
    assert not missing, f"{case}: columns of Vensim's output not written: {missing[:8]}"
    np.testing.assert_allclose(ours.index.to_numpy(float), canon.index.to_numpy(float),
                               rtol=1e-12, atol=1e-12, err_msg=f"{case}: saved times")
    ours.index = canon.index
    assert_frames_close(ours[list(canon.columns)], canon, rtol=spec.get("rtol", 1e-5))
