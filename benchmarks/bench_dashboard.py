"""How fast does the dashboard answer a slider move? (server side, no browser)

Each step moves one lever to a new value (never seen before, so nothing comes from the cache),
the way a room drags sliders, and times ``Dashboard.update(state)``: validation of the
scenario, the plan, the batch run of ten years and the comparison with the baseline. A second
series switches programmes on and off. With Panel installed, a third series times the page's
whole callback in a Bokeh document (``DashboardPage``: ``update`` plus the lines, texts,
scorecard and cost it changes), everything the server does before it sends the change.
The target is 150 ms from a slider move to the answer on screen; the browser test
(tests/dashboard/test_browser.py, run with -s) prints the key-press-to-screen time of one move.

Measured (2 CPUs, x86_64, load average about 2, models/jakarta.mdl 2018-2028, nine indicators
requested; 27 Nov 2026; "before" is commit 4472400 run with this script)
-------------------------------------------------------------------------------------------
==============================================  =================  =================
                                                before             after
==============================================  =================  =================
``update()``, slider move (n=60)                9.5 / 29.1 ms      3.2 / 3.3 ms
``update()``, programme/bundle switch (n=18)    29.6 / 31.6 ms     24.1 / 25.3 ms
page callback, slider move (n=60)               15.4 / 34.5 ms     4.8 / 5.0 ms
browser: key press -> value on screen (n=30)    94.5 / 105.4 ms    51.6 / 61.9 ms
browser: "Answered in" shown (n=30)             9.8 / 16.1 ms      7.9 / 11.1 ms
browser: language switch -> redrawn (n=6)       244 / 1276 ms      178 / 186 ms
                                                (max 2.3 s)        (max 188 ms)
==============================================  =================  =================

(median / p90.) The browser figures come from ``--browser N``: it serves ``cityfutures dashboard``
over the folder and drives headless Chromium (``/usr/bin/chromium``, Playwright) with the browser
test's method: a key press on the road-pricing slider (one step up each time, so every answer is
a new run), then the first animation frame whose ``#value-congestion-level`` value differs; then
six language switches.
Where the time went before: every HTML pane re-sent its stylesheets with its text, so each
change re-indexed the Bokeh document (about 20 ms a time on the server) and restyled the panes
in the browser (a language switch took up to 2.3 s); Panel waited 50 ms before handling a
browser change; every line was re-sent whole, and the browser sent nine y ranges and plot
widths back after each change. In ``update()``: the batch engine compiled a new program for
each new set of moved levers (about 40 ms, the p90), and the percent change went through
xarray once per indicator.

Usage::

    python benchmarks/bench_dashboard.py [--scenarios scenarios] [--moves 60] [--seed 42] [--browser 30]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from cityfutures.dashboard import Dashboard


def _summary(label: str, ms: list[float]) -> str:
    a = np.asarray(ms)
    return (f"{label:<34} n={a.size:<4} median {np.median(a):7.1f} ms   p90 {np.percentile(a, 90):7.1f} ms   "
            f"max {a.max():7.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenarios", default="scenarios")
    ap.add_argument("--moves", type=int, default=60)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--browser", type=int, default=0, metavar="N",
                    help="also measure N key presses -> value on screen in headless Chromium")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)

    t0 = time.perf_counter()
    d = Dashboard(args.scenarios)
    print(f"start-up (load comparison, run the baseline): {time.perf_counter() - t0:.2f} s")
    state = d.initial_state()
    d.update(state)                              # warm the engine's compiled program

    levers = d.controls_levers
    moves: list[float] = []
    for _ in range(args.moves):
        c = levers[rng.integers(len(levers))]
        k = rng.integers(0, int(round((c.maximum - c.minimum) / c.step)) + 1)
        value = float(f"{c.minimum + k * c.step:.12g}")
        state = state.with_lever(c.name, value, start=c.start)
        try:
            v = d.update(state)
        except Exception:                        # a move the model's ranges refuse: undo it
            state = state.with_lever(c.name, c.start, start=c.start)
            continue
        if not v.cached:
            moves.append(v.seconds * 1000)

    switches = [c for c in d.controls_switches if c.kind != "shock"]
    toggles: list[float] = []
    state = d.initial_state()
    for _ in range(max(10, args.moves // 3)):
        c = switches[rng.integers(len(switches))]
        on = c.name not in (state.programmes if c.kind == "programme" else state.bundles)
        candidate = state.with_switch(c.kind, c.name, on)
        try:
            v = d.update(candidate)
        except Exception:
            continue
        state = candidate
        if not v.cached:
            toggles.append(v.seconds * 1000)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")
    print(_summary("slider move (new value)", moves))
    print(_summary("programme/bundle switch", toggles))
    print(f"cached answer (same scenario again): {statistics.median(_cached(d, state)):.2f} ms")
    page = _page_moves(d, args.moves, rng)
    if page:
        print(_summary("page callback, slider move", page))
    if args.browser:
        for label, ms in _browser(args.scenarios, args.browser).items():
            print(_summary(label, ms))


_LATENCY_JS = """
window.__deep = (sel) => {
  const walk = (root) => {
    const hit = root.querySelector(sel); if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) { const h = walk(el.shadowRoot); if (h) return h; } }
    return null; };
  return walk(document); };
