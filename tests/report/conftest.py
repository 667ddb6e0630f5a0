"""Fixtures of the chart tests: the hand-built results of ``synthetic_results``, saved and not."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from tests.report.synthetic_results import build_results, build_table


@pytest.fixture(scope="session")
def results() -> xr.Dataset:
    return build_results()


@pytest.fixture(scope="session")
def table(results) -> pd.DataFrame:
    return build_table(results)


@pytest.fixture(scope="session")
def saved_results(tmp_path_factory, results, table) -> Path:
    """The results saved as NetCDF with ``comparison.csv`` next to them (as ``compare`` writes them)."""
    from cityfutures.results.dataset import save_results
    folder = tmp_path_factory.mktemp("saved")
    path, _csv = save_results(results, folder / "results.nc")
    table.to_csv(folder / "comparison.csv", index=False)
    return path
