"""The dashboard's core, free of any web framework.

A :class:`DashboardState` is what the room has chosen: lever values, programmes and
bundles of a comparison switched on, shocks switched on, and the page's language. A
:class:`Dashboard` (one per scenario folder) turns a state into a view::

    state -> scenario dict -> load_scenario (validated like a file) -> build_plan -> simulate(batch)
          -> indicator values against the cached baseline run -> scorecard rows + cost

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

Files
-----
The dashboard reads only files inside its scenario folder (the comparison, the scenarios
it names, shock scenarios) and writes only into ``<folder>/sessions/``: names are slugs,
paths are resolved and must stay inside the folder, symbolic links are refused, and a file
not written in this session is never overwritten. Writes go to a temporary file that is
validated and then renamed into place.
"""
from __future__ import annotations

import datetime
import math
import os
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from ..analysis import metrics
from ..errors import InputError, RunError, ScenarioError
from ..report.i18n import LANGUAGES
from ..model.load import Label, Model, resolve_model_path
from ..plan.plan import _compose, build_plan  # _compose: the bundle rule, so the page composes as a comparison does
from ..results.dataset import atomic_write
from ..scenario.load import Comparison, FrozenDict, Scenario, is_comparison, load_comparison, load_scenario
from ..scenario.schema import SLUG, SLUG_RULE, listing
from ..engine.simulate import simulate
from ..yamlio import read_yaml
from .strings import t

__all__ = ["DashboardState", "Dashboard", "LeverControl", "SwitchControl", "IndicatorRow", "CostItem",
           "CostSummary", "View", "SESSIONS", "open_dashboard"]

SESSIONS = "sessions"          # the sub-folder of the scenario folder that the dashboard writes into
_WHERE = "<dashboard>"         # the "path" of values that come from the page
_CACHE_SIZE = 128


# ----------------------------------------------------------------------------- records
@dataclass(frozen=True)
class LeverControl:
    """A slider: a lever of the model with its range, unit and starting (baseline) value."""

    name: str
    label: Label
    units: str
    minimum: float
    maximum: float
    start: float
    step: float
    focus_area: str


@dataclass(frozen=True)
class SwitchControl:
    """A switch: a programme or bundle of the comparison, or a shock scenario.

    ``total_cost_idr_bn`` is the programme's (bundle's) cost beyond the baseline over the
    horizon [IDR billion]; 0 for shocks.
    """

    name: str
    kind: str                      # programme | bundle | shock
    title: Label
    focus_area: str | None = None
    members: tuple[str, ...] = ()
    total_cost_idr_bn: float = 0.0


