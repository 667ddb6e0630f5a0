"""Runs per second of PySD's loop and of the batch engine, in one process.

Usage::

    python benchmarks/bench_engines.py [--model models/jakarta.mdl] [--pysd-runs 20]

Both engines keep only the model's indicators (the ``indicators`` of its sidecar
``.meta.yaml``; every variable when it lists none), as the issue's targets are stated.
Prints a table for N = 1, 100, 10,000 and 100,000 runs with the speed-up; the latency of
one ten-year run, both of the raw engine (``BatchModel.run``) and of
``simulate(model, params, engine="batch")`` with a pre-loaded model (what the workshop
dashboard calls on every slider move); and the peak memory of 100,000 runs made in one
``simulate`` call, results kept (tracemalloc, numpy arrays included). Each run varies
every scalar constant by +-10% so that no two runs are alike. PySD runs one at a time:
its rate is measured on ``--pysd-runs`` runs (and on all N runs up to five times that)
and, at the larger N, reported at the measured rate (100,000 PySD runs would take hours).
Takes about two minutes (most of it in the 120 PySD runs).
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

from cityfutures.engine.batch import compile_model  # noqa: E402
from cityfutures.engine.simulate import simulate  # noqa: E402
from cityfutures.model import load_model  # noqa: E402

SIZES = (1, 100, 10_000, 100_000)
CHUNK = 25_000
LATENCY_REPEATS = 50


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


def _pysd_rate(model, runs: int, keep: list, rng) -> float:
    pm = model.pysd()
    params = _params(model, runs, rng)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(runs):
            pm.run(params={k: float(v[r]) for k, v in params.items()}, return_columns=keep,
                   progress=False)
    return runs / (time.perf_counter() - start)


def _median_ms(call, repeats: int = LATENCY_REPEATS) -> float:
    call()  # compile the program once (later calls hit the cache)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


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
          f"{len(bm.graph.continuous)} stateful states); both engines keep "
          f"{'only the %d indicators of its sidecar' % len(keep) if keep else 'every variable'}")

    levers = {name: lever.baseline * 1.05 for name, lever in model.levers.items()}
    raw_ms = _median_ms(lambda: bm.run(levers, variables=keep))
    simulate_ms = _median_ms(lambda: simulate(model, levers, engine="batch", variables=keep))
    simulate_all_ms = _median_ms(lambda: simulate(model, levers, engine="batch"))
    vector_ms = _median_ms(lambda: bm.run(levers, variables=keep, scalar=False), 10)

    pysd_rate = _pysd_rate(model, args.pysd_runs, keep, rng)
    bm.run(_params(model, 2, rng), variables=keep)  # compile the ensembles' program once
    rows = []
    for n in SIZES:
        measured = n <= args.pysd_runs * 5
        p_rate = _pysd_rate(model, n, keep, rng) if measured and n > 1 else pysd_rate
        b_rate = _batch_rate(bm, model, n, keep, rng)
        rows.append((n, p_rate, b_rate, measured))

    n_mem = SIZES[-1]
    params = _params(model, n_mem, rng)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    ds = simulate(model, params, engine="batch", variables=keep)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    kept = sum(v.nbytes for v in ds.data_vars.values())
    del ds, params

    print()
    print("| N runs | PySD runs/s | batch runs/s | batch / PySD |")
    print("|-------:|------------:|-------------:|-------------:|")
    for n, p, b, measured in rows:
        mark = "" if measured else "*"
        print(f"| {n:,} | {p:,.1f}{mark} | {b:,.0f} | {b / p:,.0f}x |")
    print()
    print(f"* PySD's per-run rate measured on {args.pysd_runs} runs (PySD runs one at a time).")
    print(f"single-run latency, median of {LATENCY_REPEATS} (every lever moved 5%):")
    for label, ms in (("batch engine, BatchModel.run (scalar path)", raw_ms),
                      ("simulate(model, params, engine='batch'), model pre-loaded", simulate_ms),
                      (f"the same, keeping every variable ({len(bm.labels)})", simulate_all_ms),
                      ("batch engine forced onto the vectorised path (N=1)", vector_ms)):
        print(f"  {label:<60} {ms:6.2f} ms")
    print(f"peak memory, {n_mem:,} runs in one simulate() call keeping the indicators: "
          f"{peak / 2**20:,.0f} MiB (of which results {kept / 2**20:,.0f} MiB; target 4,096 MiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
