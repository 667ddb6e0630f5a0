"""Model text in generated code, escaped: the one helper of every code generator (batch and compiled engines).

Nothing a model file says reaches generated code unescaped: a name becomes an ASCII identifier
(:func:`identifier`), an equation or a name in a comment becomes one line of printable ASCII
that no line break, quote or backslash can leave (:func:`comment`), and a name used as a value
becomes an ASCII string literal (:func:`literal`). Registered sources (:func:`register_source`)
show their lines in tracebacks, as PySD's translated files do. ``tests/engine/batch/test_source.py``
runs each helper on hostile text (line breaks, quotes, backslashes, NUL, lone surrogates, Unicode
line separators) and checks the code that holds it.
"""
from __future__ import annotations

import hashlib
import linecache
import re
import unicodedata

__all__ = ["identifier", "comment", "literal", "register_source"]


def identifier(text: str, prefix: str) -> str:
    """A safe Python identifier from a Vensim name: ASCII letters, digits and ``_`` after ``prefix``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")  # été -> ete
    body = re.sub(r"[^0-9a-zA-Z]+", "_", ascii_text).strip("_").lower()[:60]
    return f"{prefix}_{body}" if body else prefix


def comment(text: str, limit: int = 200) -> str:
    """``text`` as one line that cannot leave a comment: whitespace folded, anything else than printable
    ASCII escaped, at most ``limit`` characters."""
    flat = " ".join(str(text).split())
    safe = flat.encode("ascii", "backslashreplace").decode("ascii")
    safe = "".join(c if " " <= c <= "~" else f"\\x{ord(c):02x}" for c in safe)
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


def literal(text) -> str:
    """``text`` as a Python string literal of printable ASCII (``ascii``: quotes, backslashes, line breaks,
    lone surrogates and every non-ASCII character escaped), whatever the text."""
    return ascii(str(text))


def register_source(source: str, model: str, what: str) -> str:
    """Register generated ``source`` with :mod:`linecache` (tracebacks then show its lines); its file name."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    filename = f"<cityfutures {what} of {identifier(model, 'model')} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return filename
