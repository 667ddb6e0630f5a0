"""Fixtures of the XMILE tests: a writer of small XMILE files, the reference cases."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))

from _xmiledocs import xmile_text  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def write_xmile(tmp_path):
    """``write_xmile(variables, name="m.xmile", **kw)`` -> the path of a new XMILE file."""
    def write(variables: str, name: str = "m.xmile", **kw) -> Path:
        path = tmp_path / name
        path.write_text(xmile_text(variables, **kw), encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def case_dir(tmp_path_factory):
    """A session tmp folder holding copies of reference cases (PySD's reader is never pointed
    at the shared folder)."""
    return tmp_path_factory.mktemp("xmile-cases")
