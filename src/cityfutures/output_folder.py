"""Output folders: what a command writes goes in together, with a manifest, under a lock.

A command that writes a folder of results (``--out``) never mixes runs:

- ``OUT`` must be absent, empty, or a cityfutures output folder: one that holds
  ``cityfutures-manifest.json`` (:data:`MANIFEST`). Anything else is refused before any work
  ("not a cityfutures output folder; use an empty folder").
- One writer at a time: a lock (``.OUT.cityfutures-lock`` beside the folder, held with
  ``flock`` for the whole command, gone with the process) makes a second writer exit 2.
- New results are written into a staging folder beside ``OUT`` and moved in with one
  rename when every file is there. The folder is replaced as a whole: the files the
  previous manifest lists go (and output folders nested in it, which hold their own
  manifest); files the manifest does not list are kept where they are.
- Staging folders a killed command left behind are removed by the next writer; a
  replacement cut between its two renames is rolled back.
- Every file and folder gets the permissions the user's umask gives a new one.
- The manifest records each file's path, size and SHA-256, the command, the time and
  the cityfutures version.

:func:`output_folder` is the one entry point (the CLI's commands use it);
:func:`check_output_folder` makes the checks alone.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Iterator

from ._version import __version__
from .errors import CityfuturesError, OutputError
from .files import atomic_write, no_space, sha256_file, umask

try:  # POSIX: a lock the kernel drops with the process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["MANIFEST", "OutputFolder", "output_folder", "check_output_folder", "read_manifest"]

MANIFEST = "cityfutures-manifest.json"
FORMAT = "cityfutures-manifest"
_STAGING = ".cityfutures-"          # prefix of the staging folders (also those of older versions, inside OUT)
_MAX_MANIFEST_BYTES = 16 * 1024 * 1024
NOT_OURS = "not a cityfutures output folder; use an empty folder"


def _fail(out: Path, problem: str, allowed: str | None = None) -> OutputError:
    return OutputError(problem, path=str(out), field="--out", allowed=allowed)


def _safe_relative(text) -> str | None:
    """``text`` as a plain relative POSIX path inside a folder, or None."""
    if not isinstance(text, str) or not text or "\\" in text or "\x00" in text:
        return None
    p = PurePosixPath(text)
    if p.is_absolute() or any(part in ("", ".", "..") for part in text.split("/")):
        return None
    return str(p)


def read_manifest(folder: str | os.PathLike) -> dict | None:
    """The manifest of an output folder (None when it has none).

    Raises
    ------
    OutputError
        The manifest is not one cityfutures wrote (unreadable, another format, a listed
        path that leaves the folder).
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file() or path.is_symlink():
        if path.exists() or path.is_symlink():
            raise _fail(folder, f"{MANIFEST} is not a regular file", "an empty folder")
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_MANIFEST_BYTES + 1)
        if len(raw) > _MAX_MANIFEST_BYTES:
            raise ValueError("too large")
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise _fail(folder, f"{MANIFEST} cannot be read ({exc})", "an empty folder") from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(files, list):
        raise _fail(folder, f"{MANIFEST} is not a cityfutures manifest", "an empty folder")
    for entry in files:
        if not isinstance(entry, dict) or _safe_relative(entry.get("path")) is None:
            raise _fail(folder, f"{MANIFEST} lists a path outside the folder ({entry!r:.80})", "an empty folder")
    return data


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as it:
        return list(it)


def _stale(entry: os.DirEntry | Path) -> bool:
    """A staging folder of cityfutures inside ``OUT`` (this version's fallback, or an older version's)."""
    return entry.name.startswith(_STAGING) and entry.is_dir(follow_symlinks=False)


def check_output_folder(out: str | os.PathLike) -> Path:
    """``out`` checked as an output folder (absent, empty or a cityfutures one); creates nothing.

    Returns
    -------
    Path
        ``out`` as given.

    Raises
    ------
    OutputError
        ``out`` is a file, cannot be created or written, holds other files and no
        manifest, or holds a manifest cityfutures did not write.
    """
    out = Path(out)
    if Path(os.path.abspath(out)).parent == Path(os.path.abspath(out)):
        raise _fail(out, "the root folder cannot be an output folder")
    if out.exists() and not out.is_dir():
        raise _fail(out, "names a file, not a folder", "a folder (new or empty, or one cityfutures wrote)")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise _fail(out, f"cannot create or write the output folder (no write permission on {probe})")
    if out.is_dir():
        if read_manifest(out) is None and any(not _stale(e) for e in _entries(out)):
            raise _fail(out, NOT_OURS, "an empty or new folder, or one a cityfutures command wrote")
    return out


