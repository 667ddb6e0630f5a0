"""Fixtures of the batch-engine tests."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def case_dir(tmp_path_factory):
    """A session tmp folder holding copies of reference cases."""
    return tmp_path_factory.mktemp("cases")


@pytest.fixture(scope="session")
def pysd_run():
    """Translate a (copied) model with PySD once per path and run it; returns a DataFrame."""
    import pysd
    memo = {}

    def run(path: Path, **kw):
        key = (str(path), tuple(sorted(kw.items())))
        if key not in memo:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                memo[key] = pysd.read_vensim(str(path)).run(progress=False, **kw)
        return memo[key]

    return run
