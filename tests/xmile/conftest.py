"""Fixtures of the XMILE tests: a writer of small XMILE files, the reference cases."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "batch"))

HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n'
          '<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">\n'
          '<header><vendor>tests</vendor><product version="1">tests</product></header>\n')


def xmile_text(variables: str, *, start=0, stop=4, dt=1, method=None, top: str = "",
               model_extra: str = "") -> str:
    """An XMILE 1.0 document holding ``variables`` (XML of <stock>, <flow>, <aux>...)."""
    m = f' method="{method}"' if method else ""
    return (HEADER + f"<sim_specs{m}><start>{start}</start><stop>{stop}</stop><dt>{dt}</dt></sim_specs>\n"
            + top + f"<model>{model_extra}<variables>\n{variables}\n</variables></model>\n</xmile>\n")


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
