"""The ensemble and sensitivity commands: files, exit codes, one-line errors, nothing written on bad input."""
from __future__ import annotations

import pandas as pd
import pytest

from cityfutures.cli import main
from tests.helpers import TOWN

COMP = str(TOWN / "town.yaml")
UNC = str(TOWN / "uncertain.yaml")


def test_ensemble_writes_tables_and_charts(tmp_path, capsys):
    out = tmp_path / "ens"
    code = main(["ensemble", COMP, "--uncertain", UNC, "--samples", "64", "--seed", "3", "--quiet",
                 "--target", "Congestion level<=0.3", "--lang", "id", "--discover", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    for name in ("summary", "probability", "regret", "ranking", "targets", "samples", "failures", "discovery"):
        assert (out / f"{name}.csv").is_file()
    prob = pd.read_csv(out / "probability.csv").set_index(["scenario", "indicator"])
    assert prob.loc[("drains", "People affected by floods"), "p_better"] == 1.0
    assert (out / "fan_value_congestion-level_id.png").is_file() and (out / "p_better_id.png").is_file()
    assert len(pd.read_csv(out / "samples.csv")) == 64


@pytest.mark.slow
def test_same_seed_same_tables_on_the_process_pool(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    common = ["ensemble", COMP, "--uncertain", UNC, "--samples", "40", "--seed", "9", "--quiet", "--no-charts"]
    assert main(common + ["--out", str(a)]) == 0
    assert main(common + ["--out", str(b), "--executor", "process", "--workers", "2", "--chunk-size", "10"]) == 0
    for name in ("summary", "probability", "regret", "ranking"):
        pd.testing.assert_frame_equal(pd.read_csv(a / f"{name}.csv"), pd.read_csv(b / f"{name}.csv"))


@pytest.mark.parametrize("extra, words", [
    (["--samples", "0"], "must be 1 or more"),
    (["--seed", "-2"], "must be 0 or more"),
    (["--target", "Congestion level=0.3"], "cannot read target"),
    (["--target", "Congestoin level<=0.3"], "did you mean 'Congestion level'"),
    (["--executor", "mpi"], "invalid choice"),
    (["--scenarios", "drians"], "did you mean 'drains'"),
    (["--executor", "process", "--scheduler", "tcp://127.0.0.1:1"], "needs the dask executor"),
])
def test_bad_arguments_exit_2_and_write_nothing(tmp_path, capsys, extra, words):
    out = tmp_path / "never"
    code = main(["ensemble", COMP, "--uncertain", UNC, "--out", str(out), "--quiet"] + extra)
    err = capsys.readouterr().err
    assert code == 2 and words in err and err.count("\n") == 1, err
    assert not out.exists()


def test_without_uncertain_block_is_an_input_error(tmp_path, capsys):
    code = main(["ensemble", COMP, "--out", str(tmp_path / "x")])
    assert code == 2 and "no 'uncertain:' block" in capsys.readouterr().err


def test_bad_uncertain_file_names_line_and_field(tmp_path, capsys):
    bad = tmp_path / "u.yaml"
    bad.write_text("uncertain:\n  constants:\n    Growth rate: {dist: uniform, min: 0, max: 9}\n")
    code = main(["ensemble", COMP, "--uncertain", str(bad), "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and f"{bad}:3: uncertain.constants.Growth rate.max:" in err, err


def test_sensitivity_writes_indices_and_tornados(tmp_path, capsys):
    out = tmp_path / "sens"
    code = main(["sensitivity", COMP, "--uncertain", UNC, "--method", "morris", "--samples", "8", "--seed", "1",
                 "--quiet", "--scenarios", "drains", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["factor"]) == {"Growth rate", "Normal flood index", "Trips per person", "flood"}
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(table.columns)
    assert sorted(p.name for p in out.glob("tornado_*.png")) == [
        "tornado_drains_congestion-level_en.png", "tornado_drains_people-affected-by-floods_en.png"] or \
        sorted(p.name for p in out.glob("tornado_*.png")) == ["tornado_drains_people-affected-by-floods_en.png"]
