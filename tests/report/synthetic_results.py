"""A small saved result for the chart tests, built by hand as docs/architecture.md describes it.

The Dataset imitates what ``cityfutures.results`` writes for the test model
``tests/data/mini``: dims (scenario, time), per-variable ``units``/``long_name_*``/
``unit_label_*``, scenario coordinates, and a JSON ``shocks`` attribute. The comparison
table imitates ``cityfutures.compare``'s columns. Nothing here runs a model.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import xarray as xr

from tests.helpers import MINI

SCALES = {"People affected by floods": 10.0, "Congestion level": 0.05, "Population": 100.0}   # the mini sidecar's
INDICATORS = {
    # name: (units, focus area, better, label en, label id, unit en, unit id)
    "People affected by floods": ("person/Year", "water-waste", "lower", "People affected by floods",
                                  "Warga terdampak banjir", "people per year", "jiwa per tahun"),
    "Congestion level": ("Dmnl", "connectivity-mobility", "lower", "Congestion level", "Tingkat kemacetan",
                         "extra travel time (fraction)", "tambahan waktu tempuh (fraksi)"),
    "Population": ("person", "governance", "higher", "Population", "Jumlah penduduk", "people", "jiwa"),
}

SCENARIOS = [
    # name, kind, focus area, track, title en, title id, capex, opex, drains/yr, bus, growth, recovery tau
    ("baseline", "baseline", None, None, "Baseline", "Skenario dasar", 0.0, 0.0, 5, 100, 0.02, 1.5),
    ("drains-quick", "intervention", "water-waste", "quick-win", "Clean the drains",
     "Bersihkan saluran", 50.0, 5.0, 8, 100, 0.02, 1.0),
    ("drains-normal", "intervention", "water-waste", "normal", "Build new reservoirs",
     "Bangun waduk baru", 900.0, 20.0, 15, 100, 0.02, 0.6),
    ("bus-quick", "intervention", "connectivity-mobility", "quick-win", "More TransJakarta buses",
     "Tambah bus TransJakarta", 120.0, 30.0, 5, 300, 0.02, 1.5),
    ("growth-normal", "intervention", "governance", "normal", "Slower growth of the city",
     "Pertumbuhan kota lebih lambat", 10.0, 2.0, 5, 100, 0.015, 1.5),
    ("bundle-water-mobility", "bundle", None, None, "Drains and buses together",
     "Saluran dan bus bersama", 170.0, 35.0, 8, 300, 0.02, 1.0),
]
SHOCK = {"kind": "flood", "year": 2021.0, "magnitude": 2.0}
FOCUS_AREAS = {   # the mini model's sidecar, in its order
    "governance": ("Governance and city management", "Tata kelola dan manajemen kota"),
    "preparedness": ("A culture of preparedness", "Budaya siaga bencana"),
    "water-waste": ("Clean water, wastewater and waste", "Air bersih, air limbah dan sampah"),
    "connectivity-mobility": ("Connectivity and mobility", "Konektivitas dan mobilitas"),
    "social-cohesion": ("Social cohesion", "Kohesi sosial"),
}


def build_results() -> xr.Dataset:
    time = np.round(np.arange(2018.0, 2028.0 + 1e-9, 0.25), 6)
    dt = time - 2018.0
    data = {name: [] for name in INDICATORS}
    for (_n, _k, _fa, _tr, _te, _ti, _cx, _ox, drains, bus, growth, tau) in SCENARIOS:
        pop = 1000 * np.exp(growth * dt)
        start = 2019.0
        cap = 100 + 5 * dt + (drains - 5) * np.clip(time - start, 0, None)
        after = time >= SHOCK["year"]
        damage = np.where(after, SHOCK["magnitude"] * 3 * np.exp(-(time - SHOCK["year"]) / tau), 0.0)
        data["People affected by floods"].append(pop * 0.1 * (1 + damage) * 100 / cap)
        trips = pop * 0.5
        served = np.minimum(bus * np.where(time >= 2019, 1, 100 / bus), trips)
        data["Congestion level"].append(np.maximum(0, (trips - served) / 1000))
        data["Population"].append(pop)
    names = [s[0] for s in SCENARIOS]
    ds = xr.Dataset(coords={"scenario": names, "time": ("time", time, {"units": "Year"})})
    for name, (units, _fa, _b, len_, lid, uen, uid) in INDICATORS.items():
        ds[name] = (("scenario", "time"), np.array(data[name]))
        ds[name].attrs.update(units=units, long_name_en=len_, long_name_id=lid, unit_label_en=uen,
                              unit_label_id=uid, better=_b, focus_area=_fa, scale=SCALES[name],
                              scale_reason_en=f"one unit of {len_}", scale_reason_id=f"satu satuan {lid}")
    ds = ds.assign_coords(
        title_en=("scenario", [s[4] for s in SCENARIOS]), title_id=("scenario", [s[5] for s in SCENARIOS]),
        kind=("scenario", [s[1] for s in SCENARIOS]), focus_area=("scenario", [s[2] or "" for s in SCENARIOS]),
        track=("scenario", [s[3] or "" for s in SCENARIOS]),
        cost_capex_idr_bn=("scenario", [s[6] for s in SCENARIOS]),
        cost_opex_idr_bn_per_year=("scenario", [s[7] for s in SCENARIOS]),
        cost_total_idr_bn=("scenario", [s[6] + 10 * s[7] for s in SCENARIOS]))
    ds.attrs.update(
        format="cityfutures-results", format_version=1, indicators=json.dumps(list(INDICATORS)),
        comparison_title_en="Test town: drains and buses", comparison_title_id="Kota uji: saluran dan bus",
        failed_runs="[]", model_name="mini", model_path=str(MINI),
        model_sha256="d4266872287d02f55640a53d724d32e2fdf9a143",
        scenario_sha256=json.dumps({n: f"{i:064x}" for i, n in enumerate(names)}), seed=42, engine="batch",
        cityfutures_version="0.1.0", pysd_version="3.14.3", created="2024-05-01T10:00:00+00:00",
        comparison_name="mini-workshop",
        shocks=json.dumps([{"scenario": n, **SHOCK} for n in names]),
        focus_areas=json.dumps({fa: {"en": en, "id": id_, "color": ""} for fa, (en, id_) in FOCUS_AREAS.items()}),
        shock_labels=json.dumps({"flood": {"en": "Flood", "id": "Banjir"}}))
    return ds


def build_table(ds: xr.Dataset) -> pd.DataFrame:
    """The comparison table (:func:`cityfutures.analysis.compare.comparison_table`)."""
    from cityfutures.analysis.compare import comparison_table
    return comparison_table(ds)
