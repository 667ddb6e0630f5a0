"""The dashboard's core, free of any web framework: a room's choice in, what the page shows out.

A :class:`DashboardState` is what the room has chosen: lever values, programmes and
bundles of a comparison switched on, shocks switched on, and the page's language. A
:class:`Dashboard` (one per scenario folder) turns a state into a view::

    state -> scenario dict -> load_scenario (validated like a file) -> build_plan -> runner
          -> indicator values against the cached baseline run -> scorecard rows, weighted score + cost
          -> plan_ensemble (200 futures of the baseline's uncertain: block) -> runner -> p5-p95 band

so the page holds no logic of its own, and a bad value from the page is rejected with the
same :class:`~cityfutures.errors.ScenarioError` a bad file gets. :meth:`Dashboard.save`
writes a state as a scenario file that ``cityfutures run`` runs unchanged, and
:meth:`Dashboard.export_comparison` writes the session's saved scenarios as a comparison
file for ``cityfutures compare``.

Composition
-----------
Sliders set levers for the whole run (the scenario's ``set:``), starting from the
baseline's value; programmes and bundles add their interventions on top, composed with
the baseline exactly as a bundle of a comparison is (:mod:`cityfutures.plan`: a multiset
union, conflicting ``set`` values are an error). Shock switches add the shocks of the
shock scenarios found in the folder (scenarios with shocks and no interventions).

The score is the comparison's (:mod:`cityfutures.analysis.score`: each change over its scale, weighted)
with the room's focus-area weights (``DashboardState.weights``). Each slider shows its lever's value at
the end of the horizon, programmes included (``View.levers_end``); moving it sets the lever's base so
that the end value is the slider's (:meth:`Dashboard.lever_base`). :meth:`Dashboard.why` finds the
pathways behind the configuration's effects (about a second; cached).

Files are read and written through :class:`~cityfutures.dashboard.files.SessionFiles`.
"""
from __future__ import annotations

import datetime
import math
import os
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Hashable, Mapping

import numpy as np

from ..analysis import metrics
from ..analysis.compare import comparison_table
from ..analysis.pathways import explain
from ..analysis.score import improvement_units, indicator_weights, weighted_sum
from ..api import portfolio, run_plan
from ..engine.runner import collect
from ..errors import InputError, RunError, ScenarioError
from ..model import Label, Model, resolve_model_path
from ..plan import build_plan, combine, plan_ensemble
from ..report.i18n import LANGUAGES
from ..scenario import Comparison, Scenario, against_baseline, load_comparison, load_scenario
from ..scenario.schema import listing
from ..scenario.series import compose
from ..yamlio import not_text, read_yaml
from .files import SESSIONS, SessionFiles
from .state import (
    WHERE,
    Band,
    CostItem,
    CostSummary,
    DashboardState,
    IndicatorRow,
    LeverControl,
    SwitchControl,
    View,
    clean_number,
    nice_step,
    verdict,
)
from .strings import t

__all__ = ["Dashboard", "open_dashboard", "SESSIONS"]

_CACHE_SIZE = 128
BAND_FUTURES = 200
"""Sampled futures behind the dashboard's band (the baseline's ``uncertain:`` block, the same futures
for every state: paired)."""
BAND_QUANTILES = (5.0, 95.0)


@dataclass(frozen=True)
class _Run:
    time: np.ndarray
    values: Mapping[str, np.ndarray]
    capex: float
    opex: float
    total: float


def _intervention_dict(iv) -> dict:
    out: dict[str, Any] = {"lever": iv.lever, iv.mode: clean_number(float(iv.value)),
                           "start": clean_number(float(iv.start)),
                           "ramp_years": clean_number(float(iv.ramp_years))}
    cost = {k: float(v) for k, v in asdict(iv.cost).items() if v}
    if cost:
        out["cost"] = cost
    if iv.source:
        out["source"] = iv.source
    return out


def _dedupe(names) -> list[str]:
    return list(dict.fromkeys(names))


