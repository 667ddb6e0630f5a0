"""The compiled model as equations between its cells (cityfutures.engine.batch.equations): evaluated
again from the graph, they give the engine's own run; statefuls and INITIALs inside equations are cells."""
from __future__ import annotations

import numpy as np

from cityfutures.engine.batch import compile_model, equation_graph
from tests.helpers import SIR


def test_equations_evaluated_from_the_graph_reproduce_the_run():
    """Every auxiliary, recomputed from the graph's equations, equals the engine's value at every step."""
    bm = compile_model(SIR)
    graph = equation_graph(bm)
    times, values = graph.run(start=0.0, end=100.0, dt=0.03125)
    env = {e.var: values[e.label] for e in graph.equations.values()}
    auxiliaries = [e for e in graph.equations.values() if e.kind == "aux"]
    assert auxiliaries
    for e in auxiliaries:
        got = eval(e.source, dict(graph.namespace, t=times, **env))  # noqa: S307 - the engine's own source
        np.testing.assert_allclose(np.broadcast_to(got, times.shape), values[e.label], rtol=1e-12)
    same, run = bm.run(start=0.0, end=100.0, dt=0.03125, saveper=0.03125)
    np.testing.assert_array_equal(times, same)
    for label, v in run.items():
        np.testing.assert_array_equal(values[label], v[:, 0])     # the graph's run is the engine's run


def test_stocks_are_their_net_rates():
    graph = equation_graph(compile_model(SIR))
    infectious = graph.equations["Infectious"]
    assert infectious.kind == "stock" and set(infectious.inputs) == {"Succumbing", "Recovering"}
    assert ("Succumbing", "Infectious") in graph.edges


def test_initials_and_statefuls_inside_equations_are_cells(tmp_path):
    mdl = tmp_path / "inner.mdl"
    mdl.write_text("{UTF-8}\nS = INTEG(Adjustment, 10) ~ w ~ |\n"
                   "Adjustment = (Goal - Perceived) / Adjustment time ~ w/Year ~ |\nGoal = INITIAL(S) * 3 ~ w ~ |\n"
                   "Perceived = 0.5 * SMOOTH(S, 2) + 0.5 * S ~ w ~ |\nAdjustment time = 4 ~ Year ~ |\n"
                   "INITIAL TIME = 0 ~ Year ~ |\nFINAL TIME = 20 ~ Year ~ |\nTIME STEP = 0.125 ~ Year [0,?] ~ |\n"
                   "SAVEPER = 1 ~ Year [0,?] ~ |\n", encoding="utf-8")
    graph = equation_graph(compile_model(mdl))
    inner = {k: e for k, e in graph.equations.items() if "(" in k}
    assert {e.kind for e in inner.values()} == {"exogenous", "stock"}      # INITIAL frozen, SMOOTH a stock
    assert any("first-order adjustment" in n for n in graph.notes)
    times, values = graph.run(start=0.0, end=2.0, dt=0.125)
    assert set(values) == set(graph.equations) and all(v.shape == times.shape for v in values.values())
