"""``cityfutures demo``: the bundled Jakarta workshop comparison, with charts and brief."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import CityfuturesError
from .compare import add_appraisal_options, execute
from .options import add_common, add_report_options, load_comparison_arg

WORKSHOP = "workshop-2018.yaml"
STRESS_TEST = "workshop-2018-flood.yaml"   # the flood programmes under a 2007-like flood, into OUT/flood-2007
EXAMPLES = """examples:
  cityfutures demo
  cityfutures demo --lang id --out demo-id/
  cityfutures demo --futures 0 --no-pathways          # the quick look: no intervals, no pathways

Runs scenarios/workshop-2018.yaml (the 2018 Jakarta resilience workshop programmes against
the baseline, each also in 100 sampled futures for its intervals, with the pathways behind each
effect) and writes the comparison table, results, charts and brief into OUT; then runs
scenarios/workshop-2018-flood.yaml (the flood programmes when a 2007-like flood strikes in
2021: the shock's toll, peak losses, recovery times, resilience-triangle charts) into OUT/flood-2007.
"""
DEMO_FUTURES = 100


def workshop_path(name: str = WORKSHOP) -> Path:
    """A bundled comparison of a source checkout (default: the workshop)."""
    from ..model import bundled_scenarios_dir
    bundled = bundled_scenarios_dir()
    candidates = [Path.cwd() / "scenarios" / name]
    if bundled is not None:
        candidates.insert(0, bundled / name)
    for c in candidates:
        if c.is_file():
            return c
    raise CityfuturesError(f"the bundled comparison scenarios/{name} is not installed "
                           "(run from a source checkout: pip install -e .)")


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="run the bundled Jakarta workshop comparison (with charts)",
                              description="Compare the programmes of the 2018 Jakarta resilience workshop with "
                              "the baseline, with charts and the PDF brief.", epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(p)
    add_report_options(p, charts=True)
    add_appraisal_options(p, futures=DEMO_FUTURES)
    p.set_defaults(func=main)


def main(args) -> int:
    workshop = load_comparison_arg(str(workshop_path()))          # both read and checked before writing
    stress = load_comparison_arg(str(workshop_path(STRESS_TEST)))
    code = execute(workshop, args)
    if code:
        return code
    return execute(stress, argparse.Namespace(**{**vars(args), "out": str(Path(args.out) / "flood-2007")}))
