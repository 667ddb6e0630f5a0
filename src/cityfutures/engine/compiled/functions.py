"""Vensim builtins for one run, compiled by numba: what the kernels call.

Each function mirrors, value for value, its numpy twin of :mod:`cityfutures.engine.batch.functions`
(PySD's formulas) for one run: plain floats in, a float out. SMOOTH, DELAY and DELAY N chains are
written out stage by stage in the kernels themselves (:mod:`.kernel`); DELAY FIXED keeps a ring
buffer (:func:`fixed_length` slots). Division by zero gives ``inf``/``nan`` as numpy does (the kernels
compile with ``error_model="numpy"``).

Each choice is a select (:func:`.intrinsics.pick` of floats: ``x * 1.0`` makes a number or a boolean a
float exactly; both sides are computed, as numpy's ``where`` computes them),
never an ``if``: the functions are inlined into the kernel at numba's IR level, where an ``if`` left a
variable assigned in two blocks, and numba's SSA pass rewrites the whole kernel once for each (jakarta.mdl's
kernel held 81 of them, one per ZIDZ and XIDZ).
"""
from __future__ import annotations

import llvmlite.binding
import numba
import numpy as np

from ..batch.functions import SMALL_VENSIM
from .intrinsics import pick
from .kernel import LLVM_OPTIONS

__all__ = ["step", "ramp", "pulse", "pulse_train", "xidz", "zidz", "integer", "modulo", "quantum",
           "land", "lor", "lnot", "held", "fixed_length", "JIT"]

JIT = dict(cache=True, error_model="numpy", fastmath=False, nogil=True)
"""numba's options for every compiled function: cached on disk, numpy's float rules, no fast-math."""

for _option in LLVM_OPTIONS:      # before any kernel compiles (every kernel imports this module)
    llvmlite.binding.set_option("cityfutures", _option)

_jit = numba.njit(inline="always", **JIT)     # inlined: the loop over runs stays one vectorisable body


@_jit
def step(time, time_step, value, tstep):
    """STEP(value, tstep): ``value`` from the first step whose midpoint passes ``tstep``."""
    return value * (time + time_step / 2 > tstep)


@_jit
def ramp(time, slope, start, finish=None):
    """RAMP(slope, start, finish): ``slope * (min(time, finish) - start)`` after ``start``."""
    if finish is None:
        final = time
    else:
        final = np.minimum(finish, time)
    return (time + SMALL_VENSIM > start) * slope * (final - start)


@_jit
def pulse(time, start, width):
    """PULSE(start, width): 1 while ``start <= time < start + width``, else 0."""
    return pick((start - SMALL_VENSIM <= time) & (time < start + width), 1.0, 0.0)


@_jit
def pulse_train(time, start, repeat_time, width, end):
    """PULSE TRAIN(start, width, repeat, end): a pulse of ``width`` every ``repeat_time``."""
    once = (start - SMALL_VENSIM <= time) & (time < start + width)      # repeat_time 0: one pulse
    phase = np.mod(time - start + SMALL_VENSIM, pick(repeat_time == 0, 1.0, repeat_time * 1.0))
    train = (start <= time) & (time < end) & (phase < width)
    return pick(repeat_time == 0, pick(once, 1.0, 0.0), pick(train, 1.0, 0.0))


@_jit
def xidz(numerator, denominator, x):
    """XIDZ(a, b, x): ``a / b``, or ``x`` when ``|b| < 1e-6``."""
    return pick(abs(denominator) < SMALL_VENSIM, x * 1.0, numerator / denominator)


@_jit
def zidz(numerator, denominator):
    """ZIDZ(a, b): ``a / b``, or 0 when ``|b| < 1e-6``."""
    return pick(abs(denominator) < SMALL_VENSIM, 0.0, numerator / denominator)


@_jit
def integer(x):
    """INTEGER(x): ``x`` truncated towards zero (a float; inf and nan stay)."""
    return np.trunc(x)


@_jit
def modulo(x, m):
    """MODULO(x, m): ``x - m * INTEGER(x / m)``, or 0 when ``m < 1e-6`` (PySD's rule)."""
    return x - pick(m < SMALL_VENSIM, x * 1.0, m * np.trunc(x / m))


@_jit
def quantum(x, q):
    """QUANTUM(x, q): ``x`` truncated to a multiple of ``q``, or ``x`` when ``q < 1e-6``."""
    return pick(q < SMALL_VENSIM, x * 1.0, q * np.trunc(x / q))


@_jit
def land(a, b):
    """``np.logical_and`` of two numbers or booleans."""
    return (a != 0) & (b != 0)


@_jit
def lor(a, b):
    """``np.logical_or`` of two numbers or booleans."""
    return (a != 0) | (b != 0)


@_jit
def lnot(a):
    """``np.logical_not`` of a number or boolean."""
    return a == 0


@_jit
def held(value, own):
    """A held value where it is a number, the variable's own value where it is NaN (not held in this run)."""
    return pick(value != value, own * 1.0, value * 1.0)


# ----------------------------------------------------------------------------- DELAY FIXED
@_jit
def fixed_length(delay_time, time_step):
    """DELAY FIXED's ring buffer length: ``round(delay / TIME STEP)`` slots, at least one."""
    return int(np.round(np.maximum(delay_time / time_step, 1.0) + SMALL_VENSIM))
