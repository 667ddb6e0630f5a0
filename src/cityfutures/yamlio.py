"""Reading YAML files a person edits: safe loading that remembers where each field stood.

Only ``yaml.SafeLoader`` is used; no user string is ever evaluated. Every error
names the file and the line (see :class:`cityfutures.errors.InputError`).

A file is untrusted, so reading it is bounded before any work is done on it:

- at most ``CITYFUTURES_MAX_FILE_MB`` megabytes (default 2) per file;
- at most :data:`MAX_DEPTH` (64) levels of nesting, checked while the document is composed
  (before Python's recursion limit could be reached);
- at most :data:`MAX_NODES` (10,000) nodes **counted as the aliases expand** (an alias
  counts every node of what it points at), so a kilobyte of nested aliases cannot become
  gigabytes of data; an alias to the collection that holds it is refused;
- no text that is not text: lone surrogates and control characters (other than tab and
  line breaks) in any key or value are refused.

Each breach is one :class:`~cityfutures.errors.InputError` line naming the file, the line
and the bound. The line-number walk visits each node once (an alias is not followed again).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import yaml

from .errors import InputError
from .names import did_you_mean

__all__ = ["YamlDocument", "read_yaml", "pydantic_error", "field_path", "first_error", "number_hint", "not_text",
           "max_file_bytes", "MAX_NODES", "MAX_DEPTH", "MAX_FILE_MB_ENV", "DEFAULT_MAX_FILE_MB"]

MAX_NODES = 10_000
"""Most YAML nodes (scalars, mappings, sequences) a file may hold, aliases counted as expanded."""
MAX_DEPTH = 64
"""Most levels of nesting in a YAML file."""
MAX_FILE_MB_ENV = "CITYFUTURES_MAX_FILE_MB"
DEFAULT_MAX_FILE_MB = 2.0


def max_file_bytes() -> int:
    """The largest file cityfutures reads as YAML: ``$CITYFUTURES_MAX_FILE_MB`` MB (default 2).

    Raises
    ------
    InputError
        The variable is set but is not a positive number.
    """
    text = os.environ.get(MAX_FILE_MB_ENV, "").strip()
    if not text:
        return int(DEFAULT_MAX_FILE_MB * 1024 * 1024)
    try:
        mb = float(text)
    except ValueError:
        mb = float("nan")
    if not mb > 0 or mb == float("inf"):
        raise InputError(f"must be a positive number of megabytes, got {text!r}", path="<environment>",
                         field=MAX_FILE_MB_ENV, allowed="e.g. 2 or 50")
    return int(mb * 1024 * 1024)


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


def _walk(root: yaml.Node, lines: dict) -> None:
    """Line of every field; a node reached again through an alias is not walked again."""
    seen: set[int] = set()
    stack = [(root, ())]
    while stack:
        node, loc = stack.pop()
        lines.setdefault(loc, node.start_mark.line + 1)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
                lines[loc + (key,)] = key_node.start_mark.line + 1
                stack.append((value_node, loc + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                stack.append((item, loc + (i,)))


class _LimitError(yaml.MarkedYAMLError):
    """A bound of :mod:`cityfutures.yamlio` was passed (reported without 'YAML syntax error')."""

    def __init__(self, problem: str, allowed: str, mark):
        super().__init__(problem=problem, problem_mark=mark)
        self.allowed = allowed


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and keeps a document within the bounds of the module."""

    max_nodes = MAX_NODES
    max_depth = MAX_DEPTH

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._total = 0
        self._sizes: dict[int, int] = {}

    def _count(self, n: int, mark) -> None:
        self._total += n
        if self._total > self.max_nodes:
            raise _LimitError(f"more than {self.max_nodes:,} YAML nodes (aliases counted as expanded)",
                              f"at most {self.max_nodes:,} keys, values and list items", mark)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor)
            if node is not None:
                size = self._sizes.get(id(node))
                if size is None:
                    raise _LimitError(f"alias *{event.anchor} points into the collection that holds it",
                                      "aliases to finished values only", event.start_mark)
                self._count(size, event.start_mark)
            return super().compose_node(parent, index)
        mark = self.peek_event().start_mark
        self._depth += 1
        if self._depth > self.max_depth:
            raise _LimitError(f"nested deeper than {self.max_depth} levels",
                              f"at most {self.max_depth} levels of nesting", mark)
        before = self._total
        self._count(1, mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        self._sizes[id(node)] = self._total - before
        return node


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

# characters no one types into a scenario: lone surrogates (from "\ud800" escapes) and control characters
_NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_INDENT_PROBLEMS = ("expected <block end>", "did not find expected key", "did not find expected '-' indicator",
                    "found character '\\t'")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _syntax_problem(problem: str, text: str, line: int | None) -> tuple[str, str | None]:
    """PyYAML's message, said in a planner's words where it means indentation or a decimal comma."""
    lines = text.splitlines()
    here = lines[line - 1] if line and 0 < line <= len(lines) else ""
    if problem.startswith("found character '\\t'"):
        return "YAML syntax error: a tab in the indentation", "indent with spaces only"
    if any(problem.startswith(p) for p in _INDENT_PROBLEMS):
        return (f"YAML syntax error: the indentation of line {line} does not line up with the lines above "
                f"({problem})", "indent keys of one mapping, and items of one list, by the same number of spaces")
    if problem.startswith("mapping values are not allowed here"):
        previous = next((x for x in reversed(lines[: (line or 1) - 1]) if x.strip() and not
                         x.lstrip().startswith("#")), "")
        if _indent(here) > _indent(previous) and not previous.rstrip().endswith(":"):
            return (f"YAML syntax error: line {line} is indented more than the line above, which does not "
                    "open a block", "indent keys of one mapping by the same number of spaces")
        return ("YAML syntax error: a ': ' inside a value", "quote the value, e.g. title: \"A: B\"")
    return f"YAML syntax error: {problem}", None


def read_yaml(path: str | os.PathLike, *, error: Callable[..., InputError] = InputError,
              what: str = "file", max_nodes: int = MAX_NODES) -> YamlDocument:
    """Read a YAML file whose top level must be a mapping, within the bounds of this module.

    Parameters
    ----------
    path : str or Path
        The file.
    error : callable
        The :class:`InputError` subclass to raise.
    what : str
        What the file is, for messages ("scenario file", "model metadata").
    max_nodes : int
        Most nodes, aliases counted as expanded (default :data:`MAX_NODES`; a model's
        metadata, which labels every variable, may take more).

    Raises
    ------
    InputError
        Missing or oversized file, unreadable text, YAML syntax error, duplicate key, a
        bound passed (nodes, depth), text that is not text, or a top level that is not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise error(f"{what} not found" if not path.exists() else f"{what} is not a file",
                    path=str(path))
    limit = max_file_bytes()
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", path=str(path)) from None
    if len(raw) > limit:
        raise error(f"{what} is larger than {limit / 1024 / 1024:.3g} MB", path=str(path),
                    allowed=f"a smaller file, or set {MAX_FILE_MB_ENV} to raise the limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start})", path=str(path),
                    line=line, allowed="save the file as UTF-8") from None
    loader = None
    try:
        loader = _UniqueKeyLoader(text)     # its reader refuses unprintable characters at once
        loader.max_nodes = max_nodes
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _LimitError as exc:
        raise error(exc.problem, path=str(path), line=exc.problem_mark.line + 1, allowed=exc.allowed) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem, allowed = _syntax_problem((exc.problem or exc.context or "invalid YAML").strip(), text, line)
        raise error(problem, path=str(path), line=line, allowed=allowed) from None
    except yaml.reader.ReaderError as exc:
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise error(f"holds the character U+{char:04X}, which is not text", path=str(path),
                    line=text[: exc.position].count("\n") + 1,
                    allowed="printable text (tab and line breaks allowed)") from None
    except yaml.YAMLError as exc:
        raise error(f"YAML syntax error: {' '.join(str(exc).split())}", path=str(path)) from None
    finally:
        if loader is not None:
            loader.dispose()
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise error(f"{what} must be a mapping of keys to values, got {got}", path=str(path), line=1)
    lines: dict[tuple, int] = {}
    if root is not None:
        _walk(root, lines)
    doc = YamlDocument(path=path, data=data, text=text, lines=lines)
    _check_text(doc, error)
    return doc


def not_text(text: str) -> str:
    """What makes ``text`` not text (a lone surrogate, a control character other than tab and line
    breaks), or an empty string."""
    bad = _NOT_TEXT.search(text)
    return f"holds the character U+{ord(bad.group()):04X}, which is not text" if bad else ""


def _check_text(doc: YamlDocument, error: Callable[..., InputError]) -> None:
    """Refuse a key or value holding a lone surrogate or a control character (each collection once)."""
    stack: list[tuple[tuple, Any]] = [((), doc.data)]
    seen: set[int] = set()
    while stack:
        loc, value = stack.pop()
        if id(value) in seen:      # an alias: the same object again
            continue
        seen.add(id(value))
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, sub in items:
            for text in (key, sub):
                problem = not_text(text) if isinstance(text, str) else ""
                if problem:
                    where = loc + (key,)
                    raise error(problem, path=str(doc.path), field=field_path(where) or None,
                                line=doc.line_of(where), allowed="printable text (tab and line breaks allowed)")
            if isinstance(sub, (dict, list)):
                stack.append((loc + (key,), sub))


def field_path(loc: Sequence) -> str:
    """``('interventions', 0, 'lever')`` -> ``'interventions[0].lever'``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d*,\d+\s*")


def number_hint(value: Any) -> str:
    """``"0,5"`` -> ``"write 0.5 (a decimal point, not a comma)"``; empty for anything else."""
    if isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value):
        return f"write {value.strip().replace(',', '.')} (a decimal point, not a comma)"
    return ""


