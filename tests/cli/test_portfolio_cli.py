"""``cityfutures portfolio``: the answer in the terminal, the files, and bad input as one line with exit 2."""
from __future__ import annotations

import pytest

from cityfutures.cli import main
from tests.helpers import DATA

PF = DATA / "portfolio"


def _comparison(tmp_path, block: str):
    text = (PF / "choices.yaml").read_text(encoding="utf-8").replace("baseline.yaml", str(PF / "baseline.yaml"))
    for name in ("prog-a", "prog-b", "prog-c", "prog-e", "prog-f"):
        text = text.replace(f"{name}.yaml", str(PF / f"{name}.yaml"))
    path = tmp_path / "with-block.yaml"
    path.write_text(text + block, encoding="utf-8")
    return path


def test_prints_the_best_portfolio_at_each_budget_and_writes_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["portfolio", str(PF / "choices.yaml"), "--budgets", "200,800", "--futures", "8",
                 "--out", str(out), "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "Anggaran Rp 200 miliar" in text and "sinergi" in text and "Program A, Program C" in text
    assert "pilihan tangguh (penyesalan minimaks)" in text
    for name in ("portfolio.csv", "budget-curve.csv", "results.nc", "portfolio-front-id.png",
                 "portfolio-budget-steps-id.svg", "portfolio-members-id.png", "portfolio-area-fronts-id.png"):
        assert (out / name).is_file(), name
    curve = (out / "budget-curve.csv").read_text(encoding="utf-8")
    assert curve.splitlines()[0].startswith("budget_idr_bn,code,members")


@pytest.mark.parametrize("block, field, line", [
    ("portfolio: {must_include: [prog-z]}", "portfolio.must_include[0]", 8),
    ("portfolio:\n  budget_idr_bn: -5", "portfolio.budget_idr_bn", 9),
    ("portfolio:\n  budget: 5", "portfolio.budget", 9),
    ("portfolio:\n  exclusive: [[prog-a]]", "portfolio.exclusive[0]", 9),
    ("portfolio:\n  min_quick_wins: 3", "portfolio.min_quick_wins", 9),
    ("portfolio:\n  budget_kind: cash", "portfolio.budget_kind", 9),
    ("portfolio:\n  agency_budgets: {dinas-z: 10}", "portfolio.agency_budgets.dinas-z", 9),
    ("portfolio:\n  groups: [[prog-a, prog-b]]\n  exclusive: [[prog-a, prog-b]]", "portfolio.exclusive[0]", 10),
    ("portfolio:\n  quick_wins_only: yes please", "portfolio.quick_wins_only", 9),
])
def test_a_bad_portfolio_block_is_one_line_with_file_line_and_field(tmp_path, capsys, block, field, line):
    path = _comparison(tmp_path, block)
    out = tmp_path / "out"
    assert main(["portfolio", str(path), "--budget", "100", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"error: {path}:{line}: {field}: "), err
    assert not out.exists()


@pytest.mark.parametrize("args", [["--budgets", "100,abc"], ["--budget", "-3"], ["--robust", "maybe"], []])
def test_bad_arguments_exit_2(tmp_path, capsys, args):
    out = tmp_path / "out"
    assert main(["portfolio", str(PF / "choices.yaml"), "--out", str(out)] + args) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not out.exists()
