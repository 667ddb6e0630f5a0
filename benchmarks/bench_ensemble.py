"""Benchmark: an ensemble of the workshop comparison, in process and on a two-worker Dask cluster.

    python benchmarks/bench_ensemble.py                       # 100,000 futures (x 26 scenarios = 2.6 M runs)
    python benchmarks/bench_ensemble.py --samples 10000 --executors inprocess dask

Reports wall time, runs per second and peak resident memory (this process; for Dask also
the largest worker) as a Markdown table, and writes it as JSON with ``--json FILE``.
Each executor runs in a fresh subprocess so that peak memory is its own.

Measured (100,000 futures x 26 scenarios of workshop-2018 = 2.6 M runs, chunks of 2,000 futures,
a 2-CPU machine shared with other jobs; peak = max resident set size):

| executor | runs | wall | runs/s | peak driver | peak worker |
|---|---|---|---|---|---|
| in process (batch engine) | 2,600,000 | 444 s | 5,856 | 1,152 MB | - |
| Dask local cluster, 2 worker processes | 2,600,000 | 415 s | 6,273 | 1,176 MB | 393 MB |

After the switch to annual means and the baseline's own ``uncertain:`` block (same machine, smaller runs):

| executor | runs | wall | runs/s | peak driver | peak worker |
|---|---|---|---|---|---|
| in process, 10,000 futures | 260,000 | 35.6 s | 7,308 | 975 MB | - |
| in process, 1,000 futures | 26,000 | 6.5 s | 3,979 | 459 MB | - |
| Dask local cluster, 2 workers, 1,000 futures | 26,000 | 8.9 s | 2,936 | 432 MB | 267 MB |

(``period_means`` takes about 1 ms per 2,000 runs x 9 indicators: about 0.3 % of a chunk's time.)

Quantiles are reduced chunk by chunk (``sketch(2048)``), so memory does not grow with the number of
trajectories; per future only the last year's values are kept (26 x 100,000 x 8 floats = 166 MB).
The futures are the baseline's ``uncertain:`` block (scenarios/baseline.yaml). Each run is reduced
to annual means (the mean over the 4 saved times in each of the 10 years: one small matrix
product per chunk instead of picking 11 points), which costs well under 1 % of the simulation.
With two CPUs the Dask driver competes with its own workers; on more cores the cluster scales.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPARISON = ROOT / "scenarios" / "workshop-2018.yaml"

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0     # Linux: kB


def one(executor: str, samples: int, seed: int, chunk_size: int | None) -> dict:
    import cityfutures as cf
    comparison = cf.load_comparison(COMPARISON)
    plan = cf.plan_ensemble(comparison, samples=samples, seed=seed)      # the baseline's own uncertain: block
    t0 = time.perf_counter()
    with cf.make_executor(executor, n_workers=2 if executor != "inprocess" else None) as ex:
        res = cf.run_ensemble(plan, executor=ex, chunk_size=chunk_size, progress=sys.stderr.isatty())
        workers_mb = None
        if executor == "dask":
            rss = ex.client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
            workers_mb = max(rss.values())
    wall = time.perf_counter() - t0
    return {"executor": res.dataset.attrs["executor"], "samples": samples, "scenarios": len(plan.scenarios),
            "runs": plan.n_runs, "wall_s": round(wall, 1), "runs_per_s": round(plan.n_runs / wall),
            "peak_mb_driver": round(_peak_mb()), "peak_mb_worker": None if workers_mb is None else round(workers_mb),
            "failed_runs": len(res.failures), "reduction": res.dataset.attrs["reduction"]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--samples", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--chunk-size", type=int, default=2000)
    p.add_argument("--executors", nargs="+", default=["inprocess", "dask"], choices=["inprocess", "process", "dask"])
    p.add_argument("--json", metavar="FILE")
    p.add_argument("--one", choices=["inprocess", "process", "dask"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.samples, args.seed, args.chunk_size)))
        return 0
    rows = []
    for ex in args.executors:
        cmd = [sys.executable, __file__, "--one", ex, "--samples", str(args.samples), "--seed", str(args.seed),
               "--chunk-size", str(args.chunk_size)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=dict(os.environ))
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cols = ["executor", "samples", "runs", "wall_s", "runs_per_s", "peak_mb_driver", "peak_mb_worker", "failed_runs",
            "reduction"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
