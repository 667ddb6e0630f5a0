"""Write a model as an XMILE 1.0 file (so Stella users can open it).

The writer works from PySD's abstract model of the file (:func:`.parse.parse_model`): the
same parse the engines run. It writes, following the XMILE 1.0
specification (OASIS Standard, 14 December 2015):

- ``<header>`` (vendor, product and version, model name; ``<uses_arrays>`` when arrayed);
- ``<sim_specs>`` from INITIAL TIME, FINAL TIME and TIME STEP, with the time units;
- ``<dimensions>`` from subscript ranges;
- one ``<stock>`` per INTEG with its ``<inflow>``/``<outflow>`` flows and initial value,
  one ``<flow>`` per rate, one ``<aux>`` per other variable, each with ``<units>``,
  ``<range>`` (Vensim's ``[min,max]``; an open end is ``INF``) and ``<doc>``;
- one named ``<gf>`` per lookup, ``<gf>`` inside the ``<aux>`` for ``WITH LOOKUP``;
- one ``<group>`` per Vensim group (sector), listing its variables (groups, not modules).

A stock's rate that is a sum of other variables (``INTEG(in1 + in2 - out, ...)``) names
them as its inflows and outflows, and they are written as flows; any other rate becomes a
flow named ``"<stock> net flow"``. The XML is built with :mod:`lxml.etree` (never by
joining text). What XMILE 1.0 cannot express (ACTIVE INITIAL, SAMPLE IF TRUE, macros,
vector functions, data, subscript mappings and subranges, ...) is an error naming the
variable and the function; nothing is dropped silently. Lost on the way and reported in
:class:`ExportNotes`: SAVEPER (XMILE 1.0 saves every DT) and the increment of Vensim ranges.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from lxml import etree

from .._version import __version__
from ..errors import ModelError
from ..files import atomic_write
from ..names import CONTROL_NAMES, py_name
from .load import resolve_model_path
from .parse import parse_model
from .source import definition_line, element_groups, group_docs
from .xmile import CONTROL_BUILTINS, XMILE_NAMESPACE

__all__ = ["ExportNotes", "xmile_document", "export_xmile", "SUPPORTED_FUNCTIONS"]

_CONTROL = {control: builtin.upper() for builtin, control in CONTROL_BUILTINS.items()}

# PySD's clean function name -> XMILE 1.0 builtin (same arguments, same order)
_SAME = {"abs": "ABS", "exp": "EXP", "sqrt": "SQRT", "ln": "LN", "sin": "SIN", "cos": "COS",
         "tan": "TAN", "arcsin": "ARCSIN", "arccos": "ARCCOS", "arctan": "ARCTAN", "min": "MIN",
         "max": "MAX", "integer": "INT", "step": "STEP", "xidz": "SAFEDIV", "zidz": "SAFEDIV",
         "Xramp": "RAMP", "Xpulse": "PULSE"}
SUPPORTED_FUNCTIONS = ("ABS", "EXP", "SQRT", "LN", "LOG", "SIN", "COS", "TAN", "ARCSIN", "ARCCOS",
                       "ARCTAN", "MIN", "MAX", "INTEGER", "MODULO", "POWER", "XIDZ", "ZIDZ",
                       "IF THEN ELSE", "STEP", "RAMP", "PULSE", "PULSE TRAIN", "SINH", "COSH",
                       "TANH", "INTEG", "SMOOTH", "SMOOTHI",
                       "SMOOTH3", "SMOOTH3I", "SMOOTH N", "DELAY1", "DELAY1I", "DELAY3", "DELAY3I",
                       "DELAY N", "DELAY FIXED", "TREND", "FORECAST", "INITIAL", "WITH LOOKUP",
                       "lookups")
"""Vensim functions the writer expresses in XMILE 1.0 (anything else is an error)."""

_VENSIM = {"if_then_else": "IF THEN ELSE", "active_initial": "ACTIVE INITIAL",
           "pulse_train": "PULSE TRAIN", "sum": "SUM", "prod": "PROD", "vmin": "VMIN", "vmax": "VMAX",
           "elmcount": "ELMCOUNT", "quantum": "QUANTUM", "invert_matrix": "INVERT MATRIX"}
_STATEFULS = {  # PySD structure -> XMILE builtin and its arguments, in XMILE's order
    "SmoothStructure": ("SMTH{order}", ("input", "smooth_time", "initial")),
    "SmoothNStructure": ("SMTHN", ("input", "smooth_time", "order", "initial")),
    "DelayStructure": ("DELAY{order}", ("input", "delay_time", "initial")),
    "DelayNStructure": ("DELAYN", ("input", "delay_time", "order", "initial")),
    "DelayFixedStructure": ("DELAY", ("input", "delay_time", "initial")),
    "TrendStructure": ("TREND", ("input", "average_time", "initial_trend")),
    "ForecastStructure": ("FORCST", ("input", "average_time", "horizon", "initial_trend")),
    "InitialStructure": ("INIT", ("initial",)),
}
_STRUCTURES = {"SampleIfTrueStructure": "SAMPLE IF TRUE", "GetConstantsStructure": "GET CONSTANTS",
               "GetDataStructure": "GET DATA", "GetLookupsStructure": "GET LOOKUPS",
               "AllocateByPriorityStructure": "ALLOCATE BY PRIORITY",
               "AllocateAvailableStructure": "ALLOCATE AVAILABLE", "GameStructure": "GAME",
               "DataStructure": "DATA", "IntegStructure": "INTEG inside an expression"}
_IDENT = re.compile(r"^[A-Za-z\u0080-\U0010ffff][A-Za-z0-9$_\u0080-\U0010ffff]*$")


@dataclass
class ExportNotes:
    """What an export wrote and what XMILE 1.0 could not hold.

    Attributes
    ----------
    stocks, flows, auxiliaries, graphical_functions, groups : int
        Counts of what was written.
    made_up : list of str
        Variables the export adds: flows for stocks whose rate is not a sum of other
        variables (``"<stock> net flow"``), initial values of stocks defined element by
        element (``"<stock> initial value"``).
    dropped : list of str
        What the XMILE file does not carry (SAVEPER, range increments), one line each.
    """

    stocks: int = 0
    flows: int = 0
    auxiliaries: int = 0
    graphical_functions: int = 0
    groups: int = 0
    made_up: list = field(default_factory=list)
    dropped: list = field(default_factory=list)


class _Writer:
    def __init__(self, path: Path, source):
        self.path = path
        self.section = source.abstract_model.sections[0]
        if len(source.abstract_model.sections) > 1:
            macro = source.abstract_model.sections[1].name
            self.fail(macro, "macro", "(a Vensim macro) has no XMILE 1.0 equivalent PySD reads")
        self.elements = {py_name(e.name): e for e in self.section.elements}
        self.ranges = {}
        for rng in self.section.subscripts:
            if rng.mapping or not isinstance(rng.subscripts, list) \
                    or not all(isinstance(s, str) for s in rng.subscripts):
                self.fail(rng.name, "subscript range", "with a mapping, or read from a file, has no "
                          "XMILE 1.0 equivalent")
            self.ranges[rng.name] = list(rng.subscripts)
        self.notes = ExportNotes()
        self.taken = set(self.elements)
        self.increments: list = []

    def unique_name(self, base: str) -> str:
        """``base``, or ``base 2``, ``base 3``... : a name no variable has (for made-up variables)."""
        name, k = base, 2
        while py_name(name) in self.taken:
            name, k = f"{base} {k}", k + 1
        self.taken.add(py_name(name))
        return name

    # ------------------------------------------------------------------ errors
    def fail(self, element: str, construct: str, problem: str, allowed: str | None = None):
        raise ModelError(f"'{element}': {construct} {problem}", path=str(self.path),
                         line=definition_line(self.path, element), field="export to XMILE", allowed=allowed)

    def unsupported(self, element: str, function: str):
        self.fail(element, function, "has no XMILE 1.0 equivalent",
                  "Vensim functions " + ", ".join(SUPPORTED_FUNCTIONS))

    # ------------------------------------------------------------------ names
    def name_of(self, reference: str, element: str) -> str:
        """An XMILE identifier for PySD's clean reference ``reference``."""
        if reference == "time":
            return "TIME"
        if reference in _CONTROL:
            return _CONTROL[reference]
        if reference == "saveper":
            self.fail(element, "SAVEPER", "cannot be referred to: XMILE 1.0 has no save interval")
        el = self.elements.get(reference)
        if el is not None:
            return identifier(el.name)
        for rng, members in self.ranges.items():
            for name in [rng, *members]:
                if py_name(name) == reference:
                    return identifier(name)
        self.fail(element, "reference", f"to '{reference}': not a variable of the model")

    # ------------------------------------------------------------------ expressions
    def expr(self, ast, element: str) -> str:
        """XMILE text of a PySD AST (compound expressions in parentheses)."""
        kind = type(ast).__name__
        if isinstance(ast, (bool, np.bool_)):
            return "1" if ast else "0"
        if isinstance(ast, (int, float, np.integer, np.floating)):
            return number(ast, element, self)
        if isinstance(ast, np.ndarray):
            self.fail(element, "array of numbers", "inside an expression has no XMILE 1.0 equivalent")
        if kind in _STATEFULS:
            return self.stateful(ast, element)
        method = getattr(self, "_" + kind, None)
        if method is None:
            self.unsupported(element, _STRUCTURES.get(kind, kind.replace("Structure", "").upper()))
        return method(ast, element)

    def operand(self, ast, element: str) -> str:
        text = self.expr(ast, element)
        simple = _IDENT.match(text) or re.fullmatch(r"[0-9.eE+]+", text) or \
            re.fullmatch(r'"[^"]*"', text) or _balanced_call(text) \
            or re.fullmatch(r'[A-Za-z_"][^ ()]*\[[^\[\]]*\]', text)
        return text if simple else f"({text})"

    def _ArithmeticStructure(self, ast, element):
        ops, args = list(ast.operators), list(ast.arguments)
        if len(args) == 1:
            if ops[0] == "negative":
                return f"-{self.operand(args[0], element)}"
            if ops[0] == "positive":
                return self.expr(args[0], element)
            self.fail(element, f"operator {ops[0]}", "is unknown")
        out = self.operand(args[0], element)
        for op, arg in zip(ops, args[1:]):
            if op not in ("+", "-", "*", "/", "^"):
                self.fail(element, f"operator {op}", "is unknown")
            out += f" {op} {self.operand(arg, element)}"
        return out

    def _LogicStructure(self, ast, element):
        words = {":AND:": "AND", ":OR:": "OR", "=": "=", "<>": "<>", "<": "<", "<=": "<=",
                 ">": ">", ">=": ">="}
        ops, args = list(ast.operators), list(ast.arguments)
        if len(args) == 1 and ops == [":NOT:"]:
            return f"NOT {self.operand(args[0], element)}"
        if len(args) > 2 and any(op not in (":AND:", ":OR:") for op in ops):
            self.fail(element, "a chain of comparisons", "has no XMILE 1.0 equivalent")
        out = self.operand(args[0], element)
        for op, arg in zip(ops, args[1:]):
            out += f" {words[op]} {self.operand(arg, element)}"
        return out

    def _ReferenceStructure(self, ast, element):
        name = self.name_of(ast.reference, element)
        if ast.subscripts is not None:
            subs = []
            for s in ast.subscripts.subscripts:
                if s.endswith("!"):
                    self.fail(element, f"reduction over '{s}' (SUM, PROD, VMIN, VMAX)",
                              "has no XMILE 1.0 equivalent PySD reads")
                subs.append(identifier(s))
            name += "[" + ", ".join(subs) + "]"
        return name

    def _SubscriptsReferenceStructure(self, ast, element):
        return "[" + ", ".join(identifier(s) for s in ast.subscripts) + "]"

    def _CallStructure(self, ast, element):
        fn = ast.function.reference
        args = list(ast.arguments)
        target = self.elements.get(fn)
        if target is not None and all(type(c).__name__ == "AbstractLookup" for c in target.components):
            if ast.function.subscripts is not None:
                self.fail(element, f"call of the subscripted lookup '{target.name}'",
                          "has no XMILE 1.0 equivalent PySD reads")
            return f"{self.name_of(fn, element)}({self.expr(args[0], element)})"
        a = [self.expr(x, element) for x in args]
        if fn in _SAME and (fn != "Xpulse" or len(a) == 2):
            return f"{_SAME[fn]}({', '.join(a)})"
        if fn == "log":
            return f"LN({a[0]}) / LN({a[1]})"
        if fn == "modulo":  # PySD's XMILE grammar reads MOD in lower case only
            return f"{self.operand(args[0], element)} mod {self.operand(args[1], element)}"
        if fn == "power":
            return f"{self.operand(args[0], element)} ^ {self.operand(args[1], element)}"
        if fn == "if_then_else":
            return f"IF {a[0]} THEN {a[1]} ELSE {a[2]}"
        if fn == "ramp":
            if len(a) == 2:
                return f"RAMP({a[0]}, {a[1]})"
            return f"RAMP({a[0]}, {a[1]}) - RAMP({a[0]}, {a[2]})"  # XMILE RAMP has no end time
        if fn == "pulse":  # Vensim PULSE(start, width): 1 from start (less 1e-6) for width
            start, width = self.operand(args[0], element), self.operand(args[1], element)
            return f"IF TIME >= {start} - 1e-06 AND TIME < {start} + {width} THEN 1 ELSE 0"
        if fn == "pulse_train":  # Vensim PULSE TRAIN(start, width, repeat, end), as PySD runs it
            s_, r_, w_, e_ = (self.operand(x, element) for x in args)  # PySD: start, repeat, width, end
            return (f"IF {r_} = 0 THEN (IF TIME >= {s_} - 1e-06 AND TIME < {s_} + {w_} THEN 1 ELSE 0) "
                    f"ELSE (IF TIME >= {s_} AND TIME < {e_} AND ((TIME - {s_} + 1e-06) mod {r_}) < {w_} "
                    "THEN 1 ELSE 0)")
        if fn in ("sinh", "cosh", "tanh"):  # not XMILE 1.0 builtins: from EXP (agrees to rounding)
            x = self.operand(args[0], element)
            plus, minus = f"EXP({x})", f"EXP(-{x})"
            return {"sinh": f"({plus} - {minus}) / 2", "cosh": f"({plus} + {minus}) / 2",
                    "tanh": f"({plus} - {minus}) / ({plus} + {minus})"}[fn]
        if fn == "Xpulse_train":
            return f"PULSE({a[2]}, {a[0]}, {a[1]})"
        self.unsupported(element, _VENSIM.get(fn, fn.upper().replace("_", " ")))

    def stateful(self, ast, element: str) -> str:
        """A Vensim stateful (SMOOTH, DELAY, TREND, ...) as its XMILE builtin."""
        name, fields = _STATEFULS[type(ast).__name__]
        if "{order}" in name:
            if ast.order not in (1, 3):
                self.fail(element, name.format(order="").rstrip("_") + f" of order {ast.order}",
                          "has no XMILE 1.0 equivalent")
            name = name.format(order=int(ast.order))
        return f"{name}(" + ", ".join(self.expr(getattr(ast, f), element) for f in fields) + ")"

    # ------------------------------------------------------------------ elements
    def kind(self, el) -> str:
        comps = el.components
        names = {type(c).__name__ for c in comps}
        if names == {"AbstractLookup"}:
            return "gf"
        if names - {"AbstractComponent", "AbstractUnchangeableConstant"}:
            self.fail(el.name, "DATA variable" if "AbstractData" in names else next(iter(names)),
                      "has no XMILE 1.0 equivalent")
        integ = [type(c.ast).__name__ == "IntegStructure" for c in comps]
        if any(integ):
            if not all(integ):
                self.fail(el.name, "INTEG", "for some subscripts only has no XMILE 1.0 equivalent")
            return "stock"
        return "aux"

    def dims(self, el) -> list:
        """The element's dimensions (range names), from its components' subscripts."""
        out = None
        for comp in el.components:
            subs, excepts = comp.subscripts
            if any(excepts):
                self.fail(el.name, ":EXCEPT:", "has no XMILE 1.0 equivalent")
            ranges = []
            for s in subs:
                if s in self.ranges:
                    ranges.append(s)
                    continue
                owner = [r for r, members in self.ranges.items() if s in members]
                full = [r for r in owner if len(self.ranges[r]) == max(len(self.ranges[o]) for o in owner)]
                if not owner:
                    self.fail(el.name, f"subscript '{s}'", "is not a subscript of the model")
                ranges.append(full[0])
            if out is None:
                out = ranges
            elif ranges != out:
                self.fail(el.name, "definitions over different dimensions", "have no XMILE 1.0 equivalent")
        for r in out or []:
            small = [o for o, m in self.ranges.items() if o != r and set(m) < set(self.ranges[r])]
            if any(s in self.ranges and s != r and s in small for c in el.components
                   for s in c.subscripts[0]):
                self.fail(el.name, "subscript subrange", "has no XMILE 1.0 equivalent")
        return out or []

    def cells(self, el, dims):
        """(subscript tuple or None, AST) per XMILE definition: None = apply-to-all."""
        comps = el.components
        if len(comps) == 1 and list(comps[0].subscripts[0]) == dims \
                and not isinstance(comps[0].ast, np.ndarray):
            return [(None, comps[0].ast)]
        out = []
        for comp in comps:
            subs = comp.subscripts[0]
            axes = [self.ranges[s] if s in self.ranges else [s] for s in subs]
            shape = tuple(len(a) for a in axes)
            values = comp.ast
            for cell in np.ndindex(*shape) if shape else [()]:
                names = tuple(axes[k][j] for k, j in enumerate(cell))
                if isinstance(values, np.ndarray):
                    ast = float(values.reshape(shape)[cell]) if values.size == int(np.prod(shape)) \
                        else self.fail(el.name, "array of numbers", f"has {values.size} values for {shape}")
                else:
                    ast = _bind(values, dict(zip(subs, names)), self.ranges)
                out.append((names, ast))
        return out


