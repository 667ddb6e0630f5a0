"""The scalar fast path: one run in plain Python floats, for single-run latency.

At N = 1 the vectorised engine spends its time in numpy's per-call overhead on arrays of
one element. This module rewrites the same compiled expressions (the numpy source of
:mod:`.codegen`) into plain-float source, with :mod:`math` and the helpers below, and
fuses initialisation and the whole Euler loop into one generated function
``_run(times, saved, dt, _P)`` whose states are local variables.

The rewrite is mechanical (an :mod:`ast` transform of the numpy source), so both paths
compute the same formulas in the same order. Where Python floats raise and numpy does not
(division by zero, overflow, ``log`` of zero) the run raises :class:`ArithmeticError` or
:class:`ValueError`; the caller then runs the vectorised path, which gives PySD's
``inf``/``nan``. Models whose statefuls keep pipelines (SMOOTH, DELAY, DELAY N, DELAY
FIXED) have no scalar path (:class:`NotScalar` at generation).
"""
from __future__ import annotations

import ast
import math
from bisect import bisect_right

from .functions import SMALL_VENSIM
from .source import register_source

__all__ = ["NotScalar", "scalar_source", "generate_scalar", "FLOAT_ERRORS"]

FLOAT_ERRORS = (ArithmeticError, ValueError)
"""What a scalar run raises where numpy would return inf or nan (then run vectorised)."""


class NotScalar(Exception):
    """The expression or model has no scalar form (uses arrays of stages)."""


# ----------------------------------------------------------------------------- helpers
def minimum(a, b):
    """``np.minimum`` of two floats (NaN propagates)."""
    if a <= b:
        return a
    if b < a:
        return b
    return a if a != a else b


def maximum(a, b):
    """``np.maximum`` of two floats (NaN propagates)."""
    if a >= b:
        return a
    if b > a:
        return b
    return a if a != a else b


def power(a, b):
    """``a ** b`` with :func:`math.pow` (raises where numpy gives nan or inf)."""
    return math.pow(a, b)


def step(time, time_step, value, tstep):
    """Scalar :func:`cityfutures.batch.functions.step`."""
    return value * (time + time_step / 2 > tstep)


def ramp(time, slope, start, finish=None):
    """Scalar :func:`cityfutures.batch.functions.ramp`."""
    final = time if finish is None else minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


def pulse(time, start, width):
    """Scalar :func:`cityfutures.batch.functions.pulse`."""
    return 1.0 if (start - SMALL_VENSIM <= time) and (time < start + width) else 0.0


def pulse_train(time, start, repeat_time, width, end):
    """Scalar :func:`cityfutures.batch.functions.pulse_train`."""
    if repeat_time == 0:
        return float((start - SMALL_VENSIM <= time) and (time < start + width))
    phase = math.fmod(time - start + SMALL_VENSIM, repeat_time)
    if phase != 0 and (phase < 0) != (repeat_time < 0):  # np.mod takes the divisor's sign
        phase += repeat_time
    return float((start <= time) and (time < end) and (phase < width))


def xidz(numerator, denominator, x):
    """Scalar XIDZ."""
    return x if abs(denominator) < SMALL_VENSIM else numerator / denominator


def zidz(numerator, denominator):
    """Scalar ZIDZ."""
    return 0.0 if abs(denominator) < SMALL_VENSIM else numerator / denominator


def integer(x):
    """Scalar INTEGER (raises on inf/nan, where the vectorised path takes over)."""
    return float(math.trunc(x))


def modulo(x, m):
    """Scalar MODULO (PySD's rule, as :func:`cityfutures.batch.functions.modulo`)."""
    quantum = x if m < SMALL_VENSIM else m * float(math.trunc(x / m))
    return x - quantum


def quantum(x, q):
    """Scalar QUANTUM (PySD's rule, as :func:`cityfutures.batch.functions.quantum`)."""
    return x if q < SMALL_VENSIM else q * float(math.trunc(x / q))


