"""The model as a graph of cells, built from PySD's abstract model.

:class:`GraphBuilder` walks PySD's ``AbstractModel`` (the output of its Vensim or XMILE
translator) and turns every cell of every element into a :class:`Node` with numpy source
for the run phase and for initialisation. Statefuls add states (``s<j>``, continuous;
``d<j>``, discrete) with their derivatives and updates. No second parser: the AST is
PySD's.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pysd.py_backend import external

from ...errors import ModelError, UnsupportedFeatureError
from ...names import CONTROL, py_name
from .cells import Subscripts, cell_label
from .expressions import Expr, ExprCompiler, atom
from .source import literal
from .statefuls import TEMPLATES

__all__ = ["Node", "State", "GraphBuilder", "TABLE_FUNCTIONS"]

TABLE_FUNCTIONS = {"interpolate": "lookup", "extrapolate": "lookup_extrapolate",
                   "hold_backward": "lookup_discrete"}
"""PySD's lookup types (Vensim's; XMILE's continuous, extrapolate, discrete) -> helper in :mod:`.functions`."""

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z_0-9]*$")


@dataclass
class Node:
    """One value per run: a cell of a model element or a hidden sub-expression.

    ``kind`` is ``aux`` (a model cell), ``hidden`` (an argument of a stateful),
    ``state`` (a stateful's output cell) or ``initial`` (frozen at initialisation).
    """

    id: str
    run: str
    init: str
    run_deps: set
    init_deps: set
    time: bool = False
    kind: str = "aux"
    label: str | None = None
    element: str | None = None
    units: str = ""
    equation: str = ""      # the right-hand side as written in the model (a comment of the generated code)


@dataclass
class State:
    """A state of a stateful: its initial source, and how it moves each step."""

    id: str
    init: str
    init_deps: set
    element: str
    step: str | None = None          # derivative (continuous) or payload (discrete)
    update: str | None = None        # discrete updater
    non_negative: bool = False
    kind: str = ""                   # the stateful (a key of statefuls.TEMPLATES)
    args: dict = field(default_factory=dict)   # its arguments: name -> atom (a node id or literal)


