"""The model as graphs: the structure map's kinds, sectors, links and flows, and the element graph of its equations.

:func:`build` gives the structure map of a loaded model: element kinds, sectors (a Vensim group or an
XMILE ``<group>``, from :mod:`.source`), information links and flows into stocks, from what each
variable reads while the model runs (``Variable.reads``: PySD's dependencies, kept with the cached
translation).
:func:`element_graph` gives the graph of a model file's equations from PySD's abstract model
(the shared parse): each element's kind, what it reads at any time (initial values included)
and what it reads within the same time step (what an algebraic loop is made of). It needs no
translation, so the model checks read any file PySD can parse. Drawing lives in
:mod:`cityfutures.report.charts.structure`.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np

from ..files import per_file_version
from ..names import CONTROL, CONTROL_NAMES, TIME_NAMES, py_name
from .parse import parse_model
from .source import read_source

__all__ = ["Structure", "build", "skeleton", "KEY_KINDS", "ElementGraph", "element_graph", "is_number", "walk"]


@dataclass
class Structure:
    """The model as a graph: element kinds, sectors, information links and flows into stocks."""

    kind: dict[str, str]
    sector: dict[str, str | None]
    links: set[tuple[str, str]] = field(default_factory=set)     # (source, target): target reads source
    inflows: set[tuple[str, str]] = field(default_factory=set)   # (flow, stock)


def build(model) -> Structure:
    """The structure of a loaded :class:`~cityfutures.model.Model`: element kinds, sectors, links, flows.

    Links are what each variable reads while the model runs (``Variable.reads``, from PySD's
    dependencies): a stock's are its flows, every other variable's its information links.
    """
    source = read_source(model.path)
    shock_inputs = {s.input for s in model.shocks.values()}
    skip = CONTROL_NAMES | TIME_NAMES
    flows: set[tuple[str, str]] = set()
    links: set[tuple[str, str]] = set()
    for target, var in model.variables.items():
        if target in skip:
            continue
        into = flows if var.kind == "Stateful" and var.subtype == "Integ" else links
        into.update((source, target) for source in var.reads if source not in skip)
    kind: dict[str, str] = {}
    flow_names = {f for f, _s in flows}
    for name, var in model.variables.items():
        if name in skip:
            continue
        if var.kind == "Stateful" and var.subtype == "Integ":
            kind[name] = "stock"
        elif name in model.indicators:
            kind[name] = "indicator"
        elif name in model.levers:
            kind[name] = "lever"
        elif name in shock_inputs:
            kind[name] = "shock"
        elif name in flow_names:
            kind[name] = "flow"
        elif var.kind == "Constant":
            kind[name] = "constant"
        else:
            kind[name] = "auxiliary"
    sector = {n: source.group(n) for n in kind}
    return Structure(kind=kind, sector=sector, links=links, inflows=flows)


KEY_KINDS = ("stock", "lever", "shock", "indicator")


def skeleton(st: Structure) -> Structure:
    """The model reduced to its key elements (stocks, levers, shock inputs, indicators).

    A key element links to another when a chain of other elements leads from one to the
    other; the link is a flow when its last step fills or drains a stock.
    """
    key = [n for n, k in st.kind.items() if k in KEY_KINDS]   # in the model's order (a set's is per process)
    key_set = set(key)
    succ = defaultdict(set)
    for a, b in st.links | st.inflows:
        succ[a].add(b)
    links = set()
    for src in key:
        seen, stack = set(), list(succ[src])
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            if node in key_set:
                if node != src:
                    links.add((src, node))
                continue
            if st.kind.get(node) != "constant":
                stack.extend(succ[node])
    # a material chain: a flow of two stocks that reads one of them drains it into the other
    # (e.g. commissioning: under construction -> in use); a flow of one stock that reads
    # another is information, not material
    flows_of = defaultdict(set)
    for f, stock in st.inflows:
        flows_of[f].add(stock)
    inflows = set()
    for f, dst in st.inflows:
        for a, b in st.links:
            if b == f and st.kind.get(a) == "stock" and a != dst and a in flows_of[f]:
                inflows.add((a, dst))
    # a flow that reads both of its stocks gives both directions: the upstream stock is the one
    # that other flows fill too (construction starts -> under construction -> completed)
    n_flows = defaultdict(int)
    for _f, stock in st.inflows:
        n_flows[stock] += 1
    for a, b in sorted(inflows):
        if (b, a) in inflows and (a, b) in inflows:
            inflows.discard((a, b) if (n_flows[b], b) > (n_flows[a], a) else (b, a))
    links -= inflows
    links -= {(b, a) for a, b in inflows}
    # transitive reduction: drop a -> c when a -> b -> c already says it (fewer, more readable arrows)
    out = defaultdict(set)
    for a, b in links | inflows:
        out[a].add(b)
    # one link at a time, so that of two links that explain each other (a cycle) one stays
    redundant = set()
    for a, b in sorted(links):
        for m in sorted(out[a]):
            if m != b and m != a and b in out[m]:
                redundant.add((a, b))
                out[a].discard(b)
                break
    links -= redundant
    return Structure(kind={n: st.kind[n] for n in key}, sector={n: st.sector.get(n) for n in key},
                     links=links, inflows=inflows)


# ----------------------------------------------------------------------------- the element graph of a file
# stateful structure -> the arguments its output reads within the same time step (the others are buffered)
_SAME_TIME = {"IntegStructure": (), "SmoothStructure": (), "SmoothNStructure": (), "DelayStructure": ("delay_time",),
              "DelayNStructure": (), "DelayFixedStructure": (), "TrendStructure": ("input", "average_time"),
              "ForecastStructure": ("input", "average_time", "horizon"),
              "SampleIfTrueStructure": ("condition", "input"), "InitialStructure": ()}


@dataclass(frozen=True)
class ElementGraph:
    """The elements of a model file and who reads whom, from PySD's abstract model (main section).

    Attributes
    ----------
    elements : mapping of PySD name (:func:`~cityfutures.names.py_name`) -> AbstractElement
    kind : mapping of PySD name -> str
        ``constant`` (a number or an array), ``lookup``, ``stock`` (an INTEG), ``data``,
        ``control`` (INITIAL TIME, FINAL TIME, TIME STEP, SAVEPER) or ``auxiliary``.
    reads : mapping of PySD name -> frozenset
        The elements its equations read at any time (initial values included; not ``Time``).
    same_time : mapping of PySD name -> frozenset
        The elements it reads within the same time step.
    ranges : frozenset
        PySD names of the subscript ranges and their subscripts.
    """

    elements: Mapping[str, Any]
    kind: Mapping[str, str]
    reads: Mapping[str, frozenset]
    same_time: Mapping[str, frozenset]
    ranges: frozenset = frozenset()

    def readers(self) -> dict[str, set[str]]:
        """PySD name -> the elements that read it."""
        out: dict[str, set[str]] = {k: set() for k in self.elements}
        for k, deps in self.reads.items():
            for d in deps:
                if d in out and d != k:
                    out[d].add(k)
        return out


def is_number(ast) -> bool:
    """True for an equation PySD parsed into a plain number or array (a constant)."""
    return isinstance(ast, (int, float, np.number, np.ndarray))


def _children(node) -> Iterable:
    if isinstance(node, (list, tuple)):
        yield from node
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield getattr(node, f.name)


def walk(node) -> Iterable:
    """Every node of an abstract syntax tree of PySD's, ``node`` first."""
    yield node
    for child in _children(node):
        yield from walk(child)


