"""How fast does the dashboard's core answer a slider move? (``Dashboard.update``, no browser)

Each step moves one lever to a new value (never seen before, so nothing comes from the cache),
the way a room drags sliders, and times ``Dashboard.update(state)``: validation of the
scenario, the plan, the batch run of ten years and the comparison with the baseline. A second
series switches programmes on and off. The target is 150 ms from a slider move to the page's
answer; the browser test (tests/dashboard/test_browser.py, run with -s) prints the full
key-press-to-screen time.

Usage::

    python benchmarks/bench_dashboard.py [--scenarios scenarios] [--moves 60] [--seed 42]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from cityfutures.dashboard.state import Dashboard


def _summary(label: str, ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"{label:<34} n={a.size:<4} median {np.median(a):7.1f} ms   p90 {np.percentile(a, 90):7.1f} ms   "
            f"max {a.max():7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="scenarios")
    ap.add_argument("--moves", type=int, default=60)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    d = Dashboard(args.scenarios)
    print(f"start-up (load comparison, run the baseline): {time.perf_counter() - t0:.2f} s")
    state = d.initial_state()
    d.update(state)                              # warm the engine's compiled program

    levers = d.controls_levers
    moves: list[float] = []
    for _ in range(args.moves):
        c = levers[rng.integers(len(levers))]
        k = rng.integers(0, int(round((c.maximum - c.minimum) / c.step)) + 1)
        value = float(f"{c.minimum + k * c.step:.12g}")
        state = state.with_lever(c.name, value, start=c.start)
        try:
            v = d.update(state)
        except Exception:                        # a move the model's ranges refuse: undo it
            state = state.with_lever(c.name, c.start, start=c.start)
            continue
        if not v.cached:
            moves.append(v.seconds * 1000)

    switches = [c for c in d.controls_switches if c.kind != "shock"]
    toggles: list[float] = []
    state = d.initial_state()
    for _ in range(max(10, args.moves // 3)):
        c = switches[rng.integers(len(switches))]
        on = c.name not in (state.programmes if c.kind == "programme" else state.bundles)
        candidate = state.with_switch(c.kind, c.name, on)
        try:
            v = d.update(candidate)
        except Exception:
            continue
        state = candidate
        if not v.cached:
            toggles.append(v.seconds * 1000)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")
    print(_summary("slider move (new value)", moves))
    print(_summary("programme/bundle switch", toggles))
    print(f"cached answer (same scenario again): {statistics.median(_cached(d, state)):.2f} ms")


def _cached(d: Dashboard, state) -> list[float]:
    out = []
    for _ in range(20):
        out.append(d.update(state).seconds * 1000)
    return out


if __name__ == "__main__":
    main()
