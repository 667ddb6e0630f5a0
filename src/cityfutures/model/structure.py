"""The model's structure: element kinds, sectors (groups), information links and flows into stocks.

The links come from PySD: what each variable reads (``Variable.reads``, from the translated model's
``dependencies``) and its documentation table (which element is a stock). The sector of an element is its
group, a Vensim group or an XMILE ``<group>`` (:func:`.parse.element_groups`). Drawing lives in
:mod:`cityfutures.report.charts.structure`.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..names import CONTROL_NAMES, TIME_NAMES
from .parse import element_groups

__all__ = ["Structure", "build", "skeleton", "KEY_KINDS"]


@dataclass
class Structure:
    """The model as a graph: element kinds, sectors, information links and flows into stocks."""

    kind: dict[str, str]
    sector: dict[str, str | None]
    links: set[tuple[str, str]] = field(default_factory=set)     # (source, target): target reads source
    inflows: set[tuple[str, str]] = field(default_factory=set)   # (flow, stock)


def build(model) -> Structure:
    """The structure of a loaded :class:`~cityfutures.model.Model`: element kinds, sectors, links, flows."""
    groups = element_groups(model.path)
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
        if name in CONTROL_NAMES or name in TIME_NAMES:
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
    sector = {n: groups.get(n) for n in kind}
    return Structure(kind=kind, sector=sector, links=links, inflows=flows)


KEY_KINDS = ("stock", "lever", "shock", "indicator")


def skeleton(st: Structure) -> Structure:
    """The model reduced to its key elements (stocks, levers, shock inputs, indicators).

    A key element links to another when a chain of other elements leads from one to the
    other; the link is a flow when its last step fills or drains a stock.
    """
    key = {n for n, k in st.kind.items() if k in KEY_KINDS}
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
            if node in key:
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
