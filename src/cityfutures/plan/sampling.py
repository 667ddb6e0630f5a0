"""Sampled futures: a seeded design in the unit hypercube, mapped through the distributions.

All randomness of an ensemble happens here, once, before any run: the design is drawn from
one seeded stream (``scipy.stats.qmc``) and turned into a plain table of samples. Executors
and chunking only ever slice that table, so the same seed gives the same futures, and so the
same results, whichever executor runs them and however the work is cut. The baseline and
every intervention receive the same rows, so each difference between them is paired.

Columns of the unit hypercube, in order: one per uncertain constant (file order); then per
stochastic shock, one column per year of the horizon for *whether* it strikes (``u < p``)
and one per year for *how hard* (the magnitude distribution's quantile of ``u``).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import qmc

from ..errors import ScenarioError
from ..scenario.uncertain import UncertainSpec

__all__ = ["Factor", "Samples", "factors", "shock_onsets", "unit_design", "transform", "sample"]


@dataclass(frozen=True)
class Factor:
    """One column of the unit hypercube.

    ``group`` is what sensitivity analysis reports: the constant's name, or the shock kind
    for all of that shock's occurrence and magnitude columns together.
    """

    name: str
    group: str
    role: str              # "constant" | "occurs" | "magnitude"
    shock: str | None = None
    year_index: int | None = None


def shock_onsets(start: float, end: float, offset: float = 0.0) -> np.ndarray:
    """Onset times of the yearly shock draws within ``[start, end)`` [Year]."""
    n = int(math.ceil(end - start - 1e-9))
    t = start + np.arange(max(n, 0)) + offset
    return t[t < end - 1e-9]


def factors(spec: UncertainSpec, start: float, end: float) -> list[Factor]:
    """The columns of the unit hypercube for ``spec`` over the horizon ``[start, end]``."""
    out = [Factor(name=n, group=n, role="constant") for n in spec.names]
    for s in spec.shocks:
        years = shock_onsets(start, end, s.offset)
        for i, y in enumerate(years):
            out.append(Factor(f"{s.kind} strikes in {y:g}", s.kind, "occurs", s.kind, i))
        for i, y in enumerate(years):
            out.append(Factor(f"{s.kind} magnitude in {y:g}", s.kind, "magnitude", s.kind, i))
    return out


def unit_design(d: int, n: int, *, method: str = "lhs", seed: int) -> np.ndarray:
    """``n`` points of a design in ``[0, 1)^d``.

    Parameters
    ----------
    d, n : int
        Dimensions and number of points.
    method : {"lhs", "sobol", "random"}
        Latin hypercube (``scipy.stats.qmc.LatinHypercube``), scrambled Sobol
        (``qmc.Sobol``; best with ``n`` a power of two) or plain pseudo-random.
    seed : int
        Explicit seed; the same seed always gives the same design.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ScenarioError(f"seed must be a non-negative integer (got {seed!r})", field="seed")
    if n < 1:
        raise ScenarioError(f"need at least one sample (got {n})", field="samples")
    if d == 0:
        return np.empty((n, 0))
    rng = np.random.default_rng(int(seed))
    if method == "lhs":
        return qmc.LatinHypercube(d, rng=rng).random(n)
    if method == "sobol":
        engine = qmc.Sobol(d, scramble=True, rng=rng)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            return engine.random(n)
    if method == "random":
        return rng.random((n, d))
    raise ScenarioError(f"unknown sampler '{method}'", field="sampler", allowed="lhs, sobol, random")