BUDGET_STEPS = 12
"""Budgets of the dashboard's budget curve, evenly spaced on a log scale."""


class Dashboard:
    """The core of the dashboard for one scenario folder.

    Parameters
    ----------
    folder : path
        The scenario folder: it holds the comparison (and the scenarios it names, and
        shock scenarios); saved scenarios go to ``folder/sessions/``.
    comparison : str or path, optional
        The comparison file, relative to ``folder`` (default: the only comparison file
        of the folder outside ``sessions/``).

    Raises
    ------
    ScenarioError
        No (or more than one) comparison, a file outside the folder, or a bad file.

    Examples
    --------
    >>> d = Dashboard("scenarios")                                           # doctest: +SKIP
    >>> v = d.update(d.initial_state().with_switch("programme", "mrt-phase-2", True))   # doctest: +SKIP
    >>> v.row(indicator).improvement_pct                                    # doctest: +SKIP
    """

    def __init__(self, folder: str | os.PathLike, comparison: str | os.PathLike | None = None):
        self.files = SessionFiles(folder)
        self.root, self.sessions_dir = self.files.root, self.files.sessions_dir
        files = self.files.yaml_files()
        self.comparison: Comparison = self.files.comparison(files, comparison)
        comp = self.comparison
        self.baseline: Scenario = comp.baseline
        self.model: Model = comp.model
        self.indicators: tuple[str, ...] = tuple(comp.indicators)
        self._programmes: dict[str, Scenario] = {s.name: s for s in comp.interventions}
        self._shocks: dict[str, Scenario] = self.files.shock_scenarios(files, comp)
        self.skipped: list[str] = self.files.skipped
        self.saved: list[str] = []          # scenario names saved in this session, in order
        self._cache: OrderedDict[str, _Run] = OrderedDict()
        self.controls_levers = self._lever_controls()
        self.controls_switches = self._switch_controls()
        self._base_run = self._simulate(self.baseline)
        self._base_cost = self._base_run.capex, self._base_run.opex, self._base_run.total
        self._bands: OrderedDict[str, Band | None] = OrderedDict()
        self._base_band = self.band(self.baseline)
        self.focus_of = {n: self.model.indicators[n].focus_area for n in self.indicators}
        self._why: OrderedDict[str, Any] = OrderedDict()
        self._portfolios = None             # the budget curve (cf.portfolio), computed once
        self._portfolio_lock = threading.Lock()

    # ------------------------------------------------------------------ the budget slider
    def budget_range(self) -> tuple[float, float]:
        """The budget slider's ends [IDR billion]: the cheapest programme's cost, and all programmes' cost
        (undiscounted totals, so that every present value fits)."""
        totals = [c.total_cost_idr_bn for c in self.switches("programme") if c.total_cost_idr_bn > 0]
        return (min(totals), float(sum(totals))) if totals else (0.0, 0.0)

    def budget_curve(self):
        """The best portfolio of the comparison's programmes at :data:`BUDGET_STEPS` budgets from
        :meth:`budget_range` (:func:`cityfutures.portfolio`; computed once, the first time it is asked for, and
        cached; safe to call from the background thread the page starts when its budget card is opened)."""
        with self._portfolio_lock:
            if self._portfolios is None:
                lo, hi = self.budget_range()
                if hi <= 0:
                    raise ScenarioError("no programme of this comparison has a cost, so there is no budget to "
                                        "spend", path=WHERE, field="budget")
                budgets = sorted({float(f"{b:.2g}") for b in np.geomspace(lo, hi, BUDGET_STEPS)} | {hi})
                self._portfolios = portfolio(self.comparison, budgets=budgets)
            return self._portfolios

    def budget_state(self, state: DashboardState, budget: float) -> DashboardState:
        """``state`` with the best portfolio within ``budget`` [IDR billion] switched on (the budget curve's step at
        or below it) and every other programme and bundle off; levers, shocks and weights stay."""
        curve = self.budget_curve().curve
        fits = curve[(curve["budget_idr_bn"] <= float(budget) * (1 + 1e-12)) & (curve["members"] != "")]
        members = tuple(fits["members"].iloc[-1].split("+")) if len(fits) else ()
        return replace(state, programmes=members, bundles=())

    def _lever_controls(self) -> tuple[LeverControl, ...]:
        out = []
        for name, lever in self.model.levers.items():
            start = float(self.baseline.set.get(name, lever.baseline))
            out.append(LeverControl(name=name, label=lever.label, units=lever.units, minimum=lever.minimum,
                                    maximum=lever.maximum, start=start,
                                    step=nice_step(lever.minimum, lever.maximum, start), focus_area=lever.focus_area))
        return tuple(out)

    def _switch_controls(self) -> tuple[SwitchControl, ...]:
        plan = build_plan(self.comparison)
        runs = {r.name: r for r in plan.runs}
        out = []
        for sc in self.comparison.interventions:
            out.append(SwitchControl(name=sc.name, kind="programme", title=sc.title, focus_area=sc.focus_area,
                                     total_cost_idr_bn=runs[sc.name].total_cost_idr_bn))
        for bname, members in self.comparison.bundles.items():
            r = runs[bname]
            out.append(SwitchControl(name=bname, kind="bundle", title=Label(en=r.title_en, id=r.title_id),
                                     focus_area=r.focus_area, members=tuple(members),
                                     total_cost_idr_bn=r.total_cost_idr_bn))
        for sc in self._shocks.values():
            out.append(SwitchControl(name=sc.name, kind="shock", title=sc.title))
        return tuple(out)

    # ------------------------------------------------------------------ state -> scenario
    def initial_state(self, lang: str = "en") -> DashboardState:
        """The baseline: no lever moved, nothing switched on."""
        return DashboardState(lang=lang)

    def lever(self, name: str) -> LeverControl:
        for c in self.controls_levers:
            if c.name == name:
                return c
        raise ScenarioError(f"unknown lever '{name}'", path=WHERE, field="levers",
                            allowed=listing((c.name for c in self.controls_levers), 40))

    def switches(self, kind: str) -> tuple[SwitchControl, ...]:
        return tuple(c for c in self.controls_switches if c.kind == kind)

    def _check_state(self, state: DashboardState) -> None:
        if not isinstance(state, DashboardState):
            raise ScenarioError(f"expected a DashboardState, got {type(state).__name__}", path=WHERE)
        if state.lang not in LANGUAGES:
            raise ScenarioError(f"unknown language {state.lang!r}", path=WHERE, field="lang",
                                allowed=", ".join(LANGUAGES))
        for name in state.levers:
            self.lever(name)
        for fa, w in state.weights.items():
            if fa not in self.focus_of.values():
                raise ScenarioError(f"focus area '{fa}' has no indicator on this page", path=WHERE,
                                    field="weights", allowed=listing(dict.fromkeys(self.focus_of.values())))
            if isinstance(w, bool) or not isinstance(w, (int, float)) or not (math.isfinite(w) and w >= 0):
                raise ScenarioError(f"weight of '{fa}' must be a number of 0 or more, got {w!r}", path=WHERE,
                                    field=f"weights.{fa}", allowed="0 or more (relative weights)")
        for kind, names in (("programme", state.programmes), ("bundle", state.bundles),
                            ("shock", state.shocks)):
            known = [c.name for c in self.switches(kind)]
            for n in names:
                if n not in known:
                    raise ScenarioError(f"unknown {kind} '{n}'", path=WHERE, field=kind + "s",
                                        allowed=listing(known) if known else "(none in this folder)")

    def _members(self, state: DashboardState) -> list[Scenario]:
        names = list(state.programmes)
        for b in state.bundles:
            names += list(self.comparison.bundles[b])
        members = [self._programmes[n] for n in _dedupe(names)]
        return members + [self._shocks[n] for n in _dedupe(state.shocks)]

    def _model_ref(self) -> str:
        try:
            if resolve_model_path(self.model.name, relative_to=self.sessions_dir) == self.model.path.resolve():
                return self.model.name
        except InputError:   # not found by name from the sessions folder: a relative path instead
            pass
        return os.path.relpath(self.model.path, self.sessions_dir)

    def scenario_dict(self, state: DashboardState, *, name: str = "dashboard",
                      title: Mapping[str, str] | None = None, description: str | None = None) -> dict:
        """The scenario file (as a dict) of ``state``: self-contained, no ``extends``.

        Raises
        ------
        ScenarioError
            An unknown lever, switch or language, or programmes that set one lever to two values.
        """
        self._check_state(state)
        sets, interventions, shocks = combine(self.baseline, self._members(state), name, WHERE)
        values: dict[str, Any] = {k: clean_number(v) for k, v in sets.items()}
        for lever, value in state.levers.items():
            values[lever] = clean_number(value)
        if title is None:
            title = {lang: t("scenario.default_title", lang, name=name) for lang in LANGUAGES}
        members = self._members(state)
        areas = {m.focus_area for m in members if m.name in self._programmes}
        d: dict[str, Any] = {"name": name, "title": dict(title), "model": self._model_ref(),
                             "horizon": asdict(self.baseline.horizon)}
        if len(areas) == 1 and None not in areas:
            d["focus_area"] = areas.pop()
        if self.baseline.seed is not None:
            d["seed"] = self.baseline.seed
        if description:
            d["description"] = description
        if values:
            d["set"] = values
        if interventions:
            d["interventions"] = [_intervention_dict(iv) for iv in interventions]
        if shocks:
            d["shocks"] = [{"kind": s.kind, "year": float(s.year), "magnitude": float(s.magnitude)} for s in shocks]
        return d

    def scenario(self, state: DashboardState, **kw) -> Scenario:
        """The validated scenario of ``state`` (the checks of a scenario file)."""
        return load_scenario(self.scenario_dict(state, **kw), model=self.model, base_dir=self.sessions_dir)

    # ------------------------------------------------------------------ running
    def _simulate(self, sc: Scenario) -> _Run:
        """The indicators of one scenario, through the runner every plan goes through (cached by scenario hash).

        Raises
        ------
        RunError
            The run failed (its failure record's message).
        """
        hit = self._cache.get(sc.sha256)
        if hit is not None:
            self._cache.move_to_end(sc.sha256)
            return hit
        plan = build_plan(sc)
        values, failures = collect(plan, variables=self.indicators)
        if failures:
            raise RunError(f"the model run failed for this configuration ({failures[0].error})")
        row = values.isel(scenario=0, sample=0)
        r = plan.runs[0]
        run = _Run(time=np.asarray(values["time"].values),
                   values={n: np.asarray(row[n].values) for n in self.indicators},
                   capex=r.capex_idr_bn, opex=r.opex_idr_bn_per_year, total=r.total_cost_idr_bn)
        self._cache[sc.sha256] = run
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return run

    def band(self, sc: Scenario) -> Band | None:
        """The p5-p95 band of a scenario's indicators over ``BAND_FUTURES`` futures of the baseline's
        ``uncertain:`` block, through the ensemble's own plan and sampling (:func:`plan_ensemble`, the
        baseline's seed: every state meets the same futures); None without such a block, or when the
        state cannot meet them (a lever that is also uncertain). Cached by scenario hash."""
        spec = self.baseline.uncertain
        if not spec:
            return None
        if sc.sha256 in self._bands:
            self._bands.move_to_end(sc.sha256)
            return self._bands[sc.sha256]
        try:
            plan = plan_ensemble(build_plan(sc), spec, samples=BAND_FUTURES, seed=self.baseline.seed or 0,
                                 indicators=self.indicators)
        except ScenarioError:
            band = None
        else:
            values, failures = collect(plan, variables=self.indicators)
            row = values.isel(scenario=0)
            lo, hi = {}, {}
            for name in self.indicators:
                arr = np.asarray(row[name].transpose("sample", "time").values, dtype=float)
                if np.isfinite(arr).any(axis=0).all():
                    lo[name], hi[name] = np.nanpercentile(arr, BAND_QUANTILES, axis=0)
                else:
                    lo[name] = hi[name] = np.full(arr.shape[1], np.nan)
            band = Band(np.asarray(values["time"].values, dtype=float), lo, hi, BAND_FUTURES, len(failures))
        self._bands[sc.sha256] = band
        while len(self._bands) > _CACHE_SIZE:
            self._bands.popitem(last=False)
        return band

    def update(self, state: DashboardState) -> View:
        """Validate ``state``, run the model and compare with the baseline; the band over the futures.

        Raises
        ------
        ScenarioError
            A bad value, as a scenario file with that value would get.
        RunError
            The run failed.
        """
        t0 = time.perf_counter()
        sc = self.scenario(state)
        cached = sc.sha256 in self._cache
        run = self._simulate(sc)
        base = self._base_run
        rows = []
        ends = np.array([run.values[n][-1] for n in self.indicators], dtype=float)
        base_ends = np.array([base.values[n][-1] for n in self.indicators], dtype=float)
        pcts = np.asarray(metrics.percent_change(ends, base_ends), dtype=float)   # one call, not one per row
        for name, v, b, pct in zip(self.indicators, ends.tolist(), base_ends.tolist(), pcts.tolist()):
            ind = self.model.indicators[name]
            imp = float(metrics.improvement(pct, ind.better))
            rows.append(IndicatorRow(name=name, focus_area=ind.focus_area, better=ind.better, units=ind.units,
                                     baseline_end=b, value_end=v, delta_end=v - b, delta_pct=pct,
                                     improvement_pct=imp, verdict=verdict(imp, v - b)))
        weights = self.weights(state)
        scales = [self.model.indicators[n].scale or math.nan for n in self.indicators]
        units = improvement_units(ends - base_ends, [r.better for r in rows], scales)
        w = [weights[n] for n in self.indicators]
        rows = [replace(r, units_of_improvement=float(u), weight=float(wi), term=float(u * wi) if wi > 0 else 0.0)
                for r, u, wi in zip(rows, units, w)]
        score = float(weighted_sum(units, w))
        cost = self._cost(state, run)
        band = self.band(sc)
        return View(state=state, scenario=sc, time=run.time, values=run.values, baseline=base.values,
                    rows=tuple(rows), cost=cost, seconds=time.perf_counter() - t0, cached=cached, score=score,
                    levers_end=self._levers_end(sc), band=band, baseline_band=self._base_band)

    def weights(self, state: DashboardState) -> dict[str, float]:
        """Each indicator's weight in the score: the comparison's, with the room's focus-area weights."""
        given = self.comparison.weights or {}
        fa = {**dict(given.get("focus_areas") or {}), **{k: float(v) for k, v in state.weights.items()}}
        try:
            return indicator_weights(self.focus_of, {"focus_areas": fa, "indicators": given.get("indicators") or {}})
        except InputError as exc:
            raise ScenarioError(exc.problem, path=WHERE, field="weights", allowed=exc.allowed) from None

    def focus_weight(self, state: DashboardState, focus_area: str) -> float:
        """The relative weight of a focus area the page shows (the room's, else the comparison's, else 1)."""
        if focus_area in state.weights:
            return float(state.weights[focus_area])
        return float(((self.comparison.weights or {}).get("focus_areas") or {}).get(focus_area, 1.0))

    def _levers_end(self, sc: Scenario) -> dict[str, float]:
        h = self.baseline.horizon
        out = {}
        for c in self.controls_levers:
            ivs = [iv for iv in sc.interventions if iv.lever == c.name]
            base = float(sc.set.get(c.name, self.model.levers[c.name].baseline))
            out[c.name] = float(compose(base, ivs, np.array([h.end]), h.start)[-1]) if ivs else base
        return out

    def lever_base(self, state: DashboardState, name: str, shown: float) -> float:
        """The value to set lever ``name`` to so that, with the switched-on programmes, it reads ``shown`` at
        the end of the horizon (what its slider shows). Composition is affine in the base, so this is exact.

        Raises
        ------
        ScenarioError
            A switched-on programme sets the lever outright: the slider cannot move it.
        """
        self.lever(name)
        sc = self.scenario(state)
        ivs = [iv for iv in sc.interventions if iv.lever == name]
        if not ivs:
            return float(shown)
        h = self.baseline.horizon
        at = lambda b: float(compose(b, ivs, np.array([h.end]), h.start)[-1])
        slope, offset = at(1.0) - at(0.0), at(0.0)
        if abs(slope) < 1e-12:
            raise ScenarioError(f"a switched-on programme sets '{name}' to {offset:g}: switch it off to move the "
                                "slider", path=WHERE, field=f"levers.{name}", allowed="switch the programme off")
        return float((float(shown) - offset) / slope)

    def why(self, state: DashboardState):
        """The pathways behind the configuration's effects (:func:`cityfutures.analysis.pathways.explain`):
        its scenario against the folder's baseline; about a second, cached per configuration."""
        sc = self.scenario(state)
        hit = self._why.get(sc.sha256)
        if hit is not None:
            return hit
        comp = against_baseline(sc, self.baseline)
        plan = replace(build_plan(comp), indicators=self.indicators)    # the page's indicators
        ds = run_plan(plan)
        found = explain(plan, comparison_table(ds))
        self._why[sc.sha256] = found
        while len(self._why) > 16:
            self._why.popitem(last=False)
        return found

    def _cost(self, state: DashboardState, run: _Run) -> CostSummary:
        by_name = {(c.kind, c.name): c for c in self.controls_switches}
        items = []
        plan_runs = None
        for kind, names in (("programme", state.programmes), ("bundle", state.bundles)):
            for n in names:
                c = by_name[(kind, n)]
                if plan_runs is None:
                    plan_runs = self._comparison_costs()
                capex, opex, total = plan_runs[n]
                items.append(CostItem(name=n, kind=kind, title=c.title, capex_idr_bn=capex,
                                      opex_idr_bn_per_year=opex, total_cost_idr_bn=total))
        bc, bo, bt = self._base_cost
        return CostSummary(capex_idr_bn=run.capex - bc, opex_idr_bn_per_year=run.opex - bo,
                           total_cost_idr_bn=run.total - bt, items=tuple(items))

    def _comparison_costs(self) -> dict[str, tuple[float, float, float]]:
        if not hasattr(self, "_costs_by_run"):
            self._costs_by_run = {r.name: (r.capex_idr_bn, r.opex_idr_bn_per_year, r.total_cost_idr_bn)
                                  for r in build_plan(self.comparison).runs}
        return self._costs_by_run

    def save(self, state: DashboardState, name: str, *, title_en: str | None = None,
             title_id: str | None = None, owner: Hashable = None) -> Path:
        """Save ``state`` as ``sessions/<name>.yaml``, a scenario file ``cityfutures run`` runs unchanged.

        Parameters
        ----------
        name : str
            A slug; not a name of the folder's scenarios, not a file another tab or session wrote.
        title_en, title_id : str, optional
            The scenario's title (default: "Workshop configuration <name>").
        owner : hashable, optional
            Who saves (the page's tab): a name saved by one owner is refused to every other.

        Returns
        -------
        Path

        Raises
        ------
        ScenarioError
            A bad name, title or state, or a name another tab holds; nothing is written.
        """
        title = {lang: t("scenario.default_title", lang, name=name) for lang in LANGUAGES}
        for lang, given in (("en", title_en), ("id", title_id)):
            if given is not None and not isinstance(given, str):
                raise ScenarioError(f"must be text, got {type(given).__name__}", path=WHERE, field=f"title.{lang}")
            if given and given.strip():
                bad = not_text(given)
                if bad:
                    raise ScenarioError(bad, path=WHERE, field=f"title.{lang}", allowed="printable text")
                title[lang] = " ".join(given.split())
        self.files.target(name, "scenario", self._taken(), owner)      # a bad name: before any work
        data = self.scenario_dict(state, name=name, title=title, description=self._description(state))
        self.scenario(state, name=name, title=title)      # reject before touching the disk

        def check(tmp: Path, data: dict) -> None:
            load_scenario(data, model=self.model, base_dir=self.sessions_dir)
            loaded = read_yaml(tmp, error=ScenarioError, what="scenario file").data
            if loaded != data:
                raise ScenarioError("the written file does not read back as written", path=str(tmp))

        target = self.files.save(name, "scenario", self._taken(), owner, data, check)
        load_scenario(target, confine=self.root)           # and it runs from the CLI as it is
        if name not in self.saved:
            self.saved.append(name)
        return target

    def _description(self, state: DashboardState) -> str:
        lang = state.lang
        none = t("scenario.none", lang)
        titles = {(c.kind, c.name): c.title(lang) for c in self.controls_switches}
        progs = [titles[("programme", n)] for n in state.programmes] + \
                [titles[("bundle", n)] for n in state.bundles]
        shocks = [titles[("shock", n)] for n in state.shocks]
        levers = [f"{self.lever(n).label(lang)} = {clean_number(v)} [{self.lever(n).units}]"
                  for n, v in state.levers.items()]
        return t("scenario.description", lang, date=datetime.date.today().isoformat(),
                 programmes="; ".join(progs) or none, shocks="; ".join(shocks) or none,
                 levers="; ".join(levers) or none)

    def export_comparison(self, name: str, *, title_en: str | None = None, title_id: str | None = None,
                          owner: Hashable = None) -> Path:
        """Write the scenarios saved in this session as ``sessions/<name>.yaml``, a comparison file
        against the folder's baseline (``cityfutures compare`` runs it unchanged).

        Raises
        ------
        ScenarioError
            Nothing saved yet, a bad name, or a name used by a saved scenario or another tab.
        """
        if not self.saved:
            raise ScenarioError("nothing saved in this session yet: save a configuration first",
                                path=WHERE, field="interventions")
        if name in self.saved:
            raise ScenarioError(f"'{name}' is the name of a scenario saved in this session", path=WHERE,
                                field="name", allowed="a name of its own")
        title = {"en": title_en or t("comparison.default_title", "en", name=name),
                 "id": title_id or t("comparison.default_title", "id", name=name)}
        data = {"name": name, "title": title,
                "description": f"Scenarios saved from the cityfutures dashboard on "
                               f"{datetime.date.today().isoformat()}.",
                "baseline": Path(os.path.relpath(self.baseline.path, self.sessions_dir)).as_posix(),
                "interventions": [f"{n}.yaml" for n in self.saved],
                "indicators": list(self.indicators)}
        self.files.target(name, "comparison", self._taken(), owner)
        load_comparison(data, base_dir=self.sessions_dir, confine=self.root)

        def check(tmp: Path, data: dict) -> None:
            if read_yaml(tmp, error=ScenarioError, what="comparison file").data != data:
                raise ScenarioError("the written file does not read back as written", path=str(tmp))

        target = self.files.save(name, "comparison", self._taken(), owner, data, check)
        load_comparison(target, confine=self.root)
        return target

    def _taken(self) -> set[str]:
        """Names a session file may not take: the folder's scenarios and bundles."""
        return {self.baseline.name, *self._programmes, *self.comparison.bundles, *self._shocks}


def open_dashboard(folder: str | os.PathLike, comparison: str | os.PathLike | None = None) -> Dashboard:
    """A :class:`Dashboard` for ``folder`` (loads the comparison and runs the baseline once)."""
    return Dashboard(folder, comparison)
