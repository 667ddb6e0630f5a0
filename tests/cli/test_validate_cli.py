"""``cityfutures validate``: ok lines for good files, one error line and exit code 2 for a bad one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cityfutures.cli import main

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"
BASELINE = "name: baseline\ntitle: {en: Baseline, id: Dasar}\nmodel: mini\nseed: 42\n"
BUSES = ("name: buses\ntitle: {en: Buses, id: Bus}\nextends: baseline.yaml\ntrack: quick-win\n"
         "interventions:\n  - {lever: Bus capacity, add: 100, start: 2020, ramp_years: 2}\n")


@pytest.fixture
def folder(tmp_path, tmp_path_factory, monkeypatch) -> Path:
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cfcache"))
    (tmp_path / "models").mkdir()
    for name in ("mini.mdl", "mini.meta.yaml"):
        shutil.copy(MINI / name, tmp_path / "models" / name)
    s = tmp_path / "scenarios"
    s.mkdir()
    (s / "baseline.yaml").write_text(BASELINE)
    (s / "buses.yaml").write_text(BUSES)
    (s / "cmp.yaml").write_text("name: cmp\nbaseline: baseline.yaml\ninterventions: [buses.yaml]\n")
    return s


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text


def test_ok_lines(folder, capsys):
    files = [str(folder / n) for n in ("baseline.yaml", "buses.yaml", "cmp.yaml")]
    assert main(["validate", *files]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"ok: {files[0]} (scenario 'baseline', 0 interventions)",
        f"ok: {files[1]} (scenario 'buses', 1 interventions)",
        f"ok: {files[2]} (comparison 'cmp', 1 scenarios, 0 bundles, 3 indicators)",
    ]
    assert err == ""


def test_folder_argument(folder, capsys):
    assert main(["validate", str(folder)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


@pytest.mark.parametrize("text, expected", [
    ("name: bad\ntitle: {en: B, id: B}\nextends: baseline.yaml\ntrack: fast\n",
     "bad.yaml:4: track: unknown track 'fast' (allowed: quick-win, normal)"),
    ("name: bad\ntitle: {en: B, id: B\n", "bad.yaml:3: YAML syntax error"),
    ("name: bad\nextends: baseline.yaml\ninterventions:\n  - {lever: Bus capacty, add: 1}\n",
     "bad.yaml:4: interventions[0].lever: unknown lever 'Bus capacty'; did you mean 'Bus capacity'?"),
    ("name: bad\nextends: baseline.yaml\nseed: 1.5\n", "bad.yaml:3: seed: must be a whole number"),
    ("name: bad\nextends: missing.yaml\n", "bad.yaml:2: extends: scenario 'missing.yaml' to extend not found"),
    ("- a list\n", "bad.yaml:1: scenario or comparison file must be a mapping"),
    ("name: bad\nbaseline: baseline.yaml\ninterventions: [buses.yaml]\nbundles: {b: [buses]}\n",
     "bad.yaml:4: bundles.b: a bundle combines two or more scenarios"),
])
def test_bad_file_one_line_exit_2(folder, capsys, text, expected):
    bad = folder / "bad.yaml"
    bad.write_text(text)
    code = main(["validate", str(folder / "baseline.yaml"), str(bad), str(folder / "buses.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines() == [f"ok: {folder / 'baseline.yaml'} (scenario 'baseline', 0 interventions)"]
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert expected in lines[0] and lines[0].startswith(f"error: {folder}")
    _no_traceback(err)


def test_missing_file(folder, capsys):
    assert main(["validate", str(folder / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not found" in err
    _no_traceback(err)


def test_writes_nothing(folder, capsys):
    before = sorted(p.name for p in folder.parent.rglob("*"))
    (folder / "bad.yaml").write_text("name: bad\nextends: baseline.yaml\nset: {Growth rate: 9}\n")
    main(["validate", str(folder / "bad.yaml")])
    after = sorted(p.name for p in folder.parent.rglob("*"))
    assert after == sorted(before + ["bad.yaml"])


def test_no_files_is_usage_error(capsys):
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    _no_traceback(err)
