"""Each chart draws from a small saved result; its text (read back from the SVG) is in the chosen language.

Image comparison: the main charts are drawn at 960 x 540 and compared with the PNGs in
``tests/charts/baseline/`` (``matplotlib.testing.compare.compare_images``). To regenerate
them after an intended change of layout, run::

    CF_REGEN_BASELINE=1 MPLBACKEND=Agg pytest tests/charts/test_charts.py -k layout

then look at every PNG in tests/charts/baseline/ before committing it.
"""
from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from cityfutures.analysis.compare import comparison_result  # noqa: E402
from cityfutures.model import (
    load_model,  # noqa: E402
    structure as model_structure,  # noqa: E402
)
from cityfutures.report import numbers  # noqa: E402
from cityfutures.report.charts import (  # noqa: E402  # noqa: E402
    CHARTS,
    _common as c,  # noqa: E402
    change,
    cost,
    draw_all,
    score,
    scorecard,
    shock,
    structure,
    trajectories,
)
from cityfutures.report.i18n import t  # noqa: E402
from cityfutures.report.labels import Labels  # noqa: E402
from tests.helpers import MINI  # noqa: E402

BASELINE_DIR = Path(__file__).parent / "baseline"


def svg_text(path: Path) -> str:
    """All text of an SVG (matplotlib writes text as <text> with svg.fonttype 'none')."""
    root = ET.parse(path).getroot()
    return " ".join(" ".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def norm(s: str) -> str:
    return " ".join(s.split())


@pytest.fixture(scope="module", params=["en", "id"])
def drawn(request, results, table, tmp_path_factory):
    lang = request.param
    out = tmp_path_factory.mktemp(f"charts-{lang}")
    paths = draw_all(results, table, out, lang=lang, formats=("png", "svg"))
    return lang, out, paths


def test_draw_all_writes_every_chart_in_png_and_svg(drawn):
    lang, out, paths = drawn
    stems = {p.stem for p in paths}
    assert {"scorecard", "cost-effectiveness", "structure-town"} <= stems
    assert any(s.startswith("trajectories-") for s in stems)
    assert any(s.startswith("change-") for s in stems)
    assert any(s.startswith("shock-flood-2021") for s in stems)
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000
    assert {p.suffix for p in paths} == {".png", ".svg"}
    assert not list(out.glob(".*")), "temporary files left behind"
    from PIL import Image
    for p in (x for x in paths if x.suffix == ".png"):
        assert Image.open(p).size == (1920, 1080), p.name


def _expect_common(text: str, lang: str, ds) -> None:
    assert ds.attrs["model_sha256"][:12] in text          # footer: the model's hash
    assert ds.attrs[f"comparison_title_{lang}"] in text   # footer: the comparison
    assert "2024-05-01" in text                           # footer: the run's date


@pytest.mark.parametrize("stem, keys", [
    ("trajectories-water-waste", ["baseline", "axis.year", "better.lower", "legend.scenarios"]),
    ("change-people-affected-by-floods", ["better.lower", "legend.better", "legend.bundle"]),
    ("scorecard", ["scorecard.colorbar", "legend.focus_area", "scorecard.note"]),
    ("cost-effectiveness", ["track.quick-win", "track.normal", "legend.track", "cost.better_up"]),
    ("shock-flood-2021-people-affected-by-floods", ["baseline", "shock.reference", "shock.lost_baseline",
                                                     "axis.year"]),
    ("structure-town", ["structure.kind.stock", "structure.kind.flow", "structure.kind.lever",
                        "structure.kind.indicator", "structure.note"]),
])
def test_svg_text_is_in_the_chosen_language(drawn, results, stem, keys):
    lang, out, _paths = drawn
    text = norm(svg_text(out / f"{stem}.svg"))
    other = "id" if lang == "en" else "en"
    for key in keys:
        assert norm(t(key, lang)).lower() in text.lower(), f"{stem}: {t(key, lang)!r} missing"
    _expect_common(text, lang, results)
    # the other language's words for the same things are absent
    assert norm(t("axis.year", other)) not in text.split() or stem.startswith("structure")


def test_labels_from_the_results_appear(drawn, results):
    lang, out, _paths = drawn
    traj = norm(svg_text(out / "trajectories-water-waste.svg"))
    assert results["People affected by floods"].attrs[f"long_name_{lang}"] in traj
    assert results["People affected by floods"].attrs[f"unit_label_{lang}"] in traj
    for s in ("drains-normal", "drains-quick"):
        assert str(results[f"title_{lang}"].sel(scenario=s).item()) in traj
    card = norm(svg_text(out / "scorecard.svg"))
    for ind in ("Population", "Congestion level", "People affected by floods"):
        assert norm(results[ind].attrs[f"long_name_{lang}"]) in card
    sh = norm(svg_text(out / "shock-flood-2021-people-affected-by-floods.svg"))
    assert ("Banjir" if lang == "id" else "Flood") in sh
    assert re.search(t("recovery_time", lang, years=r"[0-9.,]+"), sh)
    struct = norm(svg_text(out / "structure-town.svg"))
    for word in ({"en": ["Drainage capacity", "Population", "Net births"],
                  "id": ["Kapasitas drainase", "Jumlah penduduk", "Pertambahan penduduk"]}[lang]):
        assert word in struct


def test_indonesian_numbers_use_a_decimal_comma():
    assert numbers.number(1234.5, "id") == "1.234"   # three significant digits at least; thousands with a dot
    assert numbers.number(2.5, "id") == "2,5"
    assert numbers.number(2.5, "en") == "2.5"
    assert numbers.number(-0.0001, "en", 2) == "\u22120.0001" or numbers.number(-0.0, "en") == "0"
    assert numbers.number(-0.0, "en") == "0"


def test_missing_translation_is_an_error(results, table, tmp_path):
    ds = results.copy()
    ds["Population"].attrs.pop("long_name_id")
    ds.attrs["model_path"] = ""
    ds.attrs["model_name"] = ""
    with pytest.raises(KeyError):
        draw_all(ds, table, tmp_path, lang="id", charts=["scorecard"], formats=("svg",))
    ds2 = results.drop_vars("title_id")
    with pytest.raises(KeyError):
        draw_all(ds2, table, tmp_path, lang="id", charts=["change"], formats=("svg",))


def test_unit_labels_fall_back_to_the_model_sidecar(results, table, tmp_path):
    ds = results.copy()
    for v in ds.data_vars:
        ds[v].attrs.pop("unit_label_id", None)
    draw_all(ds, table, tmp_path, lang="id", charts=["trajectories"], formats=("svg",))
    assert "jiwa per tahun" in svg_text(tmp_path / "trajectories-water-waste.svg")


def test_no_chart_runs_a_model(results, table, tmp_path, monkeypatch):
    import cityfutures.model.load as model_mod
    monkeypatch.setattr(model_mod.Model, "pysd", lambda self: pytest.fail("a chart ran the model"))
    draw_all(results, table, tmp_path, lang="en", charts=[c_ for c_ in CHARTS if c_ != "structure"],
             formats=("png",))


def test_shock_triangle_agrees_with_the_comparison_table(results, table):
    tri = shock.triangle(results["time"].values, results["People affected by floods"].sel(scenario="baseline").values,
                         2021.0, "lower")
    row = table[(table["scenario"] == "baseline") & (table["indicator"] == "People affected by floods")]
    assert tri.recovery_time == pytest.approx(float(row["recovery_time"].iloc[0]))
    assert tri.peak == pytest.approx(float(row["peak_loss"].iloc[0]))


@pytest.mark.slow
def test_many_scenarios_stay_legible(results, table, tmp_path):
    """Twenty programmes: trajectories colour six, the rest go grey; every chart still draws."""
    import numpy as np
    import xarray as xr
    extra = []
    for k in range(16):
        s = results.sel(scenario=["drains-quick"]).assign_coords(scenario=[f"p{k}"])
        s = s.assign_coords(title_en=("scenario", [f"Programme number {k} with a long name"]),
                            title_id=("scenario", [f"Program nomor {k} dengan nama panjang"]))
        for v in s.data_vars:
            s[v] = s[v] * (1 + 0.01 * k)
        extra.append(s)
    big = xr.concat([results] + extra, dim="scenario", combine_attrs="override")
    big.attrs["shocks"] = json.dumps([{"scenario": str(n), "kind": "flood", "year": 2021.0, "magnitude": 2.0}
                                      for n in big["scenario"].values])
    from tests.report.synthetic_results import build_table
    tb = build_table(big)
    paths = draw_all(big, tb, tmp_path, lang="id", formats=("svg",),
                     charts=["trajectories", "scorecard", "cost", "change"])
    text = svg_text(tmp_path / "trajectories-water-waste.svg")
    assert t("legend.other_programmes", "id") in text
    assert len(paths) >= 5
    assert np.isfinite(tb["improvement_end_pct"]).all()


# ----------------------------------------------------------------------------- layout guards
LAYOUT = {
    "scorecard": lambda ds, tb, lab: scorecard.draw_scorecard(ds, tb, lab),
    "cost-effectiveness": lambda ds, tb, lab: cost.draw_cost(ds, comparison_result(ds), lab),
    "change-floods": lambda ds, tb, lab: change.draw_indicator(ds, tb, "People affected by floods", lab),
    "trajectories-water": lambda ds, tb, lab: trajectories.draw_focus_area(
        ds, tb, "water-waste", ["People affected by floods"], lab),
    "shock-floods": lambda ds, tb, lab: shock.draw_event(
        ds, tb, {"kind": "flood", "year": 2021.0}, "People affected by floods",
        ["baseline", "drains-normal", "drains-quick"], lab),
}


@pytest.mark.parametrize("name", sorted(LAYOUT))
@pytest.mark.slow
def test_layout(name, results, table, tmp_path, monkeypatch):
    from matplotlib.testing.compare import compare_images
    # the footer carries today's date: fix it so that the image is reproducible
    monkeypatch.setattr(c, "footer_text", lambda ds, labels: "test-footer · model mini · 2024-05-01")
    labels = Labels(results, "id")
    with c.style():
        fig = LAYOUT[name](results, table, labels)
        actual = tmp_path / f"{name}-id.png"
        fig.savefig(actual, dpi=60)   # 960 x 540
        import matplotlib.pyplot as plt
        plt.close(fig)
    expected = BASELINE_DIR / f"{name}-id.png"
    if os.environ.get("CF_REGEN_BASELINE") or not expected.is_file():
        if not os.environ.get("CF_REGEN_BASELINE"):
            pytest.fail(f"no baseline image {expected}; run with CF_REGEN_BASELINE=1 to create it")
        expected.write_bytes(actual.read_bytes())
    err = compare_images(str(expected), str(actual), tol=6)
    assert err is None, err


def test_trajectories_highlight_per_panel(table):
    """Each panel colours the programmes that move its own indicator most, not a focus-area mean."""
    for ind in ("People affected by floods", "Congestion level"):
        sub = table[(table["indicator"] == ind) & (table["kind"] != "baseline")]
        best = sub.loc[sub["improvement_end_pct"].abs().idxmax(), "scenario"]
        kinds = dict(zip(sub["scenario"], sub["kind"]))
        shown = trajectories._highlighted(table, ind, list(sub["scenario"]), 4, kinds)
        assert best in shown or kinds[best] == "bundle"
        assert sum(kinds[s] == "bundle" for s in shown) <= trajectories.MAX_BUNDLES
    colours = trajectories._colours([["a", "b"], ["b", "c"], ["c", "a", "d"]])
    assert len({colours["c"], colours["a"], colours["d"]}) == 3 and colours["b"] != colours["c"]


def test_cost_chart_numbers_points_with_a_ranked_key(drawn, results, table):
    """Programmes and bundles on one measure (the weighted score), numbered by rank as in the terminal."""
    lang, out, _paths = drawn
    text = norm(svg_text(out / "cost-effectiveness.svg"))
    assert t("cost.key_title", lang) in text
    result = comparison_result(results)
    key = cost.effect_table(result)
    assert list(key["scenario"]) == list(result.ranking["scenario"])
    assert list(key["number"]) == list(result.ranking["rank_overall"])
    assert key["score"].is_monotonic_decreasing and set(key["kind"]) == {"intervention", "bundle"}
    for s in key["scenario"]:
        assert str(results[f"title_{lang}"].sel(scenario=s).item()) in text


def test_draw_all_notes_a_missing_shock(results, table, tmp_path):
    ds = results.copy()
    ds.attrs["shocks"] = "[]"
    notes: list[str] = []
    paths = draw_all(ds, table, tmp_path, lang="en", charts=["shock"], formats=("svg",), notes=notes)
    assert paths == [] and len(notes) == 1 and "shock" in notes[0]
    notes2: list[str] = []
    assert draw_all(results, table, tmp_path, lang="en", charts=["shock"], formats=("svg",), notes=notes2)
    assert notes2 == []


def test_structure_map_draws_each_element_once(results, tmp_path):
    """An element of another sector that is both read and fed appears once (incoming column)."""
    draw_all(results, build_table_for(results), tmp_path, lang="en", charts=["structure"], formats=("svg",))
    text = svg_text(tmp_path / "structure-town.svg")
    assert text.count("Drainage capacity") == 1


def build_table_for(ds):
    from tests.report.synthetic_results import build_table
    return build_table(ds)


# ----------------------------------------------------------------------------- text stays on the figure
def _drawn_texts(fig):
    """Every visible, non-empty text the renderer draws: figure texts, titles, labels, tick labels, legends."""
    from matplotlib.text import Text
    fig.canvas.draw()
    out, ticks = [], set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.majorTicks + axis.minorTicks:
                ticks |= {id(tick.label1), id(tick.label2)}
            if not (ax.axison and axis.get_visible()):
                continue   # an axes drawn without axes (the system maps): its ticks are not drawn
            for tick in axis._update_ticks():   # the ticks matplotlib draws (inside the view limits)
                out += [lab for lab in (tick.label1, tick.label2) if lab.get_visible()]
    out += [a for a in fig.findobj(Text) if id(a) not in ticks and a.get_visible()]
    return [a for a in out if a.get_text().strip()]


def text_outside(fig, tol: float = 1.0) -> list[str]:
    """Texts of ``fig`` whose drawn extent leaves the figure (clipped in the PNG)."""
    renderer = fig.canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    bad = []
    for text in _drawn_texts(fig):
        bb = text.get_window_extent(renderer)
        if bb.x0 < -tol or bb.y0 < -tol or bb.x1 > W + tol or bb.y1 > H + tol:
            bad.append(f"{text.get_text()!r} at ({bb.x0:.0f}, {bb.y0:.0f})-({bb.x1:.0f}, {bb.y1:.0f})")
    return bad


def _figures(ds, tb, lang):
    """(name, figure) for every chart kind of ``ds``, as draw_all would draw them."""
    labels = Labels(ds, lang)
    inds = c.indicators(ds, tb)
    groups: dict = {}
    for ind in inds:
        groups.setdefault(c.indicator_meta(tb, ind, ds)["focus_area"], []).append(ind)
    result = comparison_result(ds)
    yield "scorecard", lambda: scorecard.draw_scorecard(ds, tb, labels)
    yield "cost", lambda: cost.draw_cost(ds, result, labels)
    yield "score-terms", lambda: score.draw_terms(ds, result, labels)
    yield "rank-stability", lambda: score.draw_stability(ds, result, labels)
    if len(shock.tolls(tb)):
        yield "shock-losses", lambda: shock.draw_losses(ds, tb, labels)
    for ind in inds:
        yield f"change-{ind}", lambda ind=ind: change.draw_indicator(ds, tb, ind, labels)
    for fa, members in groups.items():
        yield f"trajectories-{fa}", lambda fa=fa, m=members: trajectories.draw_focus_area(ds, tb, fa, m[:3], labels)
    for ev, ind, scen in shock.pick(ds, tb):
        yield f"shock-{ind}", lambda ev=ev, ind=ind, scen=scen: shock.draw_event(ds, tb, ev, ind, scen, labels)


def _big(results, n: int = 25):
    """``results`` with programmes added up to ``n``, long bilingual titles, all under the shock."""
    import numpy as np
    import xarray as xr
    extra = []
    have = results.sizes["scenario"]
    for k in range(max(0, n + 1 - have)):
        s = results.sel(scenario=["drains-quick"]).assign_coords(scenario=[f"p{k}"])
        s = s.assign_coords(
            title_en=("scenario", [f"Programme {k}: groundwater-free zones with bulk water from Jatiluhur"]),
            title_id=("scenario", [f"Program {k}: zona bebas air tanah dengan air curah Jatiluhur"]))
        for v in s.data_vars:
            s[v] = s[v] * (1 + 0.013 * k) + 0.001 * k * np.abs(s[v]).mean()
        extra.append(s)
    big = xr.concat([results] + extra, dim="scenario", combine_attrs="override")
    big.attrs["shocks"] = json.dumps([{"scenario": str(x), "kind": "flood", "year": 2021.1, "magnitude": 2.0}
                                      for x in big["scenario"].values])
    return big


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("case", ["synthetic", "25-scenarios"])
@pytest.mark.slow
def test_no_text_leaves_the_figure(case, lang, results, table):
    """Clipped text in either language, in every chart kind: titles, axis labels, ticks, legends, notes."""
    import matplotlib.pyplot as plt

    from tests.report.synthetic_results import build_table
    ds, tb = (results, table) if case == "synthetic" else (lambda b: (b, build_table(b)))(_big(results))
    problems = []
    with c.style():
        for name, make in _figures(ds, tb, lang):
            fig = make()
            problems += [f"{name}: {p}" for p in text_outside(fig)]
            plt.close(fig)
    assert not problems, "\n".join(problems)


def test_shock_file_names_have_a_whole_year(results, table):
    assert shock.stem({"kind": "flood", "year": 2021.1}, "People affected by floods") == \
        "shock-flood-2021-people-affected-by-floods"


def test_a_pulse_flow_is_drawn_as_its_running_total(results, table):
    """People affected by floods (a rate, a 0.25-year spike) reads as a step: its total is written on the chart."""
    import numpy as np
    tri = shock.triangle(results["time"].values, results["People affected by floods"].sel(scenario="baseline").values,
                         2021.0, "lower")
    assert shock.is_pulse(results, "People affected by floods", tri) == (tri.recovery_time <= 1.0)
    labels = Labels(results, "id")
    assert labels.cumulative_unit("People affected by floods") == "jiwa"          # "jiwa per tahun"
    assert labels.cumulative_unit("Population") == "jiwa x tahun"
    y = np.array([10.0, 10, 10, 410, 10, 10, 10, 10])
    t_ = np.arange(2020.0, 2022.0, 0.25)
    tri = shock.triangle(t_, y, 2020.7, "lower")
    assert shock._shock_total(t_, y, tri, 2020.7, "lower") == pytest.approx(100.0)   # 400/yr x 0.25 yr


def test_a_shock_without_programme_has_no_programme_legend(results, table):
    import matplotlib.pyplot as plt
    labels = Labels(results, "en")
    with c.style():
        fig = shock.draw_event(results, table, {"kind": "flood", "year": 2021.0}, "Congestion level",
                               ["baseline"], labels)
        legend_text = [tx.get_text() for lg in fig.legends for tx in lg.get_texts()]
        plt.close(fig)
    assert t("legend.programme", "en") not in legend_text
    assert t("shock.lost_programme", "en") not in legend_text


# ----------------------------------------------------------------------------- structure maps and overlaps
from tests.helpers import MODELS  # noqa: E402


@pytest.fixture(scope="module")
def jakarta(tmp_path_factory):
    """The Jakarta model, its translation cached under a temporary folder (the repository stays clean)."""
    if not (MODELS / "jakarta.mdl").is_file():
        pytest.skip("models/jakarta.mdl is not in the repository")
    from cityfutures.model.load import load_model
    cache = tmp_path_factory.mktemp("cfcache")
    old = os.environ.get("CITYFUTURES_CACHE_DIR")
    os.environ["CITYFUTURES_CACHE_DIR"] = str(cache)
    try:
        yield load_model(MODELS / "jakarta.mdl")
    finally:
        if old is None:
            os.environ.pop("CITYFUTURES_CACHE_DIR", None)
        else:
            os.environ["CITYFUTURES_CACHE_DIR"] = old


def _structure_figures(ds, model, lang):
    labels = Labels(ds, lang, model=model or load_model(MINI))
    st = model_structure.build(labels.model)
    sectors = structure._sectors(labels.model, st)
    if len(sectors) > 1:
        yield "structure-overview", lambda: structure.draw_overview(labels.model, st, labels, ds)
    for s in sectors or [None]:
        yield f"structure-{s}", lambda s=s: structure.draw_sector(labels.model, st, s, labels, ds)


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("which", ["mini", "jakarta"])
@pytest.mark.slow
def test_structure_maps_keep_their_text_on_the_figure_and_apart(which, lang, results, request):
    """The system maps (the dense water sector of the Jakarta model too): every word on the figure, none on another."""
    import matplotlib.pyplot as plt
    model = request.getfixturevalue("jakarta") if which == "jakarta" else None
    problems = []
    with c.style():
        for name, make in _structure_figures(results, model, lang):
            fig = make()
            problems += [f"{name}: {p}" for p in text_outside(fig) + text_overlaps(fig)]
            plt.close(fig)
    assert not problems, "\n".join(problems)


def test_the_skeleton_draws_each_material_chain_one_way(jakarta):
    """A flow that reads both its stocks (commissioning) is one arrow, upstream to downstream."""
    sk = model_structure.skeleton(model_structure.build(jakarta))
    assert ("Bulk water capacity under construction", "Bulk water capacity added") in sk.inflows
    assert ("Bulk water capacity added", "Bulk water capacity under construction") not in sk.inflows
    assert not any((b, a) in sk.inflows for a, b in sk.inflows)


def text_overlaps(fig, tol_px: float = 3.0) -> list[str]:
    """Pairs of drawn texts of ``fig`` whose boxes (from the renderer) overlap by more than ``tol_px``
    in both directions. Texts of one legend are laid out by matplotlib and a text's own bbox patch
    is not text, so only the text extents count."""
    from matplotlib.text import Text
    renderer = fig.canvas.get_renderer()
    boxes = []
    for text in _drawn_texts(fig):
        bb = Text.get_window_extent(text, renderer)   # an annotation's text, without its leader line
        if bb.width > 0 and bb.height > 0:
            boxes.append((text.get_text().replace("\n", " "), bb))
    bad = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            (ta, a), (tb, b) = boxes[i], boxes[j]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > tol_px and dy > tol_px:
                bad.append(f"{ta[:40]!r} overlaps {tb[:40]!r} by {dx:.0f} x {dy:.0f} px")
    return bad


@pytest.mark.parametrize("lang", ["en", "id"])
@pytest.mark.parametrize("case", ["synthetic", "25-scenarios"])
@pytest.mark.slow
def test_no_two_texts_overlap(case, lang, results, table):
    """No two words of a chart sit on each other: titles, labels, ticks, legends, notes, value labels."""
    import matplotlib.pyplot as plt

    from tests.report.synthetic_results import build_table
    ds, tb = (results, table) if case == "synthetic" else (lambda b: (b, build_table(b)))(_big(results))
    problems = []
    with c.style():
        for name, make in list(_figures(ds, tb, lang)) + list(_structure_figures(ds, None, lang)):
            fig = make()
            problems += [f"{name}: {p}" for p in text_overlaps(fig)]
            plt.close(fig)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_cost_chart_with_intervals_keeps_its_legend_out_of_the_key(lang, results):
    """With p5-p95 intervals the track legend gains an entry; it must not run into the key on the right."""
    import dataclasses

    import matplotlib.pyplot as plt
    big = _big(results)
    result = comparison_result(big)
    rk = result.ranking.copy()
    rk["score_p05"], rk["score_p95"] = rk["score"] - 0.5, rk["score"] + 0.5
    result = dataclasses.replace(result, ranking=rk)
    with c.style():
        fig = cost.draw_cost(big, result, Labels(big, lang))
        problems = text_overlaps(fig) + text_outside(fig)
        plt.close(fig)
    assert not problems, "\n".join(problems)


def test_scorecard_with_an_indicator_without_percentages(results, table):
    """An indicator whose baseline is zero has no percentage change: its cells say so, the chart is drawn."""
    import matplotlib.pyplot as plt
    tb = table.copy()
    ind = tb["indicator"].iloc[0]
    tb.loc[tb["indicator"] == ind, "improvement_end_pct"] = float("nan")
    with c.style():
        fig = scorecard.draw_scorecard(results, tb, Labels(results, "en"))
        texts = [t.get_text() for t in fig.axes[0].texts]
        plt.close(fig)
    assert numbers.NO_VALUE in texts


def test_change_charts_in_two_parts_draw_every_indicator_once(results, table, tmp_path):
    """The change charts split between two workers (every other indicator each) are the whole set."""
    labels = Labels(results, "en")
    for folder in ("whole", "halves"):
        (tmp_path / folder).mkdir()
    whole = [p.name for p in change.draw(results, table, tmp_path / "whole", labels, ("png",))]
    halves = [p.name for k in (0, 1)
              for p in change.draw(results, table, tmp_path / "halves", labels, ("png",), part=(k, 2))]
    assert len(whole) > 2 and sorted(halves) == sorted(whole) and len(set(halves)) == len(halves)
    for name in whole:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "halves" / name).read_bytes()
