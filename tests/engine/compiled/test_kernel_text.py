"""Model text in the compiled engine's kernels: names and comments escaped, no string of the model in code.

The hostile corpus's models that run (quotes, backslashes, docstring quotes and calls in names, comments
and units) compile into kernels that are printable ASCII, whose every line holding the model's text is a
comment (in code only as identifiers), and that give the batch engine's numbers; a source holding any
other string is refused.
"""
from __future__ import annotations

import ast
import io
import shutil
import tokenize

import numpy as np
import pytest

from cityfutures.engine.compiled import compile_model
from cityfutures.engine.compiled.kernel import check_inert
from cityfutures.engine.simulate import simulate
from cityfutures.errors import KernelError
from tests.helpers import DATA

CORPUS = DATA / "hostile" / "models"
RUNS = ["comment-docstring.mdl", "comment-backslash.mdl", "units.mdl", "quoted-name.mdl", "lookup.mdl",
        "nul-bytes.mdl"]


@pytest.mark.parametrize("name", RUNS)
def test_a_hostile_model_compiles_into_an_inert_kernel(name, tmp_path):
    shutil.copy(CORPUS / name, tmp_path / name)
    cm = compile_model(tmp_path / name)
    source = cm.kernel(cm.batch.prepare({})).spec.source
    assert all(" " <= c <= "~" for line in source.splitlines() for c in line)
    ast.parse(source)
    check_inert(source, name)
    code = [tok for tok in tokenize.generate_tokens(io.StringIO(source).readline)
            if tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE)]
    strings = {tok.string for tok in code if tok.type == tokenize.STRING}
    assert all(s.startswith('"""Runs ') or s in ("'nan'", "'inf'", "'-inf'") for s in strings), strings
    assert "__import__" not in " ".join(tok.string for tok in code)    # a name only as an identifier
    compiled = simulate(tmp_path / name, engine="compiled")
    batch = simulate(tmp_path / name, engine="batch")
    assert compiled.attrs["engine"] == "compiled"
    for var in batch.data_vars:
        np.testing.assert_allclose(compiled[var].values, batch[var].values, rtol=1e-12, atol=0)


@pytest.mark.parametrize("line", ["x = 'a name'", "x = 1  # ok\ny = '\\n'", "x = 1.0\ny = 'été'",
                                  "x = 1.0  # \u2028 in a comment"])
def test_a_kernel_holding_text_is_refused(line):
    with pytest.raises(KernelError, match="text from the model"):
        check_inert(f"import numpy as np\n{line}\n", "m.mdl")


def test_docstrings_and_the_words_of_nan_and_inf_pass():
    check_inert('def run():\n    """Runs."""\n    return float(\'nan\') + float(\'-inf\')\n', "m.mdl")
