"""A map of the model's structure per sector: stocks, flows, levers, indicators and cross-sector links.

Drawn from a :class:`~cityfutures.model.structure.Structure` (the model as a graph, built once by
the caller from the loaded model); nothing here reads or runs a model.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch

from ...model.structure import Structure, skeleton
from ..labels import Labels
from . import _common as c

MAX_FULL = 22   # a sector with more elements than this is drawn as its skeleton (key elements only)

KIND_STYLE = {   # face colour, edge colour, box style
    "stock": ("#FFFFFF", "#0072B2", "square,pad=0.45"),
    "flow": ("#E8F4FB", "#56B4E9", "round,pad=0.35"),
    "lever": ("#FFF1D6", "#E69F00", "round,pad=0.35"),
    "indicator": ("#E3F4EE", "#009E73", "round,pad=0.35"),
    "shock": ("#FBE3D6", "#D55E00", "round,pad=0.35"),
    "auxiliary": ("#F4F4F4", "#999999", "round,pad=0.3"),
}


def _layers(nodes: list[str], st: Structure) -> dict[str, int]:
    """Column of each node: longest chain of information links from the sector's inputs (stocks start)."""
    nodes_set = set(nodes)
    preds = defaultdict(set)
    for a, b in st.links:
        if a in nodes_set and b in nodes_set and st.kind.get(b) != "stock":
            preds[b].add(a)
    layer: dict[str, int] = {}

    def depth(n, stack=()):
        if n in layer:
            return layer[n]
        if n in stack or st.kind.get(n) in ("stock", "lever", "shock"):
            return 0
        # in name order: where a loop is cut (and what it memoises) must not follow a set's order
        d = 0 if not preds[n] else 1 + max(depth(p, stack + (n,)) for p in sorted(preds[n]))
        layer[n] = d
        return d

    for n in nodes:
        layer[n] = depth(n)
    return layer


def _chain_rows(stocks: list[str], st: Structure) -> list[list[str]]:
    """The sector's stocks in rows of two: each material chain (a -> b) a row, then the single stocks in
    pairs, in the order of the information that links them."""
    inside = set(stocks)
    chains = sorted((a, b) for a, b in st.inflows if a in inside and b in inside)
    rows, used = [], set()
    for a, b in chains:
        if a in used or b in used:
            continue
        rows.append([a, b])
        used |= {a, b}
    singles = [n for n in stocks if n not in used]
    layer = _layers(singles, Structure(kind=st.kind, sector=st.sector,
                                       links={(x, y) for x, y in st.links if st.kind.get(y) == "stock"}))
    # stocks read no one in _layers (they start chains); order them by a walk along the links instead
    succ = defaultdict(set)
    for x, y in st.links:
        if x in singles and y in singles:
            succ[x].add(y)
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        order.append(n)
        for m in sorted(succ[n]):
            visit(m)

    for n in sorted(singles, key=lambda n: (layer.get(n, 0), -len(succ[n]), n)):
        if not any(n in succ[m] for m in singles if m not in seen and m != n):
            visit(n)
    for n in singles:
        visit(n)
    rows += [order[i:i + 2] for i in range(0, len(order), 2)]
    return rows


