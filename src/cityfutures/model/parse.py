"""Reading a model file, once per file and process: its format and PySD's abstract model of it.

This is the one place a model file is read. Two formats, both by PySD's own translators into
the same format-neutral ``AbstractModel`` that everything downstream takes (the translation
cache of :mod:`.load`, the batch engine, the structure map, the XMILE export):

- **Vensim** text (``.mdl``): ``pysd.translators.vensim``;
- **XMILE** (``.xmile``, ``.xml``, ``.stmx``; Stella, Vensim's XMILE export): any file whose
  root element is ``<xmile>``, whatever its name, read safely by :mod:`.xmile`.

Whatever the format, nothing in a file runs: the abstract model is made inert as it is read
(:func:`.sanitise.sanitise`: documentation and units as inert text, names PySD writes between
quotes refused when they could end them, GET files confined to the model's folder), so no
text of the file reaches generated code unescaped on any path; a file larger than
``CITYFUTURES_MAX_FILE_MB`` and a model without its four time settings are refused. No second
parser: the grammars and the abstract model are PySD's. Where each element is written (its
line, its group) is :mod:`.source`'s, from this parse.

>>> parse_model("models/jakarta.mdl").format        # doctest: +SKIP
'vensim'
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from ..errors import ModelError
from ..names import CONTROL, norm_name
from ..yamlio import MAX_FILE_MB_ENV, max_file_bytes
from . import sanitise as _sanitise_module, xmile
from .sanitise import inert_text, sanitise
from .xmile import XMILE_SUFFIXES, is_xmile, parse_xmile, read_xmile

__all__ = ["MODEL_SUFFIXES", "READER_VERSION", "Parsed", "model_format", "integration_method", "parse_model",
           "defuse_documentation"]

MODEL_SUFFIXES = (".mdl",) + XMILE_SUFFIXES
"""Suffixes tried, in order, for a model named without one (``jakarta`` -> ``jakarta.mdl``, ...)."""

READER_VERSION = hashlib.sha256(b"".join(Path(f).read_bytes() for f in (
    __file__, xmile.__file__, _sanitise_module.__file__))).hexdigest()[:12]
"""The hash of the reading code (this module, :mod:`.xmile` and :mod:`.sanitise`): it keys cached
translations, so that none outlives the reading (and the rules of inert text) that made it."""


@dataclass(frozen=True)
class Parsed:
    """A model file as PySD's translator reads it.

    Attributes
    ----------
    path : Path
    format : {"vensim", "xmile"}
    abstract_model : pysd AbstractModel
    equations : mapping of str -> list of str
        Element name -> the right-hand side of each of its definitions as the file writes them
        (the comments of the batch engine's generated code).
    method : {"euler", "rk4"}
        The integration method the file asks for (XMILE ``<sim_specs method>``; Euler for
        Vensim text, as PySD reads it).
    vensim_file : pysd VensimFile or None
        A Vensim file's sections as PySD's translator split them (None for XMILE): where
        :mod:`.source` finds each element's line and group.
    """

    path: Path
    format: str
    abstract_model: object
    equations: Mapping[str, list]
    method: str = "euler"
    vensim_file: object = field(default=None, repr=False, compare=False)


def model_format(path: str | Path) -> str:
    """``"xmile"`` when the root element is ``<xmile>``, ``"vensim"`` for other ``.mdl`` files.

    Raises
    ------
    ModelError
        Neither: a file that is not XMILE and does not end in ``.mdl`` (an XMILE suffix on a
        file that is not XMILE names the reason: not XML, a DOCTYPE, another root, ...).
    """
    path = Path(path)
    if is_xmile(path):
        return "xmile"
    if path.suffix.lower() == ".mdl":
        return "vensim"
    if path.suffix.lower() in XMILE_SUFFIXES:
        parse_xmile(path)  # raises the precise reason
    raise ModelError("not a model file: neither XMILE (a root element <xmile>) nor Vensim text",
                     path=str(path), allowed="a Vensim .mdl file or an XMILE .xmile/.xml/.stmx file")


def integration_method(path: str | Path) -> str:
    """The integration method a model file asks for: XMILE ``<sim_specs method>``, else Euler.

    Reads no more than the XML (no PySD): ``"euler"`` or ``"rk4"``.
    """
    return xmile.integration_method(path) if model_format(path) == "xmile" else "euler"


def parse_model(path: str | Path) -> Parsed:
    """PySD's abstract model of a Vensim or XMILE file, by content (cached per path and modification time).

    The file is only read. The abstract model is shared by every caller in the process: it is
    not to be changed.

    Raises
    ------
    ModelError
        The format is unknown, the file is unsafe or malformed, or PySD cannot parse it (naming
        the file, and for XMILE the line, the variable and the construct).
    """
    path = Path(path)
    return _parse(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _parse(path_s: str, mtime: int) -> Parsed:
    path = Path(path_s)
    limit = max_file_bytes()
    if path.stat().st_size > limit:
        raise ModelError(f"model file is larger than {limit / 1024 / 1024:.3g} MB", path=str(path),
                         allowed=f"a smaller file, or set {MAX_FILE_MB_ENV} to raise the limit")
    if model_format(path) == "xmile":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # PySD's reader warns about what it skips; refusals are errors
            xm = read_xmile(path)
        return Parsed(path, "xmile", _inert(xm.abstract_model, path), xm.equations, xm.method)
    vf, am = _vensim(path_s, mtime)
    equations: dict = {}
    for comp in getattr(vf.sections[0], "components", None) or []:
        equations.setdefault(comp.name, []).append(comp.expression)
    return Parsed(path, "vensim", _inert(am, path), equations, vensim_file=vf)


def _inert(abstract_model, path: Path):
    """The abstract model made inert (:func:`.sanitise.sanitise`) and checked to set the four time settings."""
    sanitise(abstract_model, path)
    main = abstract_model.sections[0].elements if abstract_model.sections else ()
    defined = {norm_name(e.name) for e in main}
    missing = [name for name in CONTROL.values() if norm_name(name) not in defined]
    if missing:
        raise ModelError(f"the model does not define {', '.join(missing)}", path=str(path), field="time settings",
                         allowed=", ".join(CONTROL.values()))
    return abstract_model


@lru_cache(maxsize=16)
def _vensim(path_s: str, mtime: int) -> tuple:
    """PySD's ``VensimFile`` of a Vensim file, parsed (sections, raw equations), and its abstract model."""
    from pysd.translators.vensim.vensim_file import VensimFile  # a model is read: PySD is needed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(Path(path_s))
            vf.parse()
            return vf, vf.get_abstract_model()
        except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=path_s) from exc


def defuse_documentation(abstract_model):
    """Every element's documentation and units as inert text (:func:`.sanitise.inert_text`); returns
    ``abstract_model`` (changed in place). Part of :func:`.sanitise.sanitise`, which every model file
    passes on its way to PySD's builder and the batch engine (:func:`parse_model`)."""
    for section in abstract_model.sections:
        for element in section.elements:
            for attr in ("documentation", "units"):
                if isinstance(getattr(element, attr, None), str):
                    setattr(element, attr, inert_text(getattr(element, attr)))
    return abstract_model
