"""The batch ensemble engine: a Vensim or XMILE model run for N parameter sets at once.

The model is read by PySD's own translator, Vensim or XMILE (``AbstractModel``, through
:func:`cityfutures.model.parse.parse_model`), each cell of each element is compiled into
numpy source with the ensemble as the array axis (:mod:`.graph`, :mod:`.expressions`,
:mod:`.codegen`) and the time loop runs Euler or RK4 (:mod:`.integrate`). Results agree
with PySD's own run to rounding under Euler.

Two paths run the same compiled expressions. Up to ``SCALAR_MAX_RUNS`` Euler runs go one
after another through :mod:`.scalar` (plain floats, one fused loop: about 1.4 ms for a
ten-year run of ``models/jakarta.mdl``, where numpy's per-call overhead on one-element
arrays costs 40 ms); larger ensembles are integrated as arrays, ``CHUNK_RUNS`` runs at a
time. Only the requested variables at the saved times are kept. Programs are cached per
(overrides, outputs) on the :class:`BatchModel`, so repeated runs compile nothing.
:mod:`.equations` gives the compiled model as equations between its cells, for analyses that
evaluate them again (Loops That Matter).

>>> bm = compile_model("models/jakarta.mdl")                    # doctest: +SKIP
>>> times, out = bm.run({"Rail transit capacity": np.linspace(1, 2, 1000)})  # doctest: +SKIP
"""
from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from ...errors import InputError, ModelError
from ...model.parse import parse_model
from ...names import CONTROL, did_you_mean, py_name
from .cells import cell_label
from .codegen import Program, generate
from .equations import Equation, EquationGraph, equation_graph
from .graph import GraphBuilder
from .integrate import integrate, integrate_scalar, time_grid
from .scalar import FLOAT_ERRORS

__all__ = ["BatchModel", "Job", "compile_model", "time_grid", "equation_graph", "EquationGraph", "Equation",
           "SCALAR_MAX_RUNS", "CHUNK_RUNS"]

CHUNK_RUNS = 4096
"""Runs integrated together on the vectorised path; larger ensembles go in chunks of this
size (arrays that stay in cache are faster, and the working set stays small: only the
saved outputs grow with N)."""

SCALAR_MAX_RUNS = 16
"""Largest ensemble run on the scalar path by default (numpy's per-call overhead on arrays
of N values costs more than N plain-float runs below about this size; measured on
``models/jakarta.mdl``, ``benchmarks/bench_engines.py``)."""


@dataclass(frozen=True)
class Job:
    """One call's work, resolved: what any engine needs to run it.

    Attributes
    ----------
    values : dict
        Label (or cut key) -> float, ``(N,)`` array or ``(times, values)`` series.
    overrides : dict
        Label -> ``"const"``, ``"series"`` or ``"hold"``.
    outputs : tuple of str
        Cell labels kept.
    cuts : tuple
        ``(source label, target element, key)`` per cut link.
    n : int
        Runs.
    control : tuple of float
        ``(initial_time, final_time, time_step, saveper)``.
    method : str
    program : Program
        The batch engine's program for these overrides, outputs and cuts.
    """

    values: dict
    overrides: dict
    outputs: tuple
    cuts: tuple
    n: int
    control: tuple
    method: str
    program: Program


