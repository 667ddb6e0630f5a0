"""The scenario library in ``scenarios/`` validates against the real Jakarta model.

Every intervention scenario carries what a workshop needs: a bilingual title, a
description, a focus area, a track, and for each intervention a size, start, ramp, cost
and the source of its size (a line of ``jakarta-figures.csv``, the strategy summary, a
published model, or an explicit ``assumption:``).
"""
from __future__ import annotations

import csv
import re

import pytest

from cityfutures.scenario.load import Comparison, Scenario, load_comparison, load_file, load_scenario
from tests.helpers import JAKARTA, SCENARIOS, SHARED  # noqa: E402

FIGURES = SHARED / "context" / "jakarta-figures.csv"   # outside the repo: checked when present
FILES = sorted(SCENARIOS.rglob("*.yaml"))
CITATION = re.compile(r"jakarta-figures\.csv line (\d+)")
SOURCE_KINDS = ("jakarta-figures.csv line", "strategy", "published-models.md", "assumption:")

needs_model = pytest.mark.skipif(not (JAKARTA.is_file() and JAKARTA.with_name("jakarta.meta.yaml").is_file()),
                                 reason="models/jakarta.mdl (and its .meta.yaml) is not in the repository yet")


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cfcache"))


def _interventions() -> list[Scenario]:
    return [s for s in (load_file(p) for p in FILES if "shocks" not in p.parts)
            if isinstance(s, Scenario) and s.interventions]


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(SCENARIOS)) for p in FILES])
@needs_model
def test_every_file_validates(path):
    obj = load_file(path)
    assert obj.model.name == "jakarta"
    if isinstance(obj, Scenario):
        assert obj.name == path.stem, "file name and scenario name agree, so comparisons read naturally"


@needs_model
def test_at_least_fifteen_programmes():
    assert len(_interventions()) >= 15


@needs_model
def test_programmes_are_documented():
    for s in _interventions():
        where = s.path.name
        assert s.title.en.strip() and s.title.id.strip(), where
        assert len(s.description) > 40, where
        assert s.focus_area is not None and s.track in ("quick-win", "normal"), where
        assert s.owner, where
        for iv in s.interventions:
            assert iv.cost.capex_idr_bn > 0 or iv.cost.opex_idr_bn_per_year > 0, (where, iv.lever)
            assert iv.source and any(k in iv.source for k in SOURCE_KINDS), (where, iv.lever, iv.source)


@needs_model
def test_all_focus_areas_and_both_tracks():
    progs = _interventions()
    assert {s.focus_area for s in progs} == {"governance", "preparedness", "water-waste",
                                              "connectivity-mobility", "social-cohesion"}
    assert {s.track for s in progs} == {"quick-win", "normal"}


@pytest.mark.skipif(not FIGURES.is_file(), reason="../shared/context/jakarta-figures.csv not available")
def test_citations_name_real_lines():
    """A cited line exists and its value appears in the citing text (commas ignored)."""
    lines = FIGURES.read_text(encoding="utf-8").splitlines()
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        for match in CITATION.finditer(text):
            n = int(match.group(1))
            assert 2 <= n <= len(lines), f"{path.name}: line {n} is not a data line"
            row = next(csv.reader([lines[n - 1]]))
            value = row[2]
            rest = text[match.end():match.end() + 200].replace(",", "")
            assert value in rest, f"{path.name}: jakarta-figures.csv line {n} has value {value}, not cited"


@needs_model
def test_shocks():
    s2007 = load_scenario(SCENARIOS / "shocks" / "flood-2007.yaml")
    s2020 = load_scenario(SCENARIOS / "shocks" / "flood-2020.yaml")
    for s in (s2007, s2020):
        assert len(s.shocks) == 1 and s.shocks[0].kind == "flood" and s.interventions == ()
    assert s2020.shocks[0].year == 2020.0
    assert s2007.shocks[0].magnitude >= s2020.shocks[0].magnitude * 0.5


@needs_model
def test_workshop_2018():
    c = load_comparison(SCENARIOS / "workshop-2018.yaml")
    assert isinstance(c, Comparison)
    m = c.model
    # every focus area the model has an indicator for
    assert {m.indicators[i].focus_area for i in c.indicators} == {i.focus_area for i in m.indicators.values()}
    for group in ("water-package", "preparedness-package", "mobility-package"):
        assert group in c.bundles and len(c.bundles[group]) >= 2
    areas = {c.scenario(n).focus_area for n in c.bundles["water-package"]}
    assert areas == {"water-waste"}
    assert {c.scenario(n).focus_area for n in c.bundles["mobility-package"]} == {"connectivity-mobility"}
    assert len(c.interventions) >= 15
