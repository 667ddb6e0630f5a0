"""Scenarios and comparisons: YAML files (or dicts) -> frozen dataclasses, validated once.

A scenario is a ten-year future: a model, a horizon, constants set for the whole run,
interventions (programmes acting on levers) and shocks. A comparison names a baseline,
intervention scenarios, bundles of them, and the indicators to compare.

Every check happens here, at the edge; what :func:`load_scenario` and
:func:`load_comparison` return is trusted downstream. A bad file raises
:class:`~cityfutures.errors.ScenarioError`, one line ``path:line: field: problem (allowed: ...)``.
YAML is read with ``yaml.safe_load`` rules only; nothing a user wrote is evaluated.

``extends`` merge rule (child over parent, applied along the whole chain):

* ``name`` and ``extends`` are never inherited: every file names itself.
* ``horizon`` and ``set`` merge key by key (``set`` names compared as Vensim does:
  case, spaces and underscores ignored); the child's value wins.
* ``interventions`` and ``shocks`` are lists: the child's list **replaces** the parent's.
  ``add_interventions`` / ``add_shocks`` **append** to the parent's list instead (a file
  may not give both forms, and the ``add_`` forms need ``extends``).
* every other key (``title``, ``model``, ``focus_area``, ``track``, ``seed``,
  ``description``, ``source``, ``owner``) is replaced as a whole when the child gives it.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, Mapping

import numpy as np
from pydantic import ValidationError

from ..errors import InputError, ModelError, ScenarioError
from ..files import sha256_file
from ..model import Label, Model, bundled_models_dir, load_model, resolve_model_path
from ..names import CONTROL_NAMES, did_you_mean, norm_name
from ..yamlio import YamlDocument, field_path, read_yaml
from .portfolio import parse_portfolio
from .schema import (
    SLUG,
    SLUG_RULE,
    TRACKS,
    Located,
    RawComparison,
    check_label,
    check_names,
    confined,
    doc_fail,
    listing,
    merge_chain,
    outside,
    range_text,
    read_chain,
    schema_error,
    whole,
)
from .series import compose, first_outside
from .types import (
    DEFAULT_DISCOUNT_RATE,
    MAX_DISCOUNT_RATE,
    Comparison,
    Cost,
    FrozenDict,
    Horizon,
    Intervention,
    Scenario,
    ShockEvent,
)
from .uncertain import parse_uncertain

__all__ = ["load_scenario", "load_comparison", "load_file", "is_comparison", "load_any", "against_baseline"]

_MODES = ("set", "add", "scale")
_MAX_STEPS = 200_000
MAX_COST_IDR_BN = 1e12
"""Largest cost of one scenario's programme over its horizon [IDR billion] (a thousand times Indonesia's
annual GDP): any sum of costs a comparison makes stays finite."""
_MAX_SEED = 2**32 - 1     # numpy's legacy generators and most samplers take 32-bit seeds


# ----------------------------------------------------------------------------- helpers
def _canonical_sha(content: Any) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _dict_doc(data: Mapping, what: str) -> YamlDocument:
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{what} must be a mapping of keys to values, got {type(data).__name__}",
                            path="<dict>")
    return YamlDocument(path=Path("<dict>"), data=dict(data), text="", lines={})


def _open(source, what: str) -> tuple[YamlDocument, Path | None]:
    if isinstance(source, Mapping):
        return _dict_doc(source, what), None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        return read_yaml(path, error=ScenarioError, what=what), path
    raise ScenarioError(f"expected a file path or a mapping, got {type(source).__name__}", path="<api>")


# ----------------------------------------------------------------------------- against the model
def _model_roots(confine: str | os.PathLike) -> tuple[Path | None, ...]:
    """The folders a model of a confined scenario folder may lie in: the folder itself, the ``models/``
    folder beside it (a project's layout, where a model named without a path is found) and the bundled
    models (None when there are none)."""
    confine = Path(confine)
    return confine, confine.parent / "models", bundled_models_dir()


def _resolve_model(data: dict, loc: Located, base_dir: Path, model: Model | str | os.PathLike | None,
                   confine: Path | None = None) -> Model:
    ref = data.get("model")
    if ref is None:
        if model is None:
            loc.fail(("model",), "missing required key",
                     "a bundled model name such as 'jakarta' or a path to a model file (.mdl or XMILE)")
        return load_model(model)
    doc, _ = loc.where[("model",)]
    folder = base_dir if str(doc.path) == "<dict>" else doc.path.parent
    try:
        path = resolve_model_path(ref, relative_to=folder)
    except ModelError as exc:
        loc.fail(("model",), exc.problem, exc.allowed)
    if confine is not None and not any(root is not None and confined(path, root) for root in _model_roots(confine)):
        loc.fail(("model",), f"model '{ref}' ({path}) is outside the scenario folder {confine}",
                 f"a model inside the folder or in {Path(confine).parent / 'models'}, or a bundled model by name")
    if model is not None:
        given = load_model(model)
        if path != given.path.resolve() and sha256_file(path) != given.sha256:
            loc.fail(("model",), f"this scenario runs model '{ref}' ({path}) but is loaded against "
                     f"model '{given.name}' ({given.path})", f"'{given.name}' or leave the key out")
        return given
    return load_model(path)


def _horizon(data: dict, loc: Located, m: Model) -> Horizon:
    h = data.get("horizon") or {}
    start = float(h.get("start", m.initial_time))
    end = float(h.get("end", m.final_time))
    dt = float(h.get("dt", m.time_step))
    f = ("horizon",)
    if not end > start:
        loc.fail(f + ("end",), f"end {end:g} must be after start {start:g}", f"a year after {start:g}")
    for key, value, var in (("start", start, "INITIAL TIME"), ("end", end, "FINAL TIME")):
        documented = m.variables.get(var)
        if documented is not None and outside(value, documented.minimum, documented.maximum):
            lo, hi = documented.minimum, documented.maximum
            side = ("before the model's documented start" if key == "start" and value < lo else
                    "past the model's documented end" if key == "end" and value > hi else
                    f"outside the model's documented range of {var}")
            loc.fail(f + (key,), f"{key} {value:g} is {side} ({var} [{range_text(lo, hi).replace(' to ', ', ')}] "
                     f"in {m.path.name})", range_text(lo, hi))
    span = end - start
    if not math.isfinite(span):
        loc.fail(f + ("end",), f"the horizon {start:g}-{end:g} is too long to count", "a horizon of a few decades")
    if not dt > 0:
        loc.fail(f + ("dt",), f"time step must be positive, got {dt:g}", "e.g. 0.0625, 0.125, 0.25")
    steps = span / dt
    if steps < 1 or not whole(steps):
        fits = [c for c in (1, 0.5, 0.25, 0.125, 0.0625, 0.03125) if c <= span and whole(span / c)]
        loc.fail(f + ("dt",), f"time step {dt:g} does not divide the horizon {start:g}-{end:g} "
                 f"({span:g} years) into whole steps", ", ".join(f"{c:g}" for c in fits) or None)
    if steps > _MAX_STEPS:
        loc.fail(f + ("dt",), f"time step {dt:g} makes {steps:,.0f} steps, more than {_MAX_STEPS:,}",
                 f"at least {span / _MAX_STEPS:g}")
    if "saveper" in h:
        saveper = float(h["saveper"])
    else:  # the model's own, when it still fits the (possibly changed) time step
        saveper = m.saveper if m.saveper >= dt and whole(m.saveper / dt) else dt
    k = saveper / dt
    if not saveper > 0 or k < 1 - 1e-9 or not whole(k):
        loc.fail(f + ("saveper",), f"saving interval {saveper:g} must be a positive multiple of the time "
                 f"step {dt:g}", f"{dt:g}, {2 * dt:g}, {4 * dt:g}, ...")
    if saveper > span + 1e-9:
        loc.fail(f + ("saveper",), f"saving interval {saveper:g} is longer than the horizon ({span:g} years)")
    return Horizon(start=start, end=end, dt=dt, saveper=saveper)


def _constant(loc: Located, m: Model, where: tuple, name: str):
    try:
        real = m.lookup_name(name)
    except KeyError:
        hint = did_you_mean(name, m.constants)
        loc.fail(where, f"'{name}' is not a constant of the model" + (f"; {hint}" if hint else ""),
                 "a constant of the model (see 'cityfutures levers' for the levers)")
    if real in CONTROL_NAMES:
        loc.fail(where, f"'{real}' is a time setting", "horizon: {start, end, dt, saveper}")
    shock = next((k for k, sh in m.shocks.items() if sh.input == real), None)
    if shock is not None:
        loc.fail(where, f"'{real}' is the input of '{shock}' shocks, pulsed by the engine",
                 f"shocks: [{{kind: {shock}, year: ..., magnitude: ...}}]")
    if real not in m.constants:
        kind = m.variables[real].kind or "computed variable"
        loc.fail(where, f"'{real}' is a {kind}, not a scalar constant: only constants can be set",
                 "a constant of the model (see 'cityfutures levers' for the levers)")
    return m.constants[real]


def _lever(loc: Located, m: Model, where: tuple, name: str):
    allowed = listing(m.levers, 40, "; see 'cityfutures levers'")
    try:
        real = m.lookup_name(name)
    except KeyError:
        real = None
    if real is None or real not in m.levers:
        if not m.levers:
            loc.fail(where, f"'{name}' is not a lever: the model declares no levers "
                     f"(no {m.name}.meta.yaml next to it)")
        if real is not None and real in m.constants:
            loc.fail(where, f"'{real}' is a constant but not a lever of the model; to change it for the "
                     "whole run use set:", allowed)
        hint = did_you_mean(name, m.levers)
        loc.fail(where, f"unknown lever '{name}'" + (f"; {hint}" if hint else ""), allowed)
    return m.levers[real]


def _interventions(data: dict, loc: Located, m: Model, hz: Horizon,
                   set_values: Mapping[str, float]) -> tuple[Intervention, ...]:
    out: list[Intervention] = []
    total = 0.0                     # capex + opex over the horizon [IDR billion]
    by_lever: dict[str, list[int]] = {}
    n_on_lever = Counter(norm_name(raw["lever"]) for raw in data.get("interventions") or [])
    for i, raw in enumerate(data.get("interventions") or []):
        at = ("interventions", i)
        lever = _lever(loc, m, at + ("lever",), raw["lever"])
        by_lever.setdefault(lever.name, []).append(i)
        modes = [k for k in _MODES if k in raw]
        if len(modes) != 1:
            problem = ("says neither how to change the lever" if not modes else
                       f"give only one of set, add or scale (got {' and '.join(modes)})")
            loc.fail(at, problem, "exactly one of set, add, scale",
                     line_loc=at + (modes[1],) if len(modes) > 1 else at)
        mode = modes[0]
        value = float(raw[mode])
        base = set_values.get(lever.name, lever.baseline)
        if mode == "scale" and base == 0:
            loc.fail(at + ("scale",), f"scaling '{lever.name}' changes nothing: its baseline is 0",
                     "add or set")
        target = {"set": value, "add": base + value, "scale": base * value}[mode]
        if n_on_lever[norm_name(raw["lever"])] == 1 and outside(target, lever.minimum, lever.maximum):
            lo, hi = lever.minimum, lever.maximum
            if mode == "set":
                allowed = range_text(lo, hi)
                how = ""
            elif mode == "add":
                allowed = f"add {range_text(lo - base, hi - base)}"
                how = f" (baseline {base:g} + {value:g})"
            else:
                allowed = f"scale {range_text(lo / base, hi / base)}" if base > 0 else range_text(lo, hi)
                how = f" (baseline {base:g} x {value:g})"
            loc.fail(at + (mode,), f"'{lever.name}' would be {target:g}{how}, outside its range "
                     f"[{range_text(lo, hi).replace(' to ', ', ')}] [{lever.units}]", allowed)
        start = float(raw.get("start", hz.start))
        if not hz.start <= start < hz.end:
            loc.fail(at + ("start",), f"start {start:g} is outside the horizon {hz.start:g}-{hz.end:g}",
                     f"{hz.start:g} <= start < {hz.end:g}")
        ramp = float(raw.get("ramp_years", 0.0))
        if ramp < 0:
            loc.fail(at + ("ramp_years",), f"must not be negative, got {ramp:g}",
                     "0 (a step) or a positive number of years")
        cost_raw = raw.get("cost") or {}
        for key in ("capex_idr_bn", "opex_idr_bn_per_year"):
            if float(cost_raw.get(key, 0.0)) < 0:
                loc.fail(at + ("cost", key), f"must not be negative, got {cost_raw[key]:g}",
                         "0 or more [IDR billion]")
        cost = Cost(**{k: float(v) for k, v in cost_raw.items()})
        total += cost.capex_idr_bn + cost.opex_idr_bn_per_year * max(0.0, hz.end - max(start, hz.start))
        if not total <= MAX_COST_IDR_BN:
            years = max(0.0, hz.end - max(start, hz.start))
            key = ("opex_idr_bn_per_year" if cost.opex_idr_bn_per_year * years > cost.capex_idr_bn
                   else "capex_idr_bn")
            loc.fail(at + ("cost", key), f"the programme's costs add up to {total:.3g} IDR billion over the "
                     f"horizon, more than {MAX_COST_IDR_BN:.0e}", f"0 to {MAX_COST_IDR_BN:.0e} IDR billion in all")
        out.append(Intervention(lever=lever.name, mode=mode, value=value, start=start, ramp_years=ramp,
                                cost=cost, source=raw.get("source")))
    for name, idx in by_lever.items():
        if len(idx) > 1:
            _check_composed(loc, m.levers[name], [out[i] for i in idx], idx, set_values, hz)
    return tuple(out)


def _check_composed(loc: Located, lever, ivs: list[Intervention], idx: list[int],
                    set_values: Mapping[str, float], hz: Horizon) -> None:
    """Several interventions on one lever compose by the rule of :mod:`cityfutures.scenario.series`;
    the lever must stay in range at every time step."""
    t = hz.start + hz.dt * np.arange(int(round((hz.end - hz.start) / hz.dt)) + 1)
    level = compose(set_values.get(lever.name, lever.baseline), ivs, t, hz.start)
    lo, hi = lever.minimum, lever.maximum
    k = first_outside(level, lo, hi)
    if k is not None:
        when = t[k]
        last = max((j for j, iv in zip(idx, ivs) if iv.start <= when + 1e-9), default=idx[-1])
        which = ", ".join(f"interventions[{j}]" for j in idx)
        loc.fail(("interventions", last, "lever"), f"together, {which} take '{lever.name}' to {level[k]:g} "
                 f"in {when:g}, outside its range [{range_text(lo, hi).replace(' to ', ', ')}] [{lever.units}]",
                 range_text(lo, hi))


def _shocks(data: dict, loc: Located, m: Model, hz: Horizon) -> tuple[ShockEvent, ...]:
    out: list[ShockEvent] = []
    for i, raw in enumerate(data.get("shocks") or []):
        at = ("shocks", i)
        kind = raw["kind"]
        if kind not in m.shocks:
            hint = did_you_mean(kind, m.shocks)
            loc.fail(at + ("kind",), f"unknown shock kind '{kind}'" + (f"; {hint}" if hint else ""),
                     listing(m.shocks) if m.shocks else f"(none: {m.name} declares no shocks)")
        shock = m.shocks[kind]
        year = float(raw["year"])
        if not hz.start <= year < hz.end:
            loc.fail(at + ("year",), f"year {year:g} is outside the horizon {hz.start:g}-{hz.end:g}",
                     f"{hz.start:g} <= year < {hz.end:g}")
        mag = float(raw["magnitude"])
        lo, hi = shock.magnitude_range
        if not lo <= mag <= hi:
            loc.fail(at + ("magnitude",), f"magnitude {mag:g} is outside the range of '{kind}' shocks",
                     f"{lo:g} to {hi:g}")
        out.append(ShockEvent(kind=kind, year=year, magnitude=mag))
    return tuple(out)


def _scenario_sha(content: dict, m: Model) -> str:
    return _canonical_sha({"model_sha256": m.sha256, **content})


def load_scenario(source: str | os.PathLike | Mapping, *, model: Model | str | os.PathLike | None = None,
                  base_dir: str | os.PathLike | None = None, confine: str | os.PathLike | None = None) -> Scenario:
    """Read and validate a scenario file (or a mapping of the same shape).

    Parameters
    ----------
    source : path or mapping
        A scenario YAML file, or a dict with the same keys (shown as ``<dict>`` in messages).
    model : Model, str or path, optional
        The model to validate against when the scenario names none; when it names one,
        that must be the same model.
    base_dir : path, optional
        Folder against which a mapping's ``extends`` and ``model`` resolve (default: cwd).
    confine : path, optional
        A folder every file the scenario reads must lie in (``extends`` parents, the model, links
        followed); a bundled model is allowed too. The dashboard confines a scenario folder.

    Returns
    -------
    Scenario
        With ``extends`` resolved, names normalised to the model's, defaults filled in.

    Raises
    ------
    ScenarioError
        The first problem found, as ``path:line: field: problem (allowed: ...)``.

    Examples
    --------
    >>> s = load_scenario("scenarios/mrt-phase-2.yaml")           # doctest: +SKIP
    >>> s.interventions[0].lever                                   # doctest: +SKIP
    'Rail transit capacity'
    """
    doc, path = _open(source, "scenario file")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    confine = Path(confine) if confine is not None else None
    if path is not None and not confined(path, confine):
        raise ScenarioError(f"is outside the scenario folder {confine}", path=str(path),
                            allowed="a scenario file inside the folder")
    chain = read_chain(doc, base, (path.resolve(),) if path is not None else (), confine)
    data, loc = merge_chain(chain)
    m = _resolve_model(data, loc, base, model, confine)
    hz = _horizon(data, loc, m)
    if "title" not in data:
        loc.fail(("title",), "missing required key", "a title in English and Indonesian: {en: ..., id: ...}")
    title = Label(en=data["title"]["en"], id=data["title"]["id"])
    focus_areas = tuple(m.focus_areas)
    focus = data.get("focus_area")
    if focus is not None and focus not in focus_areas:
        hint = did_you_mean(focus, focus_areas)
        loc.fail(("focus_area",), f"unknown focus area '{focus}'" + (f"; {hint}" if hint else ""),
                 ", ".join(focus_areas) or f"(none: {m.name} declares no focus areas)")
    track = data.get("track")
    if track is not None and track not in TRACKS:
        loc.fail(("track",), f"unknown track '{track}'", ", ".join(TRACKS))
    set_values: dict[str, float] = {}
    for name, value in (data.get("set") or {}).items():
        var = _constant(loc, m, ("set", name), name)
        if outside(float(value), var.minimum, var.maximum):
            loc.fail(("set", name), f"{float(value):g} is outside the range of '{var.name}' "
                     f"[{range_text(var.minimum, var.maximum).replace(' to ', ', ')}] [{var.units}]",
                     range_text(var.minimum, var.maximum))
        set_values[var.name] = float(value)
    interventions = _interventions(data, loc, m, hz, set_values)
    shocks = _shocks(data, loc, m, hz)
    seed = data.get("seed")
    if seed is not None and not 0 <= seed <= _MAX_SEED:
        loc.fail(("seed",), f"must not be negative, got {seed}" if seed < 0 else f"is too large, got {seed}",
                 f"a whole number from 0 to {_MAX_SEED}")
    uncertain = None
    if data.get("uncertain") is not None:
        udoc, uloc = loc.where.get(("uncertain",), (loc.root, ("uncertain",)))
        uncertain = parse_uncertain(data["uncertain"], m, path=str(udoc.path), doc=udoc, prefix=uloc)
    content = {
        "name": data["name"], "title": {"en": title.en, "id": title.id}, "horizon": asdict(hz),
        "focus_area": focus, "track": track, "set": dict(sorted(set_values.items())),
        "interventions": [asdict(i) for i in interventions], "shocks": [asdict(s) for s in shocks],
        "seed": seed, "description": data.get("description", ""), "source": data.get("source"),
        "owner": data.get("owner"), "uncertain": data.get("uncertain"),
    }
    if data.get("agency") is not None:   # only when given: older scenarios keep their hashes
        content["agency"] = data["agency"]
    root = chain[0].path if len(chain) > 1 and str(chain[0].path) != "<dict>" else None
    return Scenario(name=data["name"], title=title, path=path, sha256=_scenario_sha(content, m), model=m,
                    horizon=hz, focus_area=focus, track=track, set=FrozenDict(set_values),
                    interventions=interventions, shocks=shocks, seed=seed,
                    description=content["description"], source=content["source"], owner=content["owner"],
                    agency=data.get("agency"), uncertain=uncertain, base_path=root)


# ----------------------------------------------------------------------------- comparisons
def _scenario_path(doc: YamlDocument, folder: Path, at: tuple, ref: str, confine: Path | None = None) -> Path:
    p = Path(os.path.normpath(folder / ref))   # relative stays relative: shorter messages
    if not p.is_file():
        doc_fail(doc, at, f"scenario file '{ref}' not found (looked for {p})",
                  "a scenario file path relative to the comparison file")
    if not confined(p, confine):
        doc_fail(doc, at, f"scenario file '{ref}' is outside the scenario folder {confine}",
                 "a scenario file inside the folder")
    return p


def load_comparison(source: str | os.PathLike | Mapping, *,
                    base_dir: str | os.PathLike | None = None, confine: str | os.PathLike | None = None) -> Comparison:
    """Read and validate a comparison file and every scenario it names.

    Scenario paths resolve relative to the comparison file (for a mapping: ``base_dir``,
    default the current folder). All scenarios must run the same model over the same
    horizon; names must be unique; bundles name intervention scenarios; indicators are
    the model's (default: all of them). ``confine``: as :func:`load_scenario`, for every file.

    Raises
    ------
    ScenarioError
        The first problem, in the comparison or in one of its scenario files.
    """
    confine = Path(confine) if confine is not None else None
    doc, path = _open(source, "comparison file")
    if path is not None and not confined(path, confine):
        raise ScenarioError(f"is outside the scenario folder {confine}", path=str(path),
                            allowed="a comparison file inside the folder")
    try:
        RawComparison.model_validate(doc.data)
    except ValidationError as exc:
        raise schema_error(exc, doc, comparison=True) from None
    data = doc.data
    folder = path.parent if path is not None else (Path(base_dir) if base_dir is not None else Path.cwd())
    if not SLUG.match(data["name"]):
        doc_fail(doc, ("name",), f"'{data['name']}' is not a slug", SLUG_RULE)
    if "title" in data:
        check_label(doc, ("title",), data["title"])
        title = Label(**data["title"])
    else:
        title = Label(en=data["name"], id=data["name"])
    baseline = load_scenario(_scenario_path(doc, folder, ("baseline",), data["baseline"], confine), confine=confine)
    if not data["interventions"]:
        doc_fail(doc, ("interventions",), "lists no scenarios", "one or more scenario files")
    seen: dict[str, str] = {baseline.name: "baseline"}
    scenarios: list[Scenario] = []
    for i, ref in enumerate(data["interventions"]):
        at = ("interventions", i)
        s = load_scenario(_scenario_path(doc, folder, at, ref, confine), confine=confine)
        if s.name in seen:
            doc_fail(doc, at, f"scenario name '{s.name}' ({ref}) is used twice (also by {seen[s.name]})",
                      "unique scenario names")
        seen[s.name] = field_path(at)
        if s.model.sha256 != baseline.model.sha256:
            doc_fail(doc, at, f"scenario '{s.name}' runs model {s.model.path.name} but the baseline runs "
                      f"{baseline.model.path.name}; a comparison needs one model")
        if s.horizon != baseline.horizon:
            h, b = s.horizon, baseline.horizon
            doc_fail(doc, at, f"scenario '{s.name}' has horizon {h.start:g}-{h.end:g} (dt {h.dt:g}, saveper "
                      f"{h.saveper:g}) but the baseline has {b.start:g}-{b.end:g} (dt {b.dt:g}, saveper "
                      f"{b.saveper:g}); a comparison needs one horizon")
        scenarios.append(s)
    names = [s.name for s in scenarios]
    bundles: dict[str, tuple[str, ...]] = {}
    bundle_titles: dict[str, Label] = {}
    for bname, spec in (data.get("bundles") or {}).items():
        at = ("bundles", bname)
        members = _bundle_members(doc, at, spec)
        if isinstance(spec, Mapping) and "title" in spec:
            bundle_titles[bname] = Label(**spec["title"])
        if isinstance(spec, Mapping):
            at = at + ("members",)
        if not SLUG.match(bname):
            doc_fail(doc, ("bundles", bname), f"bundle name '{bname}' is not a slug", SLUG_RULE)
        if bname in seen:
            doc_fail(doc, ("bundles", bname), f"bundle name '{bname}' is also a scenario name", "a name of its own")
        if len(members) < 2:
            doc_fail(doc, at, "is empty" if not members else "a bundle combines two or more scenarios, "
                      f"this one lists {len(members)}", "two or more of: " + listing(names))
        for j, member in enumerate(members):
            if member == baseline.name:
                doc_fail(doc, at + (j,), f"'{member}' is the baseline, which every run starts from",
                          listing(names))
        bundles[bname] = check_names(doc, at, members, names, "scenario", " in the bundle")
        seen[bname] = field_path(("bundles", bname))
    m = baseline.model
    if data.get("indicators") is None:
        indicators = tuple(m.indicators)
    else:
        if not data["indicators"]:
            doc_fail(doc, ("indicators",), "lists no indicators", "leave the key out for all indicators")
        chosen: list[str] = []
        for j, name in enumerate(data["indicators"]):
            at = ("indicators", j)
            try:
                real = m.lookup_name(name)
            except KeyError:
                real = None
            if real not in m.indicators:
                hint = did_you_mean(name, m.indicators)
                doc_fail(doc, at, f"unknown indicator '{name}'" + (f"; {hint}" if hint else ""),
                          listing(m.indicators, 40, "; see 'cityfutures indicators'"))
            if real in chosen:
                doc_fail(doc, at, f"indicator '{real}' is listed twice")
            chosen.append(real)
        indicators = tuple(chosen)
    weights = _weights(doc, data.get("weights"), m, indicators)
    rate = data.get("discount_rate")
    if rate is not None and not 0 <= rate <= MAX_DISCOUNT_RATE:
        doc_fail(doc, ("discount_rate",), f"{rate:g} is not a yearly rate", f"0 to {MAX_DISCOUNT_RATE:g} (e.g. 0.09 "
                 f"for 9 % a year; default {DEFAULT_DISCOUNT_RATE:g})")
    rate = DEFAULT_DISCOUNT_RATE if rate is None else float(rate)
    content = {"model_sha256": m.sha256, "name": data["name"], "title": [title.en, title.id],
               "baseline": baseline.sha256, "interventions": [s.sha256 for s in scenarios],
               "bundles": {k: list(v) for k, v in bundles.items()}, "indicators": list(indicators),
               "bundle_titles": {k: [v.en, v.id] for k, v in bundle_titles.items()}}
    if weights["focus_areas"] or weights["indicators"] or rate != DEFAULT_DISCOUNT_RATE:
        content.update(weights={k: dict(v) for k, v in weights.items()}, discount_rate=rate)   # older hashes stay
    portfolio = None
    if data.get("portfolio") is not None:
        portfolio = parse_portfolio(doc, data["portfolio"], scenarios)
        content["portfolio"] = portfolio.record()
    return Comparison(name=data["name"], title=title, path=path, sha256=_canonical_sha(content), baseline=baseline,
                      interventions=tuple(scenarios), bundles=FrozenDict(bundles), indicators=indicators,
                      description=data.get("description", ""), bundle_titles=FrozenDict(bundle_titles),
                      weights=FrozenDict(weights), discount_rate=rate, portfolio=portfolio)


def _weights(doc: YamlDocument, raw: Mapping | None, m: Model, indicators: tuple[str, ...]) -> dict:
    """The ``weights:`` block checked against the model and the compared indicators: relative weights
    (>= 0) per focus area and per indicator, each 1 unless given (see :mod:`cityfutures.analysis.score`)."""
    raw = raw or {}
    focus = {fa for fa in (m.indicators[i].focus_area for i in indicators)}
    out: dict[str, dict[str, float]] = {"focus_areas": {}, "indicators": {}}
    for fa, w in (raw.get("focus_areas") or {}).items():
        at = ("weights", "focus_areas", fa)
        if fa not in m.focus_areas:
            hint = did_you_mean(fa, m.focus_areas)
            doc_fail(doc, at, f"unknown focus area '{fa}'" + (f"; {hint}" if hint else ""), listing(m.focus_areas))
        if fa not in focus:
            doc_fail(doc, at, f"focus area '{fa}' has no indicator in this comparison, so its weight would go "
                     "nowhere", "focus areas of the compared indicators: " + listing(sorted(focus)))
        if w < 0:
            doc_fail(doc, at, f"must not be negative, got {w:g}", "0 or more (relative weights; default 1)")
        out["focus_areas"][fa] = float(w)
    for name, w in (raw.get("indicators") or {}).items():
        at = ("weights", "indicators", name)
        try:
            real = m.lookup_name(name)
        except KeyError:
            real = None
        if real not in indicators:
            hint = did_you_mean(name, indicators)
            doc_fail(doc, at, f"'{name}' is not an indicator of this comparison" + (f"; {hint}" if hint else ""),
                     listing(indicators))
        if real in out["indicators"]:
            doc_fail(doc, at, f"indicator '{real}' is weighted twice")
        if w < 0:
            doc_fail(doc, at, f"must not be negative, got {w:g}", "0 or more (relative weights; default 1)")
        out["indicators"][real] = float(w)
    fw = {fa: out["focus_areas"].get(fa, 1.0) for fa in focus}
    if not any(v > 0 for v in fw.values()):
        doc_fail(doc, ("weights", "focus_areas"), "every focus area weighs 0: nothing would count",
                 "at least one positive weight")
    for fa, w in fw.items():
        members = [i for i in indicators if m.indicators[i].focus_area == fa]
        if w > 0 and not any(out["indicators"].get(i, 1.0) > 0 for i in members):
            doc_fail(doc, ("weights", "indicators", members[0]), f"every indicator of focus area '{fa}' weighs 0 "
                     "but the focus area does not", f"a positive weight for one of {', '.join(members)}, or "
                     f"focus_areas: {{{fa}: 0}}")
    return {k: FrozenDict(v) for k, v in out.items()}


_BUNDLE_SHAPE = "a list of scenario names, or {title: {en: ..., id: ...}, members: [names]}"


def _bundle_members(doc, at: tuple, spec) -> list[str]:
    """The member names of one bundle entry, in either of its two written forms."""
    if isinstance(spec, Mapping):
        for key in spec:
            if key not in ("title", "members"):
                hint = did_you_mean(str(key), ("title", "members"))
                doc_fail(doc, at + (key,), f"unknown key '{key}'" + (f"; {hint}" if hint else ""), "title, members")
        if "members" not in spec:
            doc_fail(doc, at, "missing required key 'members'", _BUNDLE_SHAPE)
        if "title" in spec:
            title = spec["title"]
            if not isinstance(title, Mapping) or set(title) != {"en", "id"} or not all(
                    isinstance(v, str) for v in title.values()):
                doc_fail(doc, at + ("title",), "must be a mapping with texts 'en' and 'id'",
                          "{en: English title, id: Indonesian title}")
            check_label(doc, at + ("title",), title)
        spec, at = spec["members"], at + ("members",)
    if not isinstance(spec, list):
        doc_fail(doc, at, f"must be a list of scenario names, got {type(spec).__name__}", _BUNDLE_SHAPE)
    for j, member in enumerate(spec):
        if not isinstance(member, str):
            doc_fail(doc, at + (j,), f"must be a scenario name (text), got {member!r}")
    return list(spec)


def against_baseline(scenario: Scenario, baseline: Scenario | str | os.PathLike | None = None) -> Comparison | None:
    """A comparison of one scenario against its baseline: ``baseline``, else the root of the scenario's
    ``extends`` chain; None when it has neither (a scenario of its own).

    Raises
    ------
    ScenarioError
        The baseline runs another model or horizon, or is the scenario itself.
    """
    if baseline is None:
        if scenario.base_path is None:
            return None
        baseline = scenario.base_path
    base = baseline if isinstance(baseline, Scenario) else load_scenario(baseline)
    where = str(base.path) if base.path is not None else "<api>"
    if base.name == scenario.name:
        raise ScenarioError(f"'{scenario.name}' is its own baseline", path=where, field="baseline",
                            allowed="another scenario (the one it extends)")
    if base.model.sha256 != scenario.model.sha256 or base.horizon != scenario.horizon:
        raise ScenarioError(f"the baseline '{base.name}' runs another model or horizon than '{scenario.name}'",
                            path=where, field="baseline", allowed="a baseline with the scenario's model and horizon")
    m = base.model
    indicators = tuple(m.indicators)
    sha = _canonical_sha({"model_sha256": m.sha256, "baseline": base.sha256, "interventions": [scenario.sha256]})
    return Comparison(name=scenario.name, title=scenario.title, path=None, sha256=sha, baseline=base,
                      interventions=(scenario,), bundles=FrozenDict(), indicators=indicators,
                      description=scenario.description)


# ----------------------------------------------------------------------------- either kind
def is_comparison(data: Mapping) -> bool:
    """A comparison file names a ``baseline``; a scenario file does not."""
    return isinstance(data, Mapping) and "baseline" in data


def load_file(source: str | os.PathLike | Mapping) -> Scenario | Comparison:
    """Load a scenario or a comparison, whichever ``source`` holds."""
    if isinstance(source, Mapping):
        data = source
    else:
        data = read_yaml(source, error=ScenarioError, what="scenario or comparison file").data
    return load_comparison(source) if is_comparison(data) else load_scenario(source)



def load_any(what: Any):
    """A Scenario, a Comparison or a list of Scenarios from a path or mapping (either kind of file),
    or ``what`` itself when it is one already.

    Raises
    ------
    InputError
        ``what`` is none of these.
    """
    if isinstance(what, (str, os.PathLike)):
        return load_file(Path(what))
    if isinstance(what, Mapping):
        return load_file(what)
    if isinstance(what, (Scenario, Comparison)):
        return what
    if isinstance(what, (list, tuple)) and what and all(isinstance(w, Scenario) for w in what):
        return list(what)
    raise InputError(f"cannot run a {type(what).__name__}", path="<api>", field="what",
                     allowed="a scenario or comparison file path, a mapping of one, a Scenario, a Comparison, "
                     "a list of Scenarios, or a Plan")
