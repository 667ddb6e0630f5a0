"""``cf.check`` (cityfutures.analysis.check): reality checks run (violations found, with the run that shows
them), the equilibrium check of declared stocks, silences with their reasons, strict mode and JSON."""
from __future__ import annotations

import json

import pytest

from cityfutures.analysis.check import check
from cityfutures.errors import ModelError
from tests.helpers import line_of, only, seeded


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
    mdl = seeded(tmp_path, ("\tNormal construction * Housing lifetime\n\t~\tperson\n\t~\tDerived: construction "
                            "balances demolition at the start.",
                            "\t1000\n\t~\tperson [500,2000]\n\t~\tSource: a baseline run."))
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
                 ("equilibrium_stocks:", "checks:\n  silence:\n    - {rule: missing-source, variable: Lifetime, "
                  "reason: a textbook value}\n    - {rule: literal, variable: Births, reason: none here}\n"
                  "equilibrium_stocks:"),
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
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."))
    assert check(mdl, run=False).exit_code == 0
    strict = check(mdl, run=False, strict=True)
    assert strict.exit_code == 2 and len(strict.errors) == 1
    (row,) = json.loads(strict.to_json())
    assert set(row) == {"file", "line", "variable", "rule", "severity", "message"}
    assert row["severity"] == "error" and row["rule"] == "missing-source" and row["line"] == line_of(mdl, "Lifetime")
