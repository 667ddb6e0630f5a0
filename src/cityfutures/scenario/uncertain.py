"""The ``uncertain:`` block of a scenario file: what is not known, as distributions.

A scenario's *levers* are decisions; its *uncertain* constants and stochastic shocks are
the futures those decisions must survive (the X and L of the XLRM frame). The block::

    uncertain:
      sampler: lhs            # lhs | sobol | random
      constants:
        Growth rate:        {dist: triangular, min: 0.005, mode: 0.009, max: 0.013}
        Normal flood index: {dist: uniform, min: 0.5, max: 1.5}
        Some constant:      {dist: normal, mean: 1, sd: 0.1}        # truncated to the Vensim range
        Other:              {dist: lognormal, median: 1, sigma: 0.3}
        Choice:             {dist: choice, values: [1, 2, 3], weights: [0.5, 0.3, 0.2]}
      shocks:
        flood: {annual_probability: 0.2, magnitude: {dist: uniform, min: 0.3, max: 1.2}}

is validated once by :func:`parse_uncertain` against the model (names with a "did you mean",
bounds inside the constant's Vensim range, shock kinds and magnitudes from the model's
sidecar). The result, :class:`UncertainSpec`, is trusted downstream.

Every distribution maps a number ``u`` in (0, 1) to a value (:meth:`Distribution.ppf`), so a
sampler only ever draws from the unit hypercube and the transform is the same for Latin
hypercube, Sobol, plain random and SALib's designs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Mapping, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy import stats

from ..errors import ScenarioError
from ..names import did_you_mean
from ..yamlio import YamlDocument, field_path, pydantic_error, read_yaml

__all__ = ["Distribution", "StochasticShock", "UncertainSpec", "parse_uncertain", "load_uncertain_file", "SAMPLERS",
           "DISTRIBUTIONS"]

SAMPLERS = ("lhs", "sobol", "random")
DISTRIBUTIONS = ("uniform", "triangular", "normal", "lognormal", "choice")
_U_EPS = 1e-12  # keep u away from 0 and 1 so unbounded distributions stay finite


# ----------------------------------------------------------------------------- the trusted records
@dataclass(frozen=True)
class Distribution:
    """A distribution of one uncertain number, as a quantile function.

    Parameters
    ----------
    kind : {"uniform", "triangular", "normal", "lognormal", "choice"}
    params : tuple of (name, value)
        ``uniform``: min, max; ``triangular``: min, mode, max; ``normal``: mean, sd;
        ``lognormal``: median, sigma (of the log); ``choice``: values, weights (tuples).
    lower, upper : float
        Truncation bounds (``-inf``/``inf`` when open): the Vensim range of the constant,
        narrowed by an explicit ``min``/``max`` of a normal or lognormal.
    """

    kind: str
    params: tuple[tuple[str, Any], ...]
    lower: float = -math.inf
    upper: float = math.inf

    def param(self, name: str):
        return dict(self.params)[name]

    def _frozen(self):
        """The scipy frozen distribution (continuous kinds)."""
        p = dict(self.params)
        if self.kind == "uniform":
            return stats.uniform(loc=p["min"], scale=p["max"] - p["min"])
        if self.kind == "triangular":
            width = p["max"] - p["min"]
            return stats.triang(c=(p["mode"] - p["min"]) / width, loc=p["min"], scale=width)
        if self.kind == "normal":
            return stats.norm(loc=p["mean"], scale=p["sd"])
        if self.kind == "lognormal":
            return stats.lognorm(s=p["sigma"], scale=p["median"])
        raise ValueError(self.kind)

    def ppf(self, u) -> np.ndarray:
        """Quantile function: maps ``u`` in [0, 1] to values of the (truncated) distribution."""
        u = np.clip(np.asarray(u, dtype=float), _U_EPS, 1.0 - _U_EPS)
        if self.kind == "choice":
            p = dict(self.params)
            values = np.asarray(p["values"], dtype=float)
            cum = np.cumsum(np.asarray(p["weights"], dtype=float))
            cum = cum / cum[-1]
            idx = np.searchsorted(cum, u, side="right")
            return values[np.minimum(idx, len(values) - 1)]
        frozen = self._frozen()
        if math.isinf(self.lower) and math.isinf(self.upper):
            return frozen.ppf(u)
        lo_p, hi_p = frozen.cdf(self.lower), frozen.cdf(self.upper)
        return np.clip(frozen.ppf(lo_p + u * (hi_p - lo_p)), self.lower, self.upper)

    @property
    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take."""
        if self.kind == "choice":
            v = self.param("values")
            return float(min(v)), float(max(v))
        if self.kind in ("uniform", "triangular"):
            return float(self.param("min")), float(self.param("max"))
        return float(self.ppf(0.0)), float(self.ppf(1.0))

    def describe(self) -> str:
        """Short text such as ``triangular(min=0.005, mode=0.009, max=0.013)``."""
        inner = ", ".join(f"{k}={list(v)}" if isinstance(v, tuple) else f"{k}={v:g}" for k, v in self.params)
        return f"{self.kind}({inner})"


