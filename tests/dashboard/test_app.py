"""Pure helpers of the page (no browser): number formats, slider decimals, element ids."""
from __future__ import annotations

import pytest

from cityfutures.dashboard.app import TICK_SEPARATORS, slug, step_digits
from cityfutures.report.numbers import change_pct as fmt_pct, number


def fmt_number(x, lang):
    return number(x, lang)   # the page's values: three significant digits


@pytest.mark.parametrize("step, digits", [(0.01, 2), (0.05, 2), (0.25, 2), (0.5, 1), (1.0, 0), (5.0, 0),
                                          (100.0, 0), (0.001, 3), (0.0002, 4), (0.0, 0)])
def test_slider_decimals_follow_the_step(step, digits):
    assert step_digits(step) == digits


@pytest.mark.parametrize("x, en, id_", [(46675.2, "46,675", "46.675"), (0.7161, "0.716", "0,716"),
                                        (1.114, "1.11", "1,11"), (8560.4, "8,560", "8.560"),
                                        (float("nan"), "–", "–")])
def test_numbers_in_each_language(x, en, id_):
    assert fmt_number(x, "en") == en
    assert fmt_number(x, "id") == id_


def test_percentages_and_separators():
    assert fmt_pct(2.58, "en") == "+2.6 %" and fmt_pct(2.58, "id") == "+2,6 %"
    assert TICK_SEPARATORS["id"] == {"thousands": ".", "decimal": ","}
    assert slug("People affected by floods") == "people-affected-by-floods"


def test_a_small_change_does_not_fill_the_chart():
    """A 0.3 % change reads as small: the y range spans at least MIN_SPAN of the values."""
    from cityfutures.dashboard.app import MIN_SPAN, y_bounds
    base = [0.600, 0.601, 0.602]
    now = [0.600, 0.603, 0.604]
    lo, hi = y_bounds(now, base)
    assert hi - lo >= MIN_SPAN * 0.604 - 1e-12 and lo <= 0.600 and hi >= 0.604
    lo, hi = y_bounds([0.0, 1.0], [0.0, 5.0])            # a wide spread keeps its own range
    assert (lo, hi) == pytest.approx((-0.25, 5.25))
    lo, hi = y_bounds([10.0, 10.0], [10.0, 10.0])        # a flat line stays above 0 when it is positive
    assert lo >= 0 and hi > 10
