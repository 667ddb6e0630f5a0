"""``cf.check``: every model check in one call - units, structure lint, equilibrium, reality.

The static checks read the model file through PySD's parse, once per process
(:mod:`cityfutures.model.checks`: units and structure lint); the behaviour checks run it
(:mod:`.equilibrium`, :mod:`.reality`). Findings the model's sidecar silences (``checks.silence``, each with a
reason) are kept apart; the report's exit code is 2 when an error remains (any finding
when ``strict``).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..engine.simulate import simulate
from ..errors import CityfuturesError, InputError, ModelError
from ..model import Model, load_model, resolve_model_path
from ..model.checks.findings import CheckReport, Finding, apply_silences, finding, silences
from ..model.checks.lint import lint
from ..model.checks.units import analyse
from ..model.sidecar import sidecar_path
from ..model.source import read_source
from ..model.structure import ElementGraph, element_graph, is_number
from ..scenario.reality import load_reality, reality_path
from .equilibrium import equilibrium_findings
from .reality import run_reality
from .runs import baseline, stack

__all__ = ["check"]


def _shown(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _minima(model: Model, base) -> dict[str, float]:
    """Smallest value of every scalar variable over a baseline run (for time constants that are computed)."""
    hz = base.horizon
    params = stack(model, hz, [base.params]) if base.params else None
    ds = simulate(model, params, n_runs=1, start=hz.start, end=hz.end, dt=hz.dt, saveper=hz.dt)
    return {name: float(np.nanmin(da.values)) for name, da in ds.data_vars.items()
            if da.size and np.issubdtype(da.dtype, np.number)}


def check(model, reality=None, *, strict: bool = False, samples: int = 32, seed: int = 0,
          run: bool = True) -> CheckReport:
    """Check a Vensim model: units, structure, equilibrium and reality checks.

    Parameters
    ----------
    model : str, Path or Model
        A ``.mdl`` file, a bundled model name, or a loaded model (its sidecar configures
        the checks: indicators, ``equilibrium_stocks``, ``checks.source_tags``,
        ``checks.silence``).
    reality : str or Path, optional
        A reality-check file; by default ``MODEL.reality.yaml`` beside the model when it exists.
    strict : bool
        Warnings count as errors.
    samples : int
        Samples of the baseline scenario's ``uncertain:`` block for the equilibrium check.
    seed : int
        Seed of those samples.
    run : bool
        False skips every check that runs the model (equilibrium, reality, computed time constants).

    Returns
    -------
    CheckReport
        ``.findings``, ``.exit_code``, ``.format_text()``, ``.to_json()``.

    Raises
    ------
    InputError
        The model file or its sidecar, or the reality file, is malformed.

    Examples
    --------
    >>> report = cf.check("models/jakarta.mdl", strict=True)      # doctest: +SKIP
    >>> print(report.format_text())                               # doctest: +SKIP
    """
    path = model.path if isinstance(model, Model) else resolve_model_path(model)
    file = _shown(path)
    source = read_source(path)
    graph = element_graph(path)
    notes: list[str] = []
    findings: list[Finding] = []
    loaded = model if isinstance(model, Model) else None
    if loaded is None and (run or sidecar_path(path).is_file()):
        try:
            loaded = load_model(path)
        except ModelError as exc:
            if exc.path and Path(exc.path).name.endswith(".meta.yaml"):
                raise
            findings.append(finding("not-checked", path.stem, f"PySD cannot load the model, so nothing was run: "
                                    f"{exc.problem}", file=file, line=None))
    units = analyse(graph, source, file=file)
    findings += units.findings
    indicators = list(loaded.indicators) if loaded else []
    tags = loaded.meta.checks.source_tags if loaded is not None and loaded.meta is not None else None
    minima = None
    base = None
    if loaded is not None and run:
        reality_file = Path(reality) if reality is not None else reality_path(loaded)
        rf = load_reality(reality_file, loaded) if (reality is not None or reality_file.is_file()) else None
        base = baseline(loaded, rf.baseline if rf else None)
        try:
            minima = _minima(loaded, base)
        except CityfuturesError as exc:
            findings.append(finding("not-checked", loaded.name, f"the model cannot run, so its behaviour was not "
                                    f"checked: {exc}", file=file, line=None))
            rf = None
        if minima is not None:
            found, note = equilibrium_findings(loaded, base, source, file=file, samples=samples, seed=seed)
            findings += found
            notes += [note] if note else []
            if rf is not None:
                found, note = run_reality(loaded, rf, base)
                findings += [_relative(f) for f in found]
                notes.append(note + f" ({_shown(rf.path)})")
    elif reality is not None and loaded is None:
        raise InputError("reality checks need a model PySD can load", path=file, field="--reality")
    findings += lint(graph, source, units, file=file, time_step=loaded.time_step if loaded else _time_step(graph),
                     outputs=indicators, **({"source_tags": tags} if tags is not None else {}),
                     minima=minima)
    sidecar = _shown(loaded.meta_path) if loaded and loaded.meta_path else None
    not_run = () if minima is not None else ("equilibrium", "reality")
    kept, silenced = apply_silences(findings, silences(loaded.meta if loaded else None), sidecar=sidecar,
                                    not_run=not_run)
    kept.sort(key=lambda f: (f.file != file, f.file, f.line or 0, f.variable, f.rule, f.message))
    return CheckReport(file, tuple(kept), tuple(silenced), strict, tuple(notes))


def _time_step(graph: ElementGraph) -> float | None:
    """TIME STEP when the model writes it as a number (the model is not loaded)."""
    el = graph.elements.get("time_step")
    ast = el.components[0].ast if el is not None else None
    return float(ast) if is_number(ast) and np.ndim(ast) == 0 else None


def _relative(f: Finding) -> Finding:
    return Finding(_shown(Path(f.file)), f.line, f.variable, f.rule, f.severity, f.message)