def _chain_layout(st: Structure, inside: list[str], incoming: list[str], outgoing: list[str]) -> dict:
    """Positions (axes fraction) for a skeleton: stocks in rows by chain, levers and shocks left of what
    they act on, indicators right of what they read, other sectors at the edges, each column in the
    order of its neighbours' heights so that arrows cross as little as possible."""
    stocks = [n for n in inside if st.kind[n] == "stock"]
    rows = _chain_rows(sorted(stocks), st)
    left = sorted(n for n in inside if st.kind[n] in ("lever", "shock"))
    right = sorted(n for n in inside if st.kind[n] not in ("stock", "lever", "shock"))
    cols = ([incoming] if incoming else []) + [left, None, None, right] + ([outgoing] if outgoing else [])
    cols = [col for col in cols if col is None or col]
    ncols = len(cols)
    pos = {}
    first_stock = cols.index(None)
    # the two stock columns wider than the others, so that a flow between them is a visible arrow
    weights = [1.45 if k in (first_stock, first_stock + 1) else 1.0 for k in range(ncols)]
    edges = np.concatenate([[0.0], np.cumsum(weights)]) / sum(weights)
    xs = {k: float(edges[k] + edges[k + 1]) / 2 for k in range(ncols)}
    nrows = max(len(rows), 1)
    for r, row in enumerate(rows):
        for k, n in enumerate(row):
            pos[n] = (xs[first_stock + k], 1 - (r + 0.5) / nrows)
    links = st.links | st.inflows
    nbr = defaultdict(set)
    for a, b in links:
        nbr[a].add(b)
        nbr[b].add(a)
    # each side column, from the stocks outwards: order by the mean height of its placed neighbours
    order = [k for k in range(first_stock - 1, -1, -1)] + [k for k in range(first_stock + 2, ncols)]
    for k in order:
        col = cols[k]
        def want(n):
            ys = [pos[m][1] for m in sorted(nbr[n]) if m in pos]   # a float sum: in a fixed order
            return -float(np.mean(ys)) if ys else 0.0
        col = sorted(col, key=lambda n: (want(n), n))
        for r, n in enumerate(col):
            pos[n] = (xs[k], 1 - (r + 0.5) / max(len(col), 1))
    return pos, ncols, max([len(rows)] + [len(col) for col in cols if col])


MAX_EXTERNAL = 7   # more elements of other sectors in a column: one box per sector instead


def _collapse_external(st: Structure, incoming: list[str], outgoing: list[str]):
    """A column of more than :data:`MAX_EXTERNAL` elements of other sectors becomes one box per sector
    (``\x00in:<sector>`` / ``\x00out:<sector>``), its links redrawn to that box."""
    alias: dict[str, str] = {}
    groups: dict[str, tuple] = {}

    def collapse(col, tag):
        if len(col) <= MAX_EXTERNAL:
            return col
        out = []
        for n in col:
            key = f"\x00{tag}:{st.sector.get(n)}"
            alias[n] = key
            if key not in groups:
                groups[key] = (st.sector.get(n), 0)
                out.append(key)
            groups[key] = (groups[key][0], groups[key][1] + 1)
        return sorted(out, key=lambda k: str(groups[k][0]))

    incoming, outgoing = collapse(incoming, "in"), collapse(outgoing, "out")
    if not alias:
        return st, incoming, outgoing, groups
    kind = dict(st.kind)
    sector = dict(st.sector)
    for key, (sec, _n) in groups.items():
        kind[key], sector[key] = "external", sec
    links = {(alias.get(a, a), alias.get(b, b)) for a, b in st.links}
    inflows = {(alias.get(a, a), alias.get(b, b)) for a, b in st.inflows}
    return Structure(kind=kind, sector=sector, links=links, inflows=inflows), incoming, outgoing, groups


@dataclass
class SectorLayout:
    """Where a sector's map puts each box (from :func:`sector_layout`).

    Attributes
    ----------
    st : Structure
        What is drawn: the model's structure, or its skeleton when ``reduced``, with other sectors'
        elements of a long column collapsed into one box per sector (the keys of ``groups``).
    inside : list of str
        The sector's own elements.
    incoming, outgoing : list of str
        Elements (or collapsed boxes) of other sectors the sector reads / that read it.
    groups : dict
        Collapsed box -> (its sector, how many elements it stands for).
    pos : dict
        Element -> (x, y), axes fraction, in drawing order.
    ncols, longest : int
        Number of columns, and of boxes in the longest one.
    reduced : bool
        True when the sector is drawn as its skeleton (more than :data:`MAX_FULL` elements).
    """

    st: Structure
    inside: list
    incoming: list
    outgoing: list
    groups: dict
    pos: dict
    ncols: int
    longest: int
    reduced: bool


