"""Lines and groups of elements (cityfutures.model.source), read with PySD's own grammar."""
from __future__ import annotations

from cityfutures.model.source import read_source
from tests.helpers import SIR, VILLAGE, line_of


def test_every_element_of_the_village_at_its_line():
    path = VILLAGE / "village.mdl"
    src = read_source(path)
    for name in ("Population", "Births", "Crowding effect lookup", "Housing capacity", "TIME STEP", "SAVEPER"):
        assert src.line(name) == line_of(path, name)
    assert src.group("Births") == "village" and src.group("TIME STEP") == "Control"
    assert src.line("crowding_EFFECT  lookup") == line_of(path, "Crowding effect lookup")   # Vensim spelling rules


def test_lines_survive_continuations_and_long_headers(tmp_path):
    """A backslash continuation and a multi-line documentation do not shift later lines."""
    text = ("{UTF-8}\nA = B + \\\n\tC\n\t~\tDmnl\n\t~\tfirst line\n\t\tsecond line\n\t|\n\n"
            "B = 1 ~ Dmnl ~ |\n\nC =\n\n\t2 ~ Dmnl ~ |\n"
            "INITIAL TIME = 0 ~ Year ~ |\nFINAL TIME = 1 ~ Year ~ |\nTIME STEP = 1 ~ Year ~ |\n"
            "SAVEPER = TIME STEP ~ Year ~ |\n")     # a model without its time settings is refused as it is read
    (tmp_path / "m.mdl").write_text(text, encoding="utf-8")
    src = read_source(tmp_path / "m.mdl")
    assert (src.line("A"), src.line("B"), src.line("C")) == (2, 9, 11)


def test_units_equivalences_from_the_settings():
    src = read_source(SIR)
    assert ("Person", "People", "Persons") in src.unit_equivalences and ("Day", "Days") in src.unit_equivalences
    assert read_source(VILLAGE / "village.mdl").unit_equivalences == ()