def lookup(x, xs, ys):
    """``np.interp(x, xs, ys)`` for one float, step for step as numpy computes it.

    Parameters
    ----------
    xs, ys : tuple of float
        The table's points, ``xs`` increasing.
    """
    if x != x:
        return x
    last = len(xs) - 1
    if x > xs[last]:
        return ys[last]
    if x < xs[0]:
        return ys[0]
    j = bisect_right(xs, x) - 1
    if j >= last or xs[j] == x:
        return ys[j]
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    out = slope * (x - xs[j]) + ys[j]
    if out != out:
        out = slope * (x - xs[j + 1]) + ys[j + 1]
        if out != out and ys[j] == ys[j + 1]:
            out = ys[j]
    return out


def series(time, xs, ys):
    """A time-series parameter of one run (``ys`` a tuple of floats)."""
    return lookup(time, xs, ys)


def held(value, own):
    """Scalar ``held`` (:func:`cityfutures.engine.batch.functions.held`): ``own`` where ``value`` is NaN."""
    return own if value != value else value


HELPERS = {
    "_s_min": minimum, "_s_max": maximum, "_s_pow": power, "_s_abs": abs, "_s_float": float,
    "_s_exp": math.exp, "_s_sqrt": math.sqrt, "_s_log": math.log, "_s_sin": math.sin,
    "_s_cos": math.cos, "_s_tan": math.tan, "_s_arcsin": math.asin, "_s_arccos": math.acos,
    "_s_arctan": math.atan, "_s_sinh": math.sinh, "_s_cosh": math.cosh, "_s_tanh": math.tanh,
    "_s_step": step, "_s_ramp": ramp, "_s_pulse": pulse, "_s_pulse_train": pulse_train,
    "_s_xidz": xidz, "_s_zidz": zidz, "_s_integer": integer, "_s_modulo": modulo,
    "_s_quantum": quantum,
    "_s_lookup": lookup, "_s_series": series, "_s_held": held,
}

_NP_CALLS = {"abs": "_s_abs", "exp": "_s_exp", "sqrt": "_s_sqrt", "log": "_s_log",
             "sin": "_s_sin", "cos": "_s_cos", "tan": "_s_tan", "arcsin": "_s_arcsin",
             "arccos": "_s_arccos", "arctan": "_s_arctan", "sinh": "_s_sinh",
             "cosh": "_s_cosh", "tanh": "_s_tanh", "minimum": "_s_min", "maximum": "_s_max",
             "power": "_s_pow"}
_F_CALLS = {"step", "ramp", "pulse", "pulse_train", "xidz", "zidz", "integer", "modulo", "quantum",
            "lookup", "series", "held"}


