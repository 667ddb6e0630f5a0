"""Why: the causal pathways that carry each notable effect of a programme, found by knockout.

For a programme (a run of a plan) and an indicator whose change against the baseline at the end of
the horizon is notable (1 % or more), every link ``a -> b`` of the model on a path from the
programme's levers to the indicator is cut in turn at the baseline's trajectory of ``a`` (only
``b``'s equation sees it: :func:`cityfutures.analysis.knockout.knockout`, the one knockout routine);
the share of the effect that disappears is the share that travels along that link.

A **pathway** is a chain of links from a lever to the indicator. Chains are traced backwards from the
indicator: at each element the links into it that carry at least :data:`MIN_SHARE` of the effect are
followed, until a lever is reached (a beam of the strongest partial chains). A chain can carry no
more than its weakest link, and two chains that share a link share what it carries, so chains are
taken strongest first and each is credited with what its links still carry after the chains taken
before it (a flow decomposition). Up to :data:`MAX_PATHWAYS` pathways per effect are reported, with
their shares; what they do not explain is the **interaction** (``1 - explained``): the part of the
effect that no single link carries alone, e.g. where a MIN of capacity and demand switches, or where
two pathways multiply. When the pathways explain less than half of an effect (:data:`EXPLAINED`), it is
reported as an interaction.

Every notable effect is explained: 1 % or more (:data:`NOTABLE`), and every worsening of 0.1 % or more
(:data:`WORSE`), an effect against the programme's purpose. A chain reads best in its short form
(``short_en``, ``short_id``): the lever, the stocks it passes (what accumulates) and the indicator.

>>> table = explain(plan, comparison.table)            # doctest: +SKIP
>>> table.query("scenario == 'waste-banks'")[["indicator", "share", "chain_en"]]   # doctest: +SKIP
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..engine import DEFAULT_ENGINE, check_engine
from ..model import load_model, structure as model_structure
from .knockout import knockout

__all__ = ["explain", "pathways_table", "chains", "links_between", "short_chain", "PATHWAY_COLUMNS", "NOTABLE",
           "WORSE", "MIN_SHARE", "MAX_PATHWAYS", "EXPLAINED"]

NOTABLE = 1.0        # [%] effects at least this large (at the end of the horizon) are explained
WORSE = 0.1          # [%] and worsenings at least this large
MIN_SHARE = 0.1      # links carrying less than this share of an effect are not followed
MAX_PATHWAYS = 3     # pathways reported per effect
EXPLAINED = 0.5      # pathways explaining less than this share: the effect is an interaction
BEAM = 8             # partial chains kept while tracing back
BATCH = 256          # link cuts per engine call

PATHWAY_COLUMNS = ["scenario", "indicator", "kind", "rank", "share", "explained", "interaction", "chain",
                   "chain_en", "chain_id", "short_en", "short_id", "effect_pct", "worse"]
SHORT = 5            # elements of a short chain at most


def _graph(model) -> tuple[dict, dict, dict]:
    """Who reads whom (``out``: element -> readers, ``into``: element -> what it reads) and element kinds."""
    st = _structure(str(model.path), model.sha256)
    out, into = defaultdict(set), defaultdict(set)
    for a, b in st.links | st.inflows:
        out[a].add(b)
        into[b].add(a)
    return out, into, st.kind


@lru_cache(maxsize=8)
def _structure(path: str, sha: str):
    return model_structure.build(load_model(path))


def _reach(start: Iterable[str], nb: Mapping[str, set]) -> set:
    seen, stack = set(), list(start)
    while stack:
        x = stack.pop()
        for y in nb.get(x, ()):
            if y not in seen:
                seen.add(y)
                stack.append(y)
    return seen


def links_between(out: Mapping[str, set], into: Mapping[str, set], levers: Sequence[str],
                  indicators: Sequence[str]) -> list[tuple[str, str]]:
    """The links ``(a, b)`` on some path from a lever to one of the indicators (both graphs by name)."""
    down = _reach(levers, out) | set(levers)
    up = _reach(indicators, into) | set(indicators)
    inside = down & up
    return sorted((a, b) for a in inside for b in out.get(a, ()) if b in inside)


def chains(shares: Mapping[tuple[str, str], float], into: Mapping[str, set], levers: Sequence[str], indicator: str,
           *, min_share: float = MIN_SHARE, beam: int = BEAM, most: int = MAX_PATHWAYS
           ) -> list[tuple[tuple[str, ...], float]]:
    """The pathways of one effect: ``[(chain from a lever to the indicator, credited share), ...]``.

    Parameters
    ----------
    shares : mapping of (a, b) -> share
        The share of the effect that disappears when the link is cut.
    into : mapping of element -> elements it reads
    levers : sequence of str
    indicator : str
    min_share, beam, most : see the module docstring.
    """
    levers = set(levers)
    partial = [((indicator,), 1.0)]
    done: list[tuple[tuple[str, ...], float]] = []
    for _depth in range(200):
        grown = []
        for chain, share in partial:
            head = chain[0]
            for p in into.get(head, ()):
                s = shares.get((p, head), math.nan)
                if p in chain or not (s >= min_share):
                    continue
                item = ((p, *chain), min(share, s))
                (done if p in levers else grown).append(item)
        if not grown:
            break
        partial = sorted(grown, key=lambda c: (-c[1], c[0]))[:beam]
    done.sort(key=lambda c: (-c[1], c[0]))
    used: dict[tuple[str, str], float] = defaultdict(float)
    out = []
    for chain, _share in done:
        links = list(zip(chain[:-1], chain[1:]))
        left = min(1.0, min(shares[link] - used[link] for link in links))   # a link may overshoot (others oppose)
        if left < min_share:
            continue
        for link in links:
            used[link] += left
        out.append((chain, float(left)))
        if len(out) == most:
            break
    return out


def short_chain(chain: Sequence[str], kind: Mapping[str, str], most: int = SHORT) -> tuple[str, ...]:
    """The chain's lever, the stocks and indicators it passes, and its indicator (at most ``most``; when
    it passes no stock, the element after the lever stands for the way)."""
    if len(chain) <= 2:
        return tuple(chain)
    middle = [x for x in chain[1:-1] if kind.get(x) in ("stock", "indicator")] or [chain[1]]
    if len(middle) > most - 2:
        middle = middle[: most - 3] + [middle[-1]]
    return (chain[0], *middle, chain[-1])


def _levers(model, run, base) -> list[str]:
    """The levers a run moves away from the baseline."""
    out = []
    for name in model.levers:
        a, b = run.params.get(name), base.params.get(name)
        if a is None and b is None:
            continue
        if a is None or b is None or not _same(a, b):
            out.append(name)
    return out


def _same(a, b) -> bool:
    if isinstance(a, xr.DataArray) or isinstance(b, xr.DataArray):
        if not (isinstance(a, xr.DataArray) and isinstance(b, xr.DataArray)):
            return False
        return a.sizes == b.sizes and bool(np.allclose(a["time"].values, b["time"].values)
                                           and np.allclose(a.values, b.values, rtol=0, atol=0))
    return float(a) == float(b)


def _label(model, name: str, lang: str) -> str:
    try:
        return model.label(name, lang)
    except KeyError:
        return name


def explain(plan, table: pd.DataFrame, *, threshold: float = NOTABLE, scenarios: Sequence[str] | None = None,
            progress: Callable[[str], None] | None = None, engine: str | None = None) -> pd.DataFrame:
    """The pathways behind every notable effect of every programme of a plan (module docstring).

    Parameters
    ----------
    plan : Plan
        A deterministic plan with a baseline (:func:`cityfutures.build_plan` of a comparison).
    table : pandas.DataFrame
        Its comparison table (:func:`cityfutures.analysis.compare.comparison_table`): which effects are
        notable and their signs.
    threshold : float
        Effects of at least this many percent (either sign) are explained.
    scenarios : sequence of str, optional
        Explain only these runs (default: every programme and bundle).
    progress : callable, optional
        Called with each run's name before it is explained.
    engine : {"compiled", "batch", "pysd"}, optional
        Default :data:`~cityfutures.engine.DEFAULT_ENGINE`. On the compiled engine every knockout of every
        programme runs in the model's one knockout kernel (compiled once per machine); PySD cannot cut a
        link, so its knockouts run on the batch engine.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PATHWAY_COLUMNS`: one row per pathway (``kind`` "pathway", ``rank`` 1, 2, ...),
        plus one row of ``kind`` "interaction" for an effect the pathways explain less than half of;
        ``chain`` is the tuple of element names from the lever to the indicator, ``chain_en`` and
        ``chain_id`` their labels joined by " -> ", ``short_en``/``short_id`` the short form
        (:func:`short_chain`); ``explained`` is the share the reported pathways carry together,
        ``interaction`` = 1 - explained; ``effect_pct`` the change [%]; ``worse`` marks an effect against
        the programme's purpose (the indicator got worse).
    """
    engine = check_engine(DEFAULT_ENGINE if engine is None else engine)
    engine = "batch" if engine == "pysd" else engine
    model = plan.model
    base = next(r for r in plan.runs if r.kind == "baseline")
    out_g, into_g, kind = _graph(model)
    h = plan.horizon
    rows = []
    for run in plan.runs:
        if run.kind == "baseline" or (scenarios is not None and run.name not in scenarios):
            continue
        size = table.delta_end_pct.abs()
        cells = table[(table.scenario == run.name) & np.isfinite(table.delta_end_pct) & ~table.failed.astype(bool)
                      & ((size >= threshold) | ((size >= min(WORSE, threshold)) & (table.improvement_end_pct < 0)))]
        levers = _levers(model, run, base)
        if cells.empty or not levers:
            continue
        if progress is not None:
            progress(run.name)
        inds = list(cells.indicator)
        links = links_between(out_g, into_g, levers, inds)
        if not links:
            continue
        k = knockout(model, dict(run.params), reference=dict(base.params), cuts=links, indicators=inds,
                     measure="end", engine=engine, start=h.start, end=h.end, dt=h.dt, batch=BATCH, together=False)
        kt = k.table
        for cell in cells.itertuples():
            ind = cell.indicator
            part = kt[(kt.indicator == ind) & (kt.kind == "cut")]
            shares = {tuple(p.split(" -> ", 1)): float(s) for p, s in zip(part.pathway, part.share)}
            found = chains(shares, into_g, levers, ind)
            explained = float(sum(s for _c, s in found))
            interaction = max(0.0, 1.0 - explained)
            worse = bool(cell.improvement_end_pct < 0)
            common = dict(scenario=run.name, indicator=ind, explained=explained, interaction=interaction,
                          effect_pct=float(cell.delta_end_pct), worse=worse)
            for rank, (chain, share) in enumerate(found, start=1):
                short = short_chain(chain, kind)
                rows.append(dict(common, kind="pathway", rank=rank, share=share, chain=chain,
                                 chain_en=" -> ".join(_label(model, x, "en") for x in chain),
                                 chain_id=" -> ".join(_label(model, x, "id") for x in chain),
                                 short_en=" -> ".join(_label(model, x, "en") for x in short),
                                 short_id=" -> ".join(_label(model, x, "id") for x in short)))
            if explained < EXPLAINED:
                rows.append(dict(common, kind="interaction", rank=len(found) + 1, share=interaction, chain=(),
                                 chain_en="", chain_id="", short_en="", short_id=""))
    return pd.DataFrame(rows, columns=PATHWAY_COLUMNS)


def pathways_table(ds: xr.Dataset) -> pd.DataFrame:
    """The pathways stored with results (attribute ``pathways``), as :func:`explain` returns them; empty if none."""
    raw = ds.attrs.get("pathways")
    if not raw:
        return pd.DataFrame(columns=PATHWAY_COLUMNS)
    records = json.loads(raw) if isinstance(raw, str) else list(raw)
    df = pd.DataFrame(records, columns=PATHWAY_COLUMNS)
    df["chain"] = [tuple(c) for c in df["chain"]]
    return df
