"""What the commands share: common options, argument types and the check of ``--out``.

Commands write their folders through :func:`cityfutures.output_folder.output_folder`.

Nothing here imports the library's heavy parts: ``cityfutures --help`` builds every command's
parser from these and the command modules only.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from ..engine import DEFAULT_ENGINE, ENGINES
from ..errors import InputError, RunFailedWarning
from ..output_folder import check_output_folder

DEFAULT_OUT = "cityfutures-out"
LANGS = ("en", "id")


def add_common(p: argparse.ArgumentParser) -> None:
    """``--out``, ``--engine``, ``--quiet``."""
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                   help=f"folder for the output files (default: ./{DEFAULT_OUT}): new, empty, or one a "
                   "cityfutures command wrote (replaced as a whole)")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help=f"simulation engine: compiled (numba kernels, fastest), batch (vectorised numpy) or "
                        f"pysd (the reference); default {DEFAULT_ENGINE} (set by the environment variable "
                        "CITYFUTURES_ENGINE, else compiled)")
    p.add_argument("--quiet", action="store_true", help="print only errors and the list of files written")


def check_out(out: str | os.PathLike) -> Path:
    """``--out`` as a Path, refused (OutputError) unless it is absent, empty or a cityfutures output folder.

    Creates nothing (:func:`cityfutures.output_folder.check_output_folder`)."""
    return check_output_folder(out)


def command_line(args: argparse.Namespace) -> str:
    """The command as typed (recorded in the output folder's manifest)."""
    return getattr(args, "command_line", "") or "cityfutures " + str(getattr(args, "command", "") or "")


def check_out_file(out: str | os.PathLike, suffixes: Sequence[str]) -> Path:
    """``--out`` naming one file: one of ``suffixes``, in a folder that exists and can be written. Creates nothing."""
    path = Path(out)
    if path.suffix.lower() not in suffixes:
        raise InputError(f"'{out}' must end in one of {', '.join(suffixes)}", field="--out", path="<command line>")
    if path.is_dir():
        raise InputError(f"'{out}' is a folder", field="--out", path="<command line>", allowed="a file name")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"folder '{folder}' does not exist", field="--out", path="<command line>")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write into folder '{folder}' (no write permission)", field="--out",
                         path="<command line>")
    return path


@contextmanager
def report_failed_runs():
    """Print each failed run as one ``warning:`` line on stderr instead of a Python warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RunFailedWarning)
        yield
    for w in caught:
        if issubclass(w.category, RunFailedWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def print_written(paths, quiet: bool) -> None:
    for p in paths:
        print(f"wrote {p}")


def whole_number(text: str, minimum: int) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if v < minimum:
        raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {v}")
    return v


def positive_int(text: str) -> int:
    """An argument that must be a whole number of 1 or more."""
    return whole_number(text, 1)


def count_int(text: str) -> int:
    """An argument that must be a whole number of 0 or more (a seed, or a count that may be none)."""
    return whole_number(text, 0)


seed_int = count_int


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
    add_charts_switch(p, True, "draw the charts (default); --no-charts writes the tables only")
    add_formats(p)
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT, help=f"output folder (default "
                   f"./{DEFAULT_OUT}): new, empty, or one a cityfutures command wrote (replaced as a whole)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no tables in the terminal")


def add_charts_switch(p: argparse.ArgumentParser, default: bool, text: str) -> None:
    """``--charts`` / ``--no-charts``: the same switch on every command that draws."""
    p.add_argument("--charts", action=argparse.BooleanOptionalAction, default=default, help=text)


FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png",)          # report.charts.DEFAULT_FORMATS (not imported: --help stays light)


def image_formats(text: str) -> tuple[str, ...]:
    """A comma-separated list of image formats (png, svg, pdf)."""
    fmts = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in fmts if f not in FORMATS]
    if bad or not fmts:
        raise argparse.ArgumentTypeError(f"unknown format '{','.join(bad) or text}' (allowed: {', '.join(FORMATS)})")
    return fmts


def add_formats(p: argparse.ArgumentParser) -> None:
    """``--formats png,svg``: the image formats of the charts (each costs a render of every figure)."""
    p.add_argument("--formats", "--format", dest="formats", type=image_formats, default=DEFAULT_FORMATS,
                   metavar="LIST", help="comma-separated image formats of the charts: png, svg, pdf "
                   f"(default: {','.join(DEFAULT_FORMATS)}; add svg for editable vector files)")


def add_report_options(p: argparse.ArgumentParser, charts: bool = False) -> None:
    """``--charts``/``--no-charts`` (default ``charts``), ``--formats``, ``--lang``."""
    add_charts_switch(p, charts, "draw the charts and the PDF brief (the default; --no-charts: tables only)" if charts
                      else "also draw the charts and the PDF brief (--no-charts, the default: tables only)")
    add_formats(p)
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the terminal table, charts and brief: en (English) or id (Bahasa "
                   "Indonesia); default en")


def load_comparison_arg(path: str, command: str = "this command"):
    """The comparison in ``path``; a scenario file is refused with a hint naming ``command``."""
    from ..scenario import Comparison, load_any
    obj = load_any(path)
    if not isinstance(obj, Comparison):
        raise InputError(f"is a scenario file; {command} needs a comparison file (one with 'baseline:' and "
                         "'interventions:')", path=str(path), allowed=f"cityfutures run {path}")
    return obj



def declares(model, what: str) -> bool:
    """Whether ``model`` declares any ``what`` ("levers" or "indicators") in its sidecar; if not, say so on
    stderr (the command then exits 0 with nothing to list)."""
    if getattr(model, what):
        return True
    print(f"model '{model.name}' declares no {what} (no {model.name}.meta.yaml next to {model.path})",
          file=sys.stderr)
    return False
