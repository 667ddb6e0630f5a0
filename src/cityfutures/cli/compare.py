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
    count_int,
    load_comparison_arg,
    print_written,
    report_failed_runs,
    seed_int,
)

EXAMPLES = """examples:
  cityfutures compare scenarios/workshop-2018.yaml
  cityfutures compare scenarios/workshop-2018.yaml --futures 200 --why
  cityfutures compare scenarios/workshop-2018.yaml --charts --lang id --out out/
  cityfutures compare scenarios/workshop-2018.yaml --engine pysd --no-pathways --quiet

Writes into OUT: comparison.csv (one row per programme and indicator), ranking.csv (one row per
programme: weighted score, its interval, rank stability, costs), comparison.md (the ranking, the
score's rule and weights, cost-effectiveness, which direction is better per indicator, and why each
effect happens), pathways.csv, results.nc and results.csv (the runs); with --charts also the
charts and brief.pdf. The table is printed as soon as it is ready, before the charts are drawn.
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("compare", help="compare programmes against the baseline",
                              description="Run a comparison file (baseline, interventions, bundles) and compare "
                              "every programme with the baseline on every indicator: the weighted score and each of "
                              "its terms, intervals over sampled futures, rank stability, costs and "
                              "cost-effectiveness, shock losses and recovery, and the pathways behind each effect.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("comparison", metavar="COMPARISON", help="a comparison YAML file (with 'baseline:')")
    add_common(p)
    add_report_options(p)
    add_appraisal_options(p, futures=0)
    p.set_defaults(func=main)


def add_appraisal_options(p: argparse.ArgumentParser, futures: int) -> None:
    """``--futures``, ``--seed``, ``--why``, ``--pathways/--no-pathways`` (compare and demo)."""
    p.add_argument("--futures", type=count_int, default=futures, metavar="N",
                   help="also run every programme in N futures sampled from the baseline's uncertain: block, "
                        f"paired across all runs: p5-p95 intervals and P(better) (default {futures or '0: none'})")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="seed of the sampled futures (default: the baseline's seed, else 0)")
    p.add_argument("--why", action="store_true", help="print why each notable effect happens (its pathways)")
    p.add_argument("--pathways", action=argparse.BooleanOptionalAction, default=True,
                   help="find the pathways behind each notable effect, about a second per programme (default); "
                        "--no-pathways leaves them out of comparison.md and the brief")


def execute(comparison, args) -> int:
    """Run, compare, print, write: shared by ``compare`` and ``demo``."""
    from ..api import compare
    from ..report.tables import format_terminal
    from ..report.write import write_report
    why = bool(args.pathways or args.why)
    notes: list[str] = []
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        with report_failed_runs():
            result = compare(comparison, engine=args.engine, progress=not args.quiet, futures=args.futures,
                             seed=args.seed, why=why)
        if not args.quiet:          # the table as soon as it is ready; the files (charts, brief) follow
            print(format_terminal(result, lang=args.lang, model=comparison.model, why=args.why), flush=True)
            print(flush=True)
        write_report(result, folder.stage, lang=args.lang, charts=args.charts, formats=args.formats,
                     model=comparison.model, notes=notes, progress=not args.quiet)
    files = folder.files
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print_written(files, args.quiet)
    return 0


def main(args) -> int:
    check_out(args.out)
    return execute(load_comparison_arg(args.comparison, "compare"), args)