def xmile_name(name: str) -> str:
    """A Vensim name without its quotes (``"a & b"`` -> ``a & b``): XMILE's ``name`` attribute."""
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] == '"' else name


def identifier(name: str) -> str:
    """``name`` as an XMILE identifier in an equation: spaces as underscores, or quoted."""
    name = xmile_name(name)
    plain = "_".join(name.split())
    if _IDENT.match(plain) and not plain.endswith("_") and "__" not in plain:
        return plain
    if '"' in name or "\\" in name:
        raise ModelError(f"'{name}': a name with a quote or a backslash cannot be read back by "
                         "PySD's XMILE translator", field="export to XMILE")
    return f'"{" ".join(name.split())}"'


def number(value, element: str, writer) -> str:
    """A finite number as XMILE text (shortest round-trip repr; negatives in parentheses)."""
    value = float(value)
    if not math.isfinite(value):
        writer.fail(element, f"number {value}", "has no XMILE 1.0 literal")
    text = repr(value)
    if text.endswith(".0"):
        text = text[:-2]
    return f"({text})" if value < 0 else text


def _balanced_call(text: str) -> bool:
    """True for ``NAME(...)`` or ``(...)`` whose opening parenthesis closes at the end."""
    m = re.match(r'^([A-Za-z_"][^ ()]*)?\(', text)
    if not m or not text.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(text[m.end() - 1:], m.end() - 1):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(text) - 1
    return False


