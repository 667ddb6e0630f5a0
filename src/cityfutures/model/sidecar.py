"""The model's sidecar ``<name>.meta.yaml``: everything city-specific that Vensim text cannot hold.

The sidecar is the single source of what a city's workshop talks about: its focus areas (in
file order, each with an optional chart ``color``), sectors, levers, indicators, shock kinds and
bilingual labels. Python code reads these from the loaded model; nothing in ``src/`` names a
city's focus areas, indicators or levers.

Schema (``extra="forbid"`` everywhere, one pydantic class per block)::

    model: town.mdl
    focus_areas:                        # ordered: charts and tables follow this order
      mobility: {en: Mobility, id: Mobilitas, color: "#E69F00"}    # color: optional, "#RRGGBB"
    sectors:                            # Vensim group names of the .mdl
      transport: {en: Transport, id: Transportasi}
    levers:                             # scalar constants with a Vensim range [min,max]
      Bus fleet: {focus_area: mobility, label: {en: Bus fleet, id: Armada bus}}
    indicators:
      Travel time:
        focus_area: mobility
        better: lower
        label: {en: Travel time, id: Waktu tempuh}
        unit_label: {en: minutes per trip, id: menit per perjalanan}
        scale:                          # one unit of improvement, in the model's units (for the score)
          value: 5
          units: minute                 # the indicator's Vensim units (checked)
          reason: {en: "five minutes a trip: ...", id: "lima menit per perjalanan: ..."}
    shocks:                             # kinds of shock a scenario may name
      storm: {input: Storm input, duration: 0.25, magnitude_range: [0, 3], label: {...}}
    loops:                              # optional: documented feedback loops, in causal order
      - {name: demand, label: {...}, polarity: balancing,      # reinforcing | balancing
         variables: [Bus fleet, Travel time, Car trips], cut: [Travel time, Car trips]}  # cut: an edge
    equilibrium_stocks: [Car trips]     # optional: stocks that start in equilibrium (INITIAL)
    checks:                             # optional: how `cityfutures check` reads the model
      source_tags: [Source, Derived, Calibrated, Assumption]    # words that name a constant's source
      silence:                          # findings accepted, each with its reason ('*': every variable)
        - {rule: literal, variable: Car trips, reason: "a unit conversion Vensim cannot name"}
    variables:                          # labels of any other variable (structure maps)
      Car trips: {en: Car trips, id: Perjalanan mobil}

Extending it: add a field with a default to :class:`Sidecar` (or to a block's class), give a new
block its own class, and, when it names model variables, a ``_check_<block>`` function appended
to :data:`CHECKS`. The validated :class:`Sidecar` is kept whole on the model (``Model.meta``), so a
new block reaches its readers without any other change; ``Sidecar.line_of`` gives a field's line
for readers that report on the file. Every error is one line ``path:line: field: problem (allowed: ...)``.
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Callable, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..errors import ModelError
from ..names import did_you_mean
from ..yamlio import YamlDocument, field_path, pydantic_error, read_yaml
from .checks.findings import RULES, SOURCE_TAGS

__all__ = ["Label", "FocusArea", "LeverMeta", "IndicatorScale", "IndicatorMeta", "ShockMeta", "LoopMeta", "SilenceMeta",
           "ChecksMeta", "Sidecar", "read_sidecar", "CHECKS", "sidecar_path", "same_units"]

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Block):
    """A text in English (``en``) and Bahasa Indonesia (``id``); ``label(lang)`` gives one."""

    en: str
    id: str

    def __call__(self, lang: str) -> str:
        if lang not in ("en", "id"):
            raise ValueError(f"language must be 'en' or 'id', got {lang!r}")
        return getattr(self, lang)


class FocusArea(Label):
    """A focus area of the city's strategy: its labels and, optionally, its colour on charts (``#RRGGBB``)."""

    color: str | None = None

    @field_validator("color")
    @classmethod
    def _hex(cls, v: str | None) -> str | None:
        if v is not None and not _HEX.match(v):
            raise ValueError("must be a colour '#RRGGBB'")
        return v


class LeverMeta(_Block):
    """A lever: the focus area it serves and its labels (unit, baseline and range come from the .mdl)."""

    focus_area: str
    label: Label


class IndicatorScale(_Block):
    """One unit of improvement of an indicator: what the appraisal divides each change by.

    ``value`` is in the indicator's model units (``units`` repeats them, and is checked against the
    model, so that a scale is never read in the wrong unit); ``reason`` says in words, in both
    languages, why a change of this size is one unit (e.g. "10,000 people a year less affected: ...").
    """

    value: float
    units: str
    reason: Label

    @field_validator("value")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not (math.isfinite(v) and v > 0):
            raise ValueError("must be a positive number (one unit of improvement, in the indicator's units)")
        return v


