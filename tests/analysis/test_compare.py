"""Comparison table, weighted-score ranking, intervals over paired futures, outputs; saved results compare the same."""
import os

import numpy as np
import pandas as pd
import pytest

from cityfutures.analysis.compare import COLUMNS, RANKING_COLUMNS, RANKING_RULE, rank  # noqa: E402
from cityfutures.api import compare  # noqa: E402
from cityfutures.engine import DEFAULT_ENGINE  # noqa: E402
from cityfutures.errors import InputError, ScenarioError  # noqa: E402
from cityfutures.plan import build_plan, plan_ensemble  # noqa: E402
from cityfutures.report.tables import format_terminal, to_markdown  # noqa: E402
from cityfutures.report.write import write_comparison  # noqa: E402
from cityfutures.results.dataset import save_results  # noqa: E402
from cityfutures.scenario import load_comparison  # noqa: E402
from tests.helpers import MINI, write_workshop  # noqa: E402

# the mini model's sidecar: one unit of improvement per indicator
SCALE = {"People affected by floods": 10.0, "Congestion level": 0.05, "Population": 100.0}
UNCERTAIN = ("uncertain:\n  sampler: lhs\n  constants:\n"
             "    Exposure fraction: {dist: uniform, min: 0.05, max: 0.15}\n"
             "    Trips per person: {dist: uniform, min: 0.4, max: 0.6}\n")


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return compare(write_workshop(tmp_path_factory.mktemp("ws"), baseline_shock=True))


def row(result, scenario, indicator):
    t = result.table
    return t[(t.scenario == scenario) & (t.indicator == indicator)].iloc[0]


def test_table_columns_and_rows(result):
    t = result.table
    assert list(t.columns) == COLUMNS and list(result.ranking.columns) == RANKING_COLUMNS
    assert len(t) == 5 * 3            # scenarios x indicators, baseline included
    base = row(result, "baseline", "Congestion level")
    assert base.delta_end == 0 and np.isnan(base.score_term) and pd.isna(base.rank_overall)
    assert (t.futures == 0).all() and t.delta_end_p05.isna().all() and t.p_better.isna().all()


def test_values_match_the_results(result):
    ds = result.results
    r = row(result, "drains", "People affected by floods")
    flood = ds["People affected by floods"]
    assert r.value_end == pytest.approx(float(flood.sel(scenario="drains")[-1]), rel=1e-12)
    assert r.baseline_end == pytest.approx(float(flood.sel(scenario="baseline")[-1]), rel=1e-12)
    assert r.delta_end_pct == pytest.approx(100 * (r.value_end - r.baseline_end) / r.baseline_end, rel=1e-12)
    assert r.better == "lower" and r.improvement_end_pct == pytest.approx(-r.delta_end_pct, rel=1e-12)
    assert r.cumulative_delta < 0 and r.units == "person/Year"
    assert r.indicator_focus_area == "water-waste" and r.focus_area == "water-waste" and r.track == "normal"
    # the ramp starts in 2019: the effect appears after that, within the two ramp years
    assert 1.0 < r.time_to_effect < 3.0
    # buses do not touch floods: no change, no time to effect, no cost-effectiveness
    b = row(result, "buses", "People affected by floods")
    assert b.delta_end == pytest.approx(0, abs=1e-12) and np.isnan(b.time_to_effect)
    assert np.isnan(b.cost_per_unit)


def test_score_terms_by_hand(result):
    """Three focus areas, one indicator each: every weight is 1/3; a term is (signed change / scale) / 3."""
    t = result.table
    for x in t[t.kind != "baseline"].itertuples():
        sign = -1.0 if x.better == "lower" else 1.0
        units = sign * (x.value_end - x.baseline_end) / SCALE[x.indicator]
        assert x.scale == SCALE[x.indicator] and x.weight == pytest.approx(1 / 3, rel=1e-12)
        assert x.units_of_improvement == pytest.approx(units, rel=1e-9, abs=1e-12)
        assert x.score_term == pytest.approx(units / 3, rel=1e-9, abs=1e-12)
    by = result.ranking.set_index("scenario")
    for s in ("drains", "buses", "growth", "drains-buses"):
        assert by.loc[s, "score"] == pytest.approx(t[t.scenario == s].score_term.sum(), rel=1e-12)
    # buses take congestion from 0.5106 to 0.2106 (Bus capacity 400 of 510 trips a day): 6 units, a third weighs
    assert row(result, "buses", "Congestion level").units_of_improvement == pytest.approx(6.0, rel=1e-3)
    assert by.loc["buses", "score"] == pytest.approx(2.0, rel=1e-3)
    # the bundle adds up its members' effects here (they touch different indicators)
    assert by.loc["drains-buses", "score"] == pytest.approx(by.loc["drains", "score"] + by.loc["buses", "score"],
                                                            rel=1e-9)
    assert list(result.ranking.scenario) == ["drains-buses", "buses", "drains", "growth"]
    assert by.loc["growth", "rank_overall"] == 4 and by.loc["growth", "rank_in_focus_area"] == 1


