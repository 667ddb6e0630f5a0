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

How one lever's interventions compose
-------------------------------------
Each intervention has a weight ``w(t)``: 0 before its ``start``, rising linearly to 1 over
``ramp_years`` (a step when 0: 1 from the first time at or after ``start``). With the
lever's base ``b`` (the scenario's ``set`` value, else the model's constant), the lever is::

    S(t) = b, then for each `set` v_k in file order:  S(t) <- S(t) + w_k(t) * (v_k - S(t))
    value(t) = (S(t) + sum of a_k * w_k(t) over `add`s) * product of (1 + (f_k - 1) * w_k(t)) over `scale`s

i.e. sets first (each ramps from whatever the lever was), then adds, then scales. A single
intervention gives exactly the two points of docs/architecture.md: ``{s: b, s+r: new}``,
and a step ``{s - 1e-6: b, s: new}``. A shock of magnitude ``m`` in year ``y`` adds a pulse
of height ``m`` and width ``duration`` (from the model's sidecar) to its input:
``{y - 1e-6: 0, y: m, y + d - 1e-6: m, y + d: 0}`` on top of the input's value.

Costs
-----
``capex_idr_bn`` and ``opex_idr_bn_per_year`` of a run sum the costs of the interventions it
adds to the baseline (so the baseline costs 0 in a comparison). ``total_cost_idr_bn`` is
capex plus opex for the years each intervention operates within the horizon (undiscounted).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import ScenarioError

__all__ = ["RunSpec", "Plan", "build_plan", "lever_series", "shock_series", "STEP_EPS", "KINDS"]

STEP_EPS = 1e-6          # Year: a step at s is the two points {s - STEP_EPS: old, s: new}
KINDS = ("baseline", "intervention", "bundle")


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
    sha256 : str
        The scenario's hash (for a bundle: a hash of the baseline's and members' hashes).
    shocks : tuple of (kind, year, magnitude)
    interventions : tuple of Intervention
        Everything applied in this run, baseline included, in order.
    set : mapping of constant name -> float
    """

    name: str
    kind: str
    params: Mapping[str, Any]
    title_en: str = ""
    title_id: str = ""
    focus_area: str | None = None
    track: str | None = None
    members: tuple[str, ...] = ()
    capex_idr_bn: float = 0.0
    opex_idr_bn_per_year: float = 0.0
    total_cost_idr_bn: float = 0.0
    sha256: str = ""
    shocks: tuple[tuple[str, float, float], ...] = ()
    interventions: tuple = ()
    set: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Runs that share one model, horizon and seed.

    Attributes
    ----------
    model : Model
    horizon : Horizon
        ``start``, ``end``, ``dt``, ``saveper`` [Year].
    seed : int or None
    runs : tuple of RunSpec
    comparison : Comparison or None
    indicators : tuple of str
        The indicators to compare (the comparison's, else all of the model's).
    """

    model: Any
    horizon: Any
    seed: int | None
    runs: tuple[RunSpec, ...]
    comparison: Any = None
    indicators: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.runs]

    def params_list(self) -> list[dict[str, Any]]:
        """Per-run params for PySD: scalars, or ``pandas.Series`` indexed by time."""
        out = []
        for r in self.runs:
            p = {}
            for k, v in r.params.items():
                p[k] = v.to_series() if isinstance(v, xr.DataArray) else float(v)
            out.append(p)
        return out

    def batch_params(self) -> dict[str, Any]:
        """All runs' params in one mapping for :func:`cityfutures.simulate` (dim ``run``).

        A constant that no run varies over time becomes a 1-D array (one value per run);
        one that any run varies becomes a DataArray ``(run, time)`` on the union of all
        runs' points (exact, since every series is piecewise linear between its points).
        Runs that leave a constant alone get the model's value.
        """
        names = sorted({k for r in self.runs for k in r.params})
        out: dict[str, Any] = {}
        for name in names:
            default = _constant_value(self.model, name)
            values = [r.params.get(name, default) for r in self.runs]
            series = [v for v in values if isinstance(v, xr.DataArray)]
            if not series:
                out[name] = np.array([float(v) for v in values])
                continue
            grid = np.unique(np.concatenate([s["time"].values for s in series]))
            rows = []
            for v in values:
                if isinstance(v, xr.DataArray):
                    rows.append(np.interp(grid, v["time"].values, v.values))
                else:
                    rows.append(np.full(grid.size, float(v)))
            out[name] = xr.DataArray(np.vstack(rows), dims=("run", "time"), coords={"time": grid})
        return out


# ----------------------------------------------------------------------------- time series
def _weight(t: np.ndarray, start: float, ramp: float) -> np.ndarray:
    if ramp <= 0:
        return (t >= start).astype(float)
    return np.clip((t - start) / ramp, 0.0, 1.0)


def _points(start: float, ramp: float) -> list[float]:
    return [start, start + ramp] if ramp > 0 else [start - STEP_EPS, start]


def _start_of(iv, horizon) -> float:
    return float(horizon.start if getattr(iv, "start", None) is None else iv.start)


