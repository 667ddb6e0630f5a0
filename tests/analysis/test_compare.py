"""Comparison table, ranking rule, outputs; and that saved results compare the same."""
import os

import numpy as np
import pandas as pd
import pytest

from cityfutures.analysis.compare import COLUMNS, RANKING_RULE, rank  # noqa: E402
from cityfutures.api import compare  # noqa: E402
from cityfutures.errors import InputError  # noqa: E402
from cityfutures.report.tables import format_terminal, to_markdown  # noqa: E402
from cityfutures.report.write import write_comparison  # noqa: E402
from cityfutures.results.dataset import save_results  # noqa: E402
from tests.helpers import MINI, write_workshop  # noqa: E402


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
    assert list(t.columns) == COLUMNS
    assert len(t) == 5 * 3            # scenarios x indicators, baseline included
    base = row(result, "baseline", "Congestion level")
    assert base.delta_end == 0 and np.isnan(base.score) and pd.isna(base.rank_overall)


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
    assert np.isnan(b.cost_per_improvement)


def test_costs_and_cost_effectiveness(result):
    r = row(result, "drains", "People affected by floods")
    assert (r.capex_idr_bn, r.opex_idr_bn_per_year, r.total_cost_idr_bn) == (200.0, 5.0, 245.0)
    assert r.cost_per_improvement == pytest.approx(245.0 / r.improvement_end_pct, rel=1e-12)
    g = row(result, "growth", "Population")
    assert g.total_cost_idr_bn == 0 and g.cost_per_improvement == 0.0


def test_shock_metrics(result):
    r = row(result, "baseline", "People affected by floods")
    # the flood pulse (2023, 0.25 year) multiplies the affected by about 1 + 2 x 10
    assert r.peak_loss > 10 * 80
    assert 0.2 < r.recovery_time <= 0.25 + 1e-9
    d = row(result, "drains", "People affected by floods")
    assert d.peak_loss < r.peak_loss                 # more drains: a smaller flood peak


def test_no_shock_means_no_shock_metrics(tmp_path):
    res = compare(write_workshop(tmp_path))
    assert res.table.peak_loss.isna().all() and res.table.recovery_time.isna().all()


def test_ranking_rule(result):
    rk = result.ranking
    assert list(rk.columns[:3]) == ["scenario", "title_en", "title_id"]
    by = rk.set_index("scenario")
    # the bundle improves both floods and congestion fully: score 2; each single programme one
    assert by.loc["drains-buses", "score"] == pytest.approx(2.0, abs=1e-9)
    assert by.loc["drains", "score"] == pytest.approx(1.0, abs=1e-9)
    assert by.loc["buses", "score"] == pytest.approx(1.0, abs=1e-9)
    assert by.loc["drains-buses", "rank_overall"] == 1
    assert by.loc["drains", "rank_overall"] == by.loc["buses", "rank_overall"] == 2     # ties share
    assert by.loc["growth", "rank_overall"] == 4
    assert by.loc["growth", "rank_in_focus_area"] == 1
    assert "sum of these normalised improvements" in RANKING_RULE


def test_rank_on_a_synthetic_table():
    t = pd.DataFrame({
        "scenario": ["b", "x", "y", "b", "x", "y"], "kind": ["baseline", "intervention", "intervention"] * 2,
        "focus_area": [None, "f", "f"] * 2, "indicator": ["i"] * 3 + ["j"] * 3,
        "improvement_end_pct": [0.0, 10.0, 5.0, 0.0, -2.0, 4.0], "failed": [False] * 6,
        "title_en": ["B", "X", "Y"] * 2, "title_id": ["B", "X", "Y"] * 2, "track": [None] * 6,
        "total_cost_idr_bn": [0.0, 1.0, 2.0] * 2,
        **{c: 0.0 for c in COLUMNS if c not in ("scenario", "kind", "focus_area", "indicator", "improvement_end_pct",
                                                 "failed", "title_en", "title_id", "track", "total_cost_idr_bn",
                                                 "score", "rank_in_focus_area", "rank_overall")}})
    table, ranking = rank(t)
    s = ranking.set_index("scenario")["score"]
    assert s["x"] == pytest.approx(1.0 - 0.5) and s["y"] == pytest.approx(0.5 + 1.0)
    assert ranking.scenario.tolist() == ["y", "x"]


def test_outputs_say_which_direction_is_better(result, tmp_path):
    md = to_markdown(result)
    assert "| People affected by floods | person/Year | lower is better |" in md
    assert "| Population | person | higher is better |" in md
    assert RANKING_RULE in md
    text = format_terminal(result)
    assert "Bundle drains-buses (2 programmes) [drains-buses, bundle] rank 1 overall" in text
    assert "People affected by floods  lower" in text and "\u221234.7 %" in text     # a real minus sign
    csv, mdp = write_comparison(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["comparison.csv", "comparison.md"]
    back = pd.read_csv(csv)
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
    assert text.startswith("Mini workshop: 4 programmes against the baseline, 2018-2028 (engine batch)")
    assert "  indicator  " in text and "better" in text and "baseline 2028" in text and "verdict" in text
    assert "[drains, intervention] rank 2 overall, 1 in water-waste; score +1.00 of 3" in text
    assert "People affected by floods  lower" in text and "\u221234.7 %" in text
    assert text.splitlines()[-1].startswith("Score: sum over indicators")


def test_terminal_table_in_indonesian(result):
    text = format_terminal(result, lang="id", model=MINI)
    assert text.startswith("Lokakarya mini: 4 program dibandingkan dengan garis dasar, 2018-2028")
    for words in ("indikator", "lebih baik", "garis dasar 2028", "nilai 2028", "perubahan", "penilaian",
                  "lebih rendah", "lebih tinggi", "peringkat 1 dari semua program", "di antara paket program",
                  "[drains-buses, paket]", "Tambah drainase [drains, intervensi]", "Skor: jumlah"):
        assert words in text, words
    ds = result.results
    flood_id = ds["People affected by floods"].attrs["long_name_id"]
    assert flood_id in text and "People affected by floods" not in text
    assert "\u221234,7 %" in text                                   # decimal comma, a real minus sign
    assert "+1,00 dari 3" in text
    # no English verdicts, directions or rank words left in the Indonesian table
    for english in (" better", " worse", "no change", " lower", " higher", "overall", "among", "rank "):
        assert english not in text, english


def test_terminal_table_in_indonesian_labels_focus_areas(result):
    """Focus areas by their Indonesian label: from the Dataset's attribute, else the model sidecar."""
    import json

    from cityfutures import load_model
    label = load_model(MINI).focus_areas["water-waste"]("id")
    assert f"di area fokus {label}" in format_terminal(result, lang="id", model=MINI)
    ds = result.results.copy()
    ds.attrs["focus_areas"] = json.dumps({fa: {"en": fa, "id": f"Area {fa}", "color": ""} for fa in
                                          ("water-waste", "connectivity-mobility", "governance")})
    again = compare(results=ds)
    assert "di area fokus Area water-waste" in format_terminal(again, lang="id")   # no model needed


def test_numbers_follow_one_rule_per_language():
    from cityfutures.report.tables import number_text as _num
    assert _num(46661.2, "id") == "46.661" and _num(0.5923, "id") == "0,5923"
    assert _num(12.04, "id", pct=True) == "+12,0 %" and _num(float("nan"), "id") == "-"
    assert _num(46661.2, "en") == "46,661" and _num(-12.04, "en", pct=True) == "\u221212.0 %"