def sector_layout(st: Structure, sector: str | None) -> SectorLayout:
    """The positions of a sector's map: its elements in columns, inputs from other sectors left, outputs right.

    Every order in it comes from names or from the model's order, never from a set's (the same
    structure gives the same layout in any process, whatever ``PYTHONHASHSEED``).
    """
    inside = [n for n in st.kind if st.sector.get(n) == sector and _shown(st, n)]
    reduced = len(inside) > MAX_FULL
    if reduced:
        st = skeleton(st)
        inside = [n for n in st.kind if st.sector.get(n) == sector]
    all_links = st.links | st.inflows
    incoming = sorted({a for a, b in all_links if b in inside and st.sector.get(a) != sector and _shown(st, a)})
    outgoing = sorted({b for a, b in all_links if a in inside and st.sector.get(b) != sector and _shown(st, b)}
                      - set(incoming))
    st, incoming, outgoing, groups = _collapse_external(st, incoming, outgoing)
    if reduced:   # stocks in rows by chain, levers left of them, indicators right
        layout, ncols, longest = _chain_layout(st, inside, incoming, outgoing)
    else:
        layer = _layers(inside, st)
        columns = [[] for _ in range(max(layer.values(), default=0) + 1)]
        for n in inside:
            columns[layer[n]].append(n)
        order = {"stock": 0, "flow": 1, "lever": 2, "shock": 3, "auxiliary": 4, "indicator": 5}
        for col in columns:
            col.sort(key=lambda n: (order.get(st.kind[n], 9), n))
        cols = ([incoming] if incoming else []) + columns + ([outgoing] if outgoing else [])
        ncols = len(cols)
        longest = max((len(col) for col in cols), default=1)
        layout = {n: ((ci + 0.5) / ncols, 1 - (ri + 0.5) / max(len(col), 1))
                  for ci, col in enumerate(cols) for ri, n in enumerate(col)}
    return SectorLayout(st, inside, incoming, outgoing, groups, layout, ncols, longest, reduced)


