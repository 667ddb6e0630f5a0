"""``cityfutures simulate MODEL``: run any Vensim or XMILE model as it stands and write a table."""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from ..engine import DEFAULT_ENGINE, ENGINES
from ..errors import EngineFallbackWarning, InputError

EXAMPLES = """examples:
  cityfutures simulate models/jakarta.mdl --out jakarta.csv
  cityfutures simulate teacup.mdl --engine pysd
  cityfutures simulate teacup.stmx --out teacup.csv     # Stella / XMILE (.xmile, .xml, .stmx)
  cityfutures simulate models/jakarta.mdl --emit-code jakarta_program.py   # the batch engine's program
"""


def register(subparsers) -> None:
    """Add the ``simulate`` subcommand."""
    p = subparsers.add_parser(
        "simulate", help="run a Vensim or XMILE model with its own time settings and write every variable",
        description="Run MODEL (Vensim .mdl, or XMILE .xmile/.xml/.stmx as Stella writes it) once "
                    "with its own time settings and write every variable at "
                    "the saved times: one row per saved time, one column per variable named as in "
                    "the model (subscripted elements as Name[a,b]).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a Vensim .mdl or XMILE file (or the name of a bundled model)")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help="batch: the vectorised engine (default); pysd: PySD's reference loop")
    p.add_argument("--method", choices=("euler", "rk4"), default=None,
                   help="integration method (default: the model's own; XMILE <sim_specs method>)")
    p.add_argument("--out", metavar="FILE.csv", help="write the table here (default: stdout)")
    p.add_argument("--data", metavar="FILE", action="append",
                   help="a .tab/.csv file holding DATA variables (repeatable; default: the "
                        ".tab/.csv files next to the model, except output.* and --out)")
    p.add_argument("--emit-code", metavar="FILE.py", help="write the Python program the batch engine runs for "
                   "the model (names after the Vensim names, each equation as a comment) and run nothing")
    p.set_defaults(func=handler)


def handler(args) -> int:
    """Run the model and write the table; returns the exit code."""
    from ..engine.simulate import data_files_near, generated_source, simulate_table
    from ..errors import UnsupportedFeatureError
    from ..files import atomic_write
    if args.emit_code:
        try:
            text = generated_source(args.model)
        except UnsupportedFeatureError as exc:
            raise InputError(str(exc), path=str(args.model), field="--emit-code",
                             allowed="a model the batch engine runs") from None
        atomic_write(Path(args.emit_code), lambda tmp: tmp.write_text(text, encoding="utf-8"))
        print(f"wrote {args.emit_code}")
        return 0
    if args.out and not args.out.lower().endswith(".csv"):
        raise InputError(f"output file must end in .csv, got '{args.out}'", field="--out",
                         path="<command line>")
    data = args.data
    if data is None and args.out and Path(args.model).is_file():
        data = data_files_near(Path(args.model), exclude=[args.out])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EngineFallbackWarning)
        table = simulate_table(args.model, engine=args.engine, data_files=data, method=args.method)
    for w in caught:  # the fallback to PySD names the element and the function: one line each
        if issubclass(w.category, EngineFallbackWarning):
            print(f"warning: {' '.join(str(w.message).split())}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if args.out:
        atomic_write(Path(args.out), lambda tmp: table.to_csv(tmp))
    else:
        table.to_csv(sys.stdout)
    return 0
