"""The compiled engine: one numba kernel per program, every equation of a run fused into one loop.

It runs the batch engine's graph (:mod:`cityfutures.engine.batch`): the same parse, the same
programs (overrides, outputs, held variables and cut links), the same time grid, rewritten for one
run in plain floats (:mod:`.kernel`) and compiled by numba with ``fastmath`` off, so results agree
with the batch engine to rounding. From ``PARALLEL_MIN_RUNS`` runs, slices of the ensemble run on one
thread per core (the kernel releases the GIL); each run keeps its states in registers and writes
only the outputs kept at the saved times.

Each kernel is a real ``.py`` file in the translation cache (``CITYFUTURES_CACHE_DIR/kernels``),
named by the hash of its source (which holds the whole model), written once and never rewritten, so
numba's own cache (``cache=True``, in ``__pycache__`` beside it) compiles a model once per machine.
RK4 runs on the batch engine (the kernel integrates Euler, PySD's method).

>>> cm = compile_model("models/jakarta.mdl")                          # doctest: +SKIP
>>> times, out = cm.run({"Rail transit capacity": np.linspace(1, 2, 10_000)})   # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import CityfuturesError, KernelError
from ...files import atomic_write
from ...model.load import cache_dir, load_model
from ..batch import BatchModel, Job, compile_model as compile_batch
from ..batch.codegen import cut_links, layout
from ..batch.integrate import RPREC, time_grid
from ..batch.source import identifier
from .kernel import BLOCK, LLVM_OPTIONS, PIPELINES, KernelSource, kernel_source, series_index

__all__ = ["CompiledModel", "Kernel", "KernelError", "compile_model", "kernel_dir", "PARALLEL_MIN_RUNS",
           "COMPILE_TIMES"]

_LITERAL = re.compile(r"^-?_L\d+$")

PARALLEL_MIN_RUNS = 64
"""Runs from which the kernel runs in slices on several threads, one per core (below, handing work to
threads costs more than it saves)."""

COMPILE_TIMES: list = []
"""``(model file, source hash, seconds, cold)`` of every kernel loaded in this process: ``cold`` when
numba compiled it, warm when it came from numba's cache."""

_LOCK = threading.Lock()


def _workers(n: int, blocks: int) -> int:
    """Threads for ``n`` runs in ``blocks`` blocks: one per core available to this process, one below
    ``PARALLEL_MIN_RUNS``."""
    if n < PARALLEL_MIN_RUNS:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, blocks))


def _pool(workers: int) -> ThreadPoolExecutor:
    """A pool of ``workers`` threads, kept for the process (kernels release the GIL); a forked child
    (a process-pool worker) makes its own, as the parent's threads do not exist in it."""
    return _pool_of(workers, os.getpid())


@lru_cache(maxsize=4)
def _pool_of(workers: int, pid: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="cityfutures-kernel")


def kernel_dir() -> Path:
    """Where kernels are written: ``kernels/`` in the translation cache."""
    return cache_dir() / "kernels"


@dataclass
class Kernel:
    """A loaded kernel module and the meaning of its arguments (:class:`.kernel.KernelSource`).

    ``entry("run")`` runs blocks of up to ``BLOCK`` runs (a single run is a block of one), compiled (or read
    from numba's cache) on first use.
    """

    spec: KernelSource
    path: Path
    module: object
    ready: set = field(default_factory=set)
    rows: dict = field(default_factory=dict)
    """Output label -> ``("d", k)`` (the ``k``-th of ``spec.dynamic``) or ``("s", k)`` (of ``spec.static``)."""

    def entry(self, name: str):
        """The numba function ``name``, compiled on first use (its time recorded in ``COMPILE_TIMES``)."""
        fn = getattr(self.module, name)
        if name not in self.ready:
            with _LOCK:
                if name not in self.ready:
                    _compile_now(fn, self)
                    self.ready.add(name)
        return fn


