"""The workshop page in headless Chromium: load, move a slider, switch, change language, save, export.

Needs Debian's ``chromium`` package and Playwright's Python package (no browser download:
Playwright drives ``/usr/bin/chromium`` through ``executable_path``); skipped with the reason
when either is missing. The server runs as ``cityfutures dashboard`` in a subprocess on a free
port, over a copy of ``scenarios/`` under ``tmp_path``. Requests to anywhere but the server are
blocked and must not happen (the page works without internet).

Set ``CITYFUTURES_SCREENSHOTS=DIR`` to keep the page's screenshots (English and Indonesian) in DIR.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from cityfutures.cli import main
from cityfutures.dashboard.app import TICK_JS, TICK_SEPARATORS
from cityfutures.scenario.load import load_comparison, load_scenario
from tests.dashboard.server import dashboard_server

CHROMIUM = os.environ.get("CITYFUTURES_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
ERP_SLIDER = ".cf-lever-electronic-road-pricing-charge .noUi-handle"
MRT_SLIDER = ".cf-lever-mrt-extension-capacity-target .noUi-handle"
VALUE = "#value-congestion-level"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = expect = None

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sync_playwright is None, reason="Playwright's Python package is not installed "
                       "(pip install playwright; no browser download needed)"),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"Chromium not found at {CHROMIUM} "
                       "(apt-get install -y chromium)"),
]

# time from a key press to the changed value on screen, measured in the page
LATENCY_JS = """
window.__deep = (sel) => {
  const walk = (root) => {
    const hit = root.querySelector(sel); if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const h = walk(el.shadowRoot); if (h) return h; } }
    return null; };
  return walk(document); };
window.__watch = (sel) => {
  const start = window.__deep(sel).textContent;
  window.__changedAt = null;
  const tick = () => { const e = window.__deep(sel);
    if (e && e.textContent !== start) { window.__changedAt = performance.now(); return; }
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); };
document.addEventListener('keydown', () => { window.__pressAt = performance.now(); }, true);
"""


@pytest.fixture
def server(tmp_path):
    lib = tmp_path / "scenarios"
    shutil.copytree(Path(__file__).resolve().parents[2] / "scenarios", lib,
                    ignore=shutil.ignore_patterns("sessions", ".*"))
    with dashboard_server(lib, tmp_path) as (port, log):
        yield f"http://127.0.0.1:{port}/", lib, log


def _text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def _wait_changed(page, selector: str, old: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = _text(page, selector)
        if now != old:
            return now
        time.sleep(0.05)
    raise AssertionError(f"{selector} still shows {old!r} after {timeout} s")


def _shot(page, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str(tmp_path / name), full_page=True)
    keep = os.environ.get("CITYFUTURES_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / name, Path(keep) / name)


TICK_CASES = [  # (ticks, digits, en, id): the page's number format on axes and sliders
    ([30000, 35000, 40000, 45000], -1, ["30,000", "35,000", "40,000", "45,000"],
     ["30.000", "35.000", "40.000", "45.000"]),
    ([0.5925, 0.593, 0.5935], -1, ["0.5925", "0.5930", "0.5935"], ["0,5925", "0,5930", "0,5935"]),
    ([0, 0.25, 0.5], -1, ["0.00", "0.25", "0.50"], ["0,00", "0,25", "0,50"]),
    ([-1000, 0, 1000], -1, ["-1,000", "0", "1,000"], ["-1.000", "0", "1.000"]),
    ([12.5], 1, ["12.5"], ["12,5"]),
    ([0.6], 2, ["0.60"], ["0,60"]),
]


def test_numbers_on_axes_and_sliders_in_each_language():
    """TICK_JS (the Bokeh formatter of axes and slider values) run in the browser's JavaScript engine."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            for ticks, digits, en, id_ in TICK_CASES:
                for lang, want in (("en", en), ("id", id_)):
                    sep = TICK_SEPARATORS[lang]
                    got = page.evaluate(
                        "([code, ticks, th, dec, dg]) => { const f = new Function("
                        "'tick', 'index', 'ticks', 'thousands', 'decimal', 'digits', code);"
                        " return ticks.map((t, i) => f(t, i, ticks, th, dec, dg)); }",
                        [TICK_JS, ticks, sep["thousands"], sep["decimal"], digits])
                    assert got == want, (lang, ticks, digits)
        finally:
            browser.close()