def test_a_score_does_not_depend_on_the_other_programmes(tmp_path):
    path = write_workshop(tmp_path)
    alone = path.with_name("alone.yaml")
    alone.write_text(path.read_text().replace("interventions: [drains.yaml, buses.yaml, growth.yaml]",
                                              "interventions: [drains.yaml]").replace(
        "bundles:\n  drains-buses: [drains, buses]\n", ""))
    many, one = compare(path), compare(alone)
    assert one.ranking.set_index("scenario").loc["drains", "score"] == pytest.approx(
        many.ranking.set_index("scenario").loc["drains", "score"], rel=1e-12)


def test_weights_and_discount_rate_from_the_comparison_file(tmp_path):
    path = write_workshop(tmp_path)
    path.write_text(path.read_text() + "weights:\n  focus_areas: {water-waste: 2, governance: 0}\n"
                    "discount_rate: 0.05\n")
    res = compare(path)
    w = res.weights
    assert w["People affected by floods"] == pytest.approx(2 / 3) and w["Congestion level"] == pytest.approx(1 / 3)
    assert w["Population"] == 0.0
    t = res.table
    growth = t[t.scenario == "growth"]
    assert growth.score_term.sum() == pytest.approx(
        sum(x.units_of_improvement * w[x.indicator] for x in growth.itertuples()), rel=1e-12)
    # drains: capex 200 spread over 2019-2021, opex 5 a year 2019-2028, discounted at 5 % to 2018
    ln = np.log(1.05)
    span = lambda a, b: (1.05 ** -(a - 2018) - 1.05 ** -(b - 2018)) / ln
    pv = 200 / 2 * span(2019, 2021) + 5 * span(2019, 2028)
    d = res.ranking.set_index("scenario").loc["drains"]
    assert d.pv_cost_idr_bn == pytest.approx(pv, rel=1e-12)
    assert d.cost_per_score == pytest.approx(pv / d.score, rel=1e-12)
    assert float(res.results.attrs["discount_rate"]) == 0.05


@pytest.mark.parametrize("weights, problem", [
    ("{focus_areas: {preparedness: 1}}", "has no indicator in this comparison"),
    ("{focus_areas: {water-wast: 1}}", "unknown focus area 'water-wast'"),
    ("{focus_areas: {water-waste: -1}}", "must not be negative"),
    ("{indicators: {Congestion levl: 1}}", "is not an indicator of this comparison"),
    ("{focus_areas: {water-waste: 0, governance: 0, connectivity-mobility: 0}}", "every focus area weighs 0"),
    ("{indicators: {Population: 0}}", "every indicator of focus area 'governance' weighs 0"),
    ("{colours: {}}", "unknown key 'colours'"),
    ("{focus_areas: {water-waste: one}}", "must be a number"),
])
def test_bad_weights_are_one_line_errors(tmp_path, weights, problem):
    path = write_workshop(tmp_path)
    path.write_text(path.read_text() + f"weights: {weights}\n")
    with pytest.raises(ScenarioError, match=problem) as ex:
        load_comparison(path)
    assert str(ex.value).startswith(str(path)) and "\n" not in str(ex.value)


@pytest.mark.parametrize("rate", ["9", "-0.01", ".nan"])
def test_a_discount_rate_must_be_a_yearly_rate(tmp_path, rate):
    path = write_workshop(tmp_path)
    path.write_text(path.read_text() + f"discount_rate: {rate}\n")
    with pytest.raises(ScenarioError, match="discount_rate"):
        load_comparison(path)


def test_costs_and_cost_effectiveness(result):
    r = row(result, "drains", "People affected by floods")
    assert (r.capex_idr_bn, r.opex_idr_bn_per_year, r.total_cost_idr_bn) == (200.0, 5.0, 245.0)
    assert r.pv_cost_idr_bn < r.total_cost_idr_bn                   # discounted at the default 9 %
    assert r.cost_per_unit == pytest.approx(r.pv_cost_idr_bn / r.units_of_improvement, rel=1e-12)
    # a yearly rate: the cost per person protected over the horizon, the improvement discounted like the cost
    assert r.effect_total_pv > 0 and r.cost_per_total == pytest.approx(r.pv_cost_idr_bn / r.effect_total_pv,
                                                                       rel=1e-12)
    g = row(result, "growth", "Population")
    assert g.pv_cost_idr_bn == 0 and g.cost_per_unit == 0.0          # free and better: costs nothing per unit
    assert np.isnan(row(result, "growth", "Congestion level").cost_per_unit)   # worse: no price


