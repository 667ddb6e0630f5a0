"""``cityfutures loops SCENARIO.yaml``: which feedback loops drive each indicator, period by period."""
from __future__ import annotations

import argparse

EXAMPLES = """examples:
  cityfutures loops scenarios/baseline.yaml --indicator "Piped water coverage"
  cityfutures loops scenarios/baseline.yaml --lang id --out out/loops
  cityfutures loops SIR.mdl --indicator Infectious --periods 10      # a model as it stands

Prints the dominant loops of each indicator in each period (Loops That Matter: mean
relative loop score; the dominant loops together explain more than half of the change)
and writes OUT/loops.csv (the 25 largest loop shares per indicator and period), one chart per
indicator, OUT/loops-<indicator>-<lang>.png and .svg, and for several indicators the overview
OUT/loops-overview-<lang>.png and .svg.
"""


def register(subparsers) -> None:
    """Add the ``loops`` subcommand."""
    from .run import DEFAULT_OUT
    p = subparsers.add_parser(
        "loops", help="which feedback loops drive each indicator (Loops That Matter)",
        description="Run a scenario (or a model as it stands) and rank its feedback loops by how much of each "
                    "indicator's change they explain, period by period (Schoenberg, Davidsen & Eberlein 2020).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", help="a scenario file (.yaml) or a Vensim model (.mdl)")
    p.add_argument("--indicator", action="append", metavar="NAME",
                   help="a variable to explain (repeatable; default: the model's indicators, else its stocks)")
    p.add_argument("--periods", type=int, default=10, metavar="N", help="periods the horizon is cut into (default 10)")
    p.add_argument("--top", type=int, default=3, metavar="K", help="loops listed per period (default 3)")
    p.add_argument("--lang", choices=("en", "id"), default="en", help="language of the table and charts")
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                   help=f"folder for loops.csv and the charts (default: ./{DEFAULT_OUT})")
    p.add_argument("--no-charts", action="store_true", help="write loops.csv only")
    p.set_defaults(func=handler)


def table_text(result, lang: str, top: int) -> str:
    """The dominant loops per indicator and period as terminal text."""
    from ..analysis.loops import dominance_table
    from ..i18n import t
    lines = []
    for ind in result.indicators:
        rows = dominance_table(result, ind, top=top)
        lines.append(t("loops.table_title", lang, catalog="checks", indicator=result.label(ind, lang)))
        head = [t(f"loops.col_{k}", lang, catalog="checks") for k in ("period", "loop", "polarity", "share",
                                                                       "description")]
        lines.append(f"  {head[0]:<13} {head[1]:<8} {head[2]:<12} {head[3]:>7}  {head[4]}")
        for r in rows.itertuples():
            star = "*" if r.dominant else " "
            share = f"{100 * r.share:+.0f}%"
            if lang == "id":
                share = share.replace(".", ",")
            polarity = t(f"loops.{r.polarity}", lang, catalog="checks")
            desc = r.label_en if lang == "en" else r.label_id
            lines.append(f"  {r.period_start:>5g}-{r.period_end:<7g} {r.name + star:<8} {polarity:<12} {share:>7}  {desc}")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines)


def handler(args) -> int:
    """Compute loop dominance, print the table, write the CSV and the charts."""
    from ..analysis.loops import loop_dominance
    from ..errors import InputError
    from .run import check_out, print_written, staging
    if args.periods < 1 or args.top < 1:
        raise InputError("--periods and --top must be at least 1", path="<command line>")
    out = check_out(args.out)
    result = loop_dominance(args.scenario, args.indicator, periods=args.periods)
    with staging(out) as tmp:
        result.table.to_csv(tmp / "loops.csv", index=False)
        if not args.no_charts:
            from ..charts.loops import save_loop_dominance
            save_loop_dominance(result, tmp, args.lang)
        written = sorted(p.name for p in tmp.iterdir())
    print(table_text(result, args.lang, args.top))
    print_written([out / name for name in written], False)
    return 0
