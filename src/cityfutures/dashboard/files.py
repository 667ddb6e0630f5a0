"""The dashboard's files: it reads only inside its scenario folder and writes only into ``<folder>/sessions/``.

Names are slugs; paths are resolved and must stay inside the folder; symbolic links are refused;
every file a scenario reads (``extends`` parents, its model) must lie in the folder (or be a
bundled model). A file is never overwritten unless the same tab (``owner``) wrote it in this
session: a new name is taken with an exclusive create (``os.link``), so two tabs saving one name
at once cannot both win. Writes go to a temporary file that is validated and then moved into
place (:func:`cityfutures.files.atomic_write`).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Callable, Hashable

import yaml

from ..errors import ScenarioError
from ..files import atomic_write
from ..scenario import Comparison, Scenario, is_comparison, load_comparison, load_scenario
from ..scenario.schema import SLUG, SLUG_RULE, listing
from ..yamlio import read_yaml
from .state import WHERE

__all__ = ["SessionFiles", "SESSIONS", "inside"]

SESSIONS = "sessions"          # the sub-folder of the scenario folder that the dashboard writes into


def inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True




class SessionFiles:
    """The scenario folder of one dashboard: what it may read, and the session files it writes.

    Parameters
    ----------
    folder : path
        The scenario folder.

    Raises
    ------
    ScenarioError
        The folder is missing or is not a folder.
    """

    def __init__(self, folder: str | os.PathLike):
        root = Path(folder)
        if not root.is_dir():
            raise ScenarioError("scenario folder not found" if not root.exists() else "is not a folder",
                                path=str(root), field="--scenarios", allowed="a folder of scenario files")
        self.root = root.resolve()
        self.sessions_dir = self.root / SESSIONS
        self.written: dict[str, Hashable] = {}   # file name (scenarios, comparisons) -> the tab that wrote it
        self.skipped: list[str] = []        # files that do not load, with the reason
        self._lock = threading.Lock()        # one save at a time: the name check and the write together

    def yaml_files(self) -> list[Path]:
        """The folder's YAML files, outside ``sessions/`` and hidden folders, no links, none outside it."""
        out = []
        for p in sorted(self.root.rglob("*.yaml")):
            rel = p.relative_to(self.root)
            if rel.parts[0] == SESSIONS or any(part.startswith(".") for part in rel.parts):
                continue
            if p.is_symlink() or not inside(p, self.root) or not p.is_file():
                continue
            out.append(p)
        return out

    def comparison(self, files: list[Path], ref) -> Comparison:
        """The comparison named by ``ref``, or the folder's fullest one (``--comparison`` chooses another)."""
        if ref is not None:
            path = Path(ref)
            path = (path if path.is_absolute() else self.root / path)
            if not inside(path, self.root):
                raise ScenarioError(f"comparison '{ref}' is outside the scenario folder {self.root}",
                                    path=str(ref), field="--comparison", allowed="a file inside the folder")
            if not path.is_file():
                raise ScenarioError("comparison file not found", path=str(path), field="--comparison",
                                    allowed=listing(p.relative_to(self.root).as_posix() for p in files
                                                    if self._is_comparison_file(p)))
            found = [path.resolve()]
        else:
            found = [p for p in files if self._is_comparison_file(p)]
            if not found:
                raise ScenarioError("no comparison file in the folder", path=str(self.root), field="--comparison",
                                    allowed="a folder with a comparison file (baseline, interventions, bundles)")
            if len(found) > 1:   # the fullest comparison: most programmes and bundles, then by name
                found = [max(found, key=lambda p: (_size(load_comparison(p, confine=self.root)),
                                                   [-ord(c) for c in p.name]))]
        comp = load_comparison(found[0], confine=self.root)
        for sc in (comp.baseline, *comp.interventions):
            if sc.path is not None and not inside(sc.path, self.root):
                raise ScenarioError(f"scenario '{sc.name}' ({sc.path}) is outside the scenario folder "
                                    f"{self.root}; the dashboard reads only inside it", path=str(found[0]),
                                    field="interventions")
        return comp

    @staticmethod
    def _is_comparison_file(path: Path) -> bool:
        try:
            return is_comparison(read_yaml(path, error=ScenarioError).data)
        except ScenarioError:
            return False

    def shock_scenarios(self, files: list[Path], comparison: Comparison) -> dict[str, Scenario]:
        """Scenarios of the folder with shocks and no interventions, on the comparison's model and horizon."""
        known = {p.resolve() for p in [comparison.baseline.path, *(s.path for s in comparison.interventions)]
                 if p is not None}
        if comparison.path is not None:
            known.add(comparison.path.resolve())
        out: dict[str, Scenario] = {}
        for p in files:
            if p.resolve() in known or self._is_comparison_file(p):
                continue
            try:
                sc = load_scenario(p, confine=self.root)
            except ScenarioError as exc:
                self.skipped.append(str(exc))
                continue
            if (sc.shocks and not sc.interventions and sc.model.sha256 == comparison.model.sha256
                    and sc.horizon == comparison.baseline.horizon
                    and sc.name not in {s.name for s in comparison.interventions}
                    and sc.name != comparison.baseline.name and sc.name not in out):
                out[sc.name] = sc
        return out

    def target(self, name: Any, what: str, taken, owner: Hashable = None) -> Path:
        """``sessions/<name>.yaml``, checked: a slug, inside the folder, no symbolic link, and not a
        file another tab (``owner``) or another session wrote."""
        if not isinstance(name, str) or not SLUG.match(name) or len(name) > 64:
            raise ScenarioError(f"{what} name {name!r} is not a slug", path=WHERE, field="name",
                                allowed=SLUG_RULE + ", at most 64 characters")
        if name in taken:
            raise ScenarioError(f"'{name}' is already the name of a scenario or bundle of the folder",
                                path=WHERE, field="name", allowed="a name of its own")
        folder = self.sessions_dir
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise ScenarioError(f"{folder} is not a plain folder (a symbolic link or a file); the dashboard "
                                "writes only into a real sub-folder of the scenario folder", path=str(folder))
        target = folder / f"{name}.yaml"
        if target.is_symlink():
            raise ScenarioError(f"{target} is a symbolic link; the dashboard does not write through links",
                                path=str(target), field="name", allowed="another name")
        if not inside(target, self.root) or target.resolve().parent != folder.resolve():
            raise ScenarioError(f"{target} would be outside the scenario folder {self.root}",
                                path=str(target), field="name")
        if name in self.written and self.written[name] != owner:
            raise ScenarioError(f"'{name}' was saved from another tab ({target.relative_to(self.root)}); "
                                "the dashboard does not overwrite it", path=str(target), field="name",
                                allowed="a name no other tab has saved")
        if target.exists() and name not in self.written:
            raise ScenarioError(f"{target.relative_to(self.root)} exists and was not saved in this session; "
                                "the dashboard does not overwrite it", path=str(target), field="name",
                                allowed="another name")
        return target

    def save(self, name: Any, what: str, taken, owner: Hashable, data: dict,
             check: Callable[[Path, dict], Any]) -> Path:
        """Write ``data`` as ``sessions/<name>.yaml`` for ``owner`` (one tab), checked as :meth:`target`
        and by ``check(tmp, data)`` on the written text; the name is then ``owner``'s."""
        with self._lock:
            target = self.target(name, what, taken, owner)
            self.write(target, data, check, new=name not in self.written)
            self.written[name] = owner
        return target

    def write(self, target: Path, data: dict, check: Callable[[Path, dict], Any], new: bool = True) -> Path:
        """``data`` as YAML into ``target``, after ``check`` accepted the written text: a new file by an
        exclusive create (it fails if the name was taken meanwhile), an own file by an atomic rename."""
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        self.sessions_dir.mkdir(exist_ok=True)
        if self.sessions_dir.is_symlink() or not inside(self.sessions_dir, self.root):
            raise ScenarioError(f"{self.sessions_dir} is not inside the scenario folder", path=str(target))

        def write(tmp: Path) -> None:
            tmp.write_text(text, encoding="utf-8")
            check(tmp, data)    # the written text must load as the file it will become
            if new:
                try:
                    os.link(tmp, target)      # create-if-absent; the rename that follows replaces it with itself
                except FileExistsError:
                    raise ScenarioError(f"{target.relative_to(self.root)} was just saved by someone else; "
                                        "the dashboard does not overwrite it", path=str(target), field="name",
                                        allowed="another name") from None

        atomic_write(target, write)
        return target


def _size(comp: Comparison) -> int:
    """How many programmes and bundles a comparison offers the room."""
    return len(comp.interventions) + len(comp.bundles)
