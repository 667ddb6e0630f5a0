"""LLVM intrinsics the kernels call: :func:`pick`, the select behind every IF THEN ELSE, lookup segment and
run-time cut of a kernel.

A select is not a branch: numba turns each ``a if c else b`` into blocks and a variable assigned in two of
them, and its SSA pass then rewrites the whole kernel once for each (about a sixth of jakarta.mdl's cold
compile, measured 13.9 s against 16.7 s); a thousand run-time cuts as if-expressions even made it recurse
past Python's limit. Both sides of a select are computed, as numpy's ``where`` computes them in the batch
engine (no side effects: numpy's float rules, no exceptions).
"""
from __future__ import annotations

from numba.core import types
from numba.extending import intrinsic

__all__ = ["pick"]


@intrinsic
def pick(typingctx, cond, a, b):
    """``a if cond else b`` for floats as one LLVM ``select`` (no branch: a kernel with a thousand run-time
    cuts stays one basic block, which numba's SSA pass and LLVM's vectoriser both need)."""
    if not (isinstance(cond, types.Boolean) and a == types.float64 and b == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return builder.select(args[0], args[1], args[2])

    return types.float64(cond, a, b), codegen
