"""The shape of scenario and comparison files, checked before any model is consulted.

These pydantic models check one file at a time: known keys only (``extra="forbid"``),
strict types (no string or bool where a number belongs, no NaN or infinity), and the
checks that need nothing but the file itself. Everything that needs the model (names,
ranges, the horizon) is checked by :mod:`cityfutures.scenario` after ``extends`` is
resolved. :func:`schema_error` turns a pydantic error into one
``path:line: field: problem (allowed: ...)`` line.

:func:`read_chain` follows ``extends`` (checking each file on its own) and
:func:`merge_chain` merges the chain by the rule documented in :mod:`cityfutures.scenario`,
remembering which file and line every merged part came from (:class:`Located`).
"""
from __future__ import annotations

import datetime
import math
import os
import re
from pathlib import Path
from typing import Annotated, Any, Mapping

from pydantic import AllowInfNan, BaseModel, ConfigDict, Strict, StrictInt, StrictStr, ValidationError

from ..errors import ScenarioError
from ..names import did_you_mean, norm_name
from ..yamlio import YamlDocument, field_path, first_error, number_hint, read_yaml

__all__ = ["RawScenario", "RawComparison", "RawPortfolio", "PORTFOLIO_KEYS", "schema_error",
           "SCENARIO_KEYS", "COMPARISON_KEYS", "INTERVENTION_KEYS", "HORIZON_KEYS", "SHOCK_KEYS", "COST_KEYS",
           "TRACKS", "SLUG", "Located", "read_chain", "merge_chain", "MAX_EXTENDS", "confined"]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_RULE = "lowercase letters, digits and single hyphens, e.g. 'mrt-phase-2'"

Number = Annotated[float, Strict(), AllowInfNan(False)]
TRACKS = ("quick-win", "normal")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RawLabel(_Strict):
    en: StrictStr
    id: StrictStr


class RawHorizon(_Strict):
    start: Number = None
    end: Number = None
    dt: Number = None
    saveper: Number = None


class RawCost(_Strict):
    capex_idr_bn: Number = 0.0
    opex_idr_bn_per_year: Number = 0.0


class RawIntervention(_Strict):
    lever: StrictStr
    set: Number = None
    add: Number = None
    scale: Number = None
    start: Number = None
    ramp_years: Number = 0.0
    cost: RawCost = None
    source: StrictStr = None


class RawShock(_Strict):
    kind: StrictStr
    year: Number
    magnitude: Number


class RawScenario(_Strict):
    name: StrictStr
    title: RawLabel = None
    extends: StrictStr = None
    model: StrictStr = None
    horizon: RawHorizon = None
    focus_area: StrictStr = None
    track: StrictStr = None
    set: dict[StrictStr, Number] = None
    interventions: list[RawIntervention] = None
    add_interventions: list[RawIntervention] = None
    shocks: list[RawShock] = None
    add_shocks: list[RawShock] = None
    seed: StrictInt = None
    description: StrictStr = None
    source: StrictStr = None
    owner: StrictStr = None
    agency: StrictStr = None   # a slug: the agency that delivers it (portfolio budgets per agency)
    uncertain: Any = None   # checked against the model by cityfutures.uncertainty.spec.parse_uncertain


class RawWeights(_Strict):
    focus_areas: dict[StrictStr, Number] = None
    indicators: dict[StrictStr, Number] = None


class RawPortfolio(_Strict):
    budget_idr_bn: Number = None                     # total budget [IDR billion]
    budget_kind: StrictStr = None                    # pv | capex
    focus_area_budgets: dict[StrictStr, Number] = None
    agency_budgets: dict[StrictStr, Number] = None
    must_include: list[StrictStr] = None
    exclusive: list[list[StrictStr]] = None          # at most one of each list
    groups: list[list[StrictStr]] = None             # all of each list, or none
    quick_wins_only: bool = None
    min_quick_wins: StrictInt = None
    max_at_once: StrictInt = None                    # programmes in delivery at the same time


class RawComparison(_Strict):
    name: StrictStr
    title: RawLabel = None
    description: StrictStr = None
    baseline: StrictStr
    interventions: list[StrictStr]
    bundles: dict[StrictStr, Any] = None   # a list of names, or {title: {en, id}, members: [...]}
    indicators: list[StrictStr] = None
    weights: RawWeights = None
    discount_rate: Number = None
    portfolio: RawPortfolio = None   # names checked by cityfutures.scenario.portfolio.parse_portfolio


