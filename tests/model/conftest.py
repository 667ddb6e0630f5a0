"""Fixtures of the model tests: small XMILE files written into tmp folders."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import xmile_text


@pytest.fixture
def write_xmile(tmp_path):
    """``write_xmile(variables, name="m.xmile", **kw)`` -> the path of a new XMILE file (:func:`xmile_text`)."""
    def write(variables: str, name: str = "m.xmile", **kw) -> Path:
        path = tmp_path / name
        path.write_text(xmile_text(variables, **kw), encoding="utf-8")
        return path
    return write