def _bind(ast, binding: dict, ranges: dict):
    """``ast`` with every subscript that names a bound range replaced by its element."""
    if type(ast).__name__ == "SubscriptsReferenceStructure":
        return dataclasses.replace(ast, subscripts=tuple(binding.get(s, s) for s in ast.subscripts))
    if dataclasses.is_dataclass(ast) and not isinstance(ast, type):
        return dataclasses.replace(ast, **{f.name: _bind(getattr(ast, f.name), binding, ranges)
                                           for f in dataclasses.fields(ast)})
    if isinstance(ast, tuple):
        return tuple(_bind(x, binding, ranges) for x in ast)
    if isinstance(ast, list):
        return [_bind(x, binding, ranges) for x in ast]
    return ast


def _linear_terms(ast):
    """``[(+1|-1, reference AST), ...]`` when ``ast`` is a sum of references, else None."""
    kind = type(ast).__name__
    if kind == "ReferenceStructure":
        return [(1, ast)]
    if kind != "ArithmeticStructure":
        return None
    ops, args = list(ast.operators), list(ast.arguments)
    if ops == ["negative"]:
        inner = _linear_terms(args[0])
        return None if inner is None else [(-s, r) for s, r in inner]
    if any(op not in ("+", "-") for op in ops):
        return None
    out = _linear_terms(args[0])
    for op, arg in zip(ops, args[1:]):
        inner = _linear_terms(arg)
        if out is None or inner is None:
            return None
        out += [(s if op == "+" else -s, r) for s, r in inner]
    return out


