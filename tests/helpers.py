"""Paths and small builders shared by the tests (import as ``tests.helpers``)."""
from __future__ import annotations

import re
import shutil
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
SIR = REFERENCE / "samples" / "SIR" / "SIR.mdl"
VILLAGE = DATA / "checks"
"""The model checks' test village: a clean model, its sidecar, reality checks and baseline scenario."""


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
        "baseline.yaml": f"name: baseline\ntitle: {{en: Baseline, id: Skenario dasar}}\nmodel: {MINI}\n{shock}",
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


def seeded(folder: Path, *edits: tuple[str, str], files=("village.mdl",)) -> Path:
    """A copy of the test village in ``folder`` with each ``(old, new)`` replaced exactly once.

    ``files`` names the file each edit applies to (the last one for the remaining edits).
    """
    for src in VILLAGE.iterdir():
        shutil.copy2(src, folder / src.name)
    for i, (old, new) in enumerate(edits):
        target = folder / files[min(i, len(files) - 1)]
        text = target.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {target.name}"
        target.write_text(text.replace(old, new), encoding="utf-8")
    return folder / "village.mdl"


def line_of(path: Path, name: str) -> int:
    """The line where element ``name`` is defined, found by reading the text (independently of the checks)."""
    pattern = re.compile(rf"^{re.escape(name)}\s*(=|\(|:)")
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.match(line):
            return i
    raise AssertionError(f"{name} is not defined in {path}")


def only(findings, rule: str) -> list:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]


def write_catalogue(folder: Path, n: int, *, seed: int = 0, indicators: int = 4) -> Path:
    """A synthetic catalogue of ``n`` programmes on a model of ``n`` levers, written into ``folder``: each
    indicator grows with a weighted sum of its levers and with the product of two of them (so portfolios
    interact), each programme adds to one lever at a random cost. For the evolutionary search and its
    benchmark; made up, never shipped as real programmes. Returns the comparison file."""
    import numpy as np
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    of = rng.integers(0, indicators, n)
    eqs = []
    for j in range(indicators):
        mine = np.flatnonzero(of == j)
        terms = [f"{rng.uniform(0.2, 2):.3f} * Lever {k + 1}" for k in mine] or ["0"]
        if len(mine) >= 2:
            terms.append(f"{rng.uniform(-0.3, 0.3):.3f} * Lever {mine[0] + 1} * Lever {mine[1] + 1}")
        eqs.append(f"Indicator {j + 1}= INTEG (\n\t{' + '.join(terms)},\n\t\t0)\n\t~\tDmnl [?,?]\n"
                   f"\t~\tIndicator: synthetic.\n\t|\n\n")
    levers = "".join(f"Lever {k + 1}=\n\t0\n\t~\tDmnl [0,2]\n\t~\tassumption: synthetic lever.\n\t|\n\n"
                     for k in range(n))
    control = ("FINAL TIME  = 10\n\t~\tYear\n\t~\tend.\n\t|\n\nINITIAL TIME  = 0\n\t~\tYear\n\t~\tstart.\n\t|\n\n"
               "SAVEPER  = 1\n\t~\tYear [0,?]\n\t~\tsaved.\n\t|\n\n"
               "TIME STEP  = 0.5\n\t~\tYear [0,?]\n\t~\tstep.\n\t|\n\n")
    (folder / "synthetic.mdl").write_text("{UTF-8}\n" + "".join(eqs) + levers + control, encoding="utf-8")
    areas = ("water-waste", "preparedness", "governance", "connectivity-mobility")
    meta = ["model: synthetic.mdl", "focus_areas:"] + [f"  {a}: {{en: {a}, id: {a}}}" for a in areas] + ["levers:"]
    meta += [f"  Lever {k + 1}: {{focus_area: {areas[of[k] % 4]}, label: {{en: Lever {k + 1}, id: Tuas {k + 1}}}}}"
             for k in range(n)]
    meta += ["indicators:"] + [
        f"  Indicator {j + 1}: {{focus_area: {areas[j % 4]}, better: higher, label: {{en: Indicator {j + 1}, "
        f"id: Indikator {j + 1}}}, unit_label: {{en: units, id: satuan}}, scale: {{value: 1, units: Dmnl, "
        f"reason: {{en: one unit, id: satu satuan}}}}}}" for j in range(indicators)]
    (folder / "synthetic.meta.yaml").write_text("\n".join(meta) + "\n", encoding="utf-8")
    (folder / "baseline.yaml").write_text("name: baseline\ntitle: {en: Baseline, id: Dasar}\nmodel: synthetic.mdl\n"
                                          "seed: 1\n", encoding="utf-8")
    names = []
    for k in range(n):
        name = f"synthetic-{k + 1}"
        names.append(name + ".yaml")
        (folder / names[-1]).write_text(
            f"name: {name}\ntitle: {{en: Synthetic {k + 1}, id: Sintetis {k + 1}}}\nextends: baseline.yaml\n"
            f"focus_area: {areas[of[k] % 4]}\ntrack: {'quick-win' if k % 3 == 0 else 'normal'}\ninterventions:\n"
            f"  - {{lever: Lever {k + 1}, add: {rng.uniform(0.5, 2):.3f}, start: 1, "
            f"cost: {{capex_idr_bn: {rng.uniform(10, 100):.1f}}}}}\n", encoding="utf-8")
    path = folder / "synthetic.yaml"
    path.write_text(f"name: synthetic-{n}\ntitle: {{en: Synthetic catalogue, id: Katalog sintetis}}\n"
                    f"baseline: baseline.yaml\ninterventions: [{', '.join(names)}]\ndiscount_rate: 0\n",
                    encoding="utf-8")
    return path
