"""Write the compiled engine's kernel: one numba module per program, from the batch engine's graph.

The batch engine's :func:`~cityfutures.engine.batch.codegen.layout` gives the equations of one program
(overrides, outputs and cuts applied) in run order, as numpy source over readable names. This module
rewrites that source for one run in plain floats (an :mod:`ast` transform, so both engines compute the
same formulas in the same order) and fuses it: runs go in blocks of ``BLOCK``; each run of a block
computes its parameters and initial values, then at every time step one loop over the block's runs
computes every equation, the outputs and the Euler step of every state. That loop reads and writes
only scalars and one flat work array (``_W``: the states and the constants the loop reads, one row of
``BLOCK`` per value), so LLVM vectorises it over the runs; lookups become chains of selects
(:func:`lookup_chain`) and SMOOTH/DELAY chains one local per stage for the same reason. ``run(lo, hi,
...)`` runs runs ``lo`` to ``hi - 1`` in blocks of up to ``BLOCK`` (a single run is a block of one) without
the GIL, so threads run slices of an ensemble in parallel.

Nothing a model file says reaches the source unescaped: names are the batch engine's identifiers
(:func:`~cityfutures.engine.batch.source.identifier`), equations and names go in as one-line ASCII
comments (:func:`~cityfutures.engine.batch.source.comment`), numbers as ``repr`` of floats, and the
parameters are addressed by position, never by their text (the batch engine's ``_P[<literal>]``
becomes ``_c<k>``, ``_f.series(t, *_P[<literal>])`` ``_y<k>``, a stateful's name literal is dropped);
:func:`check_inert` refuses a source holding any other string or a character outside printable ASCII.

Kernel arguments (``N`` runs, ``T`` time steps, ``S`` saved times)::

    times (T,) float, saved (T,) bool, dt float,
    C (n_const, N): constant parameters,
    J0, J1 (n_series, T) int, DEN, DX (n_series, T) float: where each time series is at each step,
    Y0, Y1, ... (N or 1, K_k): each series' values,
    sel (n_kept_dynamic,) int, ssel (n_kept_static,) int: which of ``dynamic``/``static`` are kept (chosen
    at run time, so one kernel serves every choice of variables),
    out (n_kept_dynamic, S, N), static (n_kept_static, N): what is kept,

and, in a kernel with run-time cuts (the layout's ``knocks``,
:func:`~cityfutures.engine.batch.codegen.cut_links`)::

    CUT (N,) int: the group of links each run knocks out (-1: none),
    REF (n_knocks, T) float: each cut cell's reference value at every time step (NaN: the link stays whole
    at that step).

A cut cell ``k`` of group ``g`` reads ``REF[k, i] if CUT[r] == g else source`` (a select: the loop over runs
still vectorises), so one kernel serves every knockout of every link.
"""
from __future__ import annotations

import ast
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...errors import KernelError
from ..batch.codegen import Layout, commented
from ..batch.source import comment

__all__ = ["KernelSource", "kernel_source", "check_inert", "series_index", "stage", "lookup_chain", "PIPELINES",
           "BLOCK", "LLVM_OPTIONS"]

BLOCK = 32
"""Runs computed together in the kernel's inner loop (a whole number of SIMD lanes; the last block of an
ensemble may hold fewer)."""

LLVM_OPTIONS = ("-memory-check-merge-threshold=100000", "-vectorize-memory-check-threshold=100000",
                "-runtime-memory-check-threshold=100000")
"""LLVM's options for every kernel (set process-wide by :mod:`.functions`; part of each kernel file's
hash, so numba's cache never serves a kernel compiled without them). The loop over a block's runs
reads and writes one slot of ``_W`` per value, some hundreds of addresses in one array: past about
150 of them LLVM's loop vectoriser stops merging its runtime alias checks into ranges and gives up
("too many memory checks needed"), and the whole loop stays scalar. These bounds let it merge them
and vectorise (fastmath stays off: each run's arithmetic is the same, lane by lane)."""

