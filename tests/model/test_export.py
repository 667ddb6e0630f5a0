"""The XMILE export (:mod:`cityfutures.model.export`): valid XMILE 1.0 that PySD runs to the same results.

Round trip: PySD's own ``read_xmile`` (no cityfutures code in between) runs the exported
file, PySD's ``read_vensim`` the ``.mdl``; every variable agrees within rel. 1e-9 at the
common saved times. The structure checks are the ones the XMILE 1.0 specification makes
(OASIS Standard 2015, chapters 2-4), listed one by one in :func:`structure_problems`.
"""
from __future__ import annotations

import json
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from cityfutures.engine.simulate import simulate
from cityfutures.errors import ModelError
from cityfutures.model import load_model
from cityfutures.model.export import export_xmile, xmile_document
from cityfutures.model.xmile import XMILE_NAMESPACE
from tests.helpers import JAKARTA, REFERENCE

NS = {"x": XMILE_NAMESPACE}
CONTROL = ("INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")
CASES = json.loads((REFERENCE / "cases.json").read_text()) if (REFERENCE / "cases.json").is_file() else {}

# reference models the writer supports: they must round-trip exactly
SUPPORTED = [
    "abs", "arithmetics_exp", "builtin_min", "chained_initialization", "constant_expressions", "delay_fixed",
    "delay_numeric_error", "delay_parentheses", "delays", "euler_step_vs_saveper", "exp", "exponentiation",
    "forecast", "fully_invalid_names", "function_capitalization", "if_stmt", "initial_function",
    "input_functions", "limits", "line_breaks", "line_continuation", "ln", "log", "logicals", "lookups",
    "lookups_inline", "lookups_inline_bounded", "lookups_with_expr", "model_doc", "multiple_lines_def",
    "parentheses", "reference_capitalization", "repeated_subscript", "rounding", "smooth", "smooth_and_stock",
    "sqrt", "subscript_1d_arrays", "subscript_2d_arrays", "subscript_3d_arrays_lengthwise",
    "subscript_3d_arrays_widthwise", "subscript_docs", "subscript_individually_defined_1_of_2d_arrays",
    "subscript_individually_defined_1d_arrays", "subscript_individually_defined_stocks",
    "subscript_multiples", "subscript_selection", "subscript_subranges", "subscript_subranges_equal",
    "subscript_updimensioning", "subscripted_delays", "subscripted_if_then_else", "subscripted_logicals",
    "subscripted_smooth", "subscripted_trend", "subscripted_trig", "subscripted_xidz",
    "subset_duplicated_coord", "trend", "trig", "unchangeable_constant", "unicode_characters",
    "variable_ranges", "zeroled_decimals", "samples/teacup/teacup.mdl", "samples/SIR/SIR.mdl",
]
# the others: what the error names (variable, and the function or construct)
REFUSED = {
    "active_initial": "'Value A': ACTIVE INITIAL has no XMILE 1.0 equivalent",
    "active_initial_circular": "'active initial variable': ACTIVE INITIAL",
    "allocate_by_priority": "'allocation3D': subscript subrange",
    "conditional_subscripts": "'Matrix4': subscript subrange",
    "control_vars": "'INITIAL TIME': equation cannot go into <sim_specs>",
    "data_from_other_model": "'out3': subscript subrange",
    "dynamic_final_time": "'FINAL TIME': equation cannot go into <sim_specs>",
    "except": "'inventory': :EXCEPT:",
    "except_multiple": "'my except var dim': :EXCEPT:",
    "game": "'Gamed Equation': GAME",
    "get_constants_subranges": "'constant': definitions over different dimensions",
    "get_data_args_3d_xls": "'data backward': DATA variable",
    "get_lookups_subscripted_args": "'d3d': call of the subscripted lookup 'lookup 3d'",
    "get_lookups_subset": "'lookup subset1': call of the subscripted lookup",
    "get_mixed_definitions": "'Variable': DATA variable",
    "get_values_order": "'INITIAL TIME': equation cannot go into <sim_specs>",
    "get_with_missing_values_xlsx": "'data interp4': DATA variable",
    "get_xls_cellrange": "'data1': DATA variable",
    "invert_matrix": "'matrix 2i': INVERT MATRIX",
    "macro_cross_reference": "'second_macro': macro",
    "macro_expression": "'expression_macro': macro",
    "macro_multi_expression": "'expression_macro': macro",
    "macro_stock": "'expression_macro': macro",
    "na": "'variable': number nan has no XMILE 1.0 literal",
    "partial_range_definitions": "'partial data': DATA variable",
    "reality_checks": "'INITIAL TIME': equation cannot go into <sim_specs>",
    "sample_if_true": "'sample 111': SAMPLE IF TRUE",
    "special_characters": "a name with a quote or a backslash cannot be read back",
    "subrange_merge": "'merged lower': definitions over different dimensions",
    "subscript_copy": "'DimB': subscript range with a mapping",
    "subscript_copy2": "'DimB': subscript range with a mapping",
    "subscript_definition": "'subdim1 copy': subscript range with a mapping",
    "subscript_logicals": "'comp4': subscript subrange",
    "subscript_mapping_simple": "'DimC': subscript range with a mapping",
    "subscript_mapping_vensim": "'MFG SKILLS': subscript range with a mapping",
    "subscript_switching": "'Switching In': reduction over 'Cats!'",
    "subscript_transposition": "'output2': reduction over 'sector!'",
    "subscripted_lookups": "'lookup1var3dim': call of the subscripted lookup 'lookup1dim'",
    "subscripted_ramp_step": "'RAMP5': subscript subrange",
    "subscripted_round": "'var quantum4': QUANTUM",
    "vector_order": "'company': subscript range with a mapping",
    "vector_select": "'Eout2 1': reduction over 'dim1!'",
    "with_lookup": "'var1': GET CONSTANTS",
}


