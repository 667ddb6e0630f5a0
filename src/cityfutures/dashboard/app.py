"""The workshop page: Panel widgets and Bokeh figures over :mod:`cityfutures.dashboard.state`.

Every control change makes a new :class:`~cityfutures.dashboard.state.DashboardState`, which
the core validates and runs (batch engine); the page then redraws in one batched message that
carries only what changed: the ``value`` column of the lines that moved and their y ranges (no
images are re-rendered, nothing comes back from the browser), and the texts of the values, the
scorecard and the cost (text only: :func:`text_pane`). A rejected value (the same
:class:`~cityfutures.errors.ScenarioError` a file would get) is shown in the status line and the
control goes back to its last good value.

Elements the browser test reads have stable ids: ``#cf-status``, ``#cf-latency`` (attribute
``data-ms``), ``#value-<indicator slug>`` (text, attribute ``data-value``), ``#cf-scorecard``,
``#cf-score`` (attribute ``data-value``), ``#cf-cost-total``, ``#cf-save-message``, ``#cf-why``; widgets
carry CSS classes ``cf-lever-<slug>``, ``cf-programme-<name>``, ``cf-bundle-<name>``, ``cf-shock-<name>``,
``cf-weight-<focus area>``, ``cf-lang``, ``cf-save-name``, ``cf-save-button``, ``cf-export-name``,
``cf-export-button``, ``cf-why-button``.

Sliders show their lever's value at the end of the horizon, programmes included: switching a
programme on moves its lever's slider, and moving a slider sets the lever so that it reads the
slider's value (:meth:`~cityfutures.dashboard.session.Dashboard.lever_base`). Each chart's y axis spans
at least :data:`MIN_SPAN` of its values, so that a change of a few tenths of a percent does not fill
the chart.

Panel and Bokeh are imported inside functions: they are the optional extra ``dashboard``.
"""
from __future__ import annotations

import html
import math
import re
import threading
import time
from typing import Any

import numpy as np

from ..errors import CityfuturesError, InputError
from ..report import numbers
from ..report.i18n import LANGUAGES
from .guard import MAX_SESSIONS, allowed_addresses, refusal
from .session import Dashboard
from .state import View
from .strings import t

__all__ = ["EXTRA_MESSAGE", "require_panel", "DashboardPage", "serve", "slug", "y_bounds", "why_html", "MIN_SPAN"]

WEIGHT_MAX = 3.0   # a focus area's relative weight on the page: 0 (left out) to 3 (three times the others)

EXTRA_MESSAGE = "the dashboard needs the optional extra: pip install 'cityfutures[dashboard]'"

_BLUE, _GREY, _GREEN, _ORANGE = "#1f5fa8", "#8c8c8c", "#1a7f37", "#c2410c"
CSS = """
:host { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.cf-head h1 { font-size: 1.35em; margin: 0.2em 0; }
.cf-head p { margin: 0.2em 0; color: #444; }
.cf-status { font-size: 0.95em; padding: 0.35em 0.6em; border-radius: 4px; background: #eef4fb; }
.cf-status.cf-error { background: #fdecea; color: #8a1c0c; }
.cf-indicator { font-size: 0.9em; line-height: 1.35; }
.cf-indicator .cf-value { font-size: 1.25em; font-weight: 600; }
.cf-indicator .cf-unit, .cf-muted { color: #555; }
.cf-better { color: #1a7f37; font-weight: 600; }
.cf-worse { color: #c2410c; font-weight: 600; }
.cf-same, .cf-unknown { color: #555; }
table.cf-scorecard { border-collapse: collapse; font-size: 0.88em; width: 100%; }
table.cf-scorecard th, table.cf-scorecard td {
  padding: 0.25em 0.5em; border-bottom: 1px solid #ddd; text-align: right; }
table.cf-scorecard th:first-child, table.cf-scorecard td:first-child,
table.cf-scorecard th:nth-child(2), table.cf-scorecard td:nth-child(2) { text-align: left; }
.cf-legend span { display: inline-block; margin-right: 1.2em; }
.cf-swatch { display: inline-block; width: 1.6em; height: 0; vertical-align: middle; margin-right: 0.35em; }
.cf-cost td { padding: 0.1em 0.8em 0.1em 0; }
.cf-focus h3 { margin: 0.4em 0 0.1em 0; font-size: 1.05em; }
.cf-focus p { margin: 0.1em 0; }
.cf-message { font-size: 0.88em; }
.cf-card-title { font-size: 1.0em; font-weight: 600; margin: 0.25em 0; }
.cf-chart-title { font-size: 0.93em; font-weight: 600; line-height: 1.2; min-height: 2.4em; margin: 0 0 0 0.6em;
                  display: flex; align-items: flex-end; }
"""


# Numbers on axes and sliders as the page writes them (report.numbers): "12,500" and "0.25" in English,
# "12.500" and "0,25" in Indonesian. Runs in the browser as a Bokeh CustomJSTickFormatter (tick, index,
# ticks + the args thousands, decimal, digits): with digits < 0 (axes) as many decimals as the tick
# spacing needs, so neighbouring ticks never read the same; with digits >= 0 (a slider's value) that many.
TICK_JS = r"""
let shown = digits;
if (shown < 0) {
  const span = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(tick);
  shown = 0;
  if (span > 0 && isFinite(span)) {
    shown = Math.max(0, -Math.floor(Math.log10(span) + 1e-9));
    while (shown < 8 && Math.abs(span * 10 ** shown - Math.round(span * 10 ** shown)) > 1e-6 * span * 10 ** shown) {
      shown += 1;
    }
  }
}
const text = Math.abs(tick).toFixed(shown);
const parts = text.split(".");
const whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
const sign = tick < 0 && Number(text) !== 0 ? "-" : "";
return sign + whole + (parts.length > 1 ? decimal + parts[1] : "");
"""
TICK_SEPARATORS = {"en": {"thousands": ",", "decimal": "."}, "id": {"thousands": ".", "decimal": ","}}


