"""Reading a model file (:mod:`cityfutures.model.parse`): format from content, one parse, documentation defused."""
from __future__ import annotations

import shutil
import warnings

import pytest

from cityfutures.engine.simulate import generated_source, simulate
from cityfutures.errors import ModelError
from cityfutures.model import load_model
from cityfutures.model.export import export_xmile
from cityfutures.model.parse import defuse_documentation, model_format, parse_model
from cityfutures.model.source import definition_line, element_groups
from cityfutures.names import CONTROL_NAMES
from tests.helpers import MINI


@pytest.fixture(scope="module")
def mini_stmx(tmp_path_factory):
    """The test town exported to XMILE under Stella's suffix."""
    out = tmp_path_factory.mktemp("stmx") / "mini.stmx"
    export_xmile(MINI, out)
    return out


def test_format_is_found_from_the_content(mini_stmx, tmp_path):
    xml = tmp_path / "town.xml"
    shutil.copy2(mini_stmx, xml)
    misnamed = tmp_path / "town.mdl"  # XMILE content under a Vensim name is still XMILE
    shutil.copy2(mini_stmx, misnamed)
    assert [model_format(p) for p in (mini_stmx, xml, misnamed, MINI)] == ["xmile"] * 3 + ["vensim"]
    assert parse_model(misnamed).format == "xmile" and parse_model(MINI).format == "vensim"
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><project><name>x</name></project>')
    with pytest.raises(ModelError, match=r"other.xml:1: not an XMILE model: the root element is <project>"):
        model_format(other)
    text = tmp_path / "model.txt"
    text.write_text(MINI.read_text())
    with pytest.raises(ModelError, match="not a model file: neither XMILE"):
        load_model(text)


def test_a_file_is_parsed_once_per_version(tmp_path):
    model = tmp_path / "m.mdl"
    shutil.copy2(MINI, model)
    first = parse_model(model)
    assert parse_model(model) is first
    model.write_text(MINI.read_text().replace("assumption: a round number for tests.", "changed."))
    assert parse_model(model) is not first


def test_groups_are_read_from_xmile_as_from_vensim(mini_stmx):
    vensim = element_groups(MINI)
    assert set(vensim.values()) - {None} and element_groups(mini_stmx) == {
        k: v for k, v in vensim.items() if k not in CONTROL_NAMES}


@pytest.mark.parametrize("fmt", ["vensim", "xmile"])
def test_documentation_cannot_end_pysds_docstring(fmt, tmp_path, write_xmile):
    """A comment is documentation, never code, in either format (:func:`defuse_documentation`)."""
    marker = tmp_path / "pwned"
    hostile = f'"""; open({str(marker)!r}, "w"); """'
    if fmt == "vensim":
        model = tmp_path / "hostile.mdl"
        model.write_text(MINI.read_text().replace("assumption: a round number for tests.", hostile))
    else:
        model = write_xmile(f'<aux name="a"><doc>{hostile}</doc><eqn>1</eqn></aux>', name="hostile.xmile")
    docs = [e.documentation for e in parse_model(model).abstract_model.sections[0].elements]
    assert any("open(" in d for d in docs) and not any('"""' in d for d in docs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulate(model, engine="pysd")
    assert not marker.exists()


def test_defuse_documentation_changes_only_triple_double_quotes():
    from types import SimpleNamespace as NS
    elements = [NS(documentation='say """hi""" "twice" \'\'\''), NS(documentation=None), NS(documentation="plain")]
    am = NS(sections=[NS(elements=elements)])
    assert defuse_documentation(am) is am
    assert [e.documentation for e in elements] == ["say '''hi''' \"twice\" '''", None, "plain"]


def test_xmile_equations_are_the_comments_of_the_generated_code(write_xmile):
    path = write_xmile('<stock name="S"><eqn>10</eqn><inflow>f_in</inflow><outflow>f_out</outflow></stock>'
                       '<flow name="f_in"><eqn>2 * k</eqn></flow><flow name="f out"><eqn>S / 4</eqn></flow>'
                       '<aux name="k"><eqn>3</eqn></aux>')
    eq = parse_model(path).equations
    assert eq["S"] == ["INTEG(f_in - f_out, 10)"] and eq["f_in"] == ["2 * k"] and eq["k"] == ["3"]
    source = generated_source(path)
    assert "# S = INTEG(f_in - f_out, 10)" in source and "# f_in = 2 * k" in source


def test_definition_lines_for_messages(write_xmile):
    path = write_xmile('<aux name="first"><eqn>1</eqn></aux>\n<aux name="Second one"><eqn>2</eqn></aux>')
    assert definition_line(path, "second_ONE") == path.read_text().splitlines().index(
        '<aux name="Second one"><eqn>2</eqn></aux>') + 1
    assert definition_line(MINI, "Growth rate") == MINI.read_text().splitlines().index("Growth rate=") + 1
    assert definition_line(MINI, "nothing") is None
