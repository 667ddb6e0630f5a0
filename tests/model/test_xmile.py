"""Reading XMILE (:mod:`cityfutures.model.xmile`): safe parsing, refused constructs, added semantics.

Every expected value below is worked out by hand from the XMILE 1.0 specification (a
Euler step is ``stock += DT * (inflows - outflows)``), and both engines must give it.
"""
from __future__ import annotations

import resource
import warnings

import numpy as np
import pytest
from lxml import etree

from cityfutures.engine.simulate import simulate, simulate_table
from cityfutures.errors import InputError, ModelError
from cityfutures.model import xmile
from cityfutures.model.source import element_groups
from cityfutures.model.xmile import _parser, is_xmile, parse_xmile, read_xmile
from tests.helpers import XMILE_HEADER as HEADER, xmile_text

ENGINES = ("pysd", "batch")


def run(path, engine, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the batch engine must not fall back to PySD
        warnings.filterwarnings("ignore", module="pysd")
        return simulate_table(path, engine=engine, **kw)


# ----------------------------------------------------------------------------- safe parsing
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE xmile [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><vendor>&lol9;</vendor><product version="1">x</product></header>
<sim_specs><start>0</start><stop>1</stop><dt>1</dt></sim_specs>
<model><variables><aux name="a"><doc>&lol9;</doc><eqn>1</eqn></aux></variables></model>
</xmile>
"""


def test_billion_laughs_is_refused_without_expanding(tmp_path):
    path = tmp_path / "laughs.xmile"
    path.write_text(BILLION_LAUGHS)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for call in (parse_xmile, read_xmile, lambda p: simulate(p, engine="batch")):
        with pytest.raises(ModelError, match=r"declares XML entities \(lol, lol1, .*lol9\)") as err:
            call(path)
        assert str(err.value).startswith(f"{path}:") and "<!DOCTYPE>" in str(err.value)
    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 200_000  # [KiB]; expanded, &lol9; alone is 3 GB
    assert is_xmile(path)  # sniffing reads the root element without expanding anything either


def test_external_entity_is_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    path = tmp_path / "xxe.xml"
    path.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE xmile [<!ENTITY leak SYSTEM "file://{secret}">]>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
<header><vendor>x</vendor><product version="1">x</product></header>
<sim_specs><start>0</start><stop>1</stop><dt>1</dt></sim_specs>
<model><variables><aux name="a"><doc>&leak;</doc><eqn>1</eqn></aux></variables></model></xmile>
""")
    with pytest.raises(ModelError, match=r"declares XML entities \(leak\)") as err:
        simulate(path, engine="pysd")
    assert "TOP-SECRET" not in str(err.value)
    # the parser underneath neither fetches nor substitutes it
    root = etree.fromstring(path.read_bytes(), _parser())
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")


def test_a_doctype_without_entities_is_refused_too(tmp_path):
    path = tmp_path / "dtd.xmile"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE xmile SYSTEM "http://example.invalid/x.dtd">\n'
                    + xmile_text('<aux name="a"><eqn>1</eqn></aux>').split("\n", 1)[1])
    with pytest.raises(ModelError, match="document type declaration"):
        parse_xmile(path)


@pytest.mark.parametrize("text, message", [
    ("<xmile><header>", "not well-formed XML"),
    ('<?xml version="1.0"?><model/>', r"not an XMILE model: the root element is <model> \(allowed: <xmile>"),
    ('<xmile version="1.0"><header/></xmile>', "not in the XMILE namespace"),
    (HEADER + "<model><variables/></model></xmile>", r"<sim_specs>: the file has no <sim_specs>"),
    (HEADER + "<sim_specs><start>0</start></sim_specs><model><variables/></model></xmile>",
     "<sim_specs> has no <stop>"),
])
def test_malformed_files_name_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.xml"
    path.write_text(text)
    with pytest.raises(ModelError, match=message) as err:
        read_xmile(path)
    assert str(err.value).startswith(str(path))


def test_undeclared_vendor_prefixes_are_tolerated(write_xmile):
    """xmutil writes ``isee:`` elements without declaring the prefix; readers ignore them."""
    text = xmile_text('<aux name="a"><eqn>2</eqn><isee:delay_aux/></aux>').replace(
        "<sim_specs>", '<isee:prefs show_module_prefix="true"/><sim_specs isee:simulation_delay="0">')
    path = write_xmile("")
    path.write_text(text)
    assert run(path, "batch")["a"].iloc[-1] == 2