def xmile_document(path):
    """The XMILE 1.0 document of a model file (Vensim or XMILE).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    tree : lxml ElementTree
    notes : ExportNotes

    Raises
    ------
    ModelError
        The model uses something XMILE 1.0 cannot express (naming variable and function).
    """
    path = Path(path)
    try:
        return _document(path)
    except ModelError as exc:
        if exc.path is None:
            exc.path = str(path)
        raise


def _document(path: Path):
    source = parse_model(path)
    w = _Writer(path, source)
    E = _maker()
    section = w.section
    control = {e.name.upper(): e for e in section.elements if e.name.upper() in CONTROL_NAMES}
    times = {}
    for key in ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"):
        el = control.get(key)
        value = el.components[0].ast if el is not None else None
        if key != "SAVEPER" and not isinstance(value, (int, float, np.integer, np.floating)):
            w.fail(key, "equation", "cannot go into <sim_specs>, which holds numbers only",
                   "a number")
        times[key] = value
    if times["SAVEPER"] is not None and not (
            isinstance(times["SAVEPER"], (int, float, np.integer, np.floating))
            and float(times["SAVEPER"]) == float(times["TIME STEP"])) and not (
            type(times["SAVEPER"]).__name__ == "ReferenceStructure"
            and times["SAVEPER"].reference == "time_step"):
        w.notes.dropped.append(f"SAVEPER ({_plain(times['SAVEPER'])}): XMILE 1.0 saves every DT")
    time_units = (control.get("TIME STEP") or control.get("INITIAL TIME")).units or ""

    root = E("xmile", version="1.0")
    header = E("header", parent=root)
    E("vendor", "cityfutures", parent=header)
    E("product", "cityfutures", parent=header, version=__version__, lang="en")
    E("name", path.stem, parent=header)
    max_dims = 0
    specs = E("sim_specs", parent=root, method="Euler", time_units=time_units)
    E("start", number(times["INITIAL TIME"], "INITIAL TIME", w), parent=specs)
    E("stop", number(times["FINAL TIME"], "FINAL TIME", w), parent=specs)
    E("dt", number(times["TIME STEP"], "TIME STEP", w), parent=specs)
    if w.ranges:
        dims = E("dimensions", parent=root)
        for rng, members in w.ranges.items():
            dim = E("dim", parent=dims, name=rng)
            for m in members:
                E("elem", parent=dim, name=m)
    model = E("model", parent=root)
    variables = E("variables", parent=model)

    plan = []
    for el in section.elements:
        if el.name.upper() in CONTROL_NAMES:
            continue
        kind = w.kind(el)
        dims_ = w.dims(el)
        max_dims = max(max_dims, len(dims_))
        plan.append((el, kind, dims_))
    flows = _assign_flows(w, plan)
    initial: list = []
    for el, kind, dims_ in plan:
        tag = "flow" if py_name(el.name) in flows.roles else kind
        node = E(tag, parent=variables, name=xmile_name(el.name))
        _common(E, w, node, el, dims_, tag)
        if kind == "gf":
            cells = w.cells(el, dims_)
            for subs, ast in cells:  # a named <gf> holds its points; an array element its own <gf>
                host = node if subs is None else E("gf", parent=E("element", parent=node,
                                                                   subscript=",".join(subs)))
                _points(E, w, host, ast, el.name)
            w.notes.graphical_functions += 1
        elif kind == "stock":
            cells = w.cells(el, dims_)
            if cells[0][0] is None:
                E("eqn", w.expr(cells[0][1].initial, el.name), parent=node)
            else:  # initial values element by element: in an auxiliary (PySD reads no <element> stock)
                name = w.unique_name(f"{xmile_name(el.name)} initial value")
                E("eqn", identifier(name), parent=node)
                initial.append((name, el, dims_, cells))
            ins, outs = flows.links.get(py_name(el.name), ([], []))
            for name in ins:
                E("inflow", identifier(name), parent=node)
            for name in outs:
                E("outflow", identifier(name), parent=node)
            w.notes.stocks += 1
        else:
            for subs, ast in w.cells(el, dims_):
                host = node if subs is None else E("element", parent=node, subscript=",".join(subs))
                _equation(E, w, host, ast, el.name)
            if tag == "flow":
                w.notes.flows += 1
            else:
                w.notes.auxiliaries += 1
        _order(node)
    for name, stock, dims_, cells in initial:
        node = E("aux", parent=variables, name=name)
        d = E("dimensions", parent=node)
        for r in dims_:
            E("dim", parent=d, name=r)
        for subs, ast in cells:
            E("eqn", w.expr(ast.initial, stock.name),
              parent=E("element", parent=node, subscript=",".join(subs)))
        E("doc", f"Initial value of '{stock.name}', element by element, written by the XMILE export.",
          parent=node)
        if stock.units:
            E("units", stock.units.strip(), parent=node)
        w.notes.auxiliaries += 1
        w.notes.made_up.append(name)
    for name, (stock, dims_) in flows.net.items():
        node = E("flow", parent=variables, name=name)
        rates = dataclasses.replace(stock, components=[dataclasses.replace(c, ast=c.ast.flow)
                                                       for c in stock.components])
        if dims_:
            d = E("dimensions", parent=node)
            for r in dims_:
                E("dim", parent=d, name=r)
        for subs, ast in w.cells(rates, dims_):
            host = node if subs is None else E("element", parent=node, subscript=",".join(subs))
            E("eqn", w.expr(ast, stock.name), parent=host)
        E("doc", f"Net flow into '{stock.name}' (its INTEG rate), written by the XMILE export.",
          parent=node)
        w.notes.flows += 1
        w.notes.made_up.append(name)
    groups: dict = {}
    for name, group in element_groups(path).items():
        if group and py_name(name) in w.elements and name.upper() not in CONTROL_NAMES:
            groups.setdefault(group, []).append(xmile_name(w.elements[py_name(name)].name))
    docs = group_docs(path)
    for group, members in groups.items():
        node = E("group", parent=variables, name=group)
        if docs.get(group):
            E("doc", _doc(docs[group]), parent=node)
        for m in members:
            E("entity", parent=node, name=m)
        w.notes.groups += 1
    if w.increments:
        w.notes.dropped.append(f"the increment of {len(w.increments)} Vensim ranges [min,max,increment] "
                               f"(XMILE <range> holds min and max), e.g. '{w.increments[0]}'")
    if max_dims:
        options = E("options", parent=header, namespace="std")
        E("uses_arrays", parent=options, maximum_dimensions=str(max_dims))
    etree.indent(root, space="  ")
    return etree.ElementTree(root), w.notes


