"""The loop-dominance chart (cityfutures.report.charts.loops) in English and Bahasa Indonesia."""
from __future__ import annotations

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pytest

from cityfutures.analysis.loops import loop_dominance
from cityfutures.report.charts.loops import draw_loop_dominance, save_loop_dominance
from tests.helpers import SIR


@pytest.fixture(scope="module")
def sir():
    return loop_dominance(SIR, ["Infectious"], periods=10)


def _texts(fig):
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


@pytest.mark.parametrize("lang, title, legend", [
    ("en", "Which feedback loops drive Infectious", "Loops (R reinforcing, B balancing)"),
    ("id", "Loop umpan balik yang menggerakkan Infectious", "Loop (R penguat, B penyeimbang)"),
])
def test_chart_speaks_the_language(sir, lang, title, legend):
    fig = draw_loop_dominance(sir, "Infectious", lang)
    texts = _texts(fig)
    assert title in texts and legend in texts
    assert any(t.startswith("R2: Infectious → Succumbing → Infectious") for t in texts)
    assert any(t.startswith("B1: Infectious → Recovering → Infectious") for t in texts)
    assert any("SIR.mdl" in t and "sha256" in t for t in texts)
    plt.close(fig)


def test_chart_files(sir, tmp_path):
    paths = save_loop_dominance(sir, tmp_path, "en")
    assert [p.name for p in paths] == ["loops-infectious-en.png", "loops-infectious-en.svg"]
    img = mpimg.imread(paths[0])
    assert img.shape[:2] == (1080, 1920)
    assert "Which feedback loops drive Infectious" in paths[1].read_text(encoding="utf-8")
