"""``cityfutures charts``: redraw the chart set (and the brief) from saved results, without running a model."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import InputError
from ..output_folder import output_folder
from .options import add_formats, command_line

EXAMPLES = """examples:
  cityfutures charts out/results.nc                          # charts next to the results, in English
  cityfutures charts out/results.nc --lang id --out slides/  # in Bahasa Indonesia, into slides/
  cityfutures charts out/results.nc --formats png,svg --no-brief
"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "charts", help="redraw the charts and the brief from saved results",
        description="Draw the chart set of a comparison and its brief.pdf from a saved results.nc and the "
                    "comparison.csv next to it (recomputed from the results when missing). No model is run; "
                    "the model file is read only for the structure maps.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", type=Path, help="results.nc written by 'cityfutures compare' (or its folder)")
    p.add_argument("--out", type=Path, default=None, help="folder for the charts (default: a 'charts' folder "
                   "next to the results): new, empty, or one a cityfutures command wrote (replaced as a whole)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of every label (default: en)")
    add_formats(p)
    p.add_argument("--no-brief", dest="brief", action="store_false", help="do not write brief.pdf")
    p.set_defaults(func=run)


def load_table(results_path: Path, ds):
    """The comparison table: ``comparison.csv`` next to the results, else recomputed from them."""
    import pandas as pd

    from ..analysis.compare import comparison_table
    folder = results_path if results_path.is_dir() else results_path.parent
    csv = folder / "comparison.csv"
    if csv.is_file():
        try:
            return pd.read_csv(csv, keep_default_na=True)
        except Exception as exc:  # pandas raises many kinds for a broken CSV
            raise InputError(f"cannot read the comparison table ({type(exc).__name__}: {exc})",
                             path=str(csv)) from None
    return comparison_table(ds)


def run(args) -> int:
    from ..report.write import write_charts
    from ..results import load_results
    folder = args.results if args.results.is_dir() else args.results.parent
    out = args.out if args.out is not None else folder / "charts"
    notes: list[str] = []
    with output_folder(out, command=command_line(args)) as written:      # checked and locked first
        ds = load_results(args.results)
        table = load_table(args.results, ds)
        write_charts(ds, table, written.stage, lang=args.lang, formats=args.formats, brief=args.brief, notes=notes)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {len(written.files)} files to {out}")
    return 0
