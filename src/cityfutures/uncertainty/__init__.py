"""Deep uncertainty: sampled futures, ensembles, global sensitivity and scenario discovery.

The pieces, in the order data flows through them::

    spec.py         the ``uncertain:`` block of a scenario file -> UncertainSpec
    sampling.py     UncertainSpec + n + seed -> Samples (the same futures for every scenario)
    executors.py    where chunks of runs execute: in process, a process pool, a Dask cluster
    ensemble.py     paired runs over the samples -> quantile fans, P(beats baseline), regret
    sensitivity.py  SALib Sobol / Morris indices per indicator and year
    discovery.py    PRIM boxes: which futures make a programme fail
"""
from __future__ import annotations

from .spec import Distribution, StochasticShock, UncertainSpec, parse_uncertain  # noqa: F401
