"""UI strings of the dashboard in English and Bahasa Indonesia (``locale/dashboard.yaml``).

Same rules as :func:`cityfutures.i18n.t`: a missing key or language raises ``KeyError``
(no silent fallback to English). Kept apart from ``locale/strings.yaml`` until
:mod:`cityfutures.i18n` reads every ``locale/*.yaml`` file.

>>> t("legend.baseline", "id")
'Garis dasar'
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Mapping

import yaml

from ..i18n import check_lang

__all__ = ["t", "strings"]


@lru_cache(maxsize=1)
def strings() -> Mapping[str, Mapping[str, str]]:
    """All dashboard strings: key -> {"en": ..., "id": ...}."""
    text = resources.files("cityfutures").joinpath("locale/dashboard.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("locale/dashboard.yaml must map keys to {en: ..., id: ...}")
    return data


def t(key: str, lang: str, **fmt) -> str:
    """The text of ``key`` in ``lang``, formatted with ``fmt``; ``KeyError`` when missing."""
    check_lang(lang)
    entry = strings().get(key)
    if entry is None:
        raise KeyError(f"no UI string '{key}' in locale/dashboard.yaml")
    text = entry.get(lang) if isinstance(entry, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise KeyError(f"UI string '{key}' has no '{lang}' text in locale/dashboard.yaml")
    return text.format(**fmt) if fmt else text
