"""PySD's parse of a Vensim file, once per file and process: its ``VensimFile`` and ``AbstractModel``.

The batch engine compiles the abstract model and the structure map reads the file's groups
(sectors) from the same parse, so a process parses each ``.mdl`` once (per modification time).
No second parser: the grammar and the abstract model are PySD's.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from pysd.translators.vensim.vensim_file import VensimFile

from ..errors import ModelError
from ..files import per_file_version

__all__ = ["Parsed", "parse_vensim"]


@dataclass(frozen=True)
class Parsed:
    """A parsed Vensim file: PySD's ``VensimFile`` (sections, raw equations) and ``AbstractModel``."""

    path: Path
    vensim_file: object
    abstract_model: object

    def equations(self) -> dict[str, list[str]]:
        """Vensim name -> the right-hand side of each of its definitions, as written (main section)."""
        out: dict[str, list[str]] = {}
        for comp in getattr(self.vensim_file.sections[0], "components", None) or []:
            out.setdefault(comp.name, []).append(comp.expression)
        return out


@per_file_version
def parse_vensim(path: Path) -> Parsed:
    """PySD's parse of ``path`` (cached per path and modification time; the file is only read).

    Raises
    ------
    ModelError
        PySD cannot parse the file.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(path)
            vf.parse()
            am = vf.get_abstract_model()
        except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=str(path)) from exc
    return Parsed(path=path, vensim_file=vf, abstract_model=am)
