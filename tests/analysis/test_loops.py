"""Loops That Matter (cityfutures.analysis.loops) on models whose answer is known: pure growth and
decay, a goal-seeking stock, the SIR sample, and invariants of the method."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.analysis.loops import find_loops, link_scores, loop_dominance
from cityfutures.engine.batch import compile_model, equation_graph
from tests.helpers import SIR, VILLAGE

CONTROL = """
INITIAL TIME = 0 ~ Year ~ |
FINAL TIME = 20 ~ Year ~ |
TIME STEP = 0.125 ~ Year [0,?] ~ |
SAVEPER = 1 ~ Year [0,?] ~ |
"""


def _model(tmp_path, name: str, equations: str):
    path = tmp_path / f"{name}.mdl"
    path.write_text("{UTF-8}\n" + equations + CONTROL, encoding="utf-8")
    return path


def _only_loop(result, indicator):
    (lp,) = result.loops
    return lp, result.relative(indicator)[0]


def test_pure_growth_is_one_reinforcing_loop_explaining_everything(tmp_path):
    mdl = _model(tmp_path, "growth", "S = INTEG(Inflow, 100) ~ widget ~ |\nInflow = S * g ~ widget/Year ~ |\n"
                 "g = 0.1 ~ 1/Year ~ |\n")
    r = loop_dominance(mdl, ["S"], periods=4)
    lp, rel = _only_loop(r, "S")
    assert set(lp.variables) == {"S", "Inflow"} and lp.name.startswith("R")
    np.testing.assert_allclose(rel, 1.0, rtol=1e-12)                      # all of the change, reinforcing
    np.testing.assert_allclose(r.scores[0], 1.0, rtol=1e-9)               # both links score exactly 1
    assert (r.dominant("S", top=1)["polarity"] == "reinforcing").all()


def test_pure_decay_is_one_balancing_loop(tmp_path):
    mdl = _model(tmp_path, "decay", "S = INTEG(-Outflow, 100) ~ widget ~ |\nOutflow = S / T ~ widget/Year ~ |\n"
                 "T = 5 ~ Year ~ |\n")
    r = loop_dominance(mdl, ["S"], periods=4)
    lp, rel = _only_loop(r, "S")
    assert lp.name.startswith("B")
    np.testing.assert_allclose(rel, -1.0, rtol=1e-12)
    np.testing.assert_allclose(r.scores[0], -1.0, rtol=1e-9)


def test_goal_seeking_stock_is_driven_by_its_balancing_loop(tmp_path):
    mdl = _model(tmp_path, "goal", "S = INTEG(Adjustment, 10) ~ widget ~ |\n"
                 "Adjustment = (Goal - S) / Adjustment time ~ widget/Year ~ |\nGoal = 100 ~ widget ~ |\n"
                 "Adjustment time = 4 ~ Year ~ |\n")
    r = loop_dominance(mdl, ["S"], periods=4)
    lp, rel = _only_loop(r, "S")
    assert lp.name.startswith("B") and set(lp.variables) == {"S", "Adjustment"}
    np.testing.assert_allclose(rel, -1.0, rtol=1e-12)
    table = r.dominant("S", top=1)
    assert table["dominant"].all() and (table["polarity"] == "balancing").all()


def test_one_net_flow_or_two_flows_give_the_same_loop_scores(tmp_path):
    """The flow-to-stock score uses the change of the net flow, so splitting a flow changes nothing."""
    one = _model(tmp_path, "one", "S = INTEG(Net, 100) ~ w ~ |\nNet = S * g - S / T ~ w/Year ~ |\n"
                 "g = 0.3 ~ 1/Year ~ |\nT = 2 ~ Year ~ |\nDummy = RAMP(1, 0, 20) ~ w ~ |\n")
    two = _model(tmp_path, "two", "S = INTEG(In - Out, 100) ~ w ~ |\nIn = S * g ~ w/Year ~ |\n"
                 "Out = S / T ~ w/Year ~ |\ng = 0.3 ~ 1/Year ~ |\nT = 2 ~ Year ~ |\n")
    r2 = loop_dominance(two, ["S"], periods=2)
    shares = {lp.name[0]: r2.relative("S")[i] for i, lp in enumerate(r2.loops)}
    # growth at 0.3, decay at 0.5: shares 0.3/0.8 and -0.5/0.8 at every step
    np.testing.assert_allclose(shares["R"], 0.3 / 0.8, rtol=1e-9)
    np.testing.assert_allclose(shares["B"], -0.5 / 0.8, rtol=1e-9)
    r1 = loop_dominance(one, ["S"], periods=2)
    assert len(r1.loops) == 1          # one net flow: the two loops merge into one (S -> Net -> S)
    np.testing.assert_allclose(r1.relative("S")[0], -1.0)


def test_sir_infection_loop_dominates_before_the_peak_and_recovery_after():
    r = loop_dominance(SIR, ["Infectious"], periods=10)
    names = {lp.id: set(lp.variables) for lp in r.loops}
    infection = next(i for i, v in names.items() if v == {"Infectious", "Succumbing"})
    recovery = next(i for i, v in names.items() if v == {"Infectious", "Recovering"})
    peak = float(r.all_times[np.argmax(r.values["Infectious"])])
    assert 35 < peak < 45
    top = r.dominant("Infectious", top=1)
    before = top[top["period_end"] <= peak + 1e-9]
    after = top[top["period_start"] >= peak]
    assert len(before) >= 3 and len(after) >= 5
    assert (before["loop"] == infection).all() and (before["polarity"] == "reinforcing").all()
    assert (after["loop"] == recovery).all() and (after["polarity"] == "balancing").all()
    assert top["dominant"].all()


def test_every_link_of_the_graph_is_scored():
    graph = equation_graph(compile_model(SIR))
    times, values = graph.run(start=0.0, end=20.0, dt=0.03125)
    assert set(link_scores(graph, times, values)) == set(graph.edges)


def test_loop_search_is_bounded():
    graph = equation_graph(compile_model(SIR))
    loops, complete = find_loops(graph)
    assert complete and len(loops) == 3 and {len(lp) for lp in loops} == {2}
    loops, complete = find_loops(graph, max_loops=2)       # three loops of two variables: none kept but all
    assert not complete and loops == []
    assert find_loops(graph, max_length=1) == ([], True)


def test_a_bounded_search_keeps_the_shortest_loops(tmp_path):
    """Bounded, the search keeps every loop up to a length and never a long loop in place of a short one."""
    mdl = _model(tmp_path, "three", "S = INTEG(In - Out + Back, 100) ~ w ~ |\nIn = S * g ~ w/Year ~ |\n"
                 "Out = S / T ~ w/Year ~ |\nVia = S * g ~ w/Year ~ |\nBack = Via * 0.5 ~ w/Year ~ |\n"
                 "g = 0.1 ~ 1/Year ~ |\nT = 5 ~ Year ~ |\n")
    graph = equation_graph(compile_model(mdl))
    loops, complete = find_loops(graph)
    assert complete and sorted(len(lp) for lp in loops) == [2, 2, 3]
    loops, complete = find_loops(graph, max_loops=2)       # the loop of three variables never replaces a short one
    assert not complete and sorted(loops) == [("S", "In"), ("S", "Out")]
    assert find_loops(graph, max_loops=3)[1]
    r = loop_dominance(mdl, ["S"], periods=2, max_loops=2)
    assert any("every loop of up to 2 variables (2 loops" in n for n in r.notes)


def test_documented_loops_are_named():
    r = loop_dominance(VILLAGE / "village.mdl", ["Population"], periods=4)
    named = {lp.name for lp in r.loops if lp.documented}
    assert {"R-births", "B-crowding"} <= named
    births = next(lp for lp in r.loops if lp.name == "R-births")
    assert births.label_id == "Lebih banyak penduduk, lebih banyak kelahiran"


def test_a_scenario_runs_with_its_levers(tmp_path):
    (tmp_path / "more-housing.yaml").write_text(
        f"name: more-housing\ntitle: {{en: More housing, id: Lebih banyak rumah}}\n"
        f"model: {VILLAGE / 'village.mdl'}\ninterventions:\n"
        "  - {lever: Housing programme, set: 30, start: 2025}\n", encoding="utf-8")
    r = loop_dominance(tmp_path / "more-housing.yaml", ["Crowding"], periods=5)
    assert r.source == "more-housing" and r.indicators == ["Crowding"]
    assert np.isfinite(r.table["share"]).all()
    assert np.abs(r.relative("Crowding")).sum(axis=0).max() == pytest.approx(1.0)


def test_a_loop_through_a_smooth_inside_an_equation_is_scored(tmp_path):
    mdl = _model(tmp_path, "inner", "S = INTEG(Adjustment, 10) ~ w ~ |\n"
                 "Adjustment = (Goal - Perceived) / Adjustment time ~ w/Year ~ |\nGoal = INITIAL(S) * 3 ~ w ~ |\n"
                 "Perceived = 0.5 * SMOOTH(S, 2) + 0.5 * S ~ w ~ |\nAdjustment time = 4 ~ Year ~ |\n")
    r = loop_dominance(mdl, ["S"], periods=2)
    through_smooth = [lp for lp in r.loops if any("(STATE" in v for v in lp.variables) and "S" in lp.variables]
    assert through_smooth and all(lp.name.startswith("B") for lp in through_smooth)
    np.testing.assert_allclose(np.abs(r.relative("S")).sum(axis=0), 1.0)
