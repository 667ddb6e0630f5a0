"""How fast is the portfolio search? Portfolios per second, and the time to the exact front.

On ``scenarios/workshop-2018.yaml`` (18 programmes, 2**18 = 262,144 portfolios, 16 indicators of the
Jakarta model): the time to the exact front and the budget curve at 5, 10, 20, 40 and 80 trillion
rupiah (every portfolio within the largest budget simulated, in chunks of ``--chunk`` portfolios per
engine call), portfolios per second, and the paired futures of the chosen portfolios. Then the
evolutionary search (pymoo NSGA-II) on synthetic catalogues (made up, not shipped): on 18 programmes
its hypervolume against the exact front's, and its time on 70. Prints a table; nothing is asserted.

Measured (2 CPUs shared with other work, load average 2.8, x86_64; 30 Nov 2026, the model's second pass)
------------------------------------------------------------------------------------------------------
==============================================================  ==========
step                                                            value
==============================================================  ==========
workshop: exact front, 254,287 portfolios simulated of 262,144        22.1 s
workshop: portfolios per second (whole search)                    11,502.7
workshop: exact front + 50 futures for the front                      27.1 s
synthetic 18: exhaustive                                               1.5 s
synthetic 18: evolutionary (3,543 simulated)                           1.1 s
synthetic 18: hypervolume evolutionary / exact [%]                   100.0
synthetic 70: evolutionary (5,734 simulated)                           3.0 s
==============================================================  ==========

At load average 4 (before the model's second pass) the same search took 37.7 s (6,744 portfolios a second).

Usage::

    python benchmarks/bench_portfolio.py [--chunk 4096] [--futures 50] [--no-synthetic]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import cityfutures as cf
from cityfutures.analysis.portfolio import hypervolume

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.helpers import write_catalogue  # noqa: E402  (the synthetic catalogue lives with the tests)

BUDGETS = [5000, 10000, 20000, 40000, 80000]


def _hv(result, budget: float) -> float:
    front = result.table[result.table["on_front"]]
    return hypervolume(front["cost_idr_bn"], front["score"], budget, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--futures", type=int, default=50)
    ap.add_argument("--no-synthetic", action="store_true")
    args = ap.parse_args()
    rows = []
    t = time.perf_counter()
    res = cf.portfolio(ROOT / "scenarios" / "workshop-2018.yaml", budgets=BUDGETS, chunk_size=args.chunk)
    total = time.perf_counter() - t
    n = res.meta["evaluated"]
    rows.append((f"workshop: exact front, {n:,} portfolios simulated of {res.meta['portfolios']:,}", total))
    rows.append(("workshop: portfolios per second (whole search)", n / total))
    t = time.perf_counter()
    cf.portfolio(ROOT / "scenarios" / "workshop-2018.yaml", budgets=BUDGETS, chunk_size=args.chunk,
                 futures=args.futures)
    rows.append((f"workshop: exact front + {args.futures} futures for the front", time.perf_counter() - t))
    if not args.no_synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_catalogue(Path(tmp) / "s18", 18, seed=7)
            t = time.perf_counter()
            exact = cf.portfolio(path, budgets=[500], search="exhaustive")
            rows.append(("synthetic 18: exhaustive", time.perf_counter() - t))
            t = time.perf_counter()
            evolved = cf.portfolio(path, budgets=[500], search="evolutionary", generations=60, population=100, seed=1)
            rows.append((f"synthetic 18: evolutionary ({evolved.meta['evaluated']:,} simulated)",
                         time.perf_counter() - t))
            rows.append(("synthetic 18: hypervolume evolutionary / exact [%]",
                         100 * _hv(evolved, 500) / _hv(exact, 500)))
            path = write_catalogue(Path(tmp) / "s70", 70, seed=3)
            t = time.perf_counter()
            many = cf.portfolio(path, budgets=[800], generations=60, population=100, seed=1)
            rows.append((f"synthetic 70: evolutionary ({many.meta['evaluated']:,} simulated)", time.perf_counter() - t))
    width = max(len(r[0]) for r in rows)
    print("=" * width + "  " + "=" * 10)
    print("step".ljust(width) + "  " + "value")
    print("=" * width + "  " + "=" * 10)
    for name, value in rows:
        print(name.ljust(width) + f"  {value:10,.1f}")
    print("=" * width + "  " + "=" * 10)


if __name__ == "__main__":
    main()