def _model_of(case: str) -> Path:
    return REFERENCE / (case if case.startswith("samples/") else CASES[case]["model"])


def _copy(model: Path, dest: Path) -> Path:
    shutil.copytree(model.parent, dest / model.parent.name)
    return dest / model.parent.name / model.name


def structure_problems(root, model) -> list:
    """Every way ``root`` (an exported file) breaks XMILE 1.0 or differs from ``model`` (a Model)."""
    out = []

    def need(ok, what):
        if not ok:
            out.append(what)

    def local(node):
        return etree.QName(node).localname

    # 2: the root, the namespace, the version
    need(local(root) == "xmile" and etree.QName(root).namespace == XMILE_NAMESPACE, "root <xmile> in the namespace")
    need(root.get("version") == "1.0", "version 1.0")
    # 2.2: the header with its required vendor and product (with a version)
    header = root.find("x:header", NS)
    need(header is not None and header.findtext("x:vendor", namespaces=NS), "<header><vendor>")
    product = header.find("x:product", NS) if header is not None else None
    need(product is not None and product.get("version") and product.text, "<header><product version=...>")
    # 2.3: sim_specs with start < stop, dt > 0, time units and the method
    specs = root.find("x:sim_specs", NS)
    need(specs is not None, "<sim_specs>")
    start, stop, dt = (float(specs.findtext(f"x:{t}", namespaces=NS)) for t in ("start", "stop", "dt"))
    need(start == model.initial_time and stop == model.final_time and dt == model.time_step, "start, stop, dt")
    need(start < stop and dt > 0, "start < stop, dt > 0")
    need(specs.get("time_units") == model.time_units and specs.get("method", "euler").lower() == "euler",
         "time_units and method")
    # 4: exactly one root model, its variables
    models = root.findall("x:model", NS)
    need(len(models) == 1 and models[0].get("name") is None, "one unnamed root <model>")
    variables = models[0].find("x:variables", NS)
    kinds = {"stock", "flow", "aux", "gf", "group"}
    need(all(local(v) in kinds for v in variables), "only stocks, flows, auxiliaries, gfs and groups (no modules)")
    named = [v for v in variables if local(v) != "group"]
    keys = [" ".join(v.get("name").replace("_", " ").split()).lower() for v in named]
    need(len(keys) == len(set(keys)), "unique variable names (case, spaces and underscores ignored)")
    by_ref = {"_".join(v.get("name").split()): v for v in named}
    # 4.2-4.4: stocks have an initial value; their flows are flows; one stock each way per flow
    ends: dict = {}
    for stock in variables.findall("x:stock", NS):
        need(stock.find("x:eqn", NS) is not None or stock.find("x:element/x:eqn", NS) is not None,
             f"stock '{stock.get('name')}' has an initial value")
        for role in ("inflow", "outflow"):
            for ref in stock.findall(f"x:{role}", NS):
                target = by_ref.get(ref.text.strip('"').replace(" ", "_"))
                need(target is not None and local(target) == "flow", f"{role} '{ref.text}' is a <flow>")
                key = (ref.text, role)
                need(key not in ends, f"'{ref.text}' is the {role} of one stock only")
                ends[key] = stock.get("name")
    for v in variables.findall("x:flow", NS) + variables.findall("x:aux", NS):
        need(v.find("x:eqn", NS) is not None or v.find("x:element/x:eqn", NS) is not None,
             f"'{v.get('name')}' has an equation")
    # 4.1: units and ranges as in the model, documentation present
    for v in named:
        var = model.variables.get(v.get("name"))
        if var is None:
            continue  # a variable the export adds ("<stock> net flow", "<stock> initial value")
        need((v.findtext("x:units", default="", namespaces=NS)) == var.units, f"units of '{var.name}'")
        rng = v.find("x:range", NS)
        if not (math.isnan(var.minimum) and math.isnan(var.maximum)):
            need(rng is not None, f"range of '{var.name}'")
            lo, hi = float(rng.get("min")), float(rng.get("max"))  # xs:double: INF for an open end
            need(lo <= hi and (lo == var.minimum or (math.isnan(var.minimum) and lo == -math.inf))
                 and (hi == var.maximum or (math.isnan(var.maximum) and hi == math.inf)), f"range of '{var.name}'")
        if var.doc:
            need(v.findtext("x:doc", namespaces=NS) == " ".join(var.doc.split()), f"documentation of '{var.name}'")
    # 4.1.3: graphical functions: one of xscale / xpts, ypts, as many x as y, x ascending, a known type
    for gf in root.iter(f"{{{XMILE_NAMESPACE}}}gf"):
        if gf.find("x:ypts", NS) is None:
            continue  # a reference to a named gf
        xscale, xpts = gf.find("x:xscale", NS), gf.find("x:xpts", NS)
        need((xscale is None) != (xpts is None), "a gf has exactly one of <xscale> and <xpts>")
        ys = gf.findtext("x:ypts", namespaces=NS).split(gf.find("x:ypts", NS).get("sep", ","))
        if xpts is not None:
            xs = [float(x) for x in xpts.text.split(xpts.get("sep", ","))]
            need(len(xs) == len(ys) and xs == sorted(xs), "xpts ascending, one per ypts")
        need(gf.get("type", "continuous") in ("continuous", "extrapolate", "discrete"), "gf type")
    # 4.6: groups name existing variables
    for group in variables.findall("x:group", NS):
        for entity in group.findall("x:entity", NS):
            need(entity.get("name") in {v.get("name") for v in named}, f"group entity '{entity.get('name')}'")
    # 2.2.1: arrays declared in the options
    arrayed = variables.findall(".//x:dimensions", NS)
    option = header.find("x:options/x:uses_arrays", NS)
    need(bool(arrayed) == (option is not None), "<uses_arrays> exactly when arrayed")
    return out


