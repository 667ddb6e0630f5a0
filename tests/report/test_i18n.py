"""UI strings: every key in both languages, every key the charts use exists, no silent fallback."""
from __future__ import annotations

import re
import string

import pytest

from cityfutures.report.i18n import LANGUAGES, strings, t
from tests.helpers import SRC


def test_every_key_has_both_languages_with_the_same_fields():
    fmt = string.Formatter()
    for key, entry in strings().items():
        assert isinstance(entry, dict), key
        assert set(entry) == set(LANGUAGES), f"{key}: languages {sorted(entry)}"
        fields = [{f for _l, f, _s, _c in fmt.parse(entry[lang]) if f} for lang in LANGUAGES]
        assert fields[0] == fields[1], f"{key}: fields differ between languages: {fields}"
        for lang in LANGUAGES:
            assert entry[lang].strip(), f"{key}: empty {lang} text"


def test_indonesian_is_not_a_copy_of_english():
    same = [k for k, e in strings().items() if e["en"] == e["id"] and len(e["en"]) > 12]
    assert same == []


def _keys_used_in_code() -> set[str]:
    """Literal keys passed to t(...) / labels.t(...) in the chart, brief and CLI modules."""
    used: set[str] = set()
    charts = [f for f in (SRC / "report" / "charts").glob("*.py") if f.name != "ensemble.py"]
    files = charts + [SRC / "report" / "brief.py"]
    pattern = re.compile(r"""\bt\(\s*f?["']([^"']+)["']""")
    for f in files:
        for key in pattern.findall(f.read_text()):
            if "{" in key:   # an f-string key: expand it over the values it takes
                for a, b in (("{better}", "lower"), ("{better}", "higher"), ("{k}", "stock"),
                             ("{track}", "quick-win"), ("{track}", "normal")):
                    key_x = key.replace(a, b)
                    if "{" not in key_x:
                        used.add(key_x)
            else:
                used.add(key)
    return used


def test_every_key_the_charts_use_exists():
    used = _keys_used_in_code()
    assert len(used) > 30
    missing = sorted(k for k in used if k not in strings())
    assert missing == []
    for kind in ("stock", "flow", "lever", "shock", "auxiliary", "indicator"):
        assert f"structure.kind.{kind}" in strings()


def test_missing_key_or_language_is_an_error():
    with pytest.raises(KeyError):
        t("no.such.key", "id")
    with pytest.raises(ValueError):
        t("baseline", "fr")


def test_lookup_and_format():
    assert t("baseline", "id") == "Skenario dasar"     # what officials say (not the calque "garis dasar")
    assert t("recovery_time", "id", years="2,5") == "Waktu pemulihan: 2,5 tahun"
    assert t("track.quick-win", "id") == "Program cepat (quick win)"
    assert t("track.normal", "id") == "Jalur normal"
