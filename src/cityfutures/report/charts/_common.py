"""What every chart shares: the projector style, labels drawn from the results, the footer, saving.

Charts read everything they write from the results Dataset (names, units, scenario
titles in both languages) and from ``locale/strings.yaml`` (titles, axes, notes). Only
labels the Dataset does not carry (focus areas, sectors, shock kinds, and unit labels of
older results) come from the model's sidecar, loaded on demand without running it.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import textwrap
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

import matplotlib

import numpy as np
import pandas as pd
import xarray as xr

from ..i18n import check_lang, t

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442", "#000000")
SERIES = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
BASELINE_COLOR = "#000000"
OTHER_COLOR = "#BBBBBB"
BETTER_COLOR = "#0072B2"   # blue
WORSE_COLOR = "#D55E00"    # vermillion
FOCUS_COLORS = {"governance": "#CC79A7", "preparedness": "#D55E00", "water-waste": "#0072B2",
                "connectivity-mobility": "#E69F00", "social-cohesion": "#009E73"}

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
}


@contextmanager
def style():
    """The projector style as a matplotlib rc context."""
    import matplotlib.pyplot as plt
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
class Labels:
    """Bilingual names for one results Dataset in one language.

    Parameters
    ----------
    ds : xarray.Dataset
        The results Dataset (see docs/architecture.md, results.py).
    lang : {"en", "id"}
    model : Model or path, optional
        Only needed for labels the Dataset lacks; otherwise loaded from
        ``ds.attrs["model_path"]`` or ``ds.attrs["model_name"]`` when first needed.
    """

    def __init__(self, ds: xr.Dataset, lang: str, model=None):
        self.ds = ds
        self.lang = check_lang(lang)
        self._model = model

    # the model is loaded lazily: most charts never need it
    @property
    def model(self):
        if self._model is None or isinstance(self._model, (str, os.PathLike)):
            from ...model.load import load_model
            ref = self._model or self.ds.attrs.get("model_path") or self.ds.attrs.get("model_name")
            if not ref:
                raise KeyError("the results name no model (attrs model_name/model_path) to read labels from")
            self._model = load_model(ref)
        return self._model

    def t(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)

    def _json_attr(self, name: str) -> dict:
        raw = self.ds.attrs.get(name)
        if raw is None:
            return {}
        return json.loads(raw) if isinstance(raw, str) else dict(raw)

    def variable(self, name: str) -> str:
        """Long name of a data variable (indicator) in this language."""
        attrs = self.ds[name].attrs if name in self.ds else {}
        text = attrs.get(f"long_name_{self.lang}")
        if text:
            return str(text)
        return self.model.label(name, self.lang)

    def unit(self, name: str) -> str:
        """Readable unit of a data variable in this language (``unit_label_<lang>``, else the sidecar)."""
        attrs = self.ds[name].attrs if name in self.ds else {}
        text = attrs.get(f"unit_label_{self.lang}")
        if text:
            return str(text)
        ind = self.model.indicators.get(name)
        if ind is not None:
            return ind.unit_label(self.lang)
        units = attrs.get("units")
        if units and units.lower() in ("dmnl", "1", ""):
            return self.t("unit.dimensionless")
        if units:  # a Vensim unit: the same in both languages except the time unit
            return str(units).replace("Year", self.t("unit.year_short"))
        raise KeyError(f"no unit label for '{name}' in {self.lang}")

    def scenario(self, name: str) -> str:
        """Title of a scenario (baseline, intervention or bundle)."""
        coord = f"title_{self.lang}"
        if coord in self.ds.coords:
            text = str(self.ds[coord].sel(scenario=name).item())
            if text and text != "nan":
                return text
        raise KeyError(f"scenario '{name}' has no title in '{self.lang}' (coordinate {coord})")

    def focus_area(self, fa) -> str:
        if fa is None or (isinstance(fa, float) and math.isnan(fa)) or fa == "":
            return self.t("focus_area.none")
        labels = self._json_attr("focus_area_labels")
        if fa in labels:
            return labels[fa][self.lang]
        return self.model.focus_areas[fa](self.lang)

    def shock(self, kind: str) -> str:
        labels = self._json_attr("shock_labels")
        if kind in labels:
            return labels[kind][self.lang]
        return self.model.shocks[kind].label(self.lang)

    def sector(self, name: str) -> str:
        return self.model.sectors[name](self.lang)

    def element(self, name: str) -> str:
        """Label of any model element (structure map)."""
        return self.model.label(name, self.lang)

    def track(self, track, kind: str = "intervention") -> str:
        if kind == "bundle":
            return self.t("track.bundle")
        if track in ("quick-win", "normal"):
            return self.t(f"track.{track}")
        return self.t("track.none")


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
    return fmt_year(float(ds["time"].values[-1]))


def fmt_year(y: float) -> str:
    return str(int(round(y))) if abs(y - round(y)) < 1e-6 else f"{y:.2f}"


def fmt_num(x: float, lang: str, digits: int = 3) -> str:
    """A number for display, with the language's decimal mark (Indonesian uses a comma)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    ax = abs(x)
    if ax >= 100 or ax == 0:
        s = f"{x:,.0f}"
    else:
        s = f"{x:,.{max(0, digits - 1 - int(math.floor(math.log10(ax))))}f}"
        if "." in s:
            s = s.rstrip("0").rstrip(".")
    if s.startswith("-") and not s.strip("-0.,"):
        s = s[1:]   # no "-0"
    s = s.replace("-", "\u2212")   # a real minus sign
    if lang == "id":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def _localise(s: str, lang: str) -> str:
    if s.startswith("-") and not s.strip("-0.,"):
        s = s[1:]   # no "-0"
    s = s.replace("-", "\u2212")
    if lang == "id":
        s = s.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return s


