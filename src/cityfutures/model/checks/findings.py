"""Findings of the model checks: what each rule reports, how severe it is, how it is shown.

A :class:`Finding` is one line, ``MODEL.mdl:LINE: Variable name: problem``. Every finding
belongs to a rule of :data:`RULES`; an ``error`` fails the check (exit code 2), a
``warning`` does not unless the check is strict. A model's sidecar may silence a finding,
never without a reason (:class:`Silence`); a silence that matches nothing is itself
reported, so silences cannot outlive the defect they excuse.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from ...names import norm_name

__all__ = ["Rule", "RULES", "SEVERITIES", "Finding", "Silence", "CheckReport", "finding", "silences",
           "apply_silences", "SOURCE_TAGS"]

SEVERITIES = ("error", "warning")
SOURCE_TAGS = ("Source", "Derived", "Calibrated", "Assumption")
"""Words that name a constant's source in its documentation (the sidecar's ``checks.source_tags`` replaces them)."""


@dataclass(frozen=True)
class Rule:
    """A check rule: its id, default severity and what it looks for."""

    id: str
    severity: str
    summary: str


RULES = {r.id: r for r in (
    # units (dimensional analysis of every equation)
    Rule("units-unparseable", "error", "a units string that is not a units expression"),
    Rule("units-mismatch", "error", "an equation whose units differ from the variable's declared units"),
    Rule("units-terms", "error", "added, subtracted, compared or alternative terms with different units"),
    Rule("units-argument", "error", "a function argument with the wrong units (EXP of a quantity, a delay "
         "time that is not a time, an exponent with units)"),
    Rule("units-stock", "error", "a stock whose rate is not its units per time unit, or whose initial "
         "value has other units"),
    Rule("units-lookup-input", "warning", "a lookup called with an input that is not dimensionless"),
    Rule("units-missing", "warning", "a variable without units in a model that declares units"),
    Rule("unit-conversion", "warning", "a unit conversion constant whose value disagrees with its units"),
    # structure
    Rule("algebraic-loop", "error", "variables that depend on each other at the same time"),
    Rule("dead-end", "warning", "a variable that feeds nothing and is not a declared output (indicator)"),
    Rule("unused-constant", "warning", "a constant or lookup that nothing uses"),
    Rule("missing-source", "warning", "a constant or lookup whose documentation names no source"),
    Rule("missing-range", "warning", "a constant without a documented range [min,max]"),
    Rule("bare-initial", "warning", "a stock whose initial value is a bare number"),
    Rule("short-time-constant", "warning", "a time constant shorter than 4 x TIME STEP"),
    Rule("division-by-zero", "warning", "a division by a stock, or by a constant whose range includes "
         "zero, without ZIDZ or XIDZ"),
    Rule("literal", "warning", "a number in an equation other than 0, 1, 2, 100 and lookup points"),
    # behaviour (the model is run)
    Rule("equilibrium", "error", "a stock declared as starting in equilibrium that moves at the "
         "initial time"),
    Rule("reality", "error", "a violated reality check"),
    Rule("not-checked", "warning", "a check that could not run on this model"),
    Rule("stale-silence", "warning", "a silence in the sidecar that matches no finding"),
)}


@dataclass(frozen=True, order=True)
class Finding:
    """One finding: where, which rule, how severe, and what is wrong.

    Attributes
    ----------
    file : str
        The model file (or the reality file for a reality check).
    line : int or None
        1-based line in ``file``.
    variable : str
        The model variable (or the reality check) concerned.
    rule : str
        A key of :data:`RULES`.
    severity : {"error", "warning"}
    message : str
    """

    file: str
    line: int | None
    variable: str
    rule: str
    severity: str
    message: str

    def format(self) -> str:
        """``file:line: variable: message [severity rule]``."""
        where = self.file + (f":{self.line}" if self.line else "")
        return f"{where}: {self.variable}: {self.message} [{self.severity} {self.rule}]"

    def as_dict(self) -> dict:
        return asdict(self)


def finding(rule: str, variable: str, message: str, *, file: str, line: int | None) -> Finding:
    """A :class:`Finding` of ``rule`` with the rule's severity."""
    return Finding(file, line, variable, rule, RULES[rule].severity, message)


