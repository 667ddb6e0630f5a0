"""Subscripts as cells: every subscripted element is expanded into scalar cells.

The batch engine keeps one array of shape ``(N,)`` (one value per run) per cell, so a
subscripted variable ``Stock[region, mode]`` becomes one cell per ``(region, mode)``
pair, named as Vensim exports it (``Stock[north,rail]``). Subscript ranges, subranges,
copies and mappings are read with PySD's own :class:`SubscriptManager`.
"""
from __future__ import annotations

import itertools
from pathlib import Path

from pysd.builders.python.subscripts import SubscriptManager

__all__ = ["Subscripts", "cell_label"]


def cell_label(name: str, cell: tuple) -> str:
    """Vensim's column name of a cell: ``Name`` or ``Name[a,b]``."""
    return f"{name}[{','.join(cell)}]" if cell else name


class Subscripts:
    """The subscript ranges of a model section and the rules to bind them.

    Parameters
    ----------
    ranges : list of AbstractSubscriptRange
    root : Path
        Folder of the model file (PySD needs it for ranges read from files).
    """

    def __init__(self, ranges, root: Path):
        self.manager = SubscriptManager(list(ranges), root)
        self.ranges: dict[str, list[str]] = dict(self.manager.subscripts)
        self.mapping: dict[str, list] = dict(self.manager.mapping)
        self._elements = {e for subs in self.ranges.values() for e in subs}

    def is_range(self, name: str) -> bool:
        """True when ``name`` is a subscript range (not a single subscript)."""
        return name in self.ranges

    def component_cells(self, subs: list, excepts: list) -> tuple[list, list]:
        """Cells of a component defined over ``subs`` minus its EXCEPT lists.

        Returns
        -------
        dims : list of str
            The binding key (range name) of each position.
        cells : list of tuple
            One tuple of subscripts per cell, in row-major order.
        """
        if not subs:
            return [], [()]
        coords = self.manager.make_coord_dict(list(subs))
        dims = list(coords)
        cells = list(itertools.product(*coords.values()))
        for exc in excepts or []:
            sets = [set(self.ranges[s]) if s in self.ranges else {s} for s in exc]
            cells = [c for c in cells if not all(e in s for e, s in zip(c, sets))]
        return dims, cells

    def element_dims(self, subs_list: list, name: str) -> list:
        """Final dimensions of an element from its components' subscript lists."""
        if not any(subs_list):
            return []
        return list(self.manager.make_merge_list(subs_list, name))

    def resolve(self, ref_subs: list, binding: dict) -> tuple | None:
        """The concrete cell a subscripted reference points at under ``binding``.

        Parameters
        ----------
        ref_subs : list of str
            Subscripts written in the reference (ranges or single subscripts).
        binding : dict
            Range name -> the subscript the current cell holds for it.

        Returns
        -------
        tuple of str, or None when a range cannot be bound (a vector operation).
        """
        out = []
        for sub in ref_subs:
            if sub.endswith("!"):  # bound only inside a reduction (SUM, PROD, VMIN, VMAX)
                if sub not in binding:
                    return None
                out.append(binding[sub])
                continue
            if sub not in self.ranges:
                out.append(sub)
                continue
            if sub in binding:
                out.append(binding[sub])
                continue
            value = self._bind_other(sub, binding)
            if value is None:
                return None
            out.append(value)
        return tuple(out)

    def _bind_other(self, sub: str, binding: dict) -> str | None:
        """Bind range ``sub`` through a range of the binding (same member or a mapping)."""
        members = self.ranges[sub]
        for dim, value in binding.items():  # a subrange, superrange or copy sharing the member
            if value in members and (set(members) <= set(self.ranges.get(dim, members))
                                     or set(self.ranges.get(dim, [])) <= set(members)):
                return value
        for dim, value in binding.items():  # a mapping between ranges: by position
            maps = [m for m in self.mapping.get(sub, []) if isinstance(m, str)]
            maps += [d for d, m in self.mapping.items() if sub in m and isinstance(m, list)]
            if dim in maps and dim in self.ranges:
                pos = self.ranges[dim].index(value)
                if pos < len(members):
                    return members[pos]
        for value in binding.values():
            if value in members:
                return value
        return None

    def position(self, sub: str, binding: dict) -> float | None:
        """Vensim's numeric value of a subscript used as a variable (1-based position)."""
        for main, subranges in self.manager.subranges.items():
            elems = self.ranges[main]
            if sub in elems:
                return float(elems.index(sub) + 1)
            if sub == main or sub in subranges:
                bound = self.resolve([sub], binding)
                if bound is None:
                    return None
                return float(elems.index(bound[0]) + 1)
        return None
