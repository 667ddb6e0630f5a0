"""Loop dominance by Loops That Matter (Schoenberg, Davidsen & Eberlein, *System Dynamics
Review* 36(2), 2020): which feedback loops drive each indicator, period by period.

Method
------
A run saves every variable at every time step (the batch engine, Euler). For each link
``x -> z`` the **link score** says how much of ``z``'s change over a step came through
``x``, with the link's sign:

* ``z`` an auxiliary, ``z = f(x, y, ...)``::

      LS(x -> z) = |Δx z / Δz| * sign(Δx z / Δx),    Δx z = f(x_t, y_t-dt, ...) - f(x_t-dt, y_t-dt, ...)

  (0 when ``Δz`` or ``Δx`` is 0);
* ``z`` a stock whose net rate is ``R(x, ...)`` (its flows, or the expression inside
  INTEG): the same formula on the rate, ``|Δx R / ΔR| * sign(Δx R / Δx)``. For a rate that
  is ``inflow - outflow`` this is the paper's flow-to-stock score (``|Δi / Δ(i - o)|``, sign
  + for an inflow and - for an outflow), written with the change of the net flow so that
  it has no time unit (as in Schoenberg, Hayward & Eberlein 2023).

Each partial change ``Δx`` is the model's own equation evaluated with only ``x`` moved: the
equations are those the batch engine compiled from PySD's parse of the model
(:mod:`cityfutures.engine.batch.equations`: hidden sub-expressions inlined), evaluated for all
steps at once. A loop's **score** is the
product of its link scores, signed (positive: reinforcing at that time, negative:
balancing). For an indicator, the loops that matter are those through the stocks it is
computed from at the same time step (itself, if it is a stock); each one's **relative
score** is its score divided by the sum of their absolute scores (a share in [-1, 1]).
Relative scores are averaged over periods (the mean over the steps that start in each, the
rule of :mod:`cityfutures.plan.periods`) so that a step-to-step flicker does not hide which
loop leads; the loops whose absolute shares add up to more than half are the period's
**dominant** loops.

Loops are found as the elementary cycles of the link graph (networkx), shortest first: every
loop of up to ``k`` variables, for the largest ``k`` (at most ``max_length``) whose loops number
at most ``max_loops``. A found loop is named after a documented loop of the sidecar (``loops:``)
when it passes through all the documented loop's variables in their order (the documented loop
naming the most variables wins).

Statefuls other than INTEG are scored as first-order adjustments of their output towards
their input, ``(input - output) / time`` (exact for SMOOTH, SMOOTHI and DELAY1; an
approximation for higher orders); TREND, FORECAST, SAMPLE IF TRUE and DELAY FIXED are
treated as exogenous (loops through them are not scored), and so are constants, INITIALs
and the inputs a scenario sets over time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from ..engine.batch import EquationGraph, compile_model, equation_graph
from ..engine.simulate import batch_params
from ..errors import InputError
from ..model import Model, load_model
from ..names import did_you_mean, norm_name
from ..plan import build_plan
from ..plan.periods import period_means
from ..scenario import Scenario, load_scenario

__all__ = ["Loop", "LoopDominance", "find_loops", "link_scores", "loop_dominance", "MAX_LENGTH", "MAX_LOOPS",
           "TABLE_TOP"]

MAX_LENGTH = 100
"""Longest loop searched for (number of variables)."""
MAX_LOOPS = 50_000
"""Most loops scored: every loop up to the longest length whose loops number at most this (the notes say so)."""
TABLE_TOP = 25
"""Loops kept in the table per indicator and period (and any further dominant ones)."""
_EPS = 1e-12


@dataclass(frozen=True)
class Loop:
    """A feedback loop: its variables in causal order (starting at a stock) and its name."""

    id: str
    variables: tuple[str, ...]
    name: str
    label_en: str
    label_id: str
    documented: bool = False

    @property
    def links(self) -> list[tuple[str, str]]:
        v = self.variables
        return list(zip(v, v[1:] + v[:1]))


@dataclass
class LoopDominance:
    """Loop scores of one run and their shares per indicator and period.

    Attributes
    ----------
    times : ndarray (T-1,)
        The start of each time step the scores stand for [time units].
    loops : tuple of Loop
    log_scores, signs : ndarray (L, T-1)
        ``log |loop score|`` and its sign (0 where a link score is 0); see :attr:`scores`.
    masks : dict
        Indicator -> bool ndarray (L,): the loops through the stocks it is computed from.
    periods : list of (start, end)
    table : pandas.DataFrame
        Per (indicator, period), the :data:`TABLE_TOP` loops with the largest mean relative
        scores: ``indicator, period_start, period_end, loop, name, label_en, label_id,
        polarity, share, rank, dominant``.
    values : dict
        Indicator -> ndarray (T,) of its values [units] at every step (for charts).
    all_times : ndarray (T,)
    notes : list of str
    """

    times: np.ndarray
    loops: tuple
    log_scores: np.ndarray
    signs: np.ndarray
    masks: dict
    periods: list
    table: pd.DataFrame
    values: dict
    all_times: np.ndarray
    units: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    labels: dict = field(default_factory=dict)
    source: str = ""
    model_name: str = ""
    model_sha256: str = ""
    time_units: str = ""

    @property
    def indicators(self) -> list[str]:
        """The indicators explained, in order."""
        return list(self.masks)

    @property
    def scores(self) -> np.ndarray:
        """Loop scores (L, T-1): dimensionless; positive reinforcing, negative balancing at that time."""
        return self.signs * np.exp(np.minimum(self.log_scores, 700.0))

    def relative(self, indicator: str) -> np.ndarray:
        """Relative loop scores (L, T-1) for ``indicator``: shares of its loops' total, 0 for the other loops."""
        return _relative(self.log_scores, self.signs, self.masks[indicator])

    def dominant(self, indicator: str | None = None, top: int = 3) -> pd.DataFrame:
        """The leading loops per indicator and period (at most ``top`` per period; rows of :attr:`table`)."""
        t = self.table if indicator is None else self.table[self.table["indicator"] == indicator]
        return t[t["rank"] <= top].reset_index(drop=True)

    def period_shares(self, indicator: str) -> np.ndarray:
        """Mean relative loop scores (L, P) of ``indicator`` per period (over the steps starting in it)."""
        return _period_shares(self.relative(indicator), self.times, self.periods)

    def label(self, indicator: str, lang: str) -> str:
        """Name of an indicator in ``lang`` (the sidecar's label, else its Vensim name)."""
        return self.labels.get(indicator, {}).get(lang, indicator)

    def unit_label(self, indicator: str, lang: str) -> str | None:
        """The sidecar's unit label of an indicator in ``lang``, or None (then show its Vensim units)."""
        return self.labels.get(indicator, {}).get(f"unit_{lang}")


