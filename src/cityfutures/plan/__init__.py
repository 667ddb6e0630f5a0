"""Plans of runs as plain data: which scenarios run over which futures, with which parameters."""
from .plan import Plan, RunSpec, build_plan

__all__ = ["Plan", "RunSpec", "build_plan"]
