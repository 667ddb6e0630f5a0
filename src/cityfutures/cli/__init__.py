"""The ``cityfutures`` command: a thin face over the Python API.

Each command lives in its own module of this package and defines
``register(subparsers)``, which adds a subparser whose ``func(args) -> int`` does the
work. Exit codes: 0 ok, 2 bad input (one line on stderr, no traceback), 1 internal error.
"""
from __future__ import annotations

import argparse
import importlib
import os
import shlex
import sys
import warnings

from ..errors import CityfuturesError, InputError, one_line

# command modules, in the order --help lists them
COMMANDS = ("demo", "run", "compare", "validate", "levers", "indicators", "simulate", "charts",
            "ensemble", "sensitivity", "dashboard", "export", "check", "loops", "portfolio")

EPILOG = """examples:
  cityfutures demo                                   # the workshop comparison, with charts, into ./cityfutures-out
  cityfutures compare scenarios/workshop-2018.yaml --charts --lang id --out out/
  cityfutures run scenarios/mrt-phase-2.yaml --out out/
  cityfutures validate scenarios/*.yaml
  cityfutures levers
  cityfutures simulate models/jakarta.mdl --engine pysd --out jakarta.csv
  cityfutures export models/jakarta.mdl --to xmile --out jakarta.xmile
  cityfutures check models/jakarta.mdl --strict
  cityfutures loops scenarios/baseline.yaml --lang id
  cityfutures portfolio scenarios/workshop-2018.yaml --budgets 5000,10000,20000,40000,80000
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument as an InputError (exit 2, one line)."""

    def error(self, message):  # noqa: D401 - argparse hook
        raise InputError(message, path="<command line>", allowed=f"see '{self.prog} --help'")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    parser = _Parser(prog="cityfutures", description="System-dynamics scenario simulator for ten-year "
                     "city futures: compare programmes against the baseline.",
                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cityfutures {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not built (yet)
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:  # accepted anywhere on the line, before or after the command
        argv = ["--debug"] + [a for a in argv if a != "--debug"]
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        args.command_line = shlex.join(["cityfutures", *(a for a in argv if a != "--debug")])
        if not debug:
            warnings.filterwarnings("ignore", module="pysd")
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MemoryError:   # an estimate missed: still one line, and the way out
        if debug:
            raise
        print("error: out of memory (fewer samples or runs, a longer saveper, or fewer variables need less)",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:      # the reader (e.g. `| head`) stopped reading: nothing more to say
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except CityfuturesError as exc:
        if debug:
            raise
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # an internal error: short message, traceback only with --debug
        if debug:
            raise
        print(f"internal error: {type(exc).__name__}: {one_line(exc)} (run with --debug for the traceback; "
              "please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
