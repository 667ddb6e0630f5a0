"""Runs per second of PySD's loop and of the batch engine, in one process.

Usage::

    python benchmarks/bench_engines.py [--model models/jakarta.mdl] [--pysd-runs 20]

Prints a table for N = 1, 100, 10,000 and 100,000 runs with the speed-up, the latency of
one ten-year batch run and the peak memory of the largest ensemble (tracemalloc, numpy
arrays included). Each run varies every scalar constant by +-10% so that no two runs
are alike. PySD runs one at a time: its rate is measured on ``--pysd-runs`` runs and, at
the larger N, reported at that measured rate (running 100,000 PySD runs would take hours).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cityfutures.batch import compile_model  # noqa: E402
from cityfutures.model import load_model  # noqa: E402

SIZES = (1, 100, 10_000, 100_000)
CHUNK = 25_000


def _params(model, n: int, rng) -> dict:
    """Every scalar constant scaled by a uniform factor in [0.9, 1.1], one per run."""
    out = {}
    for name, var in model.constants.items():
        if var.value is not None and np.isfinite(var.value):
            out[name] = var.value * rng.uniform(0.9, 1.1, n)
    return out


def _batch_rate(bm, model, n: int, keep: list, rng) -> float:
    """Runs per second of the batch engine at ensemble size ``n`` (chunked above CHUNK)."""
    start = time.perf_counter()
    done = 0
    while done < n:
        size = min(CHUNK, n - done)
        bm.run(_params(model, size, rng), n_runs=size, variables=keep)
        done += size
    return n / (time.perf_counter() - start)


def _pysd_rate(model, runs: int, rng) -> float:
    pm = model.pysd()
    params = _params(model, runs, rng)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(runs):
            pm.run(params={k: float(v[r]) for k, v in params.items()}, progress=False)
    return runs / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "jakarta.mdl"))
    parser.add_argument("--pysd-runs", type=int, default=20)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(args.model)
        bm = compile_model(model.path)
    keep = list(model.indicators) or None
    print(f"model: {model.path.name} ({len(bm.labels)} variables, "
          f"{len(bm.graph.continuous)} stateful states); kept: "
          f"{'indicators (%d)' % len(keep) if keep else 'every variable'}")
    bm.run(n_runs=1, variables=keep)  # compile the program once
    latencies = []
    for _ in range(20):
        t0 = time.perf_counter()
        bm.run(n_runs=1, variables=keep)
        latencies.append(time.perf_counter() - t0)
    pysd_rate = _pysd_rate(model, args.pysd_runs, rng)
    rows = []
    for n in SIZES:
        measured = n <= args.pysd_runs * 5
        p_rate = _pysd_rate(model, n, rng) if measured and n > 1 else pysd_rate
        b_rate = _batch_rate(bm, model, n, keep, rng)
        rows.append((n, p_rate, b_rate, measured))
    tracemalloc.start()
    _batch_rate(bm, model, SIZES[-1], keep, rng)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print()
    print("| N runs | PySD runs/s | batch runs/s | batch / PySD |")
    print("|-------:|------------:|-------------:|-------------:|")
    for n, p, b, measured in rows:
        mark = "" if measured else "*"
        print(f"| {n:,} | {p:,.1f}{mark} | {b:,.0f} | {b / p:,.0f}x |")
    print()
    print("* PySD's per-run rate measured on %d runs (PySD runs one at a time)." % args.pysd_runs)
    print(f"single-run latency (batch, N=1, median of 20): "
          f"{statistics.median(latencies) * 1e3:.2f} ms")
    print(f"peak memory, N={SIZES[-1]:,} in chunks of {CHUNK:,}: {peak / 2**20:,.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