class IndicatorMeta(_Block):
    """An indicator: its focus area, the direction in which it improves, its labels and its scale."""

    focus_area: str
    better: Literal["lower", "higher"]
    label: Label
    unit_label: Label
    scale: IndicatorScale | None = None


class ShockMeta(_Block):
    """A kind of shock: the constant it pulses, the pulse's width [Year], its magnitude range, its label."""

    input: str
    duration: float
    magnitude_range: tuple[float, float]
    label: Label

    @field_validator("duration")
    @classmethod
    def _positive(cls, v: float) -> float:
        if not v > 0:
            raise ValueError("must be a positive number of years")
        return v

    @model_validator(mode="after")
    def _ordered(self) -> "ShockMeta":
        lo, hi = self.magnitude_range
        if not lo <= hi:
            raise ValueError(f"magnitude_range: minimum {lo} is above maximum {hi}")
        return self


class LoopMeta(_Block):
    """A documented feedback loop: its variables in causal order (each read by the next, the last by the
    first), its polarity, and the link a knockout cuts (``cut: [source, target]``, an edge of the loop)."""

    name: str
    label: Label
    polarity: Literal["reinforcing", "balancing"]
    variables: list[str] = Field(min_length=2)
    cut: tuple[str, str]


class SilenceMeta(_Block):
    """A finding of the model checks that the model's authors accept: its rule, its variable (``*``: any;
    for rule ``reality`` the reality check's name) and why."""

    rule: str
    variable: str
    reason: str

    @field_validator("reason")
    @classmethod
    def _stated(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a silenced finding needs its reason")
        return v


class ChecksMeta(_Block):
    """How ``cityfutures check`` reads the model: the words that name a constant's source, and silences."""

    source_tags: list[str] = list(SOURCE_TAGS)
    silence: list[SilenceMeta] = []


class Sidecar(_Block):
    """The validated sidecar, block by block (see the module docstring)."""

    model: str
    focus_areas: dict[str, FocusArea]
    sectors: dict[str, Label] = {}
    levers: dict[str, LeverMeta] = {}
    indicators: dict[str, IndicatorMeta] = {}
    shocks: dict[str, ShockMeta] = {}
    loops: list[LoopMeta] = []
    equilibrium_stocks: list[str] = []
    checks: ChecksMeta = ChecksMeta()
    variables: dict[str, Label] = {}
    _doc: YamlDocument | None = PrivateAttr(default=None)

    def line_of(self, *loc) -> int | None:
        """The line of a field in the file read (``line_of("checks", "silence", 0)``), or None."""
        return self._doc.line_of(loc) if self._doc is not None else None


# ----------------------------------------------------------------------------- checks against the model
Fail = Callable[..., None]


def _check_focus_areas(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    for block in ("levers", "indicators"):
        for name, meta in getattr(side, block).items():
            if meta.focus_area not in side.focus_areas:
                hint = did_you_mean(meta.focus_area, side.focus_areas)
                fail((block, name, "focus_area"), f"unknown focus area '{meta.focus_area}'" + (f"; {hint}" if hint
                     else ""), ", ".join(side.focus_areas))


def _check_levers(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    for name in side.levers:
        var = variables.get(name)
        if var is None:
            fail(("levers", name), f"lever '{name}' is not a variable of the model. " + did_you_mean(name, variables))
        if var.kind != "Constant" or var.value is None:
            fail(("levers", name), f"lever '{name}' must be a scalar constant of the model (it is {var.kind})")
        if math.isnan(var.minimum) or math.isnan(var.maximum):
            fail(("levers", name), f"lever '{name}' needs a Vensim range [min,max] in the model")


def same_units(a: str, b: str) -> bool:
    """Whether two Vensim unit texts name the same unit (case, spaces and ``Dmnl``/``1`` aside)."""
    def norm(u: str) -> str:
        u = re.sub(r"\s+", "", str(u)).lower()
        return "1" if u in ("", "dmnl", "1", "fraction") else u
    return norm(a) == norm(b)


def _check_indicators(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    for name, meta in side.indicators.items():
        if name not in variables:
            fail(("indicators", name), f"indicator '{name}' is not a variable of the model. "
                 + did_you_mean(name, variables))
        units = getattr(variables[name], "units", None)
        if meta.scale is not None and units is not None and not same_units(meta.scale.units, units):
            fail(("indicators", name, "scale", "units"), f"the scale is in '{meta.scale.units}' but the "
                 f"indicator is in '{units}' (the model's units)", units)


def _check_shocks(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    for kind, sm in side.shocks.items():
        var = variables.get(sm.input)
        if var is None or var.kind != "Constant":
            fail(("shocks", kind, "input"), f"shock input '{sm.input}' must be a constant of the model. "
                 + did_you_mean(sm.input, variables))


def _check_variables(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    for name in side.variables:
        if name not in variables:
            fail(("variables", name), f"'{name}' is not a variable of the model. " + did_you_mean(name, variables))


def _check_loops(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    names: set[str] = set()
    for i, loop in enumerate(side.loops):
        if loop.name in names:
            fail(("loops", i, "name"), f"loop '{loop.name}' is declared twice")
        names.add(loop.name)
        for j, name in enumerate(loop.variables):
            if name not in variables:
                fail(("loops", i, "variables", j), f"'{name}' is not a variable of the model. "
                     + did_you_mean(name, variables))
        ring = list(loop.variables)
        edges = list(zip(ring, ring[1:] + ring[:1]))
        for j, (source, target) in enumerate(edges):
            if source not in variables[target].reads:
                fail(("loops", i, "variables", (j + 1) % len(ring)),
                     f"loop '{loop.name}': '{target}' does not depend on '{source}' in the model",
                     "consecutive variables linked by an equation (the last feeds the first)")
        if tuple(loop.cut) not in edges:
            fail(("loops", i, "cut"), f"loop '{loop.name}': the cut {loop.cut[0]} -> {loop.cut[1]} is not an edge "
                 "of the loop", "a pair of consecutive variables of the loop")


def _check_equilibrium_stocks(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    stocks = [n for n, v in variables.items() if v.kind == "Stateful" and v.subtype == "Integ"]
    for i, name in enumerate(side.equilibrium_stocks):
        if name not in stocks:
            fail(("equilibrium_stocks", i), f"'{name}' is not a stock (INTEG) of the model. "
                 + did_you_mean(name, stocks))


def _check_checks(side: Sidecar, variables: Mapping, fail: Fail) -> None:
    """Silences name a known rule and a variable of the model (or ``*``; for rule ``reality``, a check)."""
    for i, sm in enumerate(side.checks.silence):
        if sm.rule not in RULES:
            fail(("checks", "silence", i, "rule"), f"unknown rule '{sm.rule}'", ", ".join(RULES))
        if sm.variable != "*" and sm.rule != "reality" and sm.variable not in variables:
            fail(("checks", "silence", i, "variable"), f"'{sm.variable}' is not a variable of the model. "
                 + did_you_mean(sm.variable, variables), "a variable of the model or '*'")


CHECKS: list[Callable[[Sidecar, Mapping, Fail], None]] = [
    _check_focus_areas, _check_levers, _check_indicators, _check_shocks, _check_loops, _check_equilibrium_stocks,
    _check_variables, _check_checks]
"""The checks of a sidecar against its model's variables, in order; a new block appends its own."""


def sidecar_path(model_path: Path) -> Path:
    """``models/jakarta.mdl`` -> ``models/jakarta.meta.yaml``."""
    return model_path.with_name(model_path.stem + ".meta.yaml")


SIDECAR_MAX_NODES = 100_000
"""A model's metadata labels every variable: it may hold ten times the nodes of a scenario file."""


def read_sidecar(path: Path, variables: Mapping) -> Sidecar:
    """Read, validate and check a sidecar against the model's variables.

    Parameters
    ----------
    path : Path
        The ``.meta.yaml`` file.
    variables : mapping of Vensim name -> Variable
        The model's variables (kind, value, Vensim range).

    Raises
    ------
    ModelError
        ``path:line: field: problem (allowed: ...)`` for the first problem found.
    """
    doc: YamlDocument = read_yaml(path, error=ModelError, what="model metadata", max_nodes=SIDECAR_MAX_NODES)
    try:
        side = Sidecar.model_validate(doc.data)
    except ValidationError as exc:
        raise pydantic_error(exc, doc, error=ModelError) from None

    def fail(loc: tuple, problem: str, allowed: str | None = None):
        raise ModelError(problem, path=str(path), field=field_path(loc), line=doc.line_of(loc), allowed=allowed)

    for check in CHECKS:
        check(side, variables, fail)
    side._doc = doc
    return side
