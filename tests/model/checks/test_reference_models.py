"""`cityfutures check` over every SDXorg reference model: nothing beyond the explained list of
expected findings (reference_findings.yaml beside this file), and every listed finding still found."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cityfutures.analysis.check import check
from cityfutures.names import norm_name
from tests.helpers import REFERENCE as REF

CASES = json.loads((REF / "cases.json").read_text()) if (REF / "cases.json").is_file() else {}
EXPECTED = yaml.safe_load((Path(__file__).with_name("reference_findings.yaml")).read_text(encoding="utf-8"))
pytestmark = pytest.mark.skipif(not CASES, reason=f"reference models not found at {REF}")


def test_every_listed_case_exists():
    assert set(EXPECTED["cases"]) <= set(CASES)
    assert all(entry["why"].strip() for entries in EXPECTED["cases"].values() for entry in entries)


@pytest.mark.parametrize("case", sorted(CASES))
def test_reference_model_findings_are_all_expected(case):
    report = check(REF / CASES[case]["model"], run=False)
    listed = EXPECTED["cases"].get(case) or []
    used = set()
    unexpected = []
    for f in report.findings:
        if f.rule in EXPECTED["conventions"]:
            continue
        hit = [i for i, e in enumerate(listed)
               if e["rule"] == f.rule and norm_name(e["variable"]) == norm_name(f.variable)]
        if hit:
            used.update(hit)
        else:
            unexpected.append(f.format())
    assert not unexpected, "findings not in reference_findings.yaml:\n" + "\n".join(unexpected)
    stale = [e for i, e in enumerate(listed) if i not in used]
    assert not stale, f"listed but no longer found: {stale}"
    assert not [f for f in report.findings if f.rule == "not-checked"]