def test_shock_metrics(result):
    r = row(result, "baseline", "People affected by floods")
    # the flood pulse (2023, 0.25 year) multiplies the affected by about 1 + 2 x 10
    assert r.peak_loss > 10 * 80
    assert 0.2 < r.recovery_time <= 0.25 + 1e-9
    # loss area: the pulse's area above the level before it, about peak x 0.25 year (a trapezoid over 0.25 steps)
    assert 0.2 * r.peak_loss < r.loss_area < 0.3 * r.peak_loss
    d = row(result, "drains", "People affected by floods")
    assert d.peak_loss < r.peak_loss                 # more drains: a smaller flood peak
    assert d.loss_area_change == pytest.approx(d.loss_area - r.loss_area, rel=1e-12) and d.loss_area_change < 0


def test_a_stress_test_measures_the_shock_against_the_run_without_it(result):
    """People affected drift after the flood (drains grow faster than the town): the loss is measured
    against the same run without the shock, not against the level before it."""
    ds = result.results
    assert "without_shock" in ds
    x = ds["People affected by floods"].sel(scenario="baseline")
    ref = ds["without_shock"].sel(indicator="People affected by floods", scenario="baseline")
    t = ds["time"].values
    loss = np.clip((x - ref).values, 0, None) * (t >= 2023 - 1e-9)
    r = row(result, "baseline", "People affected by floods")
    assert r.loss_area == pytest.approx(np.trapezoid(loss, t), rel=1e-12)
    assert r.peak_loss == pytest.approx(loss.max(), rel=1e-12)
    drift = abs(float(ref.isel(time=-1)) / float(ref.sel(time=2022.75)) - 1)
    assert drift > 0.05                                   # the drift a pre-shock level would have counted


def test_no_shock_means_no_shock_metrics(tmp_path):
    res = compare(write_workshop(tmp_path))
    t = res.table
    assert t.peak_loss.isna().all() and t.recovery_time.isna().all() and t.loss_area.isna().all()
    assert "without_shock" not in res.results


def test_rank_stability_is_reported(result):
    rk = result.ranking.set_index("scenario")
    assert rk.rank_p05.notna().all() and (rk.rank_p05 <= rk.rank_overall).all()
    assert (rk.rank_overall <= rk.rank_p95).all() and ((rk.p_top >= 0) & (rk.p_top <= 1)).all()
    assert rk.loc["drains-buses", "p_first"] > 0.5 and rk.loc["growth", "p_top"] < 0.5


def test_rank_on_a_synthetic_table():
    t = pd.DataFrame({
        "scenario": ["b", "x", "y", "b", "x", "y"], "kind": ["baseline", "intervention", "intervention"] * 2,
        "focus_area": [None, "f", "f"] * 2, "indicator": ["i"] * 3 + ["j"] * 3,
        "score_term": [np.nan, 0.5, 0.25, np.nan, -0.1, 0.5], "failed": [False] * 6,
        "title_en": ["B", "X", "Y"] * 2, "title_id": ["B", "X", "Y"] * 2, "track": [None] * 6,
        "total_cost_idr_bn": [0.0, 1.0, 2.0] * 2})
    table, ranking = rank(t)
    s = ranking.set_index("scenario")["score"]
    assert s["x"] == pytest.approx(0.4) and s["y"] == pytest.approx(0.75)
    assert ranking.scenario.tolist() == ["y", "x"] and "Rank 1 is the highest score" in RANKING_RULE


def test_intervals_over_paired_futures(tmp_path):
    """People affected = Population x Exposure x ... / capacity: with only Exposure uncertain, the
    percent change of drains is the same in every future, and its absolute change scales with Exposure."""
    path = write_workshop(tmp_path)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text() + UNCERTAIN)
    res = compare(path, futures=40, seed=3)
    r = row(res, "drains", "People affected by floods")
    assert r.futures == 40
    assert r.delta_end_pct_p05 == pytest.approx(r.delta_end_pct, rel=1e-9)
    assert r.delta_end_pct_p95 == pytest.approx(r.delta_end_pct, rel=1e-9)
    assert r.p_better == 1.0
    plan = plan_ensemble(build_plan(load_comparison(path)), samples=40, seed=3, every=None)
    exposure = plan.samples.constants["Exposure fraction"].to_numpy()
    expected = np.percentile(r.delta_end * exposure / 0.1, [5, 50, 95])
    assert [r.delta_end_p05, r.delta_end_p50, r.delta_end_p95] == pytest.approx(list(expected), rel=1e-9)
    b = row(res, "buses", "People affected by floods")
    assert b.p_better == 0.0 and b.delta_end_p95 == pytest.approx(0.0, abs=1e-9)
    rk = res.ranking.set_index("scenario")
    assert (rk.score_p05 <= rk.score_p95).all() and rk.loc["drains", "p_score_positive"] == 1.0
    # the results carry the futures: compared again from the file, the intervals are the same
    nc, _ = save_results(res.results, tmp_path / "results.nc")
    again = compare(results=nc)
    pd.testing.assert_frame_equal(again.table.drop(columns=["focus_area", "track"]),
                                  res.table.drop(columns=["focus_area", "track"]), check_dtype=False)


