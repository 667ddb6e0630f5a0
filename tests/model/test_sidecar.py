"""Sidecar blocks read by the model checks and loop dominance: ``loops:``, ``equilibrium_stocks:`` and
``checks:``, validated against the model with their line and field (cityfutures.model.sidecar)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cityfutures.errors import ModelError
from cityfutures.model import load_model
from tests.helpers import MINI, MINI_DIR

LOOP = """loops:
  - name: growth
    label: {en: Births grow the town, id: Kelahiran menumbuhkan kota}
    polarity: reinforcing
    variables: [Population, Births]
    cut: [Population, Births]
"""


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the test model and its sidecar."""
    for f in MINI_DIR.iterdir():
        shutil.copy2(f, tmp_path / f.name)
    return tmp_path / "mini.mdl"


def _with(mini: Path, block: str) -> Path:
    meta = mini.with_name("mini.meta.yaml")
    meta.write_text(meta.read_text().replace("\nvariables:", "\n" + block + "variables:", 1))
    return meta


def test_loops_are_read_in_file_order_with_their_cut(mini):
    m = load_model(_with(mini, LOOP).with_name("mini.mdl"))
    (loop,) = m.loops
    assert (loop.name, loop.polarity, loop.variables, loop.cut) == ("growth", "reinforcing", ("Population", "Births"),
                                                                  ("Population", "Births"))
    assert loop.label("id") == "Kelahiran menumbuhkan kota"
    assert load_model(MINI).loops == () and load_model(MINI).equilibrium_stocks == ()     # the blocks are optional


def test_what_each_variable_reads_while_the_model_runs():
    """The links loops are checked against: a stock reads its flows, an auxiliary its inputs."""
    v = load_model(MINI).variables
    assert v["Population"].reads == ("Births",)
    assert set(v["Births"].reads) == {"Population", "Growth rate"}
    assert v["Growth rate"].reads == ()


@pytest.mark.parametrize("edit, field, problem", [
    (("[Population, Births]", "[Population, Birth]"), "loops[0].variables[1]", "did you mean 'Births'"),
    (("cut: [Population, Births]", "cut: [Births, Growth rate]"), "loops[0].cut", "not an edge of the loop"),
    (("[Population, Births]", "[Population, Trips]"), "loops[0].variables", "does not depend on"),
    (("polarity: reinforcing", "polarity: positive"), "loops[0].polarity", "'reinforcing' or 'balancing'"),
    (("variables: [Population, Births]", "variables: [Population]"), "loops[0].variables", "at least 2"),
    (("cut: [Population, Births]", "cut: [Population]"), "loops[0].cut", "missing"),
    (("  - name: growth\n", "  - name: growth\n    extra: 1\n"), "loops[0].extra", "unknown key"),
])
def test_loop_errors_name_the_field(mini, edit, field, problem):
    meta = _with(mini, LOOP.replace(*edit))
    with pytest.raises(ModelError) as info:
        load_model(mini)
    err = info.value
    assert err.path == str(meta) and err.field.startswith(field) and problem in str(err), str(err)
    lines = meta.read_text().splitlines()
    assert lines.index("loops:") < err.line <= lines.index("loops:") + len(LOOP.splitlines()) + 1


def test_a_loop_declared_twice_is_refused(mini):
    _with(mini, LOOP + LOOP[len("loops:\n"):])
    with pytest.raises(ModelError, match="declared twice") as info:
        load_model(mini)
    assert info.value.field == "loops[1].name"


def test_equilibrium_stocks_must_be_stocks(mini):
    meta = _with(mini, "equilibrium_stocks: [Population, Births]\n")
    with pytest.raises(ModelError) as info:
        load_model(mini)
    assert info.value.field == "equilibrium_stocks[1]" and "not a stock" in str(info.value)
    meta.write_text(meta.read_text().replace("[Population, Births]", "[Population]"))
    assert load_model(mini).equilibrium_stocks == ("Population",)


@pytest.mark.parametrize("silence, field, problem", [
    ("{rule: dead-ends, variable: Trips, reason: x}", "checks.silence[0].rule", "unknown rule 'dead-ends'"),
    ("{rule: dead-end, variable: Trip, reason: x}", "checks.silence[0].variable", "did you mean 'Trips'"),
    ("{rule: dead-end, variable: Trips, reason: ' '}", "checks.silence[0].reason", "needs its reason"),
    ("{rule: dead-end, variable: Trips}", "checks.silence[0].reason", "missing"),
])
def test_silences_name_a_rule_a_variable_and_a_reason(mini, silence, field, problem):
    meta = _with(mini, f"checks:\n  silence:\n    - {silence}\n")
    with pytest.raises(ModelError) as info:
        load_model(mini)
    err = info.value
    assert err.field == field and problem in str(err), str(err)
    assert err.line == meta.read_text().splitlines().index(f"    - {silence}") + 1


def test_the_checks_block_and_its_lines(mini):
    meta = _with(mini, "checks:\n  source_tags: [Source, Ref]\n  silence:\n"
                 "    - {rule: reality, variable: any check name, reason: the check is known to fail}\n"
                 "    - {rule: dead-end, variable: '*', reason: an example}\n")
    side = load_model(mini).meta
    assert side.checks.source_tags == ["Source", "Ref"] and [s.rule for s in side.checks.silence] == ["reality",
                                                                                                        "dead-end"]
    lines = meta.read_text().splitlines()
    assert side.line_of("checks", "silence", 1) == lines.index("    - {rule: dead-end, variable: '*', "
                                                               "reason: an example}") + 1
    assert load_model(MINI).meta.checks.source_tags == ["Source", "Derived", "Calibrated", "Assumption"]
