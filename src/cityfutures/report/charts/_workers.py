"""Chart worker processes: how many, how they start, and a pool of them.

Charts are drawn in separate processes (matplotlib holds the GIL while it renders): one per core
available, started from a clean server process (forkserver) that has the chart modules imported
once, never as a fork of a process whose threads may hold locks.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

__all__ = ["START", "PRELOAD", "cores", "main_guarded", "workers_for", "pool"]

START = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
"""How chart workers start: a clean server process forked on demand (never a fork of a process whose
threads may hold locks), else a fresh interpreter."""

PRELOAD = ["cityfutures.report.charts", "cityfutures.report.charts.ensemble", "cityfutures.report.brief"]
"""Modules the chart workers' server imports once, so that each worker starts with them loaded."""


def cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def main_guarded() -> bool:
    """Whether chart workers may start: a new worker process imports the main module again (forkserver and
    spawn do), which is safe in an interactive session or a notebook (no file), under the CLI (``python -m
    cityfutures`` too) or pytest, or in a script whose work sits under ``if __name__ == "__main__":``; any
    other script would run again in every worker, so its charts are drawn in its own process."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    spec = getattr(main, "__spec__", None)
    if path is None or (spec is not None and spec.name.endswith("__main__")):   # python -m pkg: not re-run
        return True
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "__name__ == '__main__'" in text or '__name__ == "__main__"' in text


def workers_for(jobs: int, workers: int | None = None) -> int:
    """Processes for ``jobs`` tasks: ``workers`` if given, else one per core when workers may start
    (:func:`main_guarded`), else 1; never more than the tasks."""
    return max(1, min(jobs, workers or (cores() if main_guarded() else 1)))


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` chart processes (:data:`START`, with :data:`PRELOAD` imported in the server)."""
    context = multiprocessing.get_context(START)
    if START == "forkserver":
        context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(workers, mp_context=context)
