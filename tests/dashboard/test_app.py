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
