"""load_model: the edge where a model file and its metadata sidecar are read and checked."""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

import cityfutures.model.load as load
from cityfutures.errors import ModelError
from cityfutures.model.load import Model, load_model, resolve_model_path
from tests.helpers import MINI_DIR as MINI


@pytest.fixture
def mini(tmp_path) -> Path:
    """A writable copy of the test model and its sidecar."""
    for f in MINI.iterdir():
        shutil.copy2(f, tmp_path / f.name)
    return tmp_path / "mini.mdl"


def test_loads_time_settings_levers_indicators_and_shocks():
    m = load_model(MINI / "mini.mdl")
    assert isinstance(m, Model) and m.name == "mini" and len(m.sha256) == 64
    assert (m.initial_time, m.final_time, m.time_step, m.saveper) == (2018, 2028, 0.0625, 0.25)
    assert m.time_units == "Year"
    bus = m.levers["Bus capacity"]
    assert (bus.units, bus.baseline, bus.minimum, bus.maximum, bus.focus_area) == (
        "passenger/day", 100.0, 0.0, 1000.0, "connectivity-mobility")
    assert bus.label("id") == "Kapasitas bus"
    assert m.indicators["Congestion level"].better == "lower"
    assert m.shocks["flood"].input == "Flood shock input" and m.shocks["flood"].duration == 0.25
    assert m.variables["Population"].kind == "Stateful"
    assert math.isnan(m.variables["Population"].maximum) and m.variables["Population"].minimum == 0
    assert "Initial population" in m.constants and "TIME STEP" not in m.constants
    assert m.label("Births", "id") == "Pertambahan penduduk"
    assert m.lookup_name("bus_CAPACITY") == "Bus capacity"
    assert load_model(m) is m


def test_translation_is_cached_outside_the_model_folder(mini, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(cache))
    m = load_model(mini)
    assert m.translation.is_relative_to(cache)
    assert sorted(p.name for p in mini.parent.iterdir() if p.suffix == ".py") == []
    run = m.pysd().run(return_columns=["Population"])
    assert run["Population"].iloc[0] == pytest.approx(1000.0)


def test_content_hash_follows_the_bytes(mini):
    first = load_model(mini).sha256
    mini.write_text(mini.read_text().replace("Initial population=\n\t1000", "Initial population=\n\t999"))
    assert load_model(mini).sha256 != first


def test_bundled_model_is_found_by_name():
    assert resolve_model_path("jakarta").name == "jakarta.mdl"
    with pytest.raises(ModelError, match="model 'nowhere' not found") as info:
        resolve_model_path("nowhere")
    assert "jakarta" in info.value.allowed


def test_a_file_pysd_cannot_parse_is_a_model_error(tmp_path):
    bad = tmp_path / "bad.mdl"
    bad.write_text("this is { not vensim\n")
    with pytest.raises(ModelError, match="PySD cannot") as info:
        load_model(bad)
    assert info.value.path == str(bad)


@pytest.mark.parametrize("edit, field, problem", [
    (("Bus capacity:\n    focus_area", "Bus capacty:\n    focus_area"), "levers.Bus capacty",
     "did you mean 'Bus capacity'"),
    (("Growth rate:\n    focus_area", "Trips:\n    focus_area"), "levers.Trips", "must be a scalar constant"),
    (("Drainage investment:\n    focus_area", "Shock multiplier:\n    focus_area"), None, None),
    (("focus_area: water-waste\n    label: {en: Drainage", "focus_area: water\n    label: {en: Drainage"),
     "levers.Drainage investment.focus_area", "unknown focus area 'water'"),
    (("better: lower\n    label: {en: Congestion", "better: smaller\n    label: {en: Congestion"),
     "indicators.Congestion level.better", "'lower' or 'higher'"),
    (("input: Flood shock input", "input: Flood shock"), "shocks.flood.input", "must be a constant"),
    (("duration: 0.25", "duration: -1"), "shocks.flood.duration", "positive number of years"),
    (("  Trips: {en: Trips, id: Perjalanan}", "  Tripz: {en: Trips, id: Perjalanan}"), "variables.Tripz",
     "not a variable of the model"),
    (("  Trips: {en: Trips, id: Perjalanan}", "  Trips: {en: Trips}"), "variables.Trips.id", "missing"),
    (("model: mini.mdl", "model: mini.mdl\ncolour: blue"), "colour", "unknown key"),
])
def test_sidecar_errors_name_the_field(mini, edit, field, problem):
    meta = mini.with_name("mini.meta.yaml")
    text = meta.read_text()
    assert edit[0] in text
    meta.write_text(text.replace(edit[0], edit[1]))
    if field is None:   # a ranged constant becomes a lever: accepted
        assert "Shock multiplier" in load_model(mini).levers
        return
    with pytest.raises(ModelError) as info:
        load_model(mini)
    err = info.value
    assert err.path == str(meta) and err.field == field and problem in str(err), str(err)
    assert err.line is not None and 1 <= err.line <= len(meta.read_text().splitlines())


