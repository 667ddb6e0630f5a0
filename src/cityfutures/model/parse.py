"""PySD's parse of a Vensim file, once per file and process: its ``VensimFile`` and ``AbstractModel``.

The batch engine compiles the abstract model, PySD's translation is built from it, and the
structure map reads the file's groups (sectors) from the same parse, so a process parses each
``.mdl`` once (per modification time). No second parser: the grammar and the abstract model are
PySD's. The abstract model is made inert as it is parsed (:func:`.sanitise.sanitise`): no text of
the file reaches code unescaped on any path.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pysd.translators.vensim.vensim_file import VensimFile

from ..errors import ModelError
from ..names import CONTROL, norm_name
from ..yamlio import MAX_FILE_MB_ENV, max_file_bytes
from .sanitise import sanitise

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


def parse_vensim(path: str | Path) -> Parsed:
    """PySD's parse of ``path`` (cached per path and modification time; the file is only read).

    Raises
    ------
    ModelError
        PySD cannot parse the file, a name cannot stand in code, or a GET file lies outside the
        model's folder (:func:`.sanitise.sanitise`).
    """
    path = Path(path)
    return _parse(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _parse(path_s: str, mtime: int) -> Parsed:
    path = Path(path_s)
    limit = max_file_bytes()
    if path.stat().st_size > limit:
        raise ModelError(f"model file is larger than {limit / 1024 / 1024:g} MB", path=str(path),
                         allowed=f"a smaller file, or set {MAX_FILE_MB_ENV} to raise the limit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            vf = VensimFile(path)
            vf.parse()
            am = vf.get_abstract_model()
        except Exception as exc:  # PySD's parser raises many kinds; all mean a bad file
            raise ModelError(f"PySD cannot parse the model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=str(path)) from exc
    sanitise(am, path)
    defined = {norm_name(e.name) for e in am.sections[0].elements} if am.sections else set()
    missing = [name for name in CONTROL.values() if norm_name(name) not in defined]
    if missing:
        raise ModelError(f"the model does not define {', '.join(missing)}", path=str(path), field="time settings",
                         allowed=", ".join(CONTROL.values()))
    return Parsed(path=path, vensim_file=vf, abstract_model=am)
