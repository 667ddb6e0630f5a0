"""``cityfutures charts RESULTS.nc`` redraws the chart set and the brief from saved results."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from cityfutures.cli import main  # noqa: E402
from tests.report.synthetic_results import build_results, build_table  # noqa: E402


def _saved(tmp_path: Path, with_table: bool = True) -> Path:
    from cityfutures.results.dataset import save_results
    ds = build_results()
    nc, _csv = save_results(ds, tmp_path / "results.nc")
    if with_table:
        build_table(ds).to_csv(tmp_path / "comparison.csv", index=False)
    return nc


def test_charts_command_redraws_from_saved_results(tmp_path, capsys):
    nc = _saved(tmp_path)
    out = tmp_path / "slides"
    assert main(["charts", str(nc), "--lang", "id", "--out", str(out), "--format", "png"]) == 0
    assert (out / "scorecard.png").is_file() and (out / "brief.pdf").is_file()
    assert not list(out.glob("*.svg"))
    assert "wrote" in capsys.readouterr().out


def test_charts_command_recomputes_a_missing_table(tmp_path):
    nc = _saved(tmp_path, with_table=False)
    assert main(["charts", str(nc), "--format", "svg", "--no-brief"]) == 0
    assert (tmp_path / "charts" / "scorecard.svg").is_file()
    assert not (tmp_path / "charts" / "brief.pdf").exists()


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["charts", str(tmp_path / "missing.nc")]) == 2
    assert main(["charts", str(tmp_path / "missing.nc"), "--format", "gif"]) == 2
    assert main(["charts", str(tmp_path / "missing.nc"), "--lang", "fr"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert all(line.startswith("error:") for line in err)