class OutputFolder:
    """An output folder being written: checks and lock on entry, staging, the one move on success.

    Use :func:`output_folder`. ``stage`` is the folder to write into; ``files`` lists the
    written files under their final names once the folder is committed.
    """

    def __init__(self, out: str | os.PathLike, command: str = ""):
        self.out = Path(out)
        self.command = command
        self.real = Path(os.path.abspath(self.out))
        self.stage: Path | None = None
        self.files: list[Path] = []
        self._lock_fd: int | None = None
        self._inplace = False
        self._made: list[Path] = []

    # ------------------------------------------------------------------ lock and stale staging
    @property
    def _lock_path(self) -> Path:
        return self.real.parent / f".{self.real.name}.cityfutures-lock"

    def _lock(self) -> None:
        probe = self.real.parent
        while not probe.exists():          # folders made for OUT go again if the command fails
            self._made.append(probe)
            probe = probe.parent
        self.real.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(20):   # the file may be unlinked by a finishing holder between open and flock
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o666 & ~umask())
            if fcntl is None:  # pragma: no cover - no flock: the lock is the file's existence
                os.close(fd)
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise _fail(self.out, "another cityfutures command is writing to this folder",
                            "wait until it has finished, or choose another --out") from None
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self._lock_path))
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd = fd
                return
            os.close(fd)
        raise _fail(self.out, "cannot take the lock of the output folder")  # pragma: no cover

    def _unlock(self) -> None:
        if self._lock_fd is None:
            return
        try:
            os.unlink(self._lock_path)
        except OSError:
            pass
        os.close(self._lock_fd)
        self._lock_fd = None

    def _siblings(self, kind: str) -> list[Path]:
        prefix = f".{self.real.name}{_STAGING}{kind}-"
        try:
            return [self.real.parent / e.name for e in _entries(self.real.parent)
                    if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)]
        except OSError:
            return []

    def _clean_stale(self) -> None:
        """Undo what a killed writer left: restore a folder cut between its two renames, drop staging."""
        old = sorted(self._siblings("old"))
        if old and not os.path.lexists(self.real):
            os.rename(old.pop(), self.real)
        for folder in old + self._siblings("staging"):
            shutil.rmtree(folder, ignore_errors=True)
        if self.real.is_dir():
            for entry in _entries(self.real):
                if _stale(entry):
                    shutil.rmtree(entry.path, ignore_errors=True)

    # ------------------------------------------------------------------ enter / commit / abort
    def __enter__(self) -> OutputFolder:
        check_output_folder(self.out)
        self._lock()
        try:
            self._clean_stale()
            check_output_folder(self.out)          # again, under the lock
            self._inplace = not os.access(self.real.parent, os.W_OK | os.X_OK) or os.path.ismount(self.real)
            where, prefix = ((self.real, f"{_STAGING}staging-") if self._inplace
                             else (self.real.parent, f".{self.real.name}{_STAGING}staging-"))
            if self._inplace:
                self.real.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=prefix, dir=where))
            os.chmod(self.stage, 0o777 & ~umask())
        except BaseException:
            self._unlock()
            self._remove_made()
            raise
        return self

    def __exit__(self, kind, exc, tb) -> None:
        try:
            try:
                if kind is None:
                    self._commit()
            except Exception as err:
                exc = err
                raise
            finally:
                self._full_device(exc)
        finally:
            if self.stage is not None and self.stage.exists():
                shutil.rmtree(self.stage, ignore_errors=True)
            self._unlock()
            if self.stage is not None:         # not committed: leave no folder made for OUT
                self._remove_made()

    def _full_device(self, exc: BaseException | None) -> None:
        """A full device while writing into the stage or committing it (a writer that does not go
        through :func:`~cityfutures.files.atomic_write`, such as a chart's ``savefig``): one line."""
        if isinstance(exc, Exception) and not isinstance(exc, CityfuturesError) and self.stage is not None \
                and no_space(self.stage / MANIFEST, exc):
            raise OutputError(f"no space left on the device ({self.real.parent})", path=str(self.out)) from None

    def _remove_made(self) -> None:
        for folder in self._made:
            try:
                folder.rmdir()
            except OSError:
                break

    def _commit(self) -> None:
        stage = self.stage
        new = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
        _permissions(stage)
        manifest = {"format": FORMAT, "format_version": 1, "command": self.command,
                    "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "cityfutures_version": __version__,
                    "files": [{"path": rel, "bytes": (stage / rel).stat().st_size,
                               "sha256": sha256_file(stage / rel)} for rel in new]}
        atomic_write(stage / MANIFEST, lambda tmp: tmp.write_text(json.dumps(manifest, indent=1) + "\n",
                                                                  encoding="utf-8"))
        listed = self._previous()
        if listed is not None:
            self._keep_unlisted(listed, set(new))
        if self._inplace:
            self._commit_in_place(new, listed or set())
        elif not os.path.lexists(self.real):
            os.rename(stage, self.real)                  # the one move
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{self.real.name}{_STAGING}old-", dir=self.real.parent))
            os.rmdir(old)
            os.rename(self.real, old)
            os.rename(stage, self.real)                  # the one move of the new results
            shutil.rmtree(old, ignore_errors=True)
        self.stage = None
        self.files = [self.out / rel for rel in new]

    def _previous(self) -> set[str] | None:
        """Paths the current manifest lists (None when ``OUT`` is absent or empty)."""
        if not self.real.is_dir():
            return None
        data = read_manifest(self.real)
        return {_safe_relative(e["path"]) for e in data["files"]} if data else set()

    def _keep_unlisted(self, listed: set[str], new: set[str]) -> None:
        """Carry what the manifest does not list into the new folder, where it stood."""
        owned = {MANIFEST} | listed
        holders = {"/".join(rel.split("/")[:i]) for rel in owned for i in range(1, rel.count("/") + 1)}

        def carry(folder: Path, rel: str) -> None:
            for entry in _entries(folder):
                sub = f"{rel}/{entry.name}" if rel else entry.name
                if sub in owned or _stale(entry):
                    continue
                if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / MANIFEST).is_file():
                    continue                           # an output folder nested in this one: it goes too
                if sub in holders and entry.is_dir(follow_symlinks=False):
                    carry(Path(entry.path), sub)
                    continue
                if sub in new or any(n.startswith(sub + "/") for n in new):
                    raise _fail(self.out, f"'{sub}' is not listed in {MANIFEST} (not from a cityfutures "
                                "command) and this command writes a file of that name",
                                "move it away, or choose another --out")
                if not self._inplace:
                    target = self.stage / sub
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.rename(entry.path, target)

        carry(self.real, "")

    def _commit_in_place(self, new: list[str], listed: set[str]) -> None:
        """``OUT`` cannot be renamed (a mount point, or its parent is read-only): file by file."""
        for rel in sorted(listed):
            target = self.real / rel
            if _inside(self.real, target) and (target.is_file() or target.is_symlink()):
                target.unlink()
        for entry in _entries(self.real):
            if entry.is_dir(follow_symlinks=False) and (Path(entry.path) / MANIFEST).is_file():
                shutil.rmtree(entry.path, ignore_errors=True)
        for rel in new + [MANIFEST]:
            target = self.real / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.stage / rel, target)


def _inside(root: Path, target: Path) -> bool:
    """``target`` lies in ``root`` without passing through a symbolic link."""
    probe = target.parent
    while probe != root:
        if probe.is_symlink() or probe == probe.parent:
            return False
        probe = probe.parent
    return True


def _permissions(folder: Path) -> None:
    """Every file and folder below ``folder`` as the umask makes a new one (writers differ)."""
    mask = umask()
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)


@contextmanager
def output_folder(out: str | os.PathLike, *, command: str = "") -> Iterator[OutputFolder]:
    """Write a command's results into ``out`` as one whole (see the module's docstring).

    Parameters
    ----------
    out : path
        The output folder (``--out``).
    command : str
        The command line, recorded in the manifest.

    Yields
    ------
    OutputFolder
        Write into ``.stage``; after the block, ``.files`` lists the files under ``out``.

    Raises
    ------
    OutputError
        ``out`` is not a cityfutures output folder, another command holds its lock, or a
        file of the run would replace one the manifest does not list.

    Examples
    --------
    >>> with output_folder("out", command="cityfutures run s.yaml") as folder:   # doctest: +SKIP
    ...     save_results(ds, folder.stage / "results.nc")
    """
    folder = OutputFolder(out, command)
    with folder:
        yield folder