class _Rewrite(ast.NodeTransformer):
    """numpy source of one expression -> plain-float source."""

    def visit_Call(self, node):
        node.args = [self.visit(a) for a in node.args]
        if node.keywords:
            raise NotScalar(ast.unparse(node))
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            raise NotScalar(ast.unparse(node))
        mod, name, args = func.value.id, func.attr, node.args
        if mod == "np":
            if name == "where":
                return ast.IfExp(test=args[0], body=args[1], orelse=args[2])
            if name in ("logical_and", "logical_or"):
                op = ast.And() if name == "logical_and" else ast.Or()
                return ast.BoolOp(op, [ast.Call(ast.Name("bool", ast.Load()), [a], [])
                                       for a in args])
            if name == "logical_not":
                return ast.UnaryOp(ast.Not(), args[0])
            if name in _NP_CALLS:
                return ast.Call(ast.Name(_NP_CALLS[name], ast.Load()), args, [])
        elif mod == "_f" and name in _F_CALLS:
            return ast.Call(ast.Name("_s_" + name, ast.Load()), args, [])
        elif mod == "_st" and name == "full":
            return ast.Call(ast.Name("_s_float", ast.Load()), [args[0]], [])
        raise NotScalar(f"{mod}.{name}")

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Pow):
            return ast.Call(ast.Name("_s_pow", ast.Load()), [node.left, node.right], [])
        if not isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            raise NotScalar(ast.unparse(node))
        return node

    def visit_Subscript(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "_P":
            return node
        raise NotScalar(ast.unparse(node))

    def visit_Attribute(self, node):
        raise NotScalar(ast.unparse(node))


def scalar_source(code: str) -> str:
    """Rewrite the numpy source of one expression into plain-float source.

    >>> scalar_source("np.maximum(v1, v2 ** 2) / _f.xidz(v3, v4, _L0)")
    '_s_max(v1, _s_pow(v2, 2)) / _s_xidz(v3, v4, _L0)'

    Raises
    ------
    NotScalar
        The source indexes arrays of stages or calls a stateful helper.
    """
    tree = _Rewrite().visit(ast.parse(code, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(tree))


def generate_scalar(init_lines: list, eval_lines: list, states: list, steps: list,
                    non_negative: list, outputs: list, namespace: dict,
                    discrete: tuple = (), label: str = "model"):
    """Compile the fused single-run function ``_run(times, saved, dt, _P) -> rows``.

    Parameters
    ----------
    init_lines : list of (str, str)
        ``(name, numpy source)`` computing the initial states and every static value.
    eval_lines : list of (str, str)
        ``(name, numpy source)`` of the dynamic cells, in dependency order.
    states : list of str
        Names of the continuous states.
    steps : list of str
        Source of each state's derivative.
    non_negative : list of bool
        Per state: clip at zero after each step.
    outputs : list of str
        Names returned per saved time.
    namespace : dict
        Literals and tables of the numpy program (converted to floats and tuples here).
    discrete : sequence of (str, str, str)
        ``(name, payload source, updater)`` of each discrete state; only ``_st.replace``
        (SAMPLE IF TRUE: the new value replaces the old) has a scalar form.
    label : str
        The model's name, for the source's file name in tracebacks (:mod:`linecache`).

    Returns
    -------
    (callable, str)
        The function and its source; rows is a list of tuples, one per saved time.

    Raises
    ------
    NotScalar
    """
    body = ["def _run(_times, _saved, _dt, _P):", "    t = _times[0]", "    N = 1"]
    body += [f"    {name} = {scalar_source(code)}" for name, code in init_lines]
    body += ["    _rows = []", "    _append = _rows.append", "    _last = len(_times) - 1",
             "    for _i in range(len(_times)):", "        t = _times[_i]"]
    body += [f"        {name} = {scalar_source(code)}" for name, code in eval_lines]
    row = "".join(f"{o}, " for o in outputs)
    body += ["        if _saved[_i]:", f"            _append(({row}))",
             "        if _i == _last:", "            break"]
    body += [f"        _k{j} = {scalar_source(code)}" for j, code in enumerate(steps)]
    for _, _, update in discrete:
        if update != "_st.replace":
            raise NotScalar(update)
    body += [f"        _p{j} = {scalar_source(code)}" for j, (_, code, _) in enumerate(discrete)]
    for j, (state, clip) in enumerate(zip(states, non_negative)):
        body.append(f"        {state} = {state} + _k{j} * _dt")
        if clip:
            body += [f"        if {state} < 0.0:", f"            {state} = 0.0"]
    body += [f"        {name} = _p{j}" for j, (name, _, _) in enumerate(discrete)]
    body.append("    return _rows")
    source = "\n".join(body) + "\n"
    ns = dict(HELPERS)
    for key, value in namespace.items():
        if key.startswith("_L"):
            ns[key] = float(value)
        elif key.startswith("_T"):
            ns[key] = tuple(float(v) for v in value)
    exec(compile(source, register_source(source, label, "scalar program"), "exec"), ns)
    return ns["_run"], source
