"""``cityfutures portfolio COMPARISON --budgets ...``: which programmes to fund at each budget."""
from __future__ import annotations

import argparse

from ..errors import InputError
from ..output_folder import output_folder
from .options import (
    LANGS,
    add_common,
    check_out,
    command_line,
    count_int,
    load_comparison_arg,
    print_written,
    report_failed_runs,
    seed_int,
)

EXAMPLES = """examples:
  cityfutures portfolio scenarios/workshop-2018.yaml --budgets 5000,10000,20000,40000,80000
  cityfutures portfolio scenarios/workshop-2018.yaml --budget 30000 --futures 50 --robust p5 --lang id
  cityfutures portfolio scenarios/workshop-2018.yaml --budgets 2000,4000 --budget-kind capex --no-charts

Every portfolio of the comparison's programmes that fits the largest budget and the comparison's
portfolio: block is simulated (the baseline plus the union of its members, as a bundle) and scored by
the weighted appraisal score. Prints the best portfolio at each budget with its score and synergy
(its score minus its members' scores alone), with --futures N its p5-p95 interval and the robust
choice. Writes into OUT: portfolio.csv (the Pareto front and each budget's choice), budget-curve.csv,
excluded.csv (portfolios left out, with the reason), results.nc/.csv (the chosen portfolios' runs) and
the charts (front, budget steps, members by budget, fronts per focus area).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def budget_list(text: str) -> list[float]:
    """``5000,10000,20000`` as budgets [IDR billion], each positive."""
    out = []
    for part in text.split(","):
        try:
            value = float(part.replace("_", ""))
        except ValueError:
            raise InputError(f"'{part}' is not a number", path="<command line>", field="--budgets",
                             allowed="budgets in IDR billion separated by commas, e.g. 5000,10000,20000") from None
        if not value > 0 or value != value or value == float("inf"):
            raise InputError(f"budget {part} must be a positive number", path="<command line>", field="--budgets",
                             allowed="budgets in IDR billion, e.g. 5000,10000")
        out.append(value)
    return out


def register(subparsers) -> None:
    p = subparsers.add_parser("portfolio", help="which programmes to fund at each budget",
                              description="Find the best portfolio of a comparison's programmes at each budget "
                              "by simulating every admissible portfolio (exhaustively, or by an evolutionary search "
                              "for many programmes): Pareto fronts, budget curve, synergy and robustness.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("comparison", metavar="COMPARISON",
                   help="a comparison YAML file (its programmes are the candidates)")
    add_common(p)
    p.add_argument("--budget", type=budget_list, metavar="IDR_BN", help="one budget [IDR billion]")
    p.add_argument("--budgets", type=budget_list, metavar="B1,B2,...", help="several budgets [IDR billion]")
    p.add_argument("--futures", type=count_int, default=0, metavar="N",
                   help="meet the front's portfolios with N sampled futures: p5-p95 and the robust choice")
    p.add_argument("--robust", choices=("regret", "p5", "mean"), default="regret",
                   help="rule of the robust choice: minimax regret (default), best 5th percentile, expected value")
    p.add_argument("--budget-kind", choices=("pv", "capex"), default=None,
                   help="pv: present value of capex and opex (default, or the block's); capex: capex only")
    p.add_argument("--search", choices=("auto", "exhaustive", "evolutionary"), default="auto",
                   help="auto (default): exhaustive up to 22 programmes, else evolutionary (pymoo NSGA-II)")
    p.add_argument("--seed", type=seed_int, default=None, metavar="S",
                   help="seed of the futures and the evolutionary search (default: the baseline's, else 0)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the text and charts: en or id")
    p.add_argument("--charts", action=argparse.BooleanOptionalAction, default=True,
                   help="draw the charts (default; --no-charts: tables only)")
    p.set_defaults(func=main)


def main(args) -> int:
    check_out(args.out)                            # before the comparison is read
    comparison = load_comparison_arg(args.comparison, "portfolio")
    budgets = (args.budgets or []) + (args.budget or [])
    from ..api import portfolio
    from ..report.portfolio import portfolio_text, write_portfolio
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        with report_failed_runs():
            result = portfolio(comparison, budgets=budgets or None, futures=args.futures, robust=args.robust,
                               budget_kind=args.budget_kind, seed=args.seed, engine=args.engine,
                               search=args.search, progress=not args.quiet)
        if not args.quiet:
            print(portfolio_text(result, args.lang), flush=True)
            print(flush=True)
        write_portfolio(result, folder.stage, lang=args.lang, charts=args.charts)
    print_written(folder.files, args.quiet)
    return 0
