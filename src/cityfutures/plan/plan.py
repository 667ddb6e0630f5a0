"""A plan of runs as plain data: which scenarios run, and each run's parameters.

:func:`build_plan` turns a :class:`~cityfutures.scenario.Comparison` (or one scenario, or a
list of them) into a :class:`Plan`: one :class:`RunSpec` per run with ``params`` mapping
model constants to scalars or time-series ``xarray.DataArray`` objects (dim ``time``,
linearly interpolated between points and held flat outside, as PySD treats a
``pandas.Series``). Nothing is simulated here; an engine takes the plan.

Runs of a comparison
--------------------
* ``baseline``: the comparison's baseline scenario.
* one ``intervention`` run per intervention scenario: the baseline plus the scenario.
* one ``bundle`` run per bundle: the baseline plus the union of its members.

"Plus" and "union" are multiset unions: an intervention or shock that the baseline (or an
earlier member) already contains -- e.g. because the scenario ``extends`` the baseline -- is
not applied twice. A member's ``set`` overrides the baseline's; two members of a bundle that
``set`` one constant to different values (by ``set:`` or by a ``set`` intervention) are an
error. All runs share the baseline's horizon and seed, so their differences are paired.

Interventions and shocks become time series by the rules of :mod:`cityfutures.scenario.series`
(one composition rule, one pulse rule). With sampled futures (:func:`plan_ensemble`), each run of
the plan meets every future: the uncertain constants' values and the stochastic shocks' pulses are
added to the run's own params (:meth:`Plan.run_params`).

Costs
-----
``capex_idr_bn`` and ``opex_idr_bn_per_year`` of a run sum the costs of the interventions it
adds to the baseline (so the baseline costs 0 in a comparison). ``total_cost_idr_bn`` is
capex plus opex for the years each intervention operates within the horizon (undiscounted).
``cost_streams`` keeps each of those interventions' cost with its timing as the scenario writes it
(:class:`CostStream`), so that present values can be taken later
(:func:`cityfutures.analysis.discount.present_value`).
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import ScenarioError
from ..model import load_model
from ..names import did_you_mean
from ..resources import BYTES, COPIES, require_memory
from ..scenario import Horizon, UncertainSpec
from ..scenario.series import add_series, first_outside, lever_series, pulse_series, stack_series
from .periods import check_pulses, report_times, saved_times
from .sampling import Samples, factors, sample, transform

__all__ = ["RunSpec", "CostStream", "Futures", "Plan", "build_plan", "plan_ensemble", "combine", "uncertain_of",
           "bundle_run", "lever_value", "intervention_cost",
           "without_shocks", "KINDS", "ensemble_bytes", "check_ensemble_memory", "results_bytes",
           "check_results_memory"]

KINDS = ("baseline", "intervention", "bundle")


@dataclass(frozen=True)
class CostStream:
    """The cost of one intervention with its timing, as its scenario writes it.

    Capex is spent evenly over the ramp ``[start, start + ramp_years)`` (at ``start`` when the ramp is
    0); opex runs at its yearly rate from ``start`` to the end of the horizon [Year; IDR billion; IDR
    billion per year].
    """

    start: float
    ramp_years: float
    capex_idr_bn: float
    opex_idr_bn_per_year: float

    def record(self) -> dict:
        """As stored with results (``cost_streams``)."""
        return {"start": self.start, "ramp_years": self.ramp_years, "capex_idr_bn": self.capex_idr_bn,
                "opex_idr_bn_per_year": self.opex_idr_bn_per_year}


@dataclass(frozen=True)
class RunSpec:
    """One run of a plan.

    Attributes
    ----------
    name : str
        Scenario (or bundle) name; unique within a plan.
    kind : str
        ``baseline``, ``intervention`` or ``bundle``.
    params : mapping of constant name -> float or DataArray(time)
        What differs from the model file.
    title_en, title_id : str
    focus_area, track : str or None
    members : tuple of str
        The bundle's member scenarios (empty otherwise).
    capex_idr_bn, opex_idr_bn_per_year, total_cost_idr_bn : float
        See the module docstring [IDR billion, IDR billion per year, IDR billion].
    cost_streams : tuple of CostStream
        The costs above, intervention by intervention, with their timing.
    sha256 : str
        The scenario's hash (for a bundle: a hash of the baseline's and members' hashes).
    shocks : tuple of (kind, year, magnitude)
    interventions : tuple of Intervention
        Everything applied in this run, baseline included, in order.
    set : mapping of constant name -> float
    """

    name: str
    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    title_en: str = ""
    title_id: str = ""
    focus_area: str | None = None
    track: str | None = None
    members: tuple[str, ...] = ()
    capex_idr_bn: float = 0.0
    opex_idr_bn_per_year: float = 0.0
    total_cost_idr_bn: float = 0.0
    cost_streams: tuple[CostStream, ...] = ()
    sha256: str = ""
    shocks: tuple[tuple[str, float, float], ...] = ()
    interventions: tuple = ()
    set: Mapping[str, float] = field(default_factory=dict)

    def title(self, lang: str) -> str:
        """The title in ``lang`` ("en" or "id"), else the English one, else the name."""
        return (self.title_en if lang == "en" else self.title_id) or self.title_en or self.name


@dataclass(frozen=True)
class Futures:
    """The sampled futures of a plan: the ``uncertain:`` block, its samples and where each shock goes.

    Attributes
    ----------
    spec : UncertainSpec
    samples : Samples
        One row per future; every run of the plan meets every row (paired differences).
    shock_inputs : mapping of kind -> (input, duration)
        The model input each stochastic shock pulses [its units] and the pulse's width [Year].
    """

    spec: UncertainSpec
    samples: Samples
    shock_inputs: Mapping[str, tuple[str, float]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.samples)

    def params(self, positions: Sequence[int]) -> dict[str, Any]:
        """The futures' params at row ``positions``: uncertain constants ``(n,)`` and shock pulses ``(n, time)``."""
        sub = self.samples.take(list(positions))
        out: dict[str, Any] = {c: sub.constants[c].to_numpy() for c in sub.constants.columns}
        for kind, mags in sub.shocks.items():
            inp, duration = self.shock_inputs[kind]
            pulses = pulse_series(sub.onsets[kind], mags, duration)
            out[inp] = add_series(out[inp], pulses) if inp in out else pulses
        return out


