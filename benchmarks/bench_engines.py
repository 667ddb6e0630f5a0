"""PySD, the batch engine and the compiled engine side by side, in one process.

Usage::

    python benchmarks/bench_engines.py [--model models/jakarta.mdl] [--pysd-runs 20] [--sizes 1,100,10000,100000]

All engines keep only the model's indicators (the ``indicators`` of its sidecar ``.meta.yaml``;
every variable when it lists none), as the issue's targets are stated. For N = 1, 100, 10,000 and
100,000 runs it prints runs per second (the best of several rounds, the engines taking turns),
nanoseconds per variable-step-run (time / (variables x time steps x N)) and the peak memory of the
call (tracemalloc: numpy arrays included), then the ratios the targets are stated in, all measured
in this run:

- compiled / batch runs per second at N = 10,000;
- one run: the batch engine's one-run path (``BatchModel.run``, its scalar path) against the compiled
  kernel alone (``CompiledModel.integrate`` of a prepared job) and ``simulate()`` with the compiled
  engine (the model loaded, the indicators as an xarray Dataset) against the kernel;
- the reference models with DELAY N and SMOOTH chains (``../shared/reference-models``): compiled /
  batch at N = 10,000.

Compile times: the kernel's first load in this process (cold when numba compiled it, warm when it
came from numba's cache; run twice to see both). Each run varies every scalar constant by +-10% so
no two runs are alike. PySD runs one at a time: its rate is measured on ``--pysd-runs`` runs and
reported at that rate for the larger N (100,000 PySD runs would take hours).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cityfutures.engine.compiled import COMPILE_TIMES, compile_model as compile_compiled  # noqa: E402
from cityfutures.engine.simulate import simulate  # noqa: E402
from cityfutures.model import load_model  # noqa: E402

SIZES = (1, 100, 10_000, 100_000)
CHUNK = 25_000
LATENCY_REPEATS = 50
REPEATS = {1: 20, 100: 10, 10_000: 5, 100_000: 2}
"""Rounds per ensemble size: the best round of each engine is reported."""
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").is_dir() else Path("/work/shared")
PIPELINE_MODELS = ("delays/test_delays.mdl", "smooth/test_smooth.mdl", "subscripted_delays/test_subscripted_delays.mdl",
                   "subscripted_smooth/test_subscripted_smooth.mdl")


def _params(constants: dict, n: int, rng) -> dict:
    """Every scalar constant scaled by a uniform factor in [0.9, 1.1], one per run."""
    return {name: value * rng.uniform(0.9, 1.1, n) for name, value in constants.items()}


def _rate(engine, constants: dict, n: int, keep, rng) -> float:
    """Runs per second of ``engine.run`` at ensemble size ``n`` (chunked above CHUNK; parameters drawn
    outside the timed calls)."""
    elapsed, done = 0.0, 0
    while done < n:
        size = min(CHUNK, n - done)
        params = _params(constants, size, rng)
        start = time.perf_counter()
        engine.run(params, n_runs=size, variables=keep)
        elapsed += time.perf_counter() - start
        done += size
    return n / elapsed


def _best_rates(engines: list, constants: dict, n: int, keep, rng, repeats: int) -> list:
    """Each engine's best runs per second over ``repeats`` rounds, the engines taking turns in each round
    (on a shared machine the best of several turns measures the engine, not the neighbours)."""
    best = [0.0] * len(engines)
    for _ in range(repeats):
        for k, engine in enumerate(engines):
            best[k] = max(best[k], _rate(engine, constants, n, keep, rng))
    return best


def _peak(engine, constants: dict, n: int, keep, rng) -> float:
    """Peak memory [B] of ``n`` runs in one ``engine.run`` call, results kept (tracemalloc, a separate call:
    tracing slows allocation-heavy code)."""
    params = _params(constants, n, rng)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    out = engine.run(params, n_runs=n, variables=keep)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    del out
    return peak


def _pysd_rate(model, runs: int, keep, constants: dict, rng) -> float:
    pm = model.pysd()
    params = _params(constants, runs, rng)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for r in range(runs):
            pm.run(params={k: float(v[r]) for k, v in params.items()}, return_columns=keep, progress=False)
    return runs / (time.perf_counter() - start)


def _median_ms(call, repeats: int = LATENCY_REPEATS) -> float:
    call()  # compile once (later calls hit the caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def _scalar_constants(cm) -> dict:
    """The model's constants given by a number (not zero), by Vensim label."""
    return {label: value for label, value in cm.constants.items() if value and "[" not in label
            and label not in ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")}


def _pipelines(rng) -> list:
    """Compiled / batch runs per second at N = 10,000 on the reference models with DELAY and SMOOTH chains."""
    rows = []
    for rel in PIPELINE_MODELS:
        path = SHARED / "reference-models" / "tests" / rel
        if not path.is_file():
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm = compile_compiled(path)
        constants = _scalar_constants(cm)
        n_vars, steps = len(cm.labels), _steps(cm)
        cm.run(_params(constants, 2, rng), n_runs=2)
        batch, compiled = _best_rates([cm.batch, cm], constants, 10_000, None, rng, 5)
        rows.append((path.parent.name, n_vars, steps, batch, compiled))
    return rows


def _steps(cm) -> int:
    from cityfutures.engine.batch.integrate import time_grid
    return len(time_grid(*cm.control())[0])


def _stream_child(model: str, n: int, path: str, out) -> None:
    """In a child process: stream every variable of ``n`` runs to ``path``; send back seconds and peak RSS."""
    import resource

    from cityfutures.results.runs import stream_runs
    rng = np.random.default_rng(7)
    cm = compile_compiled(model)
    constants = _scalar_constants(cm)
    t0 = time.perf_counter()
    stream_runs(model, _params(constants, n, rng), path)
    out.send((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))


def _stream(model: str, n: int) -> tuple[float, float, int]:
    """Seconds, peak resident memory [B] and file size [B] of streaming every variable of ``n`` runs."""
    import multiprocessing
    import tempfile
    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="cityfutures-stream-") as folder:   # never inside the checkout
        path = str(Path(folder) / "runs.nc")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_stream_child, args=(model, n, path, child))
        proc.start()
        seconds, peak = parent.recv()
        proc.join()
        return seconds, peak, Path(path).stat().st_size


