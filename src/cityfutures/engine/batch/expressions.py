"""Compile one PySD abstract-syntax tree (one cell of one element) into numpy source.

An expression compiles to an :class:`Expr`: the Python source for the run phase and for
initialisation (they differ only under ACTIVE INITIAL), and the nodes it depends on.
Arithmetic is written flat, with the operators in the order PySD's builder writes them,
so that floating-point results agree with a PySD run to the last bit where numpy allows.
"""
from __future__ import annotations

import dataclasses
import itertools
import numbers
from dataclasses import dataclass, field

import numpy as np

from ...errors import UnsupportedFeatureError

__all__ = ["Expr", "ExprCompiler", "atom"]

_BINARY = {"^": "**", "*": "*", "/": "/", "+": "+", "-": "-", "=": "==", "<>": "!=",
           ">=": ">=", ">": ">", "<=": "<=", "<": "<"}

# Vensim function (PySD's clean name) -> (numpy source template, uses time, arity)
_FUNCTIONS = {
    "abs": ("np.abs({0})", False), "exp": ("np.exp({0})", False),
    "sqrt": ("np.sqrt({0})", False), "ln": ("np.log({0})", False),
    "log": ("(np.log({0})/np.log({1}))", False),
    "min": ("np.minimum({0}, {1})", False), "max": ("np.maximum({0}, {1})", False),
    "power": ("np.power({0}, {1})", False),
    "sin": ("np.sin({0})", False), "cos": ("np.cos({0})", False), "tan": ("np.tan({0})", False),
    "arcsin": ("np.arcsin({0})", False), "arccos": ("np.arccos({0})", False),
    "arctan": ("np.arctan({0})", False), "sinh": ("np.sinh({0})", False),
    "cosh": ("np.cosh({0})", False), "tanh": ("np.tanh({0})", False),
    "integer": ("_f.integer({0})", False), "modulo": ("_f.modulo({0}, {1})", False),
    "xidz": ("_f.xidz({0}, {1}, {2})", False), "zidz": ("_f.zidz({0}, {1})", False),
    "quantum": ("_f.quantum({0}, {1})", False),
    "if_then_else": ("np.where({0}, {1}, {2})", False),
    "step": ("_f.step(t, {ts}, {0}, {1})", True),
    "ramp": ("_f.ramp(t, {0}, {1}, {2})", True),
    "pulse": ("_f.pulse(t, {0}, {1})", True),
    "pulse_train": ("_f.pulse_train(t, {0}, {1}, {2}, {3})", True),
    # XMILE builtins as PySD's XMILE translator names them
    "Xramp": ("_f.ramp(t, {0}, {1})", True),
    "Xpulse": ("_f.xmile_pulse(t, {ts}, {0}, {1}, 0.0)", True),
    "Xpulse_train": ("_f.xmile_pulse(t, {ts}, {0}, {2}, {1})", True),
}

# Vensim reduction over the ``!`` subscripts of its argument -> how cells are combined
_REDUCTIONS = {"sum": " + ", "prod": " * ", "vmin": "np.minimum", "vmax": "np.maximum"}

# PySD's structure of a stateful -> (template of statefuls.TEMPLATES, its arguments)
STATEFULS = {
    "IntegStructure": ("integ", ("flow", "initial")),
    "DelayStructure": ("delay", ("input", "delay_time", "initial", "order")),
    "DelayNStructure": ("delayn", ("input", "delay_time", "initial", "order")),
    "DelayFixedStructure": ("delayfixed", ("input", "delay_time", "initial")),
    "SmoothStructure": ("smooth", ("input", "smooth_time", "initial", "order")),
    "SmoothNStructure": ("smooth", ("input", "smooth_time", "initial", "order")),
    "TrendStructure": ("trend", ("input", "average_time", "initial_trend")),
    "ForecastStructure": ("forecast", ("input", "average_time", "horizon", "initial_trend")),
    "SampleIfTrueStructure": ("sampleiftrue", ("condition", "input", "initial")),
    "InitialStructure": ("initial", ("initial",)),
}

