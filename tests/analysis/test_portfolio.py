"""The portfolio search against brute force, on additive programmes, under constraints, with clashes."""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import cityfutures as cf
from cityfutures.analysis.portfolio import budget_curve, hypervolume, p_best, pareto, robust_choice, synergy
from tests.helpers import DATA, write_catalogue

PF = DATA / "portfolio"
BUDGETS = [100, 200, 330, 400, 560, 800]


def _brute_force(tmp_path: Path) -> dict[frozenset, tuple[float, float]]:
    """Every subset of the five programmes as a bundle of a comparison, run by cf.compare: score and cost."""
    names = ["prog-a", "prog-b", "prog-c", "prog-e", "prog-f"]
    bundles = {f"set-{i}": list(c) for i, c in enumerate(
        c for r in range(2, 6) for c in itertools.combinations(names, r))}
    text = (f"name: brute\ntitle: {{en: Brute, id: Brute}}\nbaseline: {PF / 'baseline.yaml'}\n"
            f"interventions: [{', '.join(str(PF / (n + '.yaml')) for n in names)}]\nindicators: [Output, Joint]\n"
            "discount_rate: 0\nbundles:\n" + "".join(f"  {k}: [{', '.join(v)}]\n" for k, v in bundles.items()))
    path = tmp_path / "brute.yaml"
    path.write_text(text, encoding="utf-8")
    res = cf.compare(path)
    s = cf.score(res.results).total
    pv = cf.present_value(res.results)
    members = ({"baseline": frozenset()} | {n: frozenset([n]) for n in names}
               | {k: frozenset(v) for k, v in bundles.items()})
    return {members[k]: (float(s[k]), float(pv[k])) for k in members}


@pytest.mark.parametrize("search", ["exhaustive", "evolutionary"])
def test_the_best_portfolio_at_each_budget_is_the_brute_force_optimum(tmp_path, search):
    every = _brute_force(tmp_path)
    res = cf.portfolio(PF / "choices.yaml", budgets=BUDGETS, search=search, generations=15, population=24)
    for _, row in res.curve.iterrows():
        fits = {m: v for m, v in every.items() if v[1] <= row["budget_idr_bn"] + 1e-9}
        best = max(fits.values(), key=lambda v: v[0])[0]
        assert row["score"] == pytest.approx(best, rel=1e-9, abs=1e-12)
        assert row["cost_idr_bn"] <= row["budget_idr_bn"]
        members = frozenset(row["members"].split("+"))
        assert every[members][0] == pytest.approx(row["score"], rel=1e-9)          # simulated, as a bundle
        alone = sum(every[frozenset([m])][0] for m in members)
        assert row["synergy"] == pytest.approx(every[members][0] - alone, rel=1e-9, abs=1e-9)
    assert res.meta["search"] == search


def test_interacting_programmes_have_synergy_and_are_not_added():
    res = cf.portfolio(PF / "choices.yaml", budgets=[800])
    row = res.curve.iloc[0]
    assert "prog-e" in row["members"] and "prog-f" in row["members"]
    # Joint = e * f: e alone +1, f alone +2, together +5: a synergy of +2 units weighted by Joint's half
    assert row["synergy"] == pytest.approx(0.5 * 2.0, rel=1e-9)


def test_additive_programmes_have_no_synergy():
    res = cf.portfolio(PF / "additive.yaml", budgets=[50, 1000])
    assert len(res.table) == 8                                   # every portfolio of 3 is on a front
    np.testing.assert_allclose(res.table["synergy"], 0.0, atol=1e-9)
    full = res.table.loc[res.table["n_members"] == 3, "score"].item()
    singles = res.table.loc[res.table["n_members"] == 1, "score"].sum()
    assert full == pytest.approx(singles, rel=1e-12)
    assert res.curve.iloc[0]["members"] == ""                    # nothing fits 50 (the cheapest costs 80)


def _with_block(tmp_path: Path, block: str, source: str = "choices.yaml") -> Path:
    text = (PF / source).read_text(encoding="utf-8").replace("baseline: baseline.yaml",
                                                           f"baseline: {PF / 'baseline.yaml'}")
    for name in ("prog-a", "prog-b", "prog-c", "prog-e", "prog-f", "prog-a2", "prog-e2"):
        text = text.replace(f"{name}.yaml", str(PF / f"{name}.yaml"))
    path = tmp_path / "with-block.yaml"
    path.write_text(text + block, encoding="utf-8")
    return path


@pytest.mark.parametrize("block, rule", [
    ("portfolio: {must_include: [prog-f]}", lambda m: "prog-f" in m),
    ("portfolio: {exclusive: [[prog-a, prog-b]]}", lambda m: not {"prog-a", "prog-b"} <= m),
    ("portfolio: {groups: [[prog-e, prog-f]]}", lambda m: ("prog-e" in m) == ("prog-f" in m)),
    ("portfolio: {quick_wins_only: true}", lambda m: m <= {"prog-c", "prog-e"}),
    ("portfolio: {min_quick_wins: 2}", lambda m: {"prog-c", "prog-e"} <= m),
    ("portfolio: {max_at_once: 2}", lambda m: len(m & {"prog-a", "prog-b", "prog-c", "prog-e"}) <= 2),
    ("portfolio: {agency_budgets: {dinas-a: 120}}", lambda m: "prog-b" not in m),
    ("portfolio: {focus_area_budgets: {governance: 150}}", lambda m: "prog-f" not in m),
])
def test_constraints_are_honoured(tmp_path, block, rule):
    res = cf.portfolio(_with_block(tmp_path, block), budgets=[300, 1000])
    assert len(res.table)
    for members in res.table["members"]:
        assert rule(set(members.split("+")) - {""}), members
    for _, row in res.curve.iterrows():
        assert row["cost_idr_bn"] <= row["budget_idr_bn"]
        assert rule(set(row["members"].split("+")) - {""})


