"""``cityfutures levers``: the levers a scenario can move, with unit, baseline, range and focus area."""
from __future__ import annotations

import argparse
import csv
import sys
from typing import Sequence

from .options import declares

EXAMPLES = """examples:
  cityfutures levers
  cityfutures levers --lang id
  cityfutures levers --model models/jakarta.mdl --format csv > levers.csv
"""

# column headings (table format); CSV headings stay machine-readable in English
HEADINGS = {
    "name": {"en": "name (use in scenarios)", "id": "nama (dipakai di skenario)"},
    "label": {"en": "label", "id": "label"},
    "unit": {"en": "unit", "id": "satuan"},
    "baseline": {"en": "baseline", "id": "nilai dasar"},
    "range": {"en": "range", "id": "rentang"},
    "focus_area": {"en": "focus area", "id": "area fokus"},
    "better": {"en": "better when", "id": "lebih baik bila"},
    "lower": {"en": "lower", "id": "lebih rendah"},
    "higher": {"en": "higher", "id": "lebih tinggi"},
}


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default="jakarta", metavar="NAME_OR_PATH",
                   help="a bundled model name or a model file, .mdl or XMILE (default: jakarta)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of labels (default: en)")
    p.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default: table)")


def register(subparsers) -> None:
    p = subparsers.add_parser("levers", help="list the levers of a model",
                              description="List the levers of a model: the constants an intervention may "
                              "set, add to or scale, with unit, baseline value, documented range and focus area.",
                              epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_options(p)
    p.set_defaults(func=run)


def write_rows(headers: Sequence[str], rows: Sequence[Sequence[str]], fmt: str, csv_headers: Sequence[str]) -> None:
    """Rows to stdout as an aligned text table or as CSV."""
    if fmt == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(csv_headers)
        w.writerows(rows)
        return
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip())


def run(args) -> int:
    from ..model import load_model
    from ..report.numbers import exact, plain
    model = load_model(args.model)
    lang = args.lang
    if not declares(model, "levers"):
        return 0
    rows = []
    sep = ";" if lang == "id" else ","    # Indonesian writes decimals with a comma
    for lever in model.levers.values():
        if args.format == "csv":
            rows.append([lever.name, lever.label(lang), lever.units, plain(lever.baseline),
                         plain(lever.minimum), plain(lever.maximum), lever.focus_area])
        else:
            rows.append([lever.name, lever.label(lang), lever.units, exact(lever.baseline, lang),
                         f"[{exact(lever.minimum, lang)}{sep} {exact(lever.maximum, lang)}]", lever.focus_area])
    headers = [HEADINGS[k][lang] for k in ("name", "label", "unit", "baseline", "range", "focus_area")]
    write_rows(headers, rows, args.format,
               ["name", "label", "units", "baseline", "minimum", "maximum", "focus_area"])
    return 0
