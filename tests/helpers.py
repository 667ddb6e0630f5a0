"""Paths and small builders shared by the tests (import as ``tests.helpers``)."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
MINI_DIR = DATA / "mini"
MINI = MINI_DIR / "mini.mdl"
UNCERTAINTY = DATA / "uncertainty"
TOWN = UNCERTAINTY / "town"
MODELS = REPO / "models"
JAKARTA = MODELS / "jakarta.mdl"
SCENARIOS = REPO / "scenarios"
SRC = REPO / "src" / "cityfutures"
SHARED = REPO.parent / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
REFERENCE = SHARED / "reference-models"

XMILE_HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n'
                '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">\n'
                '<header><vendor>tests</vendor><product version="1">tests</product></header>\n')


def xmile_text(variables: str, *, start=0, stop=4, dt=1, method=None, top: str = "", model_extra: str = "") -> str:
    """A small XMILE 1.0 document holding ``variables`` (XML of <stock>, <flow>, <aux>, ...)."""
    m = f' method="{method}"' if method else ""
    return (XMILE_HEADER + f"<sim_specs{m}><start>{start}</start><stop>{stop}</stop><dt>{dt}</dt></sim_specs>\n"
            + top + f"<model>{model_extra}<variables>\n{variables}\n</variables></model>\n</xmile>\n")


def write_workshop(folder: Path, *, baseline_shock: bool = False, bundles: str | None = None,
                   extra: dict | None = None) -> Path:
    """A small comparison on the mini model, written as YAML files into ``folder``."""
    shock = "shocks:\n  - {kind: flood, year: 2023, magnitude: 2}\n" if baseline_shock else ""
    files = {
        "baseline.yaml": f"name: baseline\ntitle: {{en: Baseline, id: Garis dasar}}\nmodel: {MINI}\n{shock}",
        "drains.yaml": (
            "name: drains\nextends: baseline.yaml\ntitle: {en: More drains, id: Tambah drainase}\n"
            "focus_area: water-waste\ntrack: normal\ninterventions:\n"
            "  - {lever: Drainage investment, add: 10, start: 2019, ramp_years: 2,\n"
            "     cost: {capex_idr_bn: 200, opex_idr_bn_per_year: 5}}\n"),
        "buses.yaml": (
            "name: buses\nextends: baseline.yaml\ntitle: {en: More buses, id: Tambah bus}\n"
            "focus_area: connectivity-mobility\ntrack: quick-win\ninterventions:\n"
            "  - {lever: Bus capacity, set: 400, start: 2019, cost: {capex_idr_bn: 50}}\n"),
        "growth.yaml": (
            "name: growth\nextends: baseline.yaml\ntitle: {en: Growth, id: Pertumbuhan}\n"
            "focus_area: governance\nset: {Growth rate: 0.03}\n"),
        "workshop.yaml": (
            "name: mini-workshop\ntitle: {en: Mini workshop, id: Lokakarya mini}\nbaseline: baseline.yaml\n"
            "interventions: [drains.yaml, buses.yaml, growth.yaml]\n"
            + (bundles if bundles is not None else "bundles:\n  drains-buses: [drains, buses]\n")),
    }
    files.update(extra or {})
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "workshop.yaml"