@dataclass
class BatchModel:
    """A model compiled for the batch engine.

    Attributes
    ----------
    path : Path
    graph : GraphBuilder
        Cells, states and tables of the model.
    labels : list of str
        Every model variable cell, named as Vensim exports it (``Name`` or ``Name[a,b]``).
    units : dict
        Vensim name -> units.
    method : {"euler", "rk4"}
        The integration method the model file asks for (XMILE ``<sim_specs method>``).
    """

    path: Path
    graph: GraphBuilder
    method: str = "euler"
    _programs: dict = field(default_factory=dict, repr=False)
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def labels(self) -> list:
        """Every variable cell in model order, Vensim export names."""
        return list(self.graph.labels)

    @property
    def units(self) -> dict:
        """Vensim name -> units string."""
        return self.graph.units

    @property
    def element_dims(self) -> dict:
        """Vensim name -> subscript range names of the element (``[]`` if scalar)."""
        if "_element_dims" not in self._memo:
            self._memo["_element_dims"] = {el.name: self.graph.dims[key]
                                          for key, el in self.graph.elements.items()}
        return self._memo["_element_dims"]

    def element_cells(self, name: str, field: str = "params") -> list:
        """Cell labels of element ``name`` (case and spacing as Vensim ignores them).

        ``field`` names the argument ``name`` came from, for the error message.
        """
        memo = self.__dict__.setdefault("_cells", {})
        cells = memo.get(name)
        if cells is None:
            cells = memo[name] = self._element_cells(name, field)
        return list(cells)

    def _element_cells(self, name: str, field: str) -> list:
        key = py_name(name.replace("_", " "))
        if key not in self.graph.cells or self.graph.is_lookup(key):
            if name in self.graph.labels:
                return [name]
            names = [e.name for e in self.graph.elements.values()]
            raise InputError(f"'{name}' is not a variable of the model", field=field,
                             path=str(self.path), allowed=did_you_mean(name, names) or None)
        el = self.graph.elements[key]
        return [cell_label(el.name, c) for c in self.graph.cells[key]]

    def program(self, overrides: dict, outputs: tuple, cuts: tuple = ()) -> Program:
        """The compiled functions for these overrides, outputs and cut links (cached)."""
        key = (tuple(sorted(overrides.items())), tuple(outputs), tuple(cuts))
        if key not in self._programs:
            self._programs[key] = generate(self.graph, overrides, list(outputs), tuple(cuts))
        return self._programs[key]

    def element_name(self, name: str, field: str) -> str:
        """The Vensim name of element ``name`` (case and spacing as Vensim ignores them)."""
        key = py_name(name.replace("_", " "))
        if key not in self.graph.elements:
            names = [e.name for e in self.graph.elements.values()]
            raise InputError(f"'{name}' is not a variable of the model", field=field, path=str(self.path),
                             allowed=did_you_mean(name, names) or None)
        return self.graph.elements[key].name

    def exposing(self, hidden: Mapping[str, str]) -> "BatchModel":
        """A copy whose outputs also include hidden nodes (label -> node id of :attr:`graph`).

        A stateful or ``INITIAL`` inside a larger equation has no cell of its own; an analysis
        that needs its values at every step (:mod:`.equations`) names it here and runs the copy.
        """
        graph = copy.copy(self.graph)
        graph.labels = dict(self.graph.labels, **hidden)
        return BatchModel(self.path, graph)

    def control(self, params: dict | None = None) -> tuple:
        """The model's ``(initial_time, final_time, time_step, saveper)``."""
        prog = self.program({}, ())
        return tuple(float(np.asarray(v).reshape(-1)[0]) for v in prog.control(params or {}))

    def run(self, params: dict | None = None, *, n_runs: int | None = None,
            start: float | None = None, end: float | None = None, dt: float | None = None,
            saveper: float | None = None, variables=None,
            method: str = "euler", scalar: bool | None = None, hold: dict | None = None,
            cut: dict | None = None) -> tuple[np.ndarray, dict]:
        """Run the ensemble.

        Parameters
        ----------
        params : dict, optional
            Variable name (or cell label) -> scalar, array ``(N,)``, or a time series
            given as ``(times, values)`` with values ``(K,)`` or ``(N, K)``.
        n_runs : int, optional
            N; inferred from the array lengths when omitted (1 if none).
        start, end, dt, saveper : float, optional
            Override the model's time settings [time units].
        variables : list of str, optional
            Variable names or cell labels to keep; every cell by default.
        method : {"euler", "rk4"}
        scalar : bool, optional
            Run the runs one after another on the plain-float path of :mod:`.scalar`
            (faster than numpy for small ensembles). By default it does when it can:
            N <= ``SCALAR_MAX_RUNS``, Euler, a model without pipeline statefuls (SMOOTH,
            DELAY, DELAY FIXED); an ensemble that meets a division by zero or an overflow
            is then rerun on the vectorised path (which gives inf/nan as PySD does).
            False forces the vectorised path; True the scalar path at any N.
        hold : dict, optional
            Variable name -> a value or a time series (as in ``params``): the variable (a
            constant, auxiliary, flow or stock) takes these values, as every equation reading
            it sees; its own equation is not used (except in runs whose values are NaN).
        cut : dict, optional
            ``(source, target)`` -> a value or a time series: only ``target``'s equation sees
            ``source`` as these values (a link cut); every other equation reads ``source``. A run
            whose values are NaN keeps the link whole.

        Returns
        -------
        times : ndarray (T,)
            The saved times.
        values : dict
            Cell label -> ndarray ``(T, N)``.
        """
        job = self.prepare(params, n_runs=n_runs, start=start, end=end, dt=dt, saveper=saveper,
                           variables=variables, method=method, hold=hold, cut=cut)
        return self.integrate(job, scalar=scalar)

    def prepare(self, params: dict | None = None, *, n_runs: int | None = None,
                start: float | None = None, end: float | None = None, dt: float | None = None,
                saveper: float | None = None, variables=None, method: str = "euler",
                hold: dict | None = None, cut: dict | None = None) -> "Job":
        """The arguments of :meth:`run` checked and resolved into a :class:`Job` (any engine runs it)."""
        if method not in ("euler", "rk4"):
            raise InputError(f"unknown integration method '{method}'", field="method",
                             allowed="euler, rk4")
        hold, cut = _as_series(hold or {}), {k: _as_series({0: v})[0] for k, v in (cut or {}).items()}
        n = _n_runs([params or {}, hold, cut], n_runs)
        values, overrides, _ = self._params(params or {}, n)
        held, held_over, _ = self._params(hold, n, how="hold", field="hold")
        for label, how in held_over.items():   # a run whose series is NaN keeps the variable's own equation
            if how == "hold" and np.isnan(np.asarray(held[label][1], dtype=float)).any():
                held_over[label] = "held"
        values.update(held)
        overrides.update(held_over)
        cuts = []
        for (source, target), value in cut.items():
            target_name = self.element_name(target, "cut")
            for label in self.element_cells(source, field="cut"):
                key = f"cut {label} -> {target_name}"
                values[key] = (np.asarray(value[0], dtype=float), np.asarray(value[1], dtype=float))
                masked = bool(np.isnan(values[key][1]).any())
                cuts.append((label, target_name, key, masked) if masked else (label, target_name, key))
        for key, value in zip(("initial_time", "final_time", "time_step", "saveper"),
                              (start, end, dt, saveper)):
            if value is not None:
                label = CONTROL[key]
                values[label], overrides[label] = float(value), "const"
        outputs = tuple(self._outputs(variables))
        prog = self.program(overrides, outputs, tuple(cuts))
        control = tuple(float(np.asarray(v).reshape(-1)[0]) for v in prog.control(values))
        if control[2] <= 0 or control[3] <= 0:
            raise ModelError(f"TIME STEP and SAVEPER must be positive, got {control[2:]}",
                             path=str(self.path))
        return Job(values, overrides, outputs, tuple(cuts), n, control, method, prog)

    def integrate(self, job: "Job", scalar: bool | None = None) -> tuple[np.ndarray, dict]:
        """Run a prepared :class:`Job` on this engine; returns as :meth:`run`."""
        prog, values, n, control, method, outputs = job.program, job.values, job.n, job.control, job.method, \
            job.outputs
        if scalar is None or scalar:
            if (method == "euler" and (scalar or n <= SCALAR_MAX_RUNS)
                    and prog.scalar is not None):            # written on first use
                try:
                    with np.errstate(all="ignore"):
                        times, store = integrate_scalar(prog, values, n, control)
                    return times, dict(zip(outputs, store))
                except FLOAT_ERRORS:
                    pass
            elif scalar:
                raise InputError("the scalar path runs Euler on a model without pipeline "
                                 "statefuls (SMOOTH, DELAY, DELAY FIXED)", field="scalar")
        if n <= CHUNK_RUNS:
            times, store = integrate(prog, values, n, control, method)
            return times, dict(zip(outputs, store))
        store = None
        for lo in range(0, n, CHUNK_RUNS):
            hi = min(n, lo + CHUNK_RUNS)
            times, part = integrate(prog, _chunk(values, n, lo, hi), hi - lo, control, method)
            if store is None:
                store = [np.empty((len(times), n)) for _ in part]
            for dest, src in zip(store, part):
                dest[:, lo:hi] = src
        return times, dict(zip(outputs, store))

    def _outputs(self, variables) -> list:
        key = ("outputs", None if variables is None else tuple(variables))
        if key not in self._memo:
            if variables is None:
                out = self.labels
            else:
                out = []
                for name in variables:
                    out += self.element_cells(name, field="variables")
            if len(self._memo) > 256:
                self._memo.clear()
            self._memo[key] = out
        return list(self._memo[key])

    def _params(self, params: dict, n_runs: int | None, how: str = "series", field: str = "params"):
        n = _n_runs([params], n_runs)
        values, overrides = {}, {}
        for name, value in params.items():
            for label in self.element_cells(name, field=field):
                if isinstance(value, (float, int)):       # a plain number (a single run's lever): no array
                    values[label], overrides[label] = float(value), "const"
                elif isinstance(value, tuple):
                    xs = np.asarray(value[0], dtype=float)
                    ys = np.asarray(value[1], dtype=float)
                    values[label], overrides[label] = (xs, ys), how
                else:
                    arr = np.asarray(value, dtype=float)
                    values[label] = float(arr) if arr.ndim == 0 else arr
                    overrides[label] = "const"
        return values, overrides, n


