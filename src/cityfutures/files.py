"""Files cityfutures writes and reads: each one written atomically, hashed the same way, read once per version.

A reader never sees half a file: :func:`atomic_write` calls a writer on a temporary file in
the target's folder and renames it onto the target only when the writer returns.
:func:`per_file_version` caches what is read from a file until the file changes.
"""
from __future__ import annotations

import errno
import functools
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

from .errors import OutputError

__all__ = ["atomic_write", "sha256_file", "per_file_version", "umask", "no_space"]

T = TypeVar("T")

_FULL = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def umask() -> int:
    """The process's umask (the permissions a new file must not get)."""
    try:   # Linux shows it without changing it (os.umask is a set-and-return, racy with threads)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def no_space(path: str | os.PathLike, exc: BaseException) -> bool:
    """Whether ``exc``, raised while writing ``path``, means its device is full.

    An ``OSError`` says so with its errno; libraries that wrap the error (NetCDF's "HDF
    error") do not, so the device's free space is asked while the partial file is still there.
    """
    if isinstance(exc, OSError) and exc.errno in _FULL:
        return True
    if not isinstance(exc, (OSError, RuntimeError)):
        return False
    try:
        return shutil.disk_usage(Path(path).parent).free < 1024 * 1024
    except OSError:
        return False


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then rename it into place.

    The folder is created when missing; the file gets the permissions a new file would get
    (the user's umask). On any error the temporary file is removed and ``path`` is untouched;
    a full device is one :class:`~cityfutures.errors.OutputError` line naming the folder.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix + ".tmp", dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~umask())
        try:
            write(Path(tmp))
        except Exception as exc:
            if no_space(tmp, exc):
                raise OutputError(f"no space left on the device ({path.parent})", path=str(path)) from None
            raise
        os.chmod(tmp, 0o666 & ~umask())     # a writer may have made the file anew
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def sha256_file(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes (hex): the provenance key of models and sidecars."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def per_file_version(read: Callable[[Path], T]) -> Callable[[str | os.PathLike], T]:
    """Cache ``read(path)`` per path and modification time: a file is read once per process and version.

    The decorated function takes a path (str or Path); ``cache_clear()`` empties its cache.
    """
    @functools.lru_cache(maxsize=16)
    def cached(path_s: str, mtime: int) -> T:
        return read(Path(path_s))

    @functools.wraps(read)
    def call(path: str | os.PathLike) -> T:
        path = Path(path)
        return cached(str(path), path.stat().st_mtime_ns)

    call.cache_clear = cached.cache_clear
    return call
