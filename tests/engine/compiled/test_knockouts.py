"""Link knockouts on the compiled engine: every cut of a model chosen at run time in one kernel, with the
batch engine's results (relative 1e-9 on every indicator's effect).

The knockout kernels of chains.mdl (every pathway link of a model with a sidecar) and of jakarta.mdl (572
links, about 30 s of compiling cold), and a handful of jakarta links in a kernel compiled for their cuts.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from cityfutures.analysis.knockout import knockout
from cityfutures.analysis.pathways import _graph, links_between
from cityfutures.engine.batch.codegen import cut_links
from cityfutures.engine.compiled import COMPILE_TIMES, compile_model
from cityfutures.engine.compiled.kernel import INTRINSICS
from cityfutures.engine.simulate import simulate, simulate_knockouts
from cityfutures.errors import EngineFallbackWarning
from cityfutures.model import load_model
from tests.helpers import DATA, JAKARTA

RTOL = 1e-9
INDICATORS = ["Flood damage", "Congestion level", "Piped water coverage"]


def _effects(engine: str, model, params, links, indicators=INDICATORS, **kw):
    return knockout(model, params, cuts=links, indicators=indicators, engine=engine, together=False, **kw)


def assert_same(compiled, batch) -> None:
    """Every effect within RTOL, with an absolute floor of 1e-12 times its indicator's largest magnitude."""
    a, b = compiled.table, batch.table
    assert list(a.pathway) == list(b.pathway) and list(a.indicator) == list(b.indicator)
    scale = {ind: float(abs(batch.reference[ind]).max()) for ind in set(b.indicator)}
    floor = 1e-12 * b["indicator"].map(scale).to_numpy()
    x, y = a["effect"].to_numpy(), b["effect"].to_numpy()
    ok = np.isclose(x, y, rtol=RTOL, atol=0, equal_nan=True) | (np.abs(x - y) <= floor)
    assert ok.all(), b[~ok].assign(compiled=a["effect"][~ok])
    assert np.nanmax(np.abs(y)) > 0


@pytest.fixture(scope="module")
def jakarta_links():
    model = load_model(JAKARTA)
    out, into, _kind = _graph(model)
    return model, links_between(out, into, ["MRT extension capacity target", "Reservoir area target"], INDICATORS)


def test_the_knockout_kernel_knocks_out_as_the_batch_engine():
    model = load_model(DATA / "knockout" / "chains.mdl")
    out, into, _kind = _graph(model)
    indicators = list(model.indicators)
    links = links_between(out, into, ["Lever"], indicators)
    cm = compile_model(model.path)
    graph = cm.batch.graph
    assert {(graph.nodes[graph.labels[label]].element, target) for label, target, _g in cm.cut_links()} == set(links)
    a = _effects("batch", model, {"Lever": 2.0}, links, indicators, batch=2)
    b = _effects("compiled", model, {"Lever": 2.0}, links, indicators, batch=2)
    assert_same(b, a)
    ref = a.reference.isel(run=0)
    ds = simulate_knockouts(model, {"Lever": 2.0}, links, {s: (ref["time"], ref[s]) for s, _t in links}, dt=1.0)
    assert ds is not None and ds.attrs["engine"] == "compiled"      # the knockout kernel ran them


def test_jakarta_cuts_agree_with_the_batch_engine(jakarta_links):
    """A handful of jakarta links cut in one run: a kernel compiled for these cuts (not knockouts)."""
    model, links = jakarta_links
    params = {"MRT extension capacity target": 200000.0, "Reservoir area target": 400.0}
    ref = simulate(model, engine="batch", saveper=0.0625)
    cut = {link: ref[link[0]].isel(run=0) for link in [*links[:3], *(x for x in links if x[0] in params)]}
    a = simulate(model, params, engine="compiled", cut=cut, variables=INDICATORS)
    b = simulate(model, params, engine="batch", cut=cut, variables=INDICATORS, scalar=False)
    assert a.attrs["engine"] == "compiled"
    for ind in INDICATORS:
        np.testing.assert_allclose(a[ind].values, b[ind].values, rtol=RTOL, atol=1e-12 * float(abs(b[ind]).max()))
    whole = simulate(model, params, engine="batch", variables=INDICATORS)
    assert any(not np.allclose(a[ind].values, whole[ind].values, rtol=1e-6) for ind in INDICATORS)


@pytest.mark.slow
def test_jakarta_knockouts_agree_with_the_batch_engine(jakarta_links):
    model, links = jakarta_links
    assert len(links) > 20
    params = {"MRT extension capacity target": 200000.0, "Reservoir area target": 400.0}
    a = _effects("batch", model, params, links, batch=40)
    before = len(COMPILE_TIMES)
    b = _effects("compiled", model, params, links, batch=40)
    assert_same(b, a)
    # another set of links and params: the same knockout kernel (nothing new compiled)
    c = _effects("compiled", model, {"MRT extension capacity target": 50000.0}, links[:7], batch=3)
    d = _effects("batch", model, {"MRT extension capacity target": 50000.0}, links[:7], batch=3)
    assert_same(c, d)
    assert len({c[1] for c in COMPILE_TIMES[before:]}) <= 2       # the plain kernel and the knockout kernel
    ref = a.reference.isel(run=0)
    ds = simulate_knockouts(model, params, links[:2], {s: (ref["time"], ref[s]) for s, _t in links[:2]}, dt=0.0625,
                            variables=INDICATORS)
    assert ds is not None and ds.attrs["engine"] == "compiled"      # the knockout kernel ran them


