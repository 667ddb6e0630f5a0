"""Old module paths import as the modules they moved to, once, with a warning naming the new place."""
import importlib

import pytest

import cityfutures as cf


@pytest.mark.parametrize("old, new", [("cityfutures.batch.graph", "cityfutures.engine.batch.graph"),
                                      ("cityfutures.uncertainty.ensemble", "cityfutures.analysis.robust"),
                                      ("cityfutures.uncertainty.spec", "cityfutures.scenario.uncertain"),
                                      ("cityfutures.runner", "cityfutures.api"),
                                      ("cityfutures.compare", "cityfutures.analysis.compare")])
def test_an_old_path_is_its_new_module(old, new):
    with pytest.warns(cf.CityfuturesWarning) as caught:          # the old parent package warns too
        module = importlib.import_module(old)
    assert any(f"{old} moved to {new}" in str(w.message) for w in caught)
    assert module is importlib.import_module(new)
    assert callable(cf.compare) and callable(cf.simulate)      # functions keep their names on the package