def _round_trip(model: Path, tmp: Path):
    import pysd
    out = tmp / (model.stem + ".xmile")
    notes = export_xmile(model, out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vensim = pysd.read_vensim(str(model))
        xmile = pysd.read_xmile(str(out))
        a, b = vensim.run(progress=False), xmile.run(progress=False)
    times = a.index.intersection(b.index)
    assert len(times) == len(a.index), "every saved time of the .mdl is a saved time of the XMILE file"
    a = a.rename(columns=lambda c: c[1:-1] if c.startswith('"') and c.endswith('"') else c)  # "a & b"
    columns = [c for c in a.columns if c not in CONTROL]
    assert set(columns) <= set(b.columns)
    for c in columns:
        np.testing.assert_allclose(b.loc[times, c].to_numpy(float), a.loc[times, c].to_numpy(float),
                                   rtol=1e-9, atol=0, err_msg=c)
    return out, notes, vensim, xmile


def test_jakarta_round_trips_through_xmile(tmp_path):
    model = _copy(JAKARTA, tmp_path)
    out, notes, vensim, xmile = _round_trip(model, tmp_path)
    stocks = sum(v.kind == "Stateful" and v.subtype == "Integ" for v in load_model(JAKARTA).variables.values())
    assert stocks >= 50 and (notes.stocks, notes.graphical_functions, notes.groups) == (stocks, 2, 9)
    # 'Flood out migration' drains Population and People awaiting home repair; an XMILE flow has one stock
    # at each end, so the second stock's rate is written as a net flow of its own
    assert notes.made_up == ["People awaiting home repair net flow"]
    assert notes.dropped[0].startswith("SAVEPER (0.25)") and "increment of" in notes.dropped[1]
    # units, ranges and documentation come back as they went
    before = vensim.doc.set_index("Real Name")
    after = xmile.doc.set_index("Real Name")
    for name in before.index.difference([*CONTROL, "Time"]):
        assert after.loc[name, "Units"] == before.loc[name, "Units"], name
        assert " ".join(str(after.loc[name, "Comment"]).split()) == " ".join(str(before.loc[name, "Comment"]).split())
        if before.loc[name, "Type"] == "Lookup":
            continue  # a lookup's y range went into <gf><yscale>, which PySD reads as its limits
        lo, hi = before.loc[name, "Limits"][:2] if isinstance(before.loc[name, "Limits"], tuple) else (None, None)
        got = after.loc[name, "Limits"] if isinstance(after.loc[name, "Limits"], tuple) else (None, None)
        assert got == (lo if lo is not None else (None if hi is None else -math.inf),
                       hi if hi is not None else (None if lo is None else math.inf)), name
    problems = structure_problems(etree.parse(str(out)).getroot(), load_model(JAKARTA))
    assert problems == []


def test_jakarta_export_runs_on_the_batch_engine_as_the_mdl(tmp_path):
    out = tmp_path / "jakarta.xmile"
    export_xmile(JAKARTA, out)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        mdl = simulate(JAKARTA, {"Reservoir area target": [300.0, 450.0]}, saveper=0.0625)
        xml = simulate(out, {"Reservoir area target": [300.0, 450.0]})
    for var in mdl.data_vars:
        if var not in CONTROL:
            np.testing.assert_allclose(xml[var].values, mdl[var].values, rtol=1e-9, err_msg=var)


@pytest.mark.skipif(not CASES, reason=f"reference models not found at {REFERENCE}")
@pytest.mark.parametrize("case", SUPPORTED)
def test_reference_models_round_trip(case, tmp_path):
    model = _copy(_model_of(case), tmp_path)
    out, _notes, _v, _x = _round_trip(model, tmp_path)
    assert structure_problems(etree.parse(str(out)).getroot(), load_model(model)) == []


@pytest.mark.skipif(not CASES, reason=f"reference models not found at {REFERENCE}")
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_xmile_cannot_express_is_an_error_naming_it(case, tmp_path):
    model = _copy(_model_of(case), tmp_path)
    with pytest.raises(ModelError) as err:
        xmile_document(model)
    assert REFUSED[case] in str(err.value) and str(err.value).startswith(f"{model}")


def test_every_reference_model_is_in_one_table():
    if not CASES:
        pytest.skip("reference models not found")
    runnable = {c for c, spec in CASES.items() if "pysd_mark" not in spec}
    assert runnable == (set(SUPPORTED) - {"samples/teacup/teacup.mdl", "samples/SIR/SIR.mdl"}) | set(REFUSED)


def test_the_structure_checks_can_fail(tmp_path):
    """Each check of :func:`structure_problems` catches what it is about (a file broken on purpose)."""
    tree, _notes = xmile_document(JAKARTA)
    root = tree.getroot()
    model = load_model(JAKARTA)
    assert structure_problems(root, model) == []
    root.find("x:sim_specs/x:dt", NS).text = "0.5"
    stock = root.find("x:model/x:variables/x:stock", NS)
    stock.find("x:inflow", NS).text = "Population"          # a stock, not a flow
    aux = root.find("x:model/x:variables/x:aux", NS)
    aux.find("x:units", NS).text = "m"
    gf = root.find("x:model/x:variables/x:gf", NS)
    gf.find("x:xpts", NS).text = "1,0" + gf.find("x:xpts", NS).text[3:]
    etree.SubElement(root.find("x:model/x:variables", NS), f"{{{XMILE_NAMESPACE}}}module", name="m")
    problems = structure_problems(root, model)
    for fragment in ("start, stop, dt", "inflow 'Population' is a <flow>", "units of 'Days per year'",
                     "xpts ascending", "no modules"):
        assert any(fragment in p for p in problems), (fragment, problems)


def test_export_is_reproducible_and_escapes_text(tmp_path):
    model = tmp_path / "esc.mdl"
    model.write_text('{UTF-8}\n"A & <b>"=\n\t1\n\t~\tm [0,?]\n\t~\tx < y & "z" done.\n\t|\n\n'
                     'B=\n\t"A & <b>" * 2\n\t~\tm\n\t~\t\n\t|\n\n'
                     'INITIAL TIME = 0\n\t~\tYear\n\t~\t\n\t|\n\nFINAL TIME = 2\n\t~\tYear\n\t~\t\n\t|\n\n'
                     'TIME STEP = 1\n\t~\tYear\n\t~\t\n\t|\n\nSAVEPER = TIME STEP\n\t~\tYear\n\t~\t\n\t|\n')
    a, b = tmp_path / "a.xmile", tmp_path / "b.xmile"
    export_xmile(model, a)
    export_xmile(model, b)
    assert a.read_bytes() == b.read_bytes()
    assert b'name="A &amp; &lt;b&gt;"' in a.read_bytes()  # XML escaping by lxml, not by hand
    auxes = etree.parse(str(a)).getroot().findall("x:model/x:variables/x:aux", NS)
    assert auxes[0].get("name") == "A & <b>" and auxes[0].findtext("x:doc", namespaces=NS) == 'x < y & "z" done.'
    assert auxes[1].findtext("x:eqn", namespaces=NS) == '"A & <b>" * 2'
    _round_trip(model, tmp_path)


def test_precedence_survives_quoted_names(tmp_path):
    """Compound operands are parenthesised even when they start and end with a quoted name."""
    model = tmp_path / "prec.mdl"
    model.write_text('{UTF-8}\n"a/b"=\n\t2\n\t~\tm\n\t~\t\n\t|\n\n"c-d"=\n\t3\n\t~\tm\n\t~\t\n\t|\n\n'
                     'E=\n\t12 / ("a/b" * "c-d") - ("a/b" - "c-d") ^ 2\n\t~\tm\n\t~\t\n\t|\n\n'
                     'INITIAL TIME = 0\n\t~\tYear\n\t~\t\n\t|\n\nFINAL TIME = 1\n\t~\tYear\n\t~\t\n\t|\n\n'
                     'TIME STEP = 1\n\t~\tYear\n\t~\t\n\t|\n\nSAVEPER = TIME STEP\n\t~\tYear\n\t~\t\n\t|\n')
    out, _notes, _v, xmile = _round_trip(model, tmp_path)
    assert xmile.run(progress=False)["E"].iloc[0] == 12 / 6 - 1
    assert '12 / ("a/b" * "c-d")' in out.read_text()
