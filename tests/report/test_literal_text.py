"""Text from files is literal everywhere it is shown: no TeX in charts and the brief, no Markdown or HTML in
comparison.md, huge numbers in a few characters."""
from __future__ import annotations

import re
import shutil
import subprocess

import matplotlib
import pytest

matplotlib.use("Agg")

from cityfutures.analysis.compare import comparison_result  # noqa: E402
from cityfutures.report import numbers  # noqa: E402
from cityfutures.report.brief import write_brief  # noqa: E402
from cityfutures.report.charts import draw_all  # noqa: E402
from cityfutures.report.tables import md_text, to_markdown  # noqa: E402
from tests.report.charts.test_charts import norm, svg_text  # noqa: E402

HOSTILE = "US$ 5 bn and $6 bn | <b>bold</b>\nsecond `line` *x* [link](http://a) ~~s~~ &amp;"
SCENARIO = "drains-normal"


@pytest.fixture(scope="module")
def hostile(results, table):
    ds = results.copy()
    titles = ds["title_en"].values.astype(object)
    titles[list(ds.scenario.values).index(SCENARIO)] = HOSTILE
    ds = ds.assign_coords(title_en=("scenario", titles))
    ds.attrs["comparison_title_en"] = "Costs in $: $x^2$ <script>alert(1)</script>"
    tab = table.copy()
    tab.loc[tab.scenario == SCENARIO, "title_en"] = HOSTILE
    return ds, tab


def test_markdown_keeps_text_literal_and_the_tables_whole(hostile):
    ds, tab = hostile
    md = to_markdown(comparison_result(ds))
    assert "<b>" not in md and "<script>" not in md and "&lt;b&gt;bold&lt;/b&gt;" in md
    assert "US$ 5 bn and $6 bn \\| &lt;b&gt;" in md
    assert "second \\`line\\` \\*x\\* \\[link\\](http://a) \\~\\~s\\~\\~" in md
    assert "&amp;amp;" in md
    for block in re.findall(r"(?:^\|.*\|$\n?)+", md, flags=re.M):   # every row of a table: as many cells as the head
        rows = block.strip("\n").split("\n")
        cells = [len(re.findall(r"(?<!\\)\|", r)) for r in rows]
        assert len(set(cells)) == 1, rows
    assert md.startswith("# Costs in $: $x^2$ &lt;script&gt;")


def test_md_text_is_one_escaped_line():
    assert md_text("a\nb\tc\r\nd") == "a b c d"
    assert md_text("x|y_z") == "x\\|y\\_z"
    assert md_text(3.5) == "3.5"


def test_charts_show_dollars_as_dollars(hostile, tmp_path):
    ds, tab = hostile
    draw_all(ds, tab, tmp_path, lang="en", charts=("cost", "scorecard"), formats=("png", "svg"))
    for name in ("cost-effectiveness.svg", "scorecard.svg"):
        text = norm(svg_text(tmp_path / name))
        assert "US$ 5 bn and $6 bn | <b>bold</b>" in text, name


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_the_brief_shows_dollars_as_dollars(hostile, tmp_path):
    ds, tab = hostile
    path = write_brief(ds, tab, tmp_path / "brief.pdf", lang="en")
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "US$ 5 bn and $6 bn | <b>bold</b>" in text
    assert "Costs in $: $x^2$" in text


def test_huge_numbers_are_short():
    assert numbers.number(1e300, "en") == "1e+300"
    assert numbers.number(-1.5e20, "id") == "\u22121,5e+20"
    assert numbers.change_pct(1.2e300, "en") == "+1.2e+300 %"
    assert numbers.exact(1e300, "en") == "1e+300"
    assert numbers.number(123456, "en") == "123,456"