def test_files_larger_than_the_limit_are_not_read(write_xmile, monkeypatch):
    path = write_xmile('<aux name="a"><eqn>1</eqn></aux>')
    monkeypatch.setattr(xmile, "MAX_BYTES", 100)
    with pytest.raises(ModelError, match="an XMILE model is read up to"):
        parse_xmile(path)


def test_nothing_in_a_file_is_executed(write_xmile, tmp_path):
    """Names, documentation and units end up in PySD's generated Python: they stay text."""
    marker = tmp_path / "pwned"
    hostile = f'\"\"\"; open({str(marker)!r}, "w"); \"\"\"'
    path = write_xmile(f'<aux name="a"><doc>{hostile}</doc><units>{hostile}</units><eqn>1</eqn></aux>'
                       f'<aux name="b&quot;);open(&quot;{marker}&quot;,&quot;w&quot;)#"><eqn>a*2</eqn></aux>')
    for engine in ENGINES:
        try:
            run(path, engine)
        except (InputError, Exception):  # refusing is fine; running the text is not
            pass
    assert not marker.exists()


# ----------------------------------------------------------------------------- refused constructs
REFUSED = [
    ('<stock name="s"><eqn>1</eqn><outflow>f</outflow><conveyor><len>2</len></conveyor></stock>'
     '<flow name="f"><eqn>1</eqn></flow>', "<conveyor>", "stock 's': conveyors are not supported"),
    ('<stock name="s"><eqn>1</eqn><outflow>f</outflow><queue/></stock><flow name="f"><eqn>1</eqn></flow>',
     "<queue>", "stock 's': queues are not supported"),
    ('<stock name="s"><eqn>1</eqn><outflow>f</outflow></stock><flow name="f"><leak>0.1</leak></flow>',
     "<leak>", "flow 'f': conveyor leakage flows"),
    ('<stock name="s"><eqn>1</eqn><outflow>f</outflow></stock><flow name="f"><eqn>1</eqn><overflow/></flow>',
     "<overflow>", "flow 'f': queue overflows"),
    ('<module name="sub"/><aux name="a"><eqn>1</eqn></aux>', "<module>", "module 'sub'"),
    ('<aux name="a"><eqn>1</eqn><event_poster min="0" max="2"><threshold value="1"><event sim_action="stop"/>'
     '</threshold></event_poster></aux>', "<event_poster>", "aux 'a': an event poster that stops the run"),
    ('<aux name="a"/>', "<eqn>", "aux 'a' has no equation"),
    ('<aux name="a b"><eqn>1</eqn></aux><aux name="A_B"><eqn>2</eqn></aux>', "name",
     "aux 'A_B' has the name of aux 'a b'"),
    ('<aux name="a"><eqn>PREVIOUS(a, 0)</eqn></aux>', "PREVIOUS()", "'a' calls PREVIOUS"),
    ('<aux name="a"><eqn>grwoth * 2</eqn></aux><aux name="growth"><eqn>1</eqn></aux>', "<eqn>",
     "'a' refers to 'grwoth', which is not a variable of the model (allowed: did you mean 'growth'?)"),
    ('<aux name="a"><eqn>1 +* 2</eqn></aux>', "<eqn>", "aux 'a': PySD's XMILE translator cannot read the "
     "equation '1 +* 2'"),
]


@pytest.mark.parametrize("variables, construct, message", REFUSED, ids=[r[1] for r in REFUSED])
def test_constructs_that_cannot_be_run_as_meant_are_refused(write_xmile, variables, construct, message):
    path = write_xmile(variables)
    for engine in ENGINES:
        with pytest.raises(ModelError) as err:
            run(path, engine)
        text = str(err.value)
        assert text.startswith(f"{path}:") and f": {construct}: " in text and message in text, text


@pytest.mark.parametrize("top, construct", [
    ('<macro name="twice"><parm>x</parm><eqn>2*x</eqn></macro>', "<macro>"),
    ('<data><import resource="r.csv"/></data>', "<data>"),
    ('</xmile-top><model name="other"><variables/></model>', "<model>"),
])
def test_file_level_constructs_are_refused(tmp_path, top, construct):
    text = xmile_text('<aux name="a"><eqn>1</eqn></aux>')
    if top.startswith("</xmile-top>"):
        text = text.replace("</xmile>", top.replace("</xmile-top>", "") + "</xmile>")
    else:
        text = text.replace("<model>", top + "<model>")
    path = tmp_path / "m.xmile"
    path.write_text(text)
    with pytest.raises(ModelError, match=f": {construct}: "):
        read_xmile(path)