def _n_runs(groups: list, n_runs: int | None) -> int:
    """N from the per-run arrays of ``groups`` (mappings of values or ``(times, values)``) and ``n_runs``."""
    lengths = set()
    for params in groups:
        for value in params.values():
            if isinstance(value, (float, int)):
                continue
            arr = np.asarray(value[1] if isinstance(value, tuple) else value)
            if isinstance(value, tuple):
                if arr.ndim == 2:
                    lengths.add(arr.shape[0])
            elif arr.ndim == 1:
                lengths.add(arr.shape[0])
            elif arr.ndim > 1:
                raise InputError(f"parameter values must be scalars or 1-D arrays, got shape "
                                 f"{arr.shape}", field="params")
    if n_runs is not None:
        lengths.add(int(n_runs))
    if len(lengths) > 1:
        raise InputError(f"parameter arrays disagree on the number of runs: {sorted(lengths)}", field="params")
    return lengths.pop() if lengths else 1


def _as_series(values: dict) -> dict:
    """Held values as time series ``(times, values)``: a number holds at every time."""
    out = {}
    for name, value in values.items():
        if isinstance(value, tuple):
            out[name] = value
        else:
            arr = np.asarray(value, dtype=float)
            out[name] = (np.array([0.0]), arr.reshape(-1, 1) if arr.ndim == 1 else arr.reshape(1))
    return out