def test_lever_without_a_range_is_refused(mini):
    mdl = mini.read_text().replace("~\tpassenger/day [0,1000]", "~\tpassenger/day")
    mini.write_text(mdl)
    with pytest.raises(ModelError, match=r"needs a Vensim range \[min,max\]"):
        load_model(mini)


def test_same_text_under_two_file_names_gets_two_translations(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path / "cache"))
    twin = mini.with_name("twin.mdl")
    twin.write_text(mini.read_text())
    a, b = load_model(mini), load_model(twin)
    assert a.sha256 == b.sha256 and a.translation != b.translation
    assert a.translation.is_file() and b.translation.is_file()


LOOP = """loops:
  - name: growth
    label: {en: Births grow the town, id: Kelahiran menumbuhkan kota}
    polarity: reinforcing
    variables: [Population, Births]
    cut: [Population, Births]
"""


def _with_loops(mini, block: str) -> Path:
    meta = mini.with_name("mini.meta.yaml")
    text = meta.read_text()
    text = text.replace("\nvariables:", "\n" + block + "variables:", 1) if "\nvariables:" in text else text + block
    meta.write_text(text)
    return meta


def test_loops_are_read_in_file_order_with_their_cut(mini):
    m = load_model(_with_loops(mini, LOOP).with_name("mini.mdl"))
    (loop,) = m.loops
    assert (loop.name, loop.polarity, loop.variables, loop.cut) == ("growth", "reinforcing", ("Population", "Births"),
                                                                  ("Population", "Births"))
    assert loop.label("id") == "Kelahiran menumbuhkan kota"
    assert load_model(MINI / "mini.mdl").loops == ()          # the block is optional


@pytest.mark.parametrize("edit, field, problem", [
    (("[Population, Births]", "[Population, Birth]"), "loops[0].variables[1]", "did you mean 'Births'"),
    (("cut: [Population, Births]", "cut: [Births, Growth rate]"), "loops[0].cut", "not an edge of the loop"),
    (("[Population, Births]", "[Population, Trips]"), "loops[0].variables", "does not depend on"),
    (("polarity: reinforcing", "polarity: positive"), "loops[0].polarity", "'reinforcing' or 'balancing'"),
    (("variables: [Population, Births]", "variables: [Population]"), "loops[0].variables", "at least 2"),
    (("cut: [Population, Births]", "cut: [Population]"), "loops[0].cut", "missing"),
])
def test_loop_errors_name_the_field(mini, edit, field, problem):
    meta = _with_loops(mini, LOOP.replace(*edit))
    with pytest.raises(ModelError) as info:
        load_model(mini)
    err = info.value
    assert err.path == str(meta) and err.field.startswith(field) and problem in str(err), str(err)
    lines = meta.read_text().splitlines()
    assert lines.index("loops:") < err.line <= lines.index("loops:") + len(LOOP.splitlines())   # a line of the block


def test_equilibrium_stocks_must_be_stocks(mini):
    meta = _with_loops(mini, "equilibrium_stocks: [Population, Births]\n")
    with pytest.raises(ModelError) as info:
        load_model(mini)
    assert info.value.field == "equilibrium_stocks[1]" and "not a stock" in str(info.value)
    meta.write_text(meta.read_text().replace("[Population, Births]", "[Population]"))
    assert load_model(mini).equilibrium_stocks == ("Population",)


# the checks: block (cityfutures check) and a loop name declared twice
def test_a_loop_declared_twice_is_refused(mini):
    _with_loops(mini, LOOP + LOOP[len("loops:\n"):])
    with pytest.raises(ModelError, match="declared twice") as info:
        load_model(mini)
    assert info.value.field == "loops[1].name"


