"""Dimensional analysis (cityfutures.model.checks.units): Vensim units strings, the registry, and seeded unit slips."""
from __future__ import annotations

import pytest

from cityfutures.analysis.check import check
from cityfutures.model.checks.units import UnitsParseError, VensimUnits
from tests.helpers import SIR, VILLAGE, line_of, only, seeded


@pytest.fixture(scope="module")
def u():
    return VensimUnits([("Person", "People", "Persons"), ("Day", "Days")])


@pytest.mark.parametrize("a, b", [
    ("person/Year", "Persons/Years" if False else "People/Year"),
    ("m3", "m*m*m"),
    ("m3/(person*day)", "m3/person/day"),
    ("thousand_person", "1000*person"),
    ("million_IDR/trillion_IDR", "1e-6"),
    ("Dmnl", "1"),
    ("dmnl", "person/people"),
    ("1/Year", "Year^-1"),
    ("ha", "10000*m2"),
    ("L/m3", "0.001"),
    ("Degrees Fahrenheit/Minute", "Degrees_Fahrenheit/minute"),
    ("Days", "day"),
])
def test_equal_units(u, a, b):
    assert u.same(u.parse(a), u.parse(b))


@pytest.mark.parametrize("a, b", [
    ("m3/day", "m3/Year"),            # same dimension, factor 365: never equal
    ("thousand_person", "person"),
    ("person", "Persons/Day"),
    ("widget", "widgets"),            # no equivalence declared: two units, as Vensim reads them
    ("Dmnl", "day/Year"),
])
def test_different_units(u, a, b):
    assert not u.same(u.parse(a), u.parse(b))


@pytest.mark.parametrize("text", ["person//day", "m3/(Year", "Year^", "(person", "person*", "^2", "m3 / ) day"])
def test_unparseable_units_are_errors_not_dimensionless(u, text):
    with pytest.raises(UnitsParseError):
        u.parse(text)


def test_empty_units_are_missing_not_dimensionless(u):
    assert u.parse("") is None and u.parse("  ") is None


def test_format_reads_like_vensim(u):
    assert u.format(u.parse("person/(day*Year)")) == "Person/(Day*Year)"   # the spelling of the equivalences
    assert u.format(u.parse("1/Year")) == "1/Year"
    assert u.format(u.parse("Dmnl")) == "Dmnl"
    assert u.format(u.parse("million_IDR/trillion_IDR")) == "million_IDR/trillion_IDR"


def test_conversion_factor(u):
    assert u.factor(u.parse("day/Year")) == pytest.approx(1 / 365)
    assert u.factor(u.parse("person")) is None


def _units(path):
    return [f for f in check(path, run=False).findings if f.rule.startswith("unit")]


def test_clean_village_has_consistent_units():
    assert _units(VILLAGE / "village.mdl") == []


def test_seeded_mismatch_in_a_plain_equation(tmp_path):
    mdl = seeded(tmp_path, ("\t~\tperson/Year\n\t~\tBirths, fewer", "\t~\tperson\n\t~\tBirths, fewer"))
    found = _units(mdl)
    (f,) = [f for f in found if f.variable == "Births"]
    assert (f.rule, f.line, f.severity) == ("units-mismatch", line_of(mdl, "Births"), "error")
    assert "declared 'person'" in f.message and "'person/Year'" in f.message
    assert "Population * Birth fraction * Crowding effect" in f.message
    # and where Births enters the stock's rate, beside Deaths in person/Year
    (g,) = [f for f in found if f.variable == "Population"]
    assert g.rule == "units-terms" and g.line == line_of(mdl, "Population")