def _ns(rate: float, n_vars: int, steps: int) -> float:
    return 1e9 / (rate * n_vars * steps)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "jakarta.mdl"))
    parser.add_argument("--pysd-runs", type=int, default=20)
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES))
    parser.add_argument("--stream", type=int, default=0, metavar="N",
                        help="also keep every variable of N runs (cf.stream_runs into a temporary NetCDF file, "
                             "in a child process) and report its peak resident memory")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = np.random.default_rng(42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = load_model(args.model)
        cm = compile_compiled(model.path)
    bm = cm.batch
    keep = list(model.indicators) or None
    constants = _scalar_constants(cm)
    n_vars, steps = len(bm.labels), _steps(cm)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"model: {model.path.name} ({n_vars} variables, {len(bm.graph.continuous)} stateful states, "
          f"{steps} time steps); every engine keeps "
          f"{'the %d indicators of its sidecar' % len(keep) if keep else 'every variable'}; {cores} cores; "
          f"load average {os.getloadavg()[0]:.1f}")

    t0 = time.perf_counter()
    cm.run(_params(constants, 2, rng), variables=keep)
    print(f"compiled kernel (indicators): first load {time.perf_counter() - t0:.1f} s "
          f"({'cold: numba compiled it' if COMPILE_TIMES[-1][3] else 'warm: from numba cache'}; "
          f"compile step {COMPILE_TIMES[-1][2]:.1f} s)")

    levers = {name: lever.baseline * 1.05 for name, lever in model.levers.items()}
    job = bm.prepare(levers, variables=keep)
    batch_one = _median_ms(lambda: bm.run(levers, variables=keep))
    kernel_one = _median_ms(lambda: cm.integrate(job))
    simulate_one = _median_ms(lambda: simulate(model, levers, engine="compiled", variables=keep))
    simulate_batch = _median_ms(lambda: simulate(model, levers, engine="batch", variables=keep))

    pysd_rate = _pysd_rate(model, args.pysd_runs, keep, constants, rng)
    rows = []
    for n in sizes:
        measured = n <= args.pysd_runs * 5
        p_rate = _pysd_rate(model, n, keep, constants, rng) if measured and n > 1 else pysd_rate
        b_rate, c_rate = _best_rates([bm, cm], constants, n, keep, rng, REPEATS.get(n, 2))
        b_peak, c_peak = _peak(bm, constants, n, keep, rng), _peak(cm, constants, n, keep, rng)
        rows.append((n, p_rate, b_rate, c_rate, b_peak, c_peak, measured))

    print()
    print("| N runs | PySD runs/s | batch runs/s | compiled runs/s | compiled / batch | compiled / PySD "
          "| ns per variable-step-run (PySD, batch, compiled) | peak MiB (batch, compiled) |")
    print("|-------:|------------:|-------------:|----------------:|-----------------:|----------------:"
          "|:---|:---|")
    for n, p, b, c, bp, cp, measured in rows:
        mark = "" if measured else "*"
        print(f"| {n:,} | {p:,.1f}{mark} | {b:,.0f} | {c:,.0f} | {c / b:,.1f}x | {c / p:,.0f}x "
              f"| {_ns(p, n_vars, steps):,.0f}, {_ns(b, n_vars, steps):.2f}, {_ns(c, n_vars, steps):.3f} "
              f"| {bp / 2**20:,.0f}, {cp / 2**20:,.0f} |")
    print(f"\n* PySD's per-run rate measured on {args.pysd_runs} runs (PySD runs one at a time).")
    print(f"\none run, median of {LATENCY_REPEATS} (every lever moved 5%):")
    for label, ms in (("batch engine's one-run path (BatchModel.run, scalar)", batch_one),
                      ("compiled kernel (CompiledModel.integrate of a prepared job)", kernel_one),
                      ("simulate(model, params, engine='compiled'), indicators as a Dataset", simulate_one),
                      ("simulate(model, params, engine='batch'), the same", simulate_batch)):
        print(f"  {label:<70} {ms:7.3f} ms")

    pipes = _pipelines(rng)
    if pipes:
        print("\nreference models with DELAY and SMOOTH chains, N = 10,000, every variable:")
        print("| model | variables | steps | batch runs/s | compiled runs/s | compiled / batch "
              "| ns per variable-step-run (batch, compiled) |")
        print("|:---|---:|---:|---:|---:|---:|:---|")
        for name, nv, st, b, c in pipes:
            print(f"| {name} | {nv} | {st} | {b:,.0f} | {c:,.0f} | {c / b:,.1f}x "
                  f"| {_ns(b, nv, st):.2f}, {_ns(c, nv, st):.3f} |")

    print("\ntargets (ratios of this run):")
    at = {n: (b, c) for n, _p, b, c, _bp, _cp, _m in rows}
    if 10_000 in at:
        b, c = at[10_000]
        print(f"  compiled / batch at N = 10,000: {c / b:.1f}x (target >= 5x)")
    print(f"  one run, batch's one-run path / compiled kernel: {batch_one / kernel_one:.1f}x (target >= 10x)")
    print(f"  one run, simulate(compiled) / kernel: {simulate_one / kernel_one:.2f}x (target <= 2x)")
    if pipes:
        print(f"  DELAY/SMOOTH models, compiled / batch at N = 10,000: "
              f"{min(c / b for *_, b, c in pipes):.1f}x to {max(c / b for *_, b, c in pipes):.1f}x (target >= 10x)")
    if args.stream:
        seconds, peak, size = _stream(args.model, args.stream)
        print(f"\nevery variable of {args.stream:,} runs streamed to NetCDF (cf.stream_runs): {seconds:.0f} s, "
              f"file {size / 2**30:.1f} GiB, peak resident memory {peak / 2**30:.2f} GiB (target <= 2 GiB)")
    print("\ncompile times this process (model, kernel, seconds, cold):")
    for label, name, seconds, cold in COMPILE_TIMES:
        print(f"  {label:<32} {name:<44} {seconds:6.1f} s  {'cold' if cold else 'warm'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
