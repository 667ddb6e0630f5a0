"""``cityfutures run SCENARIO``: run a scenario (or a comparison's runs) and save the results.

Also holds what ``compare`` and ``demo`` share: the common options, the check of ``--out``
before anything runs, and the staging folder from which finished files are moved into
place (so bad input writes nothing and a reader never sees half a file).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

from ..errors import InputError

DEFAULT_OUT = "cityfutures-out"

EXAMPLES = """examples:
  cityfutures run scenarios/mrt-phase-2.yaml
  cityfutures run scenarios/mrt-phase-2.yaml --engine pysd --out out/mrt
  cityfutures run scenarios/workshop-2018.yaml      # a comparison file: every run, no table

Writes OUT/results.nc (xarray/NetCDF: dims scenario x time, units, English and Indonesian
names, provenance) and OUT/results.csv (long: scenario,variable,units,time,value).
Exit codes: 0 ok, 2 bad input (one line on stderr, nothing written), 1 internal error.
"""


# ----------------------------------------------------------------------------- shared
def add_common(p: argparse.ArgumentParser) -> None:
    """``--out``, ``--engine``, ``--quiet``."""
    from ..engine.runner import DEFAULT_ENGINE, ENGINES
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                   help=f"folder for the output files (default: ./{DEFAULT_OUT}; created if needed)")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE,
                   help=f"simulation engine: batch (vectorised, fast) or pysd (the reference); "
                        f"default {DEFAULT_ENGINE}")
    p.add_argument("--quiet", action="store_true", help="print only errors and the list of files written")


def check_out(out: str | os.PathLike) -> Path:
    """``--out`` as a Path, refused (InputError) if it cannot become a folder. Creates nothing."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputError("--out names a file, not a folder", path=str(path), field="--out",
                         allowed="a folder (new or existing)")
    probe = path
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"cannot create or write the output folder (no write permission on {probe})",
                         path=str(path), field="--out")
    return path


@contextmanager
def staging(out: Path):
    """A temporary folder; on success its files are moved into ``out`` (each by rename)."""
    created = []
    probe = out
    while not probe.exists():
        created.append(probe)
        probe = probe.parent
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".cityfutures-", dir=out))
    try:
        yield tmp
        for src in sorted(p for p in tmp.rglob("*") if p.is_file()):
            dest = out / src.relative_to(tmp)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for folder in created:           # leave no empty folder behind
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def report_failed_runs():
    """Print each failed run as one ``warning:`` line on stderr instead of a Python warning."""
    from ..engine.runner import RunFailedWarning
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


# ----------------------------------------------------------------------------- run
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
    from ..analysis.compare import _num
    indicators = json.loads(ds.attrs.get("indicators", "[]"))
    t1 = float(ds.time.values[-1])
    w = max([len("indicator")] + [len(i) for i in indicators])
    lines = []
    for s in ds.scenario.values:
        lines.append(f"{ds.title_en.sel(scenario=s).item()} [{s}] at {t1:g}")
        for ind in indicators:
            da = ds[ind]
            lines.append(f"  {ind:<{w}}  {da.attrs.get('better', ''):<6}  {_num(float(da.sel(scenario=s)[-1])):>12}"
                         f"  {da.attrs.get('units', '')}")
    return "\n".join(lines)


def main(args) -> int:
    from ..plan.plan import build_plan
    from ..results.dataset import save_results
    from ..engine.runner import load_any, run_plan
    out = check_out(args.out)
    plan = build_plan(load_any(args.scenario))           # every input check happens here, before writing
    with report_failed_runs():
        ds = run_plan(plan, engine=args.engine, progress=not args.quiet)
    with staging(out) as tmp:
        save_results(ds, tmp / "results.nc")
    if not args.quiet:
        print(_summary(ds))
    print_written([out / "results.nc", out / "results.csv"], args.quiet)
    return 0