_VENSIM_NAMES = {"if_then_else": "IF THEN ELSE", "pulse_train": "PULSE TRAIN",
                 "active_initial": "ACTIVE INITIAL", "vmax_xmile": "MAX (of one array)",
                 "vmin_xmile": "MIN (of one array)"}


@dataclass
class Expr:
    """Source of an expression for the run phase and for initialisation.

    Attributes
    ----------
    run, init : str
        Python source; names in it are node ids, ``t`` (time) and the helpers.
    run_deps, init_deps : set of str
        Node ids the source reads.
    time : bool
        Reads ``t`` directly.
    compound : bool
        Needs parentheses when used as an operand.
    logical : bool
        Yields booleans (must be made numeric before arithmetic).
    """

    run: str
    init: str
    run_deps: set = field(default_factory=set)
    init_deps: set = field(default_factory=set)
    time: bool = False
    compound: bool = False
    logical: bool = False

    @property
    def active(self) -> bool:
        """True when the run and init sources differ (ACTIVE INITIAL inside)."""
        return self.run != self.init


def atom(code: str, deps=(), time: bool = False) -> Expr:
    """An expression that is a single name or literal."""
    return Expr(code, code, set(deps), set(deps), time)


def _number(value, builder) -> Expr:
    """A literal as a numpy float64 constant (so that 1/0 gives inf, as in PySD's arrays).

    A negative literal is not parenthesised: PySD writes ``-2^2`` as ``-2**2`` (= -4, as
    Vensim computes it).
    """
    text = builder.literal(float(value))
    return Expr(text, text)


def _operand(e: Expr, numeric: bool = False) -> tuple[str, str]:
    run, init = e.run, e.init
    if e.logical and numeric:
        return f"(({run})*1.0)", f"(({init})*1.0)"
    if e.compound:
        return f"({run})", f"({init})"
    return run, init


def _merge(parts, run: str, init: str, **kw) -> Expr:
    out = Expr(run, init, set(), set(), **kw)
    for p in parts:
        out.run_deps |= p.run_deps
        out.init_deps |= p.init_deps
        out.time |= p.time
    return out