@dataclass
class _Flows:
    roles: dict = field(default_factory=dict)    # clean flow name -> {"in": stock, "out": stock}
    links: dict = field(default_factory=dict)    # clean stock name -> ([inflows], [outflows])
    net: dict = field(default_factory=dict)      # made-up flow name -> (stock element, dims)


def _assign_flows(w: _Writer, plan) -> _Flows:
    """Name each stock's inflows and outflows; a rate that is no plain sum gets a net flow."""
    out = _Flows()
    kinds = {py_name(el.name): (kind, dims) for el, kind, dims in plan}
    for el, kind, dims in plan:
        if kind != "stock":
            continue
        terms = _linear_terms(el.components[0].ast.flow) if len(el.components) == 1 else None
        ok = terms is not None
        if ok:
            for sign, ref in terms:
                key = ref.reference
                role = "in" if sign > 0 else "out"
                target = kinds.get(key)
                subs = list(ref.subscripts.subscripts) if ref.subscripts is not None else []
                if target is None or target[0] != "aux" or target[1] != dims or subs not in ([], dims) \
                        or role in out.roles.get(key, {}) or sum(1 for _s, r in terms if r.reference == key) > 1:
                    ok = False
                    break
        if ok:
            ins, outs = [], []
            for sign, ref in terms:
                out.roles.setdefault(ref.reference, {})["in" if sign > 0 else "out"] = el.name
                (ins if sign > 0 else outs).append(w.elements[ref.reference].name)
            out.links[py_name(el.name)] = (ins, outs)
            continue
        name = w.unique_name(f"{xmile_name(el.name)} net flow")
        out.net[name] = (el, dims)
        out.links[py_name(el.name)] = ([name], [])
    return out


