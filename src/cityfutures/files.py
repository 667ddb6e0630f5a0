"""Files cityfutures writes: each one atomically (a temporary file renamed into place), hashed the same way.

A reader never sees half a file: :func:`atomic_write` calls a writer on a temporary file in
the target's folder and renames it onto the target only when the writer returns.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable

__all__ = ["atomic_write", "sha256_file"]


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
