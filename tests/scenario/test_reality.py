"""Reality-check files (cityfutures.scenario.reality): read once and validated like a scenario file,
each error naming its line and field."""
from __future__ import annotations

import shutil

import pytest

from cityfutures.errors import ScenarioError
from cityfutures.model import load_model
from cityfutures.scenario.reality import load_reality, reality_path
from tests.helpers import VILLAGE

GOOD = (VILLAGE / "village.reality.yaml").read_text(encoding="utf-8")


def _reality(tmp_path, text: str):
    shutil.copy2(VILLAGE / "baseline.yaml", tmp_path / "baseline.yaml")
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    return load_reality(path, load_model(VILLAGE / "village.mdl"))


def test_the_village_file_reads():
    rf = load_reality(VILLAGE / "village.reality.yaml", load_model(VILLAGE / "village.mdl"))
    assert [c.name for c in rf.checks] == ["more housing means less crowding", "a flood never helps the population"]
    first, second = rf.checks
    assert first.when.set == {"Housing programme": 20.0} and first.when.start == 2025 and first.across_levers
    assert second.when.shocks == (("flood", 2030.0, 1.0),) and len(second.expect) == 2 and not second.given
    assert second.expect[0].better == "higher" and second.expect[1].within == (0.0, 3.0)
    assert rf.baseline.name == "baseline.yaml" and rf.samples == 8 and rf.seed == 3


@pytest.mark.parametrize("old, new, line, field, words", [
    ("Housing programme: 20", "Housing programm: 20", 7, "checks[0].when.set.Housing programm", "did you mean"),
    ("Housing programme: 20", "Crowding: 20", 7, "checks[0].when.set.Crowding", "not a scalar constant"),
    ("change: fall, at: end", "change: drop, at: end", 8, "checks[0].expect.change", "rise"),
    ("change: fall, at: end", "at: end", 8, "checks[0].expect", "exactly one of"),
    ("within: [0, 3]", "within: [3, 0]", 15, "checks[1].expect[1].within", "above"),
    ("{variable: Population, change: not_improve", "{variable: Births, change: not_improve", 14,
     "checks[1].expect[0].change", "not an indicator"),
    ("kind: flood, year: 2030", "kind: drought, year: 2030", 12, "checks[1].when.shocks[0].kind", "unknown shock"),
    ("year: 2030, magnitude: 1", "year: 2050, magnitude: 1", 12, "checks[1].when.shocks[0].year", "outside"),
    ("across: levers", "across: everything", 9, "checks[0].across", "levers"),
    ("samples: 8", "samples: 8\nextra: 1", 4, "extra", "unknown key"),
    ("- name: a flood never helps the population", "- name: more housing means less crowding", 10,
     "checks[1].name", "appears twice"),
])
def test_bad_reality_files_name_the_line_and_field(tmp_path, old, new, line, field, words):
    assert GOOD.count(old) == 1
    with pytest.raises(ScenarioError) as err:
        _reality(tmp_path, GOOD.replace(old, new))
    e = err.value
    assert (e.line, e.field) == (line, field) and words in str(e)
    assert str(e).startswith(f"{tmp_path / 'r.yaml'}:{line}: {field}: ")


def test_the_reality_file_lives_beside_the_model():
    assert reality_path(load_model(VILLAGE / "village.mdl")) == VILLAGE / "village.reality.yaml"