# ----------------------------------------------------------------------------- scores
def link_scores(graph: EquationGraph, times: np.ndarray, values: Mapping[str, np.ndarray]) -> dict:
    """Link score of every link at every step after the first.

    Parameters
    ----------
    times : ndarray (T,)
    values : mapping of label -> ndarray (T,)
        Every vertex at every time step.

    Returns
    -------
    dict of (source, target) -> ndarray (T-1,)
        Dimensionless; 0 where the target or the source did not change.
    """
    out = {}
    ns = dict(graph.namespace)
    prev = {v.var: values[v.label][:-1] for v in graph.equations.values()}
    curr = {v.var: values[v.label][1:] for v in graph.equations.values()}
    n = len(times) - 1
    with np.errstate(all="ignore"):
        for v in graph.equations.values():
            if v.kind == "exogenous" or not v.inputs:
                continue
            code = compile(v.source, f"<link score of {v.label}>", "eval")

            def evaluate(env, t, code=code):
                return np.broadcast_to(np.asarray(eval(code, dict(ns, t=t, **env)), dtype=float), (n,))  # noqa: S307

            base = evaluate(prev, times[:-1])
            total = evaluate(curr, times[1:]) - base
            scale = np.maximum(np.abs(base), np.abs(base + total))
            for x in v.inputs:
                xv = graph.equations[x]
                dx = curr[xv.var] - prev[xv.var]
                part = evaluate(dict(prev, **{xv.var: curr[xv.var]}), times[:-1]) - base
                moved = (np.abs(total) > _EPS * np.maximum(scale, 1.0)) & \
                        (np.abs(dx) > _EPS * np.maximum(np.abs(prev[xv.var]), 1.0))
                score = np.where(moved, np.abs(part / np.where(moved, total, 1.0)) *
                                 np.sign(part / np.where(moved, dx, 1.0)), 0.0)
                out[(x, v.label)] = np.nan_to_num(score, nan=0.0, posinf=0.0, neginf=0.0)
    return out


