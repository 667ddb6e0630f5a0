"""Ensemble charts: every chart in both languages, every UI string translated."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from cityfutures.api import run_ensemble
from cityfutures.plan import plan_ensemble
from cityfutures.report import i18n
from cityfutures.report.charts import ensemble as ec


def test_every_string_has_both_languages():
    for key, entry in i18n.strings("ensemble").items():
        assert set(entry) == {"en", "id"}, key
        assert entry["en"] and entry["id"], key
    with pytest.raises(KeyError):
        ec.t("no-such-key", "en")


@pytest.mark.parametrize("lang", ["en", "id"])
def test_ensemble_charts_in_both_languages(tmp_path, linear_model, linear_spec, linear_runs, lang):
    plan = plan_ensemble(runs=linear_runs, model=linear_model, spec=linear_spec, samples=50, seed=1)
    res = run_ensemble(plan, targets=["Result>=8"])
    paths = ec.draw_ensemble(res, tmp_path, lang=lang, model=linear_model)
    names = sorted(p.name for p in paths)
    assert names == sorted([f"fan_value_result_{lang}.png", f"fan_difference_result_{lang}.png",
                            f"p_better_{lang}.png", f"ranking_result_{lang}.png"])
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_fan_pages_drawn_on_a_reused_figure_match_a_fresh_one(tmp_path, linear_model, linear_spec, linear_runs):
    """Fan-chart pages reuse one figure per grid of panels: a page drawn after another indicator's (with limits
    a hundred times wider) has the pixels of the same page drawn on a new figure."""
    import numpy as np
    import xarray as xr
    from PIL import Image
    plan = plan_ensemble(runs=linear_runs, model=linear_model, spec=linear_spec, samples=30, seed=2)
    ds = run_ensemble(plan).dataset
    wide = ds.sel(indicator=["Result"]).assign_coords(indicator=["Wide"])
    wide["quantiles"] = wide["quantiles"] * 100 + 50
    both = SimpleNamespace(dataset=xr.concat([wide, ds], dim="indicator", data_vars="minimal"))
    after = ec.fan_charts(both, tmp_path / "after", model=linear_model, indicators=["Wide", "Result"])
    fresh = ec.fan_charts(SimpleNamespace(dataset=ds), tmp_path / "fresh", model=linear_model, indicators=["Result"])
    pairs = [(p, tmp_path / "after" / p.name) for p in fresh]
    assert len(pairs) == 2 and all(q in after for _p, q in pairs)
    for p, q in pairs:
        assert np.array_equal(np.asarray(Image.open(p)), np.asarray(Image.open(q))), p.name
