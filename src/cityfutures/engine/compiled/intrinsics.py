"""LLVM intrinsics the knockout kernels call (kept apart from :mod:`.functions`, whose hash every kernel's
source carries, so that work on knockouts leaves every other kernel valid in numba's cache)."""
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
