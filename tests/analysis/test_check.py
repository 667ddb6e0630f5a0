"""Reality checks: the file (validated like a scenario file, errors with their line) and the runs
(violations found, with the run that shows them); the equilibrium check of declared stocks."""
from __future__ import annotations

import shutil

import pytest
from checks_support import VILLAGE, line_of, only, seeded

from cityfutures.analysis.check import check
from cityfutures.errors import ModelError, ScenarioError
from cityfutures.model import load_model
from cityfutures.reality_file import load_reality

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


def test_a_violated_reality_check_is_an_error_at_its_line(tmp_path):
    """A sign slip (housing programme demolishes instead of building) breaks the housing check."""
    mdl = seeded(tmp_path, ("Normal construction + Housing programme", "Normal construction - Housing programme"))
    report = check(mdl)
    (f,) = only(report.findings, "reality")
    assert f.file.endswith("village.reality.yaml") and f.line == 8 and f.severity == "error"
    assert f.variable == "more housing means less crowding" and "Crowding should fall at the end" in f.message
    assert "in the run with" in f.message and "lever settings" in f.message
    assert report.exit_code == 2


def test_a_not_improve_check_reads_better(tmp_path):
    """Floods that feed births would make a flood 'help' the population: not_improve catches it."""
    mdl = seeded(tmp_path, ("Population / Lifetime + Flood deaths", "Population / Lifetime - Flood deaths"))
    (f,) = only(check(mdl).findings, "reality")
    assert f.variable == "a flood never helps the population" and f.line == 14
    assert "Population should not improve (higher is better)" in f.message


def test_a_copied_equilibrium_is_found_under_the_uncertain_samples(tmp_path):
    """Typed in from a baseline run, the initial value is right for the baseline only."""
    mdl = seeded(tmp_path, ("\tNormal construction * Housing lifetime\n\t~\tperson\n\t~\tDerived: construction balances "
                            "demolition at the start.", "\t1000\n\t~\tperson [500,2000]\n\t~\tSource: a baseline run."))
    report = check(mdl)
    (f,) = only(report.findings, "equilibrium")
    assert (f.variable, f.line, f.severity) == ("Housing capacity", line_of(mdl, "Housing capacity"), "error")
    assert "of 32 samples of the uncertain block" in f.message
    quiet = check(mdl, samples=0)
    assert not only(quiet.findings, "equilibrium")        # the baseline alone cannot tell


def test_an_equilibrium_off_in_the_baseline(tmp_path):
    mdl = seeded(tmp_path, ("\tNormal construction * Housing lifetime\n\t~\tperson\n", "\tNormal construction * "
                            "Housing lifetime * 1.01\n\t~\tperson\n"))
    (f,) = only(check(mdl, samples=0).findings, "equilibrium")
    assert "in the baseline" in f.message


def test_equilibrium_stocks_must_be_stocks(tmp_path):
    mdl = seeded(tmp_path, ("equilibrium_stocks: [Housing capacity]", "equilibrium_stocks: [Crowding]"),
                 files=("village.meta.yaml",))
    with pytest.raises(ModelError) as err:
        check(mdl)
    assert err.value.field == "equilibrium_stocks[0]" and "not a stock" in str(err.value)


def test_silences_need_a_reason_and_go_stale(tmp_path):
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."),
                 ("equilibrium_stocks:", "checks:\n  silence:\n    - {rule: missing-source, variable: Lifetime, reason: "
                  "a textbook value}\n    - {rule: literal, variable: Births, reason: none here}\nequilibrium_stocks:"),
                 files=("village.mdl", "village.meta.yaml"))
    report = check(mdl, run=False)
    assert [(f.variable, s.reason) for f, s in report.silenced] == [("Lifetime", "a textbook value")]
    (stale,) = report.findings
    assert stale.rule == "stale-silence" and stale.variable == "Births" and stale.file.endswith("village.meta.yaml")
    bad = seeded(tmp_path / "b" if (tmp_path / "b").mkdir() is None else tmp_path,
                 ("equilibrium_stocks:", "checks:\n  silence:\n    - {rule: literal, variable: Births, reason: ' '}\n"
                  "equilibrium_stocks:"), files=("village.meta.yaml",))
    with pytest.raises(ModelError) as err:
        check(bad, run=False)
    assert "needs its reason" in str(err.value)


def test_strict_and_json(tmp_path):
    import json
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."))
    assert check(mdl, run=False).exit_code == 0
    strict = check(mdl, run=False, strict=True)
    assert strict.exit_code == 2 and len(strict.errors) == 1
    (row,) = json.loads(strict.to_json())
    assert set(row) == {"file", "line", "variable", "rule", "severity", "message"}
    assert row["severity"] == "error" and row["rule"] == "missing-source" and row["line"] == line_of(mdl, "Lifetime")
