"""The batch engine's generated code: Vensim names, equations as comments, nothing unescaped, lines in tracebacks."""
from __future__ import annotations

import ast
import linecache
import traceback

import numpy as np
import pytest

from cityfutures.cli import main
from cityfutures.engine.batch import compile_model
from cityfutures.engine.batch.source import comment, identifier
from cityfutures.engine.simulate import generated_source, simulate
from tests.helpers import DATA, JAKARTA, MINI

HOSTILE = DATA / "hostile" / "names.mdl"


def test_names_follow_the_vensim_names_and_each_cell_shows_its_equation():
    src = compile_model(MINI).program({}, ("Population",)).source
    assert "v_population = " in src and "s_population = _st.full(v_initial_population, N)" in src
    assert "# People affected by floods = Population*Exposure fraction*" in src
    assert "#   _L0 = 1000.0" in src                       # every constant's value, once


def test_text_from_the_model_never_reaches_the_code_unescaped():
    src = generated_source(HOSTILE)
    tree = ast.parse(src)                                # it parses: no comment ended early
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "os" not in names and not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
    assert all(c.isascii() for c in src)
    assert "v_penduduk_kota_ete" in src and "v_growth_rate_import_os" in src
    assert "# Penduduk kota \\xe9t\\xe9 = INTEG(" in src      # non-ASCII escaped in comments
    assert identifier("é;\n import", "v") == "v_e_import" and identifier("+++", "h") == "h"
    assert comment("a\nb\u2028c\x00d") == "a b c\\x00d"


def test_the_hostile_model_runs_as_pysd_runs_it():
    batch = simulate(HOSTILE, engine="batch")
    pysd = simulate(HOSTILE, engine="pysd")
    np.testing.assert_allclose(batch["Report"].values, pysd["Report"].values, rtol=1e-9)


def test_a_traceback_shows_the_generated_line():
    bm = compile_model(MINI)
    prog = bm.program({}, ("Population",))
    code = prog.eval.__code__
    assert linecache.getline(code.co_filename, code.co_firstlineno).startswith("def _eval(")
    with pytest.raises(TypeError) as info:
        prog.eval(0.0, [None, None], [], prog.init(np.float64(2018), {}, 1)[2], {})
    text = "".join(traceback.format_exception(info.value))
    assert "<cityfutures model of model_mini_mdl" in text and "v_population" in text


def test_emit_code_writes_the_program(tmp_path, capsys):
    out = tmp_path / "mini_program.py"
    assert main(["simulate", str(MINI), "--emit-code", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# mini.mdl: the batch engine's program") and "def _eval(" in text
    assert "def _run(" in text                           # the single-run program follows
    compile(text, str(out), "exec")


@pytest.mark.skipif(not JAKARTA.is_file(), reason="models/jakarta.mdl is not in the repository")
def test_jakarta_program_reads_as_the_model():
    src = generated_source(JAKARTA)
    assert "v_population = " in src and "# Population = INTEG(" in src
    assert src.count("\n") > 800