def find_loops(graph: EquationGraph, max_length: int = MAX_LENGTH, max_loops: int = MAX_LOOPS) -> tuple[list, bool]:
    """Elementary feedback loops of the link graph, shortest first, each starting at its first stock (by name).

    Every loop of up to ``k`` variables is kept, for the largest ``k <= max_length`` whose loops number at
    most ``max_loops``: a bounded search never keeps a long loop and misses a short one.

    Returns
    -------
    loops : list of tuple of labels
        Sorted by length, then by label.
    complete : bool
        False when longer loops were left out.
    """
    dg = nx.DiGraph(graph.edges)
    dg.add_nodes_from(graph.equations)
    dg.remove_nodes_from([k for k, v in graph.equations.items() if v.kind == "exogenous"])
    stocks = {k for k, v in graph.equations.items() if v.kind == "stock"}
    longest = max((len(c) for c in nx.strongly_connected_components(dg)), default=0)
    bound = min(max_length, longest)

    found, fits, over = [], 0, bound + 1     # every loop of up to `fits` variables; `over` variables: too many

    def attempt(k: int) -> bool:
        """Keep every loop of at most ``k`` variables, unless there are more than ``max_loops``."""
        nonlocal found, fits, over
        loops = []
        for cycle in nx.simple_cycles(dg, length_bound=k):
            if len(loops) == max_loops:
                over = min(over, k)
                return False
            loops.append(cycle)
        found, fits = loops, k
        return True

    def many() -> bool:
        return 8 * len(found) >= max_loops

    while fits < bound and not many() and attempt(min(bound, 2 * fits or 1)):   # few loops: double the length
        pass
    if fits < bound and over > bound:          # many loops: perhaps all of them fit (one search settles it)
        attempt(bound)
    while over - fits > 1:                     # the longest length whose loops fit: step up or halve the gap
        attempt(fits + 1 if many() else (fits + over) // 2)
    out = []
    for cycle in found:
        anchors = [x for x in cycle if x in stocks] or cycle   # a canonical rotation: ids do not depend on
        first = cycle.index(min(anchors))                        # the order networkx visits the graph in
        out.append(tuple(cycle[first:] + cycle[:first]))
    out.sort(key=lambda c: (len(c), c))
    return out, fits >= bound


def _matches(documented: Sequence[str], cycle_elements: Sequence[str]) -> bool:
    """True when the cycle passes through the documented variables in their (cyclic) order."""
    want = [norm_name(n) for n in documented]
    have = [norm_name(n) for n in cycle_elements]
    if not set(want) <= set(have):
        return False
    pos = [have.index(w) for w in want]
    shifts = sum(1 for a, b in zip(pos, pos[1:] + pos[:1]) if b < a)
    return shifts <= 1


def _link_signs(scores: Mapping) -> dict:
    """Each link's usual sign (+1 or -1): the majority of its nonzero scores."""
    return {lk: (-1 if np.sum(np.sign(v)) < 0 else 1) for lk, v in scores.items()}


def _path(names: Mapping, graph: EquationGraph, cycle, lang: str) -> str:
    """``A → B → A`` for a short loop; its stocks (``A → … → C → … → A``) for a long one."""
    shown = [names[lang, c] for c in cycle]
    if len(cycle) <= 4:
        return " → ".join(shown + shown[:1])
    stocks = [names[lang, c] for c in cycle if graph.equations[c].kind == "stock"] or shown[:1]
    words = {"en": "variables", "id": "variabel"}[lang]
    return " → … → ".join(stocks + stocks[:1]) + f" ({len(cycle)} {words})"


def _name_loops(graph: EquationGraph, cycles: list, scores: Mapping, model: Model | None) -> list[Loop]:
    loops = []
    counts: dict[str, int] = {}
    signs = _link_signs(scores)
    names = {(lang, label): _shown(model, label, lang) for label in graph.equations for lang in ("en", "id")}
    for i, cycle in enumerate(cycles):
        elements = [graph.equations[c].element for c in cycle]
        links = list(zip(cycle, cycle[1:] + cycle[:1]))
        letter = "R" if np.prod([signs.get(lk, 1) for lk in links]) > 0 else "B"
        doc = None
        if model is not None:   # the most specific documented loop it passes through
            matching = [d for d in model.loops if _matches(d.variables, elements)]
            doc = max(matching, key=lambda d: len(d.variables), default=None)
        if doc is not None:
            counts[doc.name] = counts.get(doc.name, 0) + 1
            suffix = f" ({counts[doc.name]})" if counts[doc.name] > 1 else ""
            loops.append(Loop(f"L{i + 1}", tuple(cycle), doc.name + suffix, doc.label("en") + suffix,
                              doc.label("id") + suffix, True))
            continue
        loops.append(Loop(f"L{i + 1}", tuple(cycle), f"{letter}{i + 1}", _path(names, graph, cycle, "en"),
                          _path(names, graph, cycle, "id")))
    return loops


def _log_scores(loops, scores: Mapping, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``log |loop score|`` and its sign (0 where a link score is 0), shape (L, n).

    Loop scores are products of many link scores that may each be large (near an
    equilibrium a flow's change is a large multiple of its stock's net change), so they
    are formed as sums of logarithms with a sparse incidence matrix.
    """
    keys = sorted({lk for lp in loops for lk in lp.links})
    index = {k: j for j, k in enumerate(keys)}
    rows = [i for i, lp in enumerate(loops) for _ in lp.links]
    cols = [index[lk] for lp in loops for lk in lp.links]
    incidence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(loops), len(keys)))
    ls = np.array([scores.get(k, np.zeros(n)) for k in keys]).reshape(len(keys), n)
    with np.errstate(divide="ignore"):
        logs = np.where(ls != 0, np.log(np.abs(ls)), 0.0)
    zeros = incidence @ (ls == 0).astype(float)
    negatives = incidence @ (ls < 0).astype(float)
    sign = np.where(zeros > 0, 0.0, np.where(np.mod(negatives, 2) > 0.5, -1.0, 1.0))
    return np.asarray(incidence @ logs), sign


def _relative(log_scores: np.ndarray, sign: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Relative loop scores among the loops in ``mask`` (sum of absolute values 1 at each time)."""
    rel = np.zeros_like(log_scores)
    if not mask.any():
        return rel
    logs = np.where(sign[mask] != 0, log_scores[mask], -np.inf)
    top = logs.max(axis=0)
    ok = np.isfinite(top)
    weights = np.exp(logs - np.where(ok, top, 0.0))
    total = weights.sum(axis=0)
    rel[mask] = np.where(ok, sign[mask] * weights / np.where(ok, total, 1.0), 0.0)
    return rel


def _shown(model: Model | None, label: str, lang: str) -> str:
    if model is None:
        return label
    try:
        return model.label(label, lang)
    except KeyError:
        return label


def _frontier_stocks(graph: EquationGraph, indicator: str) -> set:
    """The stocks an indicator is computed from at the same time step (itself, if a stock).

    Walks the links backwards from the indicator and stops at each stock: the loops that
    matter for the indicator are the loops that move these stocks.
    """
    if graph.equations[indicator].kind == "stock":
        return {indicator}
    found, seen, todo = set(), {indicator}, [indicator]
    while todo:
        for x in graph.equations[todo.pop()].inputs:
            if x in seen:
                continue
            seen.add(x)
            if graph.equations[x].kind == "stock":
                found.add(x)
            else:
                todo.append(x)
    return found


def _periods(t0: float, t1: float, n: int) -> list[tuple[float, float]]:
    edges = np.linspace(t0, t1, n + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def _period_shares(rel: np.ndarray, times: np.ndarray, periods: Sequence[tuple[float, float]]) -> np.ndarray:
    """Mean of each row of ``rel`` (L, T-1) over the steps that start in each period ``[a, b)``: (L, P).

    The rule of every period mean the project reports (:func:`cityfutures.plan.periods.period_means`).
    """
    starts = [a for a, _b in periods]
    return period_means(rel, times, starts, periods[0][1] - periods[0][0])


def loop_dominance(what, indicators: Sequence[str] | None = None, *, periods: int = 10,
                   max_length: int = MAX_LENGTH, max_loops: int = MAX_LOOPS) -> LoopDominance:
    """Which loops drive each indicator, period by period (Loops That Matter).

    Parameters
    ----------
    what : Scenario, path to a scenario file, path to a ``.mdl``, or Model
        A scenario runs with its levers, shocks and horizon; a model as it stands.
    indicators : sequence of str, optional
        Variables to explain; by default the model's indicators (its stocks when it has none).
    periods : int
        Number of equal periods the horizon is cut into for averaging.
    max_length, max_loops : int
        Bounds of the loop search.

    Returns
    -------
    LoopDominance
    """
    model, params, (start, end, dt), source = _setup(what)
    steps = int(round((end - start) / dt))
    if not 1 <= periods <= steps:
        raise InputError(f"must be between 1 and the run's {steps} time steps, got {periods}", field="periods")
    bm = compile_model(model.path)
    graph = equation_graph(bm, exogenous=[c for name in params for c in bm.element_cells(name)])
    times, values = graph.run(batch_params(params), start=start, end=end, dt=dt)
    scores = link_scores(graph, times, values)
    cycles, complete = find_loops(graph, max_length, max_loops)
    loops = _name_loops(graph, cycles, scores, model)
    n = len(times) - 1
    log_scores, signs = _log_scores(loops, scores, n) if loops else (np.zeros((0, n)), np.zeros((0, n)))
    notes = list(graph.notes)
    if not complete:
        longest = max((len(c) for c in cycles), default=0)
        notes.append(f"the loop search kept every loop of up to {longest} variables ({len(cycles)} loops, at most "
                     f"{max_loops}); longer loops are not scored")
    names = _indicators(model, graph, indicators)
    masks, table_rows = {}, []
    cuts = _periods(float(times[0]), float(times[-1]), periods)
    through: dict[str, list[int]] = {}            # stock -> the loops through it
    for i, lp in enumerate(loops):
        for v in lp.variables:
            if graph.equations[v].kind == "stock":
                through.setdefault(v, []).append(i)
    for ind in names:
        masks[ind] = np.zeros(len(loops), dtype=bool)
        for stock in _frontier_stocks(graph, _cell(graph, ind)):
            masks[ind][through.get(stock, [])] = True
        table_rows += _period_rows(ind, loops, _relative(log_scores, signs, masks[ind]), masks[ind], times[:-1], cuts)
    table = pd.DataFrame(table_rows, columns=["indicator", "period_start", "period_end", "loop", "name",
                                              "label_en", "label_id", "polarity", "share", "rank", "dominant"])
    vals = {ind: values[_cell(graph, ind)] for ind in names}
    units = {ind: bm.units.get(graph.equations[_cell(graph, ind)].element, "") for ind in names}
    labels = {ind: {lang: _shown(model, ind, lang) for lang in ("en", "id")} for ind in names}
    for ind in names:
        if ind in model.indicators:
            labels[ind].update({f"unit_{lang}": model.indicators[ind].unit_label(lang) for lang in ("en", "id")})
    return LoopDominance(times[:-1], tuple(loops), log_scores, signs, masks, cuts, table, vals, times, units, notes,
                         labels, source, model.name, model.sha256, model.time_units)


def _period_rows(ind, loops, rel, mask, times, cuts) -> list:
    """Table rows: per period, the TABLE_TOP loops with the largest mean shares (the dominant ones marked)."""
    rows = []
    idx = np.flatnonzero(mask)
    means = _period_shares(rel[idx], times, cuts)
    for j, (a, b) in enumerate(cuts):
        order = [k for k in np.argsort(-np.abs(means[:, j]), kind="stable") if means[k, j] != 0]
        covered = 0.0
        for rank, k in enumerate(order, 1):
            share = float(means[k, j])
            if rank <= TABLE_TOP:
                lp = loops[idx[k]]
                rows.append((ind, a, b, lp.id, lp.name, lp.label_en, lp.label_id,
                             "reinforcing" if share > 0 else "balancing", share, rank, covered < 0.5))
            covered += abs(share)
            if rank >= TABLE_TOP and covered >= 0.5:
                break
    return rows


def _indicators(model: Model, graph: EquationGraph, wanted) -> list[str]:
    if wanted:
        out = []
        for name in wanted:
            try:
                out.append(model.lookup_name(name))
            except KeyError:
                raise InputError(f"'{name}' is not a variable of the model", field="indicator",
                                 allowed=did_you_mean(name, model.variables) or None) from None
        return out
    if model.indicators:
        return list(model.indicators)
    return [v.element for v in graph.equations.values() if v.kind == "stock" and v.label == v.element]


def _cell(graph: EquationGraph, name: str) -> str:
    if name in graph.equations:
        return name
    for label, v in graph.equations.items():
        if norm_name(v.element) == norm_name(name):
            return label
    raise InputError(f"'{name}' is not a variable of the link graph", field="indicator")


def _setup(what) -> tuple[Model, dict, tuple, str]:
    """The model, the run's parameters, ``(start, end, dt)`` and a name of a scenario or model."""
    if isinstance(what, Model) or (isinstance(what, (str, bytes)) or hasattr(what, "__fspath__")) and \
            str(what).lower().endswith(".mdl"):
        model = load_model(what)
        return model, {}, (model.initial_time, model.final_time, model.time_step), model.path.name
    sc = what if isinstance(what, Scenario) else load_scenario(what)
    plan = build_plan(sc)
    hz = sc.horizon
    return sc.model, dict(plan.runs[0].params), (hz.start, hz.end, hz.dt), sc.name

