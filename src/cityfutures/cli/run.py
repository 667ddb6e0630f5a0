"""``cityfutures run SCENARIO``: run a scenario against its baseline (or a comparison's runs) and save the results."""
from __future__ import annotations

import argparse

from ..output_folder import output_folder
from .options import add_common, command_line, print_written, report_failed_runs

EXAMPLES = """examples:
  cityfutures run scenarios/mrt-phase-2.yaml                 # against the baseline it extends
  cityfutures run scenarios/mrt-phase-2.yaml --baseline scenarios/shocks/flood-2007.yaml
  cityfutures run scenarios/mrt-phase-2.yaml --engine pysd --out out/mrt
  cityfutures run scenarios/workshop-2018.yaml      # a comparison file: every run, no table

A scenario that extends another runs against the root of its extends chain (its baseline), or
against --baseline: the table shows each indicator at the end of the horizon in both runs and the
change, with unit words. Writes OUT/results.nc (xarray/NetCDF: dims scenario x time, units,
English and Indonesian names, provenance) and OUT/results.csv (long: scenario,variable,units,time,value).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run a scenario against its baseline and save the results",
                              description="Run a scenario file against its baseline (the scenario it extends, or "
                              "--baseline), or every run of a comparison file, and save the results as NetCDF and "
                              "CSV.", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario (or comparison) YAML file")
    p.add_argument("--baseline", metavar="FILE", default=None,
                   help="the scenario to compare with (default: the root of SCENARIO's extends chain)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of the table: en or id")
    add_common(p)
    p.set_defaults(func=main)


def _summary(ds, lang: str) -> str:
    """End values of a scenario run on its own, with unit words."""
    import json

    from ..report import numbers
    from ..report.labels import Labels
    labels = Labels(ds, lang)
    indicators = json.loads(ds.attrs.get("indicators", "[]"))
    t1 = float(ds.time.values[-1])
    names = {i: labels.variable(i) for i in indicators}
    w = max([len("indicator")] + [len(n) for n in names.values()])
    lines = []
    for s in ds.scenario.values:
        lines.append(f"{labels.scenario(str(s))} [{s}] {numbers.year(t1)}")
        for ind in indicators:
            value = numbers.number(float(ds[ind].sel(scenario=s)[-1]), lang, digits=4)
            lines.append(f"  {names[ind]:<{w}}  {value:>14}  {labels.unit(ind)}")
    return "\n".join(lines)


def main(args) -> int:
    from ..api import compare, run
    from ..report.tables import format_terminal
    from ..results import save_results
    from ..scenario import Scenario, against_baseline, load_any
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        what = load_any(args.scenario)               # every input check happens here, before writing
        pair = against_baseline(what, args.baseline) if isinstance(what, Scenario) else None
        with report_failed_runs():
            if pair is not None:
                result = compare(pair, engine=args.engine, progress=not args.quiet)
                ds = result.results
            else:
                ds = run(what, engine=args.engine, progress=not args.quiet)
        if not args.quiet:                           # the table first, as soon as it is ready
            print(format_terminal(result, lang=args.lang) if pair is not None else _summary(ds, args.lang))
        save_results(ds, folder.stage / "results.nc")
    print_written(folder.files, args.quiet)
    return 0
