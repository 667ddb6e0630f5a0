"""Fixtures of the dashboard tests: a private copy of the scenario library under tmp_path."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


def copy_library(dest: Path) -> Path:
    """A copy of ``scenarios/`` (without any ``sessions/`` folder) at ``dest``."""
    shutil.copytree(SCENARIOS, dest, ignore=shutil.ignore_patterns("sessions", ".*"))
    return dest


@pytest.fixture
def make_library(tmp_path):
    """``make_library()``: a fresh copy of the library at ``tmp_path/scenarios``."""
    return lambda: copy_library(tmp_path / "scenarios")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return copy_library(tmp_path_factory.mktemp("dash") / "scenarios")


@pytest.fixture(scope="module")
def dashboard(library):
    from cityfutures.dashboard import Dashboard
    return Dashboard(library)
