"""The model as a graph: stocks, flows, links and sectors, from PySD's parse and dependencies."""
from cityfutures.model import load_model
from cityfutures.model.structure import build
from tests.helpers import MINI


def test_structure_comes_from_pysd():
    st = build(load_model(MINI))
    assert st.kind["Population"] == "stock" and st.kind["Drainage capacity"] == "stock"
    assert ("Births", "Population") in st.inflows
    assert ("Capacity additions", "Drainage capacity") in st.inflows
    assert ("Drainage investment", "Capacity additions") in st.links
    assert st.kind["Drainage investment"] == "lever" and st.kind["Flood shock input"] == "shock"
    assert set(st.sector.values()) == {"town"}
