"""The ``portfolio:`` block of a comparison file: what a portfolio of programmes must respect.

A portfolio is a set of the comparison's programmes (its intervention scenarios; bundles are not
candidates) funded together. The block states the constraints of the search
(:func:`cityfutures.portfolio`), each optional::

    portfolio:
      budget_idr_bn: 40000                # total budget [IDR billion] (--budget/--budgets override it)
      budget_kind: pv                     # pv: present value of capex and opex (default) | capex
      focus_area_budgets: {drainage: 20000}             # per focus area (the programmes' focus_area)
      agency_budgets: {dinas-sda: 15000}                # per agency (the programmes' agency: id)
      must_include: [early-warning]
      exclusive: [[waste-banks, itf-sunter]]            # at most one of each list
      groups: [[reservoirs, river-normalisation]]       # programmes that go together: all or none
      quick_wins_only: false
      min_quick_wins: 2                   # at least this many quick wins
      max_at_once: 6                      # programmes in delivery at the same time (capacity)

Its shape is checked with the rest of the file (:class:`cityfutures.scenario.schema.RawPortfolio`);
:func:`parse_portfolio` checks the names and numbers against the comparison's programmes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping, Sequence

from ..names import did_you_mean
from ..yamlio import YamlDocument
from .schema import check_names, doc_fail, listing

__all__ = ["PortfolioSpec", "parse_portfolio", "BUDGET_KINDS"]

BUDGET_KINDS = ("pv", "capex")


@dataclass(frozen=True)
class PortfolioSpec:
    """The validated ``portfolio:`` block (see the module docstring); names are programme names."""

    budget_idr_bn: float | None = None
    budget_kind: str = "pv"
    focus_area_budgets: Mapping[str, float] = field(default_factory=dict)
    agency_budgets: Mapping[str, float] = field(default_factory=dict)
    must_include: tuple[str, ...] = ()
    exclusive: tuple[tuple[str, ...], ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    quick_wins_only: bool = False
    min_quick_wins: int = 0
    max_at_once: int | None = None

    def record(self) -> dict:
        """Plain data (for hashes and provenance)."""
        out = asdict(self)
        out["focus_area_budgets"] = dict(self.focus_area_budgets)
        out["agency_budgets"] = dict(self.agency_budgets)
        return out


def _names(doc: YamlDocument, at: tuple, names: Sequence[str], programmes: Sequence[str]) -> tuple[str, ...]:
    return check_names(doc, at, names, programmes, "programme")


def _budget(doc: YamlDocument, at: tuple, value: float) -> float:
    if not value > 0:
        doc_fail(doc, at, f"must be positive, got {value:g}", "a budget in IDR billion, e.g. 40000")
    return float(value)


def parse_portfolio(doc: YamlDocument, raw: Mapping, scenarios: Sequence) -> PortfolioSpec:
    """Check a comparison's ``portfolio:`` block (already of the right shape) against its programmes.

    Parameters
    ----------
    doc : YamlDocument
        The comparison file (for ``path:line`` in messages).
    raw : mapping
        The block as read.
    scenarios : sequence of Scenario
        The comparison's intervention scenarios (the candidates).

    Raises
    ------
    ScenarioError
        An unknown programme, focus area or agency, a budget that is not positive, a group and an
        exclusion that contradict each other, a count out of range.
    """
    at = ("portfolio",)
    programmes = [s.name for s in scenarios]
    kind = raw.get("budget_kind") or "pv"
    if kind not in BUDGET_KINDS:
        doc_fail(doc, at + ("budget_kind",), f"unknown budget kind '{kind}'", ", ".join(BUDGET_KINDS))
    budget = raw.get("budget_idr_bn")
    if budget is not None:
        budget = _budget(doc, at + ("budget_idr_bn",), budget)
    areas = {s.focus_area for s in scenarios if s.focus_area}
    fa_budgets = {}
    for fa, value in (raw.get("focus_area_budgets") or {}).items():
        if fa not in areas:
            hint = did_you_mean(fa, sorted(areas))
            doc_fail(doc, at + ("focus_area_budgets", fa), f"no programme has focus area '{fa}'"
                     + (f"; {hint}" if hint else ""), listing(sorted(areas)))
        fa_budgets[fa] = _budget(doc, at + ("focus_area_budgets", fa), value)
    agencies = {s.agency for s in scenarios if getattr(s, "agency", None)}
    ag_budgets = {}
    for ag, value in (raw.get("agency_budgets") or {}).items():
        if ag not in agencies:
            hint = did_you_mean(ag, sorted(agencies))
            doc_fail(doc, at + ("agency_budgets", ag), f"no programme names agency '{ag}'"
                     + (f"; {hint}" if hint else ""),
                     listing(sorted(agencies)) if agencies else "an agency: id given in the programmes' files")
        ag_budgets[ag] = _budget(doc, at + ("agency_budgets", ag), value)
    must = _names(doc, at + ("must_include",), raw.get("must_include") or [], programmes)
    lists = {}
    for key in ("exclusive", "groups"):
        out = []
        for i, names in enumerate(raw.get(key) or []):
            if len(names) < 2:
                doc_fail(doc, at + (key, i), f"lists {len(names)} programme(s)", "two or more programmes")
            out.append(_names(doc, at + (key, i), names, programmes))
        lists[key] = tuple(out)
    for i, ex in enumerate(lists["exclusive"]):
        if sum(n in must for n in ex) > 1:
            doc_fail(doc, at + ("exclusive", i), "must_include names two programmes of which at most one may be "
                     "chosen")
        for group in lists["groups"]:
            both = [n for n in ex if n in group]
            if len(both) > 1:
                doc_fail(doc, at + ("exclusive", i), f"'{both[0]}' and '{both[1]}' go together (groups) and "
                         "exclude each other (exclusive)")
    quick = raw.get("quick_wins_only") or False
    n_quick = sum(s.track == "quick-win" for s in scenarios)
    min_quick = raw.get("min_quick_wins") or 0
    if not 0 <= min_quick <= n_quick:
        doc_fail(doc, at + ("min_quick_wins",), f"{min_quick} is not possible with {n_quick} quick wins",
                 f"0 to {n_quick}")
    if quick:
        slow = [n for n in must if next(s for s in scenarios if s.name == n).track != "quick-win"]
        if slow:
            doc_fail(doc, at + ("must_include",), f"'{slow[0]}' is not a quick win but quick_wins_only is true")
    cap = raw.get("max_at_once")
    if cap is not None and cap < 1:
        doc_fail(doc, at + ("max_at_once",), f"must be 1 or more, got {cap}", "a number of programmes")
    return PortfolioSpec(budget_idr_bn=budget, budget_kind=kind, focus_area_budgets=fa_budgets,
                         agency_budgets=ag_budgets, must_include=must, exclusive=lists["exclusive"],
                         groups=lists["groups"], quick_wins_only=bool(quick), min_quick_wins=int(min_quick),
                         max_at_once=cap)
