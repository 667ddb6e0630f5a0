"""Numbers as people read them, in English and Bahasa Indonesia: one rule for the marks, a few styles of digits.

English writes ``1,234.5``, Indonesian ``1.234,5``; both use a real minus sign (U+2212) and never
``-0``. :func:`localise` is that rule; every style below (charts, tables, the terminal, the
dashboard, the lever list) formats the digits and hands the text to it. A missing value
(None or NaN) is :data:`NO_VALUE`.

>>> number(46661.2, "id"), number(0.5923, "en", digits=4), change_pct(12.04, "id")
('46.661', '0.5923', '+12,0 %')
"""
from __future__ import annotations

import math

__all__ = ["NO_VALUE", "localise", "number", "fixed", "percent", "signed", "change_pct", "decimals_for", "year",
           "exact", "plain", "missing", "interval", "share", "signed_number"]

NO_VALUE = "–"
HUGE = 1e15
"""From this magnitude on, digits are written in scientific notation (``1.5e+20``), never in full."""


def missing(x) -> bool:
    """True for None and NaN (and anything that is not a finite number)."""
    try:
        return x is None or not math.isfinite(float(x))
    except (TypeError, ValueError):
        return True


def localise(text: str, lang: str) -> str:
    """English digits ``-1,234.5`` in the language's marks: a real minus sign, no ``-0``, Indonesian ``1.234,5``."""
    if text.startswith("-") and not text.strip("-0.,"):
        text = text[1:]   # no "-0"
    text = text.replace("-", "\u2212")
    if lang == "id":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _scientific(x: float, digits: int) -> str:
    mantissa, exponent = f"{x:.{max(0, digits - 1)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def number(x: float, lang: str, digits: int = 3) -> str:
    """A value with ``digits`` significant digits below 100 and none after the point from 100 on.

    Trailing zeros are dropped (``2.5``, not ``2.50``); thousands are separated; from
    :data:`HUGE` on, scientific notation.
    """
    if missing(x):
        return NO_VALUE
    ax = abs(x)
    if ax >= HUGE:
        text = _scientific(x, digits)
    elif ax >= 100 or ax == 0:
        text = f"{x:,.0f}"
    else:
        text = f"{x:,.{max(0, digits - 1 - int(math.floor(math.log10(ax))))}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    return localise(text, lang)


def fixed(x: float, decimals: int, lang: str) -> str:
    """``x`` with a fixed number of decimals, thousands separated."""
    if missing(x):
        return NO_VALUE
    if abs(x) >= HUGE:
        return localise(_scientific(x, 3), lang)
    return localise(f"{x:,.{max(0, decimals)}f}", lang)


def percent(p: float, lang: str) -> str:
    """A percentage without noise: whole numbers from 10 %, one decimal from 0.1 %, ``< 0.1`` below."""
    if missing(p):
        return NO_VALUE
    ap = abs(p)
    if ap >= 9.95:
        return fixed(p, 0, lang)
    if ap >= 0.095:
        return fixed(p, 1, lang)
    if ap == 0:
        return "0"
    return "< " + fixed(0.1, 1, lang)


def signed(x: float, decimals: int, lang: str) -> str:
    """``x`` with its sign always shown (``+1.5``, ``−1.5``)."""
    text = fixed(x, decimals, lang)
    return text if text.startswith(("\u2212", NO_VALUE)) or text == fixed(0.0, decimals, lang) else "+" + text


def change_pct(x: float, lang: str) -> str:
    """A change in percent with its sign and one decimal: ``+12.0 %`` (``0.0 %`` for no change)."""
    if missing(x):
        return NO_VALUE
    return signed(x, 1, lang) + " %"


def decimals_for(span: float, digits: int = 3) -> int:
    """Decimals that give the largest value of a chart (``span``) ``digits`` significant digits."""
    if not span or not math.isfinite(span):
        return 0
    return max(0, digits - 1 - int(math.floor(math.log10(abs(span)))))


def year(y: float) -> str:
    """``2028.0`` -> ``2028``; a year within it keeps two decimals (``2021.25``)."""
    return str(int(round(y))) if abs(y - round(y)) < 1e-6 else f"{y:.2f}"


def exact(x: float, lang: str) -> str:
    """A value as a model states it (lever baselines and ranges): six significant digits, whole
    numbers from 10,000 in full with thousands separated; empty when missing."""
    if missing(x):
        return ""
    if 1e4 <= abs(x) < HUGE and float(x).is_integer():
        return localise(f"{x:,.0f}", lang)
    return localise(f"{x:.6g}", lang)


def plain(x: float) -> str:
    """A value for a machine (CSV): twelve significant digits, no separators; empty when missing."""
    return "" if missing(x) else f"{x:.12g}"


def signed_number(x: float, lang: str, digits: int = 3) -> str:
    """:func:`number` with its sign always shown (``+1,234``, ``−0.25``; ``0`` unsigned)."""
    text = number(x, lang, digits)
    return text if text.startswith(("\u2212", NO_VALUE)) or text == "0" else "+" + text


def interval(lo: float, hi: float, lang: str, style=None) -> str:
    """The p5-p95 interval ``[lo, hi]`` with the language's marks (``style``: a function of (x, lang),
    default :func:`signed_number`); empty when either end is missing."""
    if missing(lo) or missing(hi):
        return ""
    style = style or signed_number
    sep = "; " if lang == "id" else ", "   # "[1,5; 2,5]": the Indonesian decimal comma needs another separator
    return f"[{style(lo, lang)}{sep}{style(hi, lang)}]"


def share(p: float, lang: str) -> str:
    """A probability or share as a whole percent (``97 %``), ``< 1 %`` and ``> 99 %`` at the ends."""
    if missing(p):
        return NO_VALUE
    pct = 100.0 * float(p)
    if 0 < pct < 0.5:
        return "< 1 %"
    if 99.5 <= pct < 100:
        return "> 99 %"
    return fixed(pct, 0, lang) + " %"
