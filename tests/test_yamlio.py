"""Reading YAML a person edits: numbers as meant, duplicate keys refused, lines remembered."""
from __future__ import annotations

import pytest

from cityfutures.errors import InputError
from cityfutures.yamlio import field_path, read_yaml


def _doc(tmp_path, text):
    p = tmp_path / "f.yaml"
    p.write_text(text, encoding="utf-8")
    return read_yaml(p)


def test_scientific_notation_is_a_number_as_in_yaml_1_2(tmp_path):
    data = _doc(tmp_path, "a: 1e9\nb: 2.5E-3\nc: -4e+2\nd: 7\ne: '1e9'\nf: 1e\n").data
    assert data == {"a": 1e9, "b": 2.5e-3, "c": -400.0, "d": 7, "e": "1e9", "f": "1e"}
    assert isinstance(data["d"], int)


def test_duplicate_keys_are_refused_with_both_lines(tmp_path):
    with pytest.raises(InputError, match=r"duplicate key 'seed' \(first at line 1\)") as info:
        _doc(tmp_path, "seed: 1\nname: x\nseed: 2\n")
    assert info.value.line == 3


def test_lines_of_nested_fields(tmp_path):
    doc = _doc(tmp_path, "name: x\ninterventions:\n  - lever: A\n    add: 1\n  - lever: B\n")
    assert doc.line_of(("interventions", 1, "lever")) == 5
    assert doc.line_of(("interventions", 0, "add")) == 4
    assert doc.line_of(("interventions", 0, "missing")) == 3      # falls back to the nearest known field
    assert field_path(("interventions", 0, "cost", "capex_idr_bn")) == "interventions[0].cost.capex_idr_bn"


@pytest.mark.parametrize("text, problem", [
    ("- a\n- b\n", "must be a mapping"),
    ("", "empty file"),
    ("a: !!python/object/apply:os.system ['true']\n", "YAML syntax error"),
    ("a: [1, 2\n", "YAML syntax error"),
])
def test_what_is_not_a_plain_mapping_is_refused(tmp_path, text, problem):
    with pytest.raises(InputError, match=problem):
        _doc(tmp_path, text)