def draw_sector(model, st: Structure, sector: str, labels: Labels, ds):
    """One figure: the sector's elements in columns, inputs from other sectors left, outputs right."""
    lay = sector_layout(st, sector)
    st, inside, incoming, outgoing, groups = lay.st, lay.inside, lay.incoming, lay.outgoing, lay.groups
    layout, ncols, longest, reduced = lay.pos, lay.ncols, lay.longest, lay.reduced
    fig = c.figure()
    ax = fig.add_axes([0.02, 0.165, 0.96, 0.67])
    ax.set_axis_off()
    fs = 15 if longest <= 7 and ncols <= 6 else 13 if longest <= 9 and ncols <= 6 else 11 if longest <= 13 else 9
    pos, texts = {}, {}
    # each box as wide as its column allows (measured): the distance to the nearest column, less the padding
    xs = sorted({round(x, 6) for x, _y in layout.values()})
    ax_px = ax.get_position().width * fig.bbox.width
    room = {x: (min([abs(x - o) for o in xs if o != x] or [1.0]) * ax_px - 0.9 * fs * fig.dpi / 72 - 24)
            for x in xs}
    # and no taller than its row: a column of many boxes takes fewer lines a box, in smaller type if need be
    per_col = defaultdict(int)
    for x, _y in layout.values():
        per_col[round(x, 6)] += 1
    ax_h = ax.get_position().height * fig.bbox.height

    def fit_box(text, px, col_n, weight="normal", extra_lines=0):
        for size in np.arange(fs, fs - 3.5, -1.0):
            lines = int((ax_h / max(col_n, 1) - 16) // (1.22 * size * fig.dpi / 72)) - extra_lines
            out, got = c.fit(fig, text, px, size, weight=weight, max_lines=max(1, min(4, lines)))
            if out.count("\n") + 1 <= max(1, lines) and c.text_width(fig, out, got, weight) <= px:
                return out, float(got)
        return out, float(got)

    for n, (x, y) in layout.items():
        external = st.sector.get(n) != sector
        kind = st.kind[n]
        face, edge, box = KIND_STYLE.get(kind, KIND_STYLE["auxiliary"])
        weight = "bold" if kind == "stock" and not external else "normal"
        px, col_n = room[round(x, 6)], per_col[round(x, 6)]
        if n in groups:   # the elements of another sector, as one box
            other, count = groups[n]
            label, size = fit_box(labels.t("structure.external_group", sector=labels.sector(other) if other else
                                           labels.t("structure.no_sector"), n=count), px, col_n)
        elif external:   # the element and, under it, its sector
            other = st.sector.get(n)
            label, size = fit_box(labels.element(n) + " (" + (labels.sector(other) if other else
                                                             labels.t("structure.no_sector")) + ")", px, col_n)
        else:
            label, size = fit_box(labels.element(n), px, col_n, weight)
        if external:
            face, edge, box = "#FFFFFF", "#777777", "round4,pad=0.35"
        txt = ax.text(x, y, label, ha="center", va="center", fontsize=size, zorder=3, fontweight=weight,
                      bbox=dict(boxstyle=box, fc=face, ec=edge, lw=2.5 if kind == "stock" else 1.6,
                                ls="--" if external else "-"))
        pos[n], texts[n] = (x, y), txt
    fig.draw_without_rendering()
    # drawn in name order (a set's order is per process): links, then flows over them
    for (a, b), is_flow in ([((a, b), False) for a, b in sorted(st.links)]
                            + [((a, b), True) for a, b in sorted(st.inflows)]):
        if a not in pos or b not in pos:
            continue
        if not is_flow and (a, b) in st.inflows:
            continue
        if st.sector.get(a) != sector and st.sector.get(b) != sector:
            continue   # two elements of other sectors: not this map's business
        cross = st.sector.get(a) != st.sector.get(b)
        same_col = abs(pos[a][0] - pos[b][0]) < 1e-6
        if reduced:   # straight arrows between columns; an arc only within a column (it would cross boxes)
            rad = 0.35 if same_col else 0.0
        else:
            rad = 0.0 if abs(pos[a][1] - pos[b][1]) < 1e-6 and abs(pos[a][0] - pos[b][0]) < 1.5 / ncols else 0.15
        arrow = FancyArrowPatch(pos[a], pos[b], patchA=texts[a].get_bbox_patch(), patchB=texts[b].get_bbox_patch(),
                                arrowstyle="simple,head_width=9,head_length=10,tail_width=3.5" if is_flow
                                else "-|>,head_width=0.35,head_length=0.7",
                                mutation_scale=1.0 if is_flow else 14,
                                color="#0072B2" if is_flow else ("#D55E00" if cross else "#777777"),
                                lw=0 if is_flow else (2.0 if cross else 1.3) * (0.7 if reduced else 1.0),
                                alpha=0.6 if reduced and not is_flow else 1.0,
                                connectionstyle=f"arc3,rad={rad}", zorder=2, shrinkA=2, shrinkB=2)
        if reduced and cross and not is_flow:
            arrow.set_alpha(0.45)   # many links from other sectors: behind the sector's own
        ax.add_patch(arrow)
    fig.suptitle(labels.t("structure.title", sector=labels.sector(sector)) if sector else
                 labels.t("structure.title_unsectored"), x=0.01, ha="left", y=0.975)
    fig.text(0.01, 0.905, labels.t("structure.subtitle"), fontsize=15, ha="left", va="top", color="#333333")
    if incoming:
        ax.text(pos[incoming[0]][0], 1.03, labels.t("structure.from_other"), transform=ax.transAxes, ha="center",
                fontsize=14, color="#555555", fontstyle="italic")
    if outgoing:
        ax.text(pos[outgoing[0]][0], 1.03, labels.t("structure.to_other"), transform=ax.transAxes, ha="center",
                fontsize=14, color="#555555", fontstyle="italic")
    present = {st.kind[n] for n in inside}
    handles = [Patch(fc=KIND_STYLE[k][0], ec=KIND_STYLE[k][1], lw=2, label=labels.t(f"structure.kind.{k}"))
               for k in ("stock", "flow", "lever", "shock", "auxiliary", "indicator") if k in present]
    handles += [Line2D([], [], color="#0072B2", lw=6, label=labels.t("structure.legend.flow_link")),
                Line2D([], [], color="#777777", lw=1.5, marker=">", label=labels.t("structure.legend.info_link"))]
    if incoming or outgoing:
        handles.append(Line2D([], [], color="#D55E00", lw=2, marker=">", label=labels.t("structure.legend.cross_link")))
    renderer = fig.canvas.get_renderer()
    for ncols in range(min(len(handles), 5), 0, -1):   # as many columns as fit the figure's width
        legend = fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.065), ncols=ncols,
                            frameon=False, fontsize=13)
        if legend.get_window_extent(renderer).width <= 0.98 * fig.bbox.width or ncols == 1:
            break
        legend.remove()
    c.add_footer(fig, ds, labels, labels.t("structure.note_skeleton" if reduced else "structure.note"))
    return fig


