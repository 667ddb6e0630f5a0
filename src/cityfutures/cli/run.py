"""``cityfutures run SCENARIO``: run a scenario (or a comparison's runs) and save the results."""
from __future__ import annotations

import argparse

from ..output_folder import output_folder
from .options import add_common, command_line, print_written, report_failed_runs

EXAMPLES = """examples:
  cityfutures run scenarios/mrt-phase-2.yaml
  cityfutures run scenarios/mrt-phase-2.yaml --engine pysd --out out/mrt
  cityfutures run scenarios/workshop-2018.yaml      # a comparison file: every run, no table

Writes OUT/results.nc (xarray/NetCDF: dims scenario x time, units, English and Indonesian
names, provenance) and OUT/results.csv (long: scenario,variable,units,time,value).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("run", help="run a scenario and save its results",
                              description="Run a scenario file (or every run of a comparison file) and save "
                              "the results as NetCDF and CSV.", epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", metavar="SCENARIO", help="a scenario (or comparison) YAML file")
    add_common(p)
    p.set_defaults(func=main)


def _summary(ds) -> str:
    import json

    from ..report.tables import number_text
    indicators = json.loads(ds.attrs.get("indicators", "[]"))
    t1 = float(ds.time.values[-1])
    w = max([len("indicator")] + [len(i) for i in indicators])
    lines = []
    for s in ds.scenario.values:
        lines.append(f"{ds.title_en.sel(scenario=s).item()} [{s}] at {t1:g}")
        for ind in indicators:
            da = ds[ind]
            value = number_text(float(da.sel(scenario=s)[-1]))
            lines.append(f"  {ind:<{w}}  {da.attrs.get('better', ''):<6}  {value:>12}  {da.attrs.get('units', '')}")
    return "\n".join(lines)


def main(args) -> int:
    from ..api import run
    from ..results import save_results
    with output_folder(args.out, command=command_line(args)) as folder:   # checked and locked first
        with report_failed_runs():                       # every input check happens here, before writing
            ds = run(args.scenario, engine=args.engine, progress=not args.quiet)
        save_results(ds, folder.stage / "results.nc")
    if not args.quiet:
        print(_summary(ds))
    print_written(folder.files, args.quiet)
    return 0
