"""Shared fixtures for the Jakarta model tests: translate once per session, run many times.

PySD writes its translation next to the model file, so the model is copied to a session temp
directory first and the repository stays clean. Each run loads the translated module afresh
(``pysd.load`` takes ~0.05 s) because PySD keeps parameters set by ``run(params=...)``.
Behaviour tests run several variants at once on the batch engine (``runs``), which agrees with
PySD to 1e-9 (tests/batch/test_parity_jakarta.py).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import cityfutures as cf

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # chardet deprecation raised on import by pysd's dependency
    import pysd

MODELS = Path(__file__).resolve().parents[2] / "models"
MDL = MODELS / "jakarta.mdl"
META = MODELS / "jakarta.meta.yaml"
DT = 0.0625
INITIAL, FINAL = 2018.0, 2028.0
EVERY_STEP = np.round(np.arange(INITIAL, FINAL + DT / 2, DT), 6)


def _quiet(fn, *args, **kwargs):
    # PySD 3.14 itself triggers pandas/xarray deprecation warnings; they are not the model's.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message=".*inplace.*")
        warnings.filterwarnings("ignore", category=pd.errors.PerformanceWarning)
        return fn(*args, **kwargs)


@pytest.fixture(scope="session")
def translated(tmp_path_factory) -> Path:
    """Path of the PySD translation of a copy of models/jakarta.mdl."""
    work = tmp_path_factory.mktemp("jakarta")
    shutil.copy(MDL, work / MDL.name)
    _quiet(pysd.read_vensim, str(work / MDL.name))
    return work / "jakarta.py"


@pytest.fixture(scope="session")
def run_model(translated):
    """run_model(params=None, every_step=False, **run_kwargs) -> DataFrame of all variables."""
    def run(params=None, every_step=False, **kwargs):
        model = _quiet(pysd.load, str(translated))
        if every_step:
            kwargs.setdefault("return_timestamps", EVERY_STEP)
        return _quiet(model.run, params=params or {}, **kwargs)
    return run


@pytest.fixture(scope="session")
def model_doc(translated) -> pd.DataFrame:
    model = _quiet(pysd.load, str(translated))
    return model.doc.set_index("Real Name")


@pytest.fixture(scope="session")
def baseline(run_model) -> pd.DataFrame:
    """Baseline run saved at every time step (for stock-flow balances)."""
    return run_model(every_step=True)


@pytest.fixture(scope="session")
def jakarta(tmp_path_factory):
    """The Jakarta model loaded by cityfutures (translation cached in a session folder)."""
    old = os.environ.get("CITYFUTURES_CACHE_DIR")
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cfcache")))
    try:
        yield cf.load_model(MDL)
    finally:
        if old is not None:
            os.environ["CITYFUTURES_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def runs(jakarta):
    """runs(cases, variables=None, **simulate_kwargs) -> {case: DataFrame (time x variable)}.

    ``cases`` maps a case name to its parameters (constants, or series from :func:`step` and
    :func:`pulse`); every case runs in one call of the batch engine, unset constants at their values.
    """
    def run(cases: dict, variables=None, **kwargs):
        names = list(cases)
        keys = sorted({k for c in cases.values() for k in c})
        params = {}
        for key in keys:
            default = jakarta.variables[key].value
            vals = [cases[n].get(key, default) for n in names]
            vals = [v.fillna(default) if isinstance(v, pd.Series) else v for v in vals]
            series = [v for v in vals if isinstance(v, pd.Series)]
            if not series:
                params[key] = np.array(vals, dtype=float)
                continue
            times = sorted({t for v in series for t in v.index})
            rows = [np.interp(times, v.index, v.values) if isinstance(v, pd.Series) else np.full(len(times), v)
                    for v in vals]
            params[key] = xr.DataArray(np.array(rows), dims=("run", "time"), coords={"time": times})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ds = cf.simulate(jakarta, params, n_runs=len(names), variables=variables, **kwargs)
        out = {}
        for i, n in enumerate(names):
            frame = ds.isel(run=i).to_dataframe()
            out[n] = frame[[c for c in frame.columns if c != "run"]]
        return out
    return run


@pytest.fixture(scope="session")
def calibration():
    """models/calibrate_jakarta.py as a module (observations, fits, flood-event runs)."""
    spec = importlib.util.spec_from_file_location("calibrate_jakarta", MODELS / "calibrate_jakarta.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod          # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def step(value: float, year: float = 2019.0, before: float | None = None) -> pd.Series:
    """A constant that changes to ``value`` at ``year`` (``before``: its value until then, default the
    model's), as scenarios apply a lever: the model's reference states stay those of the initial time."""
    eps = 1e-6
    return pd.Series([np.nan if before is None else before, value], index=[year - eps, year])


def pulse(start: float, width: float, height: float) -> pd.Series:
    """A rectangular pulse as the time series the engines feed into a constant."""
    eps = 1e-6
    return pd.Series([0.0, height, height, 0.0], index=[start - eps, start, start + width - eps, start + width])


# ----------------------------------------------------------------------------- parsing the .mdl
_EQ = re.compile(r"^([^\n~|=*{}]+?)\s*(=|\()\s*\n(.*?)\n\t~\t(.*?)\n\t~\t(.*?)\n\t\|", re.DOTALL | re.MULTILINE)


def parse_mdl(text: str | None = None) -> dict[str, dict]:
    """Name -> {'eq', 'units', 'range', 'doc', 'lookup'} for every equation of the model file."""
    text = text if text is not None else MDL.read_text(encoding="utf-8")
    text = text.split("\\\\\\---///")[0]
    out = {}
    for m in _EQ.finditer(text):
        name, kind, eq, unit_field, doc = (g.strip() for g in m.groups())
        rng = None
        if "[" in unit_field:
            unit_field, rng = unit_field.split("[", 1)
            rng = "[" + rng
        out[name] = {"eq": " ".join(eq.split()), "units": unit_field.strip(), "range": rng,
                     "doc": " ".join(doc.split()), "lookup": kind == "("}
    return out


def mdl_groups() -> list[str]:
    return re.findall(r"^\*+\n\t\.(\w+)\n\*+~", MDL.read_text(encoding="utf-8"), re.MULTILINE)


def stocks(eqs: dict[str, dict]) -> dict[str, tuple[list[tuple[int, str]], str]]:
    """Stock -> ([(sign, flow name), ...], initial-value expression)."""
    out = {}
    for name, e in eqs.items():
        m = re.fullmatch(r"INTEG\((.*),\s*([^,]+)\)", e["eq"])
        if not m:
            continue
        rate = m.group(1).strip()
        terms = []
        for sign, flow in re.findall(r"(^|[+-])\s*([A-Za-z][A-Za-z0-9 ]*[A-Za-z0-9])", rate):
            terms.append((-1 if sign == "-" else 1, flow.strip()))
        out[name] = (terms, m.group(2).strip())
    return out
