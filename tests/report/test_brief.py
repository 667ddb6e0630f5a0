"""The brief: a PDF in the chosen language; page 1 answers the workshop's question, then the headline table,
the key charts and why."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from cityfutures.analysis.compare import comparison_result  # noqa: E402
from cityfutures.analysis.discount import present_value  # noqa: E402
from cityfutures.report.brief import answer_table, headline_table, write_brief  # noqa: E402
from cityfutures.report.i18n import t  # noqa: E402


def test_headline_table_ranks_programmes_per_focus_area(results, table):
    head = headline_table(results, table)
    water = head[head["group"] == "water-waste"]
    assert list(water["scenario"]) == ["drains-normal", "drains-quick"]     # by weighted score
    assert "bundle" in set(head["group"])
    assert head.loc[head["scenario"] == "drains-normal", "cost"].iloc[0] == pytest.approx(
        present_value(results)["drains-normal"])
    effects = head.loc[head["scenario"] == "drains-normal", "effects"].iloc[0]
    assert effects[0][0] == "People affected by floods" and effects[0][2] > 0


def test_page_one_puts_quick_wins_and_the_normal_track_side_by_side(results):
    lists = answer_table(comparison_result(results))
    assert list(lists[("quick-win", "score")]["scenario"]) == ["bus-quick", "drains-quick"]
    assert list(lists[("normal", "score")]["scenario"]) == ["drains-normal", "growth-normal"]
    by_cost = lists[("quick-win", "cost")]
    assert by_cost["cost_per_score"].is_monotonic_increasing
    assert list(lists["bundles"]["scenario"]) == ["bundle-water-mobility"]


@pytest.mark.parametrize("stress", [False, True])
@pytest.mark.parametrize("lang", ["en", "id"])
def test_brief_is_a_pdf_in_the_language(results, table, tmp_path, lang, stress):
    """A comparison opens with quick wins and normal track side by side; a stress test with the shock's toll."""
    ds = results if stress else results.assign_attrs(shocks="[]")
    path = write_brief(ds, table, tmp_path / "brief.pdf", lang=lang)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 2 \
        or data.count(b"/Type /Page") >= 3   # two pages and the page tree
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    text = _pdf_text(path)
    if text is None:
        pytest.skip("pdftotext is not installed")
    keys = ["brief.col.programme", "brief.col.track", "legend.bundle", "stability.title", "track.normal"]
    keys += ["brief.col.recovery"] if stress else ["brief.by_score", "brief.by_cost", "track.quick-win"]
    for key in keys:
        assert t(key, lang) in text, key
    assert results[f"title_{lang}"].sel(scenario="drains-normal").item() in text
    assert results.attrs[f"comparison_title_{lang}"] in text


def _pdf_text(path):
    import shutil
    import subprocess
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    out = subprocess.run([exe, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def test_the_brief_pages_are_the_chart_sets_own_figures(results, table, tmp_path, monkeypatch):
    """write_charts draws each chart of the brief once: the chart set's figures become its pages."""
    from cityfutures.report import write
    from cityfutures.report.charts import cost, score, scorecard, shock
    calls: dict[str, int] = {}

    def counting(module, name):
        draw = getattr(module, name)

        def counted(*a, **kw):
            calls[name] = calls.get(name, 0) + 1
            return draw(*a, **kw)
        monkeypatch.setattr(module, name, counted)

    for module, name in ((scorecard, "draw_scorecard"), (score, "draw_terms"), (score, "draw_stability"),
                         (cost, "draw_cost"), (shock, "draw_losses")):
        counting(module, name)
    paths = write.write_charts(results, table, tmp_path, workers=1)     # in this process, to count
    names = {p.name for p in paths}
    assert {"brief.pdf", "scorecard.png", "score-terms.png", "cost-effectiveness.png", "shock-losses.png"} <= names
    assert calls["draw_scorecard"] == len(scorecard.parts(results, table))
    assert calls["draw_terms"] == calls["draw_cost"] == calls["draw_losses"] == 1
    assert calls.get("draw_stability", 0) == int((tmp_path / "rank-stability.png").is_file())


def test_charts_drawn_in_parallel_are_the_same_files(results, table, tmp_path):
    from cityfutures.report.write import write_charts
    one = {p.relative_to(tmp_path / "one") for p in write_charts(results, table, tmp_path / "one", workers=1)}
    two = {p.relative_to(tmp_path / "two") for p in write_charts(results, table, tmp_path / "two", workers=2)}
    assert one == two and len(one) > 5


@pytest.mark.parametrize("text, safe", [("import cityfutures\ncf.write_report(r, 'out')\n", False),
                                        ("def main():\n    pass\n\nif __name__ == \"__main__\":\n    main()\n", True)])
def test_chart_workers_start_only_where_the_main_module_is_guarded(tmp_path, monkeypatch, text, safe):
    import sys
    import types

    from cityfutures.report.charts._workers import main_guarded
    script = tmp_path / "script.py"
    script.write_text(text)
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    main.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", main)
    assert main_guarded() is safe
