"""``cityfutures demo``: the README's first command, its switches and what it writes."""
import os

import pytest

from cityfutures.cli import build_parser, main


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def test_demo_draws_by_default_and_no_charts_is_honoured():
    parser = build_parser()
    assert parser.parse_args(["demo"]).charts is True
    assert parser.parse_args(["demo", "--no-charts"]).charts is False
    assert parser.parse_args(["demo"]).futures == 100
    assert parser.parse_args(["demo", "--futures", "0"]).futures == 0


def test_demo_quick_look_writes_both_comparisons_without_charts(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["demo", "--futures", "0", "--no-pathways", "--no-charts", "--quiet", "--out", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert {"comparison.csv", "ranking.csv", "comparison.md", "cityfutures-manifest.json", "flood-2007"} <= names
    assert not any(n.endswith((".png", ".pdf")) for n in names), "--no-charts draws nothing"
    assert (out / "flood-2007" / "comparison.csv").is_file()


def test_demo_refuses_a_bad_argument_in_one_line(tmp_path, capsys):
    assert main(["demo", "--futures", "-3", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "futures" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