def test_budget_kind_capex_and_the_blocks_budget(tmp_path):
    res = cf.portfolio(_with_block(tmp_path, "portfolio: {budget_idr_bn: 260, budget_kind: capex}"))
    row = res.curve.iloc[0]
    assert row["budget_idr_bn"] == 260 and res.meta["budget_kind"] == "capex"
    assert row["cost_idr_bn"] <= 260                         # prog-b's opex does not count as capex
    pv = cf.portfolio(_with_block(tmp_path, "portfolio: {budget_idr_bn: 260}"))
    assert pv.meta["budget_kind"] == "pv"
    assert pv.table["cost_idr_bn"].max() <= 260


def test_clashing_portfolios_are_excluded_and_listed_never_a_crash():
    res = cf.portfolio(PF / "clashes.yaml", budgets=[1000])
    reasons = " ".join(res.excluded["reason"])
    assert "outside its range" in reasons and "two values" in reasons
    assert res.excluded["portfolios"].sum() == 14              # 8 + 8 - 2 of the 32 hold a clash
    for members in res.table["members"]:
        m = set(members.split("+"))
        assert not {"prog-a", "prog-a2"} <= m and not {"prog-e", "prog-e2"} <= m


def test_futures_give_intervals_and_robust_choices():
    res = cf.portfolio(PF / "choices.yaml", budgets=[400, 800], futures=16, seed=2)
    row = res.curve.iloc[1]
    assert row["score_p05"] <= row["score"] <= row["score_p95"] or row["score_p05"] <= row["score_p95"]
    assert row["robust_members"] and row["ev_members"]
    assert 0 <= row["p_best"] <= 1
    again = cf.portfolio(PF / "choices.yaml", budgets=[400, 800], futures=16, seed=2)
    np.testing.assert_array_equal(res.table["score_p05"], again.table["score_p05"])


def test_bad_arguments_are_input_errors():
    with pytest.raises(cf.InputError, match="no budget"):
        cf.portfolio(PF / "choices.yaml")
    with pytest.raises(cf.InputError, match="rule"):
        cf.portfolio(PF / "choices.yaml", budget=10, robust="best")
    with pytest.raises(cf.InputError, match="positive"):
        cf.portfolio(PF / "choices.yaml", budgets=[-1])


def test_pareto_budget_curve_synergy_and_choices_on_known_numbers():
    cost = np.array([0, 1, 1, 2, 3, 3])
    score = np.array([0, 2, 1, 2, 5, np.nan])
    assert pareto(cost, score).tolist() == [0, 1, 4]
    assert budget_curve(cost, score, [0.5, 1, 2.5, 9]).tolist() == [0, 1, 1, 4]
    masks = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], bool)
    np.testing.assert_allclose(synergy(masks, np.array([0, 1, 2, 4.0]), np.array([1, 2.0])), [0, 0, 0, 1])
    fs = np.array([[1, 1, 1, 1], [0, 3, 0, 3], [5, -5, 5, -5]], float)
    choice = robust_choice(fs, np.array([1, 1, 1]), [1])
    assert choice[["mean", "p5", "regret"]].iloc[0].tolist() == [1, 0, 0]   # largest regrets 4, 5, 8
    np.testing.assert_allclose(p_best(fs, np.array([1, 1, 5]), 1), [0.5, 0.5, 0])
    assert hypervolume([1], [2], 3, 0) == pytest.approx(4.0)


def _hv(result, budget: float) -> float:
    """The hypervolume of a result's front up to (budget, score 0)."""
    front = result.table[result.table["on_front"]]
    return hypervolume(front["cost_idr_bn"], front["score"], budget, 0)


def test_evolutionary_front_on_a_synthetic_catalogue_is_the_exact_one(tmp_path):
    path = write_catalogue(tmp_path / "twelve", 12, seed=1)
    exact = cf.portfolio(path, budgets=[300], search="exhaustive")
    evolved = cf.portfolio(path, budgets=[300], search="evolutionary", generations=30, population=60, seed=4)
    assert _hv(evolved, 300) >= 0.98 * _hv(exact, 300)
    assert evolved.meta["evaluated"] < exact.meta["evaluated"]


@pytest.mark.slow
def test_evolutionary_search_on_18_and_on_70_synthetic_programmes(tmp_path):
    path = write_catalogue(tmp_path / "eighteen", 18, seed=7)
    exact = cf.portfolio(path, budgets=[500], search="exhaustive")
    evolved = cf.portfolio(path, budgets=[500], search="evolutionary", generations=60, population=100, seed=1)
    assert _hv(evolved, 500) >= 0.98 * _hv(exact, 500)          # within 2 % of the exact front
    many = cf.portfolio(write_catalogue(tmp_path / "seventy", 70, seed=3), budgets=[800], generations=40,
                        population=100, seed=1)
    assert many.meta["search"] == "evolutionary"
    assert many.curve.iloc[0]["cost_idr_bn"] <= 800 and many.curve.iloc[0]["score"] > 0
