"""The portfolio answer in words, files, charts and the brief, in both languages."""
from __future__ import annotations

import shutil
import subprocess

import pytest

import cityfutures as cf
from cityfutures.report.portfolio import portfolio_text
from tests.helpers import DATA


@pytest.fixture(scope="module")
def result():
    return cf.portfolio(DATA / "portfolio" / "choices.yaml", budgets=[200, 400, 800], futures=12, seed=1)


def test_the_text_answers_each_budget_in_both_languages(result):
    en, id_ = portfolio_text(result, "en"), portfolio_text(result, "id")
    assert en.count("Budget IDR") == 3 and id_.count("Anggaran Rp") == 3
    assert "synergy +1" in en and "sinergi +1" in id_          # Joint = e * f: prog-e and prog-f together
    assert "robust choice (minimax regret)" in en and "[+" in en


@pytest.mark.parametrize("lang", ["en", "id"])
def test_files_charts_and_the_portfolio_brief(tmp_path, result, lang):
    paths = cf.write_portfolio(result, tmp_path, lang=lang, formats=("png",))
    names = {p.name for p in paths}
    suffix = "" if lang == "en" else "-id"
    assert {"portfolio.csv", "budget-curve.csv", "results.nc", f"portfolio-front{suffix}.png",
            f"portfolio-budget-steps{suffix}.png", f"portfolio-members{suffix}.png",
            f"portfolio-brief{suffix}.pdf"} <= names
    curve = (tmp_path / "budget-curve.csv").read_text(encoding="utf-8").splitlines()
    assert len(curve) == 4 and "robust_members" in curve[0]


def test_the_comparisons_brief_carries_the_portfolio_page(tmp_path, result):
    comparison = cf.compare(DATA / "portfolio" / "choices.yaml")
    cf.write_report(comparison, tmp_path, lang="en", formats=("png",), portfolio=result)
    pdf = tmp_path / "brief.pdf"
    assert pdf.is_file()
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Which programmes to fund" in text and "Programmes in the best portfolio" in text