def test_quotes_in_dimension_names_are_refused(write_xmile):
    """Dimension names reach PySD's generated code between quotes: they may not hold one."""
    path = write_xmile('<aux name="a"><eqn>1</eqn></aux>',
                       top="""<dimensions><dim name="X']; open('pwned', 'w'); #"><elem name="a"/></dim></dimensions>""")
    with pytest.raises(ModelError, match=r"<dim name>: .* a dimension or element name with a quote"):
        read_xmile(path)


def test_unknown_integration_method_is_refused(write_xmile):
    with pytest.raises(ModelError, match=r"integration method 'rk45' is not supported \(allowed: euler, rk4\)"):
        run(write_xmile('<aux name="a"><eqn>1</eqn></aux>', method="rk45"), "batch")


# ----------------------------------------------------------------------------- added semantics
@pytest.mark.parametrize("engine", ENGINES)
def test_dt_starttime_stoptime_and_log10(write_xmile, engine):
    path = write_xmile('<aux name="a"><eqn>DT + STARTTIME * 10 + STOPTIME * 100</eqn></aux>'
                       '<aux name="b"><eqn>LOG10(1000)</eqn></aux>', start=1, stop=3, dt=0.5)
    t = run(path, engine)
    assert t["a"].iloc[0] == 0.5 + 10 + 300
    assert t["b"].iloc[0] == pytest.approx(3, rel=1e-15)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_models_own_sim_specs_and_behavior_count(write_xmile, engine):
    """Spec 4: a <model>'s sim_specs and behavior override the file's (PySD reads the file's only)."""
    path = write_xmile('<stock name="s"><eqn>1</eqn><outflow>f</outflow></stock><flow name="f"><eqn>2</eqn></flow>',
                       top='<behavior><non_negative/></behavior>', stop=100,
                       model_extra='<sim_specs><stop>3</stop><dt>0.5</dt></sim_specs>'
                                   '<behavior><stock><non_negative>false</non_negative></stock></behavior>')
    t = run(path, engine)
    assert list(t.index) == [0, 0.5, 1, 1.5, 2, 2.5, 3]
    assert t["s"].iloc[-1] == 1 - 3 * 2  # the stock is not non-negative; the flow still is


@pytest.mark.parametrize("engine", ENGINES)
def test_numbered_dimensions(write_xmile, engine):
    path = write_xmile('<aux name="a"><dimensions><dim name="N"/></dimensions><eqn>2</eqn></aux>'
                       '<aux name="b"><eqn>a[3] * 2</eqn></aux>',
                       top='<dimensions><dim name="N" size="3"/></dimensions>')
    t = run(path, engine)
    assert t["b"].iloc[0] == 4 and "a[3]" in t.columns


@pytest.mark.parametrize("engine", ENGINES)
def test_xmile_pulse_and_ramp(write_xmile, engine):
    """PULSE(magnitude, first[, interval]) moves ``magnitude`` in one DT; RAMP(slope, start)."""
    path = write_xmile('<aux name="p"><eqn>PULSE(3, 1)</eqn></aux><aux name="q"><eqn>PULSE(2, 1, 1.5)</eqn></aux>'
                       '<aux name="r"><eqn>RAMP(2, 1)</eqn></aux>', stop=4, dt=0.5)
    t = run(path, engine)
    assert list(t["p"]) == [0, 0, 6, 0, 0, 0, 0, 0, 0]
    assert list(t["q"]) == [0, 0, 4, 0, 0, 4, 0, 0, 4]
    assert list(t["r"]) == [0, 0, 0, 1, 2, 3, 4, 5, 6]


TWO_OUTFLOWS = ('<stock name="S"><eqn>10</eqn><outflow>O1</outflow><outflow>O2</outflow><non_negative/></stock>'
                '<flow name="O1"><eqn>4</eqn></flow><flow name="O2"><eqn>4</eqn></flow>')