def _keys(cls) -> tuple[str, ...]:
    return tuple(cls.model_fields)


SCENARIO_KEYS = _keys(RawScenario)
COMPARISON_KEYS = _keys(RawComparison)
WEIGHT_KEYS = _keys(RawWeights)
PORTFOLIO_KEYS = _keys(RawPortfolio)
INTERVENTION_KEYS = _keys(RawIntervention)
HORIZON_KEYS = _keys(RawHorizon)
SHOCK_KEYS = _keys(RawShock)
COST_KEYS = _keys(RawCost)
LABEL_KEYS = _keys(RawLabel)

_SCENARIO_LEVELS = {
    (): SCENARIO_KEYS, ("title",): LABEL_KEYS, ("horizon",): HORIZON_KEYS,
    ("interventions",): INTERVENTION_KEYS, ("add_interventions",): INTERVENTION_KEYS,
    ("interventions", "cost"): COST_KEYS, ("add_interventions", "cost"): COST_KEYS,
    ("shocks",): SHOCK_KEYS, ("add_shocks",): SHOCK_KEYS,
}
_COMPARISON_LEVELS = {(): COMPARISON_KEYS, ("title",): LABEL_KEYS, ("weights",): WEIGHT_KEYS,
                      ("portfolio",): PORTFOLIO_KEYS}

_TYPE_WORDS = {
    "float_type": "must be a number", "float_parsing": "must be a number",
    "finite_number": "must be a finite number (not NaN or infinity)",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text", "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)", "model_attributes_type": "must be a mapping (key: value)",
    "list_type": "must be a list", "bool_type": "must be true or false",
}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return repr(value).lower()
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()})"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _keys_as_text(data: Any, loc: tuple) -> tuple:
    """Mapping keys in ``loc`` as text (YAML ``1:`` is an int key; line numbers are keyed by text)."""
    out = []
    for part in loc:
        if isinstance(data, dict):
            value = data.get(part)
            out.append(str(part))
            data = value
        else:
            out.append(part)
            data = data[part] if isinstance(data, list) and isinstance(part, int) and part < len(data) else None
    return tuple(out)


_DECIMAL_COMMA_IN_FLOW = re.compile(r":\s*[-+]?\d+,\d")


def _line_text(doc: YamlDocument, line: int | None) -> str:
    lines = doc.text.splitlines()
    return lines[line - 1] if line and 0 < line <= len(lines) else ""


def schema_error(exc: ValidationError, doc: YamlDocument, *, comparison: bool = False) -> ScenarioError:
    """The first error of ``exc`` as one :class:`ScenarioError` pointing at ``doc``'s line."""
    first, _ = first_error(exc.errors(include_url=False))
    raw_loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = first["type"]
    is_key = bool(raw_loc) and raw_loc[-1] == "[key]"
    loc = _keys_as_text(doc.data, raw_loc[:-1] if is_key else raw_loc)
    if is_key or kind == "invalid_key":
        level = tuple(p for p in loc[:-1] if isinstance(p, str))
        levels = _COMPARISON_LEVELS if comparison else _SCENARIO_LEVELS
        allowed = ", ".join(levels[level]) if kind == "invalid_key" and level in levels else None
        problem = f"a key must be text, got {_shown(first.get('input'))}"
        if _DECIMAL_COMMA_IN_FLOW.search(_line_text(doc, doc.line_of(loc))):
            problem += "; a decimal comma splits a {...} mapping: write 0.5, not 0,5"
        return ScenarioError(problem, path=str(doc.path),
                             field=field_path(loc) or None, allowed=allowed, line=doc.line_of(loc))
    levels = _COMPARISON_LEVELS if comparison else _SCENARIO_LEVELS
    level = tuple(p for p in loc[:-1] if isinstance(p, str))
    allowed = None
    line_loc = loc
    if kind == "extra_forbidden":
        problem = f"unknown key '{loc[-1]}'"
        if level in levels:
            allowed = ", ".join(levels[level])
            hint = did_you_mean(str(loc[-1]), levels[level])
            if hint:
                problem += "; " + hint
    elif kind == "missing":
        problem = "missing required key"
        line_loc = loc[:-1]
    elif kind in _TYPE_WORDS:
        problem = f"{_TYPE_WORDS[kind]}, got {_shown(first.get('input'))}"
        hint = number_hint(first.get("input"))
        if hint:
            problem += f"; {hint}"
        if kind in ("model_type", "dict_type"):
            sub = tuple(p for p in loc if isinstance(p, str))
            if sub in levels:
                allowed = "keys " + ", ".join(levels[sub])
    else:
        msg = first["msg"]
        problem = f"{msg[:1].lower()}{msg[1:]}, got {_shown(first.get('input'))}"
    return ScenarioError(problem, path=str(doc.path), field=field_path(loc) or None, allowed=allowed,
                         line=doc.line_of(line_loc))