_ORDER = {"extra_forbidden": 0, "missing": 2}


def first_error(errors: Sequence[Mapping]) -> tuple[Mapping, list[str]]:
    """The error of a pydantic list to report first, and the keys missing beside it.

    An unknown key comes before a missing one (``nmae:`` is a misspelt ``name:``, and
    the missing ``name`` is the hint), and a missing key comes last.
    """
    errors = list(errors)
    first = min(errors, key=lambda e: _ORDER.get(e["type"], 1))
    siblings = [str(e["loc"][-1]) for e in errors if e["type"] == "missing" and e["loc"][:-1] == first["loc"][:-1]]
    return first, siblings


def pydantic_error(exc, doc: YamlDocument | None, *, error: Callable[..., InputError] = InputError,
                   prefix: Sequence = (), path: str | None = None) -> InputError:
    """Turn the first error of a ``pydantic.ValidationError`` into one :class:`InputError`
    (unknown keys first, with a "did you mean" among the keys missing beside them).

    ``exc`` may also be the list of its errors (``exc.errors()``), after a caller has cleaned their locations.
    """
    first, missing = first_error(exc if isinstance(exc, list) else exc.errors())
    loc = tuple(prefix) + tuple(p for p in first["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = first["type"]
    inp = first.get("input")
    if kind == "extra_forbidden":
        problem = f"unknown key '{loc[-1]}'"
        hint = did_you_mean(str(loc[-1]), missing)
        if hint:
            problem += f"; {hint}"
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
        hint = number_hint(inp)
        if hint:
            problem += f"; {hint}"
        loc_field = loc
    allowed = None
    ctx = first.get("ctx") or {}
    if "expected" in ctx:
        allowed = str(ctx["expected"])
    line = doc.line_of(loc_field if kind != "missing" else loc_field[:-1]) if doc else None
    return error(problem, path=path or (str(doc.path) if doc else None), field=field_path(loc_field),
                 allowed=allowed, line=line)
