"""The compiled model as equations between its variables, for analyses that evaluate them again.

:func:`equation_graph` turns the batch engine's graph of a model into one :class:`Equation` per
variable cell: a Python expression over the cells it reads (the engine's own compiled source,
hidden sub-expressions inlined), so an analysis can evaluate a variable's equation with some of
its inputs moved (Loops That Matter's link scores do). A stock's equation is its net rate.

* A stateful inside a larger equation (``0.5 * SMOOTH(S, 2) + ...``) and an ``INITIAL`` become
  cells of their own, labelled ``"Element (STATE s3)"`` / ``"Element (INITIAL h2)"``.
* Statefuls other than INTEG are written as first-order adjustments of their output towards
  their input, ``(input - output) / time``: exact for SMOOTH, SMOOTHI and DELAY1, an
  approximation for higher orders (the graph's ``notes`` say where).
* TREND, FORECAST, SAMPLE IF TRUE, DELAY FIXED, INITIAL, constants, the control variables and
  the cells a run sets from outside are ``exogenous``: no incoming links.

:meth:`EquationGraph.run` gives every cell at every time step of one Euler run, the values the
equations are evaluated on.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .codegen import program_namespace

__all__ = ["Equation", "EquationGraph", "equation_graph"]


@dataclass(frozen=True)
class Equation:
    """One variable cell and its equation.

    Attributes
    ----------
    label : str
        The cell (a Vensim cell name, or ``"Element (STATE s3)"`` for a hidden stateful).
    element : str
        The Vensim element it belongs to.
    kind : {"stock", "aux", "exogenous"}
        ``stock``: ``source`` is the net rate [units / time unit]; ``aux``: its value;
        ``exogenous``: no equation.
    var : str
        The Python name standing for this cell in every ``source``.
    source : str or None
        A Python expression over the ``var`` of the cells in ``inputs`` (and ``t``, the time).
    inputs : tuple of str
        Labels of the cells ``source`` reads.
    """

    label: str
    element: str
    kind: str
    var: str
    source: str | None = None
    inputs: tuple[str, ...] = ()


@dataclass
class EquationGraph:
    """A compiled model as equations between its cells.

    Attributes
    ----------
    equations : dict
        Label -> Equation, for every cell that reaches a model variable.
    namespace : dict
        What the expressions need besides the cells (numpy, the engine's functions, literals, tables).
    notes : list of str
        What was approximated or left out.
    model : BatchModel
        The compiled model, with the hidden cells among its outputs (for :meth:`run`).
    """

    equations: dict
    namespace: dict
    notes: list = field(default_factory=list)
    model: object = None

    @property
    def edges(self) -> list[tuple[str, str]]:
        """Every link ``(source, target)``: ``target``'s equation reads ``source``."""
        return [(x, e.label) for e in self.equations.values() for x in e.inputs]

    def run(self, params: Mapping | None = None, *, start: float, end: float, dt: float) -> tuple:
        """Every cell at every time step of one Euler run.

        Parameters
        ----------
        params : mapping, optional
            As :meth:`BatchModel.run` takes them (a number, or ``(times, values)`` for a series).
        start, end, dt : float
            [time units]; the run saves every step.

        Returns
        -------
        times : ndarray (T,)
        values : dict of label -> ndarray (T,)
        """
        times, values = self.model.run(params or {}, n_runs=1, start=start, end=end, dt=dt, saveper=dt,
                                       variables=list(self.equations), method="euler")
        return times, {k: v[:, 0] for k, v in values.items()}


class _Rename(ast.NodeTransformer):
    """Names of the engine's nodes -> cell variables, hidden sub-expressions inlined."""

    def __init__(self, resolve):
        self.resolve = resolve

    def visit_Name(self, node):
        out = self.resolve(node.id)
        return node if out is None else out


def equation_graph(bm, exogenous: Sequence[str] = ()) -> EquationGraph:
    """The equations of a compiled model.

    Parameters
    ----------
    bm : BatchModel
        The batch engine's compilation of the model (:func:`cityfutures.engine.batch.compile_model`).
    exogenous : sequence of str
        Cell labels a run sets from outside (a scenario's time series): no incoming links.
    """
    g = bm.graph
    nodes = g.nodes
    states = {s.id: s for s in g.continuous}
    discrete = {s.id for s in g.discrete}
    by_node = {nid: label for label, nid in g.labels.items()}
    owner_of: dict[str, str] = {}          # a stateful's node -> the model cell that is that stateful
    for label, nid in g.labels.items():
        owner_of.setdefault(nodes[nid].run, label)
    control = {g.cells[k][()] for k in ("initial_time", "final_time", "time_step", "saveper")}
    equations: dict[str, Equation] = {}
    hidden: dict[str, str] = {}
    notes: set[str] = set()
    var_of: dict[str, str] = {}

    def label_of(nid: str) -> str:
        """The cell standing for node ``nid`` (a model cell, or a hidden stateful or INITIAL)."""
        if nid in by_node:
            return by_node[nid]
        if nid in owner_of:
            return owner_of[nid]
        label = f"{nodes[nid].element} ({'INITIAL' if nodes[nid].kind == 'initial' else 'STATE'} {nid})"
        hidden[label] = nid
        return label

    def var(label: str) -> str:
        if label not in var_of:
            var_of[label] = f"x{len(var_of)}"
        return var_of[label]

    def translate(source: str, used: set) -> ast.expr:
        def resolve(name: str):
            node = nodes.get(name)
            if node is None:
                return None
            if node.kind == "hidden":
                return translate(node.run, used)
            label = label_of(name)
            used.add(label)
            return ast.Name(var(label), ast.Load())

        return _Rename(resolve).visit(ast.parse(source, mode="eval").body)

    def rate_of(out_node) -> tuple[str | None, set, str | None]:
        """The net rate of a stateful output node over cells, or why there is none."""
        sids = [d for d in out_node.run_deps if d in states]
        if any(d in discrete for d in out_node.run_deps) or len(sids) != 1:
            return None, set(), "a discrete stateful (DELAY FIXED, SAMPLE IF TRUE, DELAY N)"
        state = states[sids[0]]
        used: set = set()
        if out_node.run == state.id:   # INTEG: the rate is the flow expression
            return ast.unparse(translate(state.step, used)), used, None
        call = ast.parse(state.step, mode="eval").body
        fname = call.func.attr if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else ""
        args = [ast.unparse(a) for a in getattr(call, "args", [])]
        if fname in ("smooth_ddt", "delay_ddt"):
            inp, time = args[1], args[2]
        elif fname == "delayn_ddt":
            inp, time = args[2], args[3]
        else:
            return None, set(), "TREND or FORECAST"
        own = label_of(out_node.id)
        used.add(own)
        src = f"(({ast.unparse(translate(inp, used))}) - {var(own)}) / ({ast.unparse(translate(time, used))})"
        return src, used, "first-order"

    pending, done, exogenous = list(g.labels), set(), set(exogenous)
    while pending:
        label = pending.pop(0)
        if label in done:
            continue
        done.add(label)
        nid = g.labels[label] if label in g.labels else hidden[label]
        node = nodes[nid]
        element = node.element or label
        head = nodes.get(node.run) if node.kind == "aux" else node
        own = head if node.kind == "aux" and head is not None and head.kind in ("state", "initial") \
            and node.run == head.id else node
        var(label)
        if label in exogenous or nid in control or own.kind == "initial" or not (node.run_deps or node.time):
            equations[label] = Equation(label, element, "exogenous", var(label))
            continue
        if own.kind == "state":
            src, used, why = rate_of(own)
            if src is None:
                notes.add(f"'{element}' is {why}: exogenous here (no links into it)")
                equations[label] = Equation(label, element, "exogenous", var(label))
                continue
            if why == "first-order":
                notes.add(f"'{element}' is written as a first-order adjustment towards its input")
            equations[label] = Equation(label, element, "stock", var(label), src, tuple(sorted(used)))
        else:
            used = set()
            src = ast.unparse(translate(node.run, used))
            equations[label] = Equation(label, element, "aux", var(label), src, tuple(sorted(used)))
        pending += [u for u in used if u not in done]
    return EquationGraph(equations, program_namespace(g), sorted(notes), bm.exposing(hidden))