def step_digits(step: float) -> int:
    """Decimals that show every value of a slider with this step: 0.05 -> 2, 0.25 -> 2, 5 -> 0."""
    if not step > 0 or not math.isfinite(step):
        return 0
    digits = max(0, -math.floor(math.log10(step) + 1e-9))
    while digits < 8 and abs(step * 10 ** digits - round(step * 10 ** digits)) > 1e-6 * step * 10 ** digits:
        digits += 1
    return digits


MIN_SPAN = 0.2
"""A chart's y range spans at least this share of its largest magnitude (a 0.3 % change stays small)."""


def y_bounds(*lines) -> tuple[float, float]:
    """The y range that shows ``lines`` with 5 % of their spread free above and below, and at least
    :data:`MIN_SPAN` of their largest magnitude (kept at or above 0 when every value is)."""
    values = np.concatenate([np.asarray(x, dtype=float).ravel() for x in lines])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    pad = 0.05 * (hi - lo) if hi > lo else (0.05 * abs(hi) or 0.5)
    lo, hi = lo - pad, hi + pad
    need = MIN_SPAN * max(abs(float(values.min())), abs(float(values.max())))
    if hi - lo < need:
        mid = 0.5 * (lo + hi)
        lo, hi = mid - need / 2, mid + need / 2
        if float(values.min()) >= 0 > lo:
            lo, hi = 0.0, max(hi - lo, float(values.max()) * (1 + MIN_SPAN / 2))
    return lo, hi


def _signed(x: float, lang: str) -> str:
    return numbers.NO_VALUE if numbers.missing(x) else numbers.signed(x, 2, lang)


def why_html(found, model, lang: str) -> str:
    """The pathways of a configuration as an HTML list: one line per effect (``#cf-why``)."""
    if found is None or not len(found):
        return f"<p class='cf-muted' id='cf-why'>{html.escape(t('why.none', lang))}</p>"
    items = []
    for (ind, pct, worse), rows in found.groupby(["indicator", "effect_pct", "worse"], sort=False):
        label = model.indicators[ind].label(lang) if ind in model.indicators else ind
        ways = [f"{html.escape(r[f'short_{lang}'])} ({numbers.share(r.share, lang)})"
                for _i, r in rows[rows.kind == "pathway"].iterrows()]
        if (rows.kind == "interaction").any():
            ways.insert(0, html.escape(t("why.interaction", lang)))
        cls = "cf-worse" if worse else "cf-better"
        items.append(f"<li><span class='{cls}'>{html.escape(label)} {numbers.change_pct(pct, lang)}</span>: "
                     f"{'; '.join(ways)}</li>")
    return f"<ul id='cf-why' class='cf-message'>{''.join(items)}</ul>"


def band_data(band, name: str) -> dict:
    """The columns of an indicator's band (empty without one): ``time``, ``low``, ``high``."""
    if band is None:
        return {"time": [], "low": [], "high": []}
    return {"time": band.time, "low": band.low[name], "high": band.high[name]}


def band_lines(band, name: str) -> tuple:
    """The band's two edges, for the y range (none without a band)."""
    return () if band is None else (band.low[name], band.high[name])


def require_panel() -> None:
    """Raise a one-line :class:`InputError` naming the extra when Panel or Bokeh is missing."""
    try:
        import bokeh  # noqa: F401
        import panel  # noqa: F401
    except ImportError:
        raise InputError(EXTRA_MESSAGE) from None


_TEXT_PANE = None


def text_pane(**kw):
    """A ``pn.pane.HTML`` whose later changes send only the new text.

    Panel's HTML pane re-sends all its properties when its text changes, stylesheets included;
    a new stylesheet list makes Bokeh re-index the whole document (about 20 ms on the server for
    this page) and makes the browser restyle the pane. The page changes a dozen texts per slider
    move, so it sends just the text.
    """
    global _TEXT_PANE
    if _TEXT_PANE is None:
        import panel as pn

        class TextPane(pn.pane.HTML):
            def _update(self, ref, model):
                model.update(**self._process_param_change({"object": self.object}))

        _TEXT_PANE = TextPane
    return _TEXT_PANE("", **kw)


def answer_at_once(widget):
    """``widget`` with Panel's 50 ms wait before it handles a change from the browser taken away.

    Panel waits ``_debounce`` ms to gather a burst of browser changes into one; a slider sends its
    value and its released value together and the page reacts to the released one only, so the
    wait only delays the answer. Returns ``widget``.
    """
    widget._debounce = 0
    return widget


