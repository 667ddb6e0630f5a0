"""The escaping helper of every code generator: hostile text in identifiers, comments and literals stays text."""
from __future__ import annotations

import ast
import re

import pytest

from cityfutures.engine.batch.source import comment, identifier, literal

HOSTILE = [
    'x""";__import__("os").system("touch canary");"""y',
    "a'); __import__('os').system('touch canary'); ('",
    "line one\nimport os\r\nos.system('x')",
    "ends in a backslash \\",
    "\\N{BEL} \\x00 \\u2028",
    "nul\x00byte",
    "lone \ud800 surrogate",
    "unicode line\u2028separator\u2029and\x85next\x0bvertical\x0cfeed\x1cfile",
    "été — 人口 🌊",
    "",
    "#",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_each_helper_keeps_hostile_text_inert(text):
    name = identifier(text, "v")
    assert re.fullmatch(r"v(_[0-9a-z_]+)?", name)
    line = comment(text)
    assert "\n" not in line and "\r" not in line and all(" " <= c <= "~" for c in line)
    value = literal(text)
    assert value.isascii() and ast.literal_eval(value) == text
    source = f"# {line}\n{name} = {value}  # {line}\n"
    tree = ast.parse(source)
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign)
    assert isinstance(tree.body[0].value, ast.Constant) and tree.body[0].value.value == text


def test_a_comment_has_a_length_limit():
    assert len(comment("x" * 1000)) == 200 and comment("x" * 1000).endswith("...")
