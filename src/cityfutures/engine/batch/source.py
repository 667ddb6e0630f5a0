"""The source the batch engine generates: safe identifiers and comments from model text, and its registration.

Nothing a model file says reaches generated code unescaped: names become ASCII identifiers
(:func:`identifier`), equations and names become one-line ASCII comments (:func:`comment`), and
string values go in as ``repr``. Registered sources (:func:`register_source`) show their lines in
tracebacks, as PySD's translated files do.
"""
from __future__ import annotations

import hashlib
import linecache
import re
import unicodedata

__all__ = ["identifier", "comment", "register_source"]


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


def register_source(source: str, model: str, what: str) -> str:
    """Register generated ``source`` with :mod:`linecache` (tracebacks then show its lines); its file name."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    filename = f"<cityfutures {what} of {identifier(model, 'model')} {digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    return filename
