"""UI strings of the dashboard in English and Bahasa Indonesia (``locale/dashboard.yaml``).

The catalogue ``dashboard`` of :mod:`cityfutures.i18n`: a missing key or language raises
``KeyError`` (no silent fallback to English).

>>> t("legend.baseline", "id")
'Skenario dasar'
"""
from __future__ import annotations

from functools import partial

from ..report import i18n

__all__ = ["t", "strings"]

t = partial(i18n.t, catalog="dashboard")
strings = partial(i18n.strings, "dashboard")
