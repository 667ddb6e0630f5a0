"""``cityfutures export MODEL --to xmile --out FILE.xmile``: write a model as XMILE 1.0 (for Stella)."""
from __future__ import annotations

import argparse
import sys

from .options import check_out_file

EXAMPLES = """examples:
  cityfutures export models/jakarta.mdl --to xmile --out jakarta.xmile
  cityfutures export jakarta --out jakarta.stmx         # Stella opens .stmx and .xmile
"""


def register(subparsers) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export", help="write a model as an XMILE 1.0 file (Stella, and any XMILE reader)",
        description="Write MODEL (a Vensim .mdl or XMILE file, or a bundled model) as XMILE 1.0: "
                    "stocks with their inflows and outflows, flows, auxiliaries, graphical "
                    "functions, units, ranges, documentation, and the model's groups as sectors. "
                    "A function XMILE cannot express is an error naming the variable and the "
                    "function; nothing is written then.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a model file or the name of a bundled model")
    p.add_argument("--to", choices=("xmile",), default="xmile", help="the format to write (xmile)")
    p.add_argument("--out", metavar="FILE.xmile", required=True,
                   help="the file to write (.xmile, .stmx or .xml; its folder must exist)")
    p.set_defaults(func=handler)


def handler(args) -> int:
    """Export the model; one summary line on stdout, one line per thing XMILE does not carry."""
    from ..model.export import export_xmile
    from ..model.xmile import XMILE_SUFFIXES
    out = check_out_file(args.out, XMILE_SUFFIXES)
    notes = export_xmile(args.model, out)
    print(f"wrote {out}: {notes.stocks} stocks, {notes.flows} flows, {notes.auxiliaries} auxiliaries, "
          f"{notes.graphical_functions} graphical functions, {notes.groups} groups")
    for name in notes.made_up:
        print(f"note: added '{name}' (XMILE names a stock's flows)", file=sys.stderr)
    for line in notes.dropped:
        print(f"note: not in XMILE 1.0: {line}", file=sys.stderr)
    return 0
