"""``cityfutures compare COMPARISON``: every programme against the baseline, as a table and files."""
from __future__ import annotations

import argparse
import sys

from ..errors import InputError
from .run import add_common, check_out, print_written, report_failed_runs, staging

EXAMPLES = """examples:
  cityfutures compare scenarios/workshop-2018.yaml
  cityfutures compare scenarios/workshop-2018.yaml --charts --lang id --out out/
  cityfutures compare scenarios/workshop-2018.yaml --engine pysd --quiet

Writes into OUT: comparison.csv (one row per programme and indicator), comparison.md
(the ranking, its rule and which direction is better per indicator), results.nc and
results.csv (the runs); with --charts also the charts and brief.pdf.
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def add_report_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--charts", action="store_true", help="also draw the charts and the PDF brief")
    p.add_argument("--lang", choices=("en", "id"), default="en",
                   help="language of the terminal table, charts and brief: en (English) or id (Bahasa "
                   "Indonesia); default en")


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


def load_comparison_arg(path: str):
    """The comparison in ``path``; a scenario file is refused with a hint."""
    from ..engine.runner import load_any
    from ..scenario.load import Comparison
    obj = load_any(path)
    if not isinstance(obj, Comparison):
        raise InputError("is a scenario file; compare needs a comparison file (one with 'baseline:' and "
                         "'interventions:')", path=str(path), allowed=f"cityfutures run {path}")
    return obj


def write_report(result, tmp, lang: str, charts: bool, model=None) -> list[str]:
    """Results, comparison files and (with ``charts``) charts and brief, into the staging folder."""
    from ..results.dataset import save_results
    save_results(result.results, tmp / "results.nc")
    result.write(tmp)
    notes = []
    if charts:
        try:
            from ..report.charts import draw_all
        except ImportError as exc:
            notes.append(f"charts skipped: {exc}")
        else:
            draw_all(result.results, result.table, tmp, lang=lang, model=model)
        try:
            from ..report.brief import write_brief
        except ImportError as exc:
            notes.append(f"brief skipped: {exc}")
        else:
            write_brief(result.results, result.table, tmp / "brief.pdf", lang=lang, model=model)
    return notes


def execute(comparison, args) -> int:
    """Plan, run, compare, write, print: shared by ``compare`` and ``demo``."""
    from ..analysis.compare import compare, format_terminal
    from ..plan.plan import build_plan
    from ..engine.runner import run_plan
    out = check_out(args.out)
    plan = build_plan(comparison)                       # every input check happens here, before writing
    with report_failed_runs():
        ds = run_plan(plan, engine=args.engine, progress=not args.quiet)
    result = compare(results=ds)
    with staging(out) as tmp:
        notes = write_report(result, tmp, args.lang, args.charts, model=plan.model)
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    if not args.quiet:
        print(format_terminal(result, lang=args.lang, model=plan.model))
        print()
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print_written([out / p for p in written], args.quiet)
    return 0


def main(args) -> int:
    check_out(args.out)
    return execute(load_comparison_arg(args.comparison), args)
