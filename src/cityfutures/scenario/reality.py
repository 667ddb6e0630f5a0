"""Reality-check files (``MODEL.reality.yaml``): what the model must do when something changes.

In the spirit of Vensim's Reality Check: each check says what to change and what must
follow, compared with the same run without the change::

    baseline: ../scenarios/baseline.yaml      # optional: the runs start from this scenario
    samples: 16                               # optional: lever samples per check with `across`
    seed: 1                                   # optional (default 0)
    checks:
      - name: cutting collection never looks better
        when: {set: {Collection capacity: 0.8}, start: 2019}   # and/or shocks: [...]
        expect: {variable: Waste in streets, change: rise, at: end}
        across: levers                        # optional: also under samples of the other levers

``when``: ``set`` (constants set from ``start``, default the first time) and/or
``shocks`` (``[{kind, year, magnitude}]``, kinds from the model's sidecar): made in the
changed run only. ``given`` (optional, the same shape): made in both runs, e.g. a flood in
which a programme must not make things worse. ``expect`` is one
expectation or a list: ``variable`` and exactly one of ``change: rise | fall |
not_improve | not_worsen`` (the change from the run without ``when``; ``not_improve`` and
``not_worsen`` read the indicator's ``better``) or ``within: [low, high]`` (bounds of the changed run); ``at``:
``end`` (default), ``all`` (every saved time from the change on) or a year.
``not_worsen`` (also from ``better``) is the mirror of ``not_improve``: a programme must never
make its own indicator worse.

The file is read once by :func:`load_reality` (unknown keys, types and names are errors
with their line, as in scenario files); the :class:`RealityFile` it returns is trusted.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Mapping, Union

from pydantic import AllowInfNan, BaseModel, ConfigDict, Strict, StrictInt, StrictStr, ValidationError, field_validator

from ..errors import ScenarioError
from ..model import Model
from ..names import CONTROL_NAMES, did_you_mean
from ..yamlio import field_path, pydantic_error, read_yaml

__all__ = ["RealityFile", "RealityCheck", "Change", "Expectation", "load_reality", "reality_path", "CHANGES",
           "DEFAULT_SAMPLES"]

CHANGES = ("rise", "fall", "not_improve", "not_worsen")
DEFAULT_SAMPLES = 16

Number = Annotated[float, Strict(), AllowInfNan(False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class _RawShock(_Strict):
    kind: StrictStr
    year: Number
    magnitude: Number


class _RawWhen(_Strict):
    set: dict[StrictStr, Number] = {}
    start: Number = None
    shocks: list[_RawShock] = []


class _RawExpect(_Strict):
    variable: StrictStr
    change: Literal["rise", "fall", "not_improve", "not_worsen"] = None
    within: list[Number] = None
    at: Union[Literal["end", "all"], Number] = "end"


class _RawCheck(_Strict):
    name: StrictStr
    given: _RawWhen = _RawWhen()
    when: _RawWhen = _RawWhen()
    expect: list[_RawExpect]
    across: Literal["levers"] = None
    description: StrictStr = None
    source: StrictStr = None

    @field_validator("expect", mode="before")
    @classmethod
    def _one_or_many(cls, v):
        return [v] if isinstance(v, dict) else v


class _RawReality(_Strict):
    baseline: StrictStr = None
    samples: StrictInt = DEFAULT_SAMPLES
    seed: StrictInt = 0
    description: StrictStr = None
    checks: list[_RawCheck]


@dataclass(frozen=True)
class Expectation:
    """What must hold for one variable.

    ``change`` (rise, fall, not_improve, not_worsen) or ``within`` (low, high); ``at`` is ``"end"``,
    ``"all"`` or a year; ``better`` is the indicator's better direction for not_improve and not_worsen.
    """

    variable: str
    change: str | None
    within: tuple[float, float] | None
    at: str | float
    line: int | None
    better: str | None = None


@dataclass(frozen=True)
class Change:
    """Constants ``set`` from ``start`` (from the first time when None) and ``shocks`` (kind, year, magnitude)."""

    set: Mapping[str, float]
    start: float | None
    shocks: tuple[tuple[str, float, float], ...]

    def __bool__(self) -> bool:
        return bool(self.set or self.shocks)


@dataclass(frozen=True)
class RealityCheck:
    """One check: the change ``when`` (made in one run of each pair), the conditions ``given``
    (made in both runs), and the expectations."""

    name: str
    line: int | None
    when: Change
    given: Change
    expect: tuple[Expectation, ...]
    across_levers: bool
    description: str = ""


@dataclass(frozen=True)
class RealityFile:
    """A validated reality-check file."""

    path: Path
    checks: tuple[RealityCheck, ...]
    baseline: Path | None
    samples: int
    seed: int


def reality_path(model: Model) -> Path:
    """Where the reality checks of ``model`` live by default: ``MODEL.reality.yaml`` beside it."""
    return model.path.with_name(model.path.stem + ".reality.yaml")


def load_reality(path: str | os.PathLike, model: Model) -> RealityFile:
    """Read and validate a reality-check file against ``model``.

    Raises
    ------
    ScenarioError
        Unknown keys, wrong types, unknown names (with a "did you mean"), a ``not_improve``
        on a variable that is not an indicator, bounds in the wrong order, a year outside
        the model's run, duplicate check names. The message names the file and line.
    """
    doc = read_yaml(path, error=ScenarioError, what="reality-check file")
    checks = doc.data.get("checks")
    single = {i for i, c in enumerate(checks) if isinstance(c, dict) and isinstance(c.get("expect"), dict)} \
        if isinstance(checks, list) else set()
    try:
        raw = _RawReality.model_validate(doc.data)
    except ValidationError as exc:   # one expectation written as a mapping: no list index in the field
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if loc[:1] == ("checks",) and len(loc) > 3 and loc[1] in single and loc[2] == "expect" and loc[3] == 0:
                loc = loc[:3] + loc[4:]
            errors.append(dict(err, loc=loc))
        raise pydantic_error(errors, doc, error=ScenarioError) from None

    def fail(loc: tuple, problem: str, allowed: str | None = None):
        raise ScenarioError(problem, path=str(doc.path), field=field_path(loc), line=doc.line_of(loc),
                            allowed=allowed)

    if raw.samples < 1:
        fail(("samples",), f"must be at least 1, got {raw.samples}")
    t0, t1 = model.initial_time, model.final_time
    baseline = None
    if raw.baseline is not None:
        baseline = (doc.path.parent / raw.baseline).resolve()
        if not baseline.is_file():
            fail(("baseline",), f"baseline scenario '{raw.baseline}' not found (paths are relative to this file)")
    checks, names = [], set()
    for i, rc in enumerate(raw.checks):
        at = ("checks", i)
        if rc.name in names:
            fail(at + ("name",), f"check name '{rc.name}' appears twice", "a unique name per check")
        names.add(rc.name)
        when = _change(model, rc.when, at + ("when",), fail, t0, t1)
        given = _change(model, rc.given, at + ("given",), fail, t0, t1)
        expects = []
        for j, ex in enumerate(rc.expect):
            where = at + ("expect",) if i in single else at + ("expect", j)
            expects.append(_expectation(model, ex, where, fail, doc.line_of(where), t0, t1))
        if any(e.change for e in expects) and not when:
            fail(at + ("when",), "a 'change' expectation needs a change: set a constant or add a shock",
                 "when: {set: {...}, start: ...} and/or when: {shocks: [...]}")
        if rc.across == "levers" and not [lv for lv in model.levers if lv not in when.set and lv not in given.set]:
            fail(at + ("across",), "the model has no other levers to sample",
                 "declare levers in the model's sidecar, or leave 'across' out")
        checks.append(RealityCheck(rc.name, doc.line_of(at), when, given, tuple(expects), rc.across == "levers",
                                   rc.description or ""))
    return RealityFile(doc.path, tuple(checks), baseline, raw.samples, raw.seed)


def _change(model: Model, raw: _RawWhen, at: tuple, fail, t0: float, t1: float) -> Change:
    sets = {}
    for name, value in raw.set.items():
        sets[_constant(model, name, at + ("set", name), fail)] = float(value)
    if raw.start is not None and not t0 <= raw.start <= t1:
        fail(at + ("start",), f"start {raw.start:g} is outside the run {t0:g}-{t1:g}")
    shocks = []
    for j, sh in enumerate(raw.shocks):
        if sh.kind not in model.shocks:
            fail(at + ("shocks", j, "kind"), f"unknown shock kind '{sh.kind}'",
                 ", ".join(model.shocks) or "none: the model's sidecar declares no shocks")
        lo, hi = model.shocks[sh.kind].magnitude_range
        if not lo <= sh.magnitude <= hi:
            fail(at + ("shocks", j, "magnitude"), f"magnitude {sh.magnitude:g} is outside the range of "
                 f"'{sh.kind}' shocks", f"{lo:g} to {hi:g}")
        if not t0 <= sh.year <= t1:
            fail(at + ("shocks", j, "year"), f"year {sh.year:g} is outside the run {t0:g}-{t1:g}")
        shocks.append((sh.kind, float(sh.year), float(sh.magnitude)))
    return Change(sets, raw.start, tuple(shocks))


def _constant(model: Model, name: str, loc: tuple, fail) -> str:
    try:
        real = model.lookup_name(name)
    except KeyError:
        fail(loc, f"'{name}' is not a constant of the model. " + did_you_mean(name, model.constants),
             "a constant of the model")
    if real in CONTROL_NAMES:
        fail(loc, f"'{real}' is a time setting and cannot be set by a reality check")
    if real not in model.constants:
        fail(loc, f"'{real}' is a {model.variables[real].kind or 'computed variable'}, not a scalar constant: "
             "only constants can be set", "a constant of the model")
    return real


def _expectation(model: Model, ex: _RawExpect, loc: tuple, fail, line, t0: float, t1: float) -> Expectation:
    try:
        real = model.lookup_name(ex.variable)
    except KeyError:
        fail(loc + ("variable",), f"'{ex.variable}' is not a variable of the model. "
             + did_you_mean(ex.variable, model.variables))
    if (ex.change is None) == (ex.within is None):
        fail(loc, "give exactly one of 'change' and 'within'",
             "change: rise | fall | not_improve | not_worsen, or within: [low, high]")
    better = None
    if ex.change in ("not_improve", "not_worsen"):
        if real not in model.indicators:
            fail(loc + ("change",), f"'{real}' is not an indicator, so it has no better direction",
                 "an indicator of the model's sidecar, or change: rise | fall")
        better = model.indicators[real].better
    if ex.within is not None and len(ex.within) != 2:
        fail(loc + ("within",), f"needs two numbers, got {len(ex.within)}", "[low, high]")
    if ex.within is not None and not ex.within[0] <= ex.within[1]:
        fail(loc + ("within",), f"low {ex.within[0]:g} is above high {ex.within[1]:g}", "[low, high]")
    if not isinstance(ex.at, str) and not (t0 <= ex.at <= t1 and math.isfinite(ex.at)):
        fail(loc + ("at",), f"year {ex.at:g} is outside the run {t0:g}-{t1:g}", "end, all or a year of the run")
    within = None if ex.within is None else (float(ex.within[0]), float(ex.within[1]))
    return Expectation(real, ex.change, within, ex.at, line, better)
