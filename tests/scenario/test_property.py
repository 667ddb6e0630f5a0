"""Any scenario or comparison document: exit 0 or 2, never 1, never a traceback, nothing written on 2.

Hypothesis writes documents three ways: a valid file with any of its fields replaced by any
value, a mapping of any keys to any values, and any text at all. Each goes through
``cityfutures validate`` and ``run`` (scenarios) or ``compare`` (comparisons), in process. The
deadline stops an example that takes far longer than the others (a bound that does not hold).
"""
from __future__ import annotations

import datetime
import io
import os
import shutil
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from cityfutures.cli import main
from cityfutures.scenario.schema import COMPARISON_KEYS, INTERVENTION_KEYS, SCENARIO_KEYS
from tests.helpers import MINI_DIR

# CI draws the same 60 examples each run; CITYFUTURES_PROPERTY_EXAMPLES=N explores N new ones
SETTINGS = settings(max_examples=int(os.environ.get("CITYFUTURES_PROPERTY_EXAMPLES", "60")),
                    deadline=datetime.timedelta(seconds=30),
                    derandomize="CITYFUTURES_PROPERTY_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["Drainage investment", "Bus capacity", "flood", "water-waste", "normal", "2019",
                              "0,5", "1e308", "-1e308", "baseline.yaml", "../../etc/passwd", "$x^2$", "<b>"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=12) | st.sampled_from(INTERVENTION_KEYS), inner, max_size=4),
                      max_leaves=20)

BASELINE = {"name": "baseline", "title": {"en": "Baseline", "id": "Dasar"}, "model": "mini.mdl", "seed": 1}
SCENARIO = {"name": "s", "title": {"en": "S", "id": "S"}, "extends": "baseline.yaml",
            "interventions": [{"lever": "Drainage investment", "add": 10, "start": 2019, "ramp_years": 2,
                               "cost": {"capex_idr_bn": 100, "opex_idr_bn_per_year": 5}}],
            "shocks": [{"kind": "flood", "year": 2021, "magnitude": 1}]}
COMPARISON = {"name": "w", "title": {"en": "W", "id": "W"}, "baseline": "baseline.yaml",
              "interventions": ["s.yaml"], "bundles": {}, "indicators": ["Population"]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The mini model, a baseline and a valid programme; the model translated once (the deadline measures runs)."""
    root = tmp_path_factory.mktemp("property")
    for name in ("mini.mdl", "mini.meta.yaml"):
        shutil.copy(MINI_DIR / name, root / name)
    (root / "baseline.yaml").write_text(yaml.safe_dump(BASELINE), encoding="utf-8")
    (root / "s.yaml").write_text(yaml.safe_dump(SCENARIO), encoding="utf-8")
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(root / "cache"))
    assert _cli(["run", str(root / "s.yaml"), "--out", str(root / "warm")])[0] == 0
    return root


def _cli(args: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, err.getvalue()


def _dump(doc) -> bytes:
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        text = repr(doc)
    return text.encode("utf-8", "surrogatepass")


def _check(folder: Path, name: str, data: bytes, commands) -> None:
    work = Path(tempfile.mkdtemp(dir=folder))
    try:
        for f in ("baseline.yaml", "s.yaml"):
            shutil.copy(folder / f, work / f)
        for f in ("mini.mdl", "mini.meta.yaml"):
            shutil.copy(folder / f, work / f)
        path = work / name
        path.write_bytes(data)
        for command in commands:
            out = work / "out"
            code, err = _cli([*command(path), "--out", str(out)] if command(path)[0] != "validate" else command(path))
            assert code in (0, 2), err
            assert "Traceback" not in err and "internal error" not in err, err
            if code == 2:
                assert err.startswith("error: ") and err.count("\n") == 1, err
                assert not out.exists(), "written on exit 2"
            shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


SCENARIO_COMMANDS = (lambda p: ["validate", str(p)], lambda p: ["run", str(p), "--quiet"])
COMPARISON_COMMANDS = (lambda p: ["validate", str(p)], lambda p: ["compare", str(p), "--quiet"])


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(SCENARIO_KEYS), VALUES, min_size=1, max_size=3))
def test_a_scenario_with_any_field_changed(folder, changes):
    _check(folder, "s2.yaml", _dump({**SCENARIO, "name": "s2", **changes}), SCENARIO_COMMANDS)


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(INTERVENTION_KEYS), VALUES, min_size=1, max_size=3))
def test_an_intervention_with_any_field_changed(folder, changes):
    doc = {**SCENARIO, "name": "s2", "interventions": [{**SCENARIO["interventions"][0], **changes}]}
    _check(folder, "s2.yaml", _dump(doc), SCENARIO_COMMANDS)


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(COMPARISON_KEYS), VALUES, min_size=1, max_size=3))
def test_a_comparison_with_any_field_changed(folder, changes):
    _check(folder, "w.yaml", _dump({**COMPARISON, **changes}), COMPARISON_COMMANDS)


@SETTINGS
@given(doc=st.dictionaries(st.text(max_size=15) | st.sampled_from(SCENARIO_KEYS + COMPARISON_KEYS), VALUES,
                           max_size=6))
def test_any_mapping(folder, doc):
    _check(folder, "any.yaml", _dump(doc), SCENARIO_COMMANDS)


@SETTINGS
@given(text=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_text(folder, text):
    _check(folder, "any.yaml", text.encode("utf-8", "surrogatepass"), SCENARIO_COMMANDS)