@dataclass(frozen=True)
class StochasticShock:
    """Shocks of one kind that strike at random: each year independently.

    Parameters
    ----------
    kind : str
        A shock kind of the model's sidecar (``flood``); its pulse goes to the model's shock input.
    annual_probability : float
        Chance [1/Year] that the shock strikes in any one year of the horizon.
    magnitude : Distribution
        Magnitude of a shock that strikes [units of the shock input].
    offset : float
        When in the year a shock starts, as a fraction of the year (0 = at the turn of the year).
    """

    kind: str
    annual_probability: float
    magnitude: Distribution
    offset: float = 0.0


@dataclass(frozen=True)
class UncertainSpec:
    """The validated ``uncertain:`` block.

    Attributes
    ----------
    constants : tuple of (Vensim name, Distribution)
        In file order; that order fixes the columns of the unit hypercube.
    shocks : tuple of StochasticShock
    sampler : {"lhs", "sobol", "random"}
    """

    constants: tuple[tuple[str, Distribution], ...] = ()
    shocks: tuple[StochasticShock, ...] = ()
    sampler: str = "lhs"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.constants)

    def __bool__(self) -> bool:
        return bool(self.constants or self.shocks)


# ----------------------------------------------------------------------------- the YAML schema
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _finite(v: float) -> float:
    if not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


class _Uniform(_Strict):
    dist: Literal["uniform"]
    min: float
    max: float


class _Triangular(_Strict):
    dist: Literal["triangular"]
    min: float
    mode: float
    max: float


class _Normal(_Strict):
    dist: Literal["normal"]
    mean: float
    sd: float = Field(gt=0)
    min: float | None = None
    max: float | None = None


class _Lognormal(_Strict):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(gt=0)
    min: float | None = None
    max: float | None = None


class _Choice(_Strict):
    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None


_Dist = Annotated[Union[_Uniform, _Triangular, _Normal, _Lognormal, _Choice], Field(discriminator="dist")]


class _Shock(_Strict):
    annual_probability: float = Field(ge=0, le=1)
    magnitude: Union[float, _Dist]
    offset: float = Field(default=0.0, ge=0, lt=1)


class _Uncertain(_Strict):
    sampler: Literal["lhs", "sobol", "random"] = "lhs"
    constants: dict[str, _Dist] = {}
    shocks: dict[str, _Shock] = {}


_TAGS = set(DISTRIBUTIONS) | {"float", "tagged-union[_Uniform,_Triangular,_Normal,_Lognormal,_Choice]"}


def _clean_errors(exc: ValidationError) -> list[dict]:
    out = []
    for err in exc.errors():
        err = dict(err)
        err["loc"] = tuple(p for p in err["loc"] if not (isinstance(p, str) and p in _TAGS and p != "float"))
        out.append(err)
    # a magnitude that is neither a number nor a distribution yields two errors; report the distribution one
    out.sort(key=lambda e: e["type"] in ("float_parsing", "float_type"))
    return out


