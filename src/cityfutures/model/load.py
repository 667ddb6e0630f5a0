"""Loading a model: find the file (Vensim or XMILE), translate it with PySD (cached), read its variables and sidecar.

``load_model`` is the edge where a model file is read and checked; the frozen
:class:`Model` it returns is trusted by everything downstream. PySD's translation is
cached by the file's content hash in a user cache directory (``CITYFUTURES_CACHE_DIR``
or the platform's cache folder), never next to the model file.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from platformdirs import user_cache_dir

from ..errors import ModelError
from ..files import atomic_write, sha256_file
from ..names import CONTROL
from ..resources import check_run_size
from .model import DocumentedLoop, Indicator, Lever, Model, Shock, Variable
from .parse import MODEL_SUFFIXES, READER_VERSION, integration_method, model_format, parse_model
from .sanitise import confined_file, verify_translation
from .sidecar import Sidecar, read_sidecar, sidecar_path

__all__ = ["load_model", "resolve_model_path", "cache_dir", "bundled_models_dir", "translate", "pysd_version"]

_HERE = Path(__file__).resolve()
_RECORD_FORMAT = 2   # of the translation's record (see _translation_info); 2: variables carry ``reads``


# ----------------------------------------------------------------------------- loading
def cache_dir() -> Path:
    """Where translations are cached: ``$CITYFUTURES_CACHE_DIR`` or the user cache folder."""
    env = os.environ.get("CITYFUTURES_CACHE_DIR")
    if env:
        return Path(env)
    return Path(user_cache_dir("cityfutures"))


def bundled_models_dir() -> Path | None:
    """The ``models/`` folder of a source checkout (editable install), if there is one."""
    candidate = _HERE.parents[3] / "models"
    return candidate if candidate.is_dir() else None


def bundled_scenarios_dir() -> Path | None:
    """The ``scenarios/`` folder of a source checkout (beside the bundled ``models/``), if there is one."""
    models = bundled_models_dir()
    candidate = models.parent / "scenarios" if models is not None else None
    return candidate if candidate is not None and candidate.is_dir() else None


def resolve_model_path(ref: str | os.PathLike, relative_to: Path | None = None) -> Path:
    """Find a model by path or by bundled name (``"jakarta"`` -> ``models/jakarta.mdl``).

    Search order: the path itself; relative to ``relative_to`` and its ``../models``;
    ``./models``; the bundled ``models/`` folder. A name without a suffix is tried with each
    of :data:`~cityfutures.model.parse.MODEL_SUFFIXES`. A file found is taken by its content
    (:func:`~cityfutures.model.parse.model_format`): Vensim text ending in ``.mdl``, or XMILE
    (a root element ``<xmile>``) under any name; any other file is an error naming why.
    """
    ref_s = str(ref)
    if not ref_s.strip() or "\x00" in ref_s or not Path(ref_s).name:
        raise ModelError(f"{ref_s!r} names no model file", field="model",
                         allowed="a path to a .mdl file or a bundled model's name, e.g. 'jakarta'")
    p = Path(ref_s)
    names = [p] if p.suffix.lower() in MODEL_SUFFIXES else [p.with_suffix(s) for s in MODEL_SUFFIXES] + [p]
    bases: list[Path] = []
    if p.is_absolute():
        bases = [Path("/")]
    else:
        if relative_to is not None:
            bases += [relative_to, relative_to.parent / "models", relative_to / "models"]
        bases += [Path.cwd(), Path.cwd() / "models"]
        bundled = bundled_models_dir()
        if bundled is not None:
            bases.append(bundled)
    for base in bases:
        for name in names:   # normalised: a ".." after a folder that does not exist yet still resolves
            cand = name if name.is_absolute() else Path(os.path.normpath(base / name))
            if cand.is_file():
                model_format(cand)  # raises when the file is no model, naming why
                return cand.resolve()
    folder = bundled_models_dir() or Path(".")
    available = sorted({x.stem for suffix in MODEL_SUFFIXES for x in folder.glob("*" + suffix)})
    raise ModelError(f"model '{ref_s}' not found", field="model",
                     allowed=f"a path to a model file ({', '.join(MODEL_SUFFIXES)}) or a bundled model: "
                     + ", ".join(available or ["(none)"]))


@lru_cache(maxsize=None)
def pysd_version() -> str:
    """The installed PySD's version (read from its metadata, without importing it)."""
    return importlib.metadata.version("pysd")


