"""Structure lint of a Vensim model: what a reviewer would flag before a workshop does.

Rules (ids of :data:`.findings.RULES`; every one a warning except
``algebraic-loop``):

``dead-end``
    a variable that feeds nothing and is not a declared output (an indicator of the sidecar).
``unused-constant``
    a constant or lookup that nothing reads.
``missing-source``
    a constant or lookup whose documentation names no source: none of the tags
    (default ``Source``, ``Derived``, ``Calibrated``, ``Assumption``; the sidecar's
    ``checks.source_tags`` replaces them) appears in it as a word.
``missing-range``
    a constant without a Vensim range ``[min,max]`` with both ends.
``bare-initial``
    a stock whose initial value is a number other than 0 (an equilibrium typed in from a
    run, or a value without a name and a source): use a named constant or ``INITIAL()``.
``short-time-constant``
    a time constant - a smoothing, delay or averaging time, or a variable in the time unit
    that divides - below 4 x TIME STEP (Euler cannot follow it), by value, by the low end
    of its documented range, by its smallest value in a baseline run, or by a time-unit
    constant it is made of. (DELAY FIXED is a pipeline of whole steps, not integrated: it
    is not judged.)
``division-by-zero``
    ``x / y`` where ``y`` is a stock or a constant whose documented range includes zero,
    without ZIDZ or XIDZ.
``literal``
    numbers in an equation other than 0, 1, 2 and 100 (lookup points, a stock's initial
    number and a constant's own value are not literals).
``algebraic-loop``
    elements that depend on each other at the same time (no stock in between).

Unit conversion constants (``Days per year = 365 ~ day/Year``, recognised by
:mod:`.units`) need neither a source nor a range.
"""
from __future__ import annotations

import dataclasses
import math
import re
from typing import Mapping, Sequence

import networkx as nx
import numpy as np

from ...names import py_name
from ..source import ModelSource
from ..structure import ElementGraph, is_number, walk
from .findings import SOURCE_TAGS, Finding, finding
from .units import UnitsAnalysis

__all__ = ["lint", "ALLOWED_LITERALS", "MIN_STEPS"]

ALLOWED_LITERALS = (0.0, 1.0, 2.0, 100.0)
MIN_STEPS = 4
"""A time constant should be at least this many TIME STEPs."""

_TIME_ARGS = {"SmoothStructure": "smooth_time", "SmoothNStructure": "smooth_time", "DelayStructure": "delay_time",
              "DelayNStructure": "delay_time", "TrendStructure": "average_time",
              "ForecastStructure": "average_time"}


def _numbers(node, skip_initial: bool = False) -> list[float]:
    """Numbers written in an expression (not lookup points, orders or a stock's initial number)."""
    kind = type(node).__name__
    if isinstance(node, (int, float, np.number)) and not isinstance(node, bool):
        return [float(node)]
    if isinstance(node, np.ndarray) or kind in ("LookupsStructure", "GetLookupsStructure"):
        return []
    if kind == "InlineLookupsStructure":
        return _numbers(node.argument)
    if kind == "ArithmeticStructure" and list(node.operators) == ["negative"] and \
            isinstance(node.arguments[0], (int, float, np.number)):
        return [-float(node.arguments[0])]
    out = []
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            if f.name in ("order", "non_negative", "subscripts") or (kind == "IntegStructure" and f.name == "initial"
                                                                     and _is_bare(node.initial)):
                continue
            out += _numbers(getattr(node, f.name))
    elif isinstance(node, (list, tuple)):
        for item in node:
            out += _numbers(item)
    return out


def _bare_value(ast) -> float | None:
    """The number an initial value is written as (``5``, ``-5``), else None."""
    if isinstance(ast, (int, float, np.number)):
        return float(ast)
    if type(ast).__name__ == "ArithmeticStructure" and list(ast.operators) == ["negative"] \
            and isinstance(ast.arguments[0], (int, float, np.number)):
        return -float(ast.arguments[0])
    return None


def _is_bare(ast) -> bool:
    return _bare_value(ast) is not None


def _limits(el) -> tuple[float, float]:
    lo, hi = (tuple(el.limits) + (None, None))[:2] if el.limits else (None, None)

    def num(x):
        try:
            x = float(x)
        except (TypeError, ValueError):
            return math.nan
        return x

    return num(lo), num(hi)


def _value(el) -> float | None:
    """Smallest value of a constant element (scalar or array), else None."""
    vals = [np.min(c.ast) for c in el.components if is_number(c.ast)]
    return float(min(vals)) if vals else None


