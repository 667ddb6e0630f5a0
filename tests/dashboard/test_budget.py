"""The budget slider: the best portfolio at a budget, from the budget curve computed once."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from tests.helpers import DATA


@pytest.fixture(scope="module")
def choices(tmp_path_factory):
    from cityfutures.dashboard import Dashboard
    folder = tmp_path_factory.mktemp("budget") / "portfolio"
    shutil.copytree(DATA / "portfolio", folder)
    return Dashboard(folder, comparison="choices.yaml")


def test_the_budget_switches_on_the_best_portfolio_within_it(choices):
    lo, hi = choices.budget_range()
    assert lo == pytest.approx(80) and hi == pytest.approx(100 + 295 + 80 + 120 + 200)   # prog-b: 250 + 9 x 5
    curve = choices.budget_curve()
    assert curve is choices.budget_curve()                      # computed once
    state = choices.budget_state(choices.initial_state(), 200)
    assert state.programmes == ("prog-a", "prog-c") and state.bundles == ()
    view = choices.update(state)
    base = choices.update(choices.initial_state())
    assert view.score > base.score
    assert choices.budget_state(choices.initial_state(), 10).programmes == ()   # nothing fits
    full = choices.budget_state(choices.initial_state(), hi)
    assert set(full.programmes) == {"prog-a", "prog-b", "prog-c", "prog-e", "prog-f"}


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")   # Panel 1.9 on the page's button_type
def test_the_page_has_a_budget_slider_that_sets_the_switches(choices):
    pytest.importorskip("panel")
    from cityfutures.dashboard.app import DashboardPage
    page = DashboardPage(choices, "id")
    assert page.budget_slider.end == pytest.approx(choices.budget_range()[1])
    assert page.budget_slider.name == "Anggaran [Rp miliar]"
    page._on_budget(SimpleNamespace(new=400.0, old=0.0))
    chosen = choices.budget_state(choices.initial_state(), 400).programmes     # the curve's step at or below 400
    assert chosen and page.state.programmes == chosen
    for name in ("prog-a", "prog-b", "prog-c", "prog-e", "prog-f"):
        assert page.switches[("programme", name)].value == (name in chosen)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")   # Panel 1.9 on the page's button_type
def test_the_budget_curve_starts_when_the_budget_card_is_opened_not_with_the_page(choices, monkeypatch):
    """A page alone computes no portfolios (every session would otherwise run the search); opening the
    budget card starts it in the background, once."""
    pytest.importorskip("panel")
    import threading

    from cityfutures.dashboard.app import DashboardPage
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self))
    page = DashboardPage(choices, "en")
    assert started == []
    page.budget_card.collapsed = False
    page.budget_card.collapsed = True
    page.budget_card.collapsed = False
    assert len(started) == 1
