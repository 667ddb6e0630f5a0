"""The shape of scenario and comparison files, checked before any model is consulted.

These pydantic models check one file at a time: known keys only (``extra="forbid"``),
strict types (no string or bool where a number belongs, no NaN or infinity), and the
checks that need nothing but the file itself. Everything that needs the model (names,
ranges, the horizon) is checked by :mod:`cityfutures.scenario` after ``extends`` is
resolved. :func:`schema_error` turns a pydantic error into one
``path:line: field: problem (allowed: ...)`` line.
"""
from __future__ import annotations

import datetime
from typing import Annotated, Any

from pydantic import AllowInfNan, BaseModel, ConfigDict, Strict, StrictInt, StrictStr, ValidationError

from .errors import ScenarioError, did_you_mean
from .yamlio import YamlDocument, field_path

__all__ = ["RawScenario", "RawComparison", "schema_error", "SCENARIO_KEYS", "COMPARISON_KEYS",
           "INTERVENTION_KEYS", "HORIZON_KEYS", "SHOCK_KEYS", "COST_KEYS", "TRACKS"]

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
    uncertain: Any = None   # reserved for issue 6: rejected with "not supported yet" by the loader


class RawComparison(_Strict):
    name: StrictStr
    title: RawLabel = None
    description: StrictStr = None
    baseline: StrictStr
    interventions: list[StrictStr]
    bundles: dict[StrictStr, list[StrictStr]] = None
    indicators: list[StrictStr] = None


def _keys(cls) -> tuple[str, ...]:
    return tuple(cls.model_fields)


SCENARIO_KEYS = tuple(k for k in _keys(RawScenario) if k != "uncertain")
COMPARISON_KEYS = _keys(RawComparison)
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
_COMPARISON_LEVELS = {(): COMPARISON_KEYS, ("title",): LABEL_KEYS}

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


def schema_error(exc: ValidationError, doc: YamlDocument, *, comparison: bool = False) -> ScenarioError:
    """The first error of ``exc`` as one :class:`ScenarioError` pointing at ``doc``'s line."""
    first = exc.errors(include_url=False)[0]
    loc = tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = first["type"]
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
        if kind in ("model_type", "dict_type"):
            sub = tuple(p for p in loc if isinstance(p, str))
            if sub in levels:
                allowed = "keys " + ", ".join(levels[sub])
    else:
        msg = first["msg"]
        problem = f"{msg[:1].lower()}{msg[1:]}, got {_shown(first.get('input'))}"
    return ScenarioError(problem, path=str(doc.path), field=field_path(loc) or None, allowed=allowed,
                         line=doc.line_of(line_loc))
