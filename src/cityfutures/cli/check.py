"""``cityfutures check MODEL``: units, structure lint, equilibrium and reality checks of a model."""
from __future__ import annotations

import argparse

from .options import count_int

EXAMPLES = """examples:
  cityfutures check models/jakarta.mdl                       # finds models/jakarta.reality.yaml itself
  cityfutures check models/jakarta.mdl --reality models/jakarta.reality.yaml --strict
  cityfutures check my-model.mdl --format json --no-run     # units and structure only, as JSON

One line per finding, 'MODEL:LINE: Variable: problem [severity rule]', then a summary.
Exit codes: 0 no error (warnings allowed unless --strict), 2 an error was found or the input
is bad, 1 internal error. The rules and their severities are listed in docs/architecture.md.
"""


def register(subparsers) -> None:
    """Add the ``check`` subcommand."""
    p = subparsers.add_parser(
        "check", help="check a model: units, structure, equilibrium, reality checks",
        description="Check a Vensim or XMILE model: dimensional analysis of every equation, structure lint (dead ends, "
                    "unused or unsourced constants, short time constants, divisions that can hit zero, "
                    "algebraic loops, literals), the equilibrium of stocks the sidecar declares, and the "
                    "reality checks of MODEL.reality.yaml. Nothing is written.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", help="a Vensim .mdl or XMILE file (or the name of a bundled model)")
    p.add_argument("--reality", metavar="FILE", help="reality-check file (default: MODEL.reality.yaml beside the "
                   "model, when it exists)")
    p.add_argument("--format", choices=("text", "json"), default="text", help="text lines (default) or a JSON list")
    p.add_argument("--strict", action="store_true", help="warnings count as errors (exit code 2)")
    p.add_argument("--samples", type=count_int, default=32, metavar="N",
                   help="samples of the baseline's uncertain block for the equilibrium check (default 32)")
    p.add_argument("--no-run", action="store_true", help="only the checks that do not run the model")
    p.set_defaults(func=handler)


def handler(args) -> int:
    """Run the checks and print the findings; returns the exit code."""
    from ..analysis.check import check
    report = check(args.model, args.reality, strict=args.strict, samples=args.samples, run=not args.no_run)
    print(report.to_json() if args.format == "json" else report.format_text())
    return report.exit_code
