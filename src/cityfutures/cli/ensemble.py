"""``cityfutures ensemble COMPARISON``: every programme over many sampled futures."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError, ScenarioError

EXAMPLES = """examples:
  cityfutures ensemble scenarios/workshop-2018.yaml --samples 1000 --seed 42
  cityfutures ensemble scenarios/workshop-2018.yaml --samples 20000 --seed 7 --executor process \\
      --target "People affected by floods<=200000" --lang id --out out/ensemble
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


def positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {v}")
    return v


def seed_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {v}")
    return v


def add_uncertainty_options(p: argparse.ArgumentParser, default_samples: int) -> None:
    p.add_argument("comparison", metavar="COMPARISON", help="a comparison YAML file (with 'baseline:')")
    p.add_argument("--samples", type=positive_int, default=default_samples, metavar="N",
                   help=f"number of sampled futures (default {default_samples})")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="seed of the sampled futures (default: the baseline's seed, else 0)")
    p.add_argument("--uncertain", metavar="FILE", help="a YAML file with an 'uncertain:' block "
                   "(default: the baseline's own block)")
    p.add_argument("--executor", choices=("inprocess", "process", "dask"), default="inprocess",
                   help="where runs execute: in this process (default), a local process pool, or Dask")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="address of a running Dask scheduler "
                   "(implies --executor dask); without it --executor dask starts a local cluster")
    p.add_argument("--workers", type=positive_int, default=None, metavar="K",
                   help="workers of the process pool or the local Dask cluster")
    p.add_argument("--chunk-size", type=positive_int, default=None, metavar="M",
                   help="futures per chunk of work (default: chosen from N and the workers)")
    p.add_argument("--scenarios", metavar="A,B", help="draw charts for these programmes only (comma-separated)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of the charts: en or id")
    p.add_argument("--no-charts", action="store_true", help="write the tables only")
    p.add_argument("--out", metavar="DIR", default="cityfutures-out", help="output folder (default "
                   "./cityfutures-out)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables in the terminal")


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
    from ..yamlio import read_yaml
    from ..analysis.ensemble import uncertain_of
    from ..scenario.uncertain import parse_uncertain
    from .compare import load_comparison_arg
    from .run import check_out
    check_out(args.out)
    if args.scheduler and args.executor == "process":
        raise InputError("--scheduler needs the dask executor", field="--scheduler", path="<command line>",
                         allowed="--executor dask, or no --executor")
    comparison = load_comparison_arg(args.comparison)
    model = comparison.baseline.model
    if args.uncertain:
        doc = read_yaml(args.uncertain, error=ScenarioError, what="uncertainty file")
        if "uncertain" not in doc.data:
            raise ScenarioError("has no 'uncertain:' block", path=str(args.uncertain), field="uncertain", line=1)
        unknown = sorted(set(doc.data) - {"uncertain", "description", "source"})
        if unknown:
            raise ScenarioError(f"unknown key '{unknown[0]}'", path=str(args.uncertain), field=unknown[0],
                                line=doc.line_of((unknown[0],)), allowed="uncertain, description, source")
        spec = parse_uncertain(doc.data["uncertain"], model, doc=doc)
    else:
        spec = uncertain_of(comparison)
    if spec is None or not spec:
        raise ScenarioError("the baseline has no 'uncertain:' block, so there are no futures to sample",
                            path=str(comparison.baseline.path or args.comparison), field="uncertain",
                            allowed="an uncertain: block in the baseline, or --uncertain FILE")
    seed = args.seed if args.seed is not None else (comparison.baseline.seed or 0)
    scenarios = None
    if args.scenarios:
        scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    return comparison, spec, seed, scenarios


def check_scenarios(plan, scenarios) -> None:
    if scenarios is None:
        return
    names = [s.name for s in plan.scenarios]
    for s in scenarios:
        if s not in names:
            from ..errors import did_you_mean
            raise InputError(f"unknown scenario '{s}'. " + did_you_mean(s, names), field="--scenarios",
                             path="<command line>", allowed=", ".join(names[1:]))


def main(args) -> int:
    from ..report.charts.ensemble import draw_ensemble, t, terminal_table
    from ..analysis.ensemble import parse_target, plan_ensemble, run_ensemble
    from ..engine.executors import make_executor
    from .run import print_written, staging
    comparison, spec, seed, scenarios = load_inputs(args)
    plan = plan_ensemble(comparison, spec, samples=args.samples, seed=seed, sampler=args.sampler)
    check_scenarios(plan, scenarios)
    targets = [parse_target(x, plan.indicators) for x in args.target]
    out = Path(args.out)
    with make_executor(args.executor, scheduler=args.scheduler, n_workers=args.workers) as ex:
        result = run_ensemble(plan, executor=ex, chunk_size=args.chunk_size, targets=targets,
                              progress=not args.quiet)
    discovery = None
    if args.discover:
        discovery = _discover(result, plan, targets)
    with staging(out) as tmp:
        for name in ("summary", "probability", "regret", "ranking", "targets", "failures"):
            result.tables[name].to_csv(tmp / f"{name}.csv", index=False)
        plan.samples.table().to_csv(tmp / "samples.csv")
        if discovery is not None:
            discovery.to_csv(tmp / "discovery.csv", index=False)
        ds = result.dataset.drop_vars("end_value")
        ds.to_netcdf(tmp / "ensemble.nc")
        if not args.no_charts:
            draw_ensemble(result, tmp, lang=args.lang, model=plan_model(comparison), scenarios=scenarios)
        written = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
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
    print_written([out / p for p in written], args.quiet)
    return 0


def plan_model(comparison):
    return comparison.baseline.model


def _discover(result, plan, targets):
    import pandas as pd
    from ..analysis.discovery import discover
    rows = []
    cases = [(t.indicator, t) for t in targets] or [(i, None) for i in plan.indicators]
    for s in [r.name for r in plan.scenarios[1:]]:
        for ind, tgt in cases:
            try:
                d = discover(result, s, indicator=ind, target=tgt)
            except InputError:
                continue      # never or always fails: nothing to discover
            for _, lim in d.limits.iterrows():
                rows.append({"scenario": s, "indicator": ind, "fails_when": d.rule, "failure_rate": d.failure_rate,
                             "coverage": d.coverage, "density": d.density, "condition": lim.condition,
                             "low": lim.low, "high": lim.high, "range_low": lim.range_low,
                             "range_high": lim.range_high})
    return pd.DataFrame(rows, columns=["scenario", "indicator", "fails_when", "failure_rate", "coverage", "density",
                                       "condition", "low", "high", "range_low", "range_high"])
