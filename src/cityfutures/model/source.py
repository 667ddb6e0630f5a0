"""Where things are written in a model file: each element's line and group, group docs, units equivalences.

PySD's abstract model knows no line numbers and no groups. For a Vensim file, :func:`read_source`
runs PySD's own grammar of a model section on the main section of the shared parse
(:func:`~cityfutures.model.parse.parse_model`), maps each element's offset in that
whitespace-collapsed text back to its line in the file, and keeps the Vensim group (sector)
each element stands in, each group's comment, and the units equivalences Vensim stores in the
file's settings after the sketch (``22:Person,People,Persons``). For an XMILE file the lines and
the ``<group>``\\ s come from the parsed XML (:mod:`.xmile`). No second parser: the grammars are
PySD's and lxml's. This is the one place a finding, a structure map, a check or an export
learns where an element is written (:func:`definition_line`, :func:`element_groups`).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ..files import per_file_version
from ..names import norm_name
from .parse import model_format, parse_model
from .xmile import parse_xmile, variable_nodes, xmile_groups

__all__ = ["ElementSource", "ModelSource", "read_source", "definition_line", "element_groups", "group_docs"]

_SKETCH = "\\\\\\---///"


@dataclass(frozen=True)
class ElementSource:
    """Where one model element is defined: its name as first written, its 1-based line and its group."""

    name: str
    line: int | None
    group: str | None


@dataclass(frozen=True)
class ModelSource:
    """The text facts of a model file that PySD's parse does not keep.

    Attributes
    ----------
    path : Path
    elements : mapping of :func:`~cityfutures.names.norm_name` -> ElementSource
        In the file's order.
    group_docs : mapping of group name -> its documentation
    unit_equivalences : tuple of tuple of str
        Each group of units names Vensim treats as one (the first is the canonical name).
    """

    path: Path
    elements: Mapping[str, ElementSource]
    group_docs: Mapping[str, str]
    unit_equivalences: tuple[tuple[str, ...], ...] = ()

    def line(self, name: str) -> int | None:
        """Line of element ``name`` (Vensim's spelling rules), or None."""
        el = self.elements.get(norm_name(name))
        return el.line if el else None

    def group(self, name: str) -> str | None:
        """Group of element ``name``, or None."""
        el = self.elements.get(norm_name(name))
        return el.group if el else None


@per_file_version
def read_source(path: Path) -> ModelSource:
    """Lines, groups and units equivalences of the model file at ``path`` (cached per file version).

    Raises
    ------
    ModelError
        The file is not a model PySD can parse.
    """
    if model_format(path) == "xmile":
        root = parse_xmile(path)
        members, docs = xmile_groups(root)     # names as PySD's reader gives them (an escaped break a space)
        lines = {norm_name(node.get("name", "").replace("\\n", " ")): node.sourceline
                 for node in variable_nodes(root)}
        elements = {norm_name(n): ElementSource(n, lines.get(norm_name(n)), g) for n, g in members.items()}
        return ModelSource(path, elements, docs)
    return _vensim_source(path)


def definition_line(path: str | Path, name: str) -> int | None:
    """The line of a model file where element ``name`` is first defined, or None."""
    return read_source(path).line(name)


def element_groups(path: str | Path) -> dict:
    """Element name -> its group (sector): a Vensim group (``.name`` header) or an XMILE ``<group>`` (or None)."""
    return {el.name: el.group for el in read_source(path).elements.values()}


def group_docs(path: str | Path) -> dict:
    """Group name -> its documentation (a Vensim group's comment, an XMILE group's ``<doc>``)."""
    return dict(read_source(path).group_docs)


# ----------------------------------------------------------------------------- Vensim text
def _visitor_class():
    """PySD's visitor of a model section, keeping each entry's offset and group and each group's comment."""
    from pysd.translators.vensim.vensim_section import SectionElementsVisitor  # a Vensim file is read

    class _Located(SectionElementsVisitor):
        def __init__(self, ast):
            self.group = None
            self.starts: list[int] = []
            self.groups: list[str | None] = []
            self.docs: dict[str, str] = {}
            super().__init__(ast)

        def visit_section(self, n, vc):  # a group header: "****\n.name\n****~ doc |"
            text = vc[0].strip().strip("*").strip()
            self.group = text.lstrip(".").strip() or None
            if self.group:
                self.docs[self.group] = " ".join(vc[2].split())

        def visit_entry(self, n, vc):
            super().visit_entry(n, vc)
            self.starts.append(n.start + len(n.text) - len(n.text.lstrip()))
            self.groups.append(self.group)

    return _Located


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


def _vensim_source(path: Path) -> ModelSource:
    from pysd.translators.vensim import vensim_utils as vu  # a Vensim file is read

    main = parse_model(path).vensim_file.sections[0].content
    raw = path.read_text(encoding="utf-8", errors="ignore")
    model_raw, _, settings = raw.partition(_SKETCH)
    # VensimFile._clean's two substitutions, keeping where each character came from
    text, index = _collapse(model_raw, r"\\\n\t", list(range(len(model_raw))))
    text, index = _collapse(text, r"[\n\t\s]+", index)
    newlines = [i for i, ch in enumerate(model_raw) if ch == "\n"]
    base = text.find(main)
    visitor = _visitor_class()(vu.Grammar.get("section_elements").parse(main))
    elements: dict[str, ElementSource] = {}
    for entry, start, group in zip(visitor.entries, visitor.starts, visitor.groups):
        try:
            name = getattr(entry.parse(), "name", None)
        except Exception:  # an entry PySD cannot parse alone (e.g. a macro call): it has no place to report
            continue
        if not name or norm_name(name) in elements:
            continue
        line = None
        if base >= 0 and index:
            line = bisect.bisect_right(newlines, index[min(base + start, len(index) - 1)]) + 1
        elements[norm_name(name)] = ElementSource(name, line, group)
    equivalences = tuple(tuple(u.strip() for u in row[3:].split(",") if u.strip())
                         for row in settings.splitlines() if row.startswith("22:"))
    return ModelSource(path, elements, visitor.docs, tuple(e for e in equivalences if e))