def test_page_answers_a_slider_and_saves_a_valid_scenario(server, tmp_path):
    url, lib, log = server
    external: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(30_000)

            def route(r):
                if r.request.url.startswith(url):
                    r.continue_()
                else:
                    external.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(url)
            page.wait_for_selector("#cf-status[data-ready=true]")
            page.evaluate(LATENCY_JS)

            # move a slider: the congestion indicator answers
            before = _text(page, VALUE)
            before_value = float(page.locator(VALUE).get_attribute("data-value"))
            page.locator(ERP_SLIDER).first.focus()
            page.evaluate(f"window.__watch('{VALUE}')")
            page.keyboard.press("End")             # the charge to its maximum
            after = _wait_changed(page, VALUE, before)
            after_value = float(page.locator(VALUE).get_attribute("data-value"))
            assert after_value < before_value, (before, after)
            page.wait_for_function("window.__changedAt !== null")
            ms = page.evaluate("window.__changedAt - window.__pressAt")
            server_ms = float(page.locator("#cf-latency").get_attribute("data-ms"))
            print(f"\nslider -> value on screen: {ms:.0f} ms (server {server_ms:.0f} ms)")

            # a bad combination is rejected with the file's message and the switch goes back
            page.keyboard.press("Home")
            _wait_changed(page, VALUE, after)
            mrt = page.locator(MRT_SLIDER).first
            mrt.focus()
            page.keyboard.press("End")                 # MRT extension at its maximum ...
            page.wait_for_function("() => window.__deep('#cf-latency') !== null")
            page.locator(".cf-programme-mrt-phase-2 input").check()   # ... plus MRT phase 2: out of range
            page.wait_for_selector("#cf-status.cf-error")
            assert "outside its range" in _text(page, "#cf-status")
            expect(page.locator(".cf-programme-mrt-phase-2 input")).not_to_be_checked()
            mrt.focus()
            page.keyboard.press("Home")
            page.wait_for_selector("#cf-latency")
            page.locator(".cf-programme-mrt-phase-2 input").check()
            expect(page.locator("#cf-cost-total")).to_have_attribute("data-value", "30600.0")
            _shot(page, tmp_path, "dashboard-en.png")

            # language switch
            page.locator(".cf-lang button", has_text="Bahasa Indonesia").click()
            expect(page.locator("#cf-scorecard")).to_contain_text("Indikator", timeout=20_000)
            expect(page.locator("h2", has_text="Kartu skor")).to_be_visible()
            expect(page.locator(VALUE)).to_have_text(re.compile(r"^0,\d{3}$"))   # Indonesian decimal comma
            expect(page.locator(".cf-lever-electronic-road-pricing-charge")).to_contain_text(",")
            # every chart title is whole (wrapped, not cut) in the longer language
            titles = page.evaluate("""() => { const out = [];
              const walk = (root) => { for (const el of root.querySelectorAll('*')) {
                if (el.classList && el.classList.contains('cf-chart-title'))
                  out.push([el.textContent, el.scrollWidth <= el.clientWidth + 1]);
                if (el.shadowRoot) walk(el.shadowRoot); } };
              walk(document); return out; }""")
            shown = len(load_comparison(lib / "workshop-2018.yaml").indicators)   # one chart per indicator
            assert len(titles) == shown and [t for t, whole in titles if not whole] == [], titles
            _shot(page, tmp_path, "dashboard-id.png")

            # save: a bad name is refused, a good one validates and runs
            page.locator(".cf-save-name input").fill("../escape")
            page.locator(".cf-save-button button").click()
            page.wait_for_selector("#cf-save-message[data-ok=false]")
            assert "slug" in _text(page, "#cf-save-message")
            page.locator(".cf-save-name input").fill("group-3-try-1")
            page.locator(".cf-save-button button").click()
            page.wait_for_selector("#cf-save-message[data-ok=true]")
            saved = lib / "sessions" / "group-3-try-1.yaml"
            assert saved.is_file()
            assert main(["validate", str(saved)]) == 0
            sc = load_scenario(saved)
            assert [iv.lever for iv in sc.interventions] == ["MRT extension capacity target"]
            assert sc.set == {}

            # export the session as a comparison
            page.locator(".cf-export-name input").fill("session-1")
            page.locator(".cf-export-button button").click()
            page.wait_for_selector("#cf-save-message[data-ok=true] >> text=session-1")
            comp = load_comparison(lib / "sessions" / "session-1.yaml")
            assert [s.name for s in comp.interventions] == ["group-3-try-1"]
        finally:
            browser.close()
    assert external == [], f"the page asked the internet for {external}"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".yaml"
                  and "sessions" in p.parts) == ["group-3-try-1.yaml", "session-1.yaml"]