class ExprCompiler:
    """Compiles the AST of one cell of one element.

    Parameters
    ----------
    builder : object
        The model builder: resolves references, owns hidden nodes, statefuls and lookups
        (see :class:`cityfutures.batch.compiler.GraphBuilder`).
    element : str
        The element's Vensim name (for error messages).
    binding : dict
        Range name -> subscript of the cell being compiled.
    array_index : tuple
        Index of the cell in an array literal defining the component.
    """

    def __init__(self, builder, element: str, binding: dict, array_index: tuple = ()):
        self.builder = builder
        self.element = element
        self.binding = binding
        self.array_index = array_index

    def unsupported(self, function: str, detail: str = ""):
        """Raise :class:`UnsupportedFeatureError` for this element."""
        raise UnsupportedFeatureError(self.element, function, detail)

    def compile(self, ast) -> Expr:
        """Compile an AST node (a number, array or ``AbstractSyntax``) to an :class:`Expr`."""
        if isinstance(ast, np.ndarray):
            return _number(self._array_value(ast), self.builder)
        if isinstance(ast, (numbers.Number, np.number)):
            return _number(ast, self.builder)
        if type(ast).__name__ in STATEFULS:
            return self._statefuls(ast)
        method = getattr(self, "_" + type(ast).__name__, None)
        if method is None:
            name = type(ast).__name__.replace("Structure", "").upper()
            self.unsupported(name)
        return method(ast)

    def _array_value(self, ast: np.ndarray) -> float:
        """The value of this cell in an array literal (reshaped to the cell's dims)."""
        index = self.array_index
        if ast.ndim != len(index):
            shape = self.builder.component_shape
            if ast.size != int(np.prod(shape)):
                self.unsupported("array literal", f"{ast.size} values for shape {shape}")
            ast = ast.reshape(shape)
        return ast[index] if index else ast.reshape(-1)[0]

    # ------------------------------------------------------------------ operators
    def _ArithmeticStructure(self, ast) -> Expr:
        args = [self.compile(a) for a in ast.arguments]
        return self._operation(list(ast.operators), args)

    def _LogicStructure(self, ast) -> Expr:
        args = [self.compile(a) for a in ast.arguments]
        return self._operation(list(ast.operators), args)

    def _operation(self, ops: list, args: list) -> Expr:
        if len(args) == 1:
            op = ops[0]
            if op == "negative":
                r, i = _operand(args[0], numeric=True)
                return _merge(args, f"-{r}", f"-{i}", compound=True)
            if op == ":NOT:":
                return _merge(args, f"np.logical_not({args[0].run})",
                              f"np.logical_not({args[0].init})", logical=True)
            if op == "positive":
                return args[0]
            self.unsupported(op)
        if ops[-1] in (":AND:", ":OR:"):
            fn = "np.logical_and" if ops[-1] == ":AND:" else "np.logical_or"
            right = args.pop()
            while ops:
                op, left = ops.pop(), args.pop()
                fn = "np.logical_and" if op == ":AND:" else "np.logical_or"
                right = _merge([left, right], f"{fn}({left.run}, {right.run})",
                               f"{fn}({left.init}, {right.init})", logical=True)
            return right
        comparison = ops[-1] in ("=", "<>", ">=", ">", "<=", "<")
        run, init = _operand(args[0], numeric=not comparison)
        for op, arg in zip(ops, args[1:]):
            if op not in _BINARY:
                self.unsupported(op)
            r, i = _operand(arg, numeric=not comparison)
            run, init = f"{run} {_BINARY[op]} {r}", f"{init} {_BINARY[op]} {i}"
        return _merge(args, run, init, compound=True, logical=comparison)

    # ------------------------------------------------------------------ references
    def _ReferenceStructure(self, ast) -> Expr:
        subs = ast.subscripts.subscripts if ast.subscripts is not None else None
        return self.builder.reference(ast.reference, subs, self.binding, self.element)

    def _CallStructure(self, ast) -> Expr:
        name = ast.function.reference
        if self.builder.is_lookup(name):
            (x,) = [self.compile(a) for a in ast.arguments]
            subs = ast.function.subscripts.subscripts if ast.function.subscripts else None
            table = self.builder.lookup_table(name, subs, self.binding, self.element)
            return self._table_call(x, table)
        if name in _REDUCTIONS:
            return self._reduction(name, ast.arguments[0])
        if name == "elmcount":
            (arg,) = ast.arguments
            ref = getattr(arg, "reference", None)
            size = self.builder.range_size(ref) if ref is not None else None
            if size is None:
                self.unsupported("ELMCOUNT", f"of '{ref}' (not a subscript range)")
            return _number(size, self.builder)
        if name == "active_initial":
            expr, init = (self.compile(a) for a in ast.arguments)
            return Expr(expr.run, init.init, set(expr.run_deps), set(init.init_deps),
                        expr.time, expr.compound, expr.logical)
        if name not in _FUNCTIONS:
            if name in self.builder.macros:
                self.unsupported("macro " + name.upper().replace("_", " "))
            self.unsupported(_VENSIM_NAMES.get(name, name.upper().replace("_", " ")))
        template, uses_time = _FUNCTIONS[name]
        args = [self.compile(a) for a in ast.arguments]
        if name == "ramp" and len(args) == 2:
            template = "_f.ramp(t, {0}, {1})"
        extra = []
        kw_run, kw_init = {}, {}
        if "{ts}" in template:
            ts = self.builder.reference("time_step", None, {}, self.element)
            extra.append(ts)
            kw_run["ts"], kw_init["ts"] = ts.run, ts.init
        numeric = name != "if_then_else"
        run = template.format(*[a.run if not (a.logical and numeric) else f"({a.run})*1.0"
                                for a in args], **kw_run)
        init = template.format(*[a.init if not (a.logical and numeric) else f"({a.init})*1.0"
                                 for a in args], **kw_init)
        out = _merge(args + extra, run, init)
        out.time |= uses_time
        return out

    def _reduction(self, name: str, arg) -> Expr:
        """SUM, PROD, VMIN, VMAX of ``arg`` over its ``!`` subscripts: one term per cell.

        The argument is compiled once per combination of the marked ranges' subscripts
        (``x[d!]`` binds ``d!`` to each subscript of ``d`` in turn) and the terms are
        combined in subscript order, as PySD's xarray reduction visits them.
        """
        bangs = list(dict.fromkeys(_bang_subscripts(arg)))
        if not bangs:  # over no dimension: the value itself (PySD returns float(x))
            return self.compile(arg)
        ranges = self.builder.subscripts.ranges
        missing = [b for b in bangs if b[:-1] not in ranges]
        if missing:
            self.unsupported(name.upper(), f"over '{missing[0]}' (not a subscript range)")
        terms = []
        for combo in itertools.product(*(ranges[b[:-1]] for b in bangs)):
            binding = dict(self.binding)
            binding.update(zip(bangs, combo))
            terms.append(ExprCompiler(self.builder, self.element, binding,
                                      self.array_index).compile(arg))
        how = _REDUCTIONS[name]
        operands = [_operand(t, numeric=True) for t in terms]
        if how.startswith("np."):
            run, init = operands[-1]
            for r, i in reversed(operands[:-1]):
                run, init = f"{how}({r}, {run})", f"{how}({i}, {init})"
            return _merge(terms, run, init)
        if len(terms) == 1:
            return terms[0] if not terms[0].logical else _merge(terms, *operands[0], compound=True)
        return _merge(terms, how.join(r for r, _ in operands), how.join(i for _, i in operands),
                      compound=True)

    def _GetConstantsStructure(self, ast) -> Expr:
        """GET XLS/GET DIRECT CONSTANTS: the cell's value, read at compile time."""
        data = self.builder.external(self.builder.component, self.element, "constant")
        if hasattr(data, "dims"):
            data = data.sel({d: self.binding[d] for d in data.dims})
        return _number(float(data), self.builder)

    def _InlineLookupsStructure(self, ast) -> Expr:
        x = self.compile(ast.argument)
        table = self.builder.add_table(ast.lookups, self.element)
        return self._table_call(x, table)

    def _table_call(self, x: Expr, table: str) -> Expr:
        """The lookup table ``table`` at ``x``, by the table's type (continuous, extrapolate, discrete)."""
        fn = self.builder.table_functions.get(table, "lookup")
        return _merge([x], f"_f.{fn}({x.run}, {table}x, {table}y)", f"_f.{fn}({x.init}, {table}x, {table}y)")

    # ------------------------------------------------------------------ statefuls
    def _stateful(self, kind: str, ast, **args) -> Expr:
        compiled = {k: self.compile(v) for k, v in args.items()}
        return self.builder.add_stateful(kind, compiled, self.element, ast)

    def _statefuls(self, ast) -> Expr:
        """A stateful of :data:`STATEFULS`: its arguments compiled, its states registered."""
        kind, fields = STATEFULS[type(ast).__name__]
        return self._stateful(kind, ast, **{f: getattr(ast, f) for f in fields})


def _bang_subscripts(node):
    """The ``dim!`` subscripts referenced anywhere in an AST, in order of appearance."""
    if type(node).__name__ == "SubscriptsReferenceStructure":
        yield from (s for s in node.subscripts if s.endswith("!"))
        return
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from _bang_subscripts(item)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            yield from _bang_subscripts(getattr(node, f.name))
