"""A model file is data: inert text, names PySD quotes, GET files in the model's folder, the translation read back."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cityfutures.errors import ModelError
from cityfutures.model import load_model
from cityfutures.model.load import translate
from cityfutures.model.parse import READER_VERSION, parse_model
from cityfutures.model.sanitise import confined_file, inert_text, verify_translation
from tests.helpers import DATA

CORPUS = DATA / "hostile" / "models"
CONTROL = ("INITIAL TIME = 0 ~ Year ~ |\nFINAL TIME = 2 ~ Year ~ |\nTIME STEP = 1 ~ Year ~ |\n"
           "SAVEPER = 1 ~ Year ~ |\n")


@pytest.fixture(autouse=True)
def _cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)


def _model(tmp_path, body: str, name: str = "m.mdl") -> Path:
    path = tmp_path / name
    path.write_text("{UTF-8}\n" + body + CONTROL, encoding="utf-8")
    return path


@pytest.mark.parametrize("text, inert", [
    ('x""";import os;"""y', "x''';import os;'''y"), ('say "yes"', 'say "yes"'), ("a\\\nb", "a b"),
    ("tab\tnul\x00bell\x07", "tab nul bell"), ("lone\ud800", "lone"), ('""""', "''''"),
])
def test_free_text_becomes_one_inert_line(text, inert):
    assert inert_text(text) == inert


def test_a_comment_that_ends_the_docstring_is_inert_in_both_engines(tmp_path):
    shutil.copy(CORPUS / "comment-docstring.mdl", tmp_path)
    model = load_model(tmp_path / "comment-docstring.mdl")
    assert model.variables["Stock"].doc == "x''';__import__(\"os\").system(\"touch cityfutures-canary\");'''y"
    parsed = parse_model(tmp_path / "comment-docstring.mdl")
    stock = next(e for e in parsed.abstract_model.sections[0].elements if e.name == "Stock")
    assert '"""' not in stock.documentation
    assert not (tmp_path / "cityfutures-canary").exists()


@pytest.mark.parametrize("body, field, words", [
    ("Region: \"North'\", South ~ ~ |\nX[Region] = 1 ~ ~ |\n", "(model)", "holds a single quote"),
    ("X = \"f'); ('\"(1) ~ ~ |\n", "X", "holds a single quote"),
    ("X = GET DIRECT CONSTANTS('/etc/passwd', 'A', 'B1') ~ ~ |\n", "X", "outside the model's folder"),
    ("X = GET XLS DATA('../x.xlsx', 'A', '1', 'B1') ~ ~ |\n", "X", "outside the model's folder"),
    ("X = GET DIRECT LOOKUPS('?named', 'A', '1', 'B1') ~ ~ |\n", "X", "cannot resolve"),
])
def test_what_pysd_would_write_between_quotes_is_refused(tmp_path, body, field, words):
    with pytest.raises(ModelError, match=words) as info:
        parse_model(_model(tmp_path, body))
    assert info.value.field == field and info.value.path.endswith("m.mdl")


def test_a_get_file_reached_through_a_link_is_judged_where_it_points(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xlsx").write_text("x")
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "inputs.xlsx").symlink_to(outside / "secret.xlsx")
    with pytest.raises(ModelError, match="outside the model's folder"):
        parse_model(_model(folder, "X = GET DIRECT CONSTANTS('inputs.xlsx', 'A', 'B1') ~ ~ |\n"))
    assert confined_file("sub\\inputs.xlsx", folder, folder / "m.mdl", "X") == folder / "sub" / "inputs.xlsx"


def test_names_pysd_writes_with_repr_may_hold_quotes(tmp_path):
    path = _model(tmp_path, "\"a\\\"b' \\\\ c\" = 3 ~ ~ |\nY = \"a\\\"b' \\\\ c\" * 2 ~ ~ |\n")
    model = load_model(path)
    assert any(name.startswith('"a') for name in model.variables)


def test_a_model_without_its_time_settings_is_refused(tmp_path):
    path = tmp_path / "m.mdl"
    path.write_text("{UTF-8}\nX = 1 ~ ~ |\nINITIAL TIME = 0 ~ ~ |\nFINAL TIME = 1 ~ ~ |\n", encoding="utf-8")
    with pytest.raises(ModelError, match="does not define TIME STEP, SAVEPER"):
        parse_model(path)


def test_a_model_file_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = _model(tmp_path, "X = 1 ~ ~ " + "x" * 100_000 + " |\n")
    monkeypatch.setenv("CITYFUTURES_MAX_FILE_MB", "0.05")
    with pytest.raises(ModelError, match="larger than 0.05 MB"):
        parse_model(path)


def test_a_translation_is_named_safely_and_keyed_by_the_reading_code(tmp_path):
    shutil.copy(CORPUS / "units.mdl", tmp_path / "a'b\"c.mdl")
    py = translate(tmp_path / "a'b\"c.mdl", "0" * 64)
    assert py.name == "m_a_b_c.py" and py.parent.name.endswith(f"-r{READER_VERSION}")
    assert "a'b" not in py.read_text(encoding="utf-8").split("load_model_data", 1)[-1][:80]


def test_a_translation_made_before_is_never_imported(tmp_path):
    """A cached translation under the key of an older reader (here one that would run code) is ignored."""
    path = tmp_path / "units.mdl"
    shutil.copy(CORPUS / "units.mdl", path)
    from cityfutures.files import sha256_file
    sha = sha256_file(path)
    old = tmp_path / "cache" / "translations" / f"{sha[:24]}-units-pysd3.14.3"
    old.mkdir(parents=True)
    (old / "units.py").write_text("open('cityfutures-canary', 'w')\n")
    model = load_model(path)
    assert model.translation.parent != old and model.translation.name == "m_units.py"
    model.pysd()
    assert not (tmp_path / "cityfutures-canary").exists()


@pytest.mark.parametrize("code, words", [
    ("import os\n", "imports os"),
    ("from subprocess import run\n", "imports subprocess"),
    ("def f():\n    return __import__('os')\n", "calls on '__import__'"),
    ("def f():\n    return open('x')\n", "calls on 'open'"),
    ("def f():\n    return eval('1')\n", "calls on 'eval'"),
    ("from pathlib import Path\ndef f():\n    return Path('x').write_text('y')\n", "attribute 'write_text'"),
    ("import numpy as np\nx = np.ctypeslib\n", "attribute 'ctypeslib'"),
    ("def f():\n    return f.__globals__\n", "attribute '__globals__'"),
    ("class A:\n    pass\n", "ClassDef"),
    ("try:\n    pass\nexcept Exception:\n    pass\n", "Try"),
    ("import numpy as np\nnp.abs(1)\n", "runs a statement at import"),
    ("x = (\n", "not valid Python"),
])
def test_verify_translation_refuses_what_pysd_does_not_write(tmp_path, code, words):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "m.py").write_text(code, encoding="utf-8")
    with pytest.raises(ModelError, match=words):
        verify_translation(folder)


def test_verify_translation_passes_pysd_s_own_output(tmp_path):
    for name in ("comment-docstring.mdl", "quoted-name.mdl", "lookup.mdl", "units.mdl"):
        shutil.copy(CORPUS / name, tmp_path / name)
        verify_translation(translate(tmp_path / name, name.ljust(64, "0")).parent)
    assert not (tmp_path / "cityfutures-canary").exists()


def test_the_corpus_files_are_where_the_tests_find_them():
    assert (CORPUS / "comment-docstring.mdl").is_file() and os.path.getsize(CORPUS / "binary.mdl") == 2048
