"""``cityfutures loops SCENARIO.yaml``: which feedback loops drive each indicator, period by period."""
from __future__ import annotations

import argparse

from ..output_folder import output_folder
from .options import DEFAULT_OUT, LANGS, add_charts_switch, command_line, positive_int, print_written

EXAMPLES = """examples:
  cityfutures loops scenarios/baseline.yaml                           # every indicator of the model
  cityfutures loops scenarios/baseline.yaml --lang id --out out/loops
  cityfutures loops SIR.mdl --indicator Infectious --periods 10      # a model as it stands

Prints the dominant loops of each indicator in each period (Loops That Matter: mean
relative loop score; the dominant loops together explain more than half of the change)
and writes OUT/loops.csv (the 25 largest loop shares per indicator and period), one chart per
indicator, OUT/loops-<indicator>-<lang>.png and .svg, and for several indicators the overview
OUT/loops-overview-<lang>.png and .svg.
"""


def register(subparsers) -> None:
    """Add the ``loops`` subcommand."""
    p = subparsers.add_parser(
        "loops", help="which feedback loops drive each indicator (Loops That Matter)",
        description="Run a scenario (or a model as it stands) and rank its feedback loops by how much of each "
                    "indicator's change they explain, period by period (Schoenberg, Davidsen & Eberlein 2020).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", help="a scenario file (.yaml) or a Vensim model (.mdl)")
    p.add_argument("--indicator", action="append", metavar="NAME",
                   help="a variable to explain (repeatable; default: the model's indicators, else its stocks)")
    p.add_argument("--periods", type=positive_int, default=10, metavar="N",
                   help="periods the horizon is cut into (default 10)")
    p.add_argument("--top", type=positive_int, default=3, metavar="K", help="loops listed per period (default 3)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the table and charts: en or id")
    add_charts_switch(p, True, "draw the charts (default); --no-charts writes loops.csv only")
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                   help=f"folder for loops.csv and the charts (default: ./{DEFAULT_OUT})")
    p.set_defaults(func=handler)


def handler(args) -> int:
    """Compute loop dominance, print the table, write the CSV and the charts."""
    from ..analysis.loops import loop_dominance
    from ..report.tables import loops_text
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        result = loop_dominance(args.scenario, args.indicator, periods=args.periods)
        result.table.to_csv(folder.stage / "loops.csv", index=False)
        if args.charts:
            from ..report.charts.loops import save_loop_dominance
            save_loop_dominance(result, folder.stage, args.lang)
    print(loops_text(result, args.lang, args.top))
    print_written(folder.files, False)
    return 0
