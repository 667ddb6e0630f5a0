"""``cityfutures compare COMPARISON``: every programme against the baseline, as a table and files."""
from __future__ import annotations

import argparse
import sys

from ..output_folder import output_folder
from .options import (
    add_common,
    add_report_options,
    check_out,
    command_line,
    load_comparison_arg,
    print_written,
    report_failed_runs,
)

EXAMPLES = """examples:
  cityfutures compare scenarios/workshop-2018.yaml
  cityfutures compare scenarios/workshop-2018.yaml --charts --lang id --out out/
  cityfutures compare scenarios/workshop-2018.yaml --engine pysd --quiet

Writes into OUT: comparison.csv (one row per programme and indicator), comparison.md
(the ranking, its rule and which direction is better per indicator), results.nc and
results.csv (the runs); with --charts also the charts and brief.pdf.
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="compare programmes against the baseline",
                              description="Run a comparison file (baseline, interventions, bundles) and compare "
                              "every programme with the baseline: end values, changes, cumulative change, time to "
                              "effect, shock losses and recovery, cost-effectiveness and a ranking.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("comparison", metavar="COMPARISON", help="a comparison YAML file (with 'baseline:')")
    add_common(p)
    add_report_options(p)
    p.set_defaults(func=main)


def execute(comparison, args) -> int:
    """Run, compare, write, print: shared by ``compare`` and ``demo``."""
    from ..api import compare
    from ..report.tables import format_terminal
    from ..report.write import write_report
    notes: list[str] = []
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        with report_failed_runs():
            result = compare(comparison, engine=args.engine, progress=not args.quiet)
        write_report(result, folder.stage, lang=args.lang, charts=args.charts, model=comparison.model, notes=notes)
    files = folder.files
    if not args.quiet:
        print(format_terminal(result, lang=args.lang, model=comparison.model))
        print()
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print_written(files, args.quiet)
    return 0


def main(args) -> int:
    check_out(args.out)
    return execute(load_comparison_arg(args.comparison, "compare"), args)
