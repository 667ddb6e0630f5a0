"""Words and colours of a results Dataset in one language: names, units, titles, focus areas, shocks.

Everything comes from the results themselves (their bilingual attributes, and the focus areas
and shock labels the model's sidecar gave them) or from ``locale/strings.yaml``. Only older
results that lack the sidecar's part, and the structure maps, need the model itself: the report's
entry points resolve it once (:func:`resolve_model`) and hand it in; no chart loads a model.

Focus areas keep the sidecar's order; each is drawn in its sidecar ``color``, else in the
colour of its position in :data:`FOCUS_PALETTE` (Okabe-Ito, colour-blind safe).
"""
from __future__ import annotations

import json
import math
import os
from typing import Iterable

import xarray as xr

from ..model import Model, load_model
from .i18n import check_lang, t

__all__ = ["Labels", "resolve_model", "focus_order", "FOCUS_PALETTE", "NO_FOCUS_COLOR"]

FOCUS_PALETTE = ("#CC79A7", "#D55E00", "#0072B2", "#E69F00", "#009E73", "#56B4E9", "#F0E442", "#000000")
"""Colours of focus areas without a ``color`` in the sidecar, by their position in its order."""
NO_FOCUS_COLOR = "#777777"


def _json(ds: xr.Dataset, name: str) -> dict:
    raw = ds.attrs.get(name)
    if not raw:
        return {}
    return json.loads(raw) if isinstance(raw, str) else dict(raw)


def focus_order(ds: xr.Dataset, values: Iterable, model: Model | None = None) -> list:
    """Focus-area ids ``values`` in the sidecar's order (from the results, else ``model``); unknown ones
    last, in their first-seen order."""
    order = list(_json(ds, "focus_areas")) or (list(model.focus_areas) if model is not None else [])
    vals = list(dict.fromkeys(values))
    known = [f for f in order if f in vals]
    return known + [v for v in vals if v not in known]


def resolve_model(ds: xr.Dataset, model=None, *, needed: bool = False) -> Model | None:
    """The model of a results Dataset, when the report needs it.

    Parameters
    ----------
    model : Model, path or None
        A loaded model is returned as it is; a path (or None: the results' ``model_path``, else
        ``model_name``) is loaded when ``needed`` or when the results lack the sidecar's part
        (attribute ``focus_areas``, indicators' unit labels), as older results do.

    Returns
    -------
    Model or None
        None when nothing needs it.
    """
    if isinstance(model, Model):
        return model
    indicators = [da for da in ds.data_vars.values() if "better" in da.attrs]
    complete = "focus_areas" in ds.attrs and all(
        f"unit_label_{lang}" in da.attrs for da in indicators for lang in ("en", "id"))
    if not needed and complete and model is None:
        return None
    ref = model if isinstance(model, (str, os.PathLike)) else (ds.attrs.get("model_path") or ds.attrs.get("model_name"))
    if not ref:
        if needed:
            raise KeyError("the results name no model (attrs model_name/model_path) to read labels from")
        return None
    return load_model(ref)


class Labels:
    """Bilingual names and colours for one results Dataset in one language.

    Parameters
    ----------
    ds : xarray.Dataset
        The results Dataset (see :mod:`cityfutures.results.dataset`).
    lang : {"en", "id"}
    model : Model, optional
        Only for labels the Dataset lacks (structure maps, older results).
    """

    def __init__(self, ds: xr.Dataset, lang: str, model: Model | None = None):
        self.ds = ds
        self.lang = check_lang(lang)
        self._model = model
        self._focus = _json(ds, "focus_areas")
        if not self._focus and model is not None:
            self._focus = {k: {"en": fa.en, "id": fa.id, "color": fa.color or ""}
                           for k, fa in model.focus_areas.items()}

    @property
    def model(self) -> Model:
        if self._model is None:
            raise KeyError("these labels need the model (the results do not carry them); pass model=")
        return self._model

    def t(self, key: str, **fmt) -> str:
        return t(key, self.lang, **fmt)

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
        if self._model is not None and name in self._model.indicators:
            return self._model.indicators[name].unit_label(self.lang)
        units = attrs.get("units")
        if units and units.lower() in ("dmnl", "1", ""):
            return self.t("unit.dimensionless")
        if units:  # a Vensim unit: the same in both languages except the time unit
            return str(units).replace("Year", self.t("unit.year_short"))
        raise KeyError(f"no unit label for '{name}' in {self.lang}")

    def cumulative_unit(self, name: str) -> str:
        """The unit of a yearly rate's total over time: ``people per year`` -> ``people`` (else ``unit x years``)."""
        unit = self.unit(name)
        suffix = self.t("unit.per_year_suffix")
        at = unit.find(suffix)
        if at > 0:   # "trillion rupiah per year (2010 prices)" -> "trillion rupiah (2010 prices)"
            return (unit[:at] + unit[at + len(suffix):]).strip()
        return self.t("unit.times_years", unit=unit)

    def scenario(self, name: str) -> str:
        """Title of a scenario (baseline, intervention or bundle)."""
        coord = f"title_{self.lang}"
        if coord in self.ds.coords:
            text = str(self.ds[coord].sel(scenario=name).item())
            if text and text != "nan":
                return text
        raise KeyError(f"scenario '{name}' has no title in '{self.lang}' (coordinate {coord})")

    @staticmethod
    def _none(fa) -> bool:
        return fa is None or (isinstance(fa, float) and math.isnan(fa)) or fa == ""

    def focus_area(self, fa) -> str:
        if self._none(fa):
            return self.t("focus_area.none")
        if fa in self._focus:
            return self._focus[fa][self.lang]
        return self.model.focus_areas[fa](self.lang)

    def focus_order(self, values: Iterable) -> list:
        """``values`` (focus-area ids) in the sidecar's order, unknown ones last in their first-seen order."""
        return focus_order(self.ds, values, self._model)

    def focus_color(self, fa) -> str:
        """The chart colour of a focus area: the sidecar's ``color``, else the :data:`FOCUS_PALETTE` colour of
        its position (the next one when another focus area's ``color`` has it)."""
        if self._none(fa) or fa not in self._focus:
            return NO_FOCUS_COLOR
        return self._colors()[fa]

    def _colors(self) -> dict:
        if not hasattr(self, "_color_of"):
            taken = {v.get("color") for v in self._focus.values() if v.get("color")}
            out = {}
            for k, (fa, v) in enumerate(self._focus.items()):
                color = v.get("color")
                if not color:
                    free = [c for c in FOCUS_PALETTE[k:] + FOCUS_PALETTE[:k] if c not in taken] or list(FOCUS_PALETTE)
                    color = free[0]
                    taken.add(color)
                out[fa] = color
            self._color_of = out
        return self._color_of

    def shock(self, kind: str) -> str:
        labels = _json(self.ds, "shock_labels")
        if kind in labels:
            return labels[kind][self.lang]
        return self.model.shocks[kind].label(self.lang)

    def sector(self, name: str) -> str:
        return self.model.sectors[name](self.lang)

    def element(self, name: str) -> str:
        """Label of any model element (structure map); the Vensim name when the sidecar gives it none."""
        try:
            return self.model.label(name, self.lang)
        except KeyError:
            return name

    def track(self, track, kind: str = "intervention") -> str:
        if kind == "bundle":
            return self.t("track.bundle")
        if track in ("quick-win", "normal"):
            return self.t(f"track.{track}")
        return self.t("track.none")