def test_futures_need_an_uncertain_block(tmp_path):
    with pytest.raises(ScenarioError, match="no 'uncertain:' block"):
        compare(write_workshop(tmp_path), futures=10)


def test_outputs_say_which_direction_is_better(result, tmp_path):
    md = to_markdown(result)
    assert "| People affected by floods | person/Year | lower is better |" in md
    assert "| Population | person | higher is better |" in md
    assert RANKING_RULE.split(".")[0] in md and "## Score terms" in md and "## At the shock" in md
    text = format_terminal(result)
    assert "Bundle drains-buses (2 programmes) [drains-buses, bundle] rank 1 overall" in text
    assert "\u221234.7 %" in text     # a real minus sign
    paths = write_comparison(result, tmp_path)
    assert sorted(p.name for p in paths) == ["comparison.csv", "comparison.md", "ranking.csv"]
    back = pd.read_csv(tmp_path / "comparison.csv")
    assert list(back.columns) == COLUMNS and len(back) == len(result.table)


def test_compare_from_saved_results_equals_running(result, tmp_path):
    nc, _ = save_results(result.results, tmp_path / "results.nc")
    again = compare(results=nc)
    pd.testing.assert_frame_equal(again.table.drop(columns=["focus_area", "track"]),
                                  result.table.drop(columns=["focus_area", "track"]), check_dtype=False)
    pd.testing.assert_frame_equal(again.ranking.drop(columns=["focus_area", "track"]),
                                  result.ranking.drop(columns=["focus_area", "track"]), check_dtype=False)


def test_results_without_a_baseline_are_rejected(tmp_path):
    write_workshop(tmp_path)
    from cityfutures import run
    ds = run(tmp_path / "drains.yaml")
    with pytest.raises(InputError, match="no baseline run"):
        compare(results=ds)
    with pytest.raises(InputError, match="nothing to compare"):
        compare()


def test_terminal_table_in_english(result):
    text = format_terminal(result, lang="en")
    assert text == format_terminal(result)                          # English is the default
    assert text.startswith(f"Mini workshop: 4 programmes against the baseline, 2018-2028 (engine {DEFAULT_ENGINE})")
    assert "Ranking by weighted score" in text and "IDR bn per score point" in text
    assert "  indicator  " in text and "better" in text and "baseline 2028" in text and "verdict" in text
    assert "[drains, intervention] rank 3 overall, 1 in Clean water, wastewater and waste; score +0.94" in text
    assert "people per year" in text and "Dmnl" not in text and "person/Year" not in text   # unit words
    assert text.splitlines()[-1].startswith("Score: each indicator's change")


def test_terminal_table_in_indonesian(result):
    text = format_terminal(result, lang="id", model=MINI)
    assert text.startswith("Lokakarya mini: 4 program dibandingkan dengan skenario dasar, 2018-2028")
    for words in ("indikator", "lebih baik", "skenario dasar 2028", "nilai 2028", "perubahan", "penilaian",
                  "lebih rendah", "lebih tinggi", "peringkat 1 dari semua program", "di antara paket program",
                  "[drains-buses, paket]", "Tambah drainase [drains, intervensi]", "Skor: perubahan", "jiwa per tahun"):
        assert words in text, words
    ds = result.results
    flood_id = ds["People affected by floods"].attrs["long_name_id"]
    assert flood_id in text and "People affected by floods" not in text
    assert "\u221234,7 %" in text                                   # decimal comma, a real minus sign
    assert "skor +0,94" in text
    # no English verdicts, directions or rank words left in the Indonesian table
    for english in (" better", " worse", "no change", " lower", " higher", "overall", "among", "rank "):
        assert english not in text, english


def test_numbers_follow_one_rule_per_language():
    from cityfutures.report.tables import number_text as _num
    assert _num(46661.2, "id") == "46.661" and _num(0.5923, "id") == "0,5923"
    assert _num(12.04, "id", pct=True) == "+12,0 %" and _num(float("nan"), "id") == "-"
    assert _num(46661.2, "en") == "46,661" and _num(-12.04, "en", pct=True) == "\u221212.0 %"
