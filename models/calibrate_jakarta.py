"""Calibrate the fitted constants of models/jakarta.mdl against observed figures up to 2018.

Run from the repository root::

    python models/calibrate_jakarta.py                # fit, print the table, write models/calibration/*.csv
    python models/calibrate_jakarta.py --check        # no fit: evaluate the constants now in jakarta.mdl
    python models/calibrate_jakarta.py --until 2015   # fit on observations up to 2015 only (the holdout split)

Three blocks, each fitted on its own (no constant belongs to two blocks):

* ``history``: the model run from 2010 to 2019 with its ``Initial ...`` constants replaced by 2010 values
  (observed where the sources have them, back-cast and stated below otherwise, fitted where marked
  ``initial-2010``) and the programme history of 2010-2018 fed in as time series (the same mechanism
  scenarios use). Population, piped water, waste deliveries, fleets, congestion, ridership and mode share.
* ``nrw``: the model run from mid-2008 with the observed NRW of 2008; NRW of 2009 and 2013.
* ``flood``: the 2007 (magnitude 1.0) and 2013 (0.4) events as pulses on the 2018 system: flooded share
  and people affected (log errors); then ``impact``, given that hydrology: peak displaced, deaths and
  damage of the same events.

Observations come from ``../shared/context/`` (named per row); annual figures are compared with the model
at mid-year. The fit minimises squared relative errors
weighted by each series' measurement error (``SIGMA``) and number of points (``scipy.optimize.least_squares``,
trust-region within the constants' documented ranges). Observations
after 2018 are never used. Fitted values are copied into jakarta.mdl by hand (the script prints them and
the 2018 states of the history run); nothing here edits the model file. ``validate_jakarta.py`` uses this
module for the holdout test and the confidence intervals.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from scipy.optimize import least_squares

import cityfutures as cf

HERE = Path(__file__).resolve().parent
MDL = HERE / "jakarta.mdl"
FIT_CSV = HERE / "calibration" / "jakarta-fit.csv"
PARAMS_CSV = HERE / "calibration" / "jakarta-params.csv"
DT = 0.0625
START, END = 2010.0, 2019.0
NRW_START = 2008.5


@dataclass(frozen=True)
class Observation:
    """One observed figure: model ``variable`` at ``time`` [Year] against ``value`` (model units)."""

    series: str
    variable: str
    time: float
    value: float
    source: str
    block: str = "history"
    measure: str = "level"    # level | peak | pulse_total | pulse_max (flood events)
    magnitude: float = 0.0    # flood events: shock magnitude


@dataclass(frozen=True)
class Parameter:
    """A fitted constant: ``kind`` is ``constant`` (copied into the .mdl) or ``initial-2010`` (history only)."""

    name: str
    lower: float
    upper: float
    block: str = "history"
    kind: str = "constant"


CTX = "jakarta-mobility-population.md"
FLD = "jakarta-floods-water-subsidence.md"
OBS = [
    Observation("Population", "Population", 2015.5, 10.18e6, "jakarta-figures.csv: population (BPS projection) 10.18 million, 2015"),
    Observation("Population", "Population", 2018.5, 10.4676e6, "jakarta-figures.csv: population (BPS projection) 10.4676 million, 2018"),
    Observation("Piped water coverage", "Piped water coverage", 2010.5, 0.65, "jakarta-figures.csv: Palyja service coverage ratio 65%, 2010"),
    Observation("Piped water connections", "Piped water connections", 2013.5, 802659, "jakarta-figures.csv: PAM Jaya connections 802,659, 2013"),
    *(Observation("Waste delivered to Bantargebang", "Waste delivered to Bantargebang", y + 0.5, v,
                  f"jakarta-figures.csv: waste delivered to Bantargebang {v:,} t/day, {y}")
      for y, v in ((2010, 4500), (2013, 5600), (2014, 5664), (2015, 6400), (2016, 6500), (2017, 6875), (2018, 7500))),
    Observation("Cars", "Cars", 2014.5, 3.226e6, "jakarta-figures.csv: private cars, Polda Metro Jaya area, 3,226,009, 2014"),
    Observation("Cars", "Cars", 2018.5, 4.14e6, "jakarta-figures.csv: motor vehicles 22,498,322 (Korlantas 2018) x 2014 car share"),
    Observation("Motorcycles", "Motorcycles", 2014.5, 13.084e6, "jakarta-figures.csv: motorcycles, Polda Metro Jaya area, 13,084,372, 2014"),
    Observation("Motorcycles", "Motorcycles", 2018.5, 16.8e6, "jakarta-figures.csv: motor vehicles 22,498,322 (Korlantas 2018) x 2014 motorcycle share"),
    Observation("Congestion level", "Congestion level", 2016.5, 0.58, f"{CTX} section 3: TomTom congestion level 58%, 2016"),
    Observation("Congestion level", "Congestion level", 2017.5, 0.61, "jakarta-figures.csv: TomTom congestion level 61%, 2017"),
    Observation("Congestion level", "Congestion level", 2018.5, 0.53, "jakarta-figures.csv: TomTom congestion level 53%, 2018"),
    Observation("TransJakarta ridership", "TransJakarta ridership", 2014.5, 111.6e6, f"{CTX} section 1: TransJakarta 111.6 million passengers, 2014"),
    Observation("TransJakarta ridership", "TransJakarta ridership", 2015.5, 102.95e6, f"{CTX} section 1: TransJakarta 102.95 million passengers, 2015"),
    Observation("TransJakarta ridership", "TransJakarta ridership", 2016.5, 123.73e6, f"{CTX} section 1: TransJakarta 123.73 million passengers, 2016"),
    Observation("TransJakarta ridership", "TransJakarta ridership", 2017.5, 144.72e6, "jakarta-figures.csv: TransJakarta annual passengers 144.72 million, 2017"),
    Observation("TransJakarta ridership", "TransJakarta ridership", 2018.5, 188.9e6, "jakarta-figures.csv: TransJakarta annual passengers 188.9 million, 2018"),
    Observation("Commuter rail ridership", "Commuter rail ridership", 2013.5, 431886 * 365, f"{CTX} section 1: KRL 431,886 passengers a day, 2013"),
    Observation("Commuter rail ridership", "Commuter rail ridership", 2014.5, 600000 * 365, "jakarta-figures.csv: KRL average daily ridership 600,000, 2014"),
    Observation("Commuter rail ridership", "Commuter rail ridership", 2017.5, 315.8e6, "jakarta-figures.csv: KRL Commuter Line annual passengers 315.8 million, 2017"),
    Observation("Commuter rail ridership", "Commuter rail ridership", 2018.5, 1001438 * 365, f"{CTX} section 1: KRL 1,001,438 passengers a day (June 2018)"),
    Observation("Public transport mode share", "Public transport mode share", 2017.5, 0.198, "jakarta-figures.csv: public transport use share, Jakarta, 19.8%, 2017"),
    Observation("Non revenue water fraction", "Non revenue water fraction", 2009.5, 0.4835, "jakarta-figures.csv: uncounted-for water PAM Jaya 48.35%, 2009", block="nrw"),
    Observation("Non revenue water fraction", "Non revenue water fraction", 2013.875, 0.4177, "jakarta-figures.csv: non-revenue water PAM Jaya 41.77% (Nov), 2013", block="nrw"),
    Observation("Flooded area fraction", "Flooded area fraction", 2007, 0.70, "jakarta-figures.csv: flood 2007, 70% of Jakarta flooded", "flood", "pulse_max", 1.0),
    Observation("Flooded area fraction", "Flooded area fraction", 2013, 0.08, "jakarta-figures.csv: flood 2013, 8% of area inundated", "flood", "pulse_max", 0.4),
    Observation("People affected by floods", "People affected by floods", 2013, 248846, "jakarta-figures.csv: flood 2013, 248,846 affected", "flood", "pulse_total", 0.4),
    Observation("Peak displaced population", "Displaced population", 2007, 340000, f"{FLD} section 1: 340,000 fled their homes, 2007 (BNPB)", "impact", "peak", 1.0),
    Observation("Peak displaced population", "Displaced population", 2013, 83930, "jakarta-figures.csv: flood 2013, 83,930 displaced at the peak", "impact", "peak", 0.4),
    Observation("Flood deaths", "Flood deaths", 2007, 80, f"{FLD} section 1: more than 70 (World Bank) or 80 deaths, 2007", "impact", "pulse_total", 1.0),
    Observation("Flood deaths", "Flood deaths", 2013, 29, "jakarta-figures.csv: flood 2013, 29 deaths (greater Jakarta)", "impact", "pulse_total", 0.4),
    Observation("Flood damage", "Flood damage share of output", 2007, 0.0071,
                f"{FLD} section 1: Rp 5.2 trillion direct damage (Bappenas), 0.71% of that year's GRDP", "impact", "pulse_total", 1.0),
]

# measurement error of each series (relative, or of the log for flood events): the spread between sources
# of the same figure. Errors are weighted by 1/(sigma sqrt(n)), so each series counts as much as its data allow.
SIGMA = {
    "Population": 0.01, "Piped water coverage": 0.05, "Piped water connections": 0.05,
    "Waste delivered to Bantargebang": 0.05, "Cars": 0.05, "Motorcycles": 0.1, "Congestion level": 0.1,
    "TransJakarta ridership": 0.1, "Commuter rail ridership": 0.1, "Public transport mode share": 0.1,
    "Non revenue water fraction": 0.03, "Flooded area fraction": 0.1, "People affected by floods": 0.2,
    "Peak displaced population": 0.3, "Flood deaths": 0.3, "Flood damage": 0.2,
}

PARAMS = [
    Parameter("Out migration rate", 0.003, 0.015),
    Parameter("Persons served per connection", 5.0, 10.0),
    Parameter("Collection coverage improvement rate", 0.01, 1.0),
    Parameter("Initial waste collection coverage", 0.4, 0.97, kind="initial-2010"),
    Parameter("Collection procurement time", 0.5, 6.0),
    Parameter("Initial waste collection capacity", 3000.0, 7000.0, kind="initial-2010"),
    Parameter("Car ownership income elasticity", 0.0, 2.0),
    Parameter("Motorcycle ownership income elasticity", 0.0, 3.0),
    Parameter("Initial road capacity", 3e6, 8e6, kind="initial-2010"),
    Parameter("Initial TransJakarta capacity", 2e5, 6e5, kind="initial-2010"),
    Parameter("Initial commuter rail capacity", 2e5, 1e6, kind="initial-2010"),
    Parameter("Initial commuter rail boardings", 2.5e5, 4.5e5, kind="initial-2010"),
    Parameter("Initial public transport mode share", 0.1, 0.3, kind="initial-2010"),
    Parameter("Baseline NRW reduction rate", 0.01, 0.3, "nrw"),
    Parameter("Median flood load ratio", 0.5, 3.0, "flood"),
    Parameter("Flood load exponent", 2.0, 10.0, "flood"),
    Parameter("Share of flooded residents displaced", 0.03, 0.12, "impact"),
    Parameter("Flood fatality rate", 3e-5, 1.7e-4, "impact"),
    Parameter("Flood damage ratio", 0.001, 0.02, "impact"),
]
BLOCKS = ("history", "nrw", "flood", "impact")

# 2010 states: observed where the sources have them, otherwise back-cast (stated) or fitted (PARAMS)
HISTORY_START = {
    "Initial population": 9607787.0,                      # BPS census 2010 (jakarta-mobility-population.md s. 4)
    "Initial economic output per person": 165.8 * np.exp(-0.052 * 8),  # 2018 value back-cast at 5.2%/yr
    "Initial commuters from the region": 1.38e6 * np.exp(-0.031 * 4),  # BPS 2014 back-cast at 3.1%/yr
    "Initial reservoir area": 250.0,                      # csv: 253.75 ha in 2013
    "Initial normalised river length": 0.0,               # csv: normalisation 2013-2017
    "Initial waste reduction participation": 0.02,        # assumption: waste banks spread after 2013
    "Initial cars": 3.226e6 * np.exp(-0.05 * 4),          # csv 2014, back-cast at 5%/yr (assumption)
    "Initial motorcycles": 13.084e6 * np.exp(-0.08 * 4),  # csv 2014, back-cast at 8%/yr (assumption)
    "Initial other public transport capacity": 6e6 * np.exp(0.03 * 8),  # back-cast at the 3%/yr decline
    "Initial TransJakarta boardings": 114.7e6 / 365,      # 2011 ridership (jakarta-mobility-population.md s. 1)
    # Bantargebang: 2018's remaining 10 million m3 plus the 2010-2017 deliveries (about 46,000 t/day-years of the
    # delivery series at 0.85 t/m3, 20 million m3): the history run reaches 2018 with the model's initial volume
    "Initial landfill remaining capacity": 3.0e7,
    # the constant is generation per person at 2018 income; at 2010 income (output per person back-cast at
    # 5.2%/yr, income elasticity 0.35) it is 0.70 kg, the 0.64 kg of 2005 raised five years
    "Base waste generation per person": 0.811 * np.exp(-0.052 * 8 * 0.35),
    "Initial non revenue water fraction": 0.4835 - (0.4835 - 0.4177) * 0.5 / 4.375,  # csv 2009 and Nov 2013, interpolated
    # supply-limited: the 2013 distribution input at 2010 NRW over the water sold per connection (see the .mdl)
    "Initial piped water connections": 4.92e8 * (1 - (0.4835 - (0.4835 - 0.4177) * 0.5 / 4.375)) / 356.6,
    "Initial odd even circumvention": 0.0,                # the rule starts in 2016
    # subsidence (not fitted): heads back-cast at the assumed 1 m/yr, and the 2010 rate and the compaction before
    # 2010 back-cast on the model's own path so that it reaches 2018 with 11 cm/yr and 2.5 m compacted
    "Initial aquifer head decline": 32.0,
    "Compaction before the run": 1.5,
    "Subsidence rate at the initial time": 0.135,
}
# programme history as time series (held flat outside the points); capacity paths end at the 2018 values
HISTORY_INPUTS = {
    "River normalisation target": ([2010.0, 2012.99, 2013.0], [0.0, 0.0, 16.38]),
    "Reservoir area target": ([2010.0], [270.0]),
    "Odd even restriction coverage": ([2010.0, 2016.58, 2016.6, 2018.58, 2018.6], [0.0, 0.0, 0.15, 0.15, 0.3]),
    "Waste bank participation target": ([2010.0, 2013.0, 2018.0], [0.02, 0.02, 0.07]),
}
TJ_2018, KRL_2018 = 600000.0, 1.1e6    # the 2018 capacities of jakarta.mdl (Initial ... capacity)


def split(obs: Observation, until: float | None) -> str:
    """``calibration`` or ``holdout`` for a fit on data up to ``until``.

    A series with data before 2016 is fitted on its points up to ``until`` and tested on the rest; a
    series whose data start in 2016 or later is fitted on what exists to 2017 and tested on 2018.
    Flood events and the NRW series (all before 2016) are always in the calibration set.
    """
    if until is None or obs.block != "history":
        return "calibration"
    first = min(o.time for o in OBS if o.series == obs.series)
    cut = until + 1 if first < until + 1 else 2018.0
    return "calibration" if obs.time < cut else "holdout"


# ----------------------------------------------------------------------------- model runs
def load(path: Path = MDL):
    """The model, loaded once (translation cached by cityfutures)."""
    return cf.load_model(path)


def _series(times, values, n: int) -> xr.DataArray:
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = np.broadcast_to(values, (n, len(times)))
    return xr.DataArray(values, dims=("run", "time"), coords={"time": np.asarray(times, dtype=float)})


def _simulate(model, params: dict, n: int, start: float, end: float, variables):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return cf.simulate(model, params, n_runs=n, start=start, end=end, dt=DT, saveper=DT, variables=list(variables))


def _at(ds: xr.Dataset, variable: str, t: float) -> np.ndarray:
    return ds[variable].sel(time=t, method="nearest").values


def _theta(theta, names):
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    return theta, {name: theta[:, j] for j, name in enumerate(names)}


def _history_params(values: dict, n: int) -> dict:
    """Parameters of the 2010-2019 history run: 2010 states, programme history, and ``values`` (arrays of N)."""
    params = {**HISTORY_START, **values}
    for name, (times, vals) in HISTORY_INPUTS.items():
        params[name] = _series(times, vals, n)
    tj0 = np.broadcast_to(values["Initial TransJakarta capacity"], (n,))
    krl0 = np.broadcast_to(values["Initial commuter rail capacity"], (n,))
    # TransJakarta grew mainly from 2016 (route network, integration of Kopaja and Metromini); KRL steadily
    params["TransJakarta capacity target"] = _series([START, 2015.0, 2018.0], np.column_stack([tj0, tj0, np.full(n, TJ_2018)]), n)
    params["Commuter rail capacity target"] = _series([START, 2018.0], np.column_stack([krl0, np.full(n, KRL_2018)]), n)
    return params


def simulate_history(model, theta, names, obs=None):
    """Observation table of the 2010-2019 history run for N parameter sets: array (N, n_obs)."""
    obs = [o for o in (OBS if obs is None else obs) if o.block == "history"]
    theta, th = _theta(theta, names)
    ds = _simulate(model, _history_params(th, len(theta)), len(theta), START, END, {o.variable for o in obs})
    return np.column_stack([_at(ds, o.variable, o.time) for o in obs])


def history_states(model, values: dict[str, float]) -> dict[str, float]:
    """The 2018 states of the history run (to copy into the .mdl's Initial ... constants)."""
    names = [p.name for p in PARAMS if p.block == "history"]
    _, th = _theta([[values[n] for n in names]], names)
    wanted = {"Piped water connections": "Initial piped water connections",
              "Waste collection coverage": "Initial waste collection coverage",
              "Waste collection capacity": "Initial waste collection capacity",
              "Road capacity": "Initial road capacity"}
    ds = _simulate(model, _history_params(th, 1), 1, START, END, wanted)
    return {const: float(_at(ds, var, 2018.0)[0]) for var, const in wanted.items()}


def simulate_nrw(model, theta, names, obs=None, until: float = 2014.0):
    """NRW run from mid-2008 (observed 50.01%): array (N, n_obs) of the ``nrw`` block."""
    obs = [o for o in (OBS if obs is None else obs) if o.block == "nrw"]
    theta, th = _theta(theta, names)
    ds = _simulate(model, {"Initial non revenue water fraction": 0.5001, **th}, len(theta), NRW_START, max(until, 2014.0),
                   ["Non revenue water fraction"])
    if not obs:
        return ds
    return np.column_stack([_at(ds, o.variable, o.time) for o in obs])


def pulse(start: float, width: float, height) -> xr.DataArray:
    """A rectangular pulse as the time series the engines feed into a constant (one value per run)."""
    height = np.atleast_1d(np.asarray(height, dtype=float))
    eps = 1e-6
    values = np.column_stack([np.zeros_like(height), height, height, np.zeros_like(height)])
    return xr.DataArray(values, dims=("run", "time"), coords={"time": [start - eps, start, start + width - eps, start + width]})


FLOOD_START, FLOOD_WIDTH = 2018.5, 0.25


def flood_event(model, magnitudes, extra: dict | None = None, dt: float = DT, variables=None) -> xr.Dataset:
    """2018 runs hit by flood pulses of the given magnitudes (one run each), saved every step."""
    mags = np.atleast_1d(np.asarray(magnitudes, dtype=float))
    n = len(mags) if not extra else max(len(mags), *(np.size(v) for v in extra.values()))
    mags = np.broadcast_to(mags, (n,))
    params = {**(extra or {}), "Flood shock input": pulse(FLOOD_START, FLOOD_WIDTH, mags)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return cf.simulate(model, params, n_runs=n, end=2020.0, dt=dt, saveper=dt, variables=variables)


def simulate_flood(model, theta, names, obs=None):
    """Flood-event measures for N parameter sets: array (N, n_obs) of the ``flood`` block."""
    obs = [o for o in (OBS if obs is None else obs) if o.block in ("flood", "impact")]
    theta, th = _theta(theta, names)
    n = len(theta)
    mags = sorted({o.magnitude for o in obs} | {0.0})
    runs = {m: flood_event(model, np.full(n, m), th, variables={o.variable for o in obs} | {"Flood damage", "Gross regional domestic product"})
            for m in mags}
    base = runs[0.0]
    window = (base["time"] >= FLOOD_START - 1e-9) & (base["time"] < FLOOD_START + FLOOD_WIDTH - 1e-9)
    cols = []
    for o in obs:
        run = runs[o.magnitude]
        if o.measure == "pulse_max":
            cols.append(run[o.variable].max("time").values)
        elif o.measure == "peak":
            cols.append((run[o.variable] - base[o.variable]).max("time").values)
        elif o.variable == "Flood damage share of output":   # event damage over the year's output
            extra = ((run["Flood damage"] - base["Flood damage"]).where(window) * DT).sum("time")
            cols.append((extra / base["Gross regional domestic product"].isel(time=0)).values)
        else:
            cols.append(((run[o.variable] - base[o.variable]).where(window) * DT).sum("time").values)
    return np.column_stack(cols)


SIMULATORS = {"history": simulate_history, "nrw": simulate_nrw, "flood": simulate_flood, "impact": simulate_flood}


# ----------------------------------------------------------------------------- fitting
def residuals(sim: np.ndarray, obs: list[Observation]) -> np.ndarray:
    """Weighted errors, shape (N, n_obs): relative for levels, log for flood events, over each series'
    measurement error (``SIGMA``) and the square root of its number of points."""
    counts = pd.Series([o.series for o in obs]).value_counts()
    w = np.array([1.0 / (SIGMA[o.series] * np.sqrt(counts[o.series])) for o in obs])
    value = np.array([o.value for o in obs])
    log = np.array([o.block in ("flood", "impact") for o in obs])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(log, np.log(np.maximum(sim, 1e-300) / value), (sim - value) / value)
    return rel * w


def block_context(block: str, values: dict[str, float]) -> dict[str, float]:
    """Constants a block's runs hold fixed: fitted constants of the other blocks, and the block's own
    2010 states for the history run (never for runs of the 2018 system)."""
    return {p.name: values[p.name] for p in PARAMS
            if p.name in values and (p.kind == "constant" or (block == "history" and p.block == "history"))}


def run_block(model, block: str, theta, names, obs, values: dict[str, float]) -> np.ndarray:
    """Model values at ``obs`` (of one block) for N sets of ``names`` (rows of ``theta``); others from ``values``."""
    theta = np.atleast_2d(np.asarray(theta, dtype=float))
    context = {k: v for k, v in block_context(block, values).items() if k not in names}
    names = list(names) + list(context)
    theta = np.hstack([theta, np.tile(list(context.values()), (len(theta), 1))]) if context else theta
    return SIMULATORS[block](model, theta, names, obs)


@dataclass
class Fit:
    """A block's fitted constants and the model's values at them."""

    block: str
    names: list[str]
    x: np.ndarray
    obs: list[Observation]
    simulated: np.ndarray
    jacobian: np.ndarray | None = None
    message: str = ""
    evaluations: int = 0


def fit_block(model, block: str, obs: list[Observation], values: dict[str, float], *, free=None,
              max_nfev: int = 60) -> Fit:
    """Least-squares fit of one block's free constants to ``obs``, starting from ``values``.

    The Jacobian is one vectorised run of the batch engine (one run per constant, forward differences).
    """
    params = [p for p in PARAMS if p.block == block and (free is None or p.name in free)]
    names = [p.name for p in params]
    if not names:
        sim = run_block(model, block, np.zeros((1, 0)), [], obs, values)
        return Fit(block, [], np.zeros(0), obs, sim[0], None, "nothing fitted", 1)
    lo = np.array([p.lower for p in params])
    hi = np.array([p.upper for p in params])
    scale = np.maximum(np.abs(np.clip([values[n] for n in names], lo, hi)), 1e-12)
    cache: dict = {}

    def evaluate(z):
        key = tuple(np.round(z, 12))
        if key not in cache:
            x = z * scale
            step = 1e-4 * scale
            step = np.where(x + step > hi, -step, step)
            sim = run_block(model, block, np.vstack([x, x + np.diag(step)]), names, obs, values)
            r = residuals(sim, obs)
            cache.clear()
            cache[key] = (r[0], ((r[1:] - r[0]) / step[:, None]).T * scale, sim[0])
        return cache[key]

    z0 = np.clip([values[n] for n in names], lo, hi) / scale
    res = least_squares(lambda z: evaluate(z)[0], z0, jac=lambda z: evaluate(z)[1],
                        bounds=(lo / scale, hi / scale), max_nfev=max_nfev, method="trf")
    _, jac, sim = evaluate(res.x)
    return Fit(block, names, res.x * scale, obs, sim, jac / scale, res.message, res.nfev)


def model_values(model) -> dict[str, float]:
    """Current values of the fitted constants: the .mdl's constants, the 2010 states of jakarta-params.csv."""
    out = {p.name: float(model.variables[p.name].value) for p in PARAMS if p.kind == "constant"}
    if PARAMS_CSV.is_file():
        table = pd.read_csv(PARAMS_CSV)
        out.update({n: float(v) for n, v, k in zip(table.name, table.value, table.kind) if k == "initial-2010"})
    for p in PARAMS:
        out.setdefault(p.name, 0.5 * (p.lower + p.upper))
    return out


def fit_all(model, *, until: float | None = None, values: dict | None = None, blocks=BLOCKS,
            max_nfev: int = 60) -> dict[str, Fit]:
    """Fit every block on the observations of its calibration split (``until``: last year of data used)."""
    values = dict(values or model_values(model))
    fits = {}
    for block in blocks:
        obs = [o for o in OBS if o.block == block and split(o, until) == "calibration"]
        fits[block] = fit_block(model, block, obs, values, max_nfev=max_nfev)
        values.update(dict(zip(fits[block].names, fits[block].x)))
    return fits


def fitted_values(model, fits: dict[str, Fit], values: dict | None = None) -> dict[str, float]:
    out = dict(values or model_values(model))
    for f in fits.values():
        out.update(dict(zip(f.names, f.x)))
    return out


def predict(model, values: dict[str, float], obs=OBS) -> np.ndarray:
    """Model values at every observation for one set of constants."""
    out = np.empty(len(obs))
    for block in BLOCKS:
        idx = [i for i, o in enumerate(obs) if o.block == block]
        if idx:
            out[idx] = run_block(model, block, np.zeros((1, 0)), [], [obs[i] for i in idx], values)[0]
    return out


def fit_table(model, values: dict[str, float], until: float | None = None) -> pd.DataFrame:
    """One row per observation: observed, simulated, relative error, split and source."""
    sim = predict(model, values)
    return pd.DataFrame([{"series": o.series, "variable": o.variable, "year": o.time, "observed": o.value, "simulated": s,
                              "relative_error": (s - o.value) / o.value, "split": split(o, until), "block": o.block, "source": o.source}
                         for o, s in zip(OBS, sim)])


def state_2018(model, values: dict[str, float]) -> dict[str, float]:
    """The 2018 states to copy into jakarta.mdl: history run and NRW run."""
    states = history_states(model, values)
    nrw = simulate_nrw(model, [[values["Baseline NRW reduction rate"]]], ["Baseline NRW reduction rate"], obs=[], until=2018.0)
    states["Initial non revenue water fraction"] = float(_at(nrw, "Non revenue water fraction", 2018.0)[0])
    return states


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="evaluate the constants in jakarta.mdl without fitting")
    ap.add_argument("--until", type=float, default=None, help="fit on observations up to this year only")
    ap.add_argument("--blocks", nargs="+", choices=BLOCKS, default=list(BLOCKS))
    ap.add_argument("--write", action="store_true", help="write calibration/jakarta-fit.csv and jakarta-params.csv")
    args = ap.parse_args(argv)
    model = load()
    values = model_values(model)
    if not args.check:
        fits = fit_all(model, until=args.until, values=values, blocks=args.blocks)
        values = fitted_values(model, fits, values)
        for f in fits.values():
            print(f"{f.block}: {f.message} ({f.evaluations} evaluations)")
    print("\nFitted constants (copy the 'constant' ones into jakarta.mdl):")
    for p in PARAMS:
        print(f"  {p.name:45s} {values[p.name]:.6g}   ({p.kind}, {p.block})")
    states = state_2018(model, values)
    print("\n2018 states of the history runs (copy into jakarta.mdl):")
    for k, v in states.items():
        print(f"  {k:45s} {v:.6g}")
    table = fit_table(model, values, args.until)
    with pd.option_context("display.width", 200, "display.max_colwidth", 50):
        print(table.drop(columns=["source", "variable"]).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"\nmean |relative error| = {table.relative_error.abs().mean():.3f}")
    if args.write:
        FIT_CSV.parent.mkdir(exist_ok=True)
        table.to_csv(FIT_CSV, index=False, float_format="%.6g")
        rows = [{"name": p.name, "value": values[p.name], "kind": p.kind, "block": p.block} for p in PARAMS]
        rows += [{"name": k, "value": v, "kind": "state-2018", "block": "nrw" if "revenue" in k else "history"} for k, v in states.items()]
        pd.DataFrame(rows).to_csv(PARAMS_CSV, index=False, float_format="%.6g")
        print(f"wrote {FIT_CSV} and {PARAMS_CSV}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.exit(main())
