"""Dimensional analysis of a Vensim model: every equation's units, with pint for the algebra.

Vensim conventions, as its Units Check applies them:

* a units string is a product and quotient of names (``person/(day*Year)``, ``1/Year``,
  ``m3/s``, ``Degrees Fahrenheit``); names are compared ignoring case, and spaces equal
  underscores; ``Dmnl`` (or ``dimensionless``) is 1; a name the registry does not know is
  a new base unit of its own. A string that is not such an expression is an error
  (``units-unparseable``), never read as dimensionless.
* the model's units equivalences (Vensim's *Units Equiv*, the ``22:`` lines of the file's
  settings) make names synonyms (``Person, People, Persons``).
* ``thousand_X``, ``million_X``, ``billion_X`` and ``trillion_X`` are multiples of ``X``.
* common units know each other (pint definitions in :data:`DEFINITIONS`: s, minute, hour,
  day, week, month, Year = 365 days; m, km, m2, ha, m3, L; g, kg, tonne), so ``m3`` is
  ``m^3`` and ``day/Year`` is the number 1/365. Two units agree only when they are
  *equal* - same dimension and a factor of exactly 1 - so ``m3/day`` never passes for
  ``m3/Year``. A constant whose units are such a pure number is a unit conversion
  (``Days per year = 365 ~ day/Year``); its value is checked against them.
* a number in an equation takes the units its place needs in a sum, a comparison, MIN,
  MAX or IF THEN ELSE (Vensim's rule); in a product it is dimensionless.
* a lookup's units are those of its output; its input should be dimensionless (a
  warning, as in Vensim). INTEG's rate must be the stock's units per time unit, its
  initial value the stock's units; SMOOTH and DELAY keep their input's units and take a
  time; TIME has the units of TIME STEP.

A variable without units cannot be checked and makes every expression it enters unknown;
:func:`analyse` reports it (``units-missing``) when the model declares units elsewhere.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pint
from pint.util import UnitsContainer

from ...names import CONTROL, py_name
from ..source import ModelSource
from ..structure import ElementGraph, is_number
from .findings import finding

__all__ = ["VensimUnits", "UnitsParseError", "UnitsAnalysis", "analyse", "DEFINITIONS", "MULTIPLES"]

DEFINITIONS = """
second = [time]
s = second
sec = second
minute = 60 * second
min = minute
hour = 60 * minute
hr = hour
day = 24 * hour
week = 7 * day
year = 365 * day
yr = year
month = year / 12
quarter = year / 4
metre = [length]
m = metre
meter = metre
kilometre = 1000 * metre
km = kilometre
kilometer = kilometre
centimetre = metre / 100
cm = centimetre
millimetre = metre / 1000
mm = millimetre
m2 = metre ** 2
km2 = kilometre ** 2
hectare = 10000 * m2
ha = hectare
m3 = metre ** 3
litre = m3 / 1000
l = litre
liter = litre
kilogram = [mass]
kg = kilogram
gram = kilogram / 1000
g = gram
tonne = 1000 * kilogram
"""
"""pint definitions of the units every model may use (lower case: names ignore case)."""

MULTIPLES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
"""``<multiple>_X`` is this many ``X``."""

_DIMENSIONLESS = {"dmnl", "dimensionless"}
_TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|(?P<op>[*/^()-])|"
                    r"(?P<name>[^\W\d][\w $%€£¥'.\-]*|[$%€£¥][\w $%€£¥'.\-]*))")
_REL = 1e-9


class UnitsParseError(ValueError):
    """A units string that is not a Vensim units expression."""


class VensimUnits:
    """A pint registry for the units names of one model.

    Parameters
    ----------
    equivalences : sequence of sequence of str
        Groups of synonyms (the model's Units Equiv); the first name of a group is canonical.

    Examples
    --------
    >>> u = VensimUnits([("Person", "People", "Persons")])
    >>> u.same(u.parse("People/Year"), u.parse("person") / u.parse("Year"))
    True
    >>> u.format(u.parse("day/Year"))
    'day/Year'
    """

    def __init__(self, equivalences=()):
        self.registry = pint.UnitRegistry(None, on_redefinition="raise")
        self.defined: set[str] = set()
        for line in DEFINITIONS.strip().splitlines():
            self.registry.define(line)
            self.defined.add(line.split("=")[0].strip())
        self.display: dict[str, str] = {}
        for group in equivalences:
            names = [self._sanitise(n) for n in group]
            if not names or any(not n for n in names):
                continue
            canonical = names[0]
            self._ensure(canonical, group[0])
            for alias, original in zip(names[1:], group[1:]):
                if alias not in self.defined:
                    self.registry.define(f"{alias} = {canonical}")
                    self.defined.add(alias)
                self.display.setdefault(alias, original)

    # ------------------------------------------------------------------ names
    @staticmethod
    def _sanitise(name: str) -> str:
        key = "_".join(name.strip().lower().split())
        key = re.sub(r"[^0-9a-z_]", lambda m: f"_{ord(m.group()):x}_", key)
        return "u_" + key if key[:1].isdigit() else key

    def _ensure(self, key: str, original: str) -> None:
        """Define ``key`` if it is new: a multiple of a unit, or a base unit of its own.

        Every name is defined exactly (pint's prefix and plural rules are never used:
        Vensim reads ``widgets`` and ``widget`` as two units unless the model says otherwise).
        """
        self.display.setdefault(key, original.strip())
        if key in self.defined:
            return
        m = re.fullmatch(r"(thousand|million|billion|trillion)_(.+)", key)
        if m:
            self._ensure(m.group(2), original.strip().split("_", 1)[-1])
            self.registry.define(f"{key} = {MULTIPLES[m.group(1)]:g} * {m.group(2)}")
        else:
            self.registry.define(f"{key} = [{key}]")
        self.defined.add(key)

    # ------------------------------------------------------------------ parsing
    def parse(self, text: str) -> pint.Quantity | None:
        """The units of a Vensim units string; None when the string is empty.

        Raises
        ------
        UnitsParseError
            The string is not a units expression.
        """
        text = (text or "").strip()
        if not text:
            return None
        tokens = self._tokens(text)
        pos, value = self._expr(tokens, 0, text)
        if pos != len(tokens):
            raise UnitsParseError(f"unexpected '{tokens[pos][1]}' in units '{text}'")
        return value

    def _tokens(self, text: str) -> list[tuple[str, str]]:
        out, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise UnitsParseError(f"cannot read '{text[pos:].strip()}' in units '{text}'")
            kind = m.lastgroup
            out.append((kind, m.group(kind).strip()))
            pos = m.end()
        return out

    def _expr(self, tokens, pos, text):
        pos, value = self._power(tokens, pos, text)
        while pos < len(tokens) and tokens[pos][1] in ("*", "/"):
            op = tokens[pos][1]
            pos, right = self._power(tokens, pos + 1, text)
            value = value * right if op == "*" else value / right
        return pos, value

    def _power(self, tokens, pos, text):
        pos, value = self._atom(tokens, pos, text)
        if pos < len(tokens) and tokens[pos][1] == "^":
            pos += 1
            sign = 1.0
            if pos < len(tokens) and tokens[pos] == ("op", "-"):
                sign, pos = -1.0, pos + 1
            if pos < len(tokens) and tokens[pos][1] == "(":
                pos, exponent = self._expr(tokens, pos + 1, text)
                if pos >= len(tokens) or tokens[pos][1] != ")":
                    raise UnitsParseError(f"unbalanced parentheses in units '{text}'")
                pos += 1
                if not exponent.dimensionless:
                    raise UnitsParseError(f"an exponent must be a number in units '{text}'")
                exponent = float(exponent.to("").magnitude)
            elif pos < len(tokens) and tokens[pos][0] == "num":
                exponent, pos = float(tokens[pos][1]), pos + 1
            else:
                raise UnitsParseError(f"'^' must be followed by a number in units '{text}'")
            value = value ** (sign * exponent)
        return pos, value

    def _atom(self, tokens, pos, text):
        if pos >= len(tokens):
            raise UnitsParseError(f"units '{text}' end too early")
        kind, tok = tokens[pos]
        if tok == "(":
            pos, value = self._expr(tokens, pos + 1, text)
            if pos >= len(tokens) or tokens[pos][1] != ")":
                raise UnitsParseError(f"unbalanced parentheses in units '{text}'")
            return pos + 1, value
        if kind == "num":
            return pos + 1, self.registry.Quantity(float(tok), "")
        if kind == "name" and tok.strip("-") and not tok.startswith("-"):
            key = self._sanitise(tok)
            if key in _DIMENSIONLESS:
                return pos + 1, self.registry.Quantity(1.0, "")
            self._ensure(key, tok)
            return pos + 1, self.registry.Quantity(1.0, UnitsContainer({key: 1}))
        raise UnitsParseError(f"unexpected '{tok}' in units '{text}'")

    # ------------------------------------------------------------------ comparing and showing
    def dimensionless(self) -> pint.Quantity:
        return self.registry.Quantity(1.0, "")

    @staticmethod
    def same(a: pint.Quantity, b: pint.Quantity) -> bool:
        """True when ``a`` and ``b`` are the same units (same dimension, factor 1)."""
        if a.dimensionality != b.dimensionality:
            return False
        ratio = (a / b).to("").magnitude
        return bool(abs(ratio - 1.0) <= _REL)

    @staticmethod
    def factor(q: pint.Quantity) -> float | None:
        """The pure number a dimensionless ``q`` stands for (``day/Year`` -> 1/365), else None."""
        return float(q.to("").magnitude) if q.dimensionless else None

    def format(self, q: pint.Quantity | None) -> str:
        """Vensim-style text of ``q``: ``person/(day*Year)``, ``Dmnl``, ``1/Year``."""
        if q is None:
            return "no units"
        num, den = [], []
        for name, power in q.unit_items():
            shown = self._show(name)
            p = abs(power)
            text = shown if p == 1 else f"{shown}^{p:g}"
            (num if power > 0 else den).append(text)
        mag = float(q.magnitude)
        head = "*".join(num)
        if not math.isclose(mag, 1.0, rel_tol=_REL):
            head = f"{mag:g}" + ("*" + head if head else "")
        if not head:
            head = "Dmnl" if not den else "1"
        if not den:
            return head
        return head + "/" + (den[0] if len(den) == 1 else "(" + "*".join(den) + ")")

    def _show(self, name: str) -> str:
        if name in self.display:
            return self.display[name]
        for word in MULTIPLES:
            if name.startswith(word + "_"):
                return f"{word}_{self._show(name[len(word) + 1:])}"
        return {"metre": "m", "kilometre": "km", "kilogram": "kg", "litre": "L", "hectare": "ha",
                "second": "s", "year": "Year"}.get(name, name)


# ----------------------------------------------------------------------------- expression units
@dataclass(frozen=True)
class _U:
    """Units of an expression: ``q`` None when unknown; ``literal`` for a bare number."""

    q: pint.Quantity | None
    text: str
    literal: bool = False
    number: float | None = None


_FUNC_NAMES = {"if_then_else": "IF THEN ELSE", "pulse_train": "PULSE TRAIN", "active_initial": "ACTIVE INITIAL",
               "sample_if_true": "SAMPLE IF TRUE", "with_lookup": "WITH LOOKUP", "delay_fixed": "DELAY FIXED"}
_SAME = {"abs", "integer", "sum", "vmin", "vmax", "quantum"}
_PURE = {"exp", "ln", "log", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh"}
_ALIKE = {"min", "max", "modulo"}


@dataclass
class UnitsAnalysis:
    """What the units analysis of a model found and learnt.

    Attributes
    ----------
    findings : list of Finding
    declared : dict
        PySD reference name -> declared units (pint Quantity, or None when missing or unreadable).
    time_unit : pint.Quantity or None
        The units of TIME STEP.
    conversions : set of str
        Element names of unit conversion constants (value = the number their units stand for).
    units : VensimUnits
    """

    findings: list
    declared: dict
    time_unit: object
    conversions: set
    units: VensimUnits
    names: dict = field(default_factory=dict)

    def is_time(self, name: str) -> bool:
        """True when element ``name`` (any spelling) is declared in the model's time unit."""
        q = self.declared.get(py_name(name))
        return q is not None and self.time_unit is not None and self.units.same(q, self.time_unit)


def analyse(graph: ElementGraph, source: ModelSource, *, file: str) -> UnitsAnalysis:
    """Check the units of every equation of a model.

    Parameters
    ----------
    graph : ElementGraph
        The model file's elements (:func:`cityfutures.model.structure.element_graph`; its main
        section is checked, macros are not).
    source : ModelSource
        Lines and units equivalences of the file.
    file : str
        The model file as findings name it.

    Returns
    -------
    UnitsAnalysis
    """
    units = VensimUnits(source.unit_equivalences)
    elements = graph.elements
    out = UnitsAnalysis([], {}, None, set(), units, {k: e.name for k, e in elements.items()})

    def report(rule, el, message):
        f = finding(rule, el.name, message, file=file, line=source.line(el.name))
        if f not in out.findings:  # the components of a subscripted element repeat their slips
            out.findings.append(f)

    for key, el in elements.items():
        try:
            out.declared[key] = units.parse(el.units)
        except UnitsParseError as exc:
            out.declared[key] = None
            report("units-unparseable", el, f"{exc} (allowed: names, numbers, *, /, ^ and parentheses, "
                   "e.g. 'person/(day*Year)')")
    out.time_unit = out.declared.get("time_step") or out.declared.get("initial_time")
    declares = any(out.declared.get(k) is not None for k in elements if k not in CONTROL)
    for key, el in elements.items():
        if graph.kind[key] in ("control", "data"):
            continue
        if not el.units.strip():
            if declares:
                report("units-missing", el, "no units: its equations cannot be checked (use Dmnl for a pure number)")
            continue
        decl = out.declared[key]
        if decl is None or graph.kind[key] == "lookup":
            continue
        for comp in el.components:
            ast = comp.ast
            if is_number(ast):
                if _is_conversion(units, decl, ast):
                    out.conversions.add(el.name)
                elif units.factor(decl) not in (None, 1.0) and np.ndim(ast) == 0:
                    f = units.factor(decl)
                    if not math.isclose(float(ast) * f, 1.0, rel_tol=0.01):
                        report("unit-conversion", el, f"its units '{units.format(decl)}' make it the number "
                               f"{1 / f:.6g}, but its value is {float(ast):.6g}")
                continue
            _Checker(out, elements, graph.ranges, lambda rule, msg, el=el: report(rule, el, msg)).element(ast, decl)
    return out


def _is_conversion(units: VensimUnits, decl, value) -> bool:
    f = units.factor(decl)
    return (f is not None and f != 1.0 and np.ndim(value) == 0
            and math.isclose(float(value) * f, 1.0, rel_tol=0.01))


class _Checker:
    """Infers the units of one equation and reports what does not fit."""

    def __init__(self, analysis: UnitsAnalysis, elements: Mapping, ranges: set, report):
        self.a = analysis
        self.u = analysis.units
        self.elements = elements
        self.ranges = ranges
        self.report = report

    # ------------------------------------------------------------------ entry points
    def element(self, ast, decl) -> None:
        """Check one component's equation against the element's declared units."""
        kind = type(ast).__name__
        if kind == "IntegStructure":
            self._stock(ast, decl)
            return
        got = self.infer(ast)
        if got.q is not None and not got.literal and not self.u.same(got.q, decl):
            self.report("units-mismatch", f"declared '{self.u.format(decl)}' but the equation "
                        f"'{_short(got.text)}' has '{self.u.format(got.q)}'")

    def _stock(self, ast, decl) -> None:
        tu = self.a.time_unit
        rate = self.infer(ast.flow)
        if tu is not None and rate.q is not None and not rate.literal and not self.u.same(rate.q, decl / tu):
            self.report("units-stock", f"the rate '{_short(rate.text)}' has '{self.u.format(rate.q)}', expected "
                        f"'{self.u.format(decl / tu)}' (the stock's units per {self.u.format(tu)})")
        init = self.infer(ast.initial)
        if init.q is not None and not init.literal and not self.u.same(init.q, decl):
            self.report("units-stock", f"the initial value '{_short(init.text)}' has '{self.u.format(init.q)}', "
                        f"expected the stock's '{self.u.format(decl)}'")

    # ------------------------------------------------------------------ inference
    def infer(self, ast) -> _U:
        if isinstance(ast, (int, float, np.number)):
            return _U(self.u.dimensionless(), f"{float(ast):g}", literal=True, number=float(ast))
        if isinstance(ast, np.ndarray):
            return _U(self.u.dimensionless(), "array", literal=True)
        method = getattr(self, "_" + type(ast).__name__, None)
        if method is None:
            return _U(None, _text(ast, self.a.names))
        return method(ast)

    def _ReferenceStructure(self, ast) -> _U:
        name = ast.reference
        text = self.a.names.get(name, name)
        if ast.subscripts is not None:
            text += "[" + ",".join(ast.subscripts.subscripts) + "]"
        if name == "time":
            return _U(self.a.time_unit, "Time")
        if name in self.elements:
            return _U(self.a.declared.get(name), text)
        if name in self.ranges:
            return _U(self.u.dimensionless(), text, literal=True)
        return _U(None, text)

    def _ArithmeticStructure(self, ast) -> _U:
        args = [self.infer(a) for a in ast.arguments]
        ops = list(ast.operators)
        if len(args) == 1:
            a = args[0]
            num = None if a.number is None else -a.number if ops[0] == "negative" else a.number
            sign = "-" if ops[0] == "negative" else ""
            return _U(a.q, sign + _paren(a.text), a.literal, num)
        if ops[0] in ("+", "-"):
            return self._alike(args, " " + ops[0] + " ", f"'{ops[0]}'", ops=ops)
        if ops[0] == "^":
            return self._power(args[0], args[1])
        value, text, literal = args[0].q, _paren(args[0].text), args[0].literal
        for op, arg in zip(ops, args[1:]):
            text += f" {op} {_paren(arg.text)}"
            literal = literal and arg.literal
            if value is None or arg.q is None:
                value = None
                continue
            value = value * arg.q if op == "*" else value / arg.q
        return _U(value, text, literal)

    def _LogicStructure(self, ast) -> _U:
        args = [self.infer(a) for a in ast.arguments]
        ops = list(ast.operators)
        text = (" " + ops[0] + " ").join(_paren(a.text) for a in args) if len(args) > 1 else \
            f"{ops[0]} {_paren(args[0].text)}"
        if ops[0] in ("=", "<>", ">", "<", ">=", "<="):
            self._alike(args, f" {ops[0]} ", f"comparison '{ops[0]}'")
        return _U(self.u.dimensionless(), text)

    def _alike(self, args, joiner: str, what: str, ops=None) -> _U:
        """Terms that must share units (sums, comparisons, MIN/MAX, IF branches)."""
        if ops is not None:
            text = _paren(args[0].text) + "".join(f" {o} {_paren(a.text)}" for o, a in zip(ops, args[1:]))
        else:
            text = joiner.join(a.text for a in args)
        known = [a for a in args if a.q is not None and not a.literal]
        if any(a.q is None for a in args):
            return _U(known[0].q if known else None, text)
        if not known:
            return _U(args[0].q, text, literal=True)
        first = known[0]
        for other in known[1:]:
            if not self.u.same(first.q, other.q):
                self.report("units-terms", f"in {what}, '{_short(first.text)}' has '{self.u.format(first.q)}' "
                            f"but '{_short(other.text)}' has '{self.u.format(other.q)}'")
                return _U(None, text)
        return _U(first.q, text)

    def _power(self, base: _U, exponent: _U) -> _U:
        text = f"{_paren(base.text)}^{_paren(exponent.text)}"
        if exponent.q is not None and not exponent.q.dimensionless:
            self.report("units-argument", f"the exponent '{_short(exponent.text)}' has "
                        f"'{self.u.format(exponent.q)}'; an exponent must be dimensionless")
            return _U(None, text)
        if base.q is None:
            return _U(None, text)
        if base.q.dimensionless:
            return _U(base.q ** (exponent.number if exponent.number is not None else 1.0), text, base.literal)
        if exponent.number is not None:
            return _U(base.q ** exponent.number, text)
        self.report("units-argument", f"'{_short(base.text)}' in '{self.u.format(base.q)}' is raised to "
                    f"'{_short(exponent.text)}', which is not a number: the result has no fixed units")
        return _U(None, text)

    def _CallStructure(self, ast) -> _U:
        name = ast.function.reference
        args = [self.infer(a) for a in ast.arguments]
        shown = self.a.names.get(name) or _FUNC_NAMES.get(name, name.upper().replace("_", " "))
        text = f"{shown}({', '.join(a.text for a in args)})"
        el = self.elements.get(name)
        if el is not None and all(type(c).__name__ == "AbstractLookup" for c in el.components):
            self._dimensionless_input(shown, args[0]) if args else None
            return _U(self.a.declared.get(name), text)
        if name in _SAME and args:
            return _U(args[0].q, text, args[0].literal)
        if name in _ALIKE:
            return _with_text(self._alike(args, ", ", shown), text)
        if name in _PURE:
            for a in args:
                self._need_dimensionless(shown, a)
            return _U(self.u.dimensionless(), text)
        if name == "sqrt" and args:
            return _U(None if args[0].q is None else args[0].q ** 0.5, text)
        if name == "power" and len(args) == 2:
            return _with_text(self._power(args[0], args[1]), text)
        if name == "if_then_else" and len(args) == 3:
            return _with_text(self._alike(args[1:], ", ", "IF THEN ELSE"), text)
        if name == "zidz" and len(args) == 2:
            return _U(_div(args[0].q, args[1].q), text)
        if name == "xidz" and len(args) == 3:
            ratio = _U(_div(args[0].q, args[1].q), f"{args[0].text} / {args[1].text}")
            return _with_text(self._alike([ratio, args[2]], ", ", "XIDZ"), text)
        if name == "active_initial" and len(args) == 2:
            return _with_text(self._alike(args, ", ", "ACTIVE INITIAL"), text)
        if name == "step" and len(args) == 2:
            self._need_time(shown, "time", args[1])
            return _U(args[0].q, text, args[0].literal)
        if name == "ramp" and len(args) in (2, 3):
            for a in args[1:]:
                self._need_time(shown, "time", a)
            tu = self.a.time_unit
            if args[0].literal:  # a bare slope takes the units its place needs, as a bare number does
                return _U(args[0].q, text, literal=True)
            return _U(None if args[0].q is None or tu is None else args[0].q * tu, text)
        if name in ("pulse", "pulse_train"):
            for a in args:
                self._need_time(shown, "time", a)
            return _U(self.u.dimensionless(), text)
        if name == "elmcount":
            return _U(self.u.dimensionless(), text, literal=True)
        return _U(None, text)

    def _InlineLookupsStructure(self, ast) -> _U:
        arg = self.infer(ast.argument)
        self._dimensionless_input("WITH LOOKUP", arg)
        # the output of an inline lookup has the units of the variable it defines: unknown here
        return _U(None, f"WITH LOOKUP({arg.text}, ...)")

    def _time_stateful(self, fname: str, value, time, initial, time_label: str, extra=()) -> _U:
        v, t = self.infer(value), self.infer(time)
        self._need_time(fname, time_label, t)
        parts = [v]
        if initial is not None:
            parts.append(self.infer(initial))
        for a in extra:
            self.infer(a)
        res = self._alike(parts, ", ", f"{fname} (input and initial value)") if len(parts) > 1 else v
        return _U(res.q, f"{fname}({', '.join(p.text for p in parts[:1] + [t] + parts[1:])})", res.literal)

    def _SmoothStructure(self, ast) -> _U:
        return self._time_stateful("SMOOTH", ast.input, ast.smooth_time, ast.initial, "smoothing time")

    _SmoothNStructure = _SmoothStructure

    def _DelayStructure(self, ast) -> _U:
        return self._time_stateful("DELAY", ast.input, ast.delay_time, ast.initial, "delay time")

    _DelayNStructure = _DelayStructure
    _DelayFixedStructure = _DelayStructure

    def _TrendStructure(self, ast) -> _U:
        v = self._time_stateful("TREND", ast.input, ast.average_time, None, "averaging time")
        tu = self.a.time_unit
        rate = _U(None if tu is None else 1 / tu, "1/time")
        init = self.infer(ast.initial_trend)
        self._alike([rate, init], ", ", "TREND (its initial trend is a fraction per time unit)")
        return _U(rate.q, v.text.replace("SMOOTH", "TREND"))

    def _ForecastStructure(self, ast) -> _U:
        v = self._time_stateful("FORECAST", ast.input, ast.average_time, None, "averaging time")
        self._need_time("FORECAST", "horizon", self.infer(ast.horizon))
        return v

    def _SampleIfTrueStructure(self, ast) -> _U:
        self.infer(ast.condition)
        parts = [self.infer(ast.input), self.infer(ast.initial)]
        res = self._alike(parts, ", ", "SAMPLE IF TRUE (input and initial value)")
        return _U(res.q, f"SAMPLE IF TRUE(..., {parts[0].text}, {parts[1].text})", res.literal)

    def _InitialStructure(self, ast) -> _U:
        v = self.infer(ast.initial)
        return _U(v.q, f"INITIAL({v.text})", v.literal)

    def _IntegStructure(self, ast) -> _U:
        rate, init = self.infer(ast.flow), self.infer(ast.initial)
        tu = self.a.time_unit
        q = None if rate.q is None or tu is None or rate.literal else rate.q * tu
        res = self._alike([_U(q, "the rate's accumulation"), init], ", ", "INTEG (accumulated rate and initial value)")
        return _U(res.q, f"INTEG({rate.text}, {init.text})")

    # ------------------------------------------------------------------ argument rules
    def _need_dimensionless(self, fname: str, arg: _U) -> None:
        if arg.q is not None and not arg.literal and not self.u.same(arg.q, self.u.dimensionless()):
            self.report("units-argument", f"{fname} needs a dimensionless argument, but '{_short(arg.text)}' has "
                        f"'{self.u.format(arg.q)}'")

    def _dimensionless_input(self, fname: str, arg: _U) -> None:
        if arg.q is not None and not arg.literal and not self.u.same(arg.q, self.u.dimensionless()):
            self.report("units-lookup-input", f"lookup {fname} is called with '{_short(arg.text)}' in "
                        f"'{self.u.format(arg.q)}'; a lookup's input should be dimensionless (divide it by a "
                        "reference value)")

    def _need_time(self, fname: str, what: str, arg: _U) -> None:
        tu = self.a.time_unit
        if arg.q is None or arg.literal or tu is None or self.u.same(arg.q, tu):
            return
        self.report("units-argument", f"the {what} of {fname}, '{_short(arg.text)}', has "
                    f"'{self.u.format(arg.q)}', expected the time unit '{self.u.format(tu)}'")


def _div(a, b):
    return None if a is None or b is None else a / b


def _with_text(u: _U, text: str) -> _U:
    return _U(u.q, text, u.literal, u.number)


def _paren(text: str) -> str:
    """``text`` in parentheses when it is a sum or a comparison (for messages)."""
    loose = any(op in text for op in (" + ", " - ", " = ", " < ", " > ", " <> ", " <= ", " >= "))
    return f"({text})" if loose and not text.startswith("(") else text


def _short(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _text(ast, names: Mapping[str, str]) -> str:
    """A short Vensim-like text of an expression PySD parsed (for messages)."""
    kind = type(ast).__name__
    if kind == "ReferenceStructure":
        return names.get(ast.reference, ast.reference)
    return kind.replace("Structure", "").upper()
