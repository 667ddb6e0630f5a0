"""A second city: the harbour town (its own focus areas, colours, shock kind and uncertain baseline) runs
the whole pipeline -- run, compare, charts, brief, ensemble, dashboard core -- and nothing in src/ names
the Jakarta model's focus areas, indicators or levers."""
from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml

import cityfutures as cf
from cityfutures.dashboard import Dashboard
from cityfutures.report.labels import Labels
from cityfutures.report.tables import format_terminal
from tests.helpers import DATA, MODELS, SRC

HARBOUR = DATA / "harbour"
COMPARISON = HARBOUR / "scenarios" / "harbour.yaml"
FOCUS = ["coast", "housing", "transport"]


@pytest.fixture(scope="module")
def result():
    return cf.compare(COMPARISON)


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()
    return " ".join(" ".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def test_the_sidecar_says_what_is_city_specific():
    m = cf.load_model(HARBOUR / "models" / "harbour.mdl")
    assert list(m.focus_areas) == FOCUS                                  # the file's order
    assert m.focus_areas["coast"].color == "#0072B2" and m.focus_areas["transport"].color is None
    assert list(m.shocks) == ["storm-surge"] and m.shocks["storm-surge"].input == "Storm surge input"
    assert m.meta.indicators["Travel time"].better == "lower"


def test_run_and_compare_carry_the_sidecar_into_the_results(result):
    ds = result.results
    assert list(ds.scenario.values) == ["baseline", "sea-wall", "homes", "buses", "wall-and-homes"]
    assert list(json.loads(ds.attrs["focus_areas"])) == FOCUS
    assert json.loads(ds.attrs["shock_labels"])["storm-surge"]["id"] == "Gelombang badai"
    rows = result.table.set_index(["scenario", "indicator"])
    assert rows.loc[("sea-wall", "Homes flooded"), "improvement_end_pct"] > 50
    assert rows.loc[("homes", "Households housed"), "improvement_end_pct"] > 0
    assert rows.loc[("buses", "Travel time"), "improvement_end_pct"] > 0
    assert result.ranking.scenario.iloc[0] in ("sea-wall", "wall-and-homes")
    text = format_terminal(result, lang="id")
    assert "di area fokus Pesisir dan badai" in text and "Rumah kebanjiran" in text


def test_charts_and_brief_use_its_focus_areas_and_colours(result, tmp_path):
    notes: list[str] = []
    paths = cf.write_report(result, tmp_path, lang="id", formats=("svg",), notes=notes)
    names = {p.name for p in paths}
    assert {"results.nc", "comparison.md", "scorecard.svg", "cost-effectiveness.svg", "brief.pdf",
            "structure-coast.svg", "trajectories-transport.svg"} <= names
    card = svg_text(tmp_path / "scorecard.svg")
    for label in ("Pesisir dan badai", "Rumah untuk semua", "Bepergian"):
        assert label in card
    labels = Labels(result.results, "en")
    assert labels.focus_order(["transport", "coast"]) == ["coast", "transport"]
    colours = [labels.focus_color(fa) for fa in FOCUS]
    assert colours[:2] == ["#0072B2", "#009E73"] and colours[2] not in colours[:2]   # the palette skips taken ones
    svg = (tmp_path / "scorecard.svg").read_text()
    assert all(c.lower() in svg.lower() for c in colours)
    assert any("shock" in n for n in notes)                               # no shock in this comparison: said


def test_a_shock_of_its_own_kind_runs():
    ds = cf.run(HARBOUR / "scenarios" / "storm.yaml")
    flooded = ds["Homes flooded"].sel(scenario="storm")
    assert float(flooded.sel(time=2024.0)) > 3 * float(flooded.sel(time=2023.0))


def test_an_ensemble_over_its_uncertain_baseline(tmp_path):
    ens = cf.ensemble(COMPARISON, samples=24, seed=3)
    assert ens.dataset.attrs["format"] == "cityfutures-ensemble" and ens.dataset.attrs["samples_used"] == 24
    p = ens.tables["probability"].set_index(["scenario", "indicator"])["p_better"]
    assert p[("sea-wall", "Homes flooded")] > 0.5
    paths = cf.write_ensemble_report(ens, tmp_path, lang="en")
    assert any(p.name.startswith("fan_value_") for p in paths) and (tmp_path / "ensemble.nc").is_file()
    back = cf.load_ensemble(tmp_path / "ensemble.nc")
    np.testing.assert_allclose(back["quantiles"].values, ens.dataset["quantiles"].values)


def test_the_dashboard_core_serves_it(tmp_path):
    shutil.copytree(HARBOUR, tmp_path / "harbour")
    d = Dashboard(tmp_path / "harbour" / "scenarios")
    assert [c.name for c in d.switches("shock")] == ["storm"]
    view = d.update(d.initial_state().with_switch("programme", "sea-wall", True))
    assert view.row("Homes flooded").verdict == "better"
    assert {c.focus_area for c in d.controls_levers} == set(FOCUS)


def test_nothing_in_src_names_jakartas_focus_areas_indicators_or_levers():
    path = MODELS / "jakarta.meta.yaml"
    if not path.is_file():
        pytest.skip("models/jakarta.meta.yaml is not in the repository")
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    names = [*meta["focus_areas"], *meta["indicators"], *meta["levers"]]
    found = []
    for f in sorted(SRC.rglob("*")):
        if f.suffix in (".py", ".yaml"):
            text = f.read_text(encoding="utf-8")
            found += [f"{f.relative_to(SRC)}: {n}" for n in names
                      if re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", text)]
    assert found == []
