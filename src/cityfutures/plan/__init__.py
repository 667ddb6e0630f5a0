"""Plans of runs as plain data: which scenarios run in which futures, with which parameters.

``plan.py`` builds the one :class:`Plan` (runs x futures; a deterministic comparison is an ensemble
of one future), ``sampling.py`` draws the futures, ``periods.py`` says which times an ensemble
reports. Nothing here runs a model.
"""
from .plan import (
    CostStream,
    Futures,
    Plan,
    RunSpec,
    build_plan,
    combine,
    plan_ensemble,
    uncertain_of,
    without_shocks,
)
from .sampling import Samples

__all__ = ["Plan", "RunSpec", "CostStream",
           "Futures", "Samples", "build_plan", "plan_ensemble", "combine", "uncertain_of", "without_shocks"]