@dataclass(frozen=True)
class Samples:
    """The sampled futures: one row per sample, shared by every scenario of an ensemble.

    Attributes
    ----------
    constants : pandas.DataFrame
        Index ``sample`` (0..n-1), one column per uncertain constant [its model units].
    shocks : mapping kind -> ndarray (n, years)
        Magnitude of the shock striking in each year of the horizon; 0 when none strikes.
    onsets : mapping kind -> ndarray (years,)
        When each year's shock starts [Year].
    unit : ndarray (n, d)
        The design in the unit hypercube (columns as :func:`factors`).
    seed : int or None, method : str
    """

    constants: pd.DataFrame
    shocks: Mapping[str, np.ndarray] = field(default_factory=dict)
    onsets: Mapping[str, np.ndarray] = field(default_factory=dict)
    unit: np.ndarray | None = None
    seed: int | None = None
    method: str = "lhs"

    def __len__(self) -> int:
        return len(self.constants)

    @property
    def sample_ids(self) -> np.ndarray:
        return np.asarray(self.constants.index, dtype=int)

    def take(self, positions: Sequence[int] | slice) -> "Samples":
        """The samples at ``positions`` (row positions), keeping their sample ids."""
        pos = np.arange(len(self))[positions] if isinstance(positions, slice) else np.asarray(positions)
        return Samples(constants=self.constants.iloc[pos],
                       shocks={k: v[pos] for k, v in self.shocks.items()},
                       onsets=dict(self.onsets),
                       unit=None if self.unit is None else self.unit[pos],
                       seed=self.seed, method=self.method)

    def table(self) -> pd.DataFrame:
        """One row per sample: the constants and, per shock, how many struck and the largest.

        The columns scenario discovery (PRIM) and readers look at.
        """
        out = self.constants.copy()
        for kind, mags in self.shocks.items():
            out[f"{kind} count"] = (mags > 0).sum(axis=1)
            out[f"{kind} largest"] = mags.max(axis=1) if mags.shape[1] else 0.0
        out.index.name = "sample"
        return out


def transform(spec: UncertainSpec, unit: np.ndarray, *, start: float, end: float,
              sample_ids: Sequence[int] | None = None, seed: int | None = None,
              method: str | None = None) -> Samples:
    """Map a unit-hypercube design to :class:`Samples` (columns as :func:`factors`)."""
    unit = np.asarray(unit, dtype=float)
    facs = factors(spec, start, end)
    if unit.ndim != 2 or unit.shape[1] != len(facs):
        raise ValueError(f"design has shape {unit.shape}, expected (n, {len(facs)})")
    n = unit.shape[0]
    index = pd.RangeIndex(n, name="sample") if sample_ids is None else pd.Index(sample_ids, name="sample")
    cols = {name: dist.ppf(unit[:, j]) for j, (name, dist) in enumerate(spec.constants)}
    constants = pd.DataFrame(cols, index=index, columns=list(spec.names))
    shocks: dict[str, np.ndarray] = {}
    onsets: dict[str, np.ndarray] = {}
    j = len(spec.constants)
    for s in spec.shocks:
        years = shock_onsets(start, end, s.offset)
        k = len(years)
        occurs = unit[:, j:j + k] < s.annual_probability
        mags = s.magnitude.ppf(unit[:, j + k:j + 2 * k]).reshape(n, k)
        shocks[s.kind] = np.where(occurs, mags, 0.0)
        onsets[s.kind] = years
        j += 2 * k
    return Samples(constants=constants, shocks=shocks, onsets=onsets, unit=unit, seed=seed,
                   method=method or spec.sampler)


def sample(spec: UncertainSpec, n: int, *, seed: int, start: float, end: float,
           method: str | None = None) -> Samples:
    """Draw ``n`` futures from ``spec`` with an explicit ``seed``.

    Parameters
    ----------
    spec : UncertainSpec
    n : int
        Number of futures.
    seed : int
        The same seed gives the same futures, on any executor and with any chunking.
    start, end : float
        The horizon [Year]: one shock draw per year from ``start``.
    method : {"lhs", "sobol", "random"}, optional
        Defaults to ``spec.sampler``.

    Examples
    --------
    >>> s = sample(spec, 256, seed=42, start=2018, end=2028)     # doctest: +SKIP
    >>> s.constants.head()                                        # doctest: +SKIP
    """
    method = method or spec.sampler
    d = len(factors(spec, start, end))
    unit = unit_design(d, n, method=method, seed=seed)
    return transform(spec, unit, start=start, end=end, seed=seed, method=method)
