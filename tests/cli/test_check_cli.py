"""`cityfutures check` and `cityfutures loops` from the command line, in process."""
from __future__ import annotations

import json

import pandas as pd

from cityfutures.cli import main
from tests.helpers import SIR, VILLAGE, line_of, seeded


def test_check_clean_model_exits_0(capsys):
    assert main(["check", str(VILLAGE / "village.mdl")]) == 0
    out = capsys.readouterr().out
    assert "0 errors, 0 warnings" in out and "reality: 2 checks" in out


def test_check_prints_one_line_per_finding_and_exits_2_on_an_error(tmp_path, capsys):
    mdl = seeded(tmp_path, ("\t~\tperson/Year [10,40]", "\t~\tperson [10,40]"))
    assert main(["check", str(mdl), "--no-run"]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert f"{mdl}:{line_of(mdl, 'Construction')}: Construction: in '+', 'Normal construction' has 'person' but " \
        "'Housing programme' has 'person/Year' [error units-terms]" in lines
    assert lines[-1] == f"{mdl}: 2 errors, 0 warnings"


def test_warnings_exit_0_unless_strict(tmp_path, capsys):
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."))
    assert main(["check", str(mdl), "--no-run"]) == 0
    assert main(["check", str(mdl), "--no-run", "--strict"]) == 2
    out = capsys.readouterr().out
    assert f"{mdl}:{line_of(mdl, 'Lifetime')}: Lifetime: its documentation names no source" in out


def test_check_json(tmp_path, capsys):
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."))
    assert main(["check", str(mdl), "--no-run", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row == {"file": str(mdl), "line": line_of(mdl, "Lifetime"), "variable": "Lifetime",
                   "rule": "missing-source", "severity": "warning",
                   "message": row["message"]}


def test_bad_reality_file_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "r.yaml").write_text("checks:\n  - name: x\n    expect: {variable: Nobody, change: rise}\n",
                                     encoding="utf-8")
    assert main(["check", str(VILLAGE / "village.mdl"), "--reality", str(tmp_path / "r.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {tmp_path / 'r.yaml'}:3: checks[0].expect.variable: ")
    assert "Traceback" not in err[0]


def test_missing_model_is_exit_2(capsys):
    assert main(["check", "no-such-model.mdl"]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_loops_writes_table_and_charts(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["loops", str(SIR), "--indicator", "Infectious", "--periods", "5", "--out", str(out),
                 "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "Loop dominan Infectious" in text and "penguat" in text and "penyeimbang" in text
    assert sorted(p.name for p in out.iterdir()) == ["cityfutures-manifest.json", "loops-infectious-id.png",
                                                    "loops-infectious-id.svg", "loops.csv"]
    table = pd.read_csv(out / "loops.csv")
    assert set(table["indicator"]) == {"Infectious"} and len(table) == 5 * 2


def test_loops_unknown_indicator_is_exit_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["loops", str(SIR), "--indicator", "Infectous", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Infectious" in err and err.count("\n") == 1
    assert not out.exists()


def test_loops_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    """A writer that does not go through atomic_write (here the table's CSV) meets a full device."""
    import errno

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "out"
    assert main(["loops", str(SIR), "--indicator", "Infectious", "--periods", "5", "--out", str(out),
                 "--no-charts"]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and err.count("\n") == 1
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