@dataclass(frozen=True)
class Plan:
    """What to run, as plain data: runs (scenarios) x futures, on one model, horizon and seed.

    A deterministic plan has one future (``futures`` is None: every run as its scenario says);
    an ensemble's plan runs every scenario in every sampled future. Nothing is simulated here:
    :func:`cityfutures.engine.runner.execute` runs a plan on an executor.

    Attributes
    ----------
    model : Model
    horizon : Horizon
        ``start``, ``end``, ``dt``, ``saveper`` [Year].
    seed : int or None
    runs : tuple of RunSpec
        The baseline first in a comparison.
    comparison : Comparison or None
    indicators : tuple of str
        The indicators to compare (the comparison's, else all of the model's).
    futures : Futures or None
    every : float or None
        Report period means over ``[t, t + every)`` [Year] (ensembles), or every saved time (None).
    method : {"euler", "rk4"} or None
        The integration method; None (the default) is the model's own (XMILE ``<sim_specs
        method>``, Euler for Vensim text).
    name : str
        The comparison's (or first scenario's) name.
    """

    model: Any
    horizon: Any
    seed: int | None
    runs: tuple[RunSpec, ...]
    comparison: Any = None
    indicators: tuple[str, ...] = ()
    futures: Futures | None = None
    every: float | None = None
    method: str | None = None
    name: str = ""

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.runs]

    @property
    def scenarios(self) -> tuple[RunSpec, ...]:
        """The runs (the name ensembles use for them)."""
        return self.runs

    @property
    def samples(self) -> Samples | None:
        return None if self.futures is None else self.futures.samples

    @property
    def spec(self) -> UncertainSpec | None:
        return None if self.futures is None else self.futures.spec

    @property
    def n_futures(self) -> int:
        return 1 if self.futures is None else len(self.futures)

    @property
    def n_runs(self) -> int:
        return len(self.runs) * self.n_futures

    @property
    def times(self) -> tuple[float, ...]:
        """The reported times [Year]: period starts (``every``) or every saved time."""
        h = self.horizon
        if self.every is None:
            return tuple(float(x) for x in saved_times(h.start, h.end, h.saveper))
        return report_times(h.start, h.end, h.saveper, self.every)

    @property
    def better(self) -> tuple[str, ...]:
        return tuple(self.model.indicators[i].better if i in self.model.indicators else "higher"
                     for i in self.indicators)

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(self.model.variables[i].units for i in self.indicators)

    def run_params(self, run: int, positions: Sequence[int] | None = None) -> tuple[dict[str, Any], int]:
        """Params of run ``run`` in the futures at ``positions`` (default: all), and how many runs that is."""
        params = dict(self.runs[run].params)
        if self.futures is None:
            return params, 1
        pos = range(len(self.futures)) if positions is None else positions
        extra = self.futures.params(pos)
        for name, value in extra.items():
            params[name] = add_series(params[name], value) if name in params else value
        return params, len(pos)

    def batch_params(self, runs: Sequence[int] | None = None, positions: Sequence[int] | None = None
                     ) -> dict[str, Any]:
        """Params of many runs at once for :func:`cityfutures.simulate` (dim ``run``).

        Runs ``runs`` (default: all) each in the futures at ``positions``, run-major (run ``r``,
        future ``j`` is row ``r * n + j``). A name no run sets takes the model's value in the others;
        series share the union of their points (exact: every series is piecewise linear).
        """
        runs = range(len(self.runs)) if runs is None else runs
        parts = [self.run_params(r, positions) for r in runs]
        names = sorted({k for params, _n in parts for k in params})
        out = {}
        for name in names:
            default = _constant_value(self.model, name)
            out[name] = stack_series([params.get(name, default) for params, _n in parts], [n for _p, n in parts])
        return out

    def params_list(self) -> list[dict[str, Any]]:
        """Per-run params for PySD (deterministic plans): numbers, or ``pandas.Series`` indexed by time."""
        return [{k: v.to_series() if isinstance(v, xr.DataArray) else float(v) for k, v in r.params.items()}
                for r in self.runs]


