"""What PySD's reading of a Vensim file leaves out: lines, groups and units equivalences.

PySD parses a ``.mdl`` file after collapsing its whitespace, so its abstract model knows
no line numbers. :func:`read_source` runs PySD's own grammar of a model section on that
same collapsed text, maps each element's offset back to the line of the file, and keeps
the Vensim group (sector) each element stands in and the units equivalences Vensim
stores in the file's settings (``22:Person,People,Persons``). No second Vensim parser:
the grammar and the element parser are PySD's.

:func:`read_abstract_model` is PySD's abstract model of the file (``VensimFile ->
get_abstract_model()``), read once per file version.
"""
from __future__ import annotations

import bisect
import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from .errors import ModelError

__all__ = ["ElementSource", "ModelSource", "read_source", "read_abstract_model", "name_key"]

_SKETCH = "\\\\\\---///"


def name_key(name: str) -> str:
    """A Vensim name as Vensim compares names: case, spaces and underscores ignored."""
    return " ".join(str(name).replace("_", " ").lower().split())


@dataclass(frozen=True)
class ElementSource:
    """Where one model element is defined.

    Attributes
    ----------
    name : str
        The name as first written in the file.
    line : int
        1-based line of the element's first definition.
    group : str or None
        The Vensim group (``.name`` header) it stands in.
    equation : str
        The first definition's equation text (whitespace collapsed).
    """

    name: str
    line: int
    group: str | None
    equation: str


@dataclass(frozen=True)
class ModelSource:
    """The text facts of a model file that PySD's parse does not keep.

    Attributes
    ----------
    path : Path
    elements : mapping of :func:`name_key` -> ElementSource
    unit_equivalences : tuple of tuple of str
        Each group of units names Vensim treats as one (the first is the canonical name).
    """

    path: Path
    elements: Mapping[str, ElementSource]
    unit_equivalences: tuple[tuple[str, ...], ...]

    def line(self, name: str) -> int | None:
        """Line of element ``name`` (Vensim spelling rules), or None."""
        el = self.elements.get(name_key(name))
        return el.line if el else None

    def group(self, name: str) -> str | None:
        """Vensim group of element ``name``, or None."""
        el = self.elements.get(name_key(name))
        return el.group if el else None


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


def _visitor_class():
    from pysd.translators.vensim.vensim_section import SectionElementsVisitor

    class _Located(SectionElementsVisitor):
        """PySD's element visitor that also keeps each entry's offset and group."""

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

    return _Located


@lru_cache(maxsize=16)
def _read_source(path_s: str, mtime: int) -> ModelSource:
    from pysd.translators.vensim import vensim_utils as vu
    from pysd.translators.vensim.vensim_file import VensimFile

    path = Path(path_s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(path)
            vf.parse(parse_all=False)
        except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=str(path)) from exc
        raw = path.read_text(encoding="utf-8", errors="ignore")
        model_raw, _, settings = raw.partition(_SKETCH)
        # the same two substitutions as VensimFile._clean, keeping where each character came from
        text, index = _collapse(model_raw, r"\\\n\t", list(range(len(model_raw))))
        text, index = _collapse(text, r"[\n\t\s]+", index)
        newlines = [i for i, ch in enumerate(model_raw) if ch == "\n"]
        main = vf.sections[0].content
        base = text.find(main)
        elements: dict[str, ElementSource] = {}
        if base >= 0:
            visitor = _visitor_class()(vu.Grammar.get("section_elements").parse(main))
            for entry, start, group in zip(visitor.entries, visitor.starts, visitor.groups):
                try:
                    parsed = entry.parse()
                except Exception:  # an entry PySD cannot parse alone: it has no place to report
                    continue
                name = getattr(parsed, "name", None)
                if not name or name_key(name) in elements:
                    continue
                offset = index[min(base + start, len(index) - 1)]
                line = bisect.bisect_right(newlines, offset) + 1
                elements[name_key(name)] = ElementSource(name, line, group, entry.equation)
    equivalences = tuple(tuple(u.strip() for u in line[3:].split(",") if u.strip())
                         for line in settings.splitlines() if line.startswith("22:"))
    return ModelSource(path, elements, tuple(e for e in equivalences if e))


def _version(path: str | Path) -> tuple[str, int]:
    """The cache key of a file: its resolved path and modification time."""
    path = Path(path).resolve()
    return str(path), path.stat().st_mtime_ns


def read_source(path: str | Path) -> ModelSource:
    """Lines, groups and units equivalences of the model file at ``path`` (cached per version).

    Raises :class:`ModelError` when PySD cannot parse the file.
    """
    return _read_source(*_version(path))


@lru_cache(maxsize=16)
def _read_abstract_model(path_s: str, mtime: int):
    from pysd.translators.vensim.vensim_file import VensimFile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(Path(path_s))
            vf.parse()
            return vf.get_abstract_model()
        except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=path_s) from exc


def read_abstract_model(path: str | Path):
    """PySD's abstract model of the ``.mdl`` file at ``path`` (cached per version); :class:`ModelError`
    when PySD cannot parse it."""
    return _read_abstract_model(*_version(path))
