"""What every chart shares: the projector style, text fitting, helpers over the results, the footer, saving.

Charts read everything they write from the results Dataset (names, units, scenario titles in both
languages, focus areas and shock kinds) through :class:`~cityfutures.report.labels.Labels`, and
from ``locale/strings.yaml`` (titles, axes, notes); numbers follow :mod:`cityfutures.report.numbers`.
"""
from __future__ import annotations

import json
import math
import textwrap
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.ticker import FuncFormatter

from ...files import atomic_write
from .. import numbers
from ..labels import Labels

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
BASELINE_COLOR = "#000000"
OTHER_COLOR = "#BBBBBB"
BETTER_COLOR = "#0072B2"   # blue
WORSE_COLOR = "#D55E00"    # vermillion

# 16 x 9 inches at 120 dpi = 1920 x 1080 pixels. Sizes in points (1 pt = 1.67 px at 120 dpi).
FIGSIZE = (16.0, 9.0)
DPI = 120
RC = {
    "figure.figsize": FIGSIZE, "figure.dpi": DPI, "savefig.dpi": DPI,
    "font.family": "DejaVu Sans", "font.size": 16,
    "axes.titlesize": 19, "axes.titleweight": "bold", "axes.labelsize": 17,
    "xtick.labelsize": 15, "ytick.labelsize": 15, "legend.fontsize": 15,
    "legend.title_fontsize": 15, "figure.titlesize": 26, "figure.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.color": "#DDDDDD", "grid.linewidth": 0.8, "lines.linewidth": 2.5,
    "axes.prop_cycle": matplotlib.cycler(color=list(SERIES)),
    "svg.fonttype": "none",          # keep text as text in SVG (searchable, editable)
    "svg.hashsalt": "cityfutures",   # reproducible SVG ids
    "pdf.fonttype": 42,
    "text.parse_math": False,        # titles and notes come from files: '$' is a dollar, never TeX
    "text.usetex": False,
}


@contextmanager
def style():
    """The projector style as a matplotlib rc context."""
    with plt.rc_context(RC):
        yield


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def text_width(fig, text: str, fontsize: float, weight="normal") -> float:
    """Width in pixels of ``text`` (the widest of its lines) at ``fontsize`` on ``fig``."""
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, text, fontsize=fontsize, fontweight=weight)
    try:
        return float(probe.get_window_extent(renderer).width)
    finally:
        probe.remove()


def fit(fig, text: str, width_px: float, fontsize: float, *, weight="normal", max_lines: int = 3,
        min_size: float | None = None) -> tuple[str, float]:
    """``text`` wrapped (and, if need be, shrunk down to ``min_size``) to lines at most ``width_px`` wide.

    Returns the wrapped text and its font size. Words are never broken; if even the longest
    word is too wide at ``min_size``, the narrowest wrapping at ``min_size`` is returned.
    """
    text = str(text)
    min_size = fontsize if min_size is None else min_size
    size = float(fontsize)
    best = (wrap(text, 1), float(min_size))
    while size >= min_size - 1e-9:
        # a first guess of characters per line (DejaVu Sans: about 0.55 em per character), then narrower
        per_line = max(1, min(len(text), int(width_px / (0.5 * size * DPI / 72)) + 4))
        for width in range(per_line, 0, -1):
            cand = wrap(text, width)
            if cand.count("\n") + 1 > max_lines:
                break
            if text_width(fig, cand, size, weight) <= width_px:
                return cand, size
        size -= 1
    return best


def shorten_px(fig, text: str, width_px: float, fontsize: float, weight="normal") -> str:
    """``text`` cut (with an ellipsis) to at most ``width_px`` pixels at ``fontsize``."""
    text = str(text)
    if text_width(fig, text, fontsize, weight) <= width_px:
        return text
    for n in range(len(text) - 1, 4, -1):
        cand = shorten(text, n)
        if text_width(fig, cand, fontsize, weight) <= width_px:
            return cand
    return shorten(text, 5)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with an ellipsis."""
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# ----------------------------------------------------------------------------- labels
# ----------------------------------------------------------------------------- results helpers
def scenario_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per scenario: name, kind, focus_area, track, costs (from the scenario coordinates)."""
    names = [str(s) for s in ds["scenario"].values]
    df = pd.DataFrame({"scenario": names})
    for coord in ("kind", "focus_area", "track", "cost_capex_idr_bn", "cost_opex_idr_bn_per_year"):
        if coord in ds.coords:
            df[coord] = [_clean(v) for v in ds[coord].values]
        else:
            df[coord] = None
    return df


def _clean(v):
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if v in ("", "nan", "None"):
        return None
    return v


def baseline_name(ds: xr.Dataset) -> str:
    """Name of the baseline scenario (``kind == "baseline"``)."""
    sc = scenario_table(ds)
    base = sc.loc[sc["kind"] == "baseline", "scenario"]
    if base.empty:
        raise ValueError("the results hold no baseline scenario (kind == 'baseline')")
    return str(base.iloc[0])