def lint(g: ElementGraph, source: ModelSource, units: UnitsAnalysis, *, file: str, time_step: float | None,
         outputs: Sequence[str] = (), source_tags: Sequence[str] = SOURCE_TAGS,
         minima: Mapping[str, float] | None = None) -> list[Finding]:
    """Structure lint of a model.

    Parameters
    ----------
    g : ElementGraph
        The model file's elements and who reads whom (:func:`cityfutures.model.structure.element_graph`).
    source : ModelSource
        Lines of the file.
    units : UnitsAnalysis
        The units analysis (for time units and unit conversion constants).
    file : str
        The model file as findings name it.
    time_step : float or None
        TIME STEP [time units]; None skips the time-constant rule.
    outputs : sequence of str
        Declared outputs (the sidecar's indicators): not dead ends.
    source_tags : sequence of str
        Words that name a source in a constant's documentation (empty: rule off).
    minima : mapping of name -> float, optional
        Smallest value of each variable over a baseline run: lets the time-constant rule
        judge time constants that are computed (without it, only constants are judged).

    Returns
    -------
    list of Finding
    """
    readers = g.readers()
    out: list[Finding] = []
    outputs_k = {py_name(n) for n in outputs}
    conversions = {py_name(n) for n in units.conversions}
    tags = re.compile(r"\b(" + "|".join(re.escape(t) for t in source_tags) + r")\b") if source_tags else None

    def report(rule, key, message):
        name = g.elements[key].name
        out.append(finding(rule, name, message, file=file, line=source.line(name)))

    for key, el in g.elements.items():
        kind = g.kind[key]
        if kind == "control":
            continue
        if not readers[key]:
            if kind in ("constant", "lookup"):
                report("unused-constant", key, f"this {kind} is used by no equation")
            elif key not in outputs_k:
                hint = "" if outputs else " (no sidecar lists the model's indicators)"
                report("dead-end", key, f"feeds nothing and is not a declared output{hint}: use it, declare it "
                       "as an indicator, or remove it")
        if kind in ("constant", "lookup") and key not in conversions and tags is not None:
            if not tags.search(el.documentation or ""):
                report("missing-source", key, "its documentation names no source (start it with one of: "
                       + ", ".join(source_tags) + ")")
        if kind == "constant" and key not in conversions:
            lo, hi = _limits(el)
            if math.isnan(lo) or math.isnan(hi):
                report("missing-range", key, "no documented range: add the Vensim range [min,max] of its "
                       "plausible values (ensembles sample it)")
        for comp in el.components:
            ast = comp.ast
            for node in walk(ast):
                name = type(node).__name__
                if name == "IntegStructure":
                    value = _bare_value(node.initial)
                    if value is not None and value != 0:
                        report("bare-initial", key, f"starts at the bare number {value:g}: use a named "
                               "constant with a source, or INITIAL() of the equilibrium")
            if kind != "constant":
                lits = sorted({abs(x) for x in _numbers(ast)} - set(ALLOWED_LITERALS))
                if lits:
                    shown = ", ".join(f"{x:g}" for x in lits[:6])
                    report("literal", key, f"the number{'s' * (len(lits) > 1)} {shown} in its equation: name "
                           "each as a constant with a source and a range")
    out += _time_constants(g, units, source, file, time_step, minima or {})
    out += _divisions(g, source, file)
    out += _algebraic_loops(g, source, file)
    return _unique(out)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen, out = set(), []
    for f in findings:
        if f not in seen:
            seen.add(f)
            out.append(f)
    return out