@pytest.mark.parametrize("engine", ENGINES)
def test_non_negative_stock_serves_its_outflows_in_priority_order(write_xmile, engine):
    t = run(write_xmile(TWO_OUTFLOWS), engine)
    assert list(t["S"]) == [10, 2, 0, 0, 0]
    assert list(t["O1"]) == [4, 2, 0, 0, 0]   # first in the list: served first
    assert list(t["O2"]) == [4, 0, 0, 0, 0]   # what is left: nothing


@pytest.mark.parametrize("engine", ENGINES)
def test_a_biflow_inflow_running_backwards_takes_only_what_is_there(write_xmile, engine):
    """The SDXorg case non_negative_stocks (TestStock3): the stock's values are the canonical
    ones; the flow reports what actually flowed (-3.25 / 1.5 at t = 4.5, then 0)."""
    path = write_xmile('<flow name="if_else"><eqn>IF Time &gt; 10 THEN Time ELSE -Time</eqn></flow>'
                       '<stock name="TestStock3"><inflow>if_else</inflow><eqn>10</eqn>'
                       '<non_negative>true</non_negative></stock>', stop=15, dt=1.5)
    t = run(path, engine)
    np.testing.assert_allclose(t["TestStock3"], [10, 10, 7.75, 3.25, 0, 0, 0, 0, 15.75, 33.75, 54])
    np.testing.assert_allclose(t["if_else"], [0, -1.5, -3, -3.25 / 1.5, 0, 0, 0, 10.5, 12, 13.5, 15], atol=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_what_leaves_a_non_negative_stock_arrives_downstream_times_the_multiplier(write_xmile, engine):
    path = write_xmile('<stock name="A"><eqn>5</eqn><outflow>f</outflow><non_negative/></stock>'
                       '<stock name="B"><eqn>0</eqn><inflow>f</inflow></stock>'
                       '<flow name="f"><eqn>2</eqn><multiplier>3</multiplier></flow>', stop=5)
    t = run(path, engine)
    assert list(t["A"]) == [5, 3, 1, 0, 0, 0] and list(t["f"]) == [2, 2, 1, 0, 0, 0]
    assert list(t["B"]) == [0, 6, 12, 15, 15, 15]  # 3 x (5 - A)


def test_pysds_own_reading_clips_the_stock_and_loses_mass(write_xmile, tmp_path):
    """Why non-negative stocks are read here: PySD alone keeps the flow and clips the stock."""
    import pysd
    path = write_xmile('<stock name="A"><eqn>5</eqn><outflow>f</outflow><non_negative/></stock>'
                       '<stock name="B"><eqn>0</eqn><inflow>f</inflow></stock><flow name="f"><eqn>2</eqn></flow>',
                       stop=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pysd.read_xmile(str(path)).run(progress=False)
    assert theirs["A"].iloc[-1] == 0 and theirs["B"].iloc[-1] == 10  # 5 left A, 10 arrived in B
    ours = run(path, "pysd")
    assert ours["A"].iloc[-1] == 0 and ours["B"].iloc[-1] == 5


def test_non_negative_stocks_hold_over_many_random_runs(write_xmile):
    """1,000 random futures at once: every non-negative stock stays >= 0 and material is kept."""
    path = write_xmile(
        '<stock name="A"><eqn>a0</eqn><inflow>inA</inflow><outflow>f1</outflow><outflow>f2</outflow>'
        '<non_negative/></stock>'
        '<stock name="B"><eqn>0</eqn><inflow>f1</inflow><outflow>f3</outflow><non_negative/></stock>'
        '<stock name="C"><eqn>0</eqn><inflow>f2</inflow><inflow>f3</inflow></stock>'
        '<stock name="Source"><eqn>0</eqn><outflow>inA</outflow></stock>'
        '<flow name="inA"><eqn>k0 * SIN(TIME * k4)</eqn></flow>'
        '<flow name="f1"><eqn>k1 * (1 + SIN(TIME))</eqn></flow><flow name="f2"><eqn>k2 * A</eqn></flow>'
        '<flow name="f3"><eqn>k3</eqn></flow>'
        + "".join(f'<aux name="{k}"><eqn>1</eqn></aux>' for k in ("a0", "k0", "k1", "k2", "k3", "k4")),
        stop=20, dt=0.25)
    rng = np.random.default_rng(42)
    n = 1000
    params = {"a0": rng.uniform(0, 10, n), "k0": rng.uniform(-5, 5, n), "k1": rng.uniform(0, 8, n),
              "k2": rng.uniform(0, 6, n), "k3": rng.uniform(-2, 4, n), "k4": rng.uniform(0, 3, n)}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ds = simulate(path, params, engine="batch")
    assert ds["A"].min() >= -1e-9 and ds["B"].min() >= -1e-9
    total = ds["A"] + ds["B"] + ds["C"] + ds["Source"]
    np.testing.assert_allclose(total.values, np.broadcast_to(total.values[:, :1], total.shape), atol=1e-9)
    emptied = (ds["A"].values <= 1e-12).any(axis=1)
    assert emptied.sum() > 100  # many futures empty A, so its drains were cut back
    few = {k: v[:3] for k, v in params.items()}  # and PySD runs the same equations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = simulate(path, few, engine="pysd")
    np.testing.assert_allclose(theirs["B"], ds["B"].isel(run=slice(0, 3)), rtol=1e-9, atol=1e-12)


def test_a_non_negative_stock_needs_flows_that_are_flows(write_xmile):
    with pytest.raises(ModelError, match=r"stock 'S': its outflow 'x' is not a <flow> of the model"):
        read_xmile(write_xmile('<stock name="S"><eqn>1</eqn><outflow>x</outflow><non_negative/></stock>'
                               '<aux name="x"><eqn>1</eqn></aux>'))


def test_groups_and_method_are_read(write_xmile):
    path = write_xmile('<aux name="a"><eqn>1</eqn></aux><group name="sector one"><entity name="a"/></group>',
                       method="RK4")
    assert read_xmile(path).method == "rk4" and element_groups(path) == {"a": "sector one"}


@pytest.mark.parametrize("engine", ENGINES)
def test_graphical_function_types(write_xmile, engine):
    """continuous holds at the ends, extrapolate follows the end segments, discrete steps."""
    points = '<xpts>0,1,2</xpts><ypts>0,10,30</ypts>'
    path = write_xmile(f'<aux name="c"><eqn>TIME - 1</eqn><gf>{points}</gf></aux>'
                       f'<aux name="e"><eqn>TIME - 1</eqn><gf type="extrapolate">{points}</gf></aux>'
                       f'<aux name="d"><eqn>TIME - 1</eqn><gf type="discrete">{points}</gf></aux>', stop=4, dt=0.5)
    t = run(path, engine)
    np.testing.assert_allclose(t["c"], [0, 0, 0, 5, 10, 20, 30, 30, 30])
    np.testing.assert_allclose(t["e"], [-10, -5, 0, 5, 10, 20, 30, 40, 50])
    np.testing.assert_allclose(t["d"], [0, 0, 0, 0, 10, 10, 30, 30, 30])


@pytest.mark.parametrize("engine", ENGINES)
def test_a_stock_defined_element_by_element(write_xmile, engine):
    """PySD reads the stock's own <eqn> for each <element>; here each element's initial value counts."""
    path = write_xmile('<stock name="s"><dimensions><dim name="D"/></dimensions>'
                       '<element subscript="a"><eqn>1</eqn></element><element subscript="b"><eqn>5</eqn></element>'
                       '<inflow>f</inflow></stock>'
                       '<flow name="f"><dimensions><dim name="D"/></dimensions><eqn>2</eqn></flow>',
                       top='<dimensions><dim name="D"><elem name="a"/><elem name="b"/></dim></dimensions>')
    t = run(path, engine)
    assert list(t["s[a]"]) == [1, 3, 5, 7, 9] and list(t["s[b]"]) == [5, 7, 9, 11, 13]


@pytest.mark.parametrize("engine", ENGINES)
def test_uniflows_and_the_behavior_block(write_xmile, engine):
    """A <non_negative/> flow never runs backwards; <behavior> sets the default, a flow may opt out."""
    flows = ('<flow name="uni"><eqn>-2</eqn><non_negative/></flow><flow name="bi"><eqn>-2</eqn></flow>'
             '<flow name="out"><eqn>-2</eqn><non_negative>false</non_negative></flow>')
    t = run(write_xmile(flows), engine)
    assert (t["uni"].iloc[0], t["bi"].iloc[0], t["out"].iloc[0]) == (0, -2, -2)
    t = run(write_xmile(flows, name="b.xmile", top="<behavior><flow><non_negative/></flow></behavior>"), engine)
    assert (t["uni"].iloc[0], t["bi"].iloc[0], t["out"].iloc[0]) == (0, 0, -2)