@pytest.mark.parametrize("silence, field, problem", [
    ("{rule: dead-ends, variable: Trips, reason: x}", "checks.silence[0].rule", "unknown rule 'dead-ends'"),
    ("{rule: dead-end, variable: Trip, reason: x}", "checks.silence[0].variable", "did you mean 'Trips'"),
    ("{rule: dead-end, variable: Trips, reason: ' '}", "checks.silence[0].reason", "needs its reason"),
    ("{rule: dead-end, variable: Trips}", "checks.silence[0].reason", "missing"),
])
def test_silences_name_a_rule_a_variable_and_a_reason(mini, silence, field, problem):
    meta = _with_loops(mini, f"checks:\n  silence:\n    - {silence}\n")
    with pytest.raises(ModelError) as info:
        load_model(mini)
    err = info.value
    assert err.field == field and problem in str(err), str(err)
    assert err.line == meta.read_text().splitlines().index(f"    - {silence}") + 1


def test_the_checks_block_and_its_lines(mini):
    meta = _with_loops(mini, "checks:\n  source_tags: [Source, Ref]\n  silence:\n"
                 "    - {rule: reality, variable: any check name, reason: the check is known to fail}\n"
                 "    - {rule: dead-end, variable: '*', reason: an example}\n")
    side = load_model(mini).meta
    assert side.checks.source_tags == ["Source", "Ref"] and [s.rule for s in side.checks.silence] == ["reality",
                                                                                                        "dead-end"]
    lines = meta.read_text().splitlines()
    assert side.line_of("checks", "silence", 1) == lines.index("    - {rule: dead-end, variable: '*', "
                                                               "reason: an example}") + 1
    assert load_model(MINI / "mini.mdl").meta.checks.source_tags == ["Source", "Derived", "Calibrated", "Assumption"]


READS = """{UTF-8}
Stock= INTEG (Inflow - Outflow, Initial stock)
\t~\tthing\t~\t|
Inflow= Smoothed input
\t~\tthing/Year\t~\t|
Outflow= Stock / Residence time
\t~\tthing/Year\t~\t|
Smoothed input= SMOOTH(Input, Residence time)
\t~\tthing/Year\t~\t|
Input= 1
\t~\tthing/Year\t~\t|
Initial stock= 10
\t~\tthing\t~\t|
Residence time= 2
\t~\tYear\t~\t|
Reference= INITIAL(Stock)
\t~\tthing\t~\t|
Ratio= Stock / Reference
\t~\tDmnl\t~\t|
INITIAL TIME = 0
\t~\tYear\t~\t|
FINAL TIME = 10
\t~\tYear\t~\t|
TIME STEP = 0.25
\t~\tYear\t~\t|
SAVEPER = TIME STEP
\t~\tYear\t~\t|
"""


def test_variables_know_what_they_read_while_the_model_runs(tmp_path, monkeypatch):
    """A stock reads its flows, a SMOOTH its input and time, an INITIAL nothing while the model runs; the reads
    come back from the translation's cached record, and a record of the older format is made again."""
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path / "cache"))
    mdl = tmp_path / "reads.mdl"
    mdl.write_text(READS)
    expected = {"Stock": ("Inflow", "Outflow"), "Inflow": ("Smoothed input",), "Outflow": ("Residence time", "Stock"),
                "Smoothed input": ("Input", "Residence time"), "Reference": (), "Ratio": ("Reference", "Stock"),
                "Input": ()}
    assert {n: load_model(mdl).variables[n].reads for n in expected} == expected
    monkeypatch.setattr(load, "_MODEL_CACHE", {})
    assert {n: load_model(mdl).variables[n].reads for n in expected} == expected      # from the record
    record = next((tmp_path / "cache").rglob("*.variables.json"))
    old = json.loads(record.read_text())
    old.pop("format")
    for v in old["variables"]:
        v.pop("reads")
    record.write_text(json.dumps(old))
    monkeypatch.setattr(load, "_MODEL_CACHE", {})
    assert {n: load_model(mdl).variables[n].reads for n in expected} == expected
    assert json.loads(record.read_text())["format"] == load._RECORD_FORMAT
