"""``cityfutures ensemble COMPARISON``: every programme over many sampled futures."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError, ScenarioError
from ..names import did_you_mean
from ..output_folder import output_folder
from .options import (
    add_uncertainty_options,
    check_out,
    command_line,
    load_comparison_arg,
    print_written,
)

EXAMPLES = """examples:
  cityfutures ensemble scenarios/workshop-2018.yaml --samples 1000 --seed 42
  cityfutures ensemble scenarios/workshop-2018.yaml --samples 20000 --seed 7 --executor process \\
      --target "INDICATOR<=VALUE" --lang id --out out/ensemble
  cityfutures ensemble scenarios/workshop-2018.yaml --samples 100000 --seed 7 --scheduler tcp://10.0.0.5:8786
  cityfutures ensemble scenarios/workshop-2018.yaml --uncertain scenarios/uncertain.yaml --discover

The futures come from the baseline's 'uncertain:' block (or --uncertain FILE, a YAML file with
an 'uncertain:' block). The baseline and every programme run on the same futures, so each
difference is paired; the same --seed gives the same numbers on every executor.

Every number is an annual mean: per year, the mean over the saved times within the year (for a
flow such as people affected by floods [person/Year], the year's total; for a stock, its annual
average), so a short flood pulse counts in full in the year it strikes. A 2018-2028 horizon
reports the years 2018 to 2027; the tables use the last one (column 'year').

Writes into OUT: summary.csv (quantiles 5/25/50/75/95 in the last year, values and changes),
probability.csv (share of futures in which each programme beats the baseline), regret.csv and
ranking.csv (minimax regret), targets.csv (share of futures meeting each --target), samples.csv
(the futures), failures.csv (failed runs with their sample), ensemble.nc (quantiles per year),
discovery.csv with --discover (PRIM boxes), and the charts (fan charts, P(better), rankings).
Tables key scenarios by 'scenario' (the file name) and carry their titles (title_en, title_id).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("ensemble", help="run every programme over many sampled futures",
                              description="Sample uncertain futures, run the baseline and every programme on "
                              "each of them, and report fan charts, the probability of beating the baseline and "
                              "a robust ranking (minimax regret, share of futures meeting a target).",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_uncertainty_options(p, 1000)
    p.add_argument("--sampler", choices=("lhs", "sobol", "random"), default=None,
                   help="design of the futures (default: the block's sampler, lhs)")
    p.add_argument("--target", action="append", default=[], metavar="'Indicator<=value'",
                   help="a target on the last year's annual mean; repeat for more")
    p.add_argument("--discover", action="store_true",
                   help="scenario discovery: PRIM boxes of the conditions in which each programme fails")
    p.set_defaults(func=main)


def load_inputs(args):
    """(comparison, spec, seed, scenarios) from the arguments; every input check, nothing written."""
    from ..plan import uncertain_of
    from ..scenario.uncertain import load_uncertain_file
    check_out(args.out)
    if args.scheduler and args.executor == "process":
        raise InputError("--scheduler needs the dask executor", field="--scheduler", path="<command line>",
                         allowed="--executor dask, or no --executor")
    comparison = load_comparison_arg(args.comparison, "ensemble")
    spec = load_uncertain_file(args.uncertain, comparison.model) if args.uncertain else uncertain_of(comparison)
    if spec is None or not spec:
        raise ScenarioError("the baseline has no 'uncertain:' block, so there are no futures to sample",
                            path=str(comparison.baseline.path or args.comparison), field="uncertain",
                            allowed="an uncertain: block in the baseline, or --uncertain FILE")
    seed = args.seed if args.seed is not None else (comparison.baseline.seed or 0)
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()] if args.scenarios else None
    if scenarios is not None:
        names = [comparison.baseline.name] + [s.name for s in comparison.interventions] + list(comparison.bundles)
        for s in scenarios:
            if s not in names:
                raise InputError(f"unknown scenario '{s}'. " + did_you_mean(s, names), field="--scenarios",
                                 path="<command line>", allowed=", ".join(names[1:]))
    return comparison, spec, seed, scenarios


def main(args) -> int:
    from ..analysis.discovery import discover_all
    from ..analysis.robust import parse_target
    from ..api import ensemble
    from ..engine.executors import make_executor
    from ..report.charts.ensemble import t
    from ..report.tables import terminal_table
    from ..report.write import write_ensemble_report
    out = Path(args.out)
    with output_folder(out, command=command_line(args)) as folder:      # checked and locked first
        comparison, spec, seed, scenarios = load_inputs(args)
        targets = [parse_target(x, comparison.indicators) for x in args.target]
        with make_executor(args.executor, scheduler=args.scheduler, n_workers=args.workers) as ex:
            result = ensemble(comparison, spec, samples=args.samples, seed=seed, sampler=args.sampler,
                              targets=targets, executor=ex, chunk_size=args.chunk_size, progress=not args.quiet)
        discovery = discover_all(result, targets) if args.discover else None
        write_ensemble_report(result, folder.stage, lang=args.lang, charts=args.charts, scenarios=scenarios,
                              discovery=discovery, formats=args.formats)
    files = folder.files
    lang = args.lang
    if not args.quiet:
        print(terminal_table(result.tables["ranking"], t("table_ranking", lang), lang=lang))
        print()
        print(terminal_table(result.tables["probability"], t("table_probability", lang), lang=lang))
        if len(result.tables["targets"]):
            print()
            print(terminal_table(result.tables["targets"], t("table_targets", lang), lang=lang))
        print()
    if result.failures:
        print(f"warning: {len(result.failures)} run(s) failed; their futures are left out of every table "
              f"(see {out / 'failures.csv'})", file=sys.stderr)
    print_written(files, args.quiet)
    return 0
