"""Reading YAML files a person edits: safe loading that remembers where each field stood.

Only ``yaml.SafeLoader`` is used; no user string is ever evaluated. Every error
names the file and the line (see :class:`cityfutures.errors.InputError`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from .errors import InputError

__all__ = ["YamlDocument", "read_yaml", "pydantic_error", "field_path"]


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML mapping and the 1-based line of each field.

    ``lines`` maps a field path (tuple of keys and list indices) to its line.
    """

    path: Path
    data: Any
    text: str
    lines: Mapping[tuple, int] = field(default_factory=dict)

    def line_of(self, loc: Sequence) -> int | None:
        """Line of the deepest known field along ``loc`` (a key/index path)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), None)


def _walk(node: yaml.Node, loc: tuple, lines: dict) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            lines[loc + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, loc + (key,), lines)
            lines[loc + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, loc + (i,), lines)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value", key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}' (first at line {seen[key]})",
                key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.2 floats: PyYAML (YAML 1.1) reads 1e9 or 2.5E-3 as text; a planner means a number.
_FLOAT_12 = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_UniqueKeyLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_UniqueKeyLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+0123456789."))


def read_yaml(path: str | Path, *, error: Callable[..., InputError] = InputError,
              what: str = "file") -> YamlDocument:
    """Read a YAML file whose top level must be a mapping.

    Parameters
    ----------
    path : str or Path
        The file.
    error : callable
        The :class:`InputError` subclass to raise.
    what : str
        What the file is, for messages ("scenario file", "model metadata").

    Raises
    ------
    InputError
        Missing file, unreadable text, YAML syntax error, duplicate key, or a top level
        that is not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found" if not path.exists() else f"{what} is not a file",
                    path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path)) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", path=str(path)) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - SafeLoader subclass
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise error(f"YAML syntax error: {problem}", path=str(path), line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML syntax error: {exc}", path=str(path)) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise error(f"{what} must be a mapping of keys to values, got {got}", path=str(path), line=1)
    lines: dict[tuple, int] = {}
    if root is not None:
        _walk(root, (), lines)
    return YamlDocument(path=path, data=data, text=text, lines=lines)


def field_path(loc: Sequence) -> str:
    """``('interventions', 0, 'lever')`` -> ``'interventions[0].lever'``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def pydantic_error(exc, doc: YamlDocument | None, *, error: Callable[..., InputError] = InputError,
                   prefix: Sequence = (), path: str | None = None) -> InputError:
    """Turn the first error of a ``pydantic.ValidationError`` into one :class:`InputError`.

    ``exc`` may also be the list of its errors (``exc.errors()``), after a caller has cleaned their locations.
    """
    first = (exc if isinstance(exc, list) else exc.errors())[0]
    loc = tuple(prefix) + tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = first["type"]
    inp = first.get("input")
    if kind == "extra_forbidden":
        problem = f"unknown key '{loc[-1]}'"
        loc_field = loc
    elif kind == "missing":
        problem = "missing required key"
        loc_field = loc
    else:
        msg = first["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        shown = repr(inp) if not isinstance(inp, (dict, list)) else type(inp).__name__
        problem = f"{msg} (got {shown})" if inp is not None and "got" not in msg else msg
        loc_field = loc
    allowed = None
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        allowed = str(ctx["expected"])
    line = doc.line_of(loc_field if kind != "missing" else loc_field[:-1]) if doc else None
    return error(problem, path=path or (str(doc.path) if doc else None), field=field_path(loc_field),
                 allowed=allowed, line=line)
