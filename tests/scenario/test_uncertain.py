"""The uncertain: block: valid blocks parse, every mistake is one precise line."""
from __future__ import annotations

import math

import numpy as np
import pytest

from cityfutures.errors import ScenarioError
from cityfutures.scenario.uncertain import parse_uncertain
from cityfutures.yamlio import read_yaml
from tests.helpers import MINI

GOOD = """\
name: base
uncertain:
  sampler: sobol
  constants:
    Growth rate:        {dist: triangular, min: 0.005, mode: 0.009, max: 0.013}
    normal flood index: {dist: uniform, min: 0.5, max: 1.5}
    Exposure fraction:  {dist: normal, mean: 0.1, sd: 0.5}
    Trips per person:   {dist: lognormal, median: 0.5, sigma: 0.3}
    Shock multiplier:   {dist: choice, values: [5, 10, 20], weights: [0.5, 0.3, 0.2]}
  shocks:
    flood: {annual_probability: 0.2, magnitude: {dist: uniform, min: 0.3, max: 1.2}}
"""


@pytest.fixture(scope="module")
def mini():

    import cityfutures as cf
    return cf.load_model(MINI)


def _parse(tmp_path, text, model):
    p = tmp_path / "s.yaml"
    p.write_text(text)
    doc = read_yaml(p)
    return parse_uncertain(doc.data.get("uncertain"), model, doc=doc)


def test_good_block_parses_with_vensim_names_and_truncation(tmp_path, mini):
    spec = _parse(tmp_path, GOOD, mini)
    assert spec.sampler == "sobol"
    assert spec.names == ("Growth rate", "Normal flood index", "Exposure fraction", "Trips per person",
                          "Shock multiplier")
    exposure = dict(spec.constants)["Exposure fraction"]      # normal truncated to the Vensim range [0, 1]
    assert (exposure.lower, exposure.upper) == (0.0, 1.0)
    x = exposure.ppf(np.linspace(0, 1, 101))
    assert x.min() >= 0 and x.max() <= 1
    assert spec.shocks[0].kind == "flood" and spec.shocks[0].annual_probability == 0.2


def test_empty_block_is_no_uncertainty(mini):
    assert not parse_uncertain(None, mini)
    assert not parse_uncertain({}, mini)


@pytest.mark.parametrize("line, field, words", [
    ("    Growth rate: {dist: gamma, a: 1}", "uncertain.constants.Growth rate.dist", "unknown distribution 'gamma'"),
    ("    Growth rat: {dist: uniform, min: 0, max: 0.01}", "uncertain.constants.Growth rat",
     "did you mean 'Growth rate'"),
    ("    Growth rate: {dist: uniform, min: 0, max: 0.5}", "uncertain.constants.Growth rate.max", "outside the range"),
    ("    Growth rate: {dist: uniform, min: 0.02, max: 0.01}", "uncertain.constants.Growth rate.max", "above min"),
    ("    Growth rate: {dist: triangular, min: 0, mode: 0.09, max: 0.05}", "uncertain.constants.Growth rate.mode",
     "between min"),
    ("    Growth rate: {dist: uniform, min: 0, max: 0.01, mean: 3}", "uncertain.constants.Growth rate.mean",
     "unknown key 'mean'"),
    ("    Growth rate: {dist: normal, mean: 0, sd: -1}", "uncertain.constants.Growth rate.sd", "greater than 0"),
    ("    Growth rate: {dist: choice, values: [0.01, 0.02], weights: [0.5, 0.6]}",
     "uncertain.constants.Growth rate.weights", "add up to 1"),
    ("    Growth rate: {dist: choice, values: [0.01, 0.02], weights: [1]}",
     "uncertain.constants.Growth rate.weights", "1 weights for 2 values"),
    ("    Growth rate: {dist: normal, mean: 9, sd: 0.001}", "uncertain.constants.Growth rate.mean", "no probability"),
    ("    Births: {dist: uniform, min: 0, max: 1}", "uncertain.constants.Births", "not a scalar constant"),
    ("    Flood shock input: {dist: uniform, min: 0, max: 1}", "uncertain.constants.Flood shock input",
     "shock input"),
])
def test_bad_constant_is_one_line_with_field_and_line(tmp_path, mini, line, field, words):
    text = "name: base\nuncertain:\n  constants:\n" + line + "\n"
    with pytest.raises(ScenarioError) as err:
        _parse(tmp_path, text, mini)
    e = err.value
    assert e.field == field, str(e)
    assert words in str(e), str(e)
    assert e.line == 4, str(e)
    assert str(e).startswith(str(tmp_path / "s.yaml") + ":4: ")


@pytest.mark.parametrize("block, field, words", [
    ("  shocks:\n    quake: {annual_probability: 0.1, magnitude: 1}", "uncertain.shocks.quake", "unknown shock kind"),
    ("  shocks:\n    flood: {annual_probability: 1.5, magnitude: 1}", "uncertain.shocks.flood.annual_probability",
     "less than or equal to 1"),
    ("  shocks:\n    flood: {annual_probability: 0.1, magnitude: {dist: uniform, min: 1, max: 9}}",
     "uncertain.shocks.flood.magnitude.max", "outside"),
    ("  shocks:\n    flood: {annual_probability: 0.1, magnitude: 7}", "uncertain.shocks.flood.magnitude",
     "leave the shock's range"),
    ("  sampler: halton", "uncertain.sampler", "halton"),
    ("  samplers: lhs", "uncertain.samplers", "unknown key"),
])
def test_bad_shock_or_sampler(tmp_path, mini, block, field, words):
    with pytest.raises(ScenarioError) as err:
        _parse(tmp_path, "name: base\nuncertain:\n" + block + "\n", mini)
    assert err.value.field == field, str(err.value)
    assert words in str(err.value), str(err.value)
    assert err.value.line is not None and err.value.line >= 3


def test_sampler_error_lists_allowed(tmp_path, mini):
    with pytest.raises(ScenarioError, match=r"allowed: lhs, sobol, random"):
        _parse(tmp_path, "name: base\nuncertain:\n  sampler: halton\n", mini)


def test_distributions_have_the_stated_shape(mini):
    spec = parse_uncertain({"constants": {
        "Growth rate": {"dist": "triangular", "min": 0.0, "mode": 0.02, "max": 0.05},
        "Normal flood index": {"dist": "lognormal", "median": 1.0, "sigma": 0.3},
        "Shock multiplier": {"dist": "choice", "values": [5, 10, 20], "weights": [0.5, 0.3, 0.2]}}}, mini)
    u = (np.arange(20000) + 0.5) / 20000
    d = dict(spec.constants)
    tri = d["Growth rate"].ppf(u)
    assert tri.mean() == pytest.approx((0 + 0.02 + 0.05) / 3, rel=1e-3)
    logn = d["Normal flood index"].ppf(u)
    assert np.median(logn) == pytest.approx(1.0, rel=1e-3)
    assert logn.max() <= 5.0                       # truncated to the Vensim range [0, 5]
    ch = d["Shock multiplier"].ppf(u)
    assert [np.mean(ch == v) for v in (5, 10, 20)] == pytest.approx([0.5, 0.3, 0.2], abs=1e-3)
    assert math.isfinite(d["Normal flood index"].ppf(0.0))
