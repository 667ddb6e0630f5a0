"""What PySD's parse of a Vensim file leaves out: each element's line and group, and the units equivalences.

PySD parses a ``.mdl`` file after collapsing its whitespace, so its abstract model knows no
line numbers. :func:`read_source` runs PySD's own grammar of a model section on the main
section of the shared parse (:func:`~cityfutures.model.parse.parse_vensim`), maps each
element's offset in that collapsed text back to its line in the file, and keeps the Vensim
group (sector) each element stands in and the units equivalences Vensim stores in the file's
settings after the sketch (``22:Person,People,Persons``). No second Vensim parser: the grammar
and the element parser are PySD's. It is the one place a finding, a structure map or a check
learns where an element is written.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from pysd.translators.vensim import vensim_utils as vu
from pysd.translators.vensim.vensim_section import SectionElementsVisitor

from ..files import per_file_version
from ..names import norm_name
from .parse import parse_vensim

__all__ = ["ElementSource", "ModelSource", "read_source"]

_SKETCH = "\\\\\\---///"


@dataclass(frozen=True)
class ElementSource:
    """Where one model element is defined: its name as first written, its 1-based line and its group."""

    name: str
    line: int
    group: str | None


@dataclass(frozen=True)
class ModelSource:
    """The text facts of a model file that PySD's parse does not keep.

    Attributes
    ----------
    path : Path
    elements : mapping of :func:`~cityfutures.names.norm_name` -> ElementSource
    unit_equivalences : tuple of tuple of str
        Each group of units names Vensim treats as one (the first is the canonical name).
    """

    path: Path
    elements: Mapping[str, ElementSource]
    unit_equivalences: tuple[tuple[str, ...], ...]

    def line(self, name: str) -> int | None:
        """Line of element ``name`` (Vensim's spelling rules), or None."""
        el = self.elements.get(norm_name(name))
        return el.line if el else None

    def group(self, name: str) -> str | None:
        """Vensim group of element ``name``, or None."""
        el = self.elements.get(norm_name(name))
        return el.group if el else None


class _LocatedVisitor(SectionElementsVisitor):
    """PySD's visitor of a model section that also keeps each entry's offset and Vensim group."""

    def __init__(self, ast):
        self.group = None
        self.starts: list[int] = []
        self.groups: list[str | None] = []
        super().__init__(ast)

    def visit_section(self, n, vc):  # a group header: "****\n.name\n****~ doc |"
        text = vc[0].strip().strip("*").strip()
        self.group = text.lstrip(".").strip() or None

    def visit_entry(self, n, vc):
        super().visit_entry(n, vc)
        self.starts.append(n.start + len(n.text) - len(n.text.lstrip()))
        self.groups.append(self.group)


def _collapse(text: str, pattern: str, index: list[int]) -> tuple[str, list[int]]:
    """``re.sub(pattern, " ", text)`` and, per output character, its offset in the original."""
    out, where, pos = [], [], 0
    for m in re.finditer(pattern, text):
        out.append(text[pos:m.start()])
        where.extend(index[pos:m.start()])
        out.append(" ")
        where.append(index[m.start()])
        pos = m.end()
    out.append(text[pos:])
    where.extend(index[pos:])
    return "".join(out), where


@per_file_version
def read_source(path: Path) -> ModelSource:
    """Lines, groups and units equivalences of the model file at ``path`` (cached per file version).

    Raises
    ------
    ModelError
        PySD cannot parse the file.
    """
    main = parse_vensim(path).vensim_file.sections[0].content
    raw = path.read_text(encoding="utf-8", errors="ignore")
    model_raw, _, settings = raw.partition(_SKETCH)
    # VensimFile._clean's two substitutions, keeping where each character came from
    text, index = _collapse(model_raw, r"\\\n\t", list(range(len(model_raw))))
    text, index = _collapse(text, r"[\n\t\s]+", index)
    newlines = [i for i, ch in enumerate(model_raw) if ch == "\n"]
    base = text.find(main)
    elements: dict[str, ElementSource] = {}
    if base >= 0 and index:
        visitor = _LocatedVisitor(vu.Grammar.get("section_elements").parse(main))
        for entry, start, group in zip(visitor.entries, visitor.starts, visitor.groups):
            try:
                name = getattr(entry.parse(), "name", None)
            except Exception:  # an entry PySD cannot parse alone (e.g. a macro call): it has no place to report
                continue
            if not name or norm_name(name) in elements:
                continue
            offset = index[min(base + start, len(index) - 1)]
            elements[norm_name(name)] = ElementSource(name, bisect.bisect_right(newlines, offset) + 1, group)
    equivalences = tuple(tuple(u.strip() for u in line[3:].split(",") if u.strip())
                         for line in settings.splitlines() if line.startswith("22:"))
    return ModelSource(path, elements, tuple(e for e in equivalences if e))
