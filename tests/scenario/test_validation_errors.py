"""Every kind of malformed scenario or comparison ends in one precise ScenarioError.

One table: a file (``s.yaml``, plus any helper files), the field the message names, a
fragment of the problem, and the line it points at. ``scenarios/baseline.yaml`` (valid)
is always there to extend.
"""
from __future__ import annotations

import pytest

from cityfutures.errors import InputError, ScenarioError
from cityfutures.scenario.load import load_comparison, load_scenario

HEAD = "name: s\ntitle: {en: S, id: S}\nmodel: mini\n"   # lines 1-3 of most cases


def iv(body: str) -> str:
    """A scenario whose single intervention starts on line 5."""
    return HEAD + "interventions:\n" + body


GOOD_IV = "  - lever: Bus capacity\n    add: 100\n    start: 2020\n"

SCENARIO_CASES = [
    # --- YAML itself
    ("yaml-syntax", "name: s\ntitle: {en: S, id: S\nmodel: mini\n", None, "YAML syntax error", 3),
    ("yaml-tab-indent", "name: s\n\tmodel: mini\n", None, "YAML syntax error", 2),
    ("duplicate-key", HEAD + "seed: 1\nseed: 2\n", None, "duplicate key 'seed'", 5),
    ("top-level-list", "- name: s\n", None, "must be a mapping", 1),
    ("empty-file", "", None, "empty file", 1),
    ("python-tag", HEAD + "seed: !!python/object/apply:os.system ['echo hi']\n", None, "YAML syntax error", 4),
    ("indentation", iv("  - lever: Bus capacity\n   add: 1\n"), None, "indentation of line 6", 6),
    ("indentation-key", "name: s\n  title: {en: S, id: S}\n", None, "indented more than the line above", 2),
    ("colon-in-value", "name: s\ntitle: a: b\n", None, "a ': ' inside a value", 2),
    ("alias-bomb", HEAD + "description: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"source{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)), None,
     "more than 10,000 YAML nodes (aliases counted as expanded)", 8),
    ("deep-nesting", HEAD + "description: " + "[" * 5000 + "]" * 5000 + "\n", None,
     "nested deeper than 64 levels", 4),
    ("recursive-alias", HEAD + "source: &a [1, *a]\n", None, "points into the collection that holds it", 4),
    ("lone-surrogate", "name: s\ntitle: {en: \"\\ud800\", id: S}\nmodel: mini\n", "title.en", "U+D800", 2),
    ("control-character", HEAD + "description: \"a\\x07b\"\n", "description", "U+0007", 4),
    # --- unknown and missing keys
    ("unknown-top-key", HEAD + "interventon: []\n", "interventon", "did you mean 'interventions'", 4),
    ("unknown-iv-key", iv(GOOD_IV + "    ramp: 2\n"), "interventions[0].ramp", "unknown key 'ramp'", 8),
    ("unknown-horizon-key", HEAD + "horizon: {begin: 2018}\n", "horizon.begin", "unknown key 'begin'", 4),
    ("unknown-cost-key", iv(GOOD_IV + "    cost: {capex: 1}\n"), "interventions[0].cost.capex",
     "unknown key 'capex'", 8),
    ("unknown-shock-key", HEAD + "shocks:\n  - {kind: flood, year: 2020, magnitude: 1, size: 2}\n",
     "shocks[0].size", "unknown key 'size'", 5),
    ("uncertain-no-section", HEAD + "uncertain: {Growth rate: [0.01, 0.03]}\n", "uncertain.Growth rate",
     "unknown key 'Growth rate'", 4),
    ("uncertain-outside-range", HEAD + "uncertain:\n  constants:\n    Growth rate: {dist: uniform, min: 0.01, "
     "max: 0.5}\n", "uncertain.constants.Growth rate.max", "outside the range", 6),
    ("uncertain-misspelt", HEAD + "uncertain:\n  constants:\n    Growth rat: {dist: uniform, min: 0, max: 0.05}\n",
     "uncertain.constants.Growth rat", "did you mean 'Growth rate'", 6),
    ("uncertain-probability", HEAD + "uncertain:\n  shocks:\n    flood: {annual_probability: 1.5, magnitude: "
     "{dist: uniform, min: 0.3, max: 1.2}}\n", "uncertain.shocks.flood.annual_probability", "less than or equal to 1",
     6),
    ("missing-name", "title: {en: S, id: S}\nmodel: mini\n", "name", "missing required key", 1),
    ("misspelt-name", "nmae: s\ntitle: {en: S, id: S}\nmodel: mini\n", "nmae",
     "unknown key 'nmae'; did you mean 'name'?", 1),
    ("capitalised-lever", iv("  - Lever: Bus capacity\n    add: 1\n"), "interventions[0].Lever",
     "unknown key 'Lever'; did you mean 'lever'?", 5),
    ("missing-title", "name: s\nmodel: mini\n", "title", "missing required key", 1),
    ("missing-lever", iv("  - add: 1\n"), "interventions[0].lever", "missing required key", 5),
    ("missing-shock-year", HEAD + "shocks:\n  - {kind: flood, magnitude: 1}\n", "shocks[0].year",
     "missing required key", 5),
    # --- name, title, model
    ("name-not-slug", "name: MRT Phase 2\ntitle: {en: S, id: S}\nmodel: mini\n", "name", "not a slug", 1),
    ("name-underscore", "name: mrt_phase\ntitle: {en: S, id: S}\nmodel: mini\n", "name", "not a slug", 1),
    ("name-number", "name: 12\ntitle: {en: S, id: S}\nmodel: mini\n", "name", "must be text", 1),
    ("title-missing-id", "name: s\ntitle: {en: S}\nmodel: mini\n", "title.id", "missing required key", 2),
    ("title-string", "name: s\ntitle: MRT\nmodel: mini\n", "title", "must be a mapping", 2),
    ("title-empty", "name: s\ntitle: {en: '', id: S}\nmodel: mini\n", "title.en", "must not be empty", 2),
    ("title-other-language", "name: s\ntitle: {en: S, id: S, fr: S}\nmodel: mini\n", "title.fr",
     "unknown key 'fr'", 2),
    ("model-not-found", "name: s\ntitle: {en: S, id: S}\nmodel: atlantis\n", "model", "not found", 3),
    ("model-missing", "name: s\ntitle: {en: S, id: S}\n", "model", "missing required key", 1),
    ("model-number", "name: s\ntitle: {en: S, id: S}\nmodel: 3\n", "model", "must be text", 3),
    # --- horizon
    ("dt-negative", HEAD + "horizon: {dt: -0.25}\n", "horizon.dt", "must be positive", 4),
    ("dt-zero", HEAD + "horizon: {dt: 0}\n", "horizon.dt", "must be positive", 4),
    ("dt-not-dividing", HEAD + "horizon: {dt: 0.3}\n", "horizon.dt", "whole steps", 4),
    ("dt-longer-than-horizon", HEAD + "horizon: {start: 2018, end: 2019, dt: 2, saveper: 2}\n", "horizon.dt",
     "whole steps", 4),
    ("dt-too-small", HEAD + "horizon: {dt: 0.0000001}\n", "horizon.dt", "steps", 4),
    ("end-before-start", HEAD + "horizon:\n  start: 2028\n  end: 2018\n", "horizon.end", "must be after", 6),
    ("end-equals-start", HEAD + "horizon: {start: 2018, end: 2018}\n", "horizon.end", "must be after", 4),
    ("saveper-not-multiple", HEAD + "horizon:\n  dt: 0.25\n  saveper: 0.3\n", "horizon.saveper",
     "multiple of the time step", 6),
    ("saveper-below-dt", HEAD + "horizon: {dt: 0.25, saveper: 0.125}\n", "horizon.saveper", "multiple", 4),
    ("saveper-string", HEAD + "horizon: {saveper: quarterly}\n", "horizon.saveper", "must be a number", 4),
    ("saveper-too-long", HEAD + "horizon: {saveper: 16}\n", "horizon.saveper", "longer than the horizon", 4),
    ("horizon-list", HEAD + "horizon: [2018, 2028]\n", "horizon", "must be a mapping", 4),
    ("horizon-start-string", HEAD + "horizon: {start: '2018'}\n", "horizon.start", "must be a number", 4),
    ("horizon-start-nan", HEAD + "horizon: {start: .nan}\n", "horizon.start", "finite", 4),
    ("horizon-end-inf", HEAD + "horizon: {end: .inf}\n", "horizon.end", "finite", 4),
    ("horizon-end-date", HEAD + "horizon: {end: 2028-01-01}\n", "horizon.end", "must be a number", 4),
    ("horizon-overflow", HEAD + "horizon: {start: -1e308, end: 1e308, dt: 1e306}\n", "horizon.end", "too long", 4),
    ("horizon-huge-steps", HEAD + "horizon: {start: 0, end: 1e300, dt: 1}\n", "horizon.dt", "more than 200,000", 4),
    # --- focus area, track, seed, texts
    ("focus-area-unknown", HEAD + "focus_area: mobility\n", "focus_area", "unknown focus area", 4),
    ("focus-area-allowed-list", HEAD + "focus_area: water\n", "focus_area", "connectivity-mobility", 4),
    ("track-unknown", HEAD + "track: fast\n", "track", "unknown track 'fast'", 4),
    ("track-number", HEAD + "track: 1\n", "track", "must be text", 4),
    ("seed-negative", HEAD + "seed: -1\n", "seed", "must not be negative", 4),
    ("seed-too-large", HEAD + "seed: 99999999999999999999\n", "seed", "too large", 4),
    ("set-key-number", HEAD + "set:\n  1: 2\n", "set.1", "a key must be text", 5),
    ("top-key-number", HEAD + "7: x\n", "7", "a key must be text", 4),
    ("set-shock-input", HEAD + "set: {Flood shock input: 1}\n", "set.Flood shock input", "input of 'flood' shocks", 4),
    ("seed-float", HEAD + "seed: 4.2\n", "seed", "whole number", 4),
    ("seed-bool", HEAD + "seed: true\n", "seed", "whole number", 4),
    ("seed-string", HEAD + "seed: '42'\n", "seed", "whole number", 4),
    ("description-number", HEAD + "description: 5\n", "description", "must be text", 4),
    ("source-list", HEAD + "source: [a, b]\n", "source", "must be text", 4),
    ("owner-mapping", HEAD + "owner: {agency: BPBD}\n", "owner", "must be text", 4),
    # --- set
    ("set-unknown", HEAD + "set:\n  Growth rat: 0.01\n", "set.Growth rat", "did you mean 'Growth rate'", 5),
    ("set-not-constant", HEAD + "set: {Population: 5}\n", "set.Population", "not a scalar constant", 4),
    ("set-time-setting", HEAD + "set: {TIME STEP: 0.5}\n", "set.TIME STEP", "time setting", 4),
    ("set-out-of-range", HEAD + "set:\n  Growth rate: 0.5\n", "set.Growth rate", "outside the range", 5),
    ("set-string", HEAD + "set: {Growth rate: fast}\n", "set.Growth rate", "must be a number", 4),
    ("set-bool", HEAD + "set: {Growth rate: yes}\n", "set.Growth rate", "must be a number", 4),
    ("set-list", HEAD + "set: [Growth rate, 0.01]\n", "set", "must be a mapping", 4),
    ("set-nan", HEAD + "set: {Growth rate: .nan}\n", "set.Growth rate", "finite", 4),
    ("set-twice", HEAD + "set:\n  Growth rate: 0.01\n  growth_rate: 0.02\n", "set.growth_rate", "set twice", 6),
    # --- interventions
    ("interventions-mapping", HEAD + "interventions: {lever: Bus capacity}\n", "interventions",
     "must be a list", 4),
    ("iv-item-string", iv("  - Bus capacity\n"), "interventions[0]", "must be a mapping", 5),
    ("lever-unknown", iv("  - lever: Bus capacty\n    add: 1\n"), "interventions[0].lever",
     "did you mean 'Bus capacity'", 5),
    ("lever-not-lever", iv("  - lever: Exposure fraction\n    add: 0.1\n"), "interventions[0].lever",
     "not a lever", 5),
    ("lever-number", iv("  - lever: 7\n    add: 1\n"), "interventions[0].lever", "must be text", 5),
    ("two-modes", iv("  - lever: Bus capacity\n    set: 200\n    add: 100\n"), "interventions[0]",
     "only one of set, add or scale", 7),
    ("no-mode", iv("  - lever: Bus capacity\n    start: 2020\n"), "interventions[0]", "neither", 5),
    ("add-out-of-range", iv("  - lever: Bus capacity\n    add: 1000\n"), "interventions[0].add",
     "outside its range", 6),
    ("scale-out-of-range", iv("  - lever: Bus capacity\n    scale: 20\n"), "interventions[0].scale",
     "outside its range", 6),
    ("set-iv-out-of-range", iv("  - lever: Drainage investment\n    set: -1\n"), "interventions[0].set",
     "outside its range", 6),
    ("add-string", iv("  - lever: Bus capacity\n    add: '100'\n"), "interventions[0].add", "must be a number", 6),
    ("add-bool", iv("  - lever: Bus capacity\n    add: true\n"), "interventions[0].add", "must be a number", 6),
    ("add-null", iv("  - lever: Bus capacity\n    add:\n"), "interventions[0].add", "must be a number", 6),
    ("add-inf", iv("  - lever: Bus capacity\n    add: .inf\n"), "interventions[0].add", "finite", 6),
    ("add-decimal-comma", iv("  - lever: Bus capacity\n    add: 0,5\n"), "interventions[0].add", "write 0.5", 6),
    ("add-decimal-comma-flow", iv("  - {lever: Bus capacity, add: 0,5}\n"), "interventions[0].5", "write 0.5", 5),
    ("set-decimal-comma", HEAD + "set: {Growth rate: '0,02'}\n", "set.Growth rate", "write 0.02", 4),
    ("start-after-horizon", iv("  - lever: Bus capacity\n    add: 1\n    start: 2030\n"),
     "interventions[0].start", "outside the horizon", 7),
    ("start-before-horizon", iv("  - lever: Bus capacity\n    add: 1\n    start: 2010\n"),
     "interventions[0].start", "outside the horizon", 7),
    ("start-at-end", iv("  - lever: Bus capacity\n    add: 1\n    start: 2028\n"),
     "interventions[0].start", "outside the horizon", 7),
    ("ramp-negative", iv(GOOD_IV + "    ramp_years: -1\n"), "interventions[0].ramp_years", "must not be negative", 8),
    ("ramp-string", iv(GOOD_IV + "    ramp_years: three\n"), "interventions[0].ramp_years", "must be a number", 8),
    ("cost-negative", iv(GOOD_IV + "    cost:\n      capex_idr_bn: -5\n"), "interventions[0].cost.capex_idr_bn",
     "must not be negative", 9),
    ("cost-opex-negative", iv(GOOD_IV + "    cost: {opex_idr_bn_per_year: -1}\n"),
     "interventions[0].cost.opex_idr_bn_per_year", "must not be negative", 8),
    ("cost-string", iv(GOOD_IV + "    cost: {capex_idr_bn: lots}\n"), "interventions[0].cost.capex_idr_bn",
     "must be a number", 8),
    ("cost-list", iv(GOOD_IV + "    cost: [1, 2]\n"), "interventions[0].cost", "must be a mapping", 8),
    ("cost-huge", iv(GOOD_IV + "    cost: {capex_idr_bn: 1e308}\n"), "interventions[0].cost.capex_idr_bn",
     "add up to 1e+308 IDR billion", 8),
    ("cost-huge-opex", iv(GOOD_IV + "    cost: {capex_idr_bn: 1, opex_idr_bn_per_year: 1e300}\n"),
     "interventions[0].cost.opex_idr_bn_per_year", "more than 1e+12", 8),
    ("cost-sum-huge", iv(GOOD_IV + "    cost: {capex_idr_bn: 9e11}\n" + GOOD_IV + "    cost: {capex_idr_bn: 9e11}\n"),
     "interventions[1].cost.capex_idr_bn", "add up to 1.8e+12", 12),
    ("composed-out-of-range", iv(GOOD_IV + "  - lever: bus capacity\n    scale: 6\n    start: 2024\n"),
     "interventions[1].lever", "together, interventions[0], interventions[1] take 'Bus capacity' to 1200", 8),
    ("iv-source-number", iv(GOOD_IV + "    source: 5\n"), "interventions[0].source", "must be text", 8),
    # --- shocks
    ("shock-unknown-kind", HEAD + "shocks:\n  - {kind: flod, year: 2020, magnitude: 1}\n", "shocks[0].kind",
     "did you mean 'flood'", 5),
    ("shock-kind-allowed", HEAD + "shocks:\n  - {kind: earthquake, year: 2020, magnitude: 1}\n",
     "shocks[0].kind", "unknown shock kind", 5),
    ("shock-magnitude-range", HEAD + "shocks:\n  - kind: flood\n    year: 2020\n    magnitude: 9\n",
     "shocks[0].magnitude", "outside the range", 7),
    ("shock-year-outside", HEAD + "shocks:\n  - kind: flood\n    year: 2007\n    magnitude: 1\n",
     "shocks[0].year", "outside the horizon", 6),
    ("shock-year-string", HEAD + "shocks:\n  - {kind: flood, year: 'Feb 2020', magnitude: 1}\n",
     "shocks[0].year", "must be a number", 5),
    ("shocks-mapping", HEAD + "shocks: {kind: flood}\n", "shocks", "must be a list", 4),
    # --- extends
    ("extends-missing", "name: s\nextends: nowhere.yaml\n", "extends", "not found", 2),
    ("extends-self", "name: s\nextends: s.yaml\n", "extends", "extends cycle", 2),
    ("add-without-extends", HEAD + "add_interventions:\n" + GOOD_IV, "add_interventions", "no extends", 4),
    ("add-and-replace", "name: s\nextends: baseline.yaml\ninterventions: []\nadd_interventions: []\n",
     "add_interventions", "not both", 4),
    ("add-shocks-and-replace", "name: s\nextends: baseline.yaml\nshocks: []\nadd_shocks: []\n",
     "add_shocks", "not both", 4),
    ("extends-number", "name: s\nextends: 5\n", "extends", "must be text", 2),
]