@dataclass(frozen=True)
class Silence:
    """A finding the model's authors accept, and why (from the sidecar's ``checks.silence``).

    ``variable`` may be ``"*"``: every variable for that rule; for rule ``reality`` it names
    the reality check.
    """

    rule: str
    variable: str
    reason: str
    line: int | None = None

    def matches(self, f: Finding) -> bool:
        return f.rule == self.rule and (self.variable == "*" or norm_name(self.variable) == norm_name(f.variable))


def silences(meta) -> tuple[Silence, ...]:
    """The silences of a validated sidecar (``Model.meta``; None: none), each with its line in the file."""
    if meta is None:
        return ()
    return tuple(Silence(s.rule, s.variable, s.reason.strip(), meta.line_of("checks", "silence", i))
                 for i, s in enumerate(meta.checks.silence))


@dataclass(frozen=True)
class CheckReport:
    """Every finding of a check, the silenced ones apart.

    Attributes
    ----------
    model : str
        The model file checked.
    findings : tuple of Finding
        Sorted by file, line, variable and rule.
    silenced : tuple of (Finding, Silence)
    strict : bool
        Warnings count as errors.
    notes : tuple of str
        What was checked (e.g. how many runs a reality check made).
    """

    model: str
    findings: tuple[Finding, ...]
    silenced: tuple[tuple[Finding, Silence], ...] = ()
    strict: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error" or self.strict]

    @property
    def warnings(self) -> list[Finding]:
        return [] if self.strict else [f for f in self.findings if f.severity == "warning"]

    @property
    def exit_code(self) -> int:
        """2 when an error (or, strict, any finding) remains, else 0."""
        return 2 if self.errors else 0

    def format_text(self) -> str:
        """One line per finding, then a summary line."""
        lines = [f.format() for f in self.findings]
        n_err, n_warn = len(self.errors), len(self.warnings)
        summary = f"{self.model}: {n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
        if self.silenced:
            per_rule: dict[str, int] = {}
            for f, _s in self.silenced:
                per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
            summary += f", {len(self.silenced)} silenced with a reason (" + ", ".join(
                f"{rule} {n}" for rule, n in sorted(per_rule.items(), key=lambda x: -x[1])) + ")"
        if self.strict:
            summary += " (strict: warnings count as errors)"
        return "\n".join(lines + list(self.notes) + [summary])

    def to_json(self) -> str:
        """The findings as a JSON list of {file, line, variable, rule, severity, message}."""
        out = [dict(f.as_dict(), severity="error" if self.strict else f.severity) for f in self.findings]
        return json.dumps(out, indent=1, ensure_ascii=False)


def apply_silences(findings: Iterable[Finding], silences: Sequence[Silence], *, sidecar: str | None,
                   not_run: Iterable[str] = ()) -> tuple[list[Finding], list[tuple[Finding, Silence]]]:
    """Split ``findings`` into kept and silenced; a silence matching nothing becomes a finding
    (unless its rule is in ``not_run``: checks that did not run cannot tell)."""
    kept, silenced, used = [], [], set()
    for f in findings:
        s = next((s for s in silences if s.matches(f)), None)
        if s is None:
            kept.append(f)
        else:
            silenced.append((f, s))
            used.add(id(s))
    skipped = set(not_run)
    for s in silences:
        if id(s) not in used and s.rule not in skipped:
            kept.append(finding("stale-silence", s.variable, f"silences rule '{s.rule}' but the rule "
                                        "finds nothing there: remove the silence",
                                        file=sidecar or "", line=s.line))
    return kept, silenced
