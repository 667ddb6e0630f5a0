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


def _alias_bomb(levels: int, width: int) -> str:
    text = "a0: &a0 [" + ", ".join(["x"] * width) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]\n"
    return text


def test_aliases_count_as_expanded_and_are_walked_once(tmp_path):
    text = _alias_bomb(5, 5)                       # 5**5 = 3125 leaves once expanded, 30 nodes written
    with pytest.raises(InputError, match="more than 1,000 YAML nodes") as info:
        p = tmp_path / "f.yaml"
        p.write_text(text)
        read_yaml(p, max_nodes=1000)
    assert info.value.line == 5
    doc = _doc(tmp_path, text)
    assert len(doc.lines) < 100                    # each node once: no walk through every expansion
    assert doc.line_of(("a4", 3, 2, 1, 0, 4)) == 4  # under an alias: where the aliased value is written


def test_a_bomb_far_beyond_the_limit_stops_at_the_limit(tmp_path):
    with pytest.raises(InputError, match="more than 10,000 YAML nodes"):
        _doc(tmp_path, _alias_bomb(9, 9))          # 9**9 nodes once expanded (the 1 KB bomb)


@pytest.mark.parametrize("text", ["a: " + "[" * 100_000 + "]" * 100_000 + "\n",
                                  "a: " + "{b: " * 100_000 + "1" + "}" * 100_000 + "\n",
                                  "a:\n" + "".join(" " * i + "- \n" for i in range(1, 200))])
def test_deep_nesting_is_refused_before_recursion(tmp_path, text):
    with pytest.raises(InputError, match="nested deeper than 64 levels"):
        _doc(tmp_path, text)


def test_64_levels_are_read(tmp_path):
    assert _doc(tmp_path, "a: " + "[" * 63 + "]" * 63 + "\n").data["a"] is not None


def test_text_that_is_not_text_is_refused(tmp_path):
    with pytest.raises(InputError, match=r"b\.c: holds the character U\+DFFF") as info:
        _doc(tmp_path, 'a: 1\nb:\n  c: "x\\udfff"\n')
    assert info.value.line == 3
    with pytest.raises(InputError, match="U\\+0000"):
        _doc(tmp_path, '"k\\0": 1\n')
    assert _doc(tmp_path, 'a: "tab\\tand\\nnewline"\n').data["a"] == "tab\tand\nnewline"


def test_a_file_that_is_not_utf8_names_its_line(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_bytes("a: 1\nb: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text") as info:
        read_yaml(p)
    assert info.value.line == 2


def test_a_byte_order_mark_is_fine(tmp_path):
    p = tmp_path / "f.yaml"
    p.write_bytes("\ufeffa: 1\n".encode("utf-8"))
    assert read_yaml(p).data == {"a": 1}
