"""Portfolios of programmes as plain data: the candidates, what many portfolios' runs are, what they may be.

A portfolio is a set of a comparison's programmes (its intervention scenarios) run together on the
baseline: the baseline plus the union of the members' interventions, composed by the bundle rule
(:func:`cityfutures.plan.combine`, :func:`cityfutures.plan.lever_value`). Portfolios are rows of a
boolean matrix ``masks`` (P, K) over the K programmes of a :class:`Catalogue`.

:func:`portfolio_params` gives the parameters of thousands of portfolios at once for
:func:`cityfutures.simulate` (dim ``run``). Each lever's value depends only on which of the programmes
that touch it are members, so it is composed once per such subset (the bundle rule, cached) and
stacked (:func:`cityfutures.scenario.series.stack_series`, exact); a subset whose members set one
constant twice, or push a lever out of its range, makes every portfolio that holds it inadmissible, with
the reason. :func:`admissible` applies the ``portfolio:`` block's constraints
(:class:`cityfutures.scenario.PortfolioSpec`) to cost arrays the caller computes (budgets are in
present value or capex: :mod:`cityfutures.analysis.discount`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import ScenarioError
from ..scenario.series import stack_series
from .plan import CostStream, Plan, build_plan, combine, intervention_cost, lever_value

__all__ = ["Catalogue", "catalogue", "all_masks", "portfolio_params", "admissible", "at_once", "member_names",
           "masks_of", "MAX_EXHAUSTIVE"]

MAX_EXHAUSTIVE = 22
"""Up to this many candidates every portfolio is enumerated (2**22 = 4.2 million); beyond, the search evolves."""

DELIVERY_GRID = 0.25
"""Year: the grid on which programmes in delivery at once are counted."""


@dataclass(frozen=True)
class Catalogue:
    """The candidates of a portfolio search: a comparison's programmes and what each brings.

    Attributes
    ----------
    plan : Plan
        The comparison's deterministic plan (its baseline run first).
    names : tuple of str
        The K programmes, in the comparison's order (the columns of ``masks``).
    titles_en, titles_id, focus_areas, tracks, agencies : tuple
        Per programme (``None`` where a file gives none).
    costs : tuple of CostStream
        Every costed intervention the programmes add to the baseline, once (C items).
    holders : ndarray (C, K) bool
        Which programmes hold each cost item (a portfolio pays an item once, as a bundle does).
    touch : mapping of name -> tuple of int
        Each lever (or constant) the programmes change -> the programmes that change it.
    delivery : ndarray (K, T) bool
        Whether each programme is in delivery in each quarter of the horizon: from each intervention's start
        over its ramp, at least one year.
    """

    plan: Plan
    names: tuple[str, ...]
    titles_en: tuple[str, ...]
    titles_id: tuple[str, ...]
    focus_areas: tuple[str | None, ...]
    tracks: tuple[str | None, ...]
    agencies: tuple[str | None, ...]
    costs: tuple[CostStream, ...]
    holders: np.ndarray
    touch: Mapping[str, tuple[int, ...]]
    delivery: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def k(self) -> int:
        return len(self.names)

    def title(self, i: int, lang: str) -> str:
        return (self.titles_en if lang == "en" else self.titles_id)[i] or self.names[i]


def catalogue(comparison) -> Catalogue:
    """The :class:`Catalogue` of a loaded comparison's programmes.

    Raises
    ------
    ScenarioError
        A programme brings shocks of its own (a portfolio is a set of decisions, not of events).
    """
    plan = build_plan(comparison)
    base = comparison.baseline
    progs = list(comparison.interventions)
    runs = {r.name: r for r in plan.runs}
    h = plan.horizon
    items: list[Any] = []
    holders: list[set[int]] = []
    touch: dict[str, list[int]] = {}
    grid = np.arange(float(h.start), float(h.end), DELIVERY_GRID)
    delivery = np.zeros((len(progs), grid.size), bool)
    for k, sc in enumerate(progs):
        extra = [s for s in sc.shocks if s not in base.shocks]
        if extra:
            raise ScenarioError(f"programme '{sc.name}' brings a shock of its own ({extra[0].kind} in "
                                f"{extra[0].year:g}); portfolios combine decisions, not events",
                                path=str(comparison.path), field="interventions")
        ivs = [iv for iv in sc.interventions if iv not in base.interventions]
        for iv in ivs:
            touch.setdefault(iv.lever, [])
            if k not in touch[iv.lever]:
                touch[iv.lever].append(k)
            if intervention_cost(iv, h) is not None:
                if iv in items:
                    holders[items.index(iv)].add(k)
                else:
                    items.append(iv)
                    holders.append({k})
            start = float(h.start if iv.start is None else iv.start)
            delivery[k] |= (grid >= start - 1e-9) & (grid < start + max(float(iv.ramp_years or 0.0), 1.0) - 1e-9)
        for name in sc.set:
            touch.setdefault(name, [])
            if k not in touch[name]:
                touch[name].append(k)
    hold = np.zeros((len(items), len(progs)), bool)
    for c, ks in enumerate(holders):
        hold[c, sorted(ks)] = True
    return Catalogue(plan=plan, names=tuple(sc.name for sc in progs),
                     titles_en=tuple(runs[sc.name].title_en for sc in progs),
                     titles_id=tuple(runs[sc.name].title_id for sc in progs),
                     focus_areas=tuple(sc.focus_area for sc in progs), tracks=tuple(sc.track for sc in progs),
                     agencies=tuple(getattr(sc, "agency", None) for sc in progs),
                     costs=tuple(intervention_cost(iv, h) for iv in items), holders=hold,
                     touch={k: tuple(v) for k, v in touch.items()}, delivery=delivery)


def all_masks(k: int) -> np.ndarray:
    """Every portfolio of ``k`` programmes, ``(2**k, k)`` bool (row ``i`` holds programme ``j`` when bit ``j`` of
    ``i`` is set; row 0 is the empty portfolio)."""
    if k > MAX_EXHAUSTIVE:
        raise ScenarioError(f"{k} programmes make 2**{k} portfolios, too many to enumerate", field="programmes",
                            allowed=f"at most {MAX_EXHAUSTIVE} for the exhaustive search")
    idx = np.arange(2 ** k, dtype=np.int64)
    return ((idx[:, None] >> np.arange(k)) & 1).astype(bool)


def member_names(cat: Catalogue, mask: np.ndarray) -> tuple[str, ...]:
    """The names of a portfolio's members, in the comparison's order."""
    return tuple(n for n, on in zip(cat.names, mask) if on)


def _value(cat: Catalogue, name: str, members: tuple[int, ...]) -> Any:
    """The lever (or constant) ``name`` with the programmes ``members`` that touch it: a value, or the
    ScenarioError that makes the combination inadmissible (cached)."""
    key = (name, members)
    if key not in cat._cache:
        comp = cat.plan.comparison
        scs = [comp.interventions[i] for i in members]
        label = " + ".join(cat.names[i] for i in members) or "baseline"
        try:
            sets, ivs, _shocks = combine(comp.baseline, scs, label)
            cat._cache[key] = lever_value(cat.plan.model, cat.plan.horizon, sets, ivs, name, label)
        except ScenarioError as exc:
            cat._cache[key] = exc
    return cat._cache[key]


def portfolio_params(cat: Catalogue, masks: np.ndarray) -> tuple[dict[str, Any], np.ndarray, list[str]]:
    """Parameters of many portfolios for one :func:`cityfutures.simulate` call.

    Parameters
    ----------
    cat : Catalogue
    masks : ndarray (P, K) bool

    Returns
    -------
    params : dict
        Name -> ``(P,)`` array or DataArray ``(run, time)``: the baseline's params plus each portfolio's
        levers, composed by the bundle rule.
    ok : ndarray (P,) bool
        False where the members set one constant twice or push a lever out of its range (those rows hold
        the baseline's values and must not be used).
    reasons : list of str
        Per row, why it is inadmissible ("" when it is not).
    """
    masks = np.asarray(masks, bool)
    n = masks.shape[0]
    base = cat.plan.runs[0].params
    params: dict[str, Any] = {}
    ok = np.ones(n, bool)
    reasons = [""] * n
    for name, progs in cat.touch.items():
        sub = masks[:, list(progs)]
        codes = sub @ (1 << np.arange(len(progs), dtype=np.int64))
        uniq, inverse = np.unique(codes, return_inverse=True)
        values = []
        for code in uniq:
            members = tuple(p for j, p in enumerate(progs) if code >> j & 1)
            v = _value(cat, name, members)
            if isinstance(v, ScenarioError):
                rows = np.flatnonzero(codes == code)
                ok[rows] = False
                for r in rows:
                    reasons[r] = reasons[r] or v.problem
                v = _value(cat, name, ())
            values.append(v)
        stacked = stack_series(values)
        params[name] = stacked[inverse] if isinstance(stacked, np.ndarray) else stacked.isel(run=inverse)
    for name, value in base.items():
        if name not in params:
            params[name] = stack_series([value], [n])
    return params, ok, reasons


def at_once(cat: Catalogue, masks: np.ndarray) -> np.ndarray:
    """The most programmes of each portfolio in delivery in the same quarter ``(P,)``."""
    return (np.asarray(masks, bool).astype(np.int32) @ cat.delivery.astype(np.int32)).max(axis=1) \
        if cat.delivery.size else np.zeros(len(masks), int)


def _spend(masks: np.ndarray, holders: np.ndarray, item_cost: np.ndarray, columns=None) -> np.ndarray:
    m = masks if columns is None else masks & columns[None, :]
    return ((m.astype(np.int32) @ holders.T.astype(np.int32)) > 0) @ item_cost


def admissible(cat: Catalogue, masks: np.ndarray, spec, item_cost: np.ndarray, budget: float | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """Which portfolios respect the ``portfolio:`` block, and what each costs.

    Parameters
    ----------
    cat : Catalogue
    masks : ndarray (P, K) bool
    spec : PortfolioSpec or None
    item_cost : ndarray (C,)
        Each cost item's cost in the budget's terms (present value or capex) [IDR billion].
    budget : float, optional
        The total budget [IDR billion] (default: the block's; None: no total).

    Returns
    -------
    ok : ndarray (P,) bool
    cost : ndarray (P,) [IDR billion]
    """
    masks = np.asarray(masks, bool)
    item_cost = np.asarray(item_cost, float)
    cost = _spend(masks, cat.holders, item_cost) if item_cost.size else np.zeros(len(masks))
    ok = np.ones(len(masks), bool)
    total = budget if budget is not None else (None if spec is None else spec.budget_idr_bn)
    if total is not None:
        ok &= cost <= float(total) * (1 + 1e-12)
    if spec is None:
        return ok, cost
    col = {n: i for i, n in enumerate(cat.names)}
    for attr, labels in (("focus_area_budgets", cat.focus_areas), ("agency_budgets", cat.agencies)):
        for key, limit in getattr(spec, attr).items():
            columns = np.array([lab == key for lab in labels])
            ok &= _spend(masks, cat.holders, item_cost, columns) <= limit * (1 + 1e-12)
    for name in spec.must_include:
        ok &= masks[:, col[name]]
    for names in spec.exclusive:
        ok &= masks[:, [col[n] for n in names]].sum(axis=1) <= 1
    for names in spec.groups:
        s = masks[:, [col[n] for n in names]].sum(axis=1)
        ok &= (s == 0) | (s == len(names))
    quick = np.array([t == "quick-win" for t in cat.tracks])
    if spec.quick_wins_only:
        ok &= ~(masks & ~quick[None, :]).any(axis=1)
    if spec.min_quick_wins:
        ok &= (masks & quick[None, :]).sum(axis=1) >= spec.min_quick_wins
    if spec.max_at_once is not None:
        ok &= at_once(cat, masks) <= spec.max_at_once
    return ok, cost


def masks_of(cat: Catalogue, portfolios: Sequence[Sequence[str]]) -> np.ndarray:
    """Portfolios given by their members' names as rows of a mask matrix."""
    col = {n: i for i, n in enumerate(cat.names)}
    out = np.zeros((len(portfolios), cat.k), bool)
    for r, names in enumerate(portfolios):
        out[r, [col[n] for n in names]] = True
    return out