def _chunk(values: dict, n: int, lo: int, hi: int) -> dict:
    """The parameters of runs ``lo:hi`` (per-run arrays and per-run series sliced)."""
    out = {}
    for label, value in values.items():
        if isinstance(value, tuple):
            xs, ys = value
            out[label] = (xs, ys[lo:hi]) if np.ndim(ys) == 2 else value
        elif isinstance(value, np.ndarray) and value.ndim == 1 and len(value) == n:
            out[label] = value[lo:hi]
        else:
            out[label] = value
    return out


def compile_model(path) -> BatchModel:
    """Parse a model with PySD's translator and build its batch graph.

    Parameters
    ----------
    path : str or Path
        A Vensim ``.mdl`` or an XMILE file, by content (only read, never written next to).

    Raises
    ------
    UnsupportedFeatureError
        The model uses a function outside the supported subset (names element and function).
    ModelError
        PySD cannot parse the file, or the model has an algebraic loop.
    """
    path = Path(path)
    parsed = parse_model(path)          # PySD's parse, shared with the translation and the structure map
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = GraphBuilder(parsed.abstract_model, path.parent, equations=parsed.equations, name=path.name).build()
    model = BatchModel(path, graph, method=parsed.method)
    model.program({}, ())  # surfaces time-varying control variables and algebraic loops now
    return model
