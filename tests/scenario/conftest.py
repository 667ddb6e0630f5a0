"""Fixtures for scenario tests: a temporary project with the mini model and scenario files."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"

BASELINE = """\
name: baseline
title: {en: Baseline, id: Dasar}
model: mini
seed: 42
"""


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    """Keep PySD translations out of the user's cache (one folder for the whole session)."""
    monkeypatch.setenv("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cfcache"))


@pytest.fixture
def project(tmp_path) -> Path:
    """``tmp/models/mini.{mdl,meta.yaml}`` and ``tmp/scenarios/baseline.yaml``."""
    models = tmp_path / "models"
    models.mkdir()
    for name in ("mini.mdl", "mini.meta.yaml"):
        shutil.copy(MINI / name, models / name)
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "baseline.yaml").write_text(BASELINE, encoding="utf-8")
    return tmp_path


@pytest.fixture
def write(project):
    """``write(name, text)`` writes ``scenarios/<name>`` (dedented) and returns its path."""
    def _write(name: str, text: str) -> Path:
        path = project / "scenarios" / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write
