"""Valid scenarios and comparisons load into the documented dataclasses."""
from __future__ import annotations

import dataclasses
import pickle

import pytest

from cityfutures.scenario.load import (
    Comparison,
    Cost,
    Horizon,
    Intervention,
    Scenario,
    ShockEvent,
    load_comparison,
    load_file,
    load_scenario,
)

MRT = """\
name: more-buses
title: {en: More buses, id: Bus lebih banyak}
extends: baseline.yaml
focus_area: connectivity-mobility
track: quick-win
description: Double the bus fleet.
owner: Dinas Perhubungan
source: "assumption: test figure"
set: {"growth_rate": 0.01}
interventions:
  - lever: bus   CAPACITY
    add: 100
    start: 2020
    ramp_years: 3
    cost: {capex_idr_bn: 22500, opex_idr_bn_per_year: 900}
    source: "assumption: test"
shocks:
  - {kind: flood, year: 2020.0, magnitude: 1.0}
"""


def test_full_scenario(write):
    s = load_scenario(write("buses.yaml", MRT))
    assert isinstance(s, Scenario)
    assert s.name == "more-buses" and s.title.en == "More buses" and s.title.id == "Bus lebih banyak"
    assert s.model.name == "mini"
    assert s.horizon == Horizon(start=2018.0, end=2028.0, dt=0.0625, saveper=0.25)   # the model's own
    assert s.focus_area == "connectivity-mobility" and s.track == "quick-win"
    assert dict(s.set) == {"Growth rate": 0.01}                                       # Vensim name
    assert s.interventions == (Intervention(lever="Bus capacity", mode="add", value=100.0, start=2020.0,
                                            ramp_years=3.0, cost=Cost(22500.0, 900.0), source="assumption: test"),)
    assert s.shocks == (ShockEvent(kind="flood", year=2020.0, magnitude=1.0),)
    assert s.seed == 42                                                                # inherited
    assert s.description == "Double the bus fleet." and s.owner == "Dinas Perhubungan"
    assert s.source == "assumption: test figure"
    assert s.cost == Cost(22500.0, 900.0)
    assert len(s.sha256) == 64


def test_baseline_defaults(project):
    s = load_scenario(project / "scenarios" / "baseline.yaml")
    assert s.focus_area is None and s.track is None and s.interventions == () and s.shocks == ()
    assert dict(s.set) == {} and s.description == "" and s.source is None


def test_frozen_and_picklable(write):
    s = load_scenario(write("buses.yaml", MRT))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.name = "x"
    with pytest.raises(TypeError):
        s.set["Growth rate"] = 0.5
    again = pickle.loads(pickle.dumps(s.set))
    assert again == s.set
    assert pickle.loads(pickle.dumps(s.interventions)) == s.interventions


def test_horizon_override_and_saveper(write):
    s = load_scenario(write("h.yaml", "name: h\nextends: baseline.yaml\nhorizon: {end: 2030, dt: 0.125}\n"))
    assert s.horizon == Horizon(2018.0, 2030.0, 0.125, 0.25)
    s = load_scenario(write("h.yaml", "name: h\nextends: baseline.yaml\nhorizon: {dt: 0.5}\n"))
    assert s.horizon.saveper == 0.5   # the model's 0.25 is not a multiple of 0.5: fall back to dt
    s = load_scenario(write("h.yaml", "name: h\nextends: baseline.yaml\nhorizon: {saveper: 1}\n"))
    assert s.horizon.saveper == 1.0


def test_extends_merge_rules(write):
    write("p.yaml", """\
        name: p
        title: {en: P, id: P}
        model: mini
        horizon: {end: 2030}
        set: {Growth rate: 0.01, Bus capacity: 200}
        interventions:
          - {lever: Bus capacity, add: 10, start: 2019}
        shocks:
          - {kind: flood, year: 2020, magnitude: 1}
        focus_area: water-waste
        """)
    child = load_scenario(write("c.yaml", """\
        name: c
        extends: p.yaml
        horizon: {dt: 0.125}
        set: {growth_rate: 0.03}
        interventions:
          - {lever: Drainage investment, add: 1, start: 2019}
        """))
    assert child.horizon == Horizon(2018.0, 2030.0, 0.125, 0.25)             # mappings merge key by key
    assert dict(child.set) == {"Growth rate": 0.03, "Bus capacity": 200.0}     # same name, any spelling
    assert [i.lever for i in child.interventions] == ["Drainage investment"]   # lists: child replaces
    assert child.shocks == (ShockEvent("flood", 2020.0, 1.0),)                 # not given: inherited
    assert child.title.en == "P" and child.focus_area == "water-waste"
    appended = load_scenario(write("a.yaml", """\
        name: a
        extends: p.yaml
        add_interventions:
          - {lever: Drainage investment, add: 1, start: 2019}
        add_shocks:
          - {kind: flood, year: 2025, magnitude: 2}
        """))
    assert [i.lever for i in appended.interventions] == ["Bus capacity", "Drainage investment"]
    assert [s.year for s in appended.shocks] == [2020.0, 2025.0]
    cleared = load_scenario(write("e.yaml", "name: e\nextends: p.yaml\ninterventions: []\n"))
    assert cleared.interventions == ()


def test_three_level_chain(write):
    write("a.yaml", "name: a\nextends: baseline.yaml\ninterventions:\n  - {lever: Bus capacity, add: 1}\n")
    write("b.yaml", "name: b\nextends: a.yaml\nadd_interventions:\n  - {lever: Growth rate, set: 0.01}\n")
    s = load_scenario(write("c.yaml", "name: c\nextends: b.yaml\nadd_interventions:\n"
                            "  - {lever: Drainage investment, scale: 2}\n"))
    assert [i.lever for i in s.interventions] == ["Bus capacity", "Growth rate", "Drainage investment"]
    assert s.interventions[0].start == 2018.0 and s.interventions[0].ramp_years == 0.0   # defaults
    assert s.interventions[0].cost == Cost()