@dataclass
class GraphBuilder:
    """Build the node graph of a model from PySD's abstract model.

    Parameters
    ----------
    abstract_model : pysd AbstractModel
    root : Path
        Folder of the model file.
    """

    abstract_model: object
    root: Path
    nodes: dict = field(default_factory=dict)
    continuous: list = field(default_factory=list)
    discrete: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    table_functions: dict = field(default_factory=dict)   # table prefix -> helper of its type
    cells: dict = field(default_factory=dict)      # clean name -> {cell: node id}
    labels: dict = field(default_factory=dict)     # output label -> node id
    units: dict = field(default_factory=dict)      # Vensim name -> units
    literals: dict = field(default_factory=dict)   # repr -> (name, float64)
    equations: dict = field(default_factory=dict)  # Vensim name -> right-hand sides as written (comments)
    name: str = "model"                            # the model file's name (the generated source's label)

    def build(self) -> "GraphBuilder":
        """Compile every element; raises :class:`UnsupportedFeatureError` on the first miss."""
        sections = self.abstract_model.sections
        main = sections[0]
        self.macros = {s.name.lower().replace(" ", "_") for s in sections[1:]}
        self.subscripts = Subscripts(main.subscripts, self.root)
        self.elements = {py_name(e.name): e for e in main.elements}
        self.dims = {}
        plan = []
        for key, el in self.elements.items():
            comps = el.components
            self.units[el.name] = el.units or ""
            if any(type(c).__name__ == "AbstractData" for c in comps):
                raise UnsupportedFeatureError(el.name, "DATA variable")
            subs_list = [c.subscripts[0] for c in comps]
            try:
                self.dims[key] = self.subscripts.element_dims(subs_list, el.name)
            except Exception as exc:  # PySD cannot merge the definitions
                raise UnsupportedFeatureError(el.name, "subscript definition", str(exc)) from exc
            lookup = self.is_lookup(key)
            self.cells[key] = {}
            written = self.equations.get(el.name, [])
            for k, comp in enumerate(comps):
                dims, cells = self.subscripts.component_cells(comp.subscripts[0], comp.subscripts[1])
                coords = self.subscripts.manager.make_coord_dict(list(comp.subscripts[0]))
                shape = tuple(len(v) for v in coords.values())
                for cell in cells:
                    index = tuple(coords[d].index(c) for d, c in zip(dims, cell))
                    if lookup:
                        self.cells[key][cell] = self.add_table(
                            comp.ast, el.name, comp, dict(zip(dims, cell)))
                        continue
                    node_id = f"v{len(self.labels)}"
                    self.cells[key][cell] = node_id
                    self.labels[cell_label(el.name, cell)] = node_id
                    plan.append((el, comp, node_id, dict(zip(dims, cell)), index, cell, shape,
                                 written[k] if k < len(written) else ""))
        for el, comp, node_id, binding, index, cell, shape, equation in plan:
            self.component_shape, self.component = shape, comp
            expr = ExprCompiler(self, el.name, binding, index).compile(comp.ast)
            kind = "aux"
            if re.fullmatch(r"h\d+", expr.run) and self.nodes[expr.run].kind == "initial":
                kind = "initial"
            self.nodes[node_id] = Node(node_id, expr.run, expr.init, expr.run_deps, expr.init_deps,
                                       expr.time, kind, cell_label(el.name, cell), el.name,
                                       el.units or "", equation)
        for key in CONTROL:
            if key not in self.cells or () not in self.cells[key]:
                raise ModelError(f"the model has no {CONTROL[key]}", field=CONTROL[key])
        return self

    # ------------------------------------------------------------------ used by ExprCompiler
    def literal(self, value: float) -> str:
        """Name of a float64 constant holding ``value`` (shared by equal literals)."""
        if value < 0:
            return "-" + self.literal(-value)
        text = repr(value)
        if text not in self.literals:
            self.literals[text] = (f"_L{len(self.literals)}", np.float64(value))
        return self.literals[text][0]

    def is_lookup(self, name: str) -> bool:
        """True when ``name`` is a lookup (table) element."""
        el = self.elements.get(name)
        return el is not None and bool(el.components) and all(
            type(c).__name__ == "AbstractLookup" for c in el.components)

    def reference(self, name: str, subs, binding: dict, element: str) -> Expr:
        """Source atom for a reference to ``name[subs]`` from a cell bound by ``binding``."""
        if name == "time":
            return atom("t", time=True)
        if name in self.elements:
            if self.is_lookup(name):
                raise UnsupportedFeatureError(element, "lookup used as a value",
                                              f"'{self.elements[name].name}' without an argument")
            cell = ()
            if self.dims[name] or subs:
                cell = self.subscripts.resolve(list(subs or self.dims[name]), binding)
                if cell is None:
                    raise UnsupportedFeatureError(
                        element, "vector operation over subscripts",
                        f"reference to '{self.elements[name].name}[{','.join(subs or [])}]'")
            node = self.cells[name].get(cell)
            if node is None:
                raise UnsupportedFeatureError(element, "reference to an undefined cell",
                                              cell_label(self.elements[name].name, cell))
            return atom(node, {node})
        position = self.subscripts.position(_unclean(name, self.subscripts.ranges), binding)
        if position is not None:
            return atom(repr(position))
        if name in self.macros:
            raise UnsupportedFeatureError(element, "macro", name)
        raise UnsupportedFeatureError(element, "unknown reference", name)

    def range_size(self, name: str) -> int | None:
        """Number of subscripts of the range whose clean name is ``name`` (ELMCOUNT)."""
        rng = _unclean(name, self.subscripts.ranges)
        members = self.subscripts.ranges.get(rng)
        return None if members is None or rng in members else len(members)

    def lookup_table(self, name: str, subs, binding: dict, element: str) -> str:
        """Table prefix (``_T<n>``) of the lookup cell ``name[subs]``."""
        cell = ()
        if self.dims[name] or subs:
            cell = self.subscripts.resolve(list(subs or self.dims[name]), binding)
        table = self.cells[name].get(cell)
        if table is None:
            raise UnsupportedFeatureError(element, "lookup cell", f"{name}{list(cell or [])}")
        return table

    def external(self, component, element: str, kind: str):
        """Values of a GET XLS/GET DIRECT component, read once by PySD's own loader.

        ``kind`` is ``constant`` (GET CONSTANTS: a float or an array over the component's
        subscripts) or ``lookup`` (GET LOOKUPS: dims ``lookup_dim`` and the subscripts).
        Files are named relative to the model's folder, as PySD resolves them.
        """
        cache = self.__dict__.setdefault("_externals", {})
        if id(component) not in cache:
            ast = component.ast
            coords = self.subscripts.manager.make_coord_dict(list(component.subscripts[0]))
            name = py_name(element)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if kind == "constant":
                        ext = external.ExtConstant(ast.file, ast.tab, ast.cell, coords, self.root,
                                                   coords, name)
                    else:
                        ext = external.ExtLookup(ast.file, ast.tab, ast.x_row_or_col, ast.cell,
                                                 coords, self.root, coords, name)
                    ext.initialize()
            except Exception as exc:
                raise ModelError(f"cannot read the external data of '{element}': "
                                 f"{type(exc).__name__}: {exc}".splitlines()[0][:500],
                                 field=element) from exc
            cache[id(component)] = ext.data
        return cache[id(component)]

    def add_table(self, lookups, element: str, component=None, binding=None) -> str:
        """Register a lookup table; returns its prefix ``_T<n>`` (``x`` and ``y`` arrays)."""
        if type(lookups).__name__ == "GetLookupsStructure" and component is not None:
            data = self.external(component, element, "lookup")
            if binding:
                data = data.sel({d: binding[d] for d in data.dims if d != "lookup_dim"})
            xs = np.asarray(data["lookup_dim"].values, dtype=float)
            return self._register_table(xs, np.asarray(data.values, dtype=float), element)
        if type(lookups).__name__ != "LookupsStructure":
            raise UnsupportedFeatureError(element, type(lookups).__name__.replace(
                "Structure", "").upper() or "lookup definition")
        if lookups.type not in TABLE_FUNCTIONS:
            raise UnsupportedFeatureError(element, f"lookup type '{lookups.type}'")
        xs, ys = np.asarray(lookups.x, dtype=float), np.asarray(lookups.y, dtype=float)
        if lookups.type == "extrapolate" and len(xs) < 2:
            raise ModelError(f"lookup '{element}' extrapolates from fewer than two points", field=element)
        prefix = self._register_table(xs, ys, element)
        self.table_functions[prefix] = TABLE_FUNCTIONS[lookups.type]
        return prefix

    def _register_table(self, xs, ys, element: str) -> str:
        if len(np.unique(xs)) != len(xs):
            raise ModelError(f"lookup '{element}' repeats an x value", field=element)
        order = np.argsort(xs, kind="stable")
        prefix = f"_T{len(self.tables)}"
        self.tables[prefix] = (xs[order], ys[order])
        return prefix

    def _atomise(self, expr: Expr, element: str) -> Expr:
        if not expr.active and _IDENT.match(expr.run) and not expr.time:
            return Expr(expr.run, expr.run, set(expr.run_deps), set(expr.init_deps))
        node_id = f"h{len(self.nodes)}"
        self.nodes[node_id] = Node(node_id, expr.run, expr.init, set(expr.run_deps),
                                   set(expr.init_deps), expr.time, "hidden", None, element)
        return atom(node_id, {node_id})

    def add_stateful(self, kind: str, args: dict, element: str, ast) -> Expr:
        """Register a stateful (INTEG, SMOOTH, DELAY, ...); returns the atom of its output."""
        if kind == "initial":
            init = args["initial"]
            node_id = f"h{len(self.nodes)}"
            self.nodes[node_id] = Node(node_id, node_id, init.init, set(), set(init.init_deps),
                                       False, "initial", None, element)
            return atom(node_id, {node_id})
        atoms = {k: self._atomise(v, element) for k, v in args.items()}
        if kind in ("delay", "delayn", "delayfixed"):
            atoms["time_step"] = self.reference("time_step", None, {}, element)
        fmt = {k: a.run for k, a in atoms.items()}
        fmt["name"] = literal(element)
        tpl = TEMPLATES[kind]
        init_deps = set().union(*(atoms[a].init_deps for a in tpl.init_args))
        s = d = None
        if tpl.continuous:
            s = f"s{len(self.continuous)}"
            self.continuous.append(State(s, tpl.continuous.format(**fmt), set(init_deps), element,
                                         non_negative=bool(getattr(ast, "non_negative", False)),
                                         kind=kind, args={k: a.run for k, a in atoms.items()}))
        if tpl.discrete:
            d = f"d{len(self.discrete)}"
            deps = set(init_deps) | ({s} if s else set())
            self.discrete.append(State(d, tpl.discrete.format(s=s, **fmt), deps, element,
                                       update=tpl.update, kind=kind,
                                       args={k: a.run for k, a in atoms.items()}))
        node_id = f"h{len(self.nodes)}"
        out_deps = {x for x in (s, d) if x} | set().union(
            *(atoms[a].run_deps for a in tpl.output_args))
        output = tpl.output.format(s=s, d=d, **fmt)
        self.nodes[node_id] = Node(node_id, output, output, out_deps, set(out_deps), False,
                                   "state", None, element)
        if s:
            self.continuous[-1].step = tpl.ddt.format(s=s, d=d, **fmt)
        if d:
            self.discrete[-1].step = tpl.payload.format(s=s, d=d, out=node_id, **fmt)
        return atom(node_id, {node_id})


def _unclean(name: str, ranges: dict) -> str:
    """The subscript (range or member) whose clean name is ``name``, or ``name``."""
    for rng, members in ranges.items():
        if py_name(rng) == name:
            return rng
        for m in members:
            if py_name(m) == name:
                return m
    return name
