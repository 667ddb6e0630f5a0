"""Why: the pathways behind each effect, on a hand-built model whose shares are known."""
from __future__ import annotations

import os

import numpy as np
import pytest

from cityfutures.analysis.compare import comparison_table
from cityfutures.analysis.knockout import knockout
from cityfutures.analysis.pathways import chains, explain, links_between, short_chain
from cityfutures.api import compare, run_plan
from cityfutures.plan import build_plan
from cityfutures.scenario import load_comparison
from tests.helpers import DATA

CHAINS = DATA / "knockout" / "chains.mdl"


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    folder = tmp_path_factory.mktemp("chains")
    (folder / "base.yaml").write_text(f"name: base\ntitle: {{en: Base, id: Dasar}}\nmodel: {CHAINS}\n")
    (folder / "double.yaml").write_text("name: double\nextends: base.yaml\ntitle: {en: Double, id: Ganda}\n"
                                        "focus_area: one\ntrack: quick-win\ninterventions:\n"
                                        "  - {lever: Lever, set: 2}\n")
    (folder / "cmp.yaml").write_text("name: chains\ntitle: {en: Chains, id: Rantai}\nbaseline: base.yaml\n"
                                     "interventions: [double.yaml]\n")
    return load_comparison(folder / "cmp.yaml")


@pytest.fixture(scope="module", params=["batch", "compiled"])
def found(comparison, request):
    """The pathways on both engines (the compiled one cuts its links at run time in one kernel)."""
    plan = build_plan(comparison)
    return explain(plan, comparison_table(run_plan(plan)), engine=request.param)


def cell(found, indicator):
    return found[found.indicator == indicator]


def test_two_pathways_that_add_up_get_their_shares(found):
    rows = cell(found, "Sum")
    assert list(rows.kind) == ["pathway", "pathway"]
    by_chain = {r.chain: r.share for r in rows.itertuples()}
    assert by_chain[("Lever", "B", "Sum")] == pytest.approx(0.6, rel=1e-9)        # 3 of 5
    assert by_chain[("Lever", "A", "C", "Sum")] == pytest.approx(0.4, rel=1e-9)   # 2 of 5
    assert rows.explained.iloc[0] == pytest.approx(1.0, rel=1e-9) and rows.interaction.iloc[0] == pytest.approx(0.0)
    assert rows.chain_en.iloc[0] == "The lever -> Second pathway -> Sum"            # labels from the sidecar
    assert rows.chain_id.iloc[0] == "Tuasnya -> Jalur kedua -> Jumlah"
    assert rows.effect_pct.iloc[0] == pytest.approx(100.0) and not rows.worse.any()


def test_a_chain_through_a_stock(found):
    rows = cell(found, "Accumulated")
    assert list(rows.chain) == [("Lever", "A", "C", "Accumulated")]
    assert rows.share.iloc[0] == pytest.approx(1.0, rel=1e-9)


def test_an_effect_no_single_link_carries_is_an_interaction(found):
    rows = cell(found, "Either")          # MAX(A, D), A and D equal: cutting either changes nothing
    assert list(rows.kind) == ["interaction"]
    assert rows.explained.iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert rows.share.iloc[0] == pytest.approx(1.0)


def test_link_shares_from_the_one_knockout_routine(comparison):
    plan = build_plan(comparison)
    base, run = plan.runs
    links = [("Lever", "A"), ("A", "C"), ("C", "Sum"), ("Lever", "B"), ("B", "Sum")]
    k = knockout(plan.model, dict(run.params), reference=dict(base.params), cuts=links, indicators=["Sum"])
    s = k.table.set_index("pathway")["share"]
    assert s["A -> C"] == pytest.approx(0.4) and s["B -> Sum"] == pytest.approx(0.6)
    assert s["remaining"] == pytest.approx(0.0, abs=1e-12)
    # one engine call per pathway, or all in one call with per-run masks: the same shares
    one = knockout(plan.model, dict(run.params), reference=dict(base.params), cuts=links, indicators=["Sum"], batch=1)
    np.testing.assert_allclose(one.table["share"].to_numpy(), k.table["share"].to_numpy(), rtol=1e-12)


def test_chains_credit_a_shared_link_once():
    into = {"Y": {"C"}, "C": {"A", "B"}, "A": {"L"}, "B": {"L"}}
    shares = {("C", "Y"): 1.0, ("A", "C"): 0.7, ("B", "C"): 0.3, ("L", "A"): 0.7, ("L", "B"): 0.3}
    assert chains(shares, into, ["L"], "Y") == [(("L", "A", "C", "Y"), 0.7), (("L", "B", "C", "Y"), 0.3)]
    # two chains over one link that carries 0.8: the second is credited what is left
    into2 = {"Y": {"C"}, "C": {"A", "B"}, "A": {"L"}, "B": {"L"}}
    shares2 = {("C", "Y"): 0.8, ("A", "C"): 0.6, ("B", "C"): 0.5, ("L", "A"): 0.6, ("L", "B"): 0.5}
    found = chains(shares2, into2, ["L"], "Y")
    assert found[0] == (("L", "A", "C", "Y"), 0.6) and found[1][1] == pytest.approx(0.2)
    assert chains(shares2, into2, ["L"], "Y", min_share=0.3) == [(("L", "A", "C", "Y"), 0.6)]


def test_links_between_levers_and_indicators():
    out = {"L": {"A", "X"}, "A": {"Y"}, "X": set(), "Z": {"Y"}}
    into = {"A": {"L"}, "X": {"L"}, "Y": {"A", "Z"}}
    assert links_between(out, into, ["L"], ["Y"]) == [("A", "Y"), ("L", "A")]


def test_short_chains_keep_the_lever_the_stocks_and_the_indicator():
    kind = {"S1": "stock", "S2": "stock", "I": "indicator"}
    assert short_chain(("L", "a", "S1", "b", "S2", "I"), kind) == ("L", "S1", "S2", "I")
    assert short_chain(("L", "a", "b", "I"), kind) == ("L", "a", "I")
    assert short_chain(("L", "I"), kind) == ("L", "I")


def test_compare_carries_the_pathways_to_its_outputs(comparison, tmp_path):
    from cityfutures.report.tables import format_terminal, to_markdown
    res = compare(comparison, why=True)
    assert set(res.pathways.indicator) == {"Sum", "Either", "Accumulated"}
    text = format_terminal(res, why=True)
    assert "Sum +100.0 %: The lever -> Second pathway -> Sum (60 %); The lever -> First step -> Sum (40 %)" in text
    assert "interaction" in text
    assert "## Why: the pathways behind each effect" in to_markdown(res)
    indo = format_terminal(res, lang="id", why=True)
    assert "Tuasnya -> Jalur kedua -> Jumlah (60 %)" in indo and "interaksi" in indo


@pytest.mark.parametrize("engine", ["batch", "compiled"])
def test_the_why_bar_says_the_compiled_engines_first_pathways_compile_a_kernel(comparison, engine, capsys):
    from cityfutures.api import pathways
    from cityfutures.engine.runner import KNOCKOUTS_COMPILING
    plan = build_plan(comparison)
    pathways(plan, run_plan(plan), progress=True, engine=engine)
    assert (KNOCKOUTS_COMPILING in capsys.readouterr().err) == (engine == "compiled")