# ----------------------------------------------------------------------------- small helpers
def whole(x: float) -> bool:
    return abs(x - round(x)) <= 1e-9 * max(1.0, abs(x))


def range_text(lo: float, hi: float) -> str:
    lo_s = "-inf" if math.isnan(lo) else f"{lo:g}"
    hi_s = "inf" if math.isnan(hi) else f"{hi:g}"
    return f"{lo_s} to {hi_s}"


def outside(value: float, lo: float, hi: float) -> bool:
    return (not math.isnan(lo) and value < lo) or (not math.isnan(hi) and value > hi)


def listing(names, limit: int = 40, more: str = "") -> str:
    names = list(names)
    if len(names) <= limit:
        return ", ".join(names) or "(none)"
    return ", ".join(names[:limit]) + f", ... ({len(names)} in all{more})"


# ----------------------------------------------------------------------------- extends chains
class Located:
    """Merged data plus where each part came from, for ``path:line`` in messages."""

    def __init__(self, root: YamlDocument):
        self.root = root
        self.where: dict[tuple, tuple[YamlDocument, tuple]] = {}

    def locate(self, loc: tuple) -> tuple[str, int | None]:
        for n in range(len(loc), 0, -1):
            hit = self.where.get(loc[:n])
            if hit is not None:
                doc, dloc = hit
                return str(doc.path), doc.line_of(dloc + loc[n:])
        return str(self.root.path), self.root.line_of(())

    def fail(self, loc: tuple, problem: str, allowed: str | None = None, *, line_loc: tuple | None = None):
        path, line = self.locate(line_loc if line_loc is not None else loc)
        raise ScenarioError(problem, path=path, line=line, field=field_path(loc) or None, allowed=allowed)


def doc_fail(doc: YamlDocument, loc: tuple, problem: str, allowed: str | None = None):
    raise ScenarioError(problem, path=str(doc.path), line=doc.line_of(loc), field=field_path(loc) or None,
                        allowed=allowed)


def check_names(doc: YamlDocument, loc: tuple, names, known, what: str, where: str = "") -> tuple[str, ...]:
    """``names`` (a list at ``loc`` of ``doc``) as a tuple, each one of ``known`` and listed once; else a
    one-line error at the item, with a "did you mean" hint ("unknown {what} 'x'", "'x' is listed twice{where}")."""
    names, known = list(names), list(known)
    for j, name in enumerate(names):
        if name not in known:
            hint = did_you_mean(name, known)
            doc_fail(doc, loc + (j,), f"unknown {what} '{name}'" + (f"; {hint}" if hint else ""), listing(known))
        if name in names[:j]:
            doc_fail(doc, loc + (j,), f"'{name}' is listed twice{where}")
    return tuple(names)


def check_label(doc: YamlDocument, loc: tuple, label: Mapping) -> None:
    for lang in ("en", "id"):
        if not label[lang].strip():
            doc_fail(doc, loc + (lang,), "must not be empty", "a title in English (en) and Indonesian (id)")


# ----------------------------------------------------------------------------- one file
def check_file(doc: YamlDocument) -> None:
    """Checks one scenario file can make without the model or its parents."""
    try:
        RawScenario.model_validate(doc.data)
    except ValidationError as exc:
        raise schema_error(exc, doc) from None
    data = doc.data
    if not SLUG.match(data["name"]) or len(data["name"]) > 64:
        doc_fail(doc, ("name",), f"'{data['name']}' is not a slug", SLUG_RULE + ", at most 64 characters")
    if "title" in data:
        check_label(doc, ("title",), data["title"])
    if "agency" in data and not SLUG.match(data["agency"]):
        doc_fail(doc, ("agency",), f"'{data['agency']}' is not an agency id", SLUG_RULE + " (owner stays free text)")
    for key in ("interventions", "shocks"):
        add = "add_" + key
        if add in data and key in data:
            doc_fail(doc, (add,), f"give either {key} (replaces the parent's list) or {add} "
                      "(appends to it), not both")
        if add in data and "extends" not in data:
            doc_fail(doc, (add,), f"{add} appends to the list of the scenario this one extends, "
                      "but there is no extends", f"{key}, or extends: <parent file>")
    seen: dict[str, str] = {}
    for name in data.get("set") or {}:
        if norm_name(name) in seen:
            doc_fail(doc, ("set", name), f"'{name}' is set twice (also as '{seen[norm_name(name)]}')")
        seen[norm_name(name)] = name