HELPERS = hashlib.sha256(Path(__file__).with_name("functions.py").read_bytes()).hexdigest()[:16]
"""Hash of the numba helpers the kernels inline (``functions.py``), written in every kernel's header: numba's
cache checks only the kernel's own file, so a change in the helpers must change the kernel's source (and file)."""

INTRINSICS = hashlib.sha256(Path(__file__).with_name("intrinsics.py").read_bytes()).hexdigest()[:16]
"""Hash of ``intrinsics.py``, written in every kernel's header (lookups, IF THEN ELSE and run-time cuts are its
``pick``), for the reason of :data:`HELPERS`."""

PIPELINES = ("smooth", "delay", "delayn")
"""Continuous states kept as a chain of stages (one local per stage in the kernel)."""


@dataclass(frozen=True)
class KernelSource:
    """The kernel module's source and what its arguments mean.

    Attributes
    ----------
    source : str
        The Python module: the numba function ``run`` (blocks of ``BLOCK`` runs).
    label : str
        The model's file name.
    constants : tuple of str
        Labels of the rows of ``C``.
    series : tuple of str
        Labels of the time series ``Y0, Y1, ...``.
    dynamic : tuple of int
        Positions (in the program's outputs) of the variables ``sel`` chooses from (the rows ``out`` may hold).
    static : tuple of int
        Positions of the variables ``ssel`` chooses from (the rows ``static`` may hold).
    knocks : int
        Rows of ``REF`` (cut cells chosen at run time; 0: the kernel takes no ``CUT`` and ``REF``).
    """

    source: str
    label: str
    constants: tuple
    series: tuple
    dynamic: tuple
    static: tuple
    knocks: int = 0


class _Rewrite(ast.NodeTransformer):
    """numpy source of one expression -> the kernel's per-run source."""

    def __init__(self, constants: dict, series: dict, pointers: dict, stages: dict, tables: dict):
        self.constants, self.series, self.pointers, self.stages = constants, series, pointers, stages
        self.tables, self.pre, self.temps = tables, [], 0
        self.knocks: set = set()     # cut cells (rows of REF) the source reads
        self.initial = True          # initial values: a DELAY FIXED reads its initial value (no ring yet)

    def _param(self, node) -> str | None:
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "_P"
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            return node.slice.value
        return None

    def visit_Subscript(self, node):
        label = self._param(node)
        if label is not None:
            k = self.constants.setdefault(label, len(self.constants))
            return ast.Name(f"_c{k}", ast.Load())
        index = _int(node.slice)
        base = node.value
        if index is not None and isinstance(base, ast.Name) and base.id in self.stages:   # a stage: s[-1]
            return ast.Name(stage(base.id, index % self.stages[base.id]), ast.Load())
        if (index == 0 and isinstance(base, ast.Attribute) and base.attr == "shape"
                and isinstance(base.value, ast.Name) and base.value.id in self.stages):  # s.shape[0]
            return ast.Constant(self.stages[base.value.id])
        return self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr == "state" and isinstance(node.value, ast.Name) and node.value.id in self.pointers:
            ring, pointer = self.pointers[node.value.id]
            return ast.parse(f"{ring}_init" if self.initial else f"{ring}[{pointer}, _j]", mode="eval").body
        return self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            mod, name, args = func.value.id, func.attr, node.args
            if mod == "_f" and name == "series":
                label = self._param(args[1].value) if isinstance(args[1], ast.Starred) else None
                if label is not None:
                    k = self.series.setdefault(label, len(self.series))
                    return ast.Name(f"_y{k}", ast.Load())
            args = [self.visit(a) for a in args]
            if mod == "np" and name == "where":   # IF THEN ELSE: one select (both sides are evaluated, as numpy does)
                return _call("_ki", "pick", [ast.Call(ast.Name("bool", ast.Load()), [args[0]], []),
                                             *(ast.BinOp(a, ast.Mult(), ast.Constant(1.0)) for a in args[1:])])
            if mod == "np" and name in ("logical_and", "logical_or", "logical_not"):
                return _call("_f", {"logical_and": "land", "logical_or": "lor", "logical_not": "lnot"}[name], args)
            if mod == "_f" and name == "knocked":      # a run-time cut: REF in the runs of its group
                k, group = _int(args[0]), _int(args[1])
                self.knocks.add(k)
                ref = f"_REF[{k}, 0]" if self.initial else f"_rf{k}"
                return ast.parse(f"_ki.pick((_u == {group}) & ({ref} == {ref}), {ref}, ({ast.unparse(args[2])}) * 1.0)",
                                 mode="eval").body
            if mod == "_f" and name == "lookup" and isinstance(args[1], ast.Name):
                xs, ys = self.tables[args[1].id[:-1]]
                if np.isfinite(xs).all() and np.isfinite(ys).all():   # a chain of selects (vectorises)
                    temp = f"_lx{self.temps}"
                    self.temps += 1
                    self.pre.append(f"{temp} = {ast.unparse(args[0])}")
                    return ast.parse(lookup_chain(temp, xs, ys), mode="eval").body
                return _call("np", "interp", args)         # a table holding nan or inf: numpy's own rule
            if mod == "_st" and name == "full":
                return ast.Call(ast.Name("float", ast.Load()), [args[0]], [])
            if mod == "_st" and name == "stack":
                return _call("_f", "stack", args[:2])
            if mod == "_st" and name == "delay_init":
                return _call("_f", "delay_init", args[:4])
            if mod == "_st" and name == "DelayFixedPipe":
                return _call("_f", "fixed_length", args[1:3])
            node.args = args
            return node
        return self.generic_visit(node)