# ----------------------------------------------------------------------------- parsing
def parse_uncertain(data: Mapping | None, model, *, path=None, doc: YamlDocument | None = None,
                    prefix: tuple = ("uncertain",)) -> UncertainSpec:
    """Validate an ``uncertain:`` block against a model.

    Parameters
    ----------
    data : mapping or None
        The block as read from YAML (``None`` or empty: no uncertainty).
    model : Model
        The loaded model (see :func:`cityfutures.load_model`): names, Vensim ranges, shocks.
    path : str or Path, optional
        File the block came from, for messages.
    doc : YamlDocument, optional
        The parsed file, for line numbers.
    prefix : tuple
        Location of the block in the file (``("uncertain",)``).

    Returns
    -------
    UncertainSpec

    Raises
    ------
    ScenarioError
        ``path:line: uncertain.constants.<name>.<field>: problem (allowed: ...)``.

    Examples
    --------
    >>> spec = parse_uncertain({"constants": {"Growth rate": {"dist": "uniform", "min": 0.01,
    ...                         "max": 0.03}}}, model)          # doctest: +SKIP
    """
    path_s = str(path) if path is not None else (str(doc.path) if doc is not None else None)

    def fail(loc: tuple, problem: str, allowed: str | None = None):
        loc = tuple(prefix) + tuple(loc)
        raise ScenarioError(problem, path=path_s, field=field_path(loc), allowed=allowed,
                            line=doc.line_of(loc) if doc else None)

    if data is None:
        return UncertainSpec()
    if not isinstance(data, Mapping):
        fail((), f"must be a mapping with keys sampler, constants, shocks (got {type(data).__name__})")
    try:
        block = _Uncertain.model_validate(dict(data))
    except ValidationError as exc:
        errors = _clean_errors(exc)
        first = errors[0]
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = tuple(prefix) + tuple(first["loc"]) + ("dist",)
            got = (first.get("ctx") or {}).get("tag")
            problem = ("unknown distribution " + repr(got)) if got is not None else "missing required key"
            raise ScenarioError(problem, path=path_s, field=field_path(loc), allowed=", ".join(DISTRIBUTIONS),
                                line=doc.line_of(loc) if doc else None) from None
        err = pydantic_error(errors, doc, error=ScenarioError, prefix=prefix, path=path_s)
        if first["type"] == "literal_error" and first["loc"] == ("sampler",):
            err.allowed = ", ".join(SAMPLERS)
        raise err from None

    constants: list[tuple[str, Distribution]] = []
    seen: dict[str, str] = {}
    shock_inputs = {s.input for s in getattr(model, "shocks", {}).values()}
    scalar_constants = model.constants
    for name, d in block.constants.items():
        loc = ("constants", name)
        try:
            real = model.lookup_name(name)
        except KeyError:
            fail(loc, f"'{name}' is not a constant of the model. " + did_you_mean(name, scalar_constants))
        var = model.variables[real]
        if real not in scalar_constants:
            fail(loc, f"'{name}' is not a scalar constant of the model (it is {var.kind or 'a variable'}); "
                 "only constants can be uncertain")
        if real in shock_inputs:
            fail(loc, f"'{name}' is a shock input; describe random shocks under uncertain.shocks")
        if real in seen:
            fail(loc, f"'{name}' is the same constant as '{seen[real]}'")
        seen[real] = name
        constants.append((real, _distribution(d, var, loc, fail)))

    shocks: list[StochasticShock] = []
    model_shocks = getattr(model, "shocks", {})
    for kind, s in block.shocks.items():
        loc = ("shocks", kind)
        if kind not in model_shocks:
            fail(loc, f"unknown shock kind '{kind}'. " + did_you_mean(kind, model_shocks),
                 ", ".join(model_shocks) or "(the model's sidecar declares no shocks)")
        ms = model_shocks[kind]
        lo, hi = ms.magnitude_range
        if isinstance(s.magnitude, (int, float)):
            mag = Distribution("choice", (("values", (float(s.magnitude),)), ("weights", (1.0,))))
        else:
            mag = _distribution(s.magnitude, None, loc + ("magnitude",), fail, bounds=(lo, hi))
        mlo, mhi = mag.support
        if mlo < lo - 1e-12 or mhi > hi + 1e-12:
            fail(loc + ("magnitude",), f"magnitudes from {mlo:g} to {mhi:g} leave the shock's range",
                 f"magnitudes within [{lo:g}, {hi:g}] (magnitude_range of '{kind}' in the model metadata)")
        shocks.append(StochasticShock(kind=kind, annual_probability=float(s.annual_probability),
                                      magnitude=mag, offset=float(s.offset)))
    return UncertainSpec(constants=tuple(constants), shocks=tuple(shocks), sampler=block.sampler)