def test_cuts_that_are_not_knockouts_compile_a_kernel_of_their_own():
    cm = compile_model(DATA / "knockout" / "pathways.mdl")
    times = np.arange(0.0, 11.0)
    one = {("A", "Sum"): np.full(11, 2.0), ("B", "Sum"): np.full(11, 3.0)}   # two links in one run
    job = cm.batch.prepare({}, cut={k: (times, v) for k, v in one.items()}, dt=1.0, saveper=1.0)
    assert cm.knockouts(job, times) is None
    job = cm.batch.prepare({}, cut={("A", "Sum"): (times, np.full(11, 2.0))}, dt=1.0, saveper=1.0)
    cut, ref = cm.knockouts(job, times)
    assert cut.tolist() == [cm.cut_links()[[link[:2] for link in cm.cut_links()].index(("A", "Sum"))][2]]
    assert np.isfinite(ref).sum() == 11


def test_the_knockout_kernel_holds_the_links_of_pathways_only(jakarta_links):
    model, _links = jakarta_links
    cm = compile_model(JAKARTA)
    out, into, _kind = _graph(model)
    inputs = [*model.levers, *(shock.input for shock in model.shocks.values())]
    wanted = set(links_between(out, into, inputs, list(model.indicators)))
    graph = cm.batch.graph
    held = {(graph.nodes[graph.labels[label]].element, target) for label, target, _g in cm.cut_links()}
    assert held == wanted
    assert len(held) < len(cut_links(graph))


def test_a_link_outside_the_knockout_kernel_runs_on_the_batch_engine(jakarta_links):
    model, _links = jakarta_links
    cm = compile_model(JAKARTA)
    graph = cm.batch.graph
    held = {link[:2] for link in cm.cut_links()}
    outside = next((graph.nodes[graph.labels[label]].element, target) for label, target, _g in cut_links(graph)
                   if (label, target) not in held)
    times = np.arange(2018.0, 2029.0)
    assert cm.knock_inputs([outside], {outside[0]: (times, times)}, times) is None
    assert simulate_knockouts(model, {}, [outside], {outside[0]: (times, times)}) is None   # knockout: batch


def test_every_kernel_names_the_intrinsics_it_calls():
    """numba's cache checks only the kernel's own file: the intrinsics' hash in every kernel's source gives new
    files when they change."""
    cm = compile_model(DATA / "knockout" / "pathways.mdl")
    job = cm.batch.prepare({}, n_runs=1, dt=1.0, saveper=1.0)
    plain, knocks = cm.kernel(job).spec.source, cm.kernel(job, knockouts=True).spec.source
    for source in (plain, knocks):
        assert f"sha256 {INTRINSICS}" in source
    assert "_ki.pick(" in knocks


def test_a_boolean_variable_is_cut_as_a_number(tmp_path):
    """A cut source that is a comparison (a boolean in the kernel) is made a float exactly (``x * 1.0``):
    the knockout kernel compiles and knocks it out as the batch engine does."""
    path = tmp_path / "switch.mdl"
    path.write_text(
        "{UTF-8}\nLever= 1\n\t~\tDmnl [0,10]\n\t~\t|\n\nLevel= INTEG(Lever, 0)\n\t~\tDmnl\n\t~\t|\n\n"
        "Switch= Level > 3\n\t~\tDmnl\n\t~\tA comparison: 0 or 1.\n\t|\n\n"
        "Output= 10 * Switch + Level\n\t~\tDmnl\n\t~\t|\n\n"
        "INITIAL TIME = 0\n\t~\tYear\n\t~\t|\n\nFINAL TIME = 10\n\t~\tYear\n\t~\t|\n\n"
        "TIME STEP = 1\n\t~\tYear [0,?]\n\t~\t|\n\nSAVEPER = TIME STEP\n\t~\tYear [0,?]\n\t~\t|\n")
    model = load_model(path)
    links = [("Switch", "Output"), ("Level", "Output")]
    a = _effects("batch", model, {"Lever": 2.0}, links, ["Output"], batch=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EngineFallbackWarning)
        b = _effects("compiled", model, {"Lever": 2.0}, links, ["Output"], batch=2)
    assert_same(b, a)
    ref = a.reference.isel(run=0)
    ds = simulate_knockouts(model, {"Lever": 2.0}, links, {s: (ref["time"], ref[s]) for s, _t in links}, dt=1.0,
                            variables=["Output"])
    assert ds is not None and ds.attrs["engine"] == "compiled"
