"""``cityfutures sensitivity COMPARISON``: which uncertainty drives each indicator and each gap, per year."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..files import atomic_write
from ..output_folder import output_folder
from .ensemble import load_inputs
from .options import add_uncertainty_options, command_line, print_written

EXAMPLES = """examples:
  cityfutures sensitivity scenarios/workshop-2018.yaml --method sobol --samples 512 --seed 42
  cityfutures sensitivity scenarios/workshop-2018.yaml --method morris --samples 50 --scenarios reservoirs --lang id

Sobol (Saltelli design, N x (k + 2) futures for k uncertain factors; N a power of two) gives
first-order and total indices; Morris (N trajectories of k + 1 futures) ranks factors cheaply.
For the baseline the output is each indicator; for a programme, its gap to the baseline in the
same future. All yearly draws of a stochastic shock count as one factor.

The output of each year is its annual mean (the mean over the saved times within the year: a
flow's yearly total, a stock's annual average), as in 'cityfutures ensemble'.

Writes into OUT: sensitivity.csv (one row per scenario, indicator, year and factor, with the
scenario's titles title_en and title_id) and tornado charts (the third year and the last year
side by side).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("sensitivity", help="global sensitivity (Sobol or Morris) of every indicator",
                              description="Global sensitivity analysis with SALib: per indicator and per year, "
                              "which uncertain input drives the baseline and the gap of each programme.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_uncertainty_options(p, 256)
    p.add_argument("--method", choices=("sobol", "morris"), default="sobol", help="Sobol indices (default) or "
                   "Morris elementary effects")
    p.set_defaults(func=main)


def main(args) -> int:
    from ..api import sensitivity
    from ..engine.executors import make_executor
    from ..report.charts.ensemble import draw_sensitivity, t
    from ..report.tables import terminal_table
    with output_folder(Path(args.out), command=command_line(args)) as folder:   # checked and locked first
        comparison, spec, seed, scenarios = load_inputs(args)
        with make_executor(args.executor, scheduler=args.scheduler, n_workers=args.workers) as ex:
            res = sensitivity(comparison, spec, method=args.method, samples=args.samples, seed=seed, executor=ex,
                              chunk_size=args.chunk_size, progress=not args.quiet)
            executor = ex.describe()
        atomic_write(folder.stage / "sensitivity.csv", lambda tmp: res.table.to_csv(tmp, index=False))
        if args.charts:
            draw_sensitivity(res, folder.stage, lang=args.lang, model=comparison.model, scenarios=scenarios,
                             attrs={"executor": executor}, formats=args.formats)
    files = folder.files
    if not args.quiet:
        col = res.main_index
        last = res.table[res.table.year == res.table.year.max()]
        top = (last.dropna(subset=[col]).sort_values(col, ascending=False)
               .groupby(["scenario", "indicator"], sort=False).head(1))
        print(terminal_table(top, t("table_sensitivity", args.lang), lang=args.lang))
        print()
    print_written(files, args.quiet)
    return 0