def _load(spec: KernelSource, label: str) -> Kernel:
    """Write (once) and import the kernel module of ``spec``; its functions compiled (or read from
    numba's cache)."""
    digest = hashlib.sha256("\n".join((spec.source, *LLVM_OPTIONS)).encode()).hexdigest()[:20]
    folder = kernel_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{identifier(Path(label).stem, 'k')}_{digest}.py"
    if not path.is_file() or path.read_text(encoding="ascii") != spec.source:
        atomic_write(path, lambda tmp: tmp.write_text(spec.source, encoding="ascii"))
    name = f"cityfutures_kernel_{digest}"
    module = sys.modules.get(name)
    if module is None:
        loader = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader)
        loader.loader.exec_module(module)
        sys.modules[name] = module
    return Kernel(spec, path, module)


def _compile_now(fn, kernel: Kernel) -> None:
    """Compile (or load from numba's cache) one entry on arguments of the right types, and time it.

    Raises
    ------
    KernelError
        numba cannot compile it.
    """
    spec = kernel.spec
    t0 = time.perf_counter()
    n_series = len(spec.series)
    times = np.array([0.0, 1.0])
    saved = np.array([True, True])
    idx = np.zeros((max(n_series, 1), 2), dtype=np.int64)
    flt = np.ones((max(n_series, 1), 2))
    ys = [np.zeros((1, 1)) for _ in spec.series]
    try:
        none = np.zeros(0, dtype=np.int64)
        knocks = (none, np.zeros((spec.knocks, 2))) if spec.knocks else ()
        fn(0, 0, times, saved, 1.0, np.zeros((len(spec.constants), 0)), idx, idx, flt, flt, *ys, none, none,
           np.zeros((0, 2, 0)), np.zeros((0, 0)), *knocks)   # no run: types only
    except Exception as exc:  # noqa: BLE001 - numba's errors have no one base class
        raise KernelError(f"the compiled engine cannot compile {spec.label} "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from exc
    cold = not sum(fn.stats.cache_hits.values())
    COMPILE_TIMES.append((spec.label, f"{kernel.path.stem}.{fn.__name__}", time.perf_counter() - t0, cold))


@dataclass
class CompiledModel:
    """A model for the compiled engine: the batch model (graph, programs, arguments) and its kernels.

    Attributes
    ----------
    batch : BatchModel
    """

    batch: BatchModel
    _kernels: dict = field(default_factory=dict, repr=False)
    _by_program: dict = field(default_factory=dict, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)

    def __getattr__(self, name):        # labels, units, element_dims, control, ... of the batch model
        if name.startswith("_") or name == "batch":
            raise AttributeError(name)
        return getattr(self.batch, name)

    @property
    def constants(self) -> dict:
        """Label -> value of every cell given by a number: each one a parameter of every kernel, so
        that setting any of them compiles nothing new."""
        if "constants" not in self._memo:
            graph = self.batch.graph
            numbers = {name: float(value) for name, value in graph.literals.values()}
            self._memo["constants"] = {
                label: -numbers[run[1:]] if run.startswith("-") else numbers[run]
                for label, nid in graph.labels.items()
                if graph.nodes[nid].kind == "aux" and _LITERAL.match(run := graph.nodes[nid].run)}
        return self._memo["constants"]

    def cut_links(self) -> tuple:
        """The links a knockout can cut at run time (:func:`~cityfutures.engine.batch.codegen.cut_links`):
        those on some path from a lever or shock input of the model to one of its indicators (its sidecar's:
        the links a pathway can run through), or every link of a model whose sidecar names none. Other
        cuts compile a kernel of their own."""
        if "links" not in self._memo:
            try:
                m = load_model(self.batch.path)
                sources = [*m.levers, *(shock.input for shock in m.shocks.values())]
                sinks = list(m.indicators)
            except CityfuturesError:        # no sidecar PySD can read with the model: every link
                sources = sinks = []
            links = cut_links(self.batch.graph, *((sources, sinks) if sources and sinks else ()))
            self._memo["links"] = (links, {(label, target): k for k, (label, target, _g) in enumerate(links)})
        return self._memo["links"][0]

    def _every_link(self) -> set:
        if "every link" not in self._memo:
            self._memo["every link"] = {(label, target) for label, target, _g in cut_links(self.batch.graph)}
        return self._memo["every link"]

    def knockouts(self, job: Job, times: np.ndarray) -> tuple | None:
        """The job's cut links as run-time inputs of the model's one knockout kernel, ``(CUT (N,), REF
        (n_links, T))`` (:mod:`.kernel`), or None when they are not knockouts (a run cutting links of two
        groups, runs cutting one link at different values, a link outside :meth:`cut_links`), which then
        compile a kernel of their own.

        A cut is masked where its values are NaN (the link stays whole there), as on the batch engine; each
        cut's values are taken at every time of the kernel's grid as the batch engine reads them.
        """
        if not job.cuts:
            return None
        links = self.cut_links()
        index = self._memo["links"][1]
        n = job.n
        cut = np.full(n, -1, dtype=np.int64)
        ref = np.full((len(links), len(times)), np.nan)
        active = {}
        for label, target, key, *_masked in job.cuts:
            k = index.get((label, target))
            if k is None and (label, target) in self._every_link():
                return None             # a link no pathway runs through: not in the knockout kernel
            if k is None:               # no equation of the target reads the source: the cut changes nothing
                continue
            xs, ys = job.values[key]
            xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
            if ys.ndim == 1:
                rows, row = np.ones(n, dtype=bool), ys
            else:
                rows = ~np.isnan(ys).all(axis=1)
                if not rows.any():
                    continue
                row = ys[rows][0]
                if not np.array_equal(ys[rows], np.broadcast_to(row, ys[rows].shape), equal_nan=True):
                    return None
                rows = np.broadcast_to(rows, (n,)) if rows.shape[0] == 1 else rows
            group = links[k][2]
            if ((cut[rows] != -1) & (cut[rows] != group)).any():
                return None
            cut[rows] = group
            ref[k] = on_grid(times, xs, row, ys.ndim)
            active[k] = rows
        for k, rows in active.items():      # every cut cell of a group knocked out in the same runs
            if not np.array_equal(rows, cut == links[k][2]):
                return None
        return cut, ref

    def knock_inputs(self, links: list, reference: dict, times: np.ndarray) -> tuple | None:
        """Run ``r`` cutting link ``links[r]`` as inputs of the model's knockout kernel, ``(CUT (N,), REF
        (n_links, T))`` as :meth:`knockouts` gives them, built from the links alone (no program of the cuts).

        Parameters
        ----------
        links : list of (source, target)
            Element names, one link per run (each cell of ``source`` that ``target`` reads is cut).
        reference : mapping of source -> (xs, ys)
            Each source's reference trajectory, 1-D (the value its cut cells take; read on the grid as
            the batch engine reads a per-run series).
        times : ndarray (T,)
            The kernel's time grid.

        Returns None when a link is outside :meth:`cut_links` (it needs a program of its own).
        """
        every, index = self.cut_links(), self._memo["links"][1]
        cut = np.full(len(links), -1, dtype=np.int64)
        ref = np.full((len(every), len(times)), np.nan)
        for r, (source, target) in enumerate(links):
            target = self.batch.element_name(target, "cut")
            cells = [(label, target) for label in self.batch.element_cells(source, field="cut")]
            if any(cell not in index and cell in self._every_link() for cell in cells):
                return None
            cells = [index[cell] for cell in cells if cell in index]   # the rest changes nothing
            if cells:
                xs, ys = (np.asarray(a, dtype=float) for a in reference[source])
                ref[cells] = on_grid(times, xs, ys, 2)
                cut[r] = every[cells[0]][2]
        return cut, ref

    def run_knockouts(self, job: Job, links: list, reference: dict) -> tuple | None:
        """Run a job without cuts in the model's knockout kernel, run ``r`` cutting ``links[r]`` (arguments
        as :meth:`knock_inputs`); returns as :meth:`integrate`, or None where :meth:`knock_inputs` does."""
        knocks = self.knock_inputs(links, reference, self._grid(job.control)[0])
        return None if knocks is None else self.integrate(job, knocks)

    def kernel(self, job: Job, knockouts: bool = False) -> Kernel:
        """The kernel of a job's program (generated, written and compiled on first use; cached); with
        ``knockouts``, the model's knockout kernel (every link of :meth:`cut_links` cut at run time) instead
        of one compiled for the job's cuts.

        Raises
        ------
        KernelError
            numba is missing or cannot compile the kernel.
        """
        stages = self._stages(job)
        fast = (id(job.program), tuple(stages.items()), knockouts)   # the batch engine keeps one program per key
        kern = self._by_program.get(fast)
        if kern is not None and kern[0] is job.program:
            return kern[1]
        overrides = {label: "const" for label in self.constants}
        overrides.update(job.overrides)
        labels = self.batch.labels                      # every variable: which are kept is chosen at run time
        known = self._memo.setdefault("labels", set(labels))
        extra = tuple(dict.fromkeys(label for label in job.outputs if label not in known))
        knocks = self.cut_links() if knockouts else ()
        cuts = "knockouts" if knockouts else job.cuts
        key = (tuple(sorted(overrides.items())), extra, cuts, tuple(sorted(stages.items())))
        kern = self._kernels.get(key)
        if kern is None:
            with _LOCK:
                graph = self.batch.graph
                outputs = list(labels) + list(extra)
                lay = layout(graph, overrides, outputs, () if knockouts else job.cuts, knocks)
                spec = kernel_source(lay, graph.literals, graph.tables, graph.name, stages, len(knocks))
                try:
                    kern = _load(spec, graph.name)
                except Exception as exc:  # noqa: BLE001 - numba missing, or its import fails
                    raise KernelError(f"the compiled engine cannot load numba for {graph.name} "
                                      f"({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from exc
                kern.rows = {outputs[k]: ("d", j) for j, k in enumerate(spec.dynamic)}
                kern.rows.update({outputs[k]: ("s", j) for j, k in enumerate(spec.static)})
                self._kernels[key] = kern
        self._by_program[fast] = (job.program, kern)
        return kern

    def _defaults(self, spec: KernelSource) -> tuple:
        """The kernel's constants at their model values ``(rows, 1)`` and label -> row (cached per kernel)."""
        memo = self._memo.setdefault("defaults", {})
        if spec.source not in memo:
            defaults = self.constants
            memo[spec.source] = (np.array([[defaults.get(label, np.nan)] for label in spec.constants]).reshape(-1, 1),
                                 {label: k for k, label in enumerate(spec.constants)})
        return memo[spec.source]

    def _grid(self, control: tuple) -> tuple:
        """The time grid of ``control`` (:func:`time_grid`), writable as the kernels are compiled for (cached;
        the kernels only read it)."""
        grids = self._memo.setdefault("grids", {})
        if control not in grids:
            if len(grids) > 64:
                grids.clear()
            grids[control] = tuple(np.array(a) for a in time_grid(*control))
        return grids[control]

    def _stages(self, job: Job) -> dict:
        """State id -> stages of each SMOOTH, DELAY and DELAY N pipeline, as the batch engine's initialisation
        finds them for this job (one number for every run, as there)."""
        continuous = self.batch.graph.continuous
        if "pipelines" not in self._memo:
            self._memo["pipelines"] = any(st.kind in PIPELINES for st in continuous)
        if not self._memo["pipelines"]:
            return {}
        S, _, _ = job.program.init(np.float64(job.control[0]), job.values, job.n)
        return {st.id: int(np.shape(s)[0]) for st, s in zip(continuous, S) if st.kind in PIPELINES}

    def run(self, params: dict | None = None, *, n_runs: int | None = None, start: float | None = None,
            end: float | None = None, dt: float | None = None, saveper: float | None = None, variables=None,
            method: str = "euler", hold: dict | None = None, cut: dict | None = None) -> tuple[np.ndarray, dict]:
        """Run the ensemble; arguments and returns as :meth:`BatchModel.run` (RK4 runs on the batch engine).

        Static outputs (constants of the run) are read-only views repeating one row per run.
        """
        job = self.batch.prepare(params, n_runs=n_runs, start=start, end=end, dt=dt, saveper=saveper,
                                 variables=variables, method=method, hold=hold, cut=cut)
        if job.method != "euler":
            return self.batch.integrate(job)
        return self.integrate(job)

    def integrate(self, job: Job, knocks: tuple | None = None) -> tuple[np.ndarray, dict]:
        """Run a prepared job in the kernel; returns as :meth:`BatchModel.run`. ``knocks``: the knockout
        kernel's ``(CUT, REF)`` for a job without cuts (:meth:`run_knockouts`), else taken from the job's
        cuts (:meth:`knockouts`)."""
        _, _, dt, _ = job.control
        times, saved = self._grid(job.control)
        knocks = self.knockouts(job, times) if knocks is None else knocks
        kern = self.kernel(job, knockouts=knocks is not None)
        spec, n, values = kern.spec, job.n, job.values
        nsave = int(saved.sum())
        column, row_of = self._defaults(spec)
        consts = np.repeat(column, n, axis=1)           # every constant at its model value, then the params
        for label, value in values.items():
            k = row_of.get(label)
            if k is not None:
                consts[k] = value
        ns = max(len(spec.series), 1)
        j0 = np.zeros((ns, len(times)), dtype=np.int64)
        j1 = np.zeros((ns, len(times)), dtype=np.int64)
        den = np.ones((ns, len(times)))
        dx = np.zeros((ns, len(times)))
        ys = []
        for k, label in enumerate(spec.series):
            xs, y = values[label]
            j0[k], j1[k], den[k], dx[k] = series_index(times, np.asarray(xs, dtype=float))
            y = np.asarray(y, dtype=float)
            ys.append(np.ascontiguousarray(y.reshape(1, -1) if y.ndim == 1 else y))
        kept = {"d": {}, "s": {}}                       # kind -> kernel row -> position in out/static
        for label in job.outputs:
            kind, row = kern.rows[label]
            kept[kind].setdefault(row, len(kept[kind]))
        sel = np.fromiter(kept["d"], dtype=np.int64, count=len(kept["d"]))
        ssel = np.fromiter(kept["s"], dtype=np.int64, count=len(kept["s"]))
        out = np.empty((len(sel), nsave, n))
        static = np.empty((len(ssel), n))
        args = (times, saved, float(dt), consts, j0, j1, den, dx, *ys, sel, ssel, out, static, *(knocks or ()))
        run = kern.entry("run")
        blocks = -(-n // BLOCK)
        workers = _workers(n, blocks)
        if workers == 1:
            run(0, n, *args)
        else:                                           # whole blocks per thread
            bounds = np.minimum(np.linspace(0, blocks, workers + 1).astype(int) * BLOCK, n)
            list(_pool(workers).map(lambda k: run(bounds[k], bounds[k + 1], *args), range(workers)))
        table = {}
        for label in job.outputs:
            kind, row = kern.rows[label]
            at = kept[kind][row]
            table[label] = out[at] if kind == "d" else np.broadcast_to(static[at], (nsave, n))
        digits = -int(np.log10(dt * RPREC))
        return np.round(times[saved], digits), table


def on_grid(times: np.ndarray, xs: np.ndarray, ys: np.ndarray, ndim: int = 1) -> np.ndarray:
    """A time series ``(xs, ys)`` at every time of ``times`` ``(T,)``, as the batch engine reads it
    (:func:`cityfutures.engine.batch.functions.series`: ``np.interp`` for values shared by all runs
    (``ndim`` 1), its own per-run rule for a row of per-run values (``ndim`` 2))."""
    if ndim == 1:
        return np.interp(times, xs, ys)
    j = np.searchsorted(xs, times, side="right") - 1
    jc = np.clip(j, 0, len(xs) - 1)
    jn = np.minimum(jc + 1, len(xs) - 1)
    with np.errstate(all="ignore"):
        slope = (ys[jn] - ys[jc]) / (xs[jn] - xs[jc])
        inner = slope * (times - xs[jc]) + ys[jc]
    return np.where(j < 0, ys[0], np.where(j >= len(xs) - 1, ys[-1], np.where(times == xs[jc], ys[jc], inner)))


def compile_model(path) -> CompiledModel:
    """The compiled engine's model of a ``.mdl`` file (the batch engine's parse and graph; kernels are
    compiled on first run). Raises as :func:`cityfutures.engine.batch.compile_model`."""
    return CompiledModel(compile_batch(path))
