"""Many portfolios' params at once are exactly the bundle rule's, and the constraints' arithmetic."""
from __future__ import annotations

import numpy as np
import pytest

from cityfutures.plan.plan import bundle_run
from cityfutures.plan.portfolio import (
    admissible,
    all_masks,
    at_once,
    catalogue,
    masks_of,
    member_names,
    portfolio_params,
)
from cityfutures.scenario import load_comparison
from cityfutures.scenario.portfolio import PortfolioSpec
from cityfutures.scenario.series import _on_grid
from tests.helpers import DATA, SCENARIOS


@pytest.fixture(scope="module")
def workshop():
    return catalogue(load_comparison(SCENARIOS / "workshop-2018.yaml"))


def test_batched_params_are_the_bundle_rule_on_the_workshop(workshop):
    cat = workshop
    masks = all_masks(cat.k)[np.random.default_rng(5).integers(1, 2 ** cat.k, 40)]
    params, ok, _ = portfolio_params(cat, masks)
    assert ok.all()
    for r, mask in enumerate(masks):
        run = bundle_run(cat.plan, member_names(cat, mask), "check")
        for name, value in run.params.items():
            got = params[name]
            if hasattr(value, "dims"):
                np.testing.assert_allclose(got.isel(run=r).values, _on_grid(value, got["time"].values, None),
                                           rtol=1e-12, err_msg=name)
            else:
                row = got.isel(run=r).values if hasattr(got, "dims") else got[r]
                np.testing.assert_allclose(row, float(value), rtol=1e-12, err_msg=name)


def test_shared_cost_items_and_levers(workshop):
    cat = workshop
    both = cat.touch["Bulk water supply additions"]
    assert [cat.names[i] for i in both] == ["groundwater-free-zones", "piped-water-expansion"]
    assert cat.holders.sum(axis=1).max() == 1                     # no two programmes share a costed intervention
    assert cat.holders.shape == (len(cat.costs), cat.k)


def test_constraints_on_masks():
    cat = catalogue(load_comparison(DATA / "portfolio" / "choices.yaml"))
    masks = all_masks(cat.k)
    item = np.array([c.capex_idr_bn for c in cat.costs])
    ok, cost = admissible(cat, masks, None, item, 300)
    assert (cost[ok] <= 300).all() and (cost[~ok] > 300).all()
    spec = PortfolioSpec(must_include=("prog-c",), exclusive=(("prog-a", "prog-b"),), max_at_once=3)
    ok, _ = admissible(cat, masks, spec, item, None)
    held = masks[ok]
    assert held[:, cat.names.index("prog-c")].all()
    assert not (held[:, 0] & held[:, 1]).any()
    assert (at_once(cat, held) <= 3).all() and (at_once(cat, masks) == 4).any()   # a, b, c, e start in 2019
    np.testing.assert_array_equal(masks_of(cat, [["prog-a", "prog-f"]])[0], [1, 0, 0, 0, 1])


def test_too_many_programmes_to_enumerate():
    from cityfutures.errors import ScenarioError
    with pytest.raises(ScenarioError, match="too many"):
        all_masks(23)
