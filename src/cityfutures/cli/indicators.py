"""``cityfutures indicators``: the indicators a comparison can report, with unit and direction."""
from __future__ import annotations

import argparse

from .levers import HEADINGS, add_model_options, write_rows
from .options import declares

EXAMPLES = """examples:
  cityfutures indicators
  cityfutures indicators --lang id
  cityfutures indicators --model models/jakarta.mdl --format csv
"""


def register(subparsers) -> None:
    p = subparsers.add_parser("indicators", help="list the indicators of a model",
                              description="List the indicators of a model: name (as used in comparison "
                              "files), label, unit, focus area and the direction in which each improves.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from ..model import load_model
    model = load_model(args.model)
    lang = args.lang
    if not declares(model, "indicators"):
        return 0
    rows = []
    for ind in model.indicators.values():
        if args.format == "csv":
            rows.append([ind.name, ind.label(lang), ind.units, ind.unit_label(lang), ind.focus_area, ind.better])
        else:
            unit = f"{ind.units} ({ind.unit_label(lang)})" if ind.units else ind.unit_label(lang)
            rows.append([ind.name, ind.label(lang), unit, ind.focus_area, HEADINGS[ind.better][lang]])
    headers = [HEADINGS[k][lang] for k in ("name", "label", "unit", "focus_area", "better")]
    write_rows(headers, rows, args.format, ["name", "label", "units", "unit_label", "focus_area", "better"])
    return 0
