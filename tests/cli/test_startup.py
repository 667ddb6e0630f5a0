"""The command starts quickly: --help loads none of the heavy libraries; validate needs PySD only for a new model."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import MINI, REPO

HEAVY = ("pandas", "xarray", "matplotlib", "pysd")


def _modules_after(args: list[str], env: dict | None = None) -> dict:
    code = ("import json, sys\nfrom cityfutures.cli import main\n"
            f"try:\n    code = main({args!r})\nexcept SystemExit as exc:\n    code = exc.code\n"
            f"print(json.dumps({{'code': code, 'loaded': [m for m in {list(HEAVY)!r} if m in sys.modules]}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                         env={**os.environ, **(env or {})}, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["compare", "--help"], ["ensemble", "--help"],
                                  ["simulate", "--help"], ["dashboard", "--help"]])
def test_help_imports_no_heavy_library(args):
    got = _modules_after(args)
    assert got["code"] == 0 and got["loaded"] == [], got


def test_validate_reads_a_cached_model_without_pysd(tmp_path):
    env = {"CITYFUTURES_CACHE_DIR": str(tmp_path / "cache")}
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\ntitle: {{en: S, id: S}}\nmodel: {MINI}\n", encoding="utf-8")
    first = _modules_after(["validate", str(scenario)], env)       # translates: PySD is needed once
    assert first["code"] == 0 and "pysd" in first["loaded"]
    again = _modules_after(["validate", str(scenario)], env)
    assert again["code"] == 0 and "pysd" not in again["loaded"], again