def _time_constants(g: ElementGraph, units: UnitsAnalysis, source, file, time_step, minima) -> list[Finding]:
    """Time constants below MIN_STEPS x TIME STEP.

    A time constant is a smoothing, delay or averaging time, or a variable in the time unit
    that divides. A constant is judged by its value and the low end of its documented
    range; a computed one by its smallest value in a baseline run (``minima``) and by the
    time-unit constants its equation is made of (a floor such as a minimum duration).
    """
    if not time_step or time_step <= 0:
        return []
    out = []
    limit = MIN_STEPS * time_step
    seen: set = set()
    steps = f"Euler needs at least {MIN_STEPS} x TIME STEP ({limit:g}) to follow it"

    def report(name, text):
        out.append(finding("short-time-constant", name, text, file=file, line=source.line(name)))

    def judge(ref, number, user, what):
        """``ref`` (an element key) or ``number`` used as a time constant by element ``user``."""
        if (user, ref, number) in seen:
            return
        seen.add((user, ref, number))
        user_name = g.elements[user].name
        if ref is None:
            if 0 < number < limit:
                report(user_name, f"{what} is the number {number:g}, {number / time_step:.3g} x TIME STEP "
                       f"({time_step:g}); {steps}")
            return
        el, kind = g.elements[ref], g.kind.get(ref)
        if kind == "constant":
            value, (lo, _) = _value(el), _limits(el)
            if value is not None and 0 < value < limit:
                report(el.name, f"{value:g} is {value / time_step:.3g} x TIME STEP ({time_step:g}) and is {what} "
                       f"of '{user_name}'; {steps}")
            elif 0 < lo < limit:
                report(el.name, f"its documented range reaches {lo:g}, {lo / time_step:.3g} x TIME STEP "
                       f"({time_step:g}), and it is {what} of '{user_name}'; {steps}")
        elif kind == "auxiliary":
            for part in sorted(g.reads[ref]):
                if g.kind.get(part) == "constant" and units.is_time(g.elements[part].name):
                    judge(part, None, ref, "part of the time constant")
            low = minima.get(el.name)
            if low is not None and 0 < low < limit:
                report(el.name, f"falls to {low:g} in a baseline run, {low / time_step:.3g} x TIME STEP "
                       f"({time_step:g}), and is {what} of '{user_name}'; {steps}")

    for key, el in g.elements.items():
        for comp in el.components:
            for node in walk(comp.ast):
                name = type(node).__name__
                if name in _TIME_ARGS:
                    arg = getattr(node, _TIME_ARGS[name])
                    what = "the " + _TIME_ARGS[name].replace("_", " ")
                    if isinstance(arg, (int, float, np.number)):
                        judge(None, float(arg), key, what)
                    elif type(arg).__name__ == "ReferenceStructure" and arg.reference in g.elements:
                        judge(arg.reference, None, key, what)
                elif name == "ArithmeticStructure":
                    for op, arg in zip(node.operators, node.arguments[1:]):
                        if op == "/" and type(arg).__name__ == "ReferenceStructure" and \
                                g.kind.get(arg.reference) in ("constant", "auxiliary") and \
                                units.is_time(g.elements[arg.reference].name):
                            judge(arg.reference, None, key, "the time constant")
    return out


def _divisions(g: ElementGraph, source, file) -> list[Finding]:
    """``x / y`` with a stock, or a constant whose range includes zero, as ``y``."""
    out = []
    for el in g.elements.values():
        for comp in el.components:
            for node in walk(comp.ast):
                if type(node).__name__ != "ArithmeticStructure":
                    continue
                for op, arg in zip(node.operators, node.arguments[1:]):
                    if op != "/":
                        continue
                    for ref in _divisor_references(arg):
                        kind = g.kind.get(ref)
                        target = g.elements[ref].name if ref in g.elements else ref
                        if kind == "stock":
                            why = f"the stock '{target}', which can reach zero"
                        elif kind == "constant":
                            lo, hi = _limits(g.elements[ref])
                            if not (lo <= 0 and (math.isnan(hi) or hi >= 0)):
                                continue
                            top = "?" if math.isnan(hi) else f"{hi:g}"
                            why = f"'{target}', whose documented range [{lo:g},{top}] includes zero"
                        else:
                            continue
                        out.append(finding("division-by-zero", el.name, f"divides by {why}: use ZIDZ or XIDZ "
                                           "(or document why it cannot)", file=file, line=source.line(el.name)))
    return out


def _divisor_references(node) -> list[str]:
    """References a divisor is a product of (``y``, ``y * z``, ``y[a]``), not inside sums or calls."""
    kind = type(node).__name__
    if kind == "ReferenceStructure":
        return [node.reference]
    if kind == "ArithmeticStructure" and set(node.operators) <= {"*"}:
        return [r for a in node.arguments for r in _divisor_references(a)]
    return []


def _algebraic_loops(g: ElementGraph, source, file) -> list[Finding]:
    """One error per group of elements that depend on each other at the same time."""
    graph = nx.DiGraph()
    for key, deps in g.same_time.items():
        graph.add_node(key)
        for d in deps:
            if d != key or not any(c.subscripts[0] for c in g.elements[key].components):
                graph.add_edge(d, key)
    out = []
    for comp in nx.strongly_connected_components(graph):
        if len(comp) == 1 and not any(graph.has_edge(k, k) for k in comp):
            continue
        names = sorted(g.elements[k].name for k in comp)
        first = min(names, key=lambda n: source.line(n) or 0)
        cycle = " -> ".join(names + [names[0]]) if len(names) > 1 else f"{names[0]} -> {names[0]}"
        out.append(finding("algebraic-loop", first, f"algebraic loop (a circular definition with no stock "
                           f"in between): {cycle}", file=file, line=source.line(first)))
    return out
