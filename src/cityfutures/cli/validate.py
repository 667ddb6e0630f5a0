"""``cityfutures validate FILE...``: check scenario and comparison files against their model."""
from __future__ import annotations

import argparse
from pathlib import Path

EXAMPLES = """examples:
  cityfutures validate scenarios/*.yaml
  cityfutures validate scenarios/              # every .yaml below the folder
  cityfutures validate scenarios/workshop-2018.yaml

Prints 'ok: FILE (...)' per valid file. The first bad file stops the check with one line
'FILE:LINE: FIELD: PROBLEM (allowed: ...)' on stderr and exit code 2.
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("validate", help="check scenario and comparison files",
                              description="Check scenario and comparison files against their model: keys, "
                              "types, names, ranges, horizon. Nothing is run and nothing is written.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario or comparison YAML files (or folders)")
    p.set_defaults(func=run)


def _expand(names: list[str]) -> list[Path]:
    out: list[Path] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*.yaml") if p.is_file())
        else:
            out.append(path)
    return out


def describe(obj) -> str:
    """``scenario 'name', N interventions`` or ``comparison 'name', ...``."""
    if hasattr(obj, "bundles"):
        return (f"comparison '{obj.name}', {len(obj.interventions)} scenarios, {len(obj.bundles)} bundles, "
                f"{len(obj.indicators)} indicators")
    return f"scenario '{obj.name}', {len(obj.interventions)} interventions"


def run(args) -> int:
    from ..scenario import load_file
    for path in _expand(args.files):
        obj = load_file(path)   # a ScenarioError ends the command: one line, exit code 2
        print(f"ok: {path} ({describe(obj)})", flush=True)
    return 0