def test_sha_same_meaning_same_hash(write, project):
    flat = load_scenario(write("flat.yaml", """\
        name: x
        title: {en: X, id: X}
        model: mini
        seed: 42
        interventions:
          - {lever: Bus capacity, add: 100, start: 2020}
        """))
    inherited = load_scenario(write("inh.yaml", """\
        name: x
        title: {en: X, id: X}
        extends: baseline.yaml
        interventions:
          - {lever: bus capacity, add: 100.0, start: 2020.0, ramp_years: 0}
        """))
    assert flat.sha256 == inherited.sha256
    other = load_scenario(write("o.yaml", "name: x\ntitle: {en: X, id: X}\nextends: baseline.yaml\n"))
    assert other.sha256 != flat.sha256


def test_dict_input(project):
    data = {"name": "d", "title": {"en": "D", "id": "D"}, "extends": "baseline.yaml",
            "interventions": [{"lever": "Bus capacity", "scale": 2.0, "start": 2021}]}
    s = load_scenario(data, base_dir=project / "scenarios")
    assert s.path is None and s.interventions[0].mode == "scale" and s.seed == 42
    from_file = load_scenario(project / "scenarios" / "baseline.yaml")
    s2 = load_scenario({"name": "baseline", "title": {"en": "Baseline", "id": "Dasar"}, "seed": 42},
                       model=from_file.model)
    assert s2.sha256 == from_file.sha256


def test_comparison(write):
    write("buses.yaml", MRT)
    write("drains.yaml", "name: drains\ntitle: {en: D, id: D}\nextends: baseline.yaml\n"
          "interventions:\n  - {lever: Drainage investment, add: 5, start: 2019}\n")
    path = write("c.yaml", """\
        name: workshop
        title: {en: Workshop, id: Lokakarya}
        baseline: baseline.yaml
        interventions: [buses.yaml, drains.yaml]
        bundles: {package: [more-buses, drains]}
        indicators: [congestion level, People affected by floods]
        """)
    c = load_comparison(path)
    assert isinstance(c, Comparison)
    assert c.baseline.name == "baseline" and [s.name for s in c.interventions] == ["more-buses", "drains"]
    assert dict(c.bundles) == {"package": ("more-buses", "drains")}
    assert c.indicators == ("Congestion level", "People affected by floods")
    assert c.scenario("drains").interventions[0].value == 5.0
    assert load_file(path).sha256 == c.sha256
    assert isinstance(load_file(path.with_name("drains.yaml")), Scenario)


def test_bundle_with_title(write):
    """A bundle may carry its own bilingual title; the plan's bundle run shows it."""
    from cityfutures.plan.plan import build_plan
    write("buses.yaml", MRT)
    write("drains.yaml", "name: drains\ntitle: {en: D, id: D}\nextends: baseline.yaml\n"
          "interventions:\n  - {lever: Drainage investment, add: 5, start: 2019}\n")
    path = write("c.yaml", """\
        name: workshop
        baseline: baseline.yaml
        interventions: [buses.yaml, drains.yaml]
        bundles:
          package: {title: {en: Town package, id: Paket kota}, members: [more-buses, drains]}
          plain: [more-buses, drains]
        """)
    c = load_comparison(path)
    assert dict(c.bundles) == {"package": ("more-buses", "drains"), "plain": ("more-buses", "drains")}
    assert c.bundle_titles["package"].id == "Paket kota" and "plain" not in c.bundle_titles
    runs = {r.name: r for r in build_plan(c).runs}
    assert (runs["package"].title_en, runs["package"].title_id) == ("Town package", "Paket kota")
    assert runs["plain"].title_en == "Bundle plain (2 programmes)"


def test_uncertain_block_is_parsed_inherited_and_hashed(write):
    base_text = ("name: ubase\ntitle: {en: U, id: U}\nmodel: mini\nuncertain:\n  sampler: lhs\n  constants:\n"
                 "    Growth rate: {dist: triangular, min: 0.01, mode: 0.02, max: 0.05}\n"
                 "  shocks:\n    flood: {annual_probability: 0.2, magnitude: {dist: uniform, min: 0.3, max: 1.2}}\n")
    base = load_scenario(write("ubase.yaml", base_text))
    assert [name for name, _ in base.uncertain.constants] == ["Growth rate"]
    assert base.uncertain.shocks[0].kind == "flood"
    child = load_scenario(write("child.yaml", "name: child\nextends: ubase.yaml\n"))
    assert child.uncertain == base.uncertain
    other = load_scenario(write("ubase2.yaml", base_text.replace("max: 0.05", "max: 0.06")))
    assert other.sha256 != base.sha256


def test_comparison_default_indicators(write):
    write("drains.yaml", "name: drains\ntitle: {en: D, id: D}\nextends: baseline.yaml\n")
    c = load_comparison(write("c.yaml", "name: c\nbaseline: baseline.yaml\ninterventions: [drains.yaml]\n"))
    assert c.indicators == ("People affected by floods", "Congestion level", "Population")
    assert c.title.en == "c" and dict(c.bundles) == {}


def test_several_interventions_on_one_lever(write):
    """A quick-win step then a ramped expansion: allowed while the composed lever stays in range."""
    s = load_scenario(write("two.yaml", """\
        name: two
        extends: baseline.yaml
        interventions:
          - {lever: Bus capacity, add: 100, start: 2019}
          - {lever: Bus capacity, scale: 2, start: 2022, ramp_years: 4}
        """))
    assert [(i.mode, i.value) for i in s.interventions] == [("add", 100.0), ("scale", 2.0)]
