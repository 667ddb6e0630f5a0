"""``cityfutures compare``: the table, the files, exit codes, and nothing written on bad input."""
import os

import pandas as pd
import pytest

from cityfutures.analysis.compare import COLUMNS  # noqa: E402
from cityfutures.cli import main  # noqa: E402
from tests.helpers import write_workshop  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def test_compare_prints_the_table_and_writes_files(tmp_path, capsys):
    path = write_workshop(tmp_path, baseline_shock=True)
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "Mini workshop: 4 programmes against the baseline, 2018-2028" in captured.out
    assert "Bundle drains-buses (2 programmes) [drains-buses, bundle] rank 1 overall" in captured.out
    assert "indicator" in captured.out and "better" in captured.out and "change" in captured.out
    assert sorted(p.name for p in out.iterdir()) == ["cityfutures-manifest.json", "comparison.csv", "comparison.md",
                                                    "pathways.csv", "ranking.csv", "results.csv", "results.nc"]
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == COLUMNS
    assert "lower is better" in (out / "comparison.md").read_text()
    assert "runs:" in captured.err and "why:" in captured.err     # progress bars: five runs, the pathways
    assert captured.out.index("Ranking by weighted score") < captured.out.index("wrote ")   # the table first


def test_compare_prints_the_table_in_the_chosen_language(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(write_workshop(tmp_path)), "--out", str(out), "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "Lokakarya mini: 4 program dibandingkan dengan skenario dasar, 2018-2028" in text
    assert "peringkat 1 dari semua program" in text and "lebih rendah" in text and "penilaian" in text
    assert "rank 1 overall" not in text and " better" not in text

def test_futures_and_why(tmp_path, capsys):
    path = write_workshop(tmp_path)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text() + "uncertain:\n  constants:\n    Exposure fraction: {dist: uniform, min: 0.05, "
                    "max: 0.15}\n")
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "--futures", "20", "--seed", "1", "--why"]) == 0
    text = capsys.readouterr().out
    assert "over 20 sampled futures" in text and "[p5, p95]" in text and "P(better)" in text
    assert "why:" in text and "Drainage investment -> Drainage capacity -> People affected by floods" in text
    table = pd.read_csv(out / "comparison.csv")
    assert (table.futures == 20).all() and table.delta_end_p95.notna().any()


def test_futures_without_an_uncertain_block_is_a_one_line_error(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(write_workshop(tmp_path)), "--out", str(out), "--futures", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no 'uncertain:' block" in err and not out.exists()


def test_quiet_lists_only_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(write_workshop(tmp_path)), "--out", str(out), "--quiet"]) == 0
    cap = capsys.readouterr()
    assert all(line.startswith("wrote ") for line in cap.out.splitlines()) and cap.err == ""


def test_a_failed_run_is_reported_not_dropped(tmp_path, capsys):
    extra = {"broken.yaml": "name: broken\nextends: baseline.yaml\ntitle: {en: X, id: X}\n"
                            "set: {Initial drainage capacity: 0}\n"}
    path = write_workshop(tmp_path, extra=extra)
    path.write_text(path.read_text().replace("growth.yaml]", "growth.yaml, broken.yaml]"))
    out = tmp_path / "out"
    assert main(["compare", str(path), "--out", str(out), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "warning: 1 of 6 runs failed (broken:" in err
    assert "failed runs" in (out / "comparison.md").read_text().lower()


def _bundle_conflict(tmp_path):
    extra = {"growth2.yaml": "name: growth2\nextends: baseline.yaml\ntitle: {en: G, id: G}\nset: {Growth rate: 0.04}\n"}
    path = write_workshop(tmp_path, extra=extra, bundles="bundles:\n  both: [growth, growth2]\n")
    path.write_text(path.read_text().replace("growth.yaml]", "growth.yaml, growth2.yaml]"))
    return path, "a bundle cannot set one constant to two values"


def _scenario_not_comparison(tmp_path):
    write_workshop(tmp_path)
    return tmp_path / "drains.yaml", "is a scenario file; compare needs a comparison file"


def _unknown_member(tmp_path):
    return write_workshop(tmp_path, bundles="bundles:\n  x: [drains, buzes]\n"), "unknown scenario 'buzes'"


def _unknown_indicator(tmp_path):
    path = write_workshop(tmp_path)
    path.write_text(path.read_text() + "indicators: [Congestion levl]\n")
    return path, "unknown indicator 'Congestion levl'"


@pytest.mark.parametrize("make", [_bundle_conflict, _scenario_not_comparison, _unknown_member, _unknown_indicator])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, make):
    path, expected = make(tmp_path)
    out = tmp_path / "out"
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["compare", str(path), "--out", str(out), "--charts"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and expected in err, err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_failure_while_writing_leaves_nothing_behind(tmp_path, capsys, monkeypatch):
    import importlib
    cmp = importlib.import_module("cityfutures.report.write")

    def boom(*a, **k):
        raise RuntimeError("disk trouble")
    monkeypatch.setattr(cmp, "to_markdown", boom)
    out = tmp_path / "new" / "out"
    assert main(["compare", str(write_workshop(tmp_path)), "--out", str(out), "--quiet"]) == 1
    assert "internal error: RuntimeError: disk trouble" in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert "cityfutures compare scenarios/workshop-2018.yaml" in out and "--charts" in out and "--lang" in out


@pytest.mark.slow
def test_a_run_without_charts_leaves_no_brief_of_the_run_before(tmp_path, capsys):
    """The stale brief.pdf: a folder replaced as a whole, and every file as the umask makes it."""
    import stat
    path = write_workshop(tmp_path)
    out = tmp_path / "out"
    old = os.umask(0o027)
    try:
        assert main(["compare", str(path), "--out", str(out), "--charts", "--quiet"]) == 0
    finally:
        os.umask(old)
    assert (out / "brief.pdf").is_file() and (out / "scorecard.png").is_file()
    modes = {p.suffix: stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()}
    assert set(modes.values()) == {0o640}, modes                      # PNG, SVG and PDF as CSV and NetCDF
    (out / "my-notes.txt").write_text("kept")
    assert main(["compare", str(path), "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cityfutures-manifest.json", "comparison.csv", "comparison.md",
                                                    "my-notes.txt", "pathways.csv", "ranking.csv", "results.csv",
                                                    "results.nc"]
    capsys.readouterr()


def test_a_second_writer_is_refused_with_one_line(tmp_path, capsys):
    from cityfutures.output_folder import output_folder
    path = write_workshop(tmp_path)
    out = tmp_path / "out"
    with output_folder(out):
        assert main(["compare", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "another cityfutures command is writing to this folder" in err


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno

    from cityfutures.results import dataset

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(dataset.pd.DataFrame, "to_csv", full)
    out = tmp_path / "out"
    assert main(["compare", str(write_workshop(tmp_path)), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no space left on the device" in err and err.count("\n") == 1
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
