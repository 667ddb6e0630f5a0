"""Fixtures of the engine tests."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def case_dir(tmp_path_factory):
    """A session tmp folder holding copies of reference cases."""
    return tmp_path_factory.mktemp("cases")