window.__watch = (sel, attr) => {
  const read = (e) => attr ? e.getAttribute(attr) : e.textContent;
  const start = read(window.__deep(sel));
  window.__changedAt = null;
  const tick = () => { const e = window.__deep(sel);
    if (e && read(e) !== start) { window.__changedAt = performance.now(); return; }
    requestAnimationFrame(tick); };
  requestAnimationFrame(tick); };
document.addEventListener('keydown', () => { window.__pressAt = performance.now(); }, true);
"""


def _browser(folder: str, n: int) -> dict[str, list[float]]:
    """Key press -> value on screen, and language click -> page redrawn, in headless Chromium [ms]."""
    import shutil
    import socket
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"browser: key -> value on screen": [], "browser: server's answer": [],
                                   "browser: language -> redrawn": []}
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "scenarios"
        shutil.copytree(folder, lib, ignore=shutil.ignore_patterns("sessions", ".*"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        proc = subprocess.Popen([sys.executable, "-m", "cityfutures", "dashboard", "--scenarios", str(lib),
                                 "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=["--headless", "--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1500, "height": 1000})
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector("#cf-status[data-ready=true]")
                page.evaluate(_LATENCY_JS)
                handle = page.locator(".cf-lever-electronic-road-pricing-charge .noUi-handle").first
                handle.focus()
                page.keyboard.press("Home")
                time.sleep(0.5)
                for _ in range(n):                 # one step up each time: a new value, never cached
                    handle.focus()
                    page.evaluate("window.__watch('#value-congestion-level', 'data-value')")
                    page.keyboard.press("ArrowRight")
                    page.wait_for_function("window.__changedAt !== null")
                    out["browser: key -> value on screen"].append(
                        page.evaluate("window.__changedAt - window.__pressAt"))
                    time.sleep(0.15)
                    out["browser: server's answer"].append(
                        float(page.locator("#cf-latency").get_attribute("data-ms")))
                for lang in ["Bahasa Indonesia", "English"] * 3:
                    page.evaluate("window.__t0 = performance.now(); window.__watch('h2')")
                    page.locator(".cf-lang button", has_text=lang).click()
                    page.wait_for_function("window.__changedAt !== null")
                    out["browser: language -> redrawn"].append(page.evaluate("window.__changedAt - window.__t0"))
                    time.sleep(0.3)
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return out


def _page_moves(d: Dashboard, n: int, rng) -> list[float]:
    """The page's callback per slider move in a Bokeh document, as the server runs it [ms]."""
    try:
        import param
        from bokeh.document import Document
        from panel.io.state import set_curdoc

        from cityfutures.dashboard.app import DashboardPage
    except ImportError:
        return []
    doc = Document()
    out: list[float] = []
    with set_curdoc(doc):
        page = DashboardPage(d, "en")
        doc.add_root(page.layout.get_root(doc))
        for _ in range(n):
            c = d.controls_levers[rng.integers(len(d.controls_levers))]
            k = rng.integers(0, int(round((c.maximum - c.minimum) / c.step)) + 1)
            w = page.sliders[c.name]
            t0 = time.perf_counter()
            with param.edit_constant(w):
                w.value_throttled = float(f"{c.minimum + k * c.step:.12g}")
            if page.status.object and "cf-error" not in page.status.object:
                out.append((time.perf_counter() - t0) * 1000)
    return out


def _cached(d: Dashboard, state) -> list[float]:
    out = []
    for _ in range(20):
        out.append(d.update(state).seconds * 1000)
    return out


if __name__ == "__main__":
    main()