# ----------------------------------------------------------------------------- composition
def _constant_value(model, name: str) -> float:
    if name in model.levers:
        return float(model.levers[name].baseline)
    var = model.variables.get(name)
    if var is None or var.value is None:
        raise ScenarioError(f"'{name}' is not a scalar constant of model '{model.name}'", field="set")
    return float(var.value)


def _multiset_union(sources: Sequence[Sequence[Any]]) -> list[Any]:
    """Items of all sources, each as many times as the most any one source has it, first-seen order."""
    need: Counter = Counter()
    for src in sources:
        for item, n in Counter(src).items():
            need[item] = max(need[item], n)
    out: list[Any] = []
    have: Counter = Counter()
    for src in sources:
        for item in src:
            if have[item] < need[item]:
                out.append(item)
                have[item] += 1
    return out


def _title(sc, lang: str) -> str:
    title = getattr(sc, "title", None)
    if title is None:
        return sc.name
    return getattr(title, lang, None) or sc.name


def combine(baseline, members: Sequence[Any], run_name: str, where: str | None = None):
    """``(set mapping, interventions, shocks)`` of the baseline plus ``members`` (the bundle rule).

    Multiset unions: what the baseline or an earlier member holds already is not applied twice; a
    member's ``set`` overrides the baseline's; two members setting one constant (or lever) to two
    values are a :class:`~cityfutures.errors.ScenarioError`.
    """
    sets = dict(baseline.set or {})
    member_sets: dict[str, tuple[float, str]] = {}
    for m in members:
        for k, v in (m.set or {}).items():
            if k in member_sets and member_sets[k][0] != float(v):
                raise ScenarioError(
                    f"bundle '{run_name}': '{member_sets[k][1]}' sets '{k}' to {member_sets[k][0]:g} but "
                    f"'{m.name}' sets it to {float(v):g}; a bundle cannot set one constant to two values",
                    path=where, field=f"bundles.{run_name}")
            member_sets[k] = (float(v), m.name)
    if len(members) > 1:
        set_ivs: dict[str, tuple[float, str]] = {}
        for m in members:
            for iv in m.interventions:
                if iv.mode != "set" or iv in baseline.interventions:
                    continue
                if iv.lever in set_ivs and set_ivs[iv.lever][0] != float(iv.value) \
                        and set_ivs[iv.lever][1] != m.name:
                    raise ScenarioError(
                        f"bundle '{run_name}': '{set_ivs[iv.lever][1]}' sets lever '{iv.lever}' to "
                        f"{set_ivs[iv.lever][0]:g} but '{m.name}' sets it to {float(iv.value):g}; "
                        "a bundle cannot set one lever to two values", path=where, field=f"bundles.{run_name}")
                set_ivs.setdefault(iv.lever, (float(iv.value), m.name))
    sets.update({k: v for k, (v, _) in member_sets.items()})
    interventions = _multiset_union([baseline.interventions] + [m.interventions for m in members])
    shocks = _multiset_union([baseline.shocks] + [m.shocks for m in members])
    return sets, interventions, shocks


