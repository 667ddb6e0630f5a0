"""``cityfutures levers`` and ``cityfutures indicators``: tables and CSV from the model's metadata."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cityfutures.cli import main

MINI = Path(__file__).resolve().parents[1] / "data" / "mini" / "mini.mdl"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cfcache"))


def test_levers_table(capsys):
    assert main(["levers", "--model", str(MINI)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["name", "(use"] and "focus area" in out[0]
    row = next(line for line in out if line.startswith("Bus capacity"))
    assert "passenger/day" in row and "100" in row and "[0, 1000]" in row and "connectivity-mobility" in row
    assert len(out) == 2 + 3


def test_levers_csv_id(capsys):
    assert main(["levers", "--model", str(MINI), "--format", "csv", "--lang", "id"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    growth = next(r for r in rows if r["name"] == "Growth rate")
    assert growth == {"name": "Growth rate", "label": "Laju pertumbuhan penduduk", "units": "1/Year",
                      "baseline": "0.02", "minimum": "-0.05", "maximum": "0.1", "focus_area": "governance"}


def test_indicators(capsys):
    assert main(["indicators", "--model", str(MINI), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["name"] for r in rows] == ["People affected by floods", "Congestion level", "Population"]
    assert rows[0]["better"] == "lower" and rows[0]["unit_label"] == "people per year"
    assert main(["indicators", "--model", str(MINI), "--lang", "id"]) == 0
    out = capsys.readouterr().out
    assert "Warga terdampak banjir" in out and "lebih rendah" in out


@pytest.mark.parametrize("argv, fragment", [
    (["levers", "--model", "atlantis"], "model 'atlantis' not found"),
    (["levers", "--lang", "fr"], "invalid choice: 'fr'"),
    (["indicators", "--format", "xlsx"], "invalid choice: 'xlsx'"),
    (["indicators", "--model", "/nowhere/x.mdl"], "not found"),
])
def test_bad_arguments(capsys, argv, fragment):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and fragment in err
    assert "Traceback" not in err
