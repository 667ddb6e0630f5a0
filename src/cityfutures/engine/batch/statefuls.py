"""Stateful Vensim functions (INTEG, SMOOTH, DELAY, TREND, ...) for the batch engine.

Each stateful keeps a continuous state in ``S`` (integrated by Euler or RK4) and/or a
discrete state in ``D`` (updated once per step). This module holds the source templates
the compiler fills in and the runtime helpers they call; the formulas are those of
PySD's ``py_backend/statefuls.py`` so that results agree to rounding.

State shapes: ``(N,)`` for INTEG, TREND, FORECAST; ``(order, N)`` for SMOOTH and DELAY.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import UnsupportedFeatureError
from .functions import SMALL_VENSIM

__all__ = ["Template", "TEMPLATES", "full", "stack", "delay_init", "delay_ddt",
           "delayn_ddt", "roll_in", "smooth_ddt", "DelayFixedPipe", "replace"]


@dataclass(frozen=True)
class Template:
    """Source templates of one stateful kind; ``{name}`` fields are argument atoms.

    Attributes
    ----------
    continuous, discrete : str or None
        Initial value of the continuous / discrete state (init-phase source).
    output : str
        The stateful's value; ``{s}`` and ``{d}`` stand for its states.
    ddt : str or None
        Derivative of the continuous state.
    payload, update : str or None
        Value computed at each step for the discrete state and the updater applied
        after the step: ``update(old, payload) -> new``.
    output_args, init_args : tuple of str
        Arguments the output / the initial states read.
    """

    continuous: str | None
    discrete: str | None
    output: str
    ddt: str | None
    payload: str | None
    update: str | None
    output_args: tuple
    init_args: tuple


TEMPLATES = {
    "integ": Template("_st.full({initial}, N)", None, "{s}", "{flow}", None, None,
                      (), ("initial",)),
    "delay": Template("_st.delay_init({initial}, {delay_time}, {order}, {time_step}, N, {name})",
                      None, "{s}[-1] / {delay_time}", "_st.delay_ddt({s}, {input}, {delay_time})",
                      None, None, ("delay_time",), ("initial", "delay_time", "order", "time_step")),
    "delayn": Template("_st.delay_init({initial}, {delay_time}, {order}, {time_step}, N, {name})",
                       "_st.stack({delay_time}, {s}.shape[0], N)", "{s}[-1] / {d}[0]",
                       "_st.delayn_ddt({s}, {d}, {input}, {delay_time})",
                       "_st.roll_in({d}, {delay_time})", "_st.replace", (),
                       ("initial", "delay_time", "order", "time_step")),
    "delayfixed": Template(None, "_st.DelayFixedPipe({initial}, {delay_time}, {time_step}, N)",
                           "{d}.state", None, "{input}", "_st.DelayFixedPipe.push", (),
                           ("initial", "delay_time", "time_step")),
    "smooth": Template("_st.stack({initial}, {order}, N)", None, "{s}[-1]",
                       "_st.smooth_ddt({s}, {input}, {smooth_time})", None, None,
                       (), ("initial", "order")),
    "trend": Template("_st.full({input} / (1 + {initial_trend}*{average_time}), N)", None,
                      "_f.zidz({input} - {s}, {average_time} * np.abs({s}))",
                      "({input} - {s}) / {average_time}", None, None,
                      ("input", "average_time"), ("input", "initial_trend", "average_time")),
    "forecast": Template("_st.full({input} / (1 + {initial_trend}), N)", None,
                         "{input} * (1 + _f.zidz({input} - {s}, {average_time} * {s})*{horizon})",
                         "({input} - {s}) / {average_time}", None, None,
                         ("input", "average_time", "horizon"), ("input", "initial_trend")),
    "sampleiftrue": Template(None, "_st.full({initial}, N)",
                             "np.where({condition}, {input}, {d})", None, "{out}", "_st.replace",
                             ("condition", "input"), ("initial",)),
}


def full(value, n: int) -> np.ndarray:
    """A fresh float array of shape ``(n,)`` holding ``value`` (scalar or ``(n,)``)."""
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (n,)))


def stack(value, order, n: int) -> np.ndarray:
    """``order`` copies of ``value``: shape ``(order, n)`` (PySD's ``[value] * order``)."""
    order = _uniform_int(order, "SMOOTH N", "order")
    return np.array(np.broadcast_to(np.asarray(value, dtype=float), (order, n)))


def _uniform_int(value, function: str, what: str) -> int:
    values = np.unique(np.asarray(value, dtype=float))
    if values.size != 1:
        raise UnsupportedFeatureError(function, function,
                                      f"{what} differs across runs ({values.min()}..{values.max()})")
    return int(values[0])


def delay_init(initial, delay_time, order, time_step: float, n: int, name: str) -> np.ndarray:
    """Initial DELAY pipeline: ``order`` stages of ``initial * delay_time``, shape ``(k, n)``.

    The order is cast to an integer and lowered while ``order * TIME STEP`` exceeds the
    delay time, as PySD does (one order for all runs).
    """
    delay_time = np.broadcast_to(np.asarray(delay_time, dtype=float), (n,))
    order = np.broadcast_to(np.trunc(np.asarray(order, dtype=float)), (n,)).copy()
    while np.any(order * time_step > delay_time):
        order = np.where(order * time_step > delay_time, order - 1, order)
    k = _uniform_int(order, name, "the delay order (after PySD's small-delay-time cast)")
    return np.array(np.broadcast_to(np.asarray(initial, dtype=float) * delay_time, (k, n)))


def delay_ddt(state: np.ndarray, inflow, delay_time) -> np.ndarray:
    """Derivative of a DELAY pipeline ``(k, n)`` with fixed order ``k``."""
    outflows = state / delay_time
    inflows = np.empty_like(outflows)
    inflows[1:] = outflows[:-1]
    inflows[0] = inflow
    return (inflows - outflows) * state.shape[0]


def roll_in(times: np.ndarray, delay_time) -> np.ndarray:
    """DELAY N's stage times after one step: the current delay time enters stage 0."""
    new = np.empty_like(times)
    new[1:] = times[:-1]
    new[0] = delay_time
    return new


def delayn_ddt(state: np.ndarray, times: np.ndarray, inflow, delay_time) -> np.ndarray:
    """Derivative of a DELAY N pipeline whose stages remember their entry delay time."""
    outflows = state / roll_in(times, delay_time)
    inflows = np.empty_like(outflows)
    inflows[1:] = outflows[:-1]
    inflows[0] = inflow
    return (inflows - outflows) * state.shape[0]


def smooth_ddt(state: np.ndarray, value, smooth_time) -> np.ndarray:
    """Derivative of a SMOOTH chain ``(k, n)``: each stage chases the one before."""
    targets = np.empty_like(state)
    targets[1:] = state[:-1]
    targets[0] = value
    return (targets - state) * state.shape[0] / smooth_time


def replace(old, new):
    """Discrete update that takes the new value."""
    return full(new, old.shape[-1]) if np.ndim(new) < np.ndim(old) else new


class DelayFixedPipe:
    """DELAY FIXED as PySD runs it: a ring buffer of ``round(delay / TIME STEP)`` slots.

    Parameters
    ----------
    initial, delay_time : float or ndarray (n,)
    time_step : float
    n : int
        Number of runs; each run may have its own pipe length.
    """

    def __init__(self, initial, delay_time, time_step: float, n: int):
        order = np.maximum(np.broadcast_to(np.asarray(delay_time, dtype=float), (n,)) / time_step, 1)
        self.order = np.round(order + SMALL_VENSIM).astype(int)
        self.state = full(initial, n)
        self.pipe = np.tile(self.state, (int(self.order.max()), 1))
        self.pointer = np.zeros(n, dtype=int)
        self._cols = np.arange(n)

    def push(self, value) -> "DelayFixedPipe":
        """Store this step's input and move on one slot; returns ``self``."""
        self.pipe[self.pointer, self._cols] = value
        self.pointer = (self.pointer + 1) % self.order
        self.state = self.pipe[self.pointer, self._cols]
        return self