@dataclass(frozen=True)
class DashboardState:
    """What the room has chosen. Immutable: every change makes a new state.

    Attributes
    ----------
    levers : mapping of lever name -> value
        Levers moved away from the baseline [lever units]; a lever not listed keeps its
        baseline value.
    programmes, bundles, shocks : tuple of str
        Names of the switched-on programmes and bundles (of the comparison) and shock
        scenarios, in the order they were switched on.
    lang : {"en", "id"}
    """

    levers: Mapping[str, Any] = field(default_factory=FrozenDict)
    programmes: tuple[str, ...] = ()
    bundles: tuple[str, ...] = ()
    shocks: tuple[str, ...] = ()
    lang: str = "en"

    def with_lever(self, name: str, value: Any, start: float | None = None) -> "DashboardState":
        """This state with lever ``name`` at ``value`` (dropped when it equals ``start``)."""
        levers = dict(self.levers)
        if start is not None and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and math.isclose(float(value), float(start), rel_tol=1e-12, abs_tol=1e-12):
            levers.pop(name, None)
        else:
            levers[name] = value
        return replace(self, levers=FrozenDict(levers))

    def with_switch(self, kind: str, name: str, on: bool) -> "DashboardState":
        """This state with switch ``name`` of ``kind`` (programme | bundle | shock) on or off."""
        attr = {"programme": "programmes", "bundle": "bundles", "shock": "shocks"}.get(kind)
        if attr is None:
            raise ScenarioError(f"unknown kind of switch '{kind}'", path=_WHERE, field="switch",
                                allowed="programme, bundle, shock")
        names = tuple(n for n in getattr(self, attr) if n != name)
        return replace(self, **{attr: names + ((name,) if on else ())})

    def with_lang(self, lang: str) -> "DashboardState":
        return replace(self, lang=lang)


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator at the end of the horizon against the baseline (a scorecard row).

    ``delta_pct`` is the change in percent of the baseline; ``improvement_pct`` the same,
    signed so that > 0 is better; ``verdict`` is better | worse | same | unknown.
    """

    name: str
    focus_area: str
    better: str
    units: str
    baseline_end: float
    value_end: float
    delta_end: float
    delta_pct: float
    improvement_pct: float
    verdict: str


@dataclass(frozen=True)
class CostItem:
    """Cost of one switched-on programme or bundle beyond the baseline [IDR billion]."""

    name: str
    kind: str
    title: Label
    capex_idr_bn: float
    opex_idr_bn_per_year: float
    total_cost_idr_bn: float


@dataclass(frozen=True)
class CostSummary:
    """Cost of the current set of programmes (each intervention counted once) [IDR billion]."""

    capex_idr_bn: float
    opex_idr_bn_per_year: float
    total_cost_idr_bn: float
    items: tuple[CostItem, ...]


@dataclass(frozen=True)
class View:
    """Everything the page shows for one state.

    Attributes
    ----------
    state : DashboardState
    scenario : Scenario
        The validated scenario of the state.
    time : ndarray
        Saved times [Year].
    values, baseline : mapping of indicator -> ndarray
        The state's and the baseline's trajectories [indicator units].
    rows : tuple of IndicatorRow
        One per compared indicator, in the comparison's order.
    cost : CostSummary
    seconds : float
        Time taken by :meth:`Dashboard.update` [s].
    cached : bool
        The simulation was reused (the same scenario was evaluated before).
    """

    state: DashboardState
    scenario: Scenario
    time: np.ndarray
    values: Mapping[str, np.ndarray]
    baseline: Mapping[str, np.ndarray]
    rows: tuple[IndicatorRow, ...]
    cost: CostSummary
    seconds: float
    cached: bool = False

    def row(self, indicator: str) -> IndicatorRow:
        for r in self.rows:
            if r.name == indicator:
                return r
        raise KeyError(indicator)


@dataclass(frozen=True)
class _Run:
    time: np.ndarray
    values: Mapping[str, np.ndarray]
    capex: float
    opex: float
    total: float


# ----------------------------------------------------------------------------- helpers
def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def _nice_step(lo: float, hi: float, start: float) -> float:
    """A round slider step: about a hundredth of the range (1, 2 or 5 times a power of ten), made
    finer (down to a millionth of the range) until the baseline value ``start`` lies on the grid."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return 1.0
    raw = span / 100.0
    power = 10.0 ** math.floor(math.log10(raw))
    step = next((m * power for m in (1.0, 2.0, 5.0) if raw <= m * power * (1 + 1e-9)), 10.0 * power)
    while step > span * 1e-6:
        k = (start - lo) / step
        if abs(k - round(k)) <= 1e-6:
            break
        step /= 10.0
    return float(f"{step:.6g}")


def _clean_number(value: Any) -> Any:
    """A float rounded to 12 significant digits (slider arithmetic noise); anything else as given."""
    if isinstance(value, float) and math.isfinite(value):
        return float(f"{value:.12g}")
    if isinstance(value, np.floating):
        return _clean_number(float(value))
    if isinstance(value, np.integer):
        return int(value)
    return value


def _intervention_dict(iv) -> dict:
    out: dict[str, Any] = {"lever": iv.lever, iv.mode: _clean_number(float(iv.value)),
                           "start": _clean_number(float(iv.start)),
                           "ramp_years": _clean_number(float(iv.ramp_years))}
    cost = {k: float(v) for k, v in asdict(iv.cost).items() if v}
    if cost:
        out["cost"] = cost
    if iv.source:
        out["source"] = iv.source
    return out


def _dedupe(names) -> list[str]:
    seen: list[str] = []
    for n in names:
        if n not in seen:
            seen.append(n)
    return seen


def _verdict(improvement: float, delta: float) -> str:
    if not math.isfinite(improvement):
        return "same" if delta == 0 else "unknown"
    if abs(improvement) < 0.05:    # below 0.05 % of the baseline: shown as no change
        return "same"
    return "better" if improvement > 0 else "worse"


