"""The kernel module's source (cityfutures.engine.compiled.kernel): a function of its program alone.

The source names the kernel's file and numba's cache, so the same program must give the same text in
every process and whatever was laid out before it; otherwise a model compiles again (tens of seconds).
"""
from __future__ import annotations

import ast
import hashlib

import numpy as np

from cityfutures.engine.batch import compile_model as compile_batch
from cityfutures.engine.compiled import CompiledModel
from cityfutures.engine.compiled.kernel import single_assignment
from tests.helpers import JAKARTA, MINI, SRC


def _source(batch, **kw) -> str:
    """The kernel source of one program of ``batch`` (written and imported, not compiled)."""
    return CompiledModel(batch).kernel(batch.prepare({}, **kw)).spec.source


def test_laying_out_other_programs_first_leaves_a_kernels_source_unchanged():
    fresh = _source(compile_batch(MINI))
    batch = compile_batch(MINI)
    _source(batch, variables=["Population"])                 # another program of the same graph first
    batch.graph.literal(12345.678)                          # and the graph's tables grown by another's numbers
    batch.graph.tables["_T999"] = (np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    assert _source(batch) == fresh


def test_a_kernel_defines_only_the_literals_and_tables_it_reads():
    source = _source(compile_batch(MINI))
    tree = ast.parse(source)
    defined = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
               if isinstance(t, ast.Name) and t.id.startswith(("_L", "_T"))}
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    read = {n.id for f in functions for n in ast.walk(f) if isinstance(n, ast.Name)}
    assert defined, "the model's numbers are module constants of the kernel"
    assert defined <= read


def test_a_kernel_names_the_helpers_it_inlines():
    """numba's cache checks only the kernel's own file: the helpers' hash in its source gives a new file when
    they change."""
    helpers = (SRC / "engine" / "compiled" / "functions.py").read_bytes()
    assert f"sha256 {hashlib.sha256(helpers).hexdigest()[:16]}" in _source(compile_batch(MINI))


def test_one_kernel_serves_every_choice_of_kept_variables():
    cm = CompiledModel(compile_batch(MINI))
    times, every = cm.run(n_runs=3)
    labels = list(every)
    some = [labels[-1], labels[0], labels[-1]]               # out of order, one asked twice
    times2, kept = cm.run(n_runs=3, variables=some)
    assert len(cm._kernels) == 1, "the variables kept are chosen at run time, not compiled in"
    assert list(kept) == list(dict.fromkeys(some))
    np.testing.assert_array_equal(times2, times)
    for label in kept:
        np.testing.assert_array_equal(kept[label], every[label])
    assert len({np.shape(v) for v in kept.values()}) == 1


def _assigned(tree) -> dict:
    """How often each local of the kernel's functions is assigned (plain assignments only)."""
    counts: dict = {}
    for f in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        for node in ast.walk(f):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        counts[t.id] = counts.get(t.id, 0) + 1
    return counts


def test_each_local_of_a_kernel_is_assigned_once():
    """numba's SSA pass rewrites the whole kernel once per local assigned more than once (about half of a
    cold compile): states are loaded, then moved, under names of their own."""
    tree = ast.parse(_source(compile_batch(JAKARTA)))
    twice = {name: k for name, k in _assigned(tree).items() if k > 1}
    assert set(twice) <= {"_row"}, twice


def test_single_assignment_keeps_what_straight_line_code_computes():
    lines = ["a = x + 1", "# a comment naming a", "b = a * 2", "a = a + b  # a again", "_W[0] = a", "c = a",
             "for _o in range(2):", "    d = c", "d = d + 1"]
    taken = {"x", "_W", "_o"}
    renamed = single_assignment(lines, taken, "")
    assert renamed[3].startswith("a__1 = a + b") and renamed[4] == "_W[0] = a__1" and renamed[5] == "c = a__1"
    assert renamed[1] == lines[1]
    assert renamed[-1] == "d = d + 1", "a name assigned in a nested block keeps its name"
    again = single_assignment(["a = x", "b = a"], set(taken), "0")
    assert again == ["a__0 = x", "b__0 = a__0"]
    run, plain = {"x": 3.0, "_W": [0.0]}, {"x": 3.0, "_W": [0.0]}
    exec("\n".join(lines), {}, plain)                       # noqa: S102 - the test's own code
    exec("\n".join(renamed), {}, run)                       # noqa: S102
    assert run["_W"] == plain["_W"] and run["c"] == plain["c"]


def test_if_then_else_and_lookups_are_selects_not_branches():
    """Each if-expression became blocks and a twice-assigned variable, one more SSA rewrite of the whole
    kernel (a sixth of jakarta.mdl's cold compile)."""
    source = _source(compile_batch(JAKARTA))
    tree = ast.parse(source)
    assert not any(isinstance(n, ast.IfExp) for n in ast.walk(tree))
    assert source.count("_ki.pick(") > 50          # the model's IF THEN ELSEs and lookup segments