def _safe_stem(name: str) -> str:
    """A file name for a translation's module: ASCII letters, digits and ``_`` (PySD writes it into the code)."""
    return "m_" + (re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")[:40] or "model")


def translate(path: Path, sha: str) -> Path:
    """PySD's translation of a model file (Vensim or XMILE), cached under ``cache_dir()/translations``.

    The file is read by :func:`~cityfutures.model.parse.parse_model` (the one reading path,
    shared with the batch engine, where the abstract model is made inert: :mod:`.sanitise`) and
    built by PySD's Python builder into a folder of the cache under safe file names, keyed by the
    file's content and name, PySD's version and the reading code's
    (:data:`~cityfutures.model.parse.READER_VERSION`, which covers :mod:`.sanitise`: a translation
    never outlives the rules that made it). The module is read back before it is kept
    (:func:`~cityfutures.model.sanitise.verify_translation`); nothing is imported before that.
    """
    stem = _safe_stem(path.stem)
    target = cache_dir() / "translations" / f"{sha[:24]}-{stem}-pysd{pysd_version()}-r{READER_VERSION}"
    py = target / (stem + ".py")
    if py.is_file():
        return py
    # only on a miss: a cached translation is read without PySD's modules
    from pysd.builders.python.python_model_builder import ModelBuilder
    abstract_model = parse_model(path).abstract_model
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=target.parent))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ModelBuilder(_written_into(abstract_model, work, stem, path)).build_model()
            except Exception as exc:  # PySD's builder raises many kinds; all mean a bad file
                raise ModelError(f"PySD cannot translate the model: {type(exc).__name__}: {exc}"
                                 .splitlines()[0][:500], path=str(path)) from exc
        verify_translation(work)
        try:
            work.rename(target)
        except OSError:  # another process won the race: use its translation
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return py


def _written_into(abstract_model, folder: Path, stem: str, path: Path):
    """A copy of ``abstract_model`` whose sections PySD's builder writes into ``folder`` under safe names.

    PySD writes a translation next to the file it read (each section's ``path``) and names the
    module after it: the main section becomes ``<stem>.py``, a macro ``<macro>_macro.py``. A GET
    DIRECT SUBSCRIPT file (read while building) is named by its place in the model's folder. The
    parse itself is shared (:func:`~cityfutures.model.parse.parse_model`) and stays as it is.
    """
    sections = []
    for i, s in enumerate(abstract_model.sections):
        subscripts = tuple(dataclasses.replace(r, subscripts={**r.subscripts, "file": str(confined_file(
            r.subscripts["file"], path.parent, path, r.name))}) if isinstance(r.subscripts, dict)
            and "file" in r.subscripts else r for r in s.subscripts)
        name = f"{stem}.py" if i == 0 else f"{_safe_stem(s.name)}_macro.py"
        sections.append(dataclasses.replace(s, path=folder / name, subscripts=subscripts))
    return dataclasses.replace(abstract_model, original_path=folder / f"{stem}{path.suffix}", sections=tuple(sections))


def _finite(x) -> float:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return math.nan
    return x


