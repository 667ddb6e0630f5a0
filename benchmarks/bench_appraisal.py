"""How long does the appraisal of the workshop comparison take, step by step?

Times, on ``scenarios/workshop-2018.yaml`` (25 programmes and bundles, 16 indicators of the revised
Jakarta model): the deterministic runs and the comparison (weighted score, present values, rank
stability over 2,000 weight draws), the paired futures (N futures x 26 runs, every saved time kept),
and the pathways (every link between each run's levers and its notable indicators cut, by
``cf.knockout`` with per-run masks: hundreds of links per engine call), per programme and in all.
Prints a table; nothing is asserted (tests never assert a time).

Measured (2 CPUs shared with other work, load average 6, x86_64; 30 Nov 2026)
------------------------------------------------------------------------------
==============================================  =========
step                                            seconds
==============================================  =========
runs (26) + comparison                          1.2
100 paired futures (2,600 runs)                 1.0
500 paired futures (13,000 runs)                2.8
pathways, 25 programmes (201 pathways found)    55.5
waste banks: 463 links, 256 per engine call     2.0
waste banks: 463 links, one engine call each    51.8
==============================================  =========

Branch ``cuts`` (load 2-3, ``--futures`` with no number): pathways, 25 programmes, batch 21.0 s; compiled
3.7 s (warm: jakarta.mdl's knockout kernel handed each run's link and the reference trajectories directly).

The per-run masks of the batch engine (a run whose held trajectory is NaN follows its own equation)
make the pathways 26 times faster than one engine call per link.

Usage::

    python benchmarks/bench_appraisal.py [--futures 100 500] [--one-by-one]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from cityfutures.analysis import pathways as pw
from cityfutures.analysis.compare import comparison_result, comparison_table
from cityfutures.analysis.knockout import knockout
from cityfutures.api import run_futures, run_plan
from cityfutures.plan import build_plan
from cityfutures.scenario import load_comparison

ROOT = Path(__file__).resolve().parents[1]
WORKSHOP = ROOT / "scenarios" / "workshop-2018.yaml"


def timed(label: str, fn):
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:48s} {time.perf_counter() - t0:8.1f}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--futures", type=int, nargs="*", default=[100, 500])
    ap.add_argument("--one-by-one", action="store_true", help="also time one programme's links one call each")
    args = ap.parse_args()
    comp = load_comparison(WORKSHOP)
    plan = build_plan(comp)
    run_plan(plan)   # warm: translation cache, compiled program
    ds = timed(f"runs ({len(plan.runs)}) + comparison", lambda: comparison_result(run_plan(plan)).results)
    for n in args.futures:
        timed(f"{n} paired futures ({n * len(plan.runs):,} runs)", lambda n=n: run_futures(plan, ds, n))
    table = comparison_table(ds)
    for engine in ("batch", "compiled"):     # compiled: one knockout kernel (its compile is the first call's)
        found = timed(f"pathways, {len(plan.runs) - 1} programmes, {engine}",
                      lambda e=engine: pw.explain(plan, table, engine=e))
    print(f"  pathways found: {int((found.kind == 'pathway').sum())}, interactions: "
          f"{int((found.kind == 'interaction').sum())}")
    if args.one_by_one:
        base, run = plan.runs[0], next(r for r in plan.runs if r.name == "waste-banks")
        out, into, _kind = pw._graph(plan.model)
        inds = list(table[(table.scenario == run.name) & (table.delta_end_pct.abs() >= 1)].indicator)
        links = pw.links_between(out, into, pw._levers(plan.model, run, base), inds)
        h = plan.horizon
        for batch in (pw.BATCH, 1):
            timed(f"waste banks, {len(links)} links, batch={batch}",
                  lambda b=batch: knockout(plan.model, dict(run.params), reference=dict(base.params), cuts=links,
                                           indicators=inds, start=h.start, end=h.end, dt=h.dt, batch=b,
                                           together=False))


if __name__ == "__main__":
    main()
