"""A model file: its format, found from its content, and PySD's abstract model of it.

Two formats are read, both by PySD's own translators into the same format-neutral
``AbstractModel`` that everything downstream takes (the translation cache, the batch
engine, the structure of a model):

- **Vensim** text (``.mdl``): ``pysd.translators.vensim``;
- **XMILE** (``.xmile``, ``.xml``, ``.stmx``; Stella, Vensim's XMILE export): any file
  whose root element is ``<xmile>``, whatever its name, read by :mod:`cityfutures.xmile`.

>>> read_model_file("models/jakarta.mdl").format        # doctest: +SKIP
'vensim'
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import ModelError
from . import xmile
from .xmile import XMILE_SUFFIXES, is_xmile, parse_xmile, read_xmile

__all__ = ["MODEL_SUFFIXES", "ModelFile", "model_format", "read_model_file", "element_groups",
           "group_docs", "integration_method"]

MODEL_SUFFIXES = (".mdl",) + XMILE_SUFFIXES
"""Suffixes tried for a model named without one (``jakarta`` -> ``jakarta.mdl``, ...)."""


@dataclass(frozen=True)
class ModelFile:
    """A model file as PySD's translator reads it.

    Attributes
    ----------
    path : Path
    format : {"vensim", "xmile"}
    abstract_model : pysd AbstractModel
    method : {"euler", "rk4"}
        The integration method the file asks for (Vensim text: Euler, as PySD reads it).
    """

    path: Path
    format: str
    abstract_model: object
    method: str = "euler"


def model_format(path) -> str:
    """``"xmile"`` when the root element is ``<xmile>``, ``"vensim"`` for other ``.mdl`` files.

    Raises
    ------
    ModelError
        Neither: a file that is not XMILE and does not end in ``.mdl``.
    """
    path = Path(path)
    if is_xmile(path):
        return "xmile"
    if path.suffix.lower() == ".mdl":
        return "vensim"
    if path.suffix.lower() in XMILE_SUFFIXES:
        parse_xmile(path)  # raises the precise reason (not XML, DOCTYPE, another root, ...)
    raise ModelError("not a model file: neither XMILE (a root element <xmile>) nor Vensim text",
                     path=str(path), allowed="a Vensim .mdl file or an XMILE .xmile/.xml/.stmx file")


def integration_method(path) -> str:
    """The integration method a model file asks for: XMILE ``<sim_specs method>``, else Euler."""
    return xmile.integration_method(path) if model_format(path) == "xmile" else "euler"


def read_model_file(path, *, shown_path=None) -> ModelFile:
    """Read a Vensim or XMILE file (by content) into PySD's abstract model.

    Parameters
    ----------
    path : str or Path
    shown_path : str or Path, optional
        The file to name in error messages when ``path`` is a working copy.

    Raises
    ------
    ModelError
        The format is unknown, the file is unsafe or malformed, or PySD cannot parse it.
    """
    path = Path(path)
    shown = str(shown_path or path)
    fmt = model_format(path)
    if fmt == "xmile":
        xm = read_xmile(path, shown_path=shown)
        return ModelFile(path, fmt, _inert(xm.abstract_model), xm.method)
    from pysd.translators.vensim.vensim_file import VensimFile
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(path)
            vf.parse()
            am = vf.get_abstract_model()
        except Exception as exc:  # PySD's parser raises many kinds: all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=shown) from exc
    return ModelFile(path, fmt, _inert(am), "euler")


def _inert(am):
    """The abstract model with documentation that cannot end PySD's docstrings.

    PySD's builder writes each element's documentation between triple quotes into the
    Python module it then imports: a ``\"\"\"`` in a comment would end the docstring and
    run what follows. Triple double quotes become triple single quotes.
    """
    for section in am.sections:
        for element in section.elements:
            if '"""' in (element.documentation or ""):
                element.documentation = element.documentation.replace('"""', "'''")
    return am


def element_groups(path) -> dict:
    """The group (sector) of each element: Vensim groups (``.name``) or XMILE ``<group>``.

    Returns
    -------
    dict
        Element name -> group name (``None`` outside any group).
    """
    return dict(_groups(str(path))[0])


def group_docs(path) -> dict:
    """Group name -> its documentation (a Vensim group's comment, an XMILE group's ``<doc>``)."""
    return dict(_groups(str(path))[1])


@lru_cache(maxsize=8)
def _groups(path: str) -> tuple[dict, dict]:
    if model_format(path) == "xmile":
        root = parse_xmile(path)
        ns = {"ns": root.nsmap[None]}
        members: dict = {}
        docs: dict = {}
        for group in root.xpath("ns:model/ns:variables/ns:group", namespaces=ns):
            doc = group.xpath("ns:doc", namespaces=ns)
            docs[group.get("name")] = (doc[0].text or "").strip() if doc else ""
            for entity in group.xpath("ns:entity", namespaces=ns):
                members.setdefault(entity.get("name", "").replace("\\n", " "), group.get("name"))
        for kind in ("stock", "flow", "aux", "gf"):
            for node in root.xpath(f"ns:model/ns:variables/ns:{kind}", namespaces=ns):
                members.setdefault(node.get("name", "").replace("\\n", " "), None)
        return members, docs
    from pysd.translators.vensim import vensim_utils as vu
    from pysd.translators.vensim.vensim_file import VensimFile
    from pysd.translators.vensim.vensim_section import SectionElementsVisitor

    class _GroupedVisitor(SectionElementsVisitor):
        def __init__(self, ast):
            self.group = None
            self.groups: list = []
            self.docs: dict = {}
            super().__init__(ast)

        def visit_section(self, n, vc):  # a group header: "****\n.name\n****~ doc |"
            text = vc[0].strip().strip("*").strip()
            self.group = text.lstrip(".").strip() or None
            if self.group:
                self.docs[self.group] = " ".join(vc[2].split())

        def visit_entry(self, n, vc):
            super().visit_entry(n, vc)
            self.groups.append(self.group)

    vf = VensimFile(path)
    vf.parse(parse_all=False)
    main = vf.sections[0]
    tree = vu.Grammar.get("section_elements").parse(main.content)
    visitor = _GroupedVisitor(tree)
    out = {}
    for element, group in zip(visitor.entries, visitor.groups):
        try:
            parsed = element.parse()
        except Exception:  # an element PySD cannot parse alone (e.g. a macro call): no sector for it
            continue
        name = getattr(parsed, "name", None)
        if name:
            out.setdefault(name, group)
    return out, visitor.docs