MAX_EXTENDS = 32
"""Most files in one ``extends`` chain (the scenario itself included)."""


def confined(path: Path, root: Path | None) -> bool:
    """Whether ``path`` (its real location, links followed) lies in the folder ``root`` (always when None)."""
    if root is None:
        return True
    try:
        Path(os.path.realpath(path)).relative_to(Path(os.path.realpath(root)))
    except ValueError:
        return False
    return True


def read_chain(doc: YamlDocument, base_dir: Path, stack: tuple[Path, ...], confine: Path | None = None
               ) -> list[YamlDocument]:
    """``doc`` and its ``extends`` ancestors, root-most first; each file checked on its own.

    Followed in a loop (no recursion), at most :data:`MAX_EXTENDS` files; with ``confine``, every
    parent must lie in that folder (symbolic links followed to where they point).
    """
    chain = [doc]
    stack = tuple(stack)
    while True:
        check_file(doc)
        parent_ref = doc.data.get("extends")
        if parent_ref is None:
            return chain[::-1]
        folder = base_dir if str(doc.path) == "<dict>" else doc.path.parent
        parent_path = Path(os.path.normpath(folder / parent_ref))   # as the user would write it, for messages
        if not parent_path.is_file():
            doc_fail(doc, ("extends",), f"scenario '{parent_ref}' to extend not found (looked for {parent_path})",
                     "a scenario file path relative to this file")
        if not confined(parent_path, confine):
            doc_fail(doc, ("extends",), f"'{parent_ref}' is outside the scenario folder {confine}",
                     "a scenario file inside the folder")
        if parent_path.resolve() in stack:
            cycle = " -> ".join(p.name for p in (*stack, parent_path))
            doc_fail(doc, ("extends",), f"extends cycle: {cycle}")
        if len(chain) >= MAX_EXTENDS:
            doc_fail(doc, ("extends",), f"the extends chain is longer than {MAX_EXTENDS} files",
                     f"at most {MAX_EXTENDS} files from a scenario to its root-most parent")
        doc = read_yaml(parent_path, error=ScenarioError, what="scenario file")
        stack = (*stack, parent_path.resolve())
        chain.append(doc)


def merge_chain(chain: list[YamlDocument]) -> tuple[dict, Located]:
    data: dict[str, Any] = {}
    loc = Located(chain[-1])
    for doc in chain:
        for key, value in doc.data.items():
            if key in ("name", "extends"):
                continue
            if key in ("horizon", "set"):
                merged = data.setdefault(key, {})
                for sub, v in value.items():
                    for old in [o for o in merged if key == "set" and norm_name(o) == norm_name(sub) and o != sub]:
                        del merged[old]
                        loc.where.pop((key, old), None)
                    merged[sub] = v
                    loc.where[(key, sub)] = (doc, (key, sub))
                loc.where[(key,)] = (doc, (key,))
            elif key in ("interventions", "shocks"):
                data[key] = list(value)
                for k in [k for k in loc.where if k[0] == key]:
                    del loc.where[k]
                loc.where[(key,)] = (doc, (key,))
                for i in range(len(value)):
                    loc.where[(key, i)] = (doc, (key, i))
            elif key in ("add_interventions", "add_shocks"):
                target = key[len("add_"):]
                items = data.setdefault(target, [])
                loc.where.setdefault((target,), (doc, (key,)))
                for j, v in enumerate(value):
                    loc.where[(target, len(items))] = (doc, (key, j))
                    items.append(v)
            else:
                data[key] = value
                loc.where[(key,)] = (doc, (key,))
    data["name"] = chain[-1].data["name"]
    loc.where[("name",)] = (chain[-1], ("name",))
    return data, loc
