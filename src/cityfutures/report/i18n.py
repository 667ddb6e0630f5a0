"""User-interface strings in English and Bahasa Indonesia.

Every title, axis label, legend entry, note and heading that cityfutures draws is a key
of a catalogue ``locale/<catalog>.yaml`` with one text per language: ``strings`` (charts,
brief, reports), ``ensemble`` (ensemble and sensitivity charts), ``dashboard`` (the live page),
``checks`` (loop dominance tables and charts), ``portfolio`` (the portfolio search). :func:`t` looks a key up and
raises ``KeyError`` when the key or the language is missing: there is no silent
fallback to English, so a missing translation fails the tests instead of reaching a
workshop screen. Names from the model (indicators, units, focus areas, sectors) are not
here: they live in the model's sidecar (``models/<name>.meta.yaml``).

Examples
--------
>>> t("baseline", "id")
'Skenario dasar'
>>> t("recovery_time", "en", years="2.5")
'Recovery time: 2.5 years'
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Mapping

import yaml

__all__ = ["LANGUAGES", "CATALOGS", "t", "strings", "check_lang"]

LANGUAGES = ("en", "id")
CATALOGS = ("strings", "ensemble", "dashboard", "checks", "portfolio")


@lru_cache(maxsize=None)
def strings(catalog: str = "strings") -> Mapping[str, Mapping[str, str]]:
    """One catalogue of UI strings: key -> {"en": ..., "id": ...} (read once from the package data)."""
    if catalog not in CATALOGS:
        raise ValueError(f"unknown string catalogue {catalog!r} (allowed: {', '.join(CATALOGS)})")
    text = resources.files("cityfutures.report").joinpath(f"locale/{catalog}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"locale/{catalog}.yaml must map keys to {{en: ..., id: ...}}")
    return data


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return lang


def t(key: str, lang: str, catalog: str = "strings", **fmt) -> str:
    """The text of ``key`` in ``lang`` from ``locale/<catalog>.yaml``, formatted with ``fmt``.

    Raises
    ------
    KeyError
        The key is unknown or has no text in ``lang``.
    ValueError
        ``lang`` is not a supported language.
    """
    check_lang(lang)
    entry = strings(catalog).get(key)
    if entry is None:
        raise KeyError(f"no UI string '{key}' in locale/{catalog}.yaml")
    text = entry.get(lang) if isinstance(entry, dict) else None
    if not isinstance(text, str) or not text.strip():
        raise KeyError(f"UI string '{key}' has no '{lang}' text in locale/{catalog}.yaml")
    return text.format(**fmt) if fmt else text