def slug(name: str) -> str:
    """``"Homes flooded"`` -> ``"homes-flooded"`` (for element ids)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class DashboardPage:
    """One browser session's page over a shared :class:`Dashboard` core.

    Parameters
    ----------
    core : Dashboard
    lang : {"en", "id"}
        The page's first language.
    """

    def __init__(self, core: Dashboard, lang: str = "en"):
        import panel as pn
        from bokeh.models import ColumnDataSource, CustomJSTickFormatter, FactorRange, Range1d
        from bokeh.plotting import figure

        self.pn = pn
        self.core = core
        self.owner = object()          # this tab: the names it saves are its own
        self.state = core.initial_state(lang)
        self.view: View = core.update(self.state)
        self._syncing = False
        m = core.model
        html_kw = dict(stylesheets=[CSS], sizing_mode="stretch_width")

        # ---------------------------------------------------------------- controls
        self.lang_widget = pn.widgets.RadioButtonGroup(
            options={t("language.en", "en"): "en", t("language.id", "id"): "id"}, value=lang,
            css_classes=["cf-lang"], button_type="primary", button_style="outline")
        answer_at_once(self.lang_widget).param.watch(self._on_lang, "value")
        self.lang_label = text_pane(**html_kw)

        # numbers in the page's language (axes and slider values): formatters shared by every axis and
        # slider; a language switch changes their separators (args), so nothing is re-linked
        self.tick_formatter = CustomJSTickFormatter(code=TICK_JS, args={**TICK_SEPARATORS[lang], "digits": -1})
        self.number_formatters = {-1: self.tick_formatter}     # digits -> formatter
        self.sliders: dict[str, Any] = {}
        self.lever_cards: dict[str, Any] = {}
        for fa in m.focus_areas:
            items = []
            for c in core.controls_levers:
                if c.focus_area != fa:
                    continue
                digits = step_digits(c.step)
                if digits not in self.number_formatters:
                    self.number_formatters[digits] = CustomJSTickFormatter(
                        code=TICK_JS, args={**TICK_SEPARATORS[lang], "digits": digits})
                w = pn.widgets.FloatSlider(name="", start=c.minimum, end=c.maximum, step=c.step, value=c.start,
                                           format=self.number_formatters[digits],
                                           css_classes=[f"cf-lever-{slug(c.name)}"], sizing_mode="stretch_width")
                answer_at_once(w).param.watch(lambda ev, name=c.name: self._on_lever(name, ev), "value_throttled")
                self.sliders[c.name] = w
                items.append(w)
            if items:
                self.lever_cards[fa] = pn.Card(*items, header=self._card_head(), collapsed=False,
                                               sizing_mode="stretch_width",
                                               css_classes=[f"cf-levers-{fa}"])
        self.switches: dict[tuple[str, str], Any] = {}
        self.switch_cards: dict[str, Any] = {}
        for kind in ("programme", "bundle", "shock"):
            items = []
            for c in core.switches(kind):
                w = pn.widgets.Checkbox(name="", value=False, css_classes=[f"cf-{kind}-{c.name}"])
                answer_at_once(w).param.watch(lambda ev, kind=kind, name=c.name: self._on_switch(kind, name, ev),
                                              "value")
                self.switches[(kind, c.name)] = w
                items.append(w)
            if items:
                self.switch_cards[kind] = pn.Card(*items, header=self._card_head(), collapsed=kind != "programme",
                                                  sizing_mode="stretch_width")
        self.reset_button = pn.widgets.Button(name="", button_type="default", css_classes=["cf-reset"])
        self.reset_button.on_click(self._on_reset)
        # the score's weights, one slider per focus area with indicators on the page
        self.weight_sliders: dict[str, Any] = {}
        for fa in dict.fromkeys(core.focus_of.values()):
            w = pn.widgets.FloatSlider(name="", start=0.0, end=WEIGHT_MAX, step=0.25, value=core.focus_weight(
                self.state, fa), css_classes=[f"cf-weight-{fa}"], sizing_mode="stretch_width")
            answer_at_once(w).param.watch(lambda ev, fa=fa: self._on_weight(fa, ev), "value_throttled")
            self.weight_sliders[fa] = w
        self.weights_card = pn.Card(*self.weight_sliders.values(), header=self._card_head(), collapsed=True,
                                    sizing_mode="stretch_width", css_classes=["cf-weights"])
        lo, hi = core.budget_range()
        self.budget_slider = pn.widgets.FloatSlider(name="", start=0.0, end=max(hi, 1.0), value=0.0,
                                                    step=float(f"{max(hi, 1.0) / 200:.1g}"),
                                                    format=self.tick_formatter, css_classes=["cf-budget"],
                                                    sizing_mode="stretch_width")
        answer_at_once(self.budget_slider).param.watch(self._on_budget, "value_throttled")
        self.budget_note = text_pane(**dict(stylesheets=[CSS], sizing_mode="stretch_width"))
        self.budget_card = pn.Card(self.budget_slider, self.budget_note, header=self._card_head(), collapsed=True,
                                   sizing_mode="stretch_width", css_classes=["cf-budget-card"])
        # the budget curve (about a minute for 18 programmes) is computed in the background from the moment
        # the budget card is first opened, not for every page: most sessions never open it
        self._budget_pending = hi > 0
        self.budget_card.param.watch(self._on_budget_card, "collapsed")
        self.why_button = pn.widgets.Button(name="", button_type="default", css_classes=["cf-why-button"])
        self.why_button.on_click(self._on_why)
        self.why_pane = text_pane(**dict(stylesheets=[CSS], sizing_mode="stretch_width"))

        self.save_name = pn.widgets.TextInput(name="", placeholder="group-1-try-1", css_classes=["cf-save-name"],
                                              sizing_mode="stretch_width")
        self.save_title_en = pn.widgets.TextInput(name="", sizing_mode="stretch_width")
        self.save_title_id = pn.widgets.TextInput(name="", sizing_mode="stretch_width")
        self.save_button = pn.widgets.Button(name="", button_type="primary", css_classes=["cf-save-button"])
        self.save_button.on_click(self._on_save)
        self.export_name = pn.widgets.TextInput(name="", placeholder="session-1", css_classes=["cf-export-name"],
                                                sizing_mode="stretch_width")
        self.export_button = pn.widgets.Button(name="", button_type="default", css_classes=["cf-export-button"])
        self.export_button.on_click(self._on_export)
        self.save_message = text_pane(**html_kw)
        self.saved_list = text_pane(**html_kw)
        self.facilitator_card = pn.Card(
            pn.Row(pn.Column(self.save_name, self.save_title_en, self.save_title_id, self.save_button, width=380),
                   pn.Column(self.export_name, self.export_button, self.save_message, self.saved_list, width=420)),
            header=self._card_head(), collapsed=False, width=860)

        # ---------------------------------------------------------------- views
        self.header = text_pane(**html_kw)
        self.status = text_pane(**html_kw)
        self.legend = text_pane(**html_kw)
        self.sources: dict[str, Any] = {}
        self.band_sources: dict[str, Any] = {}
        self.figures: dict[str, Any] = {}
        self.chart_titles: dict[str, Any] = {}
        self.values: dict[str, Any] = {}
        self.focus_heads: dict[str, Any] = {}
        focus_rows = []
        v = self.view
        for fa in m.focus_areas:
            names = [n for n in core.indicators if m.indicators[n].focus_area == fa]
            head = text_pane(**html_kw)
            self.focus_heads[fa] = head
            cells = []
            for name in names:
                base_src = ColumnDataSource({"time": v.time, "value": v.baseline[name]})
                src = ColumnDataSource({"time": v.time, "value": v.values[name]})
                band_src = ColumnDataSource(band_data(v.band, name))
                # y range set here, not found by the browser: a browser-side range (and a frame that
                # moves with the tick labels' width) is sent back to the server after every change
                fig = figure(height=150, width=300, toolbar_location=None, tools="", sizing_mode="fixed",
                             min_border_top=6, y_range=Range1d(*y_bounds(v.values[name], v.baseline[name],
                                                                         *band_lines(v.band, name))))
                # p5-p95 of the state over the sampled futures, under the deterministic lines
                fig.varea("time", "low", "high", source=band_src, color=_BLUE, fill_alpha=0.15)
                fig.line("time", "value", source=base_src, color=_GREY, line_dash="dashed", line_width=2)
                fig.line("time", "value", source=src, color=_BLUE, line_width=2.5)
                self.band_sources[name] = band_src
                fig.xaxis.axis_label_text_font_size = "8pt"
                fig.yaxis.major_label_text_font_size = "8pt"
                fig.xaxis.major_label_text_font_size = "8pt"
                fig.min_border_left = 58          # room for "45,000" / "0,5945": the frame never moves
                fig.yaxis.formatter = self.tick_formatter
                fig.yaxis.ticker.desired_num_ticks = 4          # legible at 150 px
                self.sources[name] = src
                self.figures[name] = fig
                title = text_pane(**html_kw)     # HTML, so a long title wraps instead of being cut
                self.chart_titles[name] = title
                value = text_pane(**html_kw)
                self.values[name] = value
                cells.append(pn.Column(title, pn.pane.Bokeh(fig), value, width=310))
            focus_rows.append(pn.Column(head, pn.FlexBox(*cells) if cells else pn.Spacer(height=0),
                                        sizing_mode="stretch_width", css_classes=[f"cf-focus-{fa}"]))
        self.focus_column = pn.Column(*focus_rows, sizing_mode="stretch_width")
        self.focus_title = text_pane(**html_kw)
        self.scorecard_title = text_pane(**html_kw)
        self.scorecard = text_pane(**html_kw)
        self.cost_title = text_pane(**html_kw)
        self.cost_html = text_pane(**html_kw)
        self.cost_source = ColumnDataSource({"title": [], "total": []})
        cost_fig = figure(y_range=FactorRange(factors=[]), height=80, width=720, toolbar_location=None,
                          tools="", sizing_mode="fixed")
        cost_fig.hbar(y="title", right="total", height=0.6, source=self.cost_source, color=_BLUE)
        cost_fig.x_range.start = 0
        cost_fig.xaxis.formatter = self.tick_formatter
        cost_fig.xaxis.major_label_text_font_size = "8pt"
        cost_fig.yaxis.major_label_text_font_size = "8pt"
        self.cost_fig = cost_fig
        self.cost_fig_pane = pn.pane.Bokeh(cost_fig, visible=False)

        self.levers_title = text_pane(**html_kw)
        sidebar = pn.Column(self.lang_label, self.lang_widget, self.status_sidebar_spacer(), self.reset_button,
                            self.budget_card, *self.switch_cards.values(), self.weights_card, self.levers_title,
                            *self.lever_cards.values(),
                            width=370, styles={"overflow-y": "auto", "max-height": "100vh", "position": "sticky",
                                               "top": "0", "align-self": "flex-start"},   # stays in view
                            css_classes=["cf-sidebar"])
        main = pn.Column(self.header, self.status, self.focus_title, self.legend, self.focus_column,
                         self.scorecard_title, self.scorecard, self.why_button, self.why_pane, self.cost_title,
                         self.cost_html, self.cost_fig_pane, self.facilitator_card, sizing_mode="stretch_width",
                         styles={"padding": "0 0.5em 2em 1em"})
        self.layout = pn.Row(sidebar, main, sizing_mode="stretch_width")
        self._ready = False
        self._relabel()
        self._apply(self.view, answered=None)
        if pn.state.curdoc is not None:
            pn.state.onload(self._warm_up)

    def _warm_up(self) -> None:
        """Mark the page ready once it has loaded (``#cf-status[data-ready=true]``). The first change
        used to cost about a second because every text change re-sent the panes' stylesheets; with
        text-only updates (:func:`text_pane`) the first move costs what the others do."""
        self._ready = True
        self.status.object = self._status_html(self.state.lang, None)

    @staticmethod
    def _card_head():
        return text_pane(stylesheets=[CSS], margin=(0, 0))

    @staticmethod
    def _set_card_title(card, text: str) -> None:
        card.header.object = f"<div class='cf-card-title'>{html.escape(text)}</div>"

    @staticmethod
    def status_sidebar_spacer():
        import panel as pn
        return pn.Spacer(height=4)

    # ---------------------------------------------------------------- labels (language)
    def _relabel(self) -> None:
        lang = self.state.lang
        for digits, formatter in self.number_formatters.items():    # first: the sliders' titles below
            args = {**TICK_SEPARATORS[lang], "digits": digits}       # are drawn with these separators
            if formatter.args != args:
                formatter.args = args
        m = self.core.model
        self.lang_label.object = f"<b>{html.escape(t('language', lang))}</b>"
        for name, w in self.sliders.items():
            c = self.core.lever(name)
            w.name = c.label(lang) if c.units.lower() in ("", "dmnl", "1") else f"{c.label(lang)} [{c.units}]"
        self.levers_title.object = (f"<h3 style='margin:0.6em 0 0 0'>{html.escape(t('controls.levers', lang))}</h3>"
                                    f"<p class='cf-muted' style='margin:0.2em 0'>"
                                    f"{html.escape(t('controls.levers.note', lang))}</p>")
        for fa, card in self.lever_cards.items():
            self._set_card_title(card, m.focus_areas[fa](lang))
        titles = {(c.kind, c.name): c for c in self.core.controls_switches}
        for (kind, name), w in self.switches.items():
            c = titles[(kind, name)]
            extra = ""
            if c.total_cost_idr_bn:
                extra = " (" + self._money("cost.idr_bn", c.total_cost_idr_bn, lang) + ")"
            w.name = c.title(lang) + extra
        keys = {"programme": "controls.programmes", "bundle": "controls.bundles", "shock": "controls.shocks"}
        for kind, card in self.switch_cards.items():
            self._set_card_title(card, t(keys[kind], lang))
        self._set_card_title(self.weights_card, t("controls.weights", lang))
        self._set_card_title(self.budget_card, t("controls.budget", lang))
        self.budget_slider.name = t("budget.slider", lang)
        self.budget_note.object = f"<p class='cf-note'>{html.escape(t('budget.note', lang))}</p>"
        for fa, w in self.weight_sliders.items():
            w.name = m.focus_areas[fa](lang)
        self.why_button.name = t("why.button", lang)
        self.reset_button.name = t("controls.reset", lang)
        self.save_name.name = t("save.name", lang)
        self.save_title_en.name = t("save.title_en", lang)
        self.save_title_id.name = t("save.title_id", lang)
        self.save_button.name = t("save.button", lang)
        self.export_name.name = t("export.name", lang)
        self.export_button.name = t("export.button", lang)
        self._set_card_title(self.facilitator_card, t("save.heading", lang))
        h = self.core.baseline.horizon
        city = self.core.model.name.capitalize()
        self.header.object = (f"<div class='cf-head'><h1>{html.escape(t('page.title', lang, city=city))}</h1>"
                              f"<p>{html.escape(t('page.subtitle', lang, start=h.start, end=h.end))}</p></div>")
        self.focus_title.object = f"<h2>{html.escape(t('views.focus_areas', lang))}</h2>"
        self.legend.object = (
            "<div class='cf-legend'>"
            f"<span><i class='cf-swatch' style='border-top: 3px solid {_BLUE}'></i>"
            f"{html.escape(t('legend.current', lang))}</span>"
            f"<span><i class='cf-swatch' style='border-top: 3px dashed {_GREY}'></i>"
            f"{html.escape(t('legend.baseline', lang))}</span></div>")
        for fa, head in self.focus_heads.items():
            names = [n for n in self.core.indicators if m.indicators[n].focus_area == fa]
            note = "" if names else f"<p class='cf-muted'>{html.escape(t('views.no_indicator', lang))}</p>"
            head.object = f"<div class='cf-focus'><h3>{html.escape(m.focus_areas[fa](lang))}</h3>{note}</div>"
        for name, fig in self.figures.items():
            ind = m.indicators[name]
            self.chart_titles[name].object = (f"<div class='cf-chart-title' id='title-{slug(name)}'>"
                                              f"{html.escape(ind.label(lang))}</div>")
            fig.xaxis.axis_label = t("axis.year", lang)
        self.scorecard_title.object = f"<h2>{html.escape(t('views.scorecard', lang, year=h.end))}</h2>"
        self.cost_title.object = f"<h2>{html.escape(t('views.cost', lang))}</h2>"
        self.cost_fig.xaxis.axis_label = t("cost.axis", lang)
        self._render_saved()

    # ---------------------------------------------------------------- rendering a view
    def _indicator_html(self, name: str, view: View) -> str:
        lang = view.state.lang
        r = view.row(name)
        ind = self.core.model.indicators[name]
        s = slug(name)
        verdict = t(f"verdict.{r.verdict}", lang)
        return (f"<div class='cf-indicator' id='ind-{s}'>"
                f"<span class='cf-value' id='value-{s}' data-value='{r.value_end!r}'>"
                f"{numbers.number(r.value_end, lang)}</span> "
                f"<span class='cf-unit'>{html.escape(ind.unit_label(lang))}</span><br>"
                f"<span class='cf-{r.verdict}' id='change-{s}'>{numbers.change_pct(r.delta_pct, lang)} "
                f"({verdict})</span> "
                f"<span class='cf-muted'>{html.escape(t('legend.baseline', lang))}: "
                f"{numbers.number(r.baseline_end, lang)}</span></div>")

    def _scorecard_html(self, view: View) -> str:
        lang = view.state.lang
        m = self.core.model
        year = self.core.baseline.horizon.end
        head = "".join(f"<th>{html.escape(x)}</th>" for x in (
            t("scorecard.indicator", lang), t("scorecard.focus_area", lang),
            t("scorecard.baseline", lang, year=year), t("scorecard.value", lang, year=year),
            t("scorecard.change", lang), t("scorecard.verdict", lang), t("scorecard.weight", lang),
            t("scorecard.term", lang)))
        rows = []
        for r in view.rows:
            ind = m.indicators[r.name]
            rows.append(
                f"<tr id='score-{slug(r.name)}'><td>{html.escape(ind.label(lang))} "
                f"<span class='cf-muted'>[{html.escape(ind.unit_label(lang))}]</span></td>"
                f"<td>{html.escape(m.focus_areas[r.focus_area](lang))}</td>"
                f"<td>{numbers.number(r.baseline_end, lang)}</td><td>{numbers.number(r.value_end, lang)}</td>"
                f"<td class='cf-{r.verdict}'>{numbers.change_pct(r.delta_pct, lang)}</td>"
                f"<td class='cf-{r.verdict}'>{html.escape(t('verdict.' + r.verdict, lang))}</td>"
                f"<td>{numbers.fixed(100 * r.weight, 0, lang)} %</td>"
                f"<td class='cf-{r.verdict}'>{_signed(r.term, lang)}</td></tr>")
        score = (f"<p class='cf-score'><b>{html.escape(t('scorecard.score', lang))}: "
                 f"<span id='cf-score' data-value='{view.score!r}'>{_signed(view.score, lang)}</span></b> "
                 f"<span class='cf-muted'>{html.escape(t('scorecard.score_note', lang))}</span></p>")
        return (f"<table class='cf-scorecard' id='cf-scorecard'><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>{score}")

    @staticmethod
    def _money(key: str, value: float, lang: str) -> str:
        return t(key, lang, value=numbers.fixed(value, 0, lang))

    def _cost_html(self, view: View) -> str:
        lang = view.state.lang
        c = view.cost
        if not c.items:
            body = f"<p id='cf-cost-total' data-value='0'>{html.escape(t('cost.none', lang))}</p>"
        else:
            body = ("<table class='cf-cost'>"
                    f"<tr><td>{html.escape(t('cost.capex', lang))}</td>"
                    f"<td>{self._money('cost.idr_bn', c.capex_idr_bn, lang)}</td></tr>"
                    f"<tr><td>{html.escape(t('cost.opex', lang))}</td>"
                    f"<td>{self._money('cost.idr_bn_per_year', c.opex_idr_bn_per_year, lang)}</td></tr>"
                    f"<tr><td><b>{html.escape(t('cost.total', lang))}</b></td>"
                    f"<td><b id='cf-cost-total' data-value='{c.total_cost_idr_bn!r}'>"
                    f"{self._money('cost.idr_bn', c.total_cost_idr_bn, lang)}</b></td></tr></table>")
        return body + f"<p class='cf-muted'>{html.escape(t('cost.note', lang))}</p>"

    def _status_html(self, lang: str, answered: float | None, error: str | None = None) -> str:
        ready = f"data-ready='{str(self._ready).lower()}'"
        if error is not None:
            return (f"<div class='cf-status cf-error' id='cf-status' {ready}>"
                    f"{html.escape(t('status.rejected', lang, message=error))}</div>")
        if answered is None:
            text = t("status.baseline", lang) if self.view.state == self.core.initial_state(lang) else ""
            return f"<div class='cf-status' id='cf-status' {ready}>{html.escape(text)}&nbsp;</div>"
        ms = answered * 1000.0
        return (f"<div class='cf-status' id='cf-status' {ready}><span id='cf-latency' data-ms='{ms:.1f}'>"
                f"{html.escape(t('status.answered', lang, ms=ms))}</span></div>")

    def _render_saved(self) -> None:
        lang = self.state.lang
        if self.core.saved:
            text = t("save.list", lang, names=", ".join(self.core.saved))
        else:
            text = t("save.list_empty", lang)
        self.saved_list.object = f"<p class='cf-muted' id='cf-saved-list'>{html.escape(text)}</p>"

    def _apply(self, view: View, answered: float | None) -> None:
        """Send what changed: a line whose values did not move and a text that reads the same are
        not sent again (Panel skips equal texts; the lines are compared here)."""
        lang = view.state.lang
        self._syncing = True      # the sliders follow the switched programmes (no change event back)
        try:
            for name, w in self.sliders.items():
                shown = view.levers_end.get(name)
                if shown is not None and not math.isclose(float(w.value), shown, rel_tol=1e-9, abs_tol=1e-12):
                    w.value = min(max(shown, w.start), w.end)
        finally:
            self._syncing = False
        self.why_pane.object = ""
        for name, src in self.sources.items():
            new = view.values[name]
            old = src.data.get("value")
            band = band_data(view.band, name)
            band_src = self.band_sources[name]
            moved = not np.array_equal(band_src.data.get("low"), band["low"]) or \
                not np.array_equal(band_src.data.get("high"), band["high"])
            if moved:
                band_src.data = band
            if old is None or len(old) != len(new) or not np.array_equal(old, new) or moved:
                src.data["value"] = new          # only this column is sent (the times never change)
                lo, hi = y_bounds(new, view.baseline[name], *band_lines(view.band, name))
                y = self.figures[name].y_range
                if (y.start, y.end) != (lo, hi):
                    y.update(start=lo, end=hi)
            self.values[name].object = self._indicator_html(name, view)
        self.scorecard.object = self._scorecard_html(view)
        self.cost_html.object = self._cost_html(view)
        items = view.cost.items
        titles = [i.title(lang) for i in items]
        totals = [i.total_cost_idr_bn for i in items]
        if titles[::-1] != list(self.cost_fig.y_range.factors) or totals != list(self.cost_source.data["total"]):
            self.cost_fig.y_range.factors = titles[::-1]    # the first switched on at the top
            self.cost_source.data = {"title": titles, "total": totals}
            self.cost_fig.height = 50 + 28 * max(1, len(items))
        self.cost_fig_pane.visible = bool(items)
        self.status.object = self._status_html(lang, answered)

    # ---------------------------------------------------------------- events
    def _change(self, state, revert=None) -> None:
        t0 = time.perf_counter()
        try:
            view = self.core.update(state)
        except CityfuturesError as exc:      # ScenarioError / RunError: one line, nothing applied
            self._refuse(exc, revert)
            return
        language_changed = state.lang != self.state.lang
        self.state, self.view = state, view
        with self.pn.io.hold():
            if language_changed:
                self._relabel()
            self._apply(view, answered=time.perf_counter() - t0)

    def _on_lever(self, name: str, event) -> None:
        if self._syncing or event.new is None:
            return
        start = self.core.lever(name).start
        previous = self.view.levers_end.get(name, start)
        revert = lambda: setattr(self.sliders[name], "value", previous)
        try:                      # the slider shows the end value: set the base that gives it
            base = self.core.lever_base(self.state, name, float(event.new))
        except CityfuturesError as exc:
            self._refuse(exc, revert)
            return
        self._change(self.state.with_lever(name, base, start=start), revert=revert)

    def _refuse(self, exc: CityfuturesError, revert=None) -> None:
        """Show the one-line error and put the widget that asked back where it was (without a new run)."""
        self.status.object = self._status_html(self.state.lang, None, error=str(exc))
        if revert is not None:
            self._syncing = True
            try:
                revert()
            finally:
                self._syncing = False

    def _on_budget_card(self, event) -> None:
        if not event.new and self._budget_pending:
            self._budget_pending = False
            threading.Thread(target=self._budget_curve_quietly, daemon=True).start()

    def _budget_curve_quietly(self) -> None:
        try:
            self.core.budget_curve()
        except CityfuturesError:      # shown when the slider is moved
            pass

    def _on_budget(self, event) -> None:
        """The best portfolio within the budget (from the budget curve) switched on, the others off."""
        if self._syncing or event.new is None:
            return
        try:
            state = self.core.budget_state(self.state, float(event.new))
        except CityfuturesError as exc:
            self.status.object = self._status_html(self.state.lang, None, error=str(exc))
            return
        self._syncing = True
        try:
            for (kind, name), w in self.switches.items():
                if kind in ("programme", "bundle"):
                    w.value = kind == "programme" and name in state.programmes
        finally:
            self._syncing = False
        self._change(state)

    def _on_weight(self, focus_area: str, event) -> None:
        if self._syncing or event.new is None:
            return
        previous = self.core.focus_weight(self.state, focus_area)
        self._change(self.state.with_weight(focus_area, float(event.new)),
                     revert=lambda: setattr(self.weight_sliders[focus_area], "value", previous))

    def _on_why(self, _event=None) -> None:
        lang = self.state.lang
        try:
            found = self.core.why(self.state)
        except CityfuturesError as exc:
            self.why_pane.object = f"<p class='cf-worse' id='cf-why'>{html.escape(str(exc))}</p>"
            return
        self.why_pane.object = why_html(found, self.core.model, lang)

    def _on_switch(self, kind: str, name: str, event) -> None:
        if self._syncing:
            return
        self._change(self.state.with_switch(kind, name, bool(event.new)),
                     revert=lambda: setattr(self.switches[(kind, name)], "value", bool(event.old)))

    def _on_lang(self, event) -> None:
        if self._syncing or event.new not in LANGUAGES:
            return
        self._change(self.state.with_lang(event.new))

    def _on_reset(self, _event=None) -> None:
        self._syncing = True
        try:
            for name, w in self.sliders.items():
                w.value = self.core.lever(name).start
            for w in self.switches.values():
                w.value = False
            for fa, w in self.weight_sliders.items():
                w.value = self.core.focus_weight(self.core.initial_state(), fa)
        finally:
            self._syncing = False
        self._change(self.core.initial_state(self.state.lang))

    def _shown(self, path) -> str:
        """``path`` as the facilitator knows it: relative to the folder above the scenarios when inside it."""
        root = self.core.root.parent
        return (path.relative_to(root) if path.is_relative_to(root) else path).as_posix()

    def _message(self, msg: str, ok: bool) -> None:
        cls = "cf-better" if ok else "cf-worse"
        msg = msg.encode("utf-8", "replace").decode("utf-8")      # a lone surrogate cannot escape the page
        self.save_message.object = (f"<p class='cf-message {cls}' id='cf-save-message' data-ok='{str(ok).lower()}'>"
                                    f"{html.escape(msg, quote=True)}</p>")

    def _saved(self, kind: str, call) -> None:
        """Run a save or an export; whatever goes wrong is said in the page, never lost in a log."""
        lang = self.state.lang
        try:
            path = call()
        except CityfuturesError as exc:
            msg, ok = t(f"{kind}.failed", lang, message=str(exc)), False
        except Exception as exc:  # noqa: BLE001 - the page must say it: an internal error, named
            msg, ok = t(f"{kind}.failed", lang, message=f"internal error: {type(exc).__name__}: {exc}"), False
        else:
            msg, ok = t(f"{kind}.done", lang, path=self._shown(path)), True
        self._message(msg, ok)

    def _on_save(self, _event=None) -> None:
        name = (self.save_name.value or "").strip()
        self._saved("save", lambda: self.core.save(self.state, name, title_en=self.save_title_en.value or None,
                                                   title_id=self.save_title_id.value or None, owner=self.owner))
        self._render_saved()

    def _on_export(self, _event=None) -> None:
        name = (self.export_name.value or "").strip()
        self._saved("export", lambda: self.core.export_comparison(name, owner=self.owner))


def serve(folder, *, port: int = 5006, host: str = "127.0.0.1", comparison=None, lang: str = "en",
          show: bool = False, ready=None, allow_origin=(), max_sessions: int = MAX_SESSIONS) -> None:
    """Serve the page for ``folder`` on ``host:port`` until interrupted.

    Parameters
    ----------
    folder : path
        The scenario folder (see :class:`~cityfutures.dashboard.state.Dashboard`).
    port : int
    host : str
        The address to listen on: loopback (127.0.0.1) unless given explicitly.
    comparison : path, optional
    lang : {"en", "id"}
        The first language of new pages.
    show : bool
        Open a browser tab.
    ready : callable, optional
        Called with the URL once the server listens (the CLI prints it).
    allow_origin : iterable of str
        More ``HOST[:PORT]`` addresses the page answers to (HTTP and websocket alike).
    max_sessions : int
        Most sessions (tabs) at once (:mod:`cityfutures.dashboard.guard`).
    """
    require_panel()
    import panel as pn

    core = Dashboard(folder, comparison)

    def page():
        return DashboardPage(core, lang).layout

    allowed = allowed_addresses(host, port, allow_origin)
    provider, patterns = _guard(allowed, max_sessions)
    url = f"http://{host if ':' not in host else '[' + host + ']'}:{port}/"
    origins = [a for a in allowed if not a.startswith("[")]       # Bokeh's origin list takes no IPv6 literal
    server = pn.serve({"/": page}, address=host, port=port, show=show, websocket_origin=origins,
                      title=f"cityfutures: {core.comparison.title(lang)}", verbose=False, start=False,
                      auth_provider=provider, extra_patterns=patterns)
    if ready is not None:
        ready(url, core)
    server.start()
    try:
        server.io_loop.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


REFUSED = "/cityfutures-refused"


def _guard(allowed: list[str], max_sessions: int):
    """Bokeh's hook on every request (:func:`cityfutures.dashboard.guard.refusal`) and the page that says why.

    A refused request is sent to :data:`REFUSED` (403, one line) before any session is made; the
    session cap counts only requests for the page itself.
    """
    from urllib.parse import urlencode

    from bokeh.server.auth_provider import AuthProvider
    from bokeh.server.views.doc_handler import DocHandler
    from tornado.web import RequestHandler

    class Refused(RequestHandler):
        def get(self):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(f"cityfutures dashboard: {self.get_argument('why', 'refused')}\n")

    def user(handler):
        page = isinstance(handler, DocHandler)
        sessions = sum(len(list(ctx.sessions)) for ctx in handler.application.applications.values()) if page else 0
        why = refusal(handler.request.headers, allowed, sessions, max_sessions)
        handler.cf_refusal = why
        return None if why else "workshop"

    class Guard(AuthProvider):
        @property
        def get_user(self):
            return user

        @property
        def get_login_url(self):
            return lambda handler: REFUSED + "?" + urlencode({"why": getattr(handler, "cf_refusal", "") or "refused"})

    return Guard(), [(REFUSED, Refused)]