def test_seeded_mismatch_inside_a_lookup(tmp_path):
    mdl = seeded(tmp_path, ("Crowding effect lookup(Crowding)", "Crowding effect lookup(Crowding * Housing capacity)"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-lookup-input", "Crowding effect", line_of(mdl, "Crowding effect"))
    assert "'person'" in f.message


def test_seeded_lookup_output_units_enter_the_equation(tmp_path):
    mdl = seeded(tmp_path, ("(2,0))\n\t~\tDmnl", "(2,0))\n\t~\tperson"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-mismatch", "Crowding effect", line_of(mdl, "Crowding effect"))


def test_seeded_mismatch_in_a_smooth(tmp_path):
    mdl = seeded(tmp_path, ("SMOOTH(Population, Perception time)", "SMOOTH(Births, Perception time)"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-mismatch", "Perceived population",
                                            line_of(mdl, "Perceived population"))
    assert "SMOOTH" in f.message and "'person/Year'" in f.message


def test_seeded_smoothing_time_that_is_not_a_time(tmp_path):
    mdl = seeded(tmp_path, ("\t~\tYear [1,4]", "\t~\tperson [1,4]"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable) == ("units-argument", "Perceived population")
    assert "smoothing time" in f.message


def test_seeded_mismatch_in_an_integ_rate(tmp_path):
    mdl = seeded(tmp_path, ("INTEG(Construction - Demolition,", "INTEG(Normal construction * Housing lifetime,"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-stock", "Housing capacity", line_of(mdl, "Housing capacity"))
    assert "expected 'person/Year'" in f.message


def test_seeded_terms_with_different_units(tmp_path):
    mdl = seeded(tmp_path, ("Population / Lifetime + Flood deaths",
                            "Population / Lifetime + Flood deaths + Population"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-terms", "Deaths", line_of(mdl, "Deaths"))


def test_seeded_unparseable_units(tmp_path):
    mdl = seeded(tmp_path, ("\t~\t1/Year [0.01,0.05]", "\t~\t1//Year [0.01,0.05]"))
    (f,) = _units(mdl)
    assert (f.rule, f.variable, f.line) == ("units-unparseable", "Birth fraction", line_of(mdl, "Birth fraction"))


def test_seeded_missing_units(tmp_path):
    mdl = seeded(tmp_path, ("\t~\tperson/Year [10,40]", "\t~\t[10,40]"))
    rules = {(f.rule, f.variable) for f in _units(mdl)}
    assert ("units-missing", "Normal construction") in rules


def test_seeded_function_of_a_quantity(tmp_path):
    mdl = seeded(tmp_path, ("Population * Birth fraction * Crowding effect",
                            "Population * Birth fraction * Crowding effect * EXP(Population)"))
    (f,) = only(_units(mdl), "units-argument")
    assert f.variable == "Births" and "EXP" in f.message


def test_seeded_unit_conversion_with_a_wrong_value(tmp_path):
    mdl = seeded(tmp_path, ("Housing lifetime =\n\t50", "Days per year =\n\t360\n\t~\tday/Year\n\t~\tUnit conversion.\n"
                            "\t|\n\nHousing lifetime =\n\t50 * Days per year / 365"))
    (f,) = only(_units(mdl), "unit-conversion")
    assert f.variable == "Days per year" and "365" in f.message


def test_model_equivalences_make_synonyms(tmp_path):
    """SIR declares Day, Days as one unit in its settings; without them Duration (Days) would not fit."""
    assert _units(SIR) == []
    text = SIR.read_text(encoding="utf-8").replace("22:Day,Days\n", "")
    (tmp_path / "SIR.mdl").write_text(text, encoding="utf-8")
    (f,) = _units(tmp_path / "SIR.mdl")
    assert f.rule == "units-mismatch" and f.variable == "Recovering"


def test_time_and_time_step_carry_the_time_unit(tmp_path):
    mdl = seeded(tmp_path, ("Population / Lifetime + Flood deaths", "Population / Lifetime + Flood deaths + Time"))
    (f,) = _units(mdl)
    assert f.rule == "units-terms" and "'Time' has 'Year'" in f.message
    mdl = seeded(tmp_path / "b" if not (tmp_path / "b").mkdir() else tmp_path,
                 ("Population / Lifetime + Flood deaths", "Population / TIME STEP + Flood deaths"))
    assert _units(mdl) == []          # person / Year: TIME STEP is a time
