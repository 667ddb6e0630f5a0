"""Draw the loop-dominance overview of the Jakarta baseline for the model card.

    python models/draw_loop_dominance.py        # writes models/figures/loops-baseline-{en,id}.png

Loops That Matter on the workshop baseline (scenarios/baseline.yaml): which feedback loop leads
each indicator in each year. The same analysis, with one chart per indicator, is
``cityfutures loops scenarios/baseline.yaml``.
"""
from __future__ import annotations

from pathlib import Path

from cityfutures.analysis.loops import loop_dominance
from cityfutures.report.charts import _common as c
from cityfutures.report.charts.loops import draw_overview

HERE = Path(__file__).resolve().parent


def main() -> list[Path]:
    result = loop_dominance(HERE.parent / "scenarios" / "baseline.yaml", periods=10)
    paths = []
    for lang in ("en", "id"):
        paths += c.save(draw_overview(result, lang), HERE / "figures", f"loops-baseline-{lang}", ("png",))
    return paths


if __name__ == "__main__":
    for p in main():
        print(f"wrote {p}")