def lever_series(base: float, interventions: Sequence[Any], horizon: Any) -> float | xr.DataArray:
    """The value of one lever over time under its interventions (see the module docstring).

    Parameters
    ----------
    base : float
        The lever's value without interventions [lever units].
    interventions : sequence of Intervention
        Only those on this lever, in file order.
    horizon : Horizon
        For ``start`` (an intervention without a start begins there) and ``dt``.

    Returns
    -------
    float or DataArray
        ``base`` when there is nothing to apply, else a series with dim ``time``.
    """
    if not interventions:
        return float(base)
    pts: list[float] = []
    for iv in interventions:
        pts += _points(_start_of(iv, horizon), float(iv.ramp_years or 0.0))
    nonlinear = len(interventions) > 1 and any(iv.mode in ("set", "scale") for iv in interventions)
    if nonlinear:  # products of ramps are not straight lines: sample at every time step they overlap
        lo, hi = min(pts), max(pts)
        dt = float(horizon.dt)
        n = int(np.floor((hi - lo) / dt + 1e-9))
        pts += list(lo + dt * np.arange(n + 1))
    t = np.unique(np.round(np.asarray(pts, dtype=float), 9))
    level = np.full(t.size, float(base))
    for iv in interventions:
        if iv.mode == "set":
            w = _weight(t, _start_of(iv, horizon), float(iv.ramp_years or 0.0))
            level = level + w * (float(iv.value) - level)
    for iv in interventions:
        if iv.mode == "add":
            level = level + float(iv.value) * _weight(t, _start_of(iv, horizon), float(iv.ramp_years or 0.0))
    for iv in interventions:
        if iv.mode == "scale":
            w = _weight(t, _start_of(iv, horizon), float(iv.ramp_years or 0.0))
            level = level * (1.0 + (float(iv.value) - 1.0) * w)
    for iv in interventions:
        if iv.mode not in ("set", "add", "scale"):
            raise ScenarioError(f"unknown intervention mode {iv.mode!r}", field="interventions.mode",
                                allowed="set, add, scale")
    return xr.DataArray(level, dims="time", coords={"time": t})


def shock_series(base: float | xr.DataArray, pulses: Iterable[tuple[float, float, float]]) -> xr.DataArray:
    """``base`` plus rectangular pulses ``(year, magnitude, duration)``, as a series over time."""
    pulses = list(pulses)
    pts = [p for (y, _, d) in pulses for p in (y - STEP_EPS, y, y + d - STEP_EPS, y + d)]
    if isinstance(base, xr.DataArray):
        pts += list(base["time"].values)
    t = np.unique(np.round(np.asarray(pts, dtype=float), 9))
    if isinstance(base, xr.DataArray):
        level = np.interp(t, base["time"].values, base.values)
    else:
        level = np.full(t.size, float(base))
    for (y, m, d) in pulses:
        level = level + float(m) * ((t >= y) & (t < y + d - STEP_EPS / 2))
    return xr.DataArray(level, dims="time", coords={"time": t})


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


def _compose(baseline, members: Sequence[Any], run_name: str, where: str | None):
    """(set mapping, interventions, shocks) of the baseline plus ``members``."""
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
        base = float(sets[lever]) if lever in sets else _constant_value(model, lever)
        series = lever_series(base, ivs, horizon)
        _check_range(model, run_name, lever, series, where)
        params[lever] = series
    pulses: dict[str, list] = {}
    for sh in shocks:
        meta = model.shocks.get(sh.kind)
        if meta is None:
            raise ScenarioError(f"run '{run_name}': unknown shock kind '{sh.kind}'", path=where, field="shocks",
                                allowed=", ".join(model.shocks) or "(the model defines no shocks)")
        pulses.setdefault(meta.input, []).append((float(sh.year), float(sh.magnitude), float(meta.duration)))
    for inp, ps in pulses.items():
        base = params.get(inp, float(sets[inp]) if inp in sets else _constant_value(model, inp))
        params[inp] = shock_series(base, ps)
    return params


def _check_range(model, run_name, lever, series, where) -> None:
    var = model.variables.get(lever)
    if var is None:
        raise ScenarioError(f"run '{run_name}': '{lever}' is not a variable of model '{model.name}'",
                            path=where, field="interventions.lever")
    lo, hi = var.minimum, var.maximum
    values = series.values if isinstance(series, xr.DataArray) else np.array([series])
    times = series["time"].values if isinstance(series, xr.DataArray) else np.array([np.nan])
    too_low = values < lo - 1e-9 * max(1.0, abs(lo)) if not np.isnan(lo) else np.zeros(values.shape, bool)
    too_high = values > hi + 1e-9 * max(1.0, abs(hi)) if not np.isnan(hi) else np.zeros(values.shape, bool)
    bad = np.nonzero(too_low | too_high)[0]
    if len(bad):
        i = bad[0]
        raise ScenarioError(
            f"run '{run_name}': lever '{lever}' reaches {values[i]:g} in {times[i]:g}, outside its range "
            f"[{lo:g}, {hi:g}] once its interventions are combined", path=where, field="interventions",
            allowed=f"{lo:g} to {hi:g} [{var.units}]")


def _costs(interventions: Sequence[Any], horizon) -> tuple[float, float, float]:
    capex = opex = total = 0.0
    for iv in interventions:
        cost = getattr(iv, "cost", None)
        if cost is None:
            continue
        c, o = float(cost.capex_idr_bn or 0.0), float(cost.opex_idr_bn_per_year or 0.0)
        years = max(0.0, float(horizon.end) - max(_start_of(iv, horizon), float(horizon.start)))
        capex += c
        opex += o
        total += c + o * years
    return capex, opex, total


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
        sets, ivs, shocks = _compose(baseline, members, name, where)
        base_left = Counter(baseline.interventions) if kind != "baseline" else Counter()
        extra = []
        for iv in ivs:
            if base_left[iv]:
                base_left[iv] -= 1
            else:
                extra.append(iv)
    capex, opex, total = _costs(extra, horizon)
    params = _params(model, horizon, name, sets, ivs, shocks, where)
    return RunSpec(name=name, kind=kind, params=params, title_en=title_en, title_id=title_id,
                   focus_area=focus_area, track=track, members=tuple(m.name for m in members) if kind == "bundle"
                   else (), capex_idr_bn=capex, opex_idr_bn_per_year=opex, total_cost_idr_bn=total, sha256=sha,
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
                indicators=tuple(model.indicators))


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
                indicators=indicators)