def _assert_one_line(err: ScenarioError, path, field, fragment, line) -> None:
    """``path:line: field: problem (allowed: ...)`` on one line, naming what the case expects."""
    message = str(err)
    assert "\n" not in message
    assert fragment in message, message
    assert (err.field, err.line, err.path) == (field, line, str(path)), message
    assert message.startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("case_id, text, field, fragment, line", SCENARIO_CASES,
                         ids=[c[0] for c in SCENARIO_CASES])
def test_malformed_scenario(write, case_id, text, field, fragment, line):
    path = write("s.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    _assert_one_line(info.value, path, field, fragment, line)


def test_a_file_over_the_size_limit_is_refused_and_the_limit_can_be_raised(write, monkeypatch):
    path = write("s.yaml", HEAD + "description: '" + "x" * (2 * 1024 * 1024) + "'\n")
    with pytest.raises(ScenarioError, match=r"larger than 2 MB .*CITYFUTURES_MAX_FILE_MB") as info:
        load_scenario(path)
    assert info.value.path == str(path)
    monkeypatch.setenv("CITYFUTURES_MAX_FILE_MB", "3")
    assert load_scenario(path).description.startswith("xxx")
    monkeypatch.setenv("CITYFUTURES_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="CITYFUTURES_MAX_FILE_MB: must be a positive number"):
        load_scenario(path)


def test_an_extends_chain_longer_than_32_files_is_refused(write):
    write("c40.yaml", HEAD.replace("name: s", "name: c40"))
    for i in range(40):
        write(f"c{i}.yaml", f"name: c{i}\nextends: c{i + 1}.yaml\n")
    assert load_scenario(write("ok.yaml", "name: ok\nextends: c10.yaml\n")).name == "ok"   # 32 files
    with pytest.raises(ScenarioError, match="extends chain is longer than 32 files") as info:
        load_scenario(write("s.yaml", "name: s\nextends: c0.yaml\n"))
    assert info.value.field == "extends" and info.value.line == 2


@pytest.mark.parametrize("horizon, field, words", [
    ("{end: 2060}", "horizon.end",
     "end 2060 is past the model's documented end (FINAL TIME [2018, 2050] in jakarta.mdl)"),
    ("{start: 2005, end: 2015}", "horizon.start", "start 2005 is before the model's documented start (INITIAL TIME "
     "[2010, 2018]"),
])
def test_a_horizon_outside_the_model_s_documented_times_says_so(write, horizon, field, words):
    path = write("s.yaml", f"name: s\ntitle: {{en: S, id: S}}\nmodel: jakarta\nhorizon: {horizon}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert words in str(info.value) and info.value.field == field and info.value.line == 4
    assert "(allowed: " in str(info.value)


def test_field_problem_allowed_format(write):
    path = write("s.yaml", HEAD + "track: fast\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}:4: track: unknown track 'fast' (allowed: quick-win, normal)"


def test_nothing_evaluated(write, tmp_path):
    marker = tmp_path / "pwned"
    path = write("s.yaml", HEAD + f"description: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert not marker.exists()


# ----------------------------------------------------------------------------- across files
def test_extends_cycle(write):
    write("a.yaml", "name: a\nextends: b.yaml\n")
    write("b.yaml", "name: b\ntitle: {en: B, id: B}\nextends: a.yaml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write("s.yaml", "name: s\nextends: a.yaml\n"))
    err = info.value
    assert "extends cycle: s.yaml -> a.yaml -> b.yaml -> a.yaml" in str(err)
    assert err.path.endswith("b.yaml") and err.line == 3


def test_error_in_parent_names_parent(write):
    parent = write("p.yaml", "name: p\ntitle: {en: P, id: P}\nmodel: mini\ntrack: sometimes\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write("s.yaml", "name: s\nextends: p.yaml\n"))
    assert info.value.path == str(parent) and info.value.line == 4


def test_yaml_error_in_parent(write):
    parent = write("p.yaml", "name: p\ntitle: [\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write("s.yaml", "name: s\nextends: p.yaml\n"))
    assert info.value.path == str(parent) and "YAML syntax error" in str(info.value)


def test_inherited_intervention_checked_against_child_set(write):
    """The parent's intervention is fine alone; the child's set makes its result out of range."""
    parent = write("p.yaml", HEAD.replace("name: s", "name: p") + "interventions:\n" + GOOD_IV)
    child = write("s.yaml", "name: s\nextends: p.yaml\nset: {Bus capacity: 950}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    err = info.value
    assert err.path == str(parent) and err.line == 6 and err.field == "interventions[0].add"
    assert "baseline 950 + 100" in str(err)


def test_appended_intervention_points_at_child(write):
    write("p.yaml", HEAD.replace("name: s", "name: p") + "interventions:\n" + GOOD_IV)
    child = write("s.yaml", "name: s\nextends: p.yaml\nadd_interventions:\n"
                  "  - lever: Drainage investment\n    add: 500\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    err = info.value
    assert err.path == str(child) and err.line == 5 and err.field == "interventions[1].add"


def test_dict_errors_show_dict(project):
    with pytest.raises(ScenarioError) as info:
        load_scenario({"name": "s", "title": {"en": "S", "id": "S"}, "model": "mini", "seed": "x"},
                      base_dir=project / "scenarios")
    assert str(info.value).startswith("<dict>: seed: must be a whole number")


def test_dict_not_a_mapping():
    with pytest.raises(ScenarioError, match="expected a file path or a mapping"):
        load_scenario(["name", "s"])


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nope.yaml")


def test_model_argument_must_match(write, project):
    other = project / "models" / "other.mdl"
    other.write_text((project / "models" / "mini.mdl").read_text().replace("1000", "999"))
    with pytest.raises(ScenarioError, match="loaded against model 'other'") as info:
        load_scenario(write("s.yaml", HEAD), model=other)
    assert info.value.line == 3


# ----------------------------------------------------------------------------- comparisons
def _scenarios(write):
    write("buses.yaml", "name: buses\ntitle: {en: B, id: B}\nextends: baseline.yaml\n"
          "interventions:\n" + GOOD_IV)
    write("drains.yaml", "name: drains\ntitle: {en: D, id: D}\nextends: baseline.yaml\n"
          "interventions:\n  - {lever: Drainage investment, add: 5, start: 2019}\n")
    write("long.yaml", "name: long\ntitle: {en: L, id: L}\nextends: baseline.yaml\nhorizon: {end: 2030}\n")


CMP = "name: c\nbaseline: baseline.yaml\ninterventions: [buses.yaml, drains.yaml]\n"   # lines 1-3

COMPARISON_CASES = [
    ("unknown-key", CMP + "bundle: {}\n", "bundle", "did you mean 'bundles'", 4),
    ("missing-baseline", "name: c\ninterventions: [buses.yaml]\n", "baseline", "missing required key", 1),
    ("baseline-not-found", "name: c\nbaseline: base.yaml\ninterventions: [buses.yaml]\n", "baseline",
     "not found", 2),
    ("intervention-not-found", "name: c\nbaseline: baseline.yaml\ninterventions:\n  - buses.yaml\n  - bus.yaml\n",
     "interventions[1]", "not found", 5),
    ("interventions-empty", "name: c\nbaseline: baseline.yaml\ninterventions: []\n", "interventions",
     "lists no scenarios", 3),
    ("interventions-string", "name: c\nbaseline: baseline.yaml\ninterventions: buses.yaml\n", "interventions",
     "must be a list", 3),
    ("duplicate-names", "name: c\nbaseline: baseline.yaml\ninterventions:\n  - buses.yaml\n  - buses.yaml\n",
     "interventions[1]", "used twice", 5),
    ("baseline-as-intervention", "name: c\nbaseline: baseline.yaml\ninterventions: [baseline.yaml]\n",
     "interventions[0]", "used twice", 3),
    ("horizon-differs", "name: c\nbaseline: baseline.yaml\ninterventions: [long.yaml]\n", "interventions[0]",
     "one horizon", 3),
    ("bundle-unknown", CMP + "bundles:\n  pack: [buses, drain]\n", "bundles.pack[1]", "did you mean 'drains'", 5),
    ("bundle-empty", CMP + "bundles:\n  pack: []\n", "bundles.pack", "is empty", 5),
    ("bundle-single", CMP + "bundles:\n  pack: [buses]\n", "bundles.pack", "two or more", 5),
    ("bundle-duplicate-member", CMP + "bundles:\n  pack: [buses, buses]\n", "bundles.pack[1]", "twice", 5),
    ("bundle-titled-unknown-key", CMP + "bundles:\n  pack: {titel: {en: P, id: P}, members: [buses, drains]}\n",
     "bundles.pack.titel", "did you mean 'title'", 5),
    ("bundle-titled-no-members", CMP + "bundles:\n  pack: {title: {en: P, id: P}}\n", "bundles.pack",
     "missing required key 'members'", 5),
    ("bundle-titled-one-language", CMP + "bundles:\n  pack:\n    title: {en: P}\n    members: [buses, drains]\n",
     "bundles.pack.title", "'en' and 'id'", 6),
    ("bundle-titled-unknown-member", CMP + "bundles:\n  pack:\n    title: {en: P, id: P}\n"
     "    members: [buses, drain]\n", "bundles.pack.members[1]", "did you mean 'drains'", 7),
    ("bundle-number", CMP + "bundles:\n  pack: 3\n", "bundles.pack", "must be a list", 5),
    ("bundle-member-number", CMP + "bundles:\n  pack: [buses, 7]\n", "bundles.pack[1]", "scenario name", 5),
    ("bundle-baseline", CMP + "bundles:\n  pack: [baseline, buses]\n", "bundles.pack[0]", "is the baseline", 5),
    ("bundle-name-clash", CMP + "bundles:\n  buses: [buses, drains]\n", "bundles.buses", "also a scenario", 5),
    ("bundle-name-slug", CMP + "bundles:\n  Water Pack: [buses, drains]\n", "bundles.Water Pack", "not a slug", 5),
    ("bundles-list", CMP + "bundles: [buses, drains]\n", "bundles", "must be a mapping", 4),
    ("indicator-unknown", CMP + "indicators: [Congestion levels]\n", "indicators[0]",
     "did you mean 'Congestion level'", 4),
    ("indicator-duplicate", CMP + "indicators:\n  - Congestion level\n  - congestion  level\n", "indicators[1]",
     "listed twice", 6),
    ("indicators-empty", CMP + "indicators: []\n", "indicators", "lists no indicators", 4),
    ("name-not-slug", "name: Workshop 2018\nbaseline: baseline.yaml\ninterventions: [buses.yaml]\n", "name",
     "not a slug", 1),
    ("title-missing-id", CMP + "title: {en: C}\n", "title.id", "missing required key", 4),
]


@pytest.mark.parametrize("case_id, text, field, fragment, line", COMPARISON_CASES,
                         ids=[c[0] for c in COMPARISON_CASES])
def test_malformed_comparison(write, case_id, text, field, fragment, line):
    _scenarios(write)
    path = write("c.yaml", text)
    with pytest.raises(ScenarioError) as info:
        load_comparison(path)
    _assert_one_line(info.value, path, field, fragment, line)


def test_comparison_reports_error_inside_scenario(write):
    _scenarios(write)
    bad = write("bad.yaml", "name: bad\ntitle: {en: B, id: B}\nextends: baseline.yaml\nseed: -3\n")
    with pytest.raises(ScenarioError) as info:
        load_comparison(write("c.yaml", "name: c\nbaseline: baseline.yaml\ninterventions: [bad.yaml]\n"))
    assert info.value.path == str(bad) and info.value.line == 4 and info.value.field == "seed"


def test_an_agency_is_an_id(tmp_path):
    import pytest

    from cityfutures.errors import ScenarioError
    from cityfutures.scenario import load_scenario
    from tests.helpers import DATA
    src = (DATA / "portfolio" / "prog-a.yaml").read_text(encoding="utf-8")
    assert load_scenario(DATA / "portfolio" / "prog-a.yaml").agency == "dinas-a"
    bad = tmp_path / "bad.yaml"
    bad.write_text(src.replace("baseline.yaml", str(DATA / "portfolio" / "baseline.yaml"))
                   .replace("agency: dinas-a", "agency: Dinas SDA"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad.yaml:6: agency: 'Dinas SDA' is not an agency id"):
        load_scenario(bad)
