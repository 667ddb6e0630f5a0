"""``cityfutures export``: a model written as XMILE 1.0; refusals are one line, exit 2, nothing written."""
from __future__ import annotations

import pytest
from lxml import etree

from cityfutures.cli import main
from cityfutures.model import load_model
from tests.helpers import JAKARTA, REFERENCE


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "jakarta.stmx"
    assert main(["export", str(JAKARTA), "--to", "xmile", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    stocks = sum(v.kind == "Stateful" and v.subtype == "Integ" for v in load_model(JAKARTA).variables.values())
    assert captured.out.startswith(f"wrote {out}: {stocks} stocks,") and "SAVEPER" in captured.err
    assert etree.parse(str(out)).getroot().get("version") == "1.0"


@pytest.mark.parametrize("argv, fragment", [
    (["export", "{game}", "--out", "{tmp}/g.xmile"], "'Gamed Equation': GAME has no XMILE 1.0 equivalent"),
    (["export", "jakarta", "--out", "{tmp}/j.csv"], "--out: '{tmp}/j.csv' must end in one of .xmile, .xml, .stmx"),
    (["export", "jakarta", "--out", "{tmp}/no/j.xmile"], "does not exist"),
    (["export", "jakarta", "--to", "mdl", "--out", "{tmp}/j.xmile"], "invalid choice: 'mdl'"),
])
def test_cli_export_refusals_write_nothing(tmp_path, capsys, argv, fragment):
    game = REFERENCE / "tests" / "game" / "test_game.mdl"
    if not game.is_file():
        pytest.skip("reference models not found")
    argv = [a.format(game=game, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment.format(tmp=tmp_path) in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == []



def test_cli_export_refuses_a_folder_as_out(tmp_path, capsys):
    (tmp_path / "j.xmile").mkdir()
    assert main(["export", "jakarta", "--out", str(tmp_path / "j.xmile")]) == 2
    assert "--out: " in capsys.readouterr().err and list((tmp_path / "j.xmile").iterdir()) == []