def _maker():
    ns = XMILE_NAMESPACE

    def make(tag, text=None, parent=None, **attrs):
        node = etree.Element(f"{{{ns}}}{tag}", nsmap={None: ns}) if parent is None \
            else etree.SubElement(parent, f"{{{ns}}}{tag}")
        for k, v in attrs.items():
            node.set(k, str(v))
        if text is not None:
            node.text = text
        return node
    return make


def _common(E, w: _Writer, node, el, dims, tag) -> None:
    if dims:
        d = E("dimensions", parent=node)
        for r in dims:
            E("dim", parent=d, name=r)
    if el.documentation and el.documentation.strip():
        E("doc", _doc(el.documentation), parent=node)
    if el.units and el.units.strip():
        E("units", el.units.strip(), parent=node)
    limits = tuple(el.limits or ())
    if tag != "gf" and limits and any(x is not None and not (isinstance(x, float) and math.isnan(x))
                                      for x in limits[:2]):
        lo, hi = (limits + (None, None))[:2]
        E("range", parent=node, min=_bound(lo, "-INF"), max=_bound(hi, "INF"))
        if len(limits) > 2 and limits[2] is not None:
            w.increments.append(el.name)


def _order(node) -> None:
    """Children in the order the specification lists them (dimensions, element, eqn, ...)."""
    rank = {n: i for i, n in enumerate(("dimensions", "element", "eqn", "inflow", "outflow",
                                        "gf", "doc", "units", "range"))}
    children = sorted(node, key=lambda c: rank.get(c.tag.split("}")[-1], 99))
    for c in children:
        node.remove(c)
        node.append(c)


