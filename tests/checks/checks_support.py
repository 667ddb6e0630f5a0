"""Helpers shared by the model-check tests: the clean test village and seeded copies of it."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

VILLAGE = Path(__file__).resolve().parents[1] / "data" / "checks"


def reference_models() -> Path:
    """The reference models: ``../shared`` beside the repository, else /work/shared."""
    beside = Path(__file__).resolve().parents[3] / "shared" / "reference-models"
    return beside if beside.is_dir() else Path("/work/shared/reference-models")


def seeded(tmp_path: Path, *edits: tuple[str, str], files=("village.mdl",)) -> Path:
    """A copy of the village in ``tmp_path`` with each ``(old, new)`` replaced exactly once.

    ``files`` names the file each edit applies to (the last one for the remaining edits).
    """
    for src in VILLAGE.iterdir():
        shutil.copy2(src, tmp_path / src.name)
    for i, (old, new) in enumerate(edits):
        target = tmp_path / files[min(i, len(files) - 1)]
        text = target.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {target.name}"
        target.write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / "village.mdl"


def line_of(path: Path, name: str) -> int:
    """The line where element ``name`` is defined, found by reading the text (independently of the checks)."""
    pattern = re.compile(rf"^{re.escape(name)}\s*(=|\(|:)")
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if pattern.match(line):
            return i
    raise AssertionError(f"{name} is not defined in {path}")


def only(findings, rule: str):
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]
