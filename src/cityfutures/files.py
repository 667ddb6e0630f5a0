"""Files cityfutures writes and reads: each one written atomically, hashed the same way, read once per version.

A reader never sees half a file: :func:`atomic_write` calls a writer on a temporary file in
the target's folder and renames it onto the target only when the writer returns.
:func:`per_file_version` caches what is read from a file until the file changes.
"""
from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable, TypeVar

__all__ = ["atomic_write", "sha256_file", "per_file_version"]

T = TypeVar("T")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file next to ``path``, then rename it into place.

    The folder is created when missing; the file gets the permissions a new file would get
    (the user's umask). On any error the temporary file is removed and ``path`` is untouched.

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
        os.chmod(tmp, 0o666 & ~_umask())
        write(Path(tmp))
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