def _bound(value, open_end: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return open_end
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _plain(value) -> str:
    return _bound(value, "?") if isinstance(value, (int, float, np.integer, np.floating)) else str(value)


def _doc(text: str) -> str:
    """Plain-text documentation: whitespace runs as one space, backslashes escaped.

    (XMILE 1.0, "Common Variable Properties".)
    """
    return " ".join(text.split()).replace("\\", "\\\\")


def _equation(E, w: _Writer, host, ast, name: str) -> None:
    if type(ast).__name__ == "InlineLookupsStructure":
        E("eqn", w.expr(ast.argument, name), parent=host)
        _points(E, w, E("gf", parent=host), ast.lookups, name)
        return
    E("eqn", w.expr(ast, name), parent=host)


def _points(E, w: _Writer, gf, lookups, name: str) -> None:
    """A graphical function's type, x scale or points, y scale and points, into ``gf``."""
    if type(lookups).__name__ != "LookupsStructure":
        w.fail(name, "GET LOOKUPS", "has no XMILE 1.0 equivalent")
    kinds = {"interpolate": None, "extrapolate": "extrapolate", "hold_backward": "discrete"}
    if lookups.type not in kinds:
        w.fail(name, f"lookup type '{lookups.type}'", "has no XMILE 1.0 graphical function type")
    xs = np.asarray(lookups.x, dtype=float)
    ys = np.asarray(lookups.y, dtype=float)
    if kinds[lookups.type]:
        gf.set("type", kinds[lookups.type])
    with np.errstate(over="ignore", invalid="ignore"):   # points at the edge of the floats: not even, listed
        even = np.linspace(xs[0], xs[-1], len(xs))
    if len(xs) > 1 and np.array_equal(even, xs):
        E("xscale", parent=gf, min=_bound(xs[0], ""), max=_bound(xs[-1], ""))
    else:
        E("xpts", ",".join(_bound(x, "") for x in xs), parent=gf)
    ylim = getattr(lookups, "y_limits", None)
    if ylim is not None and all(v is not None and math.isfinite(float(v)) for v in ylim) \
            and (float(ylim[0]), float(ylim[1])) != (float(ys.min()), float(ys.max())):
        E("yscale", parent=gf, min=_bound(ylim[0], ""), max=_bound(ylim[1], ""))
    E("ypts", ",".join(_bound(y, "") for y in ys), parent=gf)
    order = ["xscale", "yscale", "xpts", "ypts"]
    points = [c for c in gf if c.tag.split("}")[-1] in order]
    for c in points:
        gf.remove(c)
    for c in sorted(points, key=lambda c: order.index(c.tag.split("}")[-1])):
        gf.append(c)


def export_xmile(model, out) -> ExportNotes:
    """Write a model as XMILE 1.0 at ``out`` (atomically: nothing is written when the model cannot be).

    Parameters
    ----------
    model : str, Path or Model
        A model file (Vensim ``.mdl`` or XMILE), the name of a bundled model, or a loaded model.
    out : str or Path
        The XMILE file to write (``.xmile``, ``.stmx`` or ``.xml``).

    Returns
    -------
    ExportNotes

    Raises
    ------
    ModelError
        The model uses something XMILE 1.0 cannot express (naming the variable and the function).

    Examples
    --------
    >>> export_xmile("jakarta", "jakarta.stmx").stocks       # doctest: +SKIP
    43
    """
    path = Path(model.path) if hasattr(model, "path") else resolve_model_path(model)
    tree, notes = xmile_document(path)
    data = etree.tostring(tree, xml_declaration=True, encoding="utf-8", pretty_print=True)
    atomic_write(out, lambda tmp: tmp.write_bytes(data))
    return notes
