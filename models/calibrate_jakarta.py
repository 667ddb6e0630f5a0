"""Calibrate the uncertain constants of models/jakarta.mdl against observed 2010-2018 figures.

Run from the repository root::

    python models/calibrate_jakarta.py            # fit, print the table, write models/calibration/jakarta-fit.csv
    python models/calibrate_jakarta.py --check    # no fit: evaluate the constants now in jakarta.mdl

The model is run from 2010 (not 2018) with its "Initial ..." constants replaced by 2010 values and with the
programme history of 2010-2018 fed in as time series (the same mechanism scenarios use). Observed values come
from ../shared/context/jakarta-figures.csv (row named in the output). Errors are relative; the fit minimises
the sum of squared relative errors (scipy.optimize.least_squares). Fitted values are copied into jakarta.mdl
by hand (the script prints them); nothing here edits the model file.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pysd  # noqa: E402

HERE = Path(__file__).resolve().parent
MDL = HERE / "jakarta.mdl"
OUT = HERE / "calibration" / "jakarta-fit.csv"
PARAMS_OUT = HERE / "calibration" / "jakarta-params.csv"
START, END = 2010.0, 2018.0

# Initial state in 2010: observed where the csv has it, otherwise back-cast (stated) or fitted (FIT below).
HISTORY_START = {
    "Initial population": 9.6e6,                      # csv: population 2010 (Global City Indicators)
    "Initial economic output per person": 165.8 * np.exp(-0.052 * 8),  # 2018 value back-cast at 5.2%/yr
    "Initial commuters from the region": 1.38e6 * np.exp(-0.031 * 4),  # csv: BPS 2014 back-cast at 3.1%/yr
    "Initial non revenue water fraction": 0.4835 - (0.4835 - 0.4177) / 4.9,  # csv: 2009 and Nov 2013, interpolated
    "Initial land subsidence": -0.11 * 8,             # so that subsidence is 0 in 2018 (11 cm/yr, csv)
    "Initial normalised river length": 0.0,           # csv: normalisation 2013-2017
    "Initial reservoir area": 250.0,                  # csv: 253.75 ha in 2013
    "Reservoir area target": 270.0,
    "Initial waste reduction participation": 0.02,    # assumption: waste banks spread after 2013
    "Initial cars": 3.226e6 * np.exp(-0.05 * 4),      # csv 2014, back-cast at 5%/yr (assumption)
    "Initial motorcycles": 13.084e6 * np.exp(-0.08 * 4),  # csv 2014, back-cast at 8%/yr (assumption)
    "Initial other public transport capacity": 4.9e6 * np.exp(0.03 * 8),
    "Initial waste in drains": 20000.0,               # assumption: more uncollected waste in 2010
    "Initial landfill remaining capacity": 4e7,       # assumption: not checked (no 2010 figure)
    "MRT phase 1 capacity": 150000.0,
}
HISTORY_INPUTS = {   # programme history as time series (held flat outside the points)
    "River normalisation target": pd.Series([0.0, 0.0, 16.38], index=[2010.0, 2012.99, 2013.0]),
    "Odd even restriction coverage": pd.Series([0.0, 0.0, 0.15, 0.15, 0.3], index=[2010.0, 2016.58, 2016.6, 2018.58, 2018.6]),
    "Waste bank participation target": pd.Series([0.02, 0.02, 0.07], index=[2010.0, 2013.0, 2018.0]),
}
# name: (start = last fitted value, lower, upper)
FIT = {
    "Maximum population growth fraction": (0.08, 0.02, 0.3),
    "Population carrying capacity": (1.14e7, 1.07e7, 1.3e7),
    "Minimum non revenue water fraction": (0.25, 0.1, 0.4),
    "Baseline NRW reduction rate": (0.068, 0.01, 0.3),
    "Persons served per connection": (7.8, 5.0, 10.0),
    "Initial piped water connections": (8.014e5, 6e5, 9e5),
    # waste generation per person follows income with a literature elasticity (0.35, not fitted); the rise of
    # 2010-2018 deliveries above population and income growth is carried by the collection coverage stock
    "Collection coverage improvement rate": (0.14, 0.01, 1.0),
    "Initial waste collection coverage": (0.7, 0.4, 0.97),
    "Collection procurement time": (2.0, 0.5, 6.0),
    "Initial waste collection capacity": (4499.0, 3000.0, 7000.0),
    "Car ownership income elasticity": (0.9, 0.0, 2.0),
    "Motorcycle ownership income elasticity": (1.1, 0.0, 3.0),
    "Initial road capacity": (2.9e6, 2e6, 4e6),
    "Initial TransJakarta capacity": (1.683e5, 1e5, 5.5e5),
    "Initial commuter rail capacity": (4.773e5, 2e5, 8e5),
}
TWO_THOUSAND_TEN_ONLY = {"Initial piped water connections", "Initial waste collection capacity", "Initial waste collection coverage",
                         "Initial TransJakarta capacity", "Initial commuter rail capacity"}
# indicator, year, observed, csv row
OBS = [
    ("Population", 2015, 10.18e6, "population_economy, population (BPS projection), 10.18 million, 2015"),
    ("Population", 2018, 10.4676e6, "population_economy, population (BPS projection), 10.4676 million, 2018"),
    ("Population", 2022, 10.64e6, "population_economy, population (BPS projection), 10.64 million, 2022 [projection made before 2018 data]"),
    ("Population", 2040, 11.28e6, "population_economy, population (BPS projection, peak), 11.28 million, 2040"),
    ("Non revenue water fraction", 2013.875, 0.4177, "water, non-revenue water PAM Jaya (as of Nov), 41.77%, 2013"),
    ("Piped water coverage", 2010, 0.65, "water, Palyja (west half) service coverage ratio, 65%, 2010"),
    ("Piped water connections", 2013, 802659, "water, PAM Jaya connections, 802659, 2013"),
    ("Waste delivered to landfill", 2010, 4500, "waste, waste delivered to Bantargebang, 4500 t/day, 2010"),
    ("Waste delivered to landfill", 2013, 5600, "waste, Jakarta waste delivered to Bantargebang, 5600 t/day, 2013"),
    ("Waste delivered to landfill", 2014, 5664, "waste, Jakarta waste delivered to Bantargebang, 5664 t/day, 2014"),
    ("Waste delivered to landfill", 2015, 6400, "waste, Jakarta waste delivered to Bantargebang, 6400 t/day, 2015"),
    ("Waste delivered to landfill", 2016, 6500, "waste, Jakarta waste delivered to Bantargebang, 6500 t/day, 2016"),
    ("Waste delivered to landfill", 2017, 6875, "waste, Jakarta waste delivered to Bantargebang, 6875 t/day, 2017"),
    ("Waste delivered to landfill", 2018, 7500, "waste, Jakarta waste delivered to Bantargebang, 7500 t/day, 2018"),
    ("Cars", 2014, 3.226e6, "mobility, private cars, Polda Metro Jaya area, 3226009, 2014"),
    ("Cars", 2018, 4.14e6, "mobility, motor vehicles per Korlantas 22498322 (2018) x 2014 car share"),
    ("Motorcycles", 2014, 13.084e6, "mobility, motorcycles, Polda Metro Jaya area, 13084372, 2014"),
    ("Motorcycles", 2018, 16.8e6, "mobility, motor vehicles per Korlantas 22498322 (2018) x 2014 motorcycle share"),
    ("Congestion level", 2017, 0.61, "mobility, TomTom congestion level, 61%, 2017"),
    ("Congestion level", 2018, 0.53, "mobility, TomTom congestion level, 53%, 2018"),
    ("TransJakarta ridership", 2017, 144.72e6, "mobility, TransJakarta annual passengers, 144.72 million, 2017"),
    ("TransJakarta ridership", 2018, 188.9e6, "mobility, TransJakarta annual passengers, 188.9 million, 2018"),
    ("Commuter rail ridership", 2014, 600000 * 365, "mobility, KRL Commuter Line average daily ridership, 600000/day, 2014"),
    ("Commuter rail ridership", 2017, 315.8e6, "mobility, KRL Commuter Line annual passengers, 315.8 million, 2017"),
    ("Public transport mode share", 2017, 0.198, "mobility, public transport use share, Jakarta, 19.8%, 2017"),
    ("Subsidence rate", 2017, 0.11, "water, land subsidence rate, North Jakarta average, 11 cm/yr, 2016-2019"),
]
TIMES = sorted({t for _, t, _, _ in OBS if t <= END} | {END})


def translate() -> Path:
    work = Path(tempfile.mkdtemp(prefix="jakarta-cal-"))
    shutil.copy(MDL, work / MDL.name)
    pysd.read_vensim(str(work / MDL.name))
    return work / "jakarta.py"


def simulate(py: Path, fitted: dict[str, float]) -> dict[tuple[str, float], float]:
    """Run 2010-2018 (and 2018-2040 from the same .mdl for the BPS 2022 and 2040 projections)."""
    model = pysd.load(str(py))
    params = {**HISTORY_START, **HISTORY_INPUTS, **fitted}
    # fleets grew steadily 2010-2018: the capacity targets ramp from the 2010 state to the 2018 initial values
    params["TransJakarta capacity target"] = pd.Series([fitted["Initial TransJakarta capacity"], 530000.0], index=[START, END])
    params["Commuter rail capacity target"] = pd.Series([fitted["Initial commuter rail capacity"], 980000.0], index=[START, END])
    cols = sorted({v for v, _, _, _ in OBS})
    df = model.run(params=params, initial_condition=(START, {}), final_time=END,
                   return_timestamps=TIMES, return_columns=cols)
    out = {(v, t): float(df.loc[t, v]) for v, t, _, _ in OBS if t <= END}
    forward = pysd.load(str(py)).run(params={k: v for k, v in fitted.items() if k not in TWO_THOUSAND_TEN_ONLY},
                                     final_time=2040.0, return_timestamps=[2022.0, 2040.0], return_columns=["Population"])
    for year in (2022, 2040):
        out[("Population", year)] = float(forward.loc[float(year), "Population"])
    return out


def residuals(x, py, names):
    sim = simulate(py, dict(zip(names, x)))
    return np.array([(sim[(v, t)] - obs) / obs for v, t, obs, _ in OBS])


def current_values(names) -> dict[str, float]:
    model = pysd.load(str(PY))
    return {n: float(model[n]) if n not in HISTORY_START else FIT[n][0] for n in names}


def report(py, fitted) -> pd.DataFrame:
    sim = simulate(py, fitted)
    rows = [dict(indicator=v, year=t, observed=obs, simulated=sim[(v, t)], relative_error=(sim[(v, t)] - obs) / obs, source_row=src)
            for v, t, obs, src in OBS]
    return pd.DataFrame(rows)


if __name__ == "__main__":
    warnings.simplefilter("ignore")  # PySD's own pandas/xarray deprecation warnings
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="evaluate the constants in jakarta.mdl without fitting")
    ap.add_argument("--only", nargs="+", metavar="NAME", default=None,
                    help="fit only these constants; the others keep their values in jakarta.mdl (FIT starts for 2010 states)")
    args = ap.parse_args()
    PY = translate()
    names = list(FIT)
    fitted = {n: FIT[n][0] for n in names}   # 2010 initial states: the fitted values kept as FIT starts
    base = pysd.load(str(PY))
    for n in names:
        if n not in TWO_THOUSAND_TEN_ONLY:
            fitted[n] = float(base[n])
    if not args.check:
        free = args.only or names
        unknown = set(free) - set(names)
        if unknown:
            ap.error(f"not in FIT: {sorted(unknown)}")
        held = {n: v for n, v in fitted.items() if n not in free}

        def res_free(x, py, free_names):
            return residuals(np.array([dict(zip(free_names, x)).get(n, held.get(n)) for n in names]), py, names)

        x0 = np.array([FIT[n][0] for n in free])
        lo = np.array([FIT[n][1] for n in free])
        hi = np.array([FIT[n][2] for n in free])
        res = least_squares(res_free, x0, bounds=(lo, hi), args=(PY, free), x_scale=np.abs(x0), diff_step=1e-3, max_nfev=15)
        fitted.update(dict(zip(free, res.x)))
        print("least_squares:", res.message, f"cost={res.cost:.4g}", f"(free: {', '.join(free)})")
    print("\nFitted constants (copy the non-2010 ones into jakarta.mdl):")
    for n, v in fitted.items():
        print(f"  {n:45s} {v:.6g}{'   (2010 initial state, history run only)' if n in TWO_THOUSAND_TEN_ONLY else ''}")
    derived = pysd.load(str(PY)).run(params={**HISTORY_START, **HISTORY_INPUTS, **fitted}, initial_condition=(START, {}),
                                     final_time=END, return_timestamps=[END], return_columns=["Waste collection coverage"])
    print(f"\nDerived 2018 state (copy into jakarta.mdl): Initial waste collection coverage "
          f"{float(derived.loc[END, 'Waste collection coverage']):.4g}")
    table = report(PY, fitted)
    OUT.parent.mkdir(exist_ok=True)
    table.to_csv(OUT, index=False, float_format="%.6g")
    pd.DataFrame([dict(name=n, value=v, kind="initial-2010" if n in TWO_THOUSAND_TEN_ONLY else "constant")
                  for n, v in fitted.items()]).to_csv(PARAMS_OUT, index=False, float_format="%.6g")
    with pd.option_context("display.width", 200, "display.max_colwidth", 60):
        print(table.drop(columns="source_row").to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"\nmean |relative error| = {table.relative_error.abs().mean():.3f}; wrote {OUT}")
    sys.exit(0)
