"""Exceptions of cityfutures.

The tree is small on purpose::

    CityfuturesError                 anything cityfutures raises on purpose
    ├── InputError                   a user's mistake: CLI prints one line, exit code 2
    │   ├── ModelError               a bad model file (.mdl) or model metadata (.meta.yaml)
    │   ├── ScenarioError            a bad scenario or comparison file, or a bad API argument
    │   └── OutputError              an output folder cannot take the results (not cityfutures', locked, full)
    ├── UnsupportedFeatureError      the batch engine meets a Vensim function it cannot run
    ├── KernelError                  numba cannot compile the compiled engine's kernel (batch runs it)
    └── RunError                     a simulation failed (numerical trouble, PySD error)

    CityfuturesWarning (UserWarning) anything cityfutures warns about on purpose
    ├── RunFailedWarning             some runs of a plan failed (they are recorded with the results)
    ├── EngineFallbackWarning        an engine cannot run a model; the next one (batch, PySD) runs it
    └── CityfuturesDeprecationWarning  an old name or module path that moved (names the new one)

An ``InputError`` renders as ``path:line: field: problem (allowed: ...)`` so an editor
can jump to the place. Any exception outside this tree is a bug in cityfutures.
"""
from __future__ import annotations

import re

from .names import did_you_mean

__all__ = [
    "CityfuturesError",
    "InputError",
    "ModelError",
    "ScenarioError",
    "OutputError",
    "UnsupportedFeatureError",
    "KernelError",
    "RunError",
    "CityfuturesWarning",
    "RunFailedWarning",
    "EngineFallbackWarning",
    "CityfuturesDeprecationWarning",
    "did_you_mean",
    "one_line",
]

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text) -> str:
    """``text`` as one printable line: line breaks and tabs as spaces, any other control character
    (a terminal escape from a file) and lone surrogates as ``\\xNN`` / ``\\uNNNN`` escapes."""
    def escape(m):
        c = m.group()
        if c in "\r\n\t\u2028\u2029":
            return " "
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"
    return _UNPRINTABLE.sub(escape, str(text))


class CityfuturesError(Exception):
    """Base class of every error cityfutures raises on purpose."""


class InputError(CityfuturesError):
    """A user's mistake in a file, a CLI argument or an API call.

    Parameters
    ----------
    problem : str
        What is wrong, naming the bad value.
    path : str, optional
        The file (or ``"<argument>"``/``"<api>"``) the value came from.
    field : str, optional
        Dotted path of the field, e.g. ``interventions[0].lever``.
    allowed : str, optional
        What would have been accepted.
    line : int, optional
        1-based line in ``path``.
    """

    def __init__(self, problem: str, *, path: str | None = None, field: str | None = None,
                 allowed: str | None = None, line: int | None = None):
        self.problem = problem
        self.path = None if path is None else str(path)
        self.field = field
        self.allowed = allowed
        self.line = line
        super().__init__(self.format())

    def format(self) -> str:
        """The one-line message: ``path:line: field: problem (allowed: ...)``."""
        where = ""
        if self.path:
            where = self.path + (f":{self.line}" if self.line else "") + ": "
        field = f"{self.field}: " if self.field else ""
        allowed = f" (allowed: {self.allowed})" if self.allowed else ""
        return one_line(f"{where}{field}{self.problem}{allowed}")

    def __str__(self) -> str:  # keep str() in step with attribute edits
        return self.format()


class ModelError(InputError):
    """A model file or its metadata sidecar is malformed or inconsistent."""


class ScenarioError(InputError):
    """A scenario or comparison file (or an equivalent API argument) is invalid."""


class OutputError(InputError):
    """An output folder (``--out``) cannot take the results: it is not a cityfutures output folder,
    another command is writing to it, or its device is full. Nothing is written."""


class UnsupportedFeatureError(CityfuturesError):
    """The batch engine cannot run an element of a model.

    Parameters
    ----------
    element : str
        The model element (Vensim name).
    function : str
        The Vensim function or construct that is not supported.
    """

    def __init__(self, element: str, function: str, detail: str = ""):
        self.element = element
        self.function = function
        msg = f"batch engine does not support {function} (in '{element}')"
        super().__init__(msg + (f": {detail}" if detail else ""))


class KernelError(CityfuturesError):
    """numba cannot compile (or is missing for) the compiled engine's kernel; the batch engine runs it."""


class RunError(CityfuturesError):
    """A simulation run failed."""


class CityfuturesWarning(UserWarning):
    """Base class of every warning cityfutures issues on purpose (errors in the test suite)."""


class RunFailedWarning(CityfuturesWarning):
    """Runs of a plan failed; they are kept (NaN) and listed in the results' ``failed_runs``."""


class EngineFallbackWarning(CityfuturesWarning):
    """The batch engine cannot run a model (names the element and the function); PySD runs it instead."""


class CityfuturesDeprecationWarning(CityfuturesWarning, DeprecationWarning):
    """An old name or module path was used; the message names where it moved."""
