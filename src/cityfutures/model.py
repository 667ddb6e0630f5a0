"""A model: a Vensim ``.mdl`` file, PySD's translation of it, and its metadata sidecar.

``load_model`` is the edge where a model file is read and checked; the frozen
:class:`Model` it returns is trusted by everything downstream. PySD's translation is
cached by the file's content hash in a user cache directory (``CITYFUTURES_CACHE_DIR``
or the platform's cache folder), never next to the model file.
"""
from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ModelError, did_you_mean
from .findings import RULES, SOURCE_TAGS, Silence
from .yamlio import YamlDocument, pydantic_error, read_yaml

__all__ = ["Model", "Variable", "Lever", "Indicator", "Shock", "DocumentedLoop", "CheckConfig", "Label", "load_model",
           "resolve_model_path", "cache_dir", "FOCUS_AREAS"]

FOCUS_AREAS = ("governance", "preparedness", "water-waste", "connectivity-mobility", "social-cohesion")
_HERE = Path(__file__).resolve()


# ----------------------------------------------------------------------------- sidecar schema
class Label(BaseModel):
    """A text in English and Bahasa Indonesia."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    en: str
    id: str

    def __call__(self, lang: str) -> str:
        if lang not in ("en", "id"):
            raise ValueError(f"language must be 'en' or 'id', got {lang!r}")
        return getattr(self, lang)


class _LeverMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    focus_area: str
    label: Label


class _IndicatorMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    focus_area: str
    better: Literal["lower", "higher"]
    label: Label
    unit_label: Label


class _ShockMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
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


class _LoopMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    label: Label
    polarity: Literal["reinforcing", "balancing"]
    variables: list[str] = Field(min_length=2)
    cut: tuple[str, str]


class _SilenceMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str
    variable: str
    reason: str

    @field_validator("reason")
    @classmethod
    def _stated(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a silenced finding needs its reason")
        return v


class _ChecksMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source_tags: list[str] = list(SOURCE_TAGS)
    silence: list[_SilenceMeta] = []


class _Sidecar(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    model: str
    focus_areas: dict[str, Label]
    sectors: dict[str, Label] = {}
    levers: dict[str, _LeverMeta] = {}
    indicators: dict[str, _IndicatorMeta] = {}
    shocks: dict[str, _ShockMeta] = {}
    loops: list[_LoopMeta] = []
    equilibrium_stocks: list[str] = []
    variables: dict[str, Label] = {}
    checks: _ChecksMeta = _ChecksMeta()


# ----------------------------------------------------------------------------- public records
@dataclass(frozen=True)
class Variable:
    """One model element as PySD documents it.

    ``kind`` is PySD's type: ``Constant``, ``Stateful``, ``Auxiliary``, ``Lookup``, ``Data``.
    ``minimum``/``maximum`` come from the Vensim range ``[min,max]`` (``nan`` when open).
    """

    name: str
    py_name: str
    units: str
    kind: str
    subtype: str
    minimum: float
    maximum: float
    doc: str
    value: float | None = None   # baseline value of a scalar constant


@dataclass(frozen=True)
class Lever:
    """A programme lever: a constant with unit, baseline and documented range."""

    name: str
    units: str
    baseline: float
    minimum: float
    maximum: float
    focus_area: str
    label: Label
    doc: str


@dataclass(frozen=True)
class Indicator:
    """A public indicator, the direction in which it improves, and its labels."""

    name: str
    units: str
    focus_area: str
    better: str
    label: Label
    unit_label: Label


@dataclass(frozen=True)
class Shock:
    """A kind of shock: the model input it pulses, for how long, and its magnitude range."""

    kind: str
    input: str
    duration: float
    magnitude_range: tuple[float, float]
    label: Label


@dataclass(frozen=True)
class DocumentedLoop:
    """A feedback loop the model card documents (the sidecar's ``loops:``): its variables in causal
    order (the last feeds the first), its polarity, and the link a knockout removes (``cut = (source,
    target)``, an edge of the loop)."""

    name: str
    label: Label
    polarity: str
    variables: tuple[str, ...]
    cut: tuple[str, str]


@dataclass(frozen=True)
class CheckConfig:
    """How ``cityfutures check`` reads this model (the sidecar's ``checks:``).

    ``source_tags``: words that name a constant's source; ``silence``: findings accepted
    with a reason (:class:`cityfutures.findings.Silence`).
    """

    source_tags: tuple[str, ...] = SOURCE_TAGS
    silence: tuple[Silence, ...] = ()


@dataclass(frozen=True)
class Model:
    """A loaded, checked model. Build it with :func:`load_model`.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"jakarta"``.
    path : Path
        The ``.mdl`` file.
    sha256 : str
        Hash of the file's bytes: the provenance key of every result.
    initial_time, final_time, time_step, saveper : float
        The model's own time settings [time units].
    time_units : str
    variables : mapping of Vensim name -> Variable
    levers, indicators : mapping of name -> Lever / Indicator (from the sidecar)
    shocks : mapping of kind -> Shock
    loops : tuple of DocumentedLoop (the sidecar's documented feedback loops, in file order)
    equilibrium_stocks : tuple of str (stocks declared to start in equilibrium)
    check_config : CheckConfig (the sidecar's ``checks:``)
    focus_areas, sectors, labels : mapping of id/name -> Label
    """

    name: str
    path: Path
    sha256: str
    translation: Path
    initial_time: float
    final_time: float
    time_step: float
    saveper: float
    time_units: str
    variables: Mapping[str, Variable]
    levers: Mapping[str, Lever] = field(default_factory=dict)
    indicators: Mapping[str, Indicator] = field(default_factory=dict)
    shocks: Mapping[str, Shock] = field(default_factory=dict)
    loops: tuple[DocumentedLoop, ...] = ()
    equilibrium_stocks: tuple[str, ...] = ()
    focus_areas: Mapping[str, Label] = field(default_factory=dict)
    sectors: Mapping[str, Label] = field(default_factory=dict)
    labels: Mapping[str, Label] = field(default_factory=dict)
    meta_path: Path | None = None
    meta_sha256: str | None = None
    check_config: CheckConfig = field(default_factory=CheckConfig)

    def pysd(self):
        """A freshly loaded PySD model from the cached translation (cheap: no re-translation)."""
        import pysd
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pysd.load(str(self.translation))

    @cached_property
    def constants(self) -> Mapping[str, Variable]:
        """Scalar constants (not the control variables), by Vensim name."""
        control = {"INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER"}
        return {n: v for n, v in self.variables.items()
                if v.kind == "Constant" and n not in control and v.value is not None}

    def label(self, name: str, lang: str = "en") -> str:
        """Bilingual label of a variable, lever or indicator; raises KeyError when missing."""
        if name in self.indicators:
            return self.indicators[name].label(lang)
        if name in self.levers:
            return self.levers[name].label(lang)
        return self.labels[name](lang)

    def lookup_name(self, name: str) -> str:
        """The exact Vensim name for ``name`` (case and spacing as Vensim ignores them)."""
        if name in self.variables:
            return name
        key = " ".join(name.lower().replace("_", " ").split())
        for real in self.variables:
            if " ".join(real.lower().split()) == key:
                return real
        raise KeyError(name)


# ----------------------------------------------------------------------------- loading
def cache_dir() -> Path:
    """Where translations are cached: ``$CITYFUTURES_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("CITYFUTURES_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir
    return Path(user_cache_dir("cityfutures"))


def bundled_models_dir() -> Path | None:
    """The ``models/`` folder of a source checkout (editable install), if there is one."""
    candidate = _HERE.parents[2] / "models"
    return candidate if candidate.is_dir() else None


def resolve_model_path(ref: str | os.PathLike, relative_to: Path | None = None) -> Path:
    """Find a model by path or by bundled name (``"jakarta"`` -> ``models/jakarta.mdl``).

    Search order: the path itself; relative to ``relative_to`` and its ``../models``;
    ``./models``; the bundled ``models/`` folder.
    """
    ref_s = str(ref)
    p = Path(ref_s)
    names = [p] if p.suffix.lower() == ".mdl" else [p.with_suffix(".mdl"), p]
    bases: list[Path] = []
    if p.is_absolute():
        bases = [Path("/")]
    else:
        if relative_to is not None:
            bases += [relative_to, relative_to.parent / "models", relative_to / "models"]
        bases += [Path.cwd(), Path.cwd() / "models"]
        bundled = bundled_models_dir()
        if bundled is not None:
            bases.append(bundled)
    for base in bases:
        for name in names:
            cand = name if name.is_absolute() else base / name
            if cand.is_file() and cand.suffix.lower() == ".mdl":
                return cand.resolve()
    available = sorted(x.stem for x in (bundled_models_dir() or Path(".")).glob("*.mdl"))
    raise ModelError(f"model '{ref_s}' not found", field="model",
                     allowed="a path to a .mdl file or a bundled model: " + ", ".join(available or ["(none)"]))


def _translate(mdl: Path, sha: str) -> Path:
    """PySD translation of ``mdl``, cached under ``cache_dir()/translations/<sha>``."""
    import pysd
    # keyed by content and file name: PySD names the translation (and its modules) after the file
    target = cache_dir() / "translations" / f"{sha[:24]}-{mdl.stem}-pysd{pysd.__version__}"
    py = target / (mdl.stem + ".py")
    if py.is_file():
        return py
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        shutil.copy2(mdl, work / mdl.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                pysd.read_vensim(str(work / mdl.name), initialize=False)
            except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
                raise ModelError(f"PySD cannot translate the model: {type(exc).__name__}: {exc}"
                                 .splitlines()[0][:500], path=str(mdl)) from exc
        try:
            work.rename(target)
        except OSError:  # another process won the race: use its translation
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return py


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return math.nan
    return x


def _variables(pysd_model) -> dict[str, Variable]:
    doc = pysd_model.doc
    out: dict[str, Variable] = {}
    for row in doc.itertuples(index=False):
        name = getattr(row, "_0", None) or row[0]
        limits = row.Limits if isinstance(row.Limits, tuple) else (math.nan, math.nan)
        value = None
        if row.Type == "Constant" and not row.Subscripts:
            try:
                v = pysd_model[name]
                value = float(v) if not hasattr(v, "shape") or getattr(v, "shape", ()) == () else None
            except Exception:  # a constant PySD cannot evaluate before a run: leave None
                value = None
        units = row.Units if isinstance(row.Units, str) else ""
        comment = row.Comment if isinstance(row.Comment, str) else ""
        subtype = row.Subtype if isinstance(row.Subtype, str) else ""
        kind = row.Type if isinstance(row.Type, str) else ""
        out[name] = Variable(name=name, py_name=row[1], units=units.strip(), kind=kind, subtype=subtype,
                             minimum=_finite(limits[0]), maximum=_finite(limits[1]),
                             doc=comment.strip(), value=value)
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _running_links(dependencies: Mapping) -> dict[str, set[str]]:
    """PySD py_name -> the py_names it reads while the model runs (a stock reads its flows; INITIAL reads nothing)."""
    out: dict[str, set[str]] = {}
    for name, deps in dependencies.items():
        if name.startswith("_") or not isinstance(deps, dict):
            continue
        reads: set[str] = set()
        for dep in deps:
            if dep.startswith("_"):
                reads |= set((dependencies.get(dep) or {}).get("step") or {})
            else:
                reads.add(dep)
        out[name] = reads
    return out


def _load_loops(side: _Sidecar, variables: Mapping[str, Variable], dependencies: Mapping | None,
                fail) -> tuple[DocumentedLoop, ...]:
    """Validated loops: every variable exists, consecutive variables are linked in the model (when PySD's
    dependency graph is given), and the cut is an edge of the loop."""
    links = _running_links(dependencies) if dependencies is not None else None
    loops: dict[str, DocumentedLoop] = {}
    for i, lm in enumerate(side.loops):
        if lm.name in loops:
            fail(("loops", i, "name"), f"loop '{lm.name}' is declared twice")
        for j, name in enumerate(lm.variables):
            if name not in variables:
                fail(("loops", i, "variables", j), f"'{name}' is not a variable of the model. "
                     + did_you_mean(name, variables))
        ring = list(lm.variables)
        edges = list(zip(ring, ring[1:] + ring[:1]))
        if links is not None:
            for j, (a, b) in enumerate(edges):
                if variables[a].py_name not in links.get(variables[b].py_name, set()):
                    fail(("loops", i, "variables", (j + 1) % len(ring)),
                         f"loop '{lm.name}': '{b}' does not depend on '{a}' in the model",
                         "consecutive variables linked by an equation (the last feeds the first)")
        cut = tuple(lm.cut)
        if cut not in edges:
            fail(("loops", i, "cut"), f"loop '{lm.name}': the cut {cut[0]} -> {cut[1]} is not an edge of the loop",
                 "a pair of consecutive variables of the loop")
        loops[lm.name] = DocumentedLoop(name=lm.name, label=lm.label, polarity=lm.polarity, variables=tuple(ring),
                                        cut=cut)
    return tuple(loops.values())


def _load_sidecar(meta_path: Path, variables: Mapping[str, Variable], dependencies: Mapping | None = None):
    doc: YamlDocument = read_yaml(meta_path, error=ModelError, what="model metadata")
    try:
        side = _Sidecar.model_validate(doc.data)
    except ValidationError as exc:
        raise pydantic_error(exc, doc, error=ModelError) from None

    def fail(loc: tuple, problem: str, allowed: str | None = None):
        from .yamlio import field_path
        raise ModelError(problem, path=str(meta_path), field=field_path(loc), line=doc.line_of(loc),
                         allowed=allowed)

    for fa in side.focus_areas:
        if fa not in FOCUS_AREAS:
            fail(("focus_areas", fa), f"unknown focus area '{fa}'", ", ".join(FOCUS_AREAS))
    levers: dict[str, Lever] = {}
    for name, lm in side.levers.items():
        var = variables.get(name)
        if var is None:
            fail(("levers", name), f"lever '{name}' is not a variable of the model. "
                 + did_you_mean(name, variables))
        if var.kind != "Constant" or var.value is None:
            fail(("levers", name), f"lever '{name}' must be a scalar constant of the model (it is {var.kind})")
        if math.isnan(var.minimum) or math.isnan(var.maximum):
            fail(("levers", name), f"lever '{name}' needs a Vensim range [min,max] in the model")
        if lm.focus_area not in side.focus_areas:
            fail(("levers", name, "focus_area"), f"unknown focus area '{lm.focus_area}'",
                 ", ".join(side.focus_areas))
        levers[name] = Lever(name=name, units=var.units, baseline=var.value, minimum=var.minimum,
                             maximum=var.maximum, focus_area=lm.focus_area, label=lm.label, doc=var.doc)
    indicators: dict[str, Indicator] = {}
    for name, im in side.indicators.items():
        var = variables.get(name)
        if var is None:
            fail(("indicators", name), f"indicator '{name}' is not a variable of the model. "
                 + did_you_mean(name, variables))
        if im.focus_area not in side.focus_areas:
            fail(("indicators", name, "focus_area"), f"unknown focus area '{im.focus_area}'",
                 ", ".join(side.focus_areas))
        indicators[name] = Indicator(name=name, units=var.units, focus_area=im.focus_area, better=im.better,
                                     label=im.label, unit_label=im.unit_label)
    shocks: dict[str, Shock] = {}
    for kind, sm in side.shocks.items():
        var = variables.get(sm.input)
        if var is None or var.kind != "Constant":
            fail(("shocks", kind, "input"), f"shock input '{sm.input}' must be a constant of the model. "
                 + did_you_mean(sm.input, variables))
        lo, hi = sm.magnitude_range
        if not lo <= hi:
            fail(("shocks", kind, "magnitude_range"), f"minimum {lo} is above maximum {hi}")
        shocks[kind] = Shock(kind=kind, input=sm.input, duration=sm.duration,
                             magnitude_range=(lo, hi), label=sm.label)
    for name in side.variables:
        if name not in variables:
            fail(("variables", name), f"'{name}' is not a variable of the model. " + did_you_mean(name, variables))
    loops = _load_loops(side, variables, dependencies, fail)
    for i, name in enumerate(side.equilibrium_stocks):
        var = variables.get(name)
        if var is None or not (var.kind == "Stateful" and var.subtype == "Integ"):
            stocks = [n for n, v in variables.items() if v.kind == "Stateful" and v.subtype == "Integ"]
            fail(("equilibrium_stocks", i), f"'{name}' is not a stock (INTEG) of the model. " + did_you_mean(name, stocks))
    return side, levers, indicators, shocks, (loops, _check_config(side, variables, doc, fail))


def _check_config(side: _Sidecar, variables: Mapping[str, Variable], doc: YamlDocument, fail) -> CheckConfig:
    """The sidecar's ``checks:``: silences with a known rule, a variable of the model (or ``*``; for rule
    ``reality`` the check's name) and a reason."""
    silences = []
    for i, sm in enumerate(side.checks.silence):
        if sm.rule not in RULES:
            fail(("checks", "silence", i, "rule"), f"unknown rule '{sm.rule}'", ", ".join(RULES))
        if sm.variable != "*" and sm.rule != "reality" and sm.variable not in variables:
            fail(("checks", "silence", i, "variable"), f"'{sm.variable}' is not a variable of the model. "
                 + did_you_mean(sm.variable, variables), "a variable of the model or '*'")
        silences.append(Silence(sm.rule, sm.variable, sm.reason.strip(), doc.line_of(("checks", "silence", i))))
    return CheckConfig(tuple(side.checks.source_tags), tuple(silences))


def load_model(ref: str | os.PathLike | Model, *, relative_to: Path | None = None) -> Model:
    """Load and check a model.

    Parameters
    ----------
    ref : str, path or Model
        A ``.mdl`` path or the name of a bundled model (``"jakarta"``). A :class:`Model`
        is returned unchanged.
    relative_to : Path, optional
        Folder to resolve a relative ``ref`` against first (a scenario file's folder).

    Returns
    -------
    Model
        With ``levers``, ``indicators`` and ``shocks`` filled from ``<name>.meta.yaml``
        when that sidecar exists next to the model.

    Raises
    ------
    ModelError
        The file is missing, PySD cannot translate it, or the sidecar is inconsistent.

    Examples
    --------
    >>> m = load_model("jakarta")                       # doctest: +SKIP
    >>> m.levers["Rail transit capacity"].units          # doctest: +SKIP
    """
    if isinstance(ref, Model):
        return ref
    path = resolve_model_path(ref, relative_to)
    return _load_model_cached(str(path), path.stat().st_mtime_ns)


_MODEL_CACHE: dict[tuple[str, int], Model] = {}


def _load_model_cached(path_s: str, mtime: int) -> Model:
    key = (path_s, mtime)
    if key in _MODEL_CACHE:
        return _MODEL_CACHE[key]
    path = Path(path_s)
    sha = _sha256(path)
    py = _translate(path, sha)
    import pysd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pm = pysd.load(str(py))
        except Exception as exc:
            raise ModelError(f"PySD cannot load the translated model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=str(path)) from exc
    variables = _variables(pm)
    comps = pm.components
    time_units = variables.get("INITIAL TIME").units if "INITIAL TIME" in variables else ""
    try:
        times = dict(initial_time=float(comps.initial_time()), final_time=float(comps.final_time()),
                     time_step=float(comps.time_step()), saveper=float(comps.saveper()))
    except Exception as exc:
        raise ModelError(f"the model's time settings cannot be evaluated: {exc}", path=str(path)) from exc
    meta_path = path.with_name(path.stem + ".meta.yaml")
    extra: dict = {}
    if meta_path.is_file():
        side, levers, indicators, shocks, (loops, checks) = _load_sidecar(meta_path, variables, pm.dependencies)
        extra = dict(levers=levers, indicators=indicators, shocks=shocks, loops=loops,
                     equilibrium_stocks=tuple(side.equilibrium_stocks), focus_areas=dict(side.focus_areas),
                     sectors=dict(side.sectors), labels=dict(side.variables), meta_path=meta_path,
                     meta_sha256=_sha256(meta_path), check_config=checks)
    model = Model(name=path.stem, path=path, sha256=sha, translation=py, time_units=time_units,
                  variables=variables, **times, **extra)
    _MODEL_CACHE[key] = model
    return model
