"""The brief: a two-page PDF in the chosen language, with the headline table and key charts."""
from __future__ import annotations

import matplotlib
import pytest

matplotlib.use("Agg")

from cityfutures.report.brief import headline_table, write_brief  # noqa: E402
from cityfutures.report.i18n import t  # noqa: E402


def test_headline_table_ranks_programmes_per_focus_area(results, table):
    head = headline_table(results, table)
    water = head[head["group"] == "water-waste"]
    assert list(water["scenario"]) == ["drains-normal", "drains-quick"]
    assert "bundle" in set(head["group"])
    assert head.loc[head["scenario"] == "drains-normal", "cost"].iloc[0] == pytest.approx(1100.0)
    effects = head.loc[head["scenario"] == "drains-normal", "effects"].iloc[0]
    assert effects[0][0] == "People affected by floods" and effects[0][2] > 0


@pytest.mark.parametrize("lang", ["en", "id"])
def test_brief_is_a_two_page_pdf_in_the_language(results, table, tmp_path, lang):
    path = write_brief(results, table, tmp_path / "brief.pdf", lang=lang)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 2 \
        or data.count(b"/Type /Page") >= 3   # two pages and the page tree
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    text = _pdf_text(path)
    if text is None:
        pytest.skip("pdftotext is not installed")
    for key in ("brief.col.programme", "brief.col.track", "legend.bundle"):
        assert t(key, lang) in text
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