def shocks(ds: xr.Dataset) -> list[dict]:
    """The shock events of the results: list of {scenario, kind, year, magnitude}."""
    raw = ds.attrs.get("shocks")
    if not raw:
        return []
    data = json.loads(raw) if isinstance(raw, str) else list(raw)
    return [dict(s) for s in data]


def indicators(ds: xr.Dataset, table: pd.DataFrame | None) -> list[str]:
    """The comparison's indicators in order: the results' ``indicators`` attribute, else the table's."""
    listed = ds.attrs.get("indicators")
    if listed:
        names = json.loads(listed) if isinstance(listed, str) else list(listed)
        names = [n for n in names if n in ds.data_vars]
        if table is not None and len(table) and "indicator" in table:
            in_table = set(str(x) for x in table["indicator"])
            names = [n for n in names if n in in_table]
        if names:
            return names
    if table is not None and len(table) and "indicator" in table:
        seen = list(dict.fromkeys(str(x) for x in table["indicator"]))
        return [x for x in seen if x in ds.data_vars]
    return [str(v) for v in ds.data_vars if "time" in ds[v].dims and "scenario" in ds[v].dims]


def indicator_meta(table: pd.DataFrame, indicator: str, ds: xr.Dataset | None = None) -> dict:
    """Focus area and better direction of an indicator: the results' attributes, else the table."""
    out = {"focus_area": None, "better": None}
    if ds is not None and indicator in ds:
        out["focus_area"] = _clean(ds[indicator].attrs.get("focus_area"))
        out["better"] = _clean(ds[indicator].attrs.get("better"))
    rows = table.loc[table["indicator"] == indicator] if "indicator" in table else table.iloc[0:0]
    if not rows.empty:
        r = rows.iloc[0]
        out["focus_area"] = out["focus_area"] or _clean(r.get("indicator_focus_area"))
        out["better"] = out["better"] or _clean(r.get("better"))
    return out


def end_year(ds: xr.Dataset) -> str:
    return numbers.year(float(ds["time"].values[-1]))


def set_number_format(axis, lang: str) -> None:
    """Tick labels of ``axis`` with the language's decimal and thousands marks."""
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: numbers.number(v, lang, digits=4)))


# ----------------------------------------------------------------------------- footer and saving
def footer_text(ds: xr.Dataset, labels: Labels) -> str:
    """Provenance line: comparison, model and its hash, run date and drawing date."""
    a = ds.attrs
    comparison = (a.get(f"comparison_title_{labels.lang}") or a.get("comparison_name")
                  or a.get("comparison") or baseline_name(ds))
    sha = str(a.get("model_sha256", ""))[:12] or "?"
    created = str(a.get("created", ""))[:10] or "?"
    return labels.t("footer", comparison=comparison, model=a.get("model_name", "?"), sha=sha,
                    created=created, today=date.today().isoformat())


def add_footer(fig, ds: xr.Dataset, labels: Labels, note: str | None = None) -> None:
    """The provenance footer (bottom left) and an optional note (bottom right)."""
    fig.text(0.01, 0.01, footer_text(ds, labels), fontsize=11, color="#555555", ha="left", va="bottom")
    if note:  # on its own line above the footer, so that neither can run into the other
        fig.text(0.01, 0.038, note, fontsize=13, color="#333333", ha="left", va="bottom")


def save(fig, out_dir: Path, stem: str, formats: Sequence[str] = ("png",), dpi: int = DPI,
         keep: dict | None = None) -> list[Path]:
    """Save ``fig`` as ``out_dir/stem.<fmt>`` for each format (atomically) and close it, or, given
    ``keep``, leave it open as ``keep[stem]`` (the brief takes its pages from the same figures; the
    caller closes them)."""
    paths = []
    try:
        for fmt in formats:
            target = Path(out_dir) / f"{stem}.{fmt}"
            paths.append(atomic_write(target, lambda tmp, fmt=fmt: fig.savefig(
                tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt), **_encoder(fmt))))
    finally:
        if keep is None:
            plt.close(fig)
        else:
            keep[stem] = fig
    return paths


PNG_COMPRESS_LEVEL = 3
"""zlib level of the PNG files: the same pixels as the default (6), encoded in about 70 % of its time
(31 against 44 ms a 1920 x 1080 chart) for files about 11 % larger."""


def _encoder(fmt: str) -> dict:
    return {"pil_kwargs": {"compress_level": PNG_COMPRESS_LEVEL}} if fmt == "png" else {}


def _metadata(fmt: str) -> dict:
    # no creation dates in the files: the same results draw the same bytes
    if fmt == "png":
        return {"Software": None}
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return {}


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in str(text))
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:60] or "x"


def figure(**kw):
    return plt.figure(figsize=FIGSIZE, dpi=DPI, **kw)