def decimals_for(span: float, digits: int = 3) -> int:
    """Decimals that give the largest value of a chart (``span``) ``digits`` significant digits."""
    if not span or not math.isfinite(span):
        return 0
    return max(0, digits - 1 - int(math.floor(math.log10(abs(span)))))


def fmt_fixed(x: float, decimals: int, lang: str) -> str:
    """``x`` with a fixed number of decimals, thousands separated, in the language's marks."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return _localise(f"{x:,.{max(0, decimals)}f}", lang)


def fmt_pct(p: float, lang: str) -> str:
    """A percentage without noise: whole numbers from 10 %, one decimal from 0.1 %, "< 0.1" below."""
    if p is None or not math.isfinite(p):
        return "–"
    ap = abs(p)
    if ap >= 9.95:
        return fmt_fixed(p, 0, lang)
    if ap >= 0.095:
        return fmt_fixed(p, 1, lang)
    if ap == 0:
        return "0"
    return "< " + fmt_fixed(0.1, 1, lang)


def set_number_format(axis, lang: str) -> None:
    """Tick labels of ``axis`` with the language's decimal and thousands marks."""
    from matplotlib.ticker import FuncFormatter
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_num(v, lang, digits=4)))


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


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` and rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def save(fig, out_dir: Path, stem: str, formats: Sequence[str] = ("png", "svg"), dpi: int = DPI) -> list[Path]:
    """Save ``fig`` as ``out_dir/stem.<fmt>`` for each format (atomically) and close it."""
    import matplotlib.pyplot as plt
    paths = []
    try:
        for fmt in formats:
            target = Path(out_dir) / f"{stem}.{fmt}"
            paths.append(atomic_write(target, lambda tmp, fmt=fmt: fig.savefig(
                tmp, format=fmt, dpi=dpi, metadata=_metadata(fmt))))
    finally:
        plt.close(fig)
    return paths


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
    import matplotlib.pyplot as plt
    return plt.figure(figsize=FIGSIZE, dpi=DPI, **kw)


def ordered_focus_areas(values: Iterable) -> list:
    """Focus areas in the order of the strategy (model.FOCUS_AREAS), unknown ones last."""
    from ...model.load import FOCUS_AREAS
    vals = list(dict.fromkeys(v for v in values))
    known = [f for f in FOCUS_AREAS if f in vals]
    return known + [v for v in vals if v not in known]
