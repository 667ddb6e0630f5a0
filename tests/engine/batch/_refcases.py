"""Reference cases of the batch-engine tests: the table and copies into tmp folders."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers import REFERENCE


def load_cases() -> dict:
    """The table of reference cases (empty when the reference folder is missing)."""
    path = REFERENCE / "cases.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def copy_case(model_rel: str, dest: Path) -> Path:
    """Copy a case's folder into ``dest`` and return the copied model path."""
    src = REFERENCE / model_rel
    target = dest / src.parent.name
    if not target.exists():
        shutil.copytree(src.parent, target)
    return target / src.name