def _reads(dependencies: Mapping, names: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """Vensim name -> the names its equation reads while the model runs, from PySD's ``dependencies``
    (``names``: PySD name -> Vensim name). A stock reads its flows, a SMOOTH or DELAY its inputs (the
    ``step`` dependencies of the stateful object); an INITIAL's argument is read once and not counted."""
    out: dict[str, tuple[str, ...]] = {}
    for py, name in names.items():
        deps = dependencies.get(py)
        if not isinstance(deps, dict):
            continue
        read: set[str] = set()
        for dep in deps:
            if dep.startswith("_"):
                read.update((dependencies.get(dep) or {}).get("step") or {})
            else:
                read.add(dep)
        out[name] = tuple(sorted(names[r] for r in read if r in names and r != py))
    return out


def _variables(pysd_model) -> dict[str, Variable]:
    doc = pysd_model.doc
    reads = _reads(pysd_model.dependencies, {row[1]: getattr(row, "_0", None) or row[0]
                                             for row in doc.itertuples(index=False)})
    out: dict[str, Variable] = {}
    for row in doc.itertuples(index=False):
        name = getattr(row, "_0", None) or row[0]
        limits = row.Limits if isinstance(row.Limits, tuple) else (math.nan, math.nan)
        value = None
        if row.Type == "Constant" and not row.Subscripts:
            try:
                v = pysd_model[name]
                value = float(v) if not hasattr(v, "shape") or getattr(v, "shape", ()) == () else None
            except Exception:  # a constant PySD cannot evaluate before a run: leave None
                value = None
        units = row.Units if isinstance(row.Units, str) else ""
        comment = row.Comment if isinstance(row.Comment, str) else ""
        subtype = row.Subtype if isinstance(row.Subtype, str) else ""
        kind = row.Type if isinstance(row.Type, str) else ""
        out[name] = Variable(name=name, py_name=row[1], units=units.strip(), kind=kind, subtype=subtype,
                             minimum=_finite(limits[0]), maximum=_finite(limits[1]),
                             doc=comment.strip(), value=value, reads=reads.get(name, ()))
    return out


def _records(side: Sidecar, variables: Mapping[str, Variable]) -> dict:
    """The sidecar's levers, indicators and shocks as records (``side`` is checked against ``variables``)."""
    levers = {name: Lever(name=name, units=variables[name].units, baseline=variables[name].value,
                          minimum=variables[name].minimum, maximum=variables[name].maximum,
                          focus_area=lm.focus_area, label=lm.label, doc=variables[name].doc)
              for name, lm in side.levers.items()}
    indicators = {name: Indicator(name=name, units=variables[name].units, focus_area=im.focus_area,
                                  better=im.better, label=im.label, unit_label=im.unit_label,
                                  scale=im.scale.value if im.scale else None,
                                  scale_reason=im.scale.reason if im.scale else None)
                  for name, im in side.indicators.items()}
    shocks = {kind: Shock(kind=kind, input=sm.input, duration=sm.duration,
                          magnitude_range=tuple(sm.magnitude_range), label=sm.label)
              for kind, sm in side.shocks.items()}
    loops = tuple(DocumentedLoop(name=lm.name, label=lm.label, polarity=lm.polarity, variables=tuple(lm.variables),
                                 cut=tuple(lm.cut)) for lm in side.loops)
    return dict(levers=levers, indicators=indicators, shocks=shocks, loops=loops,
                equilibrium_stocks=tuple(side.equilibrium_stocks), focus_areas=dict(side.focus_areas),
                sectors=dict(side.sectors), labels=dict(side.variables), meta=side)


def load_model(ref: str | os.PathLike | Model, *, relative_to: Path | None = None) -> Model:
    """Load and check a model.

    Parameters
    ----------
    ref : str, path or Model
        A model file (Vensim ``.mdl``; XMILE ``.xmile``, ``.xml``, ``.stmx``) or the name of a
        bundled model (``"jakarta"``). A :class:`Model` is returned unchanged.
    relative_to : Path, optional
        Folder to resolve a relative ``ref`` against first (a scenario file's folder).

    Returns
    -------
    Model
        With ``levers``, ``indicators`` and ``shocks`` filled from ``<name>.meta.yaml``
        when that sidecar exists next to the model.

    Raises
    ------
    ModelError
        The file is missing, PySD cannot translate it, or the sidecar is inconsistent.

    Examples
    --------
    >>> m = load_model("jakarta")                       # doctest: +SKIP
    >>> m.levers["Rail transit capacity"].units          # doctest: +SKIP
    """
    if isinstance(ref, Model):
        return ref
    path = resolve_model_path(ref, relative_to)
    return _load_model_cached(str(path), path.stat().st_mtime_ns)


_MODEL_CACHE: dict[tuple[str, int], Model] = {}


def _load_model_cached(path_s: str, mtime: int) -> Model:
    key = (path_s, mtime)
    if key in _MODEL_CACHE:
        return _MODEL_CACHE[key]
    path = Path(path_s)
    sha = sha256_file(path)
    py = translate(path, sha)
    info = _translation_info(py, path)
    variables = {v["name"]: Variable(**{**v, "reads": tuple(v["reads"])}) for v in info["variables"]}
    meta_path = sidecar_path(path)
    extra: dict = {}
    if meta_path.is_file():
        extra = dict(_records(read_sidecar(meta_path, variables), variables), meta_path=meta_path,
                     meta_sha256=sha256_file(meta_path))
    times = info["times"]        # a model that cannot be stepped through is refused as it is loaded
    check_run_size(times["initial_time"], times["final_time"], times["time_step"], times["saveper"], 1,
                   len(variables), path=str(path))
    model = Model(name=path.stem, path=path, sha256=sha, translation=py, time_units=info["time_units"],
                  variables=variables, format=model_format(path), method=integration_method(path),
                  **times, **extra)
    _MODEL_CACHE[key] = model
    return model


def _translation_info(py: Path, path: Path) -> dict:
    """Variables and time settings of a translation, read once with PySD and kept beside it in the cache.

    A model whose translation is cached loads without importing PySD (``cityfutures validate``
    stays quick); the record is keyed by the translation folder (content hash, file name, PySD version).
    """
    record = py.with_name(py.stem + ".variables.json")
    if record.is_file():
        try:
            info = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):   # a damaged record is made again
            info = {}
        if info.get("format") == _RECORD_FORMAT:    # a record of an older layout is made again
            return info
    import pysd  # only when a translation is read for the first time
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pm = pysd.load(str(py))
        except Exception as exc:
            raise ModelError(f"PySD cannot load the translated model: {type(exc).__name__}: {exc}"
                             .splitlines()[0][:500], path=str(path)) from exc
    variables = _variables(pm)
    try:
        times = {key: float(getattr(pm.components, key)()) for key in CONTROL}
    except Exception as exc:
        raise ModelError(f"the model's time settings cannot be evaluated: {exc}", path=str(path)) from exc
    info = {"format": _RECORD_FORMAT, "variables": [dataclasses.asdict(v) for v in variables.values()],
            "times": times, "time_units": variables["INITIAL TIME"].units if "INITIAL TIME" in variables else ""}
    try:
        atomic_write(record, lambda tmp: tmp.write_text(json.dumps(info), encoding="utf-8"))
    except OSError:   # a read-only cache: the record is only a shortcut
        pass
    return info