def _references(node, elements: Mapping, same_time_only: bool = False) -> set:
    """Element names referenced in an abstract syntax tree (optionally only those read in the same step)."""
    out: set = set()
    kind = type(node).__name__
    if kind == "ReferenceStructure":
        if node.reference in elements:
            out.add(node.reference)
        return out
    if kind == "CallStructure":
        if node.function.reference in elements:
            out.add(node.function.reference)
        for a in node.arguments:
            out |= _references(a, elements, same_time_only)
        return out
    if same_time_only and kind in _SAME_TIME:
        for arg in _SAME_TIME[kind]:
            out |= _references(getattr(node, arg), elements, True)
        return out
    for child in _children(node):
        out |= _references(child, elements, same_time_only)
    return out


@per_file_version
def element_graph(path: Path) -> ElementGraph:
    """The element graph of the ``.mdl`` file at ``path`` (cached per file version; no translation).

    Raises
    ------
    ModelError
        PySD cannot parse the file.
    """
    am = parse_model(path).abstract_model
    elements = {py_name(e.name): e for e in am.sections[0].elements}
    kind = {}
    for key, el in elements.items():
        types = {type(c).__name__ for c in el.components}
        asts = [c.ast for c in el.components]
        if key in CONTROL:
            kind[key] = "control"
        elif types == {"AbstractLookup"}:
            kind[key] = "lookup"
        elif "AbstractData" in types:
            kind[key] = "data"
        elif all(is_number(a) for a in asts):
            kind[key] = "constant"
        elif any(type(a).__name__ == "IntegStructure" for a in asts):
            kind[key] = "stock"
        else:
            kind[key] = "auxiliary"
    reads = {key: frozenset(set().union(*(_references(c.ast, elements) for c in el.components)) - {"time"})
             for key, el in elements.items()}
    same_time = {key: frozenset(set().union(*(_references(c.ast, elements, True) for c in el.components)))
                 for key, el in elements.items()}
    ranges = frozenset(py_name(s) for r in am.sections[0].subscripts
                       for s in [r.name] + (list(r.subscripts) if isinstance(r.subscripts, (list, tuple)) else []))
    return ElementGraph(elements, kind, reads, same_time, ranges)
