"""The loaded model as frozen records: variables from PySD, levers, indicators and shocks from the sidecar.

Build a :class:`Model` with :func:`cityfutures.model.load_model`; everything downstream trusts it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping

from ..names import CONTROL_NAMES, norm_name
from .sidecar import FocusArea, Label, Sidecar

__all__ = ["Variable", "Lever", "Indicator", "Shock", "DocumentedLoop", "Model"]


@dataclass(frozen=True)
class Variable:
    """One model element as PySD documents it.

    ``kind`` is PySD's type: ``Constant``, ``Stateful``, ``Auxiliary``, ``Lookup``, ``Data``.
    ``minimum``/``maximum`` come from the Vensim range ``[min,max]`` (``nan`` when open).
    ``reads``: the variables its equation reads while the model runs (a stock reads its flows, a SMOOTH
    or DELAY its inputs; what only an INITIAL reads is not counted), from PySD's dependencies.
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
    reads: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lever:
    """A programme lever: a constant with unit, baseline and documented range [its units]."""

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
    """A public indicator, the direction in which it improves (``lower``/``higher``), and its labels.

    ``scale`` is one unit of improvement [the indicator's units] and ``scale_reason`` why (both None
    when the sidecar declares no scale: the indicator then cannot be scored).
    """

    name: str
    units: str
    focus_area: str
    better: str
    label: Label
    unit_label: Label
    scale: float | None = None
    scale_reason: Label | None = None


@dataclass(frozen=True)
class Shock:
    """A kind of shock: the model input it pulses, for how long [Year], and its magnitude range."""

    kind: str
    input: str
    duration: float
    magnitude_range: tuple[float, float]
    label: Label


@dataclass(frozen=True)
class DocumentedLoop:
    """A feedback loop the model card documents (the sidecar's ``loops:``): its variables in causal order
    (the last feeds the first), its polarity, and the link a knockout cuts (``cut = (source, target)``)."""

    name: str
    label: Label
    polarity: str
    variables: tuple[str, ...]
    cut: tuple[str, str]


@dataclass(frozen=True)
class Model:
    """A loaded, checked model. Build it with :func:`cityfutures.model.load_model`.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"jakarta"``.
    path : Path
        The model file (Vensim ``.mdl`` or XMILE).
    sha256 : str
        Hash of the file's bytes: the provenance key of every result.
    translation : Path
        PySD's cached translation (a ``.py`` file in the user cache, never next to the model).
    initial_time, final_time, time_step, saveper : float
        The model's own time settings [time units].
    time_units : str
    variables : mapping of Vensim name -> Variable
    levers, indicators : mapping of name -> Lever / Indicator (from the sidecar)
    shocks : mapping of kind -> Shock
    loops : tuple of DocumentedLoop
        The documented feedback loops, in the sidecar's order.
    equilibrium_stocks : tuple of str
        Stocks declared to start in equilibrium.
    focus_areas : mapping of id -> FocusArea
        In the sidecar's order (the order of every chart and table); each a bilingual label
        with an optional chart colour.
    sectors, labels : mapping of id/name -> Label
    meta : Sidecar or None
        The whole validated sidecar (blocks other than the ones above are read from here).
    meta_path, meta_sha256 : Path, str or None
    format : {"vensim", "xmile"}
        The file's format, found from its content.
    method : {"euler", "rk4"}
        The integration method the file asks for (XMILE ``<sim_specs method>``; Euler for Vensim).
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
    focus_areas: Mapping[str, FocusArea] = field(default_factory=dict)
    sectors: Mapping[str, Label] = field(default_factory=dict)
    labels: Mapping[str, Label] = field(default_factory=dict)
    meta: Sidecar | None = field(default=None, repr=False)
    meta_path: Path | None = None
    meta_sha256: str | None = None
    format: str = "vensim"
    method: str = "euler"

    def pysd(self):
        """A freshly loaded PySD model from the cached translation (cheap: no re-translation)."""
        import pysd  # PySD loads only when its run is asked for: a cached model is read without it
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pysd.load(str(self.translation))

    @cached_property
    def constants(self) -> Mapping[str, Variable]:
        """Scalar constants (not the control variables), by Vensim name."""
        return {n: v for n, v in self.variables.items()
                if v.kind == "Constant" and n not in CONTROL_NAMES and v.value is not None}

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
        key = norm_name(name)
        for real in self.variables:
            if norm_name(real) == key:
                return real
        raise KeyError(name)