def _params(model, horizon, run_name: str, sets: Mapping[str, float], interventions: Sequence[Any],
            shocks: Sequence[Any], where: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {k: float(v) for k, v in sets.items()}
    by_lever: dict[str, list] = {}
    for iv in interventions:
        by_lever.setdefault(iv.lever, []).append(iv)
    for lever, ivs in by_lever.items():
        params[lever] = lever_value(model, horizon, sets, ivs, lever, run_name, where)
    pulses: dict[str, list] = {}
    for sh in shocks:
        meta = model.shocks.get(sh.kind)
        if meta is None:
            raise ScenarioError(f"run '{run_name}': unknown shock kind '{sh.kind}'", path=where, field="shocks",
                                allowed=", ".join(model.shocks) or "(the model defines no shocks)")
        pulses.setdefault(meta.input, []).append((float(sh.year), float(sh.magnitude), float(meta.duration)))
    for inp, ps in pulses.items():
        base = params.get(inp, float(sets[inp]) if inp in sets else _constant_value(model, inp))
        y, m, d = (np.array(x) for x in zip(*ps))
        params[inp] = pulse_series(y, m, d, base=base)
    return params


def lever_value(model, horizon, sets: Mapping[str, float], interventions: Sequence[Any], lever: str,
                run_name: str, where: str | None = None) -> float | xr.DataArray:
    """One lever of a run: its interventions composed on its base (the run's ``set``, else the model's), checked
    against the lever's range (a :class:`~cityfutures.errors.ScenarioError` when it leaves it)."""
    ivs = [iv for iv in interventions if iv.lever == lever]
    base = float(sets[lever]) if lever in sets else _constant_value(model, lever)
    series = lever_series(base, ivs, horizon)
    if ivs:
        _check_range(model, run_name, lever, series, where)
    return series


def _check_range(model, run_name, lever, series, where) -> None:
    var = model.variables.get(lever)
    if var is None:
        raise ScenarioError(f"run '{run_name}': '{lever}' is not a variable of model '{model.name}'",
                            path=where, field="interventions.lever")
    lo, hi = var.minimum, var.maximum
    values = series.values if isinstance(series, xr.DataArray) else np.array([series])
    times = series["time"].values if isinstance(series, xr.DataArray) else np.array([np.nan])
    i = first_outside(values, lo, hi, rtol=1e-9)
    if i is not None:
        raise ScenarioError(
            f"run '{run_name}': lever '{lever}' reaches {values[i]:g} in {times[i]:g}, outside its range "
            f"[{lo:g}, {hi:g}] once its interventions are combined", path=where, field="interventions",
            allowed=f"{lo:g} to {hi:g} [{var.units}]")


def intervention_cost(intervention: Any, horizon) -> CostStream | None:
    """One intervention's cost with its timing (None when it costs nothing)."""
    return (_costs([intervention], horizon)[3] or (None,))[0]


def _costs(interventions: Sequence[Any], horizon) -> tuple[float, float, float, tuple[CostStream, ...]]:
    capex = opex = total = 0.0
    streams = []
    for iv in interventions:
        cost = getattr(iv, "cost", None)
        if cost is None:
            continue
        c, o = float(cost.capex_idr_bn or 0.0), float(cost.opex_idr_bn_per_year or 0.0)
        start = float(horizon.start if iv.start is None else iv.start)
        years = max(0.0, float(horizon.end) - max(start, float(horizon.start)))
        capex += c
        opex += o
        total += c + o * years
        if c or o:
            streams.append(CostStream(start=max(start, float(horizon.start)), ramp_years=float(iv.ramp_years or 0.0),
                                      capex_idr_bn=c, opex_idr_bn_per_year=o))
    if not math.isfinite(total):   # each scenario's total is bounded when it is read: a guard, not a check
        raise ScenarioError(f"the costs add up to {total}", field="cost", allowed="finite costs")
    return capex, opex, total, tuple(streams)


def _hash(*parts: str) -> str:
    return hashlib.sha256(json.dumps(list(parts)).encode()).hexdigest()


def _same(a, b) -> bool:
    return all(abs(float(getattr(a, k)) - float(getattr(b, k))) <= 1e-12 for k in ("start", "end", "dt", "saveper"))


def _run(model, horizon, baseline, members, *, name, kind, sha, title_en, title_id, focus_area, track,
         where) -> RunSpec:
    if baseline is None:  # a scenario run on its own
        sets, ivs, shocks = dict(members[0].set or {}), list(members[0].interventions), list(members[0].shocks)
        extra = ivs
    else:
        sets, ivs, shocks = combine(baseline, members, name, where)
        base_left = Counter(baseline.interventions) if kind != "baseline" else Counter()
        extra = []
        for iv in ivs:
            if base_left[iv]:
                base_left[iv] -= 1
            else:
                extra.append(iv)
    capex, opex, total, streams = _costs(extra, horizon)
    params = _params(model, horizon, name, sets, ivs, shocks, where)
    return RunSpec(name=name, kind=kind, params=params, title_en=title_en, title_id=title_id,
                   focus_area=focus_area, track=track, members=tuple(m.name for m in members) if kind == "bundle"
                   else (), capex_idr_bn=capex, opex_idr_bn_per_year=opex, total_cost_idr_bn=total,
                   cost_streams=streams, sha256=sha,
                   shocks=tuple((s.kind, float(s.year), float(s.magnitude)) for s in shocks),
                   interventions=tuple(ivs), set=sets)


def _bundle_title(comp, name: str, lang: str, n: int) -> str:
    """A bundle's title from the comparison file, else its name and size in ``lang``."""
    titles = getattr(comp, "bundle_titles", None) or {}
    if name in titles:
        return titles[name](lang)
    return f"Bundle {name} ({n} programmes)" if lang == "en" else f"Paket {name} ({n} program)"


def _check_paired(baseline, others, where) -> None:
    for sc in others:
        if not _same(sc.horizon, baseline.horizon):
            h, b = sc.horizon, baseline.horizon
            raise ScenarioError(
                f"scenario '{sc.name}' runs {h.start:g}-{h.end:g} (dt {h.dt:g}, saveper {h.saveper:g}) but the "
                f"baseline '{baseline.name}' runs {b.start:g}-{b.end:g} (dt {b.dt:g}, saveper {b.saveper:g}); "
                "all runs of a comparison share the baseline's horizon", path=where, field="interventions",
                allowed="the baseline's horizon (leave 'horizon' out or extend the baseline)")
        if sc.seed is not None and baseline.seed is not None and sc.seed != baseline.seed:
            raise ScenarioError(f"scenario '{sc.name}' has seed {sc.seed} but the baseline has {baseline.seed}; "
                                "paired runs share one seed", path=where, field="seed")
        if sc.model.sha256 != baseline.model.sha256:
            raise ScenarioError(f"scenario '{sc.name}' uses model '{sc.model.name}' but the baseline uses "
                                f"'{baseline.model.name}'", path=where, field="model")


def _kind_of(sc) -> str:
    return "intervention" if (sc.interventions or sc.set) else "baseline"


def build_plan(what: Any) -> Plan:
    """A plan of runs for a comparison, one scenario, or a list of scenarios.

    Parameters
    ----------
    what : Comparison, Scenario or sequence of Scenario
        A comparison gives the baseline, each intervention (on the baseline) and each
        bundle (baseline plus the union of its members). A scenario, or each scenario of
        a list, runs on its own (the list shares the first one's horizon and seed).

    Returns
    -------
    Plan

    Raises
    ------
    ScenarioError
        Bundle members set one constant to two values, a bundle names an unknown member,
        names collide, scenarios disagree on horizon/seed/model, or combined
        interventions push a lever outside its range.
    """
    if hasattr(what, "baseline") and hasattr(what, "bundles"):
        return _plan_comparison(what)
    scenarios = [what] if hasattr(what, "interventions") and hasattr(what, "horizon") else list(what)
    if not scenarios:
        raise ScenarioError("nothing to run: no scenarios given", path="<api>")
    first = scenarios[0]
    where = str(first.path) if getattr(first, "path", None) else None
    _check_paired(first, scenarios[1:], where)
    names = [s.name for s in scenarios]
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup:
        raise ScenarioError(f"scenario name '{dup[0]}' appears twice; run names must be unique", path=where)
    model = first.model
    runs = tuple(_run(model, first.horizon, None, [sc], name=sc.name, kind=_kind_of(sc), sha=sc.sha256,
                      title_en=_title(sc, "en"), title_id=_title(sc, "id"), focus_area=sc.focus_area,
                      track=sc.track, where=str(sc.path) if getattr(sc, "path", None) else None)
                 for sc in scenarios)
    return Plan(model=model, horizon=first.horizon, seed=first.seed, runs=runs, comparison=None,
                indicators=tuple(model.indicators), name=first.name)


def _plan_comparison(comp) -> Plan:
    where = str(comp.path) if getattr(comp, "path", None) else None
    base = comp.baseline
    _check_paired(base, comp.interventions, where)
    model = base.model
    by_name = {sc.name: sc for sc in comp.interventions}
    names = [base.name] + list(by_name)
    for bname in comp.bundles:
        names.append(bname)
    dup = [n for n, c in Counter(names).items() if c > 1]
    if dup or len(by_name) != len(comp.interventions):
        n = dup[0] if dup else next(n for n, c in Counter(s.name for s in comp.interventions).items() if c > 1)
        raise ScenarioError(f"the name '{n}' is used twice; baseline, interventions and bundles need distinct "
                            "names", path=where)
    runs = [_run(model, base.horizon, base, [], name=base.name, kind="baseline", sha=base.sha256,
                 title_en=_title(base, "en"), title_id=_title(base, "id"), focus_area=base.focus_area,
                 track=base.track, where=where)]
    for sc in comp.interventions:
        runs.append(_run(model, base.horizon, base, [sc], name=sc.name, kind="intervention", sha=sc.sha256,
                         title_en=_title(sc, "en"), title_id=_title(sc, "id"), focus_area=sc.focus_area,
                         track=sc.track, where=where))
    for bname, member_names in comp.bundles.items():
        members = []
        for m in member_names:
            if m not in by_name:
                raise ScenarioError(f"bundle '{bname}' names '{m}', which is not an intervention of this "
                                    "comparison", path=where, field=f"bundles.{bname}",
                                    allowed=", ".join(by_name) or "(no interventions)")
            members.append(by_name[m])
        fas = {m.focus_area for m in members}
        tracks = {m.track for m in members}
        runs.append(_run(model, base.horizon, base, members, name=bname, kind="bundle",
                         sha=_hash(base.sha256, *sorted(m.sha256 for m in members)),
                         title_en=_bundle_title(comp, bname, "en", len(members)),
                         title_id=_bundle_title(comp, bname, "id", len(members)),
                         focus_area=fas.pop() if len(fas) == 1 else None,
                         track=tracks.pop() if len(tracks) == 1 else None, where=where))
    indicators = tuple(comp.indicators) if comp.indicators else tuple(model.indicators)
    return Plan(model=model, horizon=base.horizon, seed=base.seed, runs=tuple(runs), comparison=comp,
                indicators=indicators, name=comp.name)


def bundle_run(plan: Plan, members: Sequence[str], name: str, *, title_en: str = "", title_id: str = "") -> RunSpec:
    """The run of the baseline plus the union of ``members`` (programmes of ``plan``'s comparison), composed
    exactly as a bundle of the comparison file is (:func:`combine`).

    Raises
    ------
    ScenarioError
        Members set one constant twice, or their union pushes a lever outside its range.
    """
    comp = plan.comparison
    if comp is None:
        raise ScenarioError("a bundle needs a comparison's plan", field="plan")
    by_name = {sc.name: sc for sc in comp.interventions}
    scs = [by_name[m] for m in members]
    where = str(comp.path) if getattr(comp, "path", None) else None
    fas, tracks = {m.focus_area for m in scs}, {m.track for m in scs}
    return _run(plan.model, plan.horizon, comp.baseline, scs, name=name, kind="bundle",
                sha=_hash(comp.baseline.sha256, *sorted(m.sha256 for m in scs)), title_en=title_en or name,
                title_id=title_id or name, focus_area=fas.pop() if len(fas) == 1 else None,
                track=tracks.pop() if len(tracks) == 1 else None, where=where)


def without_shocks(plan: Plan) -> Plan:
    """The same runs without their scenario shocks: each run's counterfactual, against which a stress test
    measures what the shock costs (:func:`cityfutures.analysis.metrics.peak_loss` with ``reference``)."""
    if plan.futures is not None:
        raise ScenarioError("a plan with sampled futures has no single counterfactual", field="plan")
    runs = []
    for r in plan.runs:
        params = _params(plan.model, plan.horizon, r.name, dict(r.set), list(r.interventions), (), None)
        runs.append(replace(r, params=params, shocks=()))
    return replace(plan, runs=tuple(runs))


# ----------------------------------------------------------------------------- sampled futures
def uncertain_of(comparison) -> UncertainSpec | None:
    """The baseline's ``uncertain:`` block of a comparison (or of a scenario)."""
    base = getattr(comparison, "baseline", comparison)
    return getattr(base, "uncertain", None)


def results_bytes(plan: Plan, kept: int) -> float:
    """Estimated memory of a plan's results held whole [bytes]: runs x futures x saved times x kept
    variables x 8 bytes, in the copies alive at once (:data:`cityfutures.resources.COPIES`)."""
    h = plan.horizon
    return float(plan.n_runs) * len(saved_times(h.start, h.end, h.saveper)) * kept * BYTES * COPIES


def check_results_memory(plan: Plan, kept: int, option: str = "variables") -> None:
    """Refuse (InputError) a plan whose results (:func:`results_bytes`) would not fit in memory."""
    h = plan.horizon
    n_saved = len(saved_times(h.start, h.end, h.saveper))
    path = getattr(plan.comparison, "path", None)
    require_memory(results_bytes(plan, kept), what=f"{plan.n_runs:,} runs x {n_saved:,} saved times x {kept:,} "
                   "variables", allowed=f"a longer horizon.saveper (fewer saved times), or fewer variables ({option})",
                   field="horizon.saveper", path=str(path) if path else "<plan>")


def ensemble_bytes(n_futures: int, spec: UncertainSpec, n_runs: int, n_indicators: int, start: float, end: float,
                   kept_periods: int = 1) -> float:
    """Estimated memory of an ensemble [bytes]: what stays per future while the chunks stream.

    Per future: its design row and the values drawn from it (the factors, four copies), and each
    run's values of every indicator in ``kept_periods`` reported periods (1: the last values an
    ensemble keeps; all periods for a sensitivity analysis), three copies for the tables.
    """
    d = len(factors(spec, start, end))
    return float(n_futures) * BYTES * (4 * d + 3 * n_runs * n_indicators * kept_periods)


def check_ensemble_memory(samples: int, spec: UncertainSpec, n_runs: int, n_indicators: int, start: float,
                          end: float, kept_periods: int = 1, futures_per_sample: int = 1,
                          option: str = "--samples") -> None:
    """Refuse (InputError) an ensemble of ``samples`` x ``futures_per_sample`` futures whose estimate
    (:func:`ensemble_bytes`) exceeds the memory available; the message says how many samples fit."""
    n_futures = int(samples) * int(futures_per_sample)
    need = ensemble_bytes(n_futures, spec, n_runs, n_indicators, start, end, kept_periods)
    require_memory(need, what=f"{n_futures:,} futures x {n_runs} runs x {n_indicators} indicators",
                   allowed="fewer samples: at most about {fits:,} (%s)" % option, field=option,
                   per=need / max(int(samples), 1))


def plan_ensemble(source=None, spec: UncertainSpec | None = None, *, samples: int = 0, seed: int,
                  runs: Sequence[RunSpec] | None = None, model=None, horizon=None,
                  indicators: Sequence[str] | None = None, sampler: str | None = None,
                  every: float | None = 1.0, method: str | None = None, name: str | None = None,
                  design: np.ndarray | None = None, design_method: str | None = None) -> Plan:
    """A plan whose runs each meet the same sampled futures.

    Parameters
    ----------
    source : Comparison or Plan, optional
        A loaded comparison (or a deterministic plan). Or give ``runs``, ``model`` (and ``horizon``).
    spec : UncertainSpec, optional
        Defaults to the comparison baseline's ``uncertain:`` block.
    samples : int
        Number of sampled futures N; the plan makes N x (number of runs) runs.
    seed : int
        Seed of the design (explicit: the same seed gives the same result on any executor).
    indicators : sequence of str, optional
        Default: the comparison's indicators (or the model's).
    sampler : {"lhs", "sobol", "random"}, optional
        Overrides the block's ``sampler``.
    every : float or None
        Length of a reported period [Year] (a multiple of the horizon's ``saveper``); each run
        reports, per period, the mean over its saved times within it (:mod:`.periods`). None: every
        saved time, as a deterministic run reports it (``compare --futures``).
    design : ndarray (n, d), optional
        A ready design in the unit hypercube (e.g. SALib's), used instead of drawing one;
        ``samples`` is then ignored. ``design_method`` names it.

    Raises
    ------
    ScenarioError
        No uncertainty to sample, a lever that is also uncertain, unknown indicators, a stochastic
        shock whose pulse would not be counted once in its own year (:func:`.periods.check_pulses`).
    """
    if source is not None:
        base = source if isinstance(source, Plan) else build_plan(source)
        model_, horizon_, runs_ = base.model, base.horizon, list(base.runs)
        runs_.sort(key=lambda r: r.kind != "baseline")          # stable: the baseline first, the rest in order
        inds, nm, comparison = base.indicators, base.name, base.comparison
        spec = spec if spec is not None else uncertain_of(getattr(base, "comparison", None) or source)
    else:
        if runs is None or model is None:
            raise TypeError("give a Comparison, or runs= and model=")
        model_ = load_model(model)
        runs_, horizon_, inds, nm, comparison = list(runs), horizon, tuple(model_.indicators), "ensemble", None
    if spec is None or not spec:
        raise ScenarioError("the baseline has no 'uncertain:' block, so there are no futures to sample",
                            field="uncertain", allowed="an uncertain: block with constants or shocks "
                            "(see docs), or --uncertain FILE")
    if not runs_:
        raise ScenarioError("no scenarios to run", field="runs")
    if horizon_ is None:
        horizon_ = Horizon(model_.initial_time, model_.final_time, model_.time_step, model_.saveper)
    inds = tuple(indicators) if indicators else tuple(inds)
    if not inds:
        raise ScenarioError("no indicators to report", field="indicators")
    resolved = []
    for ind in inds:
        try:
            resolved.append(model_.lookup_name(ind))
        except KeyError:
            raise ScenarioError(f"unknown indicator '{ind}'. " + did_you_mean(ind, model_.variables),
                                field="indicators") from None
    for r in runs_:
        clash = sorted(set(r.params) & set(spec.names))
        if clash:
            raise ScenarioError(f"'{clash[0]}' is uncertain and is also set by scenario '{r.name}'; a lever is a "
                                "decision, not an uncertainty", field=f"uncertain.constants.{clash[0]}",
                                allowed="uncertain constants that no scenario sets")
    shock_inputs = {s.kind: (model_.shocks[s.kind].input, float(model_.shocks[s.kind].duration)) for s in spec.shocks}
    start, end = float(horizon_.start), float(horizon_.end)
    if every is not None:
        report_times(start, end, horizon_.saveper, every)          # checks every against saveper
    if design is None:        # before the design is drawn (a design given was checked by whoever drew it)
        kept = 1 if every is not None else len(saved_times(start, end, float(horizon_.saveper)))
        check_ensemble_memory(int(samples), spec, len(runs_), len(inds), start, end, kept_periods=kept,
                              option="--samples" if every is not None else "--futures")
    if design is not None:
        smp = transform(spec, design, start=start, end=end, seed=seed, method=design_method or "design")
    else:
        smp = sample(spec, int(samples), seed=seed, start=start, end=end, method=sampler)
    if every is not None:      # period means must count each pulse once, in its own period
        for kind, (_inp, duration) in shock_inputs.items():
            check_pulses(kind, smp.onsets[kind], duration, start=start, end=end, saveper=horizon_.saveper,
                         every=every)
    return Plan(model=model_, horizon=horizon_, seed=seed, runs=tuple(runs_), comparison=comparison,
                indicators=tuple(resolved), futures=Futures(spec, smp, shock_inputs),
                every=None if every is None else float(every),
                method=method, name=name or nm or runs_[0].name)