def _distribution(d, var, loc: tuple, fail, bounds: tuple[float, float] | None = None) -> Distribution:
    """A validated :class:`Distribution` whose support lies inside the allowed range."""
    if bounds is None:
        lo = var.minimum if var is not None and not math.isnan(var.minimum) else -math.inf
        hi = var.maximum if var is not None and not math.isnan(var.maximum) else math.inf
    else:
        lo, hi = bounds
    rng_text = f"values within the Vensim range [{_fmt(lo)}, {_fmt(hi)}]" if bounds is None else \
        f"values within [{_fmt(lo)}, {_fmt(hi)}]"
    for key, value in d:
        if isinstance(value, float) and not math.isfinite(value):
            fail(loc + (key,), f"must be a finite number (got {value})")

    def inside(key: str, value: float):
        if not (lo - 1e-12 <= value <= hi + 1e-12):
            where = " of the constant" if bounds is None else ""
            fail(loc + (key,), f"{value:g} is outside the range{where}", rng_text)

    if isinstance(d, _Uniform):
        if not d.min < d.max:
            fail(loc + ("max",), f"max {d.max:g} must be above min {d.min:g}")
        inside("min", d.min)
        inside("max", d.max)
        return Distribution("uniform", (("min", d.min), ("max", d.max)), d.min, d.max)
    if isinstance(d, _Triangular):
        if not d.min < d.max:
            fail(loc + ("max",), f"max {d.max:g} must be above min {d.min:g}")
        if not d.min <= d.mode <= d.max:
            fail(loc + ("mode",), f"mode {d.mode:g} must lie between min {d.min:g} and max {d.max:g}")
        inside("min", d.min)
        inside("max", d.max)
        return Distribution("triangular", (("min", d.min), ("mode", d.mode), ("max", d.max)), d.min, d.max)
    if isinstance(d, _Choice):
        weights = d.weights if d.weights is not None else [1.0 / len(d.values)] * len(d.values)
        if len(weights) != len(d.values):
            fail(loc + ("weights",), f"{len(weights)} weights for {len(d.values)} values",
                 "one weight per value")
        if any(w < 0 or not math.isfinite(w) for w in weights):
            fail(loc + ("weights",), "weights must be non-negative numbers")
        if abs(sum(weights) - 1.0) > 1e-6:
            fail(loc + ("weights",), f"weights must add up to 1 (they add up to {sum(weights):g})")
        for i, v in enumerate(d.values):
            if not math.isfinite(v):
                fail(loc + ("values", i), f"must be a finite number (got {v})")
            if not (lo - 1e-12 <= v <= hi + 1e-12):
                where = " of the constant" if bounds is None else ""
                fail(loc + ("values", i), f"{v:g} is outside the range{where}", rng_text)
        return Distribution("choice", (("values", tuple(d.values)), ("weights", tuple(weights))),
                            min(d.values), max(d.values))
    # normal / lognormal: truncated to the range, narrowed by an explicit min / max
    t_lo = lo if d.min is None else d.min
    t_hi = hi if d.max is None else d.max
    if d.min is not None:
        inside("min", d.min)
    if d.max is not None:
        inside("max", d.max)
    if not t_lo < t_hi:
        fail(loc + ("max",), f"max {t_hi:g} must be above min {t_lo:g}")
    if isinstance(d, _Normal):
        dist = Distribution("normal", (("mean", d.mean), ("sd", d.sd)), t_lo, t_hi)
        centre, centre_key = d.mean, "mean"
    else:
        dist = Distribution("lognormal", (("median", d.median), ("sigma", d.sigma)), t_lo, t_hi)
        centre, centre_key = d.median, "median"
    frozen = dist._frozen()
    mass = float(frozen.cdf(t_hi) - frozen.cdf(t_lo))
    if not mass > 1e-6:
        fail(loc + (centre_key,), f"{centre_key} {centre:g} leaves almost no probability inside "
             f"[{_fmt(t_lo)}, {_fmt(t_hi)}] after truncation", rng_text)
    return dist


def _fmt(x: float) -> str:
    return "?" if math.isinf(x) else f"{x:g}"


def load_uncertain_file(path, model) -> UncertainSpec:
    """An ``uncertain:`` block kept in a file of its own (``cityfutures ensemble --uncertain FILE``).

    The file holds ``uncertain:`` and optionally ``description`` and ``source``; the block is checked
    against ``model`` as in a scenario file.

    Raises
    ------
    ScenarioError
        ``path:line: field: problem (allowed: ...)``.
    """
    doc = read_yaml(path, error=ScenarioError, what="uncertainty file")
    if "uncertain" not in doc.data:
        raise ScenarioError("has no 'uncertain:' block", path=str(path), field="uncertain", line=1)
    unknown = sorted(set(doc.data) - {"uncertain", "description", "source"})
    if unknown:
        raise ScenarioError(f"unknown key '{unknown[0]}'", path=str(path), field=unknown[0],
                            line=doc.line_of((unknown[0],)), allowed="uncertain, description, source")
    return parse_uncertain(doc.data["uncertain"], model, doc=doc)
