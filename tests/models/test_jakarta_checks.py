"""The Jakarta model passes `cityfutures check --strict` with its reality checks (what CI requires);
every silence in its sidecar carries a reason and still matches a finding."""
from __future__ import annotations

from cityfutures.analysis.check import check
from cityfutures.cli import main
from cityfutures.model import load_model
from cityfutures.model.source import read_source
from cityfutures.scenario.reality import load_reality
from tests.helpers import MODELS


def test_jakarta_passes_the_strict_check(capsys):
    """CI's command: cityfutures check models/jakarta.mdl --reality models/jakarta.reality.yaml --strict."""
    code = main(["check", str(MODELS / "jakarta.mdl"), "--reality", str(MODELS / "jakarta.reality.yaml"), "--strict"])
    assert code == 0, capsys.readouterr().out
    report = check(MODELS / "jakarta.mdl", MODELS / "jakarta.reality.yaml", strict=True)
    assert report.exit_code == 0 and not report.findings
    assert all(s.reason for _f, s in report.silenced)
    assert any(n.startswith("reality: ") for n in report.notes)
    assert any(n.startswith("equilibrium: ") for n in report.notes)


def test_the_reality_checks_cover_every_sector():
    """Each sector of the model has a reality check on one of its variables (changed or expected)."""
    model = load_model(MODELS / "jakarta.mdl")
    source = read_source(model.path)
    rf = load_reality(MODELS / "jakarta.reality.yaml", model)
    touched = set()
    for c in rf.checks:
        touched |= {source.group(e.variable) for e in c.expect}
        touched |= {source.group(n) for n in list(c.when.set) + list(c.given.set)}
        touched |= {source.group(model.shocks[k].input) for k, _y, _m in c.when.shocks + c.given.shocks}
    sectors = set(model.sectors) - {"control"}
    assert sectors <= touched, f"sectors without a reality check: {sorted(sectors - touched)}"


def test_without_runs_the_silences_of_behaviour_checks_are_not_stale():
    report = check(MODELS / "jakarta.mdl", strict=True, run=False)
    assert report.exit_code == 0, report.format_text()
