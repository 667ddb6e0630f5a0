"""A model file is data: what it says is made inert before any Python is written from it, and checked after.

PySD's builder writes a Python module from the abstract model and that module is then imported,
so text of the file lands in code: comments become docstrings, names and GET arguments land in
quoted strings. :func:`sanitise` goes through every string of PySD's abstract model once, as it
is parsed (:mod:`.parse`, the one path both engines read):

- free text (``documentation``, ``units``) becomes inert text (:func:`inert_text`): one line,
  no run of three double quotes (it would end PySD's docstring), no backslash, no control character;
- a string PySD writes between quotes (subscripts and ranges, macros and their parameters,
  function names, DATA variables' names, GET arguments) holding a quote or a backslash is
  refused, and so is any name holding a line break, a control character or a lone surrogate
  (other element names and references may hold quotes: PySD writes them with ``repr``);
- a file named by ``GET XLS/DIRECT ...`` must lie in the model's folder (links followed).

:func:`verify_translation` then reads the Python PySD wrote (with ``ast``, nothing imported):
only the statement forms PySD writes, imports of PySD, numpy, xarray and pathlib, names that the
module defines (or a few harmless builtins) and the attributes PySD's templates use. A translation
that breaks any of these is refused (:class:`~cityfutures.errors.ModelError`) and never imported.
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import os
import re
from pathlib import Path

from ..errors import ModelError

__all__ = ["sanitise", "inert_text", "verify_translation", "confined_file"]

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_FREE_TEXT = {"documentation", "units"}
_FILE_FIELDS = {("GetLookupsStructure", "file"), ("GetDataStructure", "file"), ("GetConstantsStructure", "file")}
# strings PySD writes between single quotes in the module: no single quote may stand in them
_QUOTED = {("GetLookupsStructure", "tab"), ("GetLookupsStructure", "x_row_or_col"), ("GetLookupsStructure", "cell"),
           ("GetDataStructure", "tab"), ("GetDataStructure", "time_row_or_col"), ("GetDataStructure", "cell"),
           ("GetConstantsStructure", "tab"), ("GetConstantsStructure", "cell"), ("AbstractSection", "name"),
           ("AbstractSection", "params"), ("AbstractSection", "returns"), ("AbstractSubscriptRange", "name"),
           ("AbstractSubscriptRange", "subscripts"), ("AbstractSubscriptRange", "mapping"),
           ("SubscriptsReferenceStructure", "subscripts"), ("AbstractData", "keyword"), ("LookupsStructure", "type")}


def inert_text(text) -> str:
    """``text`` as one line that no Python string PySD writes can be ended by: control characters, lone
    surrogates and backslashes (Vensim's line continuation) as spaces, whitespace folded, and a run of
    three or more double quotes as as many single quotes (three would end PySD's docstring)."""
    text = _CONTROL.sub(" ", str(text)).replace("\\", " ")
    text = re.sub('"{3,}', lambda m: "'" * len(m.group()), text)
    return " ".join(text.split())


def confined_file(ref: str, folder: Path, model: Path, where: str) -> Path:
    """The file a ``GET`` function names, resolved in the model's ``folder``; a ModelError when it lies outside."""
    if not isinstance(ref, str) or not ref.strip() or ref.startswith("?"):
        raise ModelError(f"names the file {ref!r}, which cityfutures cannot resolve", path=str(model), field=where,
                         allowed="a file in the model's folder, e.g. 'inputs.xlsx'")
    real = Path(os.path.realpath(folder / ref.replace("\\", "/")))
    try:
        real.relative_to(os.path.realpath(folder))
    except ValueError:
        raise ModelError(f"names the file '{ref}', outside the model's folder {folder}", path=str(model),
                         field=where, allowed="a file in the model's folder (links are followed)") from None
    return real


def _name_problem(text: str, quoted: bool) -> str:
    """Why a string cannot stand in PySD's module, or an empty string.

    Every string: no control character or lone surrogate. A string PySD writes between quotes
    (``quoted``): also no quote and no backslash. Element names and references may hold them: PySD
    writes those with ``repr`` or as identifiers (``"Quotes \\"in\\" names"`` run as they are).
    """
    bad = _CONTROL.search(text)
    if bad:
        return f"holds the character U+{ord(bad.group()):04X}"
    if len(text) >= 2 and text[0] == text[-1] == '"':     # a quoted Vensim name: its quotes stay inside PySD's
        text = text[1:-1]
    if quoted:
        for char, word in (("\\", "a backslash"), ('"', "a double quote"), ("'", "a single quote")):
            if char in text:
                return f"holds {word}"
    return ""


class _Sanitiser:
    def __init__(self, path: Path):
        self.path = path
        self.folder = path.parent
        self.element = "(model)"

    def fail(self, what: str, value: str, problem: str) -> None:
        raise ModelError(f"{what} {value[:80]!r} {problem}, which a model cannot use", path=str(self.path),
                         field=self.element, allowed="names and GET arguments of letters, digits, spaces and "
                         "punctuation other than quotes and backslashes")

    def walk(self, obj, owner: str = "", field: str = "", quoted: bool = False) -> None:
        if isinstance(obj, str):
            problem = _name_problem(obj, quoted)
            if problem:
                self.fail(f"{owner}.{field}".strip("."), obj, problem)
            return
        if isinstance(obj, (list, tuple, set)):
            for item in obj:
                self.walk(item, owner, field, quoted)
            return
        if isinstance(obj, dict):
            if owner == "AbstractSubscriptRange" and isinstance(obj.get("file"), str):   # GET DIRECT SUBSCRIPT
                obj["file"] = obj["file"].replace("\\", "/")
                confined_file(obj["file"], self.folder, self.path, self.element)
            for key, item in obj.items():
                self.walk(key, owner, field, True)
                self.walk(item, owner, field, True)
            return
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            return
        kind = type(obj).__name__
        if kind in ("AbstractElement", "AbstractControlElement"):
            self.element = obj.name if isinstance(obj.name, str) else "(model)"
            for attr in _FREE_TEXT:
                if isinstance(getattr(obj, attr, None), str):
                    setattr(obj, attr, inert_text(getattr(obj, attr)))
            data = any(type(c).__name__ == "AbstractData" for c in obj.components)
            self.walk(obj.name, kind, "name", quoted=data)       # PySD quotes a DATA variable's name
        for f in dataclasses.fields(obj):
            if f.name in ("path", "original_path", "views_dict") or (kind in ("AbstractElement",
                                                                             "AbstractControlElement")
                                                                     and f.name in _FREE_TEXT | {"name"}):
                continue
            value = getattr(obj, f.name)
            if (kind, f.name) in _FILE_FIELDS:       # a Windows separator as '/', then no quote may remain
                value = value.replace("\\", "/") if isinstance(value, str) else value
                self.walk(value, kind, f.name, True)
                confined_file(value, self.folder, self.path, self.element)
                setattr(obj, f.name, value)
                continue
            quoted = (kind, f.name) in _QUOTED or f.name == "subscripts"
            if kind == "CallStructure" and f.name == "function" and dataclasses.is_dataclass(value):
                self.walk(value.reference, kind, "function", True)
                continue
            self.walk(value, kind, f.name, quoted)


def sanitise(abstract_model, path: str | os.PathLike) -> None:
    """Make PySD's abstract model of ``path`` inert in place (see the module's docstring).

    Raises
    ------
    ModelError
        A name that cannot stand in PySD's code, or a GET file outside the model's folder.
    """
    walker = _Sanitiser(Path(path))
    for section in abstract_model.sections:
        walker.element = "(model)"
        walker.walk(section)


# ----------------------------------------------------------------------------- the translation, read back
_NODES = {
    "Module", "Expr", "Assign", "AugAssign", "FunctionDef", "Return", "For", "If", "IfExp", "Import", "ImportFrom",
    "alias", "arguments", "arg", "keyword", "Lambda", "Call", "Attribute", "Subscript", "Slice", "Name", "Constant",
    "List", "Tuple", "Dict", "Set", "Starred", "BinOp", "UnaryOp", "BoolOp", "Compare", "Load", "Store", "Del",
    "Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "USub", "UAdd", "Not", "Invert", "And", "Or", "Eq",
    "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot", "In", "NotIn", "BitAnd", "BitOr", "ListComp", "DictComp",
    "comprehension", "MatMult",
}
_MODULES = ("pysd", "numpy", "xarray", "pathlib", "scipy")
_BUILTINS = {"float", "int", "bool", "len", "abs", "min", "max", "range", "list", "dict", "tuple", "sum", "zip",
             "enumerate", "isinstance", "round", "str", "any", "all", "sorted", "reversed", "set", "map", "slice",
             "True", "False", "None", "__file__"}
_ATTRIBUTES = {
    # numpy, xarray and pathlib as PySD's templates use them
    "abs", "all", "arange", "arccos", "arcsin", "arctan", "array", "cos", "cosh", "empty", "exp", "full", "inf",
    "interp", "isnan", "linalg", "inv", "log", "logical_and", "logical_not", "logical_or", "max", "maximum", "min",
    "minimum", "moveaxis", "nan", "ndarray", "pi", "power", "prod", "random", "sin", "sinh", "sqrt", "sum", "tan",
    "tanh", "tile", "DataArray", "ones_like", "zeros_like", "where", "clip", "floor", "ceil", "round", "sign",
    "uniform", "normal", "exponential", "gamma", "beta", "binomial", "poisson", "triangular", "weibull",
    "lognormal", "negative_binomial", "default_rng", "joinpath", "parent",
    # data arrays and PySD's objects
    "loc", "values", "rename", "transpose", "expand_dims", "reset_coords", "squeeze", "reshape", "shape", "copy",
    "dims", "coords", "sel", "isel", "T", "astype", "add", "stage", "initial_time", "final_time", "time_step",
    "saveper", "state", "time", "data",
}


def _fail(path: Path, problem: str) -> ModelError:
    return ModelError(f"PySD's translation {problem}: it is not run", path=str(path),
                      allowed="a model whose translation has only what PySD writes (please report it)")


def _verify(py: Path) -> None:
    try:
        tree = ast.parse(py.read_text(encoding="utf-8"), filename=str(py))
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        raise _fail(py, f"is not valid Python ({type(exc).__name__})") from None
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef,)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
    names = set(dir(builtins))
    for node in ast.walk(tree):
        kind = type(node).__name__
        if kind not in _NODES:
            raise _fail(py, f"holds a {kind} statement")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] not in _MODULES for m in modules) or getattr(node, "level", 0):
                raise _fail(py, f"imports {', '.join(modules)}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            if node.id.startswith("__") and node.id != "__file__" or (node.id in names and node.id not in _BUILTINS):
                raise _fail(py, f"calls on '{node.id}'")
        elif isinstance(node, ast.Attribute) and node.attr not in _ATTRIBUTES:
            raise _fail(py, f"uses the attribute '{node.attr}'")
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and not (
                isinstance(stmt.value, ast.Constant)
                or (isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute)
                    and stmt.value.func.attr == "add")):
            raise _fail(py, f"runs a statement at import (line {stmt.lineno})")


def verify_translation(folder: str | os.PathLike) -> None:
    """Read every Python file of a translation folder back and refuse what PySD does not write.

    Raises
    ------
    ModelError
        A file holds a statement, import, name or attribute outside PySD's templates.
    """
    for py in sorted(Path(folder).rglob("*.py")):
        _verify(py)
