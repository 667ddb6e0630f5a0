"""Generate and compile the Python functions of one batch model.

From a :class:`~cityfutures.batch.graph.GraphBuilder` and the set of parameter
overrides this writes three functions, compiled with :func:`compile`:

``_control(P)``
    the time settings ``(initial_time, final_time, time_step, saveper)``.
``_init(t, P, N)``
    the initial states ``S``, ``D`` and the static values ``K`` (constants and INITIALs,
    computed once per simulation).
``_eval(t, S, D, K, P)``
    every dynamic cell at time ``t``; returns ``(derivatives, payloads, outputs)``.

Arrays have shape ``(N,)`` (one value per run); states may have ``(order, N)``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...errors import ModelError, UnsupportedFeatureError
from . import functions, statefuls
from .graph import CONTROL, GraphBuilder, Node
from .scalar import NotScalar, generate_scalar

__all__ = ["Program", "generate"]


@dataclass(frozen=True)
class Program:
    """Compiled functions of a model for one choice of overrides and outputs.

    Attributes
    ----------
    control, init, eval : callable
        See the module docstring.
    outputs : tuple of str
        Labels of the values ``eval`` returns, in order.
    static_outputs : tuple of bool
        True where the output is a constant of the run (same at every time).
    continuous_non_negative : tuple of bool
        Per continuous state: clip at zero after each step.
    updaters : tuple of callable
        Per discrete state: ``update(old, payload) -> new``.
    source : str
        The generated source (for debugging).
    scalar : callable or None
        The fused single-run Euler function of :mod:`.scalar`,
        ``scalar(times, saved, dt, P) -> rows``; None when the model has no scalar form.
    scalar_source : str
    """

    control: object
    init: object
    eval: object
    outputs: tuple
    static_outputs: tuple
    continuous_non_negative: tuple
    updaters: tuple
    source: str
    scalar: object = None
    scalar_source: str = ""


def generate(graph: GraphBuilder, overrides: dict, outputs: list) -> Program:
    """Write and compile the model's functions.

    Parameters
    ----------
    graph : GraphBuilder
        A built graph.
    overrides : dict
        Output label -> ``"const"`` (a value in ``P``) or ``"series"`` (a time series in ``P``).
    outputs : list of str
        Labels of the cells to return from ``eval``.
    """
    nodes = dict(graph.nodes)
    for label, how in overrides.items():
        nid = graph.labels[label]
        if nodes[nid].run.startswith("h") and nodes[nodes[nid].run].kind == "state":
            raise ModelError(f"'{label}' is a stock or stateful: set its initial value instead",
                             field=label)
        if how == "const":
            code = f"_P[{label!r}]"
            nodes[nid] = replace(nodes[nid], run=code, init=code, run_deps=set(), init_deps=set(),
                                 time=False, kind="aux")
        else:
            code = f"_f.series(t, *_P[{label!r}])"
            nodes[nid] = replace(nodes[nid], run=code, init=code, run_deps=set(), init_deps=set(),
                                 time=True, kind="aux")
    states = {s.id: s for s in graph.continuous + graph.discrete}
    static = _static_set(nodes, states)
    control_ids = [graph.cells[k][()] for k in CONTROL]
    for cid in control_ids:
        if cid not in static:
            raise UnsupportedFeatureError(nodes[cid].element, "time-varying control variable")
    out_ids = [graph.labels[label] for label in outputs]

    lines = ["def _control(_P):", "    N = 1"]
    lines += _init_lines(nodes, states, control_ids, "    ")
    lines.append(f"    return ({', '.join(control_ids)},)")

    init_roots = [s for s in states] + sorted(static, key=_key)
    init_pairs = _init_pairs(nodes, states, init_roots)
    lines += ["", "def _init(t, _P, N):"]
    lines += [f"    {nid} = {code}" for nid, code in init_pairs]
    static_order = sorted(static, key=_key)
    lines.append("    return ([{}], [{}], ({}))".format(
        ", ".join(s.id for s in graph.continuous), ", ".join(s.id for s in graph.discrete),
        "".join(f"{k}, " for k in static_order)))

    lines += ["", "def _eval(t, S, D, K, _P):"]
    for group, name in ((graph.continuous, "S"), (graph.discrete, "D"), (static_order, "K")):
        ids = [g.id if hasattr(g, "id") else g for g in group]
        if ids:
            lines.append(f"    {''.join(i + ', ' for i in ids)}= {name}")
    eval_pairs = [(nid, nodes[nid].run) for nid in
                  _order(nodes, [n for n in nodes if n not in static], "run", set(states) | static)]
    lines += [f"    {nid} = {code}" for nid, code in eval_pairs]
    lines.append("    return ({}), ({}), ({})".format(
        "".join(f"{s.step}, " for s in graph.continuous),
        "".join(f"{s.step}, " for s in graph.discrete),
        "".join(f"{o}, " for o in out_ids)))
    source = "\n".join(lines) + "\n"
    namespace = {"np": np, "_f": functions, "_st": statefuls}
    namespace.update(graph.literals.values())
    for prefix, (xs, ys) in graph.tables.items():
        namespace[prefix + "x"], namespace[prefix + "y"] = xs, ys
    exec(compile(source, "<cityfutures.batch model>", "exec"), namespace)
    updaters = tuple(getattr(statefuls, s.update.split(".", 1)[1].split(".")[0])
                     if s.update.count(".") == 1 else statefuls.DelayFixedPipe.push
                     for s in graph.discrete)
    scalar, scalar_src = None, ""
    try:
        scalar, scalar_src = generate_scalar(
            init_pairs, eval_pairs, [s.id for s in graph.continuous],
            [s.step for s in graph.continuous], [s.non_negative for s in graph.continuous],
            out_ids, namespace, [(s.id, s.step, s.update) for s in graph.discrete])
    except NotScalar:
        pass
    return Program(namespace["_control"], namespace["_init"], namespace["_eval"], tuple(outputs),
                   tuple(o in static for o in out_ids),
                   tuple(s.non_negative for s in graph.continuous), updaters, source,
                   scalar, scalar_src)


def _key(node_id: str):
    return (node_id[0], int(node_id[1:]))


def _static_set(nodes: dict, states: dict) -> set:
    """Nodes whose value cannot change during a run (no time, state or ACTIVE INITIAL)."""
    memo: dict = {}

    def visit(nid, stack):
        if nid in memo:
            return memo[nid]
        if nid in states:
            return False
        node = nodes[nid]
        if nid in stack:
            _loop(nodes, stack, nid)
        if node.kind == "initial":
            memo[nid] = True
            return True
        ok = not node.time and node.kind != "state" and node.run == node.init
        stack.append(nid)
        for dep in node.run_deps:
            ok = visit(dep, stack) and ok
        stack.pop()
        memo[nid] = ok
        return ok

    return {n for n in nodes if visit(n, [])}


def _order(nodes: dict, roots: list, phase: str, available: set) -> list:
    """Topological order of ``roots`` and their dependencies in ``phase`` (run or init)."""
    done, order = set(available), []

    def visit(nid, stack):
        if nid in done:
            return
        if nid in stack:
            _loop(nodes, stack, nid)
        stack.append(nid)
        deps = nodes[nid].run_deps if phase == "run" else nodes[nid].init_deps
        for dep in sorted(deps, key=_key):
            visit(dep, stack)
        stack.pop()
        done.add(nid)
        order.append(nid)

    for root in roots:
        visit(root, [])
    return order


def _init_lines(nodes: dict, states: dict, roots: list, indent: str) -> list:
    """Initialisation source computing ``roots`` (nodes and states) in dependency order."""
    return [f"{indent}{nid} = {code}" for nid, code in _init_pairs(nodes, states, roots)]


def _init_pairs(nodes: dict, states: dict, roots: list) -> list:
    """``(id, init source)`` computing ``roots`` (nodes and states) in dependency order."""
    merged = dict(nodes)
    for sid, st in states.items():
        merged[sid] = Node(sid, st.init, st.init, set(st.init_deps), set(st.init_deps),
                           element=st.element)
    return [(nid, merged[nid].init) for nid in _order(merged, roots, "init", set())]


def _loop(nodes: dict, stack: list, nid: str):
    cycle = stack[stack.index(nid):] + [nid]
    names = []
    for n in cycle:
        el = nodes[n].element if n in nodes else n
        if el and el not in names:
            names.append(el)
    raise ModelError("algebraic loop (a circular definition) through " + " -> ".join(names),
                     field=names[0] if names else None)
