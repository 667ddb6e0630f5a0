"""Structure lint (cityfutures.model.checks.lint): every rule finds its seeded defect, with its line, in a copy
of the clean test village; the village itself is clean."""
from __future__ import annotations

from cityfutures.analysis.check import check
from cityfutures.model.checks.findings import RULES
from cityfutures.model.export import export_xmile
from tests.helpers import VILLAGE, line_of, only, seeded


def _lint(path, **kw):
    return [f for f in check(path, run=False, **kw).findings if not f.rule.startswith("unit")]


def test_clean_village_has_no_finding_at_all():
    report = check(VILLAGE / "village.mdl")
    assert report.findings == () and report.exit_code == 0


def test_seeded_dead_end(tmp_path):
    mdl = seeded(tmp_path, ("Housing lifetime =\n\t50", "Unused output =\n\tPopulation * 2\n\t~\tperson\n\t~\tNothing "
                            "reads this.\n\t|\n\nHousing lifetime =\n\t50"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line, f.severity) == ("dead-end", "Unused output", line_of(mdl, "Unused output"),
                                                        "warning")


def test_an_indicator_is_not_a_dead_end(tmp_path):
    mdl = seeded(tmp_path, ("Housing lifetime =\n\t50", "Unused output =\n\tPopulation * 2\n\t~\tperson\n\t~\tx.\n"
                            "\t|\n\nHousing lifetime =\n\t50"),
                 ("  Population:\n", "  Unused output:\n    focus_area: governance\n    better: higher\n"
                  "    label: {en: U, id: U}\n    unit_label: {en: u, id: u}\n  Population:\n"),
                 files=("village.mdl", "village.meta.yaml"))
    assert _lint(mdl) == []


def test_seeded_unused_constant(tmp_path):
    mdl = seeded(tmp_path, ("Housing lifetime =\n\t50", "Forgotten constant =\n\t3\n\t~\tYear [1,5]\n\t~\tSource: x.\n"
                            "\t|\n\nHousing lifetime =\n\t50"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("unused-constant", "Forgotten constant", line_of(mdl, "Forgotten constant"))


def test_seeded_missing_source_tag(tmp_path):
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("missing-source", "Lifetime", line_of(mdl, "Lifetime"))


def test_source_tags_come_from_the_sidecar(tmp_path):
    mdl = seeded(tmp_path, ("Source: test life tables.", "Ref: test life tables."),
                 ("equilibrium_stocks:",
                  "checks:\n  source_tags: [Source, Derived, Assumption, Ref]\nequilibrium_stocks:"),
                 files=("village.mdl", "village.meta.yaml"))
    assert _lint(mdl) == []


def test_seeded_missing_range(tmp_path):
    mdl = seeded(tmp_path, ("\t~\tYear [30,80]\n\t~\tSource: test life", "\t~\tYear\n\t~\tSource: test life"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("missing-range", "Lifetime", line_of(mdl, "Lifetime"))


def test_seeded_bare_initial_value(tmp_path):
    mdl = seeded(tmp_path, ("INTEG(Births - Deaths, Initial population)", "INTEG(Births - Deaths, 1000)"))
    found = _lint(mdl)
    (f,) = only(found, "bare-initial")
    assert (f.variable, f.line) == ("Population", line_of(mdl, "Population"))
    assert "1000" in f.message
    assert [g.variable for g in only(found, "unused-constant")] == ["Initial population"]


def test_seeded_two_step_time_constant(tmp_path):
    mdl = seeded(tmp_path, ("Perception time =\n\t2\n\t~\tYear [1,4]", "Perception time =\n\t0.5\n\t~\tYear [0.5,4]"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("short-time-constant", "Perception time", line_of(mdl, "Perception time"))
    assert "2 x TIME STEP" in f.message


def test_time_constant_by_its_documented_range(tmp_path):
    mdl = seeded(tmp_path, ("Perception time =\n\t2\n\t~\tYear [1,4]", "Perception time =\n\t2\n\t~\tYear [0.5,4]"))
    (f,) = _lint(mdl)
    assert f.rule == "short-time-constant" and "documented range reaches 0.5" in f.message


def test_time_constant_made_of_a_short_minimum(tmp_path):
    """A computed time constant (a lifetime with a floor of two steps) is judged by what it is made of."""
    mdl = seeded(tmp_path, ("Population / Lifetime + Flood deaths", "Population / Effective lifetime + Flood deaths"),
                 ("Housing lifetime =\n\t50", "Effective lifetime =\n\tMinimum lifetime + Lifetime\n\t~\tYear\n"
                  "\t~\tx.\n\t|\n\nMinimum lifetime =\n\t0.5\n\t~\tYear [0.5,1]\n\t~\tAssumption: x.\n\t|\n\n"
                  "Housing lifetime =\n\t50"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("short-time-constant", "Minimum lifetime", line_of(mdl, "Minimum lifetime"))
    assert "Effective lifetime" in f.message


def test_seeded_division_by_a_stock(tmp_path):
    mdl = seeded(tmp_path, ("ZIDZ(Perceived population, Housing capacity)", "Perceived population / Housing capacity"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("division-by-zero", "Crowding", line_of(mdl, "Crowding"))
    assert "Housing capacity" in f.message


def test_seeded_division_by_a_constant_whose_range_includes_zero(tmp_path):
    mdl = seeded(tmp_path, ("\t~\tYear [30,80]\n\t~\tSource: test life", "\t~\tYear [0,80]\n\t~\tSource: test life"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable) == ("division-by-zero", "Deaths") and "[0,80]" in f.message


def test_seeded_literal(tmp_path):
    mdl = seeded(tmp_path, ("Population / Lifetime + Flood deaths", "Population / Lifetime * 1.5 + Flood deaths * 2"))
    (f,) = _lint(mdl)
    assert (f.rule, f.variable, f.line) == ("literal", "Deaths", line_of(mdl, "Deaths"))
    assert "1.5" in f.message and " 2" not in f.message.split("in its")[0].replace("1.5", "")


def test_seeded_algebraic_loop(tmp_path):
    mdl = seeded(tmp_path, ("Population * Birth fraction * Crowding effect",
                            "Population * Birth fraction * Crowding effect + Deaths * 0"),
                 ("Population / Lifetime + Flood deaths", "Population / Lifetime + Flood deaths + Births * 0"))
    found = [f for f in check(mdl, run=False).findings if f.rule == "algebraic-loop"]
    (f,) = found
    assert f.severity == "error" and "Births" in f.message and "Deaths" in f.message
    assert f.line == min(line_of(mdl, "Births"), line_of(mdl, "Deaths"))


def test_every_rule_has_a_severity_and_a_summary():
    assert all(r.severity in ("error", "warning") and r.summary for r in RULES.values())


def test_an_xmile_model_is_checked_with_its_lines(tmp_path):
    """The village exported to XMILE: the same seeded defects, each at the line of its variable's element."""
    mdl = seeded(tmp_path, ("Source: test life tables.", "How long people live."),
                 ("Population / Lifetime + Flood deaths", "Population / Lifetime * 1.5 + Flood deaths"))
    xmile = tmp_path / "villagex.xmile"
    export_xmile(mdl, xmile)
    lines = xmile.read_text(encoding="utf-8").splitlines()
    found = {(f.rule, f.variable, f.line) for f in check(xmile, run=False).findings}
    assert found == {("missing-source", "Lifetime", lines.index('      <aux name="Lifetime">') + 1),
                     ("literal", "Deaths", lines.index('      <flow name="Deaths">') + 1)}
