"""Names as Vensim reads them: one rule for matching, one for PySD's Python names, one list of control variables.

Vensim ignores case, spacing and underscores in names; :func:`norm_name` is that rule and
every name lookup (scenario keys, ``did you mean`` hints, the batch engine's cells) uses it.

>>> norm_name("  Rail_transit   Capacity ")
'rail transit capacity'
>>> py_name("Rail transit  Capacity")
'rail_transit_capacity'
"""
from __future__ import annotations

import difflib
from typing import Iterable

__all__ = ["CONTROL", "CONTROL_NAMES", "TIME_NAMES", "norm_name", "py_name", "did_you_mean"]

CONTROL = {"initial_time": "INITIAL TIME", "final_time": "FINAL TIME", "time_step": "TIME STEP",
           "saveper": "SAVEPER"}
"""Vensim's control variables: PySD's Python name -> Vensim name."""
CONTROL_NAMES = frozenset(CONTROL.values())
TIME_NAMES = frozenset({"TIME", "Time"})
"""The names the time itself goes by in a PySD run's output."""


def norm_name(name: str) -> str:
    """``name`` as Vensim compares names: lower case, underscores as spaces, single spaces."""
    return " ".join(str(name).lower().replace("_", " ").split())


def py_name(name: str) -> str:
    """PySD's clean Python name of an element, as references in its abstract model spell it."""
    return " ".join(str(name).split()).lower().replace(" ", "_")


def did_you_mean(name: str, candidates: Iterable[str], n: int = 3) -> str:
    """A ``did you mean 'x'?`` hint for a misspelt name, or an empty string (names compared by :func:`norm_name`)."""
    norm = {norm_name(c): c for c in candidates}
    close = difflib.get_close_matches(norm_name(name), list(norm), n=n, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{norm[c]}'" for c in close) + "?"
