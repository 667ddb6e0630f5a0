"""The notebooks run top to bottom as tests (nbmake); they take a while, so they are marked slow."""
import pytest


def pytest_collection_modifyitems(items):
    for item in items:
        if str(item.fspath).endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