def number(value) -> str:
    """A float as source: its ``repr`` (exact), or ``float('nan')``/``float('inf')`` for the others."""
    value = float(value)
    return repr(value) if np.isfinite(value) else f"float('{value!r}')"


def lookup_chain(x: str, xs, ys) -> str:
    """``np.interp(x, xs, ys)`` as one expression of selects on the name ``x`` (no loop, so the loop
    over runs vectorises): the last point at or below ``x`` picks the segment, whose value is numpy's
    ``slope * (x - xs[j]) + ys[j]``; held flat outside the points; nan stays nan."""
    xs, ys = [float(v) for v in xs], [float(v) for v in ys]
    if len(xs) == 1:
        return repr(ys[0])
    chain = repr(ys[0])
    for k in range(len(xs) - 1):
        slope = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
        chain = f"_ki.pick({x} >= {xs[k]!r}, {slope!r} * ({x} - {xs[k]!r}) + {ys[k]!r}, {chain})"
    return f"_ki.pick({x} != {x}, {x}, _ki.pick({x} >= {xs[-1]!r}, {ys[-1]!r}, {chain}))"


def _int(node) -> int | None:
    """The integer an index node holds (``3``, ``-1``), or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) \
            and isinstance(node.operand.value, int):
        return -node.operand.value
    return None


def stage(name: str, i: int) -> str:
    """The local holding stage ``i`` of pipeline ``name`` (identifiers never hold a double ``_``)."""
    return f"{name}__{i}"


def _call(mod: str, name: str, args: list) -> ast.Call:
    return ast.Call(ast.Attribute(ast.Name(mod, ast.Load()), name, ast.Load()), args, [])


def _args(kind: str, code: str) -> list:
    """The argument sources of a stateful call ``_st.<fn>(...)``."""
    call = ast.parse(code, mode="eval").body
    return [ast.unparse(a) for a in call.args]


def kernel_source(lay: Layout, literals: dict, tables: dict, label: str, stages: dict | None = None,
                  knocks: int = 0) -> KernelSource:
    """The kernel module of one program.

    Parameters
    ----------
    lay : Layout
        The program's equations (:func:`cityfutures.engine.batch.codegen.layout`).
    literals : dict
        The graph's float constants: repr -> (name, value).
    tables : dict
        The graph's lookup tables: prefix -> (xs, ys).
    label : str
        The model's file name (a comment, and the kernel's label in messages).
    stages : dict, optional
        State id -> number of stages of each SMOOTH, DELAY and DELAY N pipeline (as the batch engine's
        initialisation finds them): each stage becomes a local of the kernel.
    knocks : int
        Cut cells chosen at run time in ``lay`` (its ``knocks``): the kernel takes ``CUT`` and ``REF``.
    """
    names = lay.names
    stages = {names[sid]: k for sid, k in (stages or {}).items()}
    for st in lay.discrete:          # DELAY N's stage times: as many as its stages
        if st.kind == "delayn":
            partner = next(c for c in lay.continuous if c.kind == "delayn" and c.element == st.element
                           and names[c.id] in stages)
            stages[names[st.id]] = stages[names[partner.id]]
    rings = {names[s.id]: (f"_R{j}", f"_q{j}") for j, s in enumerate(lay.discrete) if s.kind == "delayfixed"}
    constants, series = {}, {}
    rw = _Rewrite(constants, series, rings, stages, tables)

    def expr(code: str, lines: list) -> str:
        text = ast.unparse(ast.fix_missing_locations(rw.visit(ast.parse(code, mode="eval"))))
        lines += rw.pre
        rw.pre = []
        return text

    cont = [(names[s.id], s) for s in lay.continuous]
    disc = [(names[s.id], s) for s in lay.discrete]
    by_name = {names[s.id]: s for s in lay.continuous + lay.discrete}
    init, kept = [], []              # kept: the run's values the time loop reads (slots of _W)
    for name, code in lay.init_pairs:
        st = by_name.get(name)
        if name in stages:               # each stage starts from the same value
            a = [expr(x, init) for x in _args(st.kind, code)]
            call = ast.parse(code, mode="eval").body
            value = f"{a[0]} * {a[1]}" if call.func.attr == "delay_init" else f"float({a[0]})"
            init += [f"{stage(name, i)} = {value}" for i in range(stages[name])]
            kept += [stage(name, i) for i in range(stages[name])]
        elif name in rings:              # DELAY FIXED: its length, its initial value, its pointer
            a = [expr(x, init) for x in _args(st.kind, code)]
            ring, pointer = rings[name]
            init += [f"{name} = {expr(code, init)}", f"{ring}_init = float({a[0]})", f"{pointer} = 0"]
            kept += [name, f"{ring}_init", pointer]
        else:
            init.append((name, expr(code, init)))
            if st is not None:
                kept.append(name)
    dynamic = [k for k, o in enumerate(lay.out_ids) if o not in lay.static]
    static = [k for k, o in enumerate(lay.out_ids) if o in lay.static]
    rw.initial = False
    evals = []
    for n, c in lay.eval_pairs:
        evals.append((n, expr(c, evals)))
    steps, moves = [], []
    for j, ((name, st), code) in enumerate(zip(cont, lay.steps_c)):
        if name in stages:
            k, a = stages[name], [expr(x, steps) for x in _args(st.kind, code)]
            s_ = [stage(name, i) for i in range(k)]
            if st.kind == "smooth":          # each stage chases the one before: (target - s) * k / T
                targets = [a[1]] + s_[:-1]
                steps += [f"_k{j}__{i} = ({targets[i]} - {s_[i]}) * {k} / {a[2]}" for i in range(k)]
            else:                            # DELAY: s / T flows on; DELAY N: each stage's own entry time
                if st.kind == "delay":
                    times = [a[2]] * k
                else:
                    times = [f"_t{j}__{i}" for i in range(k)]
                    steps += [f"_t{j}__0 = {a[3]}"] + [f"_t{j}__{i} = {stage(a[1], i - 1)}" for i in range(1, k)]
                steps += [f"_o{j}__{i} = {s_[i]} / {times[i]}" for i in range(k)]
                inflow = [a[1] if st.kind == "delay" else a[2]] + [f"_o{j}__{i}" for i in range(k - 1)]
                steps += [f"_k{j}__{i} = ({inflow[i]} - _o{j}__{i}) * {k}" for i in range(k)]
            for i in range(k):
                moves.append(f"{s_[i]} = {s_[i]} + _k{j}__{i} * _dt")
                if st.non_negative:
                    moves.append(f"{s_[i]} = np.maximum({s_[i]}, 0.0)")
        else:
            steps.append(f"_k{j} = {expr(code, steps)}")
            moves.append(f"{name} = {name} + _k{j} * _dt")
            if st.non_negative:
                moves.append(f"{name} = np.maximum({name}, 0.0)")
    for j, ((name, st), code) in enumerate(zip(disc, lay.steps_d)):
        if st.kind == "delayn":          # the stage times roll on: the current delay time enters stage 0
            a = _args(st.kind, code)
            k = stages[name]
            steps += [f"_p{j}__0 = {expr(a[1], steps)}"]
            steps += [f"_p{j}__{i} = {stage(name, i - 1)}" for i in range(1, k)]
            moves += [f"{stage(name, i)} = _p{j}__{i}" for i in range(k)]
        elif st.kind == "delayfixed":    # this step's input enters the ring; the pointer moves on
            ring, pointer = rings[name]
            steps.append(f"_p{j} = {expr(code, steps)}")
            moves += [f"{ring}[{pointer}, _j] = _p{j}", f"{pointer} = ({pointer} + 1) % {name}"]
        else:
            steps.append(f"_p{j} = float({expr(code, steps)})")
            moves.append(f"{name} = _p{j}")

    hot = "\n".join(x if isinstance(x, str) else x[1] for x in evals) + "\n" + "\n".join(steps + moves)
    read = set(re.findall(r"\b[A-Za-z_][A-Za-z_0-9]*\b", hot))
    statics = {names[i] for i in lay.static}
    kept += [x[0] for x in init if isinstance(x, tuple) and x[0] in statics and x[0] in read and x[0] not in kept]
    slots = {n: i for i, n in enumerate(dict.fromkeys(kept))}
    outs = [names[lay.out_ids[k]] for k in dynamic]
    n_slots = len(slots) + len(outs)
    args = ["_times", "_saved", "_dt", "_C", "_J0", "_J1", "_DEN", "_DX"]
    args += [f"_Y{k}" for k in range(len(series))] + ["_sel", "_ssel", "_out", "_static"]
    run_cut = ["_u = _CUT[_r]"] if knocks else []
    if knocks:
        args += ["_CUT", "_REF"]
    sig = ", ".join(args)
    out = [f"# {comment(label)}: the compiled engine's kernel (generated by cityfutures from the batch",
           "# engine's graph; numba). Runs go in blocks of _B: initial values run by run, then at each time",
           "# step one loop over the block's runs computes every equation, the outputs and the Euler step",
           "# (the loop numba's LLVM vectorises). Names follow the Vensim names; each cell shows its equation.",
           f"# Helpers: cityfutures.engine.compiled.functions, sha256 {HELPERS}.",
           "import numba", "import numpy as np", "",
           "from cityfutures.engine.compiled import functions as _f", "",
           "_JIT = _f.JIT", ""]
    out.insert(5, f"# Intrinsics: cityfutures.engine.compiled.intrinsics, sha256 {INTRINSICS}.")
    out += ["from cityfutures.engine.compiled import intrinsics as _ki", ""]

    def entry(fname: str, B: int) -> list:
        """The kernel function ``fname`` with blocks of ``B`` runs."""
        load = [f"{n} = int(_W[{slots[n] * B} + _j])" if n.startswith("_q") or n in rings else
                f"{n} = _W[{slots[n] * B} + _j]" for n in slots]
        store = [f"_W[{slots[n] * B} + _j] = {n}" for n in slots]
        first = ["_r = _b + _j", *run_cut, "# parameters of this run"]
        first += [f"_c{k} = _C[{k}, _r]" for k in range(len(constants))]
        first += ["t = _times[0]"]
        first += [f"_y{k} = (_Y{k}[_r * _m{k}, _J1[{k}, 0]] - _Y{k}[_r * _m{k}, _J0[{k}, 0]]) / _DEN[{k}, 0] "
                  f"* _DX[{k}, 0] + _Y{k}[_r * _m{k}, _J0[{k}, 0]]" for k in range(len(series))]
        first += ["# initial values: states, constants and INITIALs"]
        first += commented([x if isinstance(x, tuple) else tuple(x.split(" = ", 1)) for x in init],
                           lay.nodes, names, "")
        first += [f"_S[{j}] = {names[lay.out_ids[k]]}" for j, k in enumerate(static)]
        first += ["for _o in range(_ssel.shape[0]):", "    _static[_o, _r] = _S[_ssel[_o]]"]
        first += store
        hot = ["_r = _b + _j", *run_cut, *load]
        hot += [f"_y{k} = (_Y{k}[_r * _m{k}, _e{k}] - _Y{k}[_r * _m{k}, _a{k}]) / _n{k} * _x{k} "
                f"+ _Y{k}[_r * _m{k}, _a{k}]" for k in range(len(series))]
        hot += commented([x if isinstance(x, tuple) else tuple(x.split(" = ", 1)) for x in evals],
                         lay.nodes, names, "")
        hot += [f"_W[{(len(slots) + o) * B} + _j] = {name}" for o, name in enumerate(outs)]
        hot += ["# derivatives and discrete payloads, then every state moves", *steps, *moves]
        hot += [line for line in store if line.split(" = ")[1] in by_name or "__" in line
                or line.endswith(tuple(p for _, p in rings.values()))]
        taken = {"_B", "_W", "_S", "_b", "_nb", "_j", "_i", "_o", "_row", "t", *args,
                 *(f"_{c}{k}" for c in "mae" for k in range(len(series))),
                 *(f"_{c}{k}" for c in "nx" for k in range(len(series))), *(r for r, _q in rings.values()),
                 *(f"_rf{k}" for k in rw.knocks)}
        hot = single_assignment(hot, taken, "")        # the hot loop keeps the model's names
        first = single_assignment(first, taken, "0")   # its initial values get __0
        body = ["for _j in range(_nb):", *(f"    {line}" for line in first)]
        for name, (ring, _pointer) in rings.items():     # each ring as long as the block's longest
            body += [f"{ring} = np.empty((int(np.max(_W[{slots[name] * B}:{slots[name] * B} + _nb])), _B))",
                     "for _j in range(_nb):",
                     f"    {ring}[:, _j] = _W[{slots[ring + '_init'] * B} + _j]"]
        body += ["_row = 0", "for _i in range(_times.shape[0]):", "    t = _times[_i]"]
        for k in range(len(series)):
            body += [f"    _a{k} = _J0[{k}, _i]", f"    _e{k} = _J1[{k}, _i]", f"    _n{k} = _DEN[{k}, _i]",
                     f"    _x{k} = _DX[{k}, _i]"]
        body += [f"    _rf{k} = _REF[{k}, _i]" for k in sorted(rw.knocks)]
        body += ["    for _j in range(_nb):", *(f"        {line}" for line in hot)]
        body += ["    if _saved[_i]:", "        for _o in range(_sel.shape[0]):", "            for _j in range(_nb):",
                 f"                _out[_o, _row, _b + _j] = _W[({len(slots)} + _sel[_o]) * _B + _j]",
                 "        _row += 1"]
        text = ["", "", "@numba.njit(**_JIT)", f"def {fname}(_lo, _hi, {sig}):",
                f'    """Runs ``_lo`` to ``_hi - 1`` in blocks of up to {B}."""',
                f"    _B = {B}", f"    _W = np.empty({n_slots} * _B)", f"    _S = np.empty({max(len(static), 1)})"]
        text += [f"    _m{k} = 1 if _Y{k}.shape[0] > 1 else 0" for k in range(len(series))]
        text += ["    for _b in range(_lo, _hi, _B):", "        _nb = min(_B, _hi - _b)     # runs in this block"]
        text += [f"        {line}" if line else "" for line in body]
        return text + [""]
    code = entry("run", BLOCK)
    out += _globals(code, literals, tables) + code
    source = "\n".join(out)
    check_inert(source, label)
    return KernelSource(source, label, tuple(constants), tuple(series), tuple(dynamic), tuple(static), knocks)


_NAME = re.compile(r"(?<![\w.])([A-Za-z_]\w*)")


def single_assignment(lines: list, taken: set, tag: str) -> list:
    """Straight-line kernel ``lines`` with each local assigned once: a name assigned again (or already in
    ``taken``, assigned elsewhere in the kernel) becomes ``name__<tag><k>``, and the lines after it read
    that version. Names assigned inside a nested block (indented lines) keep their name everywhere.
    ``taken`` gains every name assigned here (in place).

    numba's SSA pass rewrites the whole function once for every local assigned more than once; in a
    kernel of a few thousand lines, with a few hundred such locals (each state is loaded, then moved),
    that was a fifth of jakarta.mdl's cold compile. The renaming changes no arithmetic.
    """
    nested = {m.group(1) for line in lines if line.startswith(" ")
              for m in [re.match(r"\s+([A-Za-z_]\w*) = ", line)] if m}
    current: dict = {}
    out = []
    for line in lines:
        code, hash_, note = line.partition("#")
        if not code.strip():
            out.append(line)
            continue
        target, eq, value = code.partition(" = ")
        plain = bool(eq) and not line.startswith(" ") and re.fullmatch(r"[A-Za-z_]\w*", target) is not None
        if not plain:
            out.append(_NAME.sub(lambda m: current.get(m.group(1), m.group(1)), code) + hash_ + note)
            continue
        value = _NAME.sub(lambda m: current.get(m.group(1), m.group(1)), value)
        name = target
        if name in taken and name not in nested:
            k = 1
            while f"{target}__{tag}{k if k > 1 or not tag else ''}" in taken:
                k += 1
            name = f"{target}__{tag}{k if k > 1 or not tag else ''}"
        taken.add(name)
        current[target] = name
        out.append(f"{name} = {value}" + hash_ + note)
    return out


def _globals(code: list, literals: dict, tables: dict) -> list:
    """The module-level lines of the literals and lookup tables that ``code`` reads, and only those (the
    graph's tables hold every literal and table of the model: a kernel's source, hash and numba cache
    depend on its program alone)."""
    read = {n.id for n in ast.walk(ast.parse("\n".join(code))) if isinstance(n, ast.Name)}
    lines = [f"{name} = {number(value)}" for name, value in literals.values() if name in read]
    for prefix, (xs, ys) in tables.items():
        if f"{prefix}x" in read or f"{prefix}y" in read:
            lines.append(f"{prefix}x = np.array([{', '.join(number(x) for x in xs)}])")
            lines.append(f"{prefix}y = np.array([{', '.join(number(y) for y in ys)}])")
    return lines


_NUMBER_TEXT = {"nan", "inf", "-inf"}       # float('nan') and the infinities of :func:`number`


def check_inert(source: str, label: str) -> None:
    """Refuse a kernel source that could carry model text as code: it must be printable ASCII and
    hold no string but its functions' docstrings and the words of ``float('nan')``/``float('inf')``.

    Model text reaches a kernel only through :func:`~cityfutures.engine.batch.source.identifier`
    and :func:`~cityfutures.engine.batch.source.comment`; the batch engine's ``_P[<literal>]`` and
    stateful names are rewritten to positions or dropped. This is the check that none survives.

    Raises
    ------
    KernelError
        A string or a character outside printable ASCII in the source (the run then goes to the batch
        engine, with a warning).
    """
    bad = next((c for c in source if not (" " <= c <= "~" or c == "\n")), None)
    if bad is None:
        tree = ast.parse(source)
        docs = {id(f.body[0].value) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
                and isinstance(f.body[0], ast.Expr)}
        bad = next((n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                    and id(n) not in docs and n.value not in _NUMBER_TEXT), None)
    if bad is not None:
        raise KernelError(f"the compiled engine's kernel of {comment(label)} would hold text from the model "
                          f"({bad!a:.40}); not compiled")


def series_index(times: np.ndarray, xs: np.ndarray) -> tuple:
    """Where a time series is at each time: ``(j0, j1, den, dx)`` with value
    ``(y[j1] - y[j0]) / den * dx + y[j0]`` (numpy's interpolation, held flat outside the points)."""
    k = len(xs)
    j = np.searchsorted(xs, times, side="right") - 1
    j0 = np.clip(j, 0, k - 1)
    inside = (j >= 0) & (j < k - 1) & (times != xs[j0])
    j1 = np.where(inside, j0 + 1, j0)
    den = np.where(inside, xs[j1] - xs[j0], 1.0)
    dx = np.where(inside, times - xs[j0], 0.0)
    return j0, j1, den, dx