def draw_overview(model, st: Structure, labels: Labels, ds):
    """All sectors on a circle, arrows for the number of links from one sector to another."""
    sectors = _sectors(model, st)
    fig = c.figure()
    ax = fig.add_axes([0.02, 0.08, 0.56, 0.8])
    ax.set_axis_off()
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.25, 1.25)
    n = len(sectors)
    pos, texts = {}, {}
    for i, s in enumerate(sectors):
        ang = np.pi / 2 - 2 * np.pi * i / max(n, 1)
        x, y = (np.cos(ang), np.sin(ang)) if n > 1 else (0.0, 0.0)
        inside = [v for v in st.kind if st.sector.get(v) == s]
        stocks = sum(st.kind[v] == "stock" for v in inside)
        txt = ax.text(x, y, c.wrap(labels.sector(s), 18) + "\n" + labels.t("structure.overview.counts",
                      stocks=stocks, elements=len(inside)), ha="center", va="center", fontsize=14, zorder=3,
                      bbox=dict(boxstyle="round,pad=0.6", fc="#E8F4FB", ec="#0072B2", lw=2.5))
        pos[s], texts[s] = (x, y), txt
    counts: dict = defaultdict(int)
    for a, b in st.links | st.inflows:
        sa, sb = st.sector.get(a), st.sector.get(b)
        if sa and sb and sa != sb:
            counts[(sa, sb)] += 1
    fig.draw_without_rendering()
    top = max(counts.values(), default=1)
    badges: list[tuple[float, float]] = []
    for (sa, sb), k in sorted(counts.items()):   # drawn, and their counts placed, in name order
        if sa not in pos or sb not in pos:
            continue
        arrow = FancyArrowPatch(pos[sa], pos[sb], patchA=texts[sa].get_bbox_patch(), patchB=texts[sb].get_bbox_patch(),
                                arrowstyle="-|>,head_width=0.4,head_length=0.8", mutation_scale=18,
                                color="#D55E00", lw=1.5 + 4.5 * k / top, connectionstyle="arc3,rad=0.18",
                                zorder=2, shrinkA=4, shrinkB=4)
        ax.add_patch(arrow)
        # the count on the visible part of the curve (between the boxes), a little past its middle:
        # chords through the centre would stack their counts at their midpoints
        (x0, y0), (x1, y1) = pos[sa], pos[sb]
        dx, dy = x1 - x0, y1 - y0
        # arc3's control point: the chord's midpoint moved by rad x chord, perpendicular
        cx, cy = (x0 + x1) / 2 + 0.18 * dy, (y0 + y1) / 2 - 0.18 * dx
        tt = np.linspace(0, 1, 201)[:, None]
        curve = ((1 - tt) ** 2 * np.array([x0, y0]) + 2 * (1 - tt) * tt * np.array([cx, cy])
                 + tt ** 2 * np.array([x1, y1]))
        shown = np.ones(len(curve), bool)
        for s_ in (sa, sb):   # the part between the two boxes
            bb = texts[s_].get_bbox_patch().get_window_extent().transformed(ax.transData.inverted())
            shown &= ~((curve[:, 0] >= bb.x0) & (curve[:, 0] <= bb.x1)
                       & (curve[:, 1] >= bb.y0) & (curve[:, 1] <= bb.y1))
        vis = curve[shown] if shown.any() else curve
        # a little past the middle, off every box and away from the counts already placed
        boxes = [texts[s_].get_bbox_patch().get_window_extent().transformed(ax.transData.inverted()).expanded(1.15, 1.3)
                 for s_ in sectors]
        mid = 0.58 * (len(vis) - 1)
        mx, my = vis[int(mid)]
        for i in sorted(range(len(vis)), key=lambda i: abs(i - mid)):
            px, py = vis[i]
            if any(b.contains(px, py) for b in boxes):
                continue
            if any(abs(px - qx) < 0.13 and abs(py - qy) < 0.11 for qx, qy in badges):
                continue
            mx, my = px, py
            break
        badges.append((mx, my))
        ax.text(mx, my, str(k), fontsize=13, ha="center", va="center", color="#D55E00", zorder=4,
                bbox=dict(boxstyle="circle,pad=0.2", fc="white", ec="#D55E00", lw=1))
    fig.suptitle(labels.t("structure.overview.title"), x=0.01, ha="left", y=0.975)
    # a side panel: the stocks of each sector, the system's memory
    lines = []
    for s in sectors:
        stocks = [v for v in st.kind if st.sector.get(v) == s and st.kind[v] == "stock"]
        if stocks:
            lines.append((labels.sector(s), [labels.element(v) for v in stocks]))
    fig.text(0.6, 0.86, labels.t("structure.overview.stocks"), fontsize=17, fontweight="bold", va="top")
    sizes = [1 + len(v) for _s, v in lines]
    ncol = 1 if sum(sizes) <= 22 else 2
    # two columns of about equal length: the largest sectors first to the shorter column, each kept whole
    col_of, used = {}, [0] * ncol
    for k in sorted(range(len(lines)), key=lambda k: -sizes[k]):
        j = int(np.argmin(used))
        col_of[k] = j
        used[j] += sizes[k]
    # every line between the panel's title and the note line (0.80 down to 0.085)
    step = min(0.037, 0.715 / max(max(used), 1))
    fs = float(np.clip(np.floor(step / 0.037 * 14), 9, 14))
    col_w = (0.99 - 0.6) / ncol
    yy = [0.80] * ncol
    for k, (sec, names) in enumerate(lines):
        j = col_of[k]
        xcol = 0.6 + j * col_w
        fig.text(xcol, yy[j], c.shorten_px(fig, sec, col_w * fig.bbox.width - 8, fs, "bold"), fontsize=fs,
                 fontweight="bold", va="top", color="#0072B2")
        yy[j] -= step
        for nm in names:
            fig.text(xcol + 0.008, yy[j], c.shorten_px(fig, "▪ " + nm, (col_w - 0.008) * fig.bbox.width - 8, fs),
                     fontsize=fs, va="top")
            yy[j] -= step
    c.add_footer(fig, ds, labels, labels.t("structure.overview.note"))
    return fig


def _shown(st: Structure, name: str) -> bool:
    return st.kind.get(name) not in (None, "constant")


def draw(ds, out_dir: Path, labels: Labels, formats, st: Structure) -> list[Path]:
    """The overview and one map per sector of the structure ``st``; returns the written paths."""
    model = labels.model
    paths: list[Path] = []
    sectors = _sectors(model, st)
    if len(sectors) > 1:
        with c.style():
            paths += c.save(draw_overview(model, st, labels, ds), out_dir, "structure-overview", formats)
    for s in sectors or [None]:
        with c.style():
            fig = draw_sector(model, st, s, labels, ds)
            paths += c.save(fig, out_dir, f"structure-{c.slug(s or 'model')}", formats)
    return paths


def _sectors(model, st: Structure) -> list:
    """Sectors (sidecar order) holding at least one element worth drawing (not only constants)."""
    present = {st.sector.get(n) for n in st.kind if _shown(st, n)}
    out = [s for s in model.sectors if s in present]
    return out + sorted(s for s in present if s and s not in out)
