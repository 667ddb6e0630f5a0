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

import re
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ...errors import ModelError, UnsupportedFeatureError
from ...names import CONTROL
from . import functions, statefuls
from .graph import GraphBuilder, Node
from .scalar import NotScalar, generate_scalar
from .source import comment, identifier, literal, register_source

__all__ = ["Program", "Layout", "layout", "cut_links", "generate", "program_namespace", "rename", "readable_names",
           "commented"]


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
        ``scalar(times, saved, dt, P) -> rows``; None when the model has no scalar form. Written on
        first use (a program that only runs ensembles, e.g. a knockout's, never pays for it).
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
    scalar_args: tuple = field(default=(), repr=False)
    """The arguments of :func:`.scalar.generate_scalar` (empty: no scalar form)."""

    @cached_property
    def _scalar(self) -> tuple:
        if not self.scalar_args:
            return None, ""
        args, kw = self.scalar_args
        try:
            return generate_scalar(*args, **kw)
        except NotScalar:
            return None, ""

    @property
    def scalar(self):
        return self._scalar[0]

    @property
    def scalar_source(self) -> str:
        return self._scalar[1]


def program_namespace(graph) -> dict:
    """What the generated expressions read besides their variables: numpy, the engine's functions and
    statefuls, the model's literals and lookup tables."""
    namespace = {"np": np, "_f": functions, "_st": statefuls}
    namespace.update(graph.literals.values())
    for prefix, (xs, ys) in graph.tables.items():
        namespace[prefix + "x"], namespace[prefix + "y"] = xs, ys
    return namespace


@dataclass(frozen=True)
class Layout:
    """One program's equations in run order, with readable names: what every engine's code is written from.

    Attributes
    ----------
    nodes : dict
        Node id -> :class:`~.graph.Node` after the overrides and cuts.
    continuous, discrete : list of State
        The states (cuts applied).
    names : dict
        Node and state id -> its identifier in generated code (:func:`readable_names`).
    control_ids, out_ids : list of str
        Node ids of the time settings and of the outputs.
    static : set of str
        Node ids that do not change during a run.
    static_order : list of str
        ``static`` in id order (the ``K`` tuple).
    init_pairs, eval_pairs : list of (str, str)
        ``(name, numpy source)`` of the initial states and static values, and of the dynamic
        cells, in dependency order.
    steps_c, steps_d : list of str
        Per continuous state its derivative, per discrete state its payload (numpy source).
    """

    nodes: dict
    continuous: list
    discrete: list
    names: dict
    control_ids: list
    out_ids: list
    static: set
    static_order: list
    init_pairs: list
    eval_pairs: list
    steps_c: list
    steps_d: list


def layout(graph: GraphBuilder, overrides: dict, outputs: list, cuts: tuple = (), knocks: tuple = ()) -> Layout:
    """The equations of one program in run order (arguments as :func:`generate`).

    ``knocks`` are link cuts chosen at run time (the compiled engine's knockouts): ``(source label, target
    element, group)`` per cut cell, as :func:`cut_links` lists them. Cell ``k`` becomes a node
    ``_f.knocked(k, group, source)`` that the target's equations read: the kernel gives it the source's
    reference value in the runs that knock out ``group`` (where that value is a number) and ``source``
    elsewhere.

    Raises
    ------
    ModelError
        A stock given a value (not held), or an algebraic loop.
    UnsupportedFeatureError
        A time setting that changes during the run.
    """
    nodes = dict(graph.nodes)
    for label, how in overrides.items():
        nid = graph.labels[label]
        if how not in ("hold", "held") and nodes[nid].run.startswith("h") and nodes[nodes[nid].run].kind == "state":
            raise ModelError(f"'{label}' is a stock or stateful: set its initial value instead (or hold it)",
                             field=label)
        if how == "const":
            code = f"_P[{literal(label)}]"
            nodes[nid] = replace(nodes[nid], run=code, init=code, run_deps=set(), init_deps=set(),
                                 time=False, kind="aux")
        elif how == "held":   # the series where it is a number, the variable's own equation where NaN
            node = nodes[nid]
            code = f"_f.series(t, *_P[{literal(label)}])"
            nodes[nid] = replace(node, run=f"_f.held({code}, {node.run})", init=f"_f.held({code}, {node.init})",
                                 time=True, kind="aux")
        else:
            code = f"_f.series(t, *_P[{literal(label)}])"
            nodes[nid] = replace(nodes[nid], run=code, init=code, run_deps=set(), init_deps=set(),
                                 time=True, kind="aux")
    continuous = list(graph.continuous)
    discrete = list(graph.discrete)
    for k, (source, target, key, *masked) in enumerate(cuts):
        src, cut_id = graph.labels[source], f"c{k}"
        code = f"_f.series(t, *_P[{literal(key)}])"
        if masked and masked[0]:   # NaN runs: the link stays whole
            nodes[cut_id] = Node(cut_id, f"_f.held({code}, {src})", f"_f.held({code}, {src})", {src}, {src},
                                 True, "aux", None, target)
        else:
            nodes[cut_id] = Node(cut_id, code, code, set(), set(), True, "aux", None, target)
        _cut_into(nodes, continuous, discrete, src, target, cut_id)
    for k, (source, target, group) in enumerate(knocks):
        src, cut_id = graph.labels[source], f"c{len(cuts) + k}"
        code = f"_f.knocked({int(k)}, {int(group)}, {src})"
        nodes[cut_id] = Node(cut_id, code, code, {src}, {src}, True, "aux", None, target)
        _cut_into(nodes, continuous, discrete, src, target, cut_id)
    states = {s.id: s for s in continuous + discrete}
    static = _static_set(nodes, states)
    control_ids = [graph.cells[k][()] for k in CONTROL]
    for cid in control_ids:
        if cid not in static:
            raise UnsupportedFeatureError(nodes[cid].element, "time-varying control variable")
    out_ids = [graph.labels[label] for label in outputs]
    names = readable_names(nodes, continuous, discrete)
    init_roots = [s for s in states] + sorted(static, key=_key)
    init_pairs = [(names[i], rename(c, names)) for i, c in _init_pairs(nodes, states, init_roots)]
    eval_ids = _order(nodes, [n for n in nodes if n not in static], "run", set(states) | static)
    return Layout(nodes, continuous, discrete, names, control_ids, out_ids, static, sorted(static, key=_key),
                  init_pairs, [(names[nid], rename(nodes[nid].run, names)) for nid in eval_ids],
                  [rename(s.step, names) for s in continuous], [rename(s.step, names) for s in discrete])


def generate(graph: GraphBuilder, overrides: dict, outputs: list, cuts: tuple = ()) -> Program:
    """Write and compile the model's functions.

    Parameters
    ----------
    graph : GraphBuilder
        A built graph.
    overrides : dict
        Output label -> ``"const"`` (a value in ``P``), ``"series"`` (a time series in ``P``),
        ``"hold"`` (a time series in ``P`` that replaces any variable, stocks included) or ``"held"``
        (the same, except in runs whose series is NaN, where the variable keeps its own equation).
    outputs : list of str
        Labels of the cells to return from ``eval``.
    cuts : tuple of (source label, target element, key[, masked])
        Links cut: the equations of ``target`` read the time series ``P[key]`` where they read
        ``source``; every other equation still reads ``source`` itself. ``masked``: in runs whose
        series is NaN the target reads ``source`` (the link stays whole there).
    """
    lay = layout(graph, overrides, outputs, cuts)
    nodes, names, continuous, discrete = lay.nodes, lay.names, lay.continuous, lay.discrete
    states = {s.id: s for s in continuous + discrete}
    static_order, out_ids, steps_c, steps_d = lay.static_order, lay.out_ids, lay.steps_c, lay.steps_d
    lines = [f"# {comment(graph.name)}: the batch engine's program (generated by cityfutures; numpy,",
             "# one value per run in each array). Names follow the Vensim names; each cell shows its equation.",
             "# Numbers are float64 constants (so that 1/0 gives inf as in PySD):"]
    lines += [f"#   {name} = {float(value)!r}" for name, value in graph.literals.values()]
    lines += ["", "", "def _control(_P):", "    N = 1"]
    lines += [f"    {names[i]} = {rename(c, names)}" for i, c in _init_pairs(nodes, states, lay.control_ids)]
    lines.append(f"    return ({', '.join(names[i] for i in lay.control_ids)},)")
    lines += ["", "", "def _init(t, _P, N):"]
    lines += commented(lay.init_pairs, nodes, names, "    ")
    lines.append("    return ([{}], [{}], ({}))".format(
        ", ".join(names[s.id] for s in continuous), ", ".join(names[s.id] for s in discrete),
        "".join(f"{names[k]}, " for k in static_order)))
    lines += ["", "", "def _eval(t, S, D, K, _P):"]
    for group, name in ((continuous, "S"), (discrete, "D"), (static_order, "K")):
        ids = [names[g.id if hasattr(g, "id") else g] for g in group]
        if ids:
            lines.append(f"    {''.join(i + ', ' for i in ids)}= {name}")
    lines += commented(lay.eval_pairs, nodes, names, "    ")
    lines.append("    return ({}), ({}), ({})".format("".join(f"{c}, " for c in steps_c),
                                                     "".join(f"{c}, " for c in steps_d),
                                                     "".join(f"{names[o]}, " for o in out_ids)))
    source = "\n".join(lines) + "\n"
    namespace = program_namespace(graph)
    filename = register_source(source, graph.name, "model")
    exec(compile(source, filename, "exec"), namespace)
    updaters = tuple(getattr(statefuls, s.update.split(".", 1)[1].split(".")[0])
                     if s.update.count(".") == 1 else statefuls.DelayFixedPipe.push
                     for s in discrete)
    scalar_args = ((lay.init_pairs, lay.eval_pairs, [names[s.id] for s in continuous], steps_c,
                    [s.non_negative for s in continuous], [names[o] for o in out_ids], namespace,
                    [(names[s.id], step, s.update) for s, step in zip(discrete, steps_d)]), {"label": graph.name})
    return Program(namespace["_control"], namespace["_init"], namespace["_eval"], tuple(outputs),
                   tuple(o in lay.static for o in out_ids),
                   tuple(s.non_negative for s in continuous), updaters, source, scalar_args)


def _cut_into(nodes: dict, continuous: list, discrete: list, src: str, target: str, cut_id: str) -> None:
    """Make the equations and states of element ``target`` read node ``cut_id`` where they read ``src``
    (in place)."""
    swap = {src: cut_id}
    for nid, node in list(nodes.items()):
        if node.element == target and nid != cut_id and (src in node.run_deps or src in node.init_deps):
            nodes[nid] = replace(node, run=rename(node.run, swap), init=rename(node.init, swap),
                                 run_deps={swap.get(d, d) for d in node.run_deps},
                                 init_deps={swap.get(d, d) for d in node.init_deps})
    for group in (continuous, discrete):
        for j, st in enumerate(group):
            if st.element == target:
                group[j] = replace(st, init=rename(st.init, swap), step=rename(st.step, swap),
                                   init_deps={swap.get(d, d) for d in st.init_deps},
                                   args={a: rename(v, swap) for a, v in st.args.items()})


def cut_links(graph: GraphBuilder, sources=None, sinks=None) -> tuple:
    """Every link a cut can knock out: ``(source label, target element, group)`` for each cell of the model
    that an equation or state of another element reads (a cut of it changes something), in a fixed order
    (target element, then source label); ``group`` numbers the links ``(source element, target element)``,
    all cells of one source element into one target (what one knockout cuts together).

    With ``sources`` and ``sinks`` (element names), only the links on some path from one of ``sources`` to
    one of ``sinks`` (the links a pathway from a lever or shock input to an indicator can run through).
    """
    readers: dict = {}          # node id -> elements reading it (True: at run time, False: initial values only)
    for node in graph.nodes.values():
        for dep in node.run_deps | node.init_deps:
            _read(readers, dep, node.element, dep in node.run_deps)
    for st in (*graph.continuous, *graph.discrete):
        text = " ".join((st.step or "", *map(str, st.args.values())))
        for dep in set(st.init_deps) | (run := {m.group(2) for m in _IDS.finditer(text) if m.group(2)}):
            _read(readers, dep, st.element, dep in run)
    pairs = sorted((target, label) for label, nid in graph.labels.items()
                   for target in readers.get(nid, ()) if target is not None)
    element = {label: graph.nodes[graph.labels[label]].element for _t, label in pairs}
    if sources is not None and sinks is not None:     # run-time links only, as pathways trace them
        pairs = [(target, label) for target, label in pairs if readers[graph.labels[label]][target]]
        down = _reached(sources, [(element[label], target) for target, label in pairs])
        up = _reached(sinks, [(target, element[label]) for target, label in pairs])
        pairs = [(target, label) for target, label in pairs if element[label] in down and target in up]
    groups: dict = {}
    return tuple((label, target, groups.setdefault((element[label], target), len(groups))) for target, label in pairs)


def _read(readers: dict, dep: str, element, run: bool) -> None:
    readers.setdefault(dep, {})[element] = readers.get(dep, {}).get(element, False) or run


def _reached(start, edges: list) -> set:
    """The nodes reached from ``start`` (included) along the directed ``edges`` ``(a, b)``."""
    nexts: dict = {}
    for a, b in edges:
        nexts.setdefault(a, set()).add(b)
    seen, stack = set(start), list(start)
    while stack:
        for b in nexts.get(stack.pop(), ()):
            if b not in seen:
                seen.add(b)
                stack.append(b)
    return seen


# ----------------------------------------------------------------------------- readable source
_IDS = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|\b([vhscd]\d+)\b""")


def rename(code: str, names: dict) -> str:
    """``code`` with its node ids (``v12``, ``h3``, ``s0``, ``d1``, ``c0``) replaced by ``names``; text in
    string literals is left alone."""
    return _IDS.sub(lambda m: m.group(1) or names.get(m.group(2), m.group(2)), code)


def readable_names(nodes: dict, continuous: list, discrete: list) -> dict:
    """Node id -> a unique identifier after the Vensim name of what it holds.

    Model cells ``v_<name>`` (``v_stock_north_rail`` for ``Stock[north,rail]``), parts of an
    element's equation ``h_<element>``, states ``s_<element>`` (continuous) and ``d_<element>``
    (discrete), link cuts ``cut_<element>``; a number is added where two would be the same.
    """
    names, used = {}, set()

    def take(nid: str, base: str) -> None:
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names[nid] = name

    for nid in sorted(nodes, key=_key):
        node = nodes[nid]
        prefix = {"v": "v", "h": "h", "c": "cut"}[nid[0]]
        take(nid, identifier(node.label if nid[0] == "v" and node.label else node.element or nid, prefix))
    for st in continuous:
        take(st.id, identifier(st.element, "s"))
    for st in discrete:
        take(st.id, identifier(st.element, "d"))
    return names


def commented(pairs: list, nodes: dict, names: dict, indent: str) -> list[str]:
    """Assignment lines, each model cell after a comment with its Vensim equation."""
    by_name = {names[i]: n for i, n in nodes.items()}
    out = []
    for name, code in pairs:
        node = by_name.get(name)
        if node is not None and node.label and node.id.startswith("v"):
            out.append(f"{indent}# {comment(node.label + ' = ' + (node.equation or '(as given)'))}")
        out.append(f"{indent}{name} = {code}")
    return out


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
