"""Memory a piece of work will need, checked against what the machine has before the work starts.

A file or an argument can ask for more than any machine holds (a billion futures, a time step
of a minute kept for every variable): that is refused at once with one line naming the bound
and the option that lowers the need, instead of minutes of swapping and a ``MemoryError``.

Estimates count the arrays that grow with the work, 8 bytes per number: runs x saved times x
kept variables for results held whole, and what stays per future for work that streams
(an ensemble keeps each run's last values and reduces the rest chunk by chunk). They are
estimates of the dominant arrays, not of every temporary.

>>> require_memory(10**6, what="this run", allowed="fewer runs", field="samples")   # doctest: +SKIP
"""
from __future__ import annotations

import math
import os

from .errors import InputError

__all__ = ["available_memory", "require_memory", "bytes_text", "check_run_size", "BYTES", "COPIES", "MAX_STEPS"]

BYTES = 8
"""Bytes of one stored number (float64)."""
COPIES = 3
"""Copies of a results array alive at once (the engine's table, the Dataset, the file being written)."""
SMALL_NEED = 16 * 2**20
"""Bytes below which :func:`require_memory` refuses nothing (without reading the system's figures)."""
MAX_STEPS = 1_000_000
"""Most time steps of one run of a model as it stands (a scenario's horizon allows 200,000)."""


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_available() -> int | None:
    """Room left under a container's memory limit (cgroup v2, then v1), if there is a limit."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(limit_file, encoding="ascii") as fh:
                limit = fh.read().strip()
            with open(usage_file, encoding="ascii") as fh:
                usage = int(fh.read().strip())
        except (OSError, ValueError):
            continue
        if limit.isdigit() and int(limit) < 2**60:
            return max(0, int(limit) - usage)
    return None


def available_memory() -> int:
    """Bytes of memory this process can still take: the system's available memory, within a container's limit."""
    found = [x for x in (_meminfo_available(), _cgroup_available()) if x is not None]
    if not found:
        try:
            found = [os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")]
        except (ValueError, OSError, AttributeError):   # pragma: no cover - no way to ask: do not refuse
            return 2**62
    return min(found)


def bytes_text(n: float) -> str:
    """``17.2 GB``, ``512 MB``: a size in the units people read (powers of 1024)."""
    n = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} EB"  # pragma: no cover


def require_memory(need: float, *, what: str, allowed: str, field: str, path: str = "<command line>",
                   per: float | None = None) -> None:
    """Refuse work that needs more memory than is available, before it starts.

    Parameters
    ----------
    need : float
        Estimated bytes.
    what : str
        The work and how the estimate is made, e.g. ``"26 runs x 200,000 saved times x 414 variables"``.
    allowed : str
        The option that lowers the need, e.g. ``"at most {fits:,} futures (--samples)"``: ``{fits}``
        is replaced by how many units of ``per`` bytes fit.
    field : str
        The argument or field that set the size.
    per : float, optional
        Bytes of one unit of the work (one future, one sample), for ``{fits}``.

    Raises
    ------
    InputError
        ``need`` is more than :func:`available_memory`.
    """
    if need <= SMALL_NEED:        # reading the system's figures would cost more than such a run
        return
    have = available_memory()
    if need > have:
        fits = int(have // per) if per else 0
        raise InputError(f"{what} needs about {bytes_text(need)} of memory, more than the {bytes_text(have)} "
                         "available", path=path, field=field, allowed=allowed.format(fits=fits))


def check_run_size(start: float, end: float, dt: float, saveper: float, runs: int, kept: int, *,
                   path: str | None = None) -> None:
    """Refuse (InputError) a run whose time settings cannot be stepped through or whose saved values
    (runs x saved times x kept variables) would not fit in memory, before it starts.

    The fields named are the model's control variables (``TIME STEP``, ``SAVEPER``), which the
    arguments of :func:`cityfutures.simulate` (``dt``, ``saveper``) override.
    """
    span = end - start
    steps = span / dt if dt > 0 else math.inf
    if not (math.isfinite(span) and span > 0):
        raise InputError(f"the run goes from {start:g} to {end:g}", path=path, field="FINAL TIME",
                         allowed="a FINAL TIME after the INITIAL TIME")
    if not math.isfinite(steps) or steps > MAX_STEPS:
        raise InputError(f"a run from {start:g} to {end:g} in steps of {dt:g} takes {steps:,.0f} steps, more than "
                         f"{MAX_STEPS:,}", path=path, field="TIME STEP",
                         allowed=f"a TIME STEP of at least {span / MAX_STEPS:g}, or a shorter run")
    saved = math.floor(span / saveper + 1e-9) + 1 if saveper > 0 else math.inf
    if not math.isfinite(saved):
        raise InputError(f"the saving interval must be positive, got {saveper:g}", path=path, field="SAVEPER",
                         allowed="a positive multiple of the TIME STEP")
    require_memory(float(runs) * min(saved, steps + 1) * kept * BYTES * COPIES,
                   what=f"{runs:,} runs x {int(min(saved, steps + 1)):,} saved times x {kept:,} variables",
                   allowed="a longer SAVEPER (fewer saved times), fewer runs or fewer variables", field="SAVEPER",
                   path=path or "<model>")
