"""``cityfutures dashboard``: options checked at parse time, one line naming the extra without Panel."""
from __future__ import annotations

import sys

import pytest

from cityfutures.cli import main


def test_without_panel_one_line_names_the_extra(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "panel", None)       # import panel -> ImportError
    assert main(["dashboard", "--scenarios", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == "error: the dashboard needs the optional extra: pip install 'cityfutures[dashboard]'\n"


@pytest.mark.parametrize("port", ["0", "70000", "http"])
def test_bad_port_is_one_line_exit_2(capsys, port):
    assert main(["dashboard", "--port", port]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: <command line>: ") and err.count("\n") == 1 and "port" in err


def test_missing_scenario_folder_is_one_line_exit_2(capsys, tmp_path):
    pytest.importorskip("panel")
    assert main(["dashboard", "--scenarios", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "scenario folder not found" in err and err.count("\n") == 1


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as info:
        main(["dashboard", "--help"])
    assert info.value.code == 0
    assert "cityfutures dashboard --scenarios" in capsys.readouterr().out
