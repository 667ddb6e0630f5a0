"""``cityfutures run``: exit codes, one-line errors, nothing written on bad input, files on success."""
import os

import pytest
import xarray as xr

from cityfutures.cli import main  # noqa: E402
from tests.helpers import MINI, write_workshop  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def test_run_writes_results_against_the_baseline(tmp_path, capsys):
    """A scenario that extends the baseline runs against it: the change, with unit words."""
    write_workshop(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "drains.yaml"), "--out", str(out), "--engine", "pysd"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cityfutures-manifest.json", "results.csv",
                                                    "results.nc"]   # no staging left
    text = capsys.readouterr().out
    assert "People affected by floods" in text and f"wrote {out / 'results.nc'}" in text
    assert "baseline 2028" in text and "\u221234.7 %" in text and "people per year" in text
    ds = xr.load_dataset(out / "results.nc")
    assert list(ds.scenario.values) == ["baseline", "drains"] and ds.attrs["engine"] == "pysd"


def test_run_against_another_baseline_or_alone(tmp_path, capsys):
    write_workshop(tmp_path)
    (tmp_path / "alone.yaml").write_text(f"name: alone\ntitle: {{en: Alone, id: Sendiri}}\nmodel: {MINI}\n")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "alone.yaml"), "--out", str(out), "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "Sendiri [alone] 2028" in text and "jiwa per tahun" in text
    assert main(["run", str(tmp_path / "buses.yaml"), "--baseline", str(tmp_path / "drains.yaml"), "--out",
                 str(out)]) == 0
    assert list(xr.load_dataset(out / "results.nc").scenario.values) == ["drains", "buses"]


def test_run_over_a_previous_run_replaces_it_and_keeps_unlisted_files(tmp_path):
    write_workshop(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "buses.yaml"), "--out", str(out), "--quiet"]) == 0
    (out / "keep.txt").write_text("mine")
    assert main(["run", str(tmp_path / "drains.yaml"), "--out", str(out), "--quiet"]) == 0
    assert list(xr.load_dataset(out / "results.nc").scenario.values) == ["baseline", "drains"]   # no buses
    assert (out / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["cityfutures-manifest.json", "keep.txt", "results.csv",
                                                    "results.nc"]


def test_a_folder_of_other_files_is_refused(tmp_path, capsys):
    write_workshop(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.nc").write_text("old")
    assert main(["run", str(tmp_path / "drains.yaml"), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "not a cityfutures output folder; use an empty folder" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["results.nc"] and (out / "results.nc").read_text() == "old"


BAD = {
    "missing file": ("", "missing.yaml: scenario or comparison file not found"),
    "unknown lever": ("name: s\ntitle: {en: S, id: S}\nmodel: MINI\ninterventions:\n"
                      "  - {lever: Drainage investmnt, add: 1}\n", "interventions[0].lever"),
    "out of range": ("name: s\ntitle: {en: S, id: S}\nmodel: MINI\ninterventions:\n"
                     "  - {lever: Drainage investment, add: 100}\n", "outside its range"),
    "yaml syntax": ("name: [s\n", "YAML syntax error"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, case):
    text, expected = BAD[case]
    path = tmp_path / ("missing.yaml" if case == "missing file" else "s.yaml")
    if text:
        path.write_text(text.replace("MINI", str(MINI)))
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and expected in err
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_options(tmp_path, capsys):
    write_workshop(tmp_path)
    assert main(["run", str(tmp_path / "drains.yaml"), "--engine", "fast", "--out", str(tmp_path / "o")]) == 2
    assert "invalid choice: 'fast'" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main(["run", str(tmp_path / "drains.yaml"), "--out", str(afile)]) == 2
    assert "--out: names a file, not a folder" in capsys.readouterr().err
    assert afile.read_text() == "x" and not (tmp_path / "o").exists()


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as ex:
        main(["run", "--help"])
    assert ex.value.code == 0
    assert "cityfutures run scenarios/" in capsys.readouterr().out