# ----------------------------------------------------------------------------- the dashboard
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
    >>> v.row("Congestion level").improvement_pct                            # doctest: +SKIP
    """

    def __init__(self, folder: str | os.PathLike, comparison: str | os.PathLike | None = None):
        root = Path(folder)
        if not root.is_dir():
            raise ScenarioError("scenario folder not found" if not root.exists() else "is not a folder",
                                path=str(root), field="--scenarios", allowed="a folder of scenario files")
        self.root = root.resolve()
        self.sessions_dir = self.root / SESSIONS
        files = self._yaml_files()
        self.comparison: Comparison = self._comparison(files, comparison)
        comp = self.comparison
        self.baseline: Scenario = comp.baseline
        self.model: Model = comp.model
        self.indicators: tuple[str, ...] = tuple(comp.indicators)
        self.skipped: list[str] = []
        self._programmes: dict[str, Scenario] = {s.name: s for s in comp.interventions}
        self._shocks: dict[str, Scenario] = self._shock_scenarios(files)
        self.saved: list[str] = []          # scenario names saved in this session, in order
        self._written: set[str] = set()     # every file name (scenarios, comparisons) this session wrote
        self._cache: OrderedDict[str, _Run] = OrderedDict()
        self.controls_levers = self._lever_controls()
        self.controls_switches = self._switch_controls()
        self._base_run = self._simulate(self.baseline)
        self._base_cost = self._base_run.capex, self._base_run.opex, self._base_run.total

    # ------------------------------------------------------------------ loading
    def _yaml_files(self) -> list[Path]:
        out = []
        for p in sorted(self.root.rglob("*.yaml")):
            rel = p.relative_to(self.root)
            if rel.parts[0] == SESSIONS or any(part.startswith(".") for part in rel.parts):
                continue
            if p.is_symlink() or not _inside(p, self.root) or not p.is_file():
                continue
            out.append(p)
        return out

    def _comparison(self, files: list[Path], ref) -> Comparison:
        """The comparison named by ``ref``, or the folder's fullest one (``--comparison`` chooses another)."""
        if ref is not None:
            path = Path(ref)
            path = (path if path.is_absolute() else self.root / path)
            if not _inside(path, self.root):
                raise ScenarioError(f"comparison '{ref}' is outside the scenario folder {self.root}",
                                    path=str(ref), field="--comparison", allowed="a file inside the folder")
            if not path.is_file():
                raise ScenarioError("comparison file not found", path=str(path), field="--comparison",
                                    allowed=listing(p.relative_to(self.root).as_posix() for p in files
                                                    if self._is_comparison_file(p)))
            found = [path.resolve()]
        else:
            found = [p for p in files if self._is_comparison_file(p)]
            if not found:
                raise ScenarioError("no comparison file in the folder", path=str(self.root), field="--comparison",
                                    allowed="a folder with a comparison file (baseline, interventions, bundles)")
            if len(found) > 1:   # the fullest comparison: most programmes and bundles, then by name
                found = [max(found, key=lambda p: (_size(load_comparison(p)), [-ord(c) for c in p.name]))]
        comp = load_comparison(found[0])
        for sc in (comp.baseline, *comp.interventions):
            if sc.path is not None and not _inside(sc.path, self.root):
                raise ScenarioError(f"scenario '{sc.name}' ({sc.path}) is outside the scenario folder "
                                    f"{self.root}; the dashboard reads only inside it", path=str(found[0]),
                                    field="interventions")
        return comp

    @staticmethod
    def _is_comparison_file(path: Path) -> bool:
        try:
            return is_comparison(read_yaml(path, error=ScenarioError).data)
        except ScenarioError:
            return False

    def _shock_scenarios(self, files: list[Path]) -> dict[str, Scenario]:
        known = {p.resolve() for p in [self.baseline.path, *(s.path for s in self.comparison.interventions)]
                 if p is not None}
        if self.comparison.path is not None:
            known.add(self.comparison.path.resolve())
        out: dict[str, Scenario] = {}
        for p in files:
            if p.resolve() in known or self._is_comparison_file(p):
                continue
            try:
                sc = load_scenario(p)
            except ScenarioError as exc:
                self.skipped.append(str(exc))
                continue
            if (sc.shocks and not sc.interventions and sc.model.sha256 == self.model.sha256
                    and sc.horizon == self.baseline.horizon and sc.name not in self._programmes
                    and sc.name != self.baseline.name and sc.name not in out):
                out[sc.name] = sc
        return out

    def _lever_controls(self) -> tuple[LeverControl, ...]:
        out = []
        for name, lever in self.model.levers.items():
            start = float(self.baseline.set.get(name, lever.baseline))
            out.append(LeverControl(name=name, label=lever.label, units=lever.units, minimum=lever.minimum,
                                    maximum=lever.maximum, start=start,
                                    step=_nice_step(lever.minimum, lever.maximum, start), focus_area=lever.focus_area))
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
        raise ScenarioError(f"unknown lever '{name}'", path=_WHERE, field="levers",
                            allowed=listing((c.name for c in self.controls_levers), 40))

    def switches(self, kind: str) -> tuple[SwitchControl, ...]:
        return tuple(c for c in self.controls_switches if c.kind == kind)

    def _check_state(self, state: DashboardState) -> None:
        if not isinstance(state, DashboardState):
            raise ScenarioError(f"expected a DashboardState, got {type(state).__name__}", path=_WHERE)
        if state.lang not in LANGUAGES:
            raise ScenarioError(f"unknown language {state.lang!r}", path=_WHERE, field="lang",
                                allowed=", ".join(LANGUAGES))
        for name in state.levers:
            self.lever(name)
        for kind, names in (("programme", state.programmes), ("bundle", state.bundles),
                            ("shock", state.shocks)):
            known = [c.name for c in self.switches(kind)]
            for n in names:
                if n not in known:
                    raise ScenarioError(f"unknown {kind} '{n}'", path=_WHERE, field=kind + "s",
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
        sets, interventions, shocks = _compose(self.baseline, self._members(state), name, _WHERE)
        values: dict[str, Any] = {k: _clean_number(v) for k, v in sets.items()}
        for lever, value in state.levers.items():
            values[lever] = _clean_number(value)
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
        hit = self._cache.get(sc.sha256)
        if hit is not None:
            self._cache.move_to_end(sc.sha256)
            return hit
        plan = build_plan(sc)
        h = plan.horizon
        ds = simulate(self.model, self._params(plan), engine="batch", n_runs=1, start=h.start,
                      end=h.end, dt=h.dt, saveper=h.saveper, variables=list(self.indicators))
        failed = ds.attrs.get("failed_runs")
        if failed is not None and len(failed):
            raise RunError(f"the model run failed for this configuration ({failed})")
        values = {name: np.asarray(ds[name].values).reshape(-1) for name in self.indicators}
        bad = [n for n, v in values.items() if not np.isfinite(v).all()]
        if bad:
            raise RunError(f"the model run gave non-finite values of '{bad[0]}' for this configuration")
        r = plan.runs[0]
        run = _Run(time=np.asarray(ds["time"].values), values=values, capex=r.capex_idr_bn,
                   opex=r.opex_idr_bn_per_year, total=r.total_cost_idr_bn)
        self._cache[sc.sha256] = run
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return run

    def _params(self, plan) -> dict:
        """The plan's params, with every lever it leaves alone at the model's own value.

        The batch engine compiles one program per set of overridden names (about 40 ms); naming
        every lever in every run keeps that set the same whichever sliders the room has moved, so
        only a new combination of ramped programmes compiles anew. The results are unchanged: a
        lever left alone has the model's value either way.
        """
        params = plan.batch_params()
        for name, lever in self.model.levers.items():
            if name not in params:
                params[name] = np.array([float(lever.baseline)])
        return params

    def update(self, state: DashboardState) -> View:
        """Validate ``state``, run the model (batch engine) and compare with the baseline.

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
                                     improvement_pct=imp, verdict=_verdict(imp, v - b)))
        cost = self._cost(state, run)
        return View(state=state, scenario=sc, time=run.time, values=run.values, baseline=base.values,
                    rows=tuple(rows), cost=cost, seconds=time.perf_counter() - t0, cached=cached)

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

    # ------------------------------------------------------------------ files
    def _target(self, name: Any, what: str) -> Path:
        """``sessions/<name>.yaml``, checked: a slug, inside the folder, no symbolic link."""
        if not isinstance(name, str) or not SLUG.match(name) or len(name) > 64:
            raise ScenarioError(f"{what} name {name!r} is not a slug", path=_WHERE, field="name",
                                allowed=SLUG_RULE + ", at most 64 characters")
        taken = {self.baseline.name, *self._programmes, *self.comparison.bundles, *self._shocks}
        if name in taken:
            raise ScenarioError(f"'{name}' is already the name of a scenario or bundle of the folder",
                                path=_WHERE, field="name", allowed="a name of its own")
        folder = self.sessions_dir
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise ScenarioError(f"{folder} is not a plain folder (a symbolic link or a file); the dashboard "
                                "writes only into a real sub-folder of the scenario folder", path=str(folder))
        target = folder / f"{name}.yaml"
        if target.is_symlink():
            raise ScenarioError(f"{target} is a symbolic link; the dashboard does not write through links",
                                path=str(target), field="name", allowed="another name")
        if not _inside(target, self.root) or target.resolve().parent != folder.resolve():
            raise ScenarioError(f"{target} would be outside the scenario folder {self.root}",
                                path=str(target), field="name")
        if target.exists() and name not in self._written:
            raise ScenarioError(f"{target.relative_to(self.root)} exists and was not saved in this session; "
                                "the dashboard does not overwrite it", path=str(target), field="name",
                                allowed="another name")
        return target

    def _write(self, target: Path, data: dict, check) -> Path:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        self.sessions_dir.mkdir(exist_ok=True)
        if self.sessions_dir.is_symlink() or not _inside(self.sessions_dir, self.root):
            raise ScenarioError(f"{self.sessions_dir} is not inside the scenario folder", path=str(target))

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")
            check(tmp)          # the written text must load as the file it will become

        atomic_write(target, write)
        return target

    def save(self, state: DashboardState, name: str, *, title_en: str | None = None,
             title_id: str | None = None) -> Path:
        """Save ``state`` as ``sessions/<name>.yaml``, a scenario file ``cityfutures run`` runs unchanged.

        Parameters
        ----------
        name : str
            A slug; not a name of the folder's scenarios, and not a file this session did not write.
        title_en, title_id : str, optional
            The scenario's title (default: "Workshop configuration <name>").

        Returns
        -------
        Path

        Raises
        ------
        ScenarioError
            A bad name or state; nothing is written.
        """
        target = self._target(name, "scenario")
        title = {lang: t("scenario.default_title", lang, name=name) for lang in LANGUAGES}
        for lang, given in (("en", title_en), ("id", title_id)):
            if given is not None and not isinstance(given, str):
                raise ScenarioError(f"must be text, got {type(given).__name__}", path=_WHERE, field=f"title.{lang}")
            if given and given.strip():
                title[lang] = given.strip()
        data = self.scenario_dict(state, name=name, title=title, description=self._description(state))
        self.scenario(state, name=name, title=title)      # reject before touching the disk

        def check(tmp: Path) -> None:
            load_scenario(data, model=self.model, base_dir=self.sessions_dir)
            loaded = read_yaml(tmp, error=ScenarioError, what="scenario file").data
            if loaded != data:
                raise ScenarioError("the written file does not read back as written", path=str(target))

        self._write(target, data, check)
        load_scenario(target)                              # and it runs from the CLI as it is
        self._written.add(name)
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
        levers = [f"{self.lever(n).label(lang)} = {_clean_number(v)} [{self.lever(n).units}]"
                  for n, v in state.levers.items()]
        return t("scenario.description", lang, date=datetime.date.today().isoformat(),
                 programmes="; ".join(progs) or none, shocks="; ".join(shocks) or none,
                 levers="; ".join(levers) or none)

    def export_comparison(self, name: str, *, title_en: str | None = None, title_id: str | None = None) -> Path:
        """Write the scenarios saved in this session as ``sessions/<name>.yaml``, a comparison file
        against the folder's baseline (``cityfutures compare`` runs it unchanged).

        Raises
        ------
        ScenarioError
            Nothing saved yet, a bad name, or a name used by a saved scenario.
        """
        if not self.saved:
            raise ScenarioError("nothing saved in this session yet: save a configuration first",
                                path=_WHERE, field="interventions")
        if name in self.saved:
            raise ScenarioError(f"'{name}' is the name of a scenario saved in this session", path=_WHERE,
                                field="name", allowed="a name of its own")
        target = self._target(name, "comparison")
        title = {"en": title_en or t("comparison.default_title", "en", name=name),
                 "id": title_id or t("comparison.default_title", "id", name=name)}
        data = {"name": name, "title": title,
                "description": f"Scenarios saved from the cityfutures dashboard on "
                               f"{datetime.date.today().isoformat()}.",
                "baseline": Path(os.path.relpath(self.baseline.path, self.sessions_dir)).as_posix(),
                "interventions": [f"{n}.yaml" for n in self.saved],
                "indicators": list(self.indicators)}
        load_comparison(data, base_dir=self.sessions_dir)

        def check(tmp: Path) -> None:
            if read_yaml(tmp, error=ScenarioError, what="comparison file").data != data:
                raise ScenarioError("the written file does not read back as written", path=str(target))

        self._write(target, data, check)
        load_comparison(target)
        self._written.add(name)
        return target


def open_dashboard(folder: str | os.PathLike, comparison: str | os.PathLike | None = None) -> Dashboard:
    """A :class:`Dashboard` for ``folder`` (loads the comparison and runs the baseline once)."""
    return Dashboard(folder, comparison)


def _size(comp: Comparison) -> int:
    """How many programmes and bundles a comparison offers the room."""
    return len(comp.interventions) + len(comp.bundles)
