"""The validation script models/validate_jakarta.py: its statistics, and its fast path end to end."""
from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from .conftest import MODELS


@pytest.fixture(scope="module")
def validate(calibration):
    spec = importlib.util.spec_from_file_location("validate_jakarta", MODELS / "validate_jakarta.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_theil_shares_sum_to_one_and_name_the_error(validate):
    a = np.array([1.0, 2.0, 3.0, 4.0])
    bias = validate.theil(a, a + 0.5)                      # a pure offset: all bias
    assert bias["um"] == pytest.approx(1) and bias["us"] == pytest.approx(0) and bias["uc"] == pytest.approx(0)
    scale = validate.theil(a, 2.5 + 2 * (a - 2.5))         # same mean, twice the spread: unequal variation
    assert scale["um"] == pytest.approx(0) and scale["us"] == pytest.approx(1)
    noise = validate.theil(a, a[::-1])                     # same mean and spread, opposite co-movement
    assert noise["uc"] == pytest.approx(1)
    rng = np.random.default_rng(42)
    s = a + rng.normal(0, 0.3, 4) + 0.2
    t = validate.theil(a, s)
    assert t["um"] + t["us"] + t["uc"] == pytest.approx(1)
    assert t["mse"] == pytest.approx(np.mean((s - a) ** 2))
    one = validate.theil([2.0], [2.2])                      # one point: all of the error is bias
    assert (one["n"], one["um"], one["us"], one["uc"]) == (1, pytest.approx(1), 0, 0)


def test_mape(validate):
    assert validate.mape([100, 200], [110, 180]) == pytest.approx(10)
    assert np.isnan(validate.mape([], []))


def test_split_keeps_late_series_for_2018(calibration):
    by = {(o.series, o.time): calibration.split(o, 2015.0) for o in calibration.OBS}
    assert by[("Population", 2015.5)] == "calibration" and by[("Population", 2018.5)] == "holdout"
    assert by[("Congestion level", 2017.5)] == "calibration" and by[("Congestion level", 2018.5)] == "holdout"
    assert by[("Public transport mode share", 2017.5)] == "calibration"
    assert all(calibration.split(o, None) == "calibration" for o in calibration.OBS)


def test_fast_path_writes_the_whole_report(validate, tmp_path):
    out = tmp_path / "validation.md"
    assert validate.main(["--fast", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    for heading in ("## 1. Holdout test", "## 2. Final fit", "## 3. Fitted constants", "## 4. Extreme-condition tests",
                    "## 5. Loop knockout", "## 6. Integration error", "## 7. Cross-checks"):
        assert heading in text, heading
    for series in {o.series for o in validate.cal.OBS}:
        assert f"| {series} |" in text, series
    for p in validate.cal.PARAMS:
        assert f"| {p.name} |" in text, p.name
    extremes = [line for line in text.splitlines() if line.startswith("- `test_")]
    assert len(extremes) >= 20
    assert not list(tmp_path.glob("*.tmp"))           # written through a temporary file


def test_committed_report_is_the_full_analysis():
    text = (MODELS / "validation.md").read_text(encoding="utf-8")
    assert "--fast" not in text.splitlines()[2]
    assert "## 1. Holdout test" in text and "## 5. Loop knockout" in text


def test_knockout_tables_trace_each_change_through_every_documented_loop(validate, jakarta):
    """One table per traced change; one row per documented loop; where shown, the loops' shares, the interaction
    and the remainder add up to 100%. The mobility package's gain in public-transport share comes round the
    crowding loop (relieved crowding draws riders) and is damped by the mode-shift loop (emptier roads)."""
    tables = dict(validate.knockout_table(jakarta))
    assert len(tables) == len(validate.KNOCKOUT_CHANGES)
    loops = [f"{lp.name} ({lp.polarity[0].upper()})" for lp in jakarta.loops]
    for title, table in tables.items():
        assert list(table["loop"]) == ["effect", *loops, "(interaction)", "(remaining)"], title
        shares = table.iloc[1:].set_index("loop")
        for indicator in shares.columns:
            if shares[indicator].notna().any():
                assert shares[indicator].sum() == pytest.approx(100, abs=1e-6), (title, indicator)
    mobility = next(t for title, t in tables.items() if title.startswith("Mobility package")).set_index("loop")
    pt = mobility["Public transport mode share"]
    assert pt["effect"] > 0 and pt["crowding (B)"] > 10 and pt["mode-shift (B)"] < -5


def test_shock_results_do_not_depend_on_the_time_step(validate, jakarta):
    """A 2007-like flood at four phases of a step: peak displaced, loss areas (people affected, deaths, damage,
    displaced) and peak losses within 3% between dt and dt/4 and between dt and dt/8; recovery times within
    one step."""
    table = validate.convergence(jakarta, steps=(1, 4, 8)).set_index("measure")
    assert len(table) == len(validate.SHOCK_MEASURES)
    for measure, row in table.iterrows():
        worst = np.abs(row.to_numpy(float)).max()
        limit = validate.cal.DT if "recovery" in measure else 3.0
        assert np.isfinite(worst) and worst < limit, (measure, row.to_dict())


def test_history_carries_on_into_the_model_without_jumps(validate, jakarta, calibration):
    """The 2010 history run reaches the model's 2018 state: the stocks the calibration copies or back-casts
    (population, piped water, NRW, waste, Bantargebang, subsidence, fleets, congestion) within 6%."""
    table = validate.continuity(jakarta, calibration.model_values(jakarta)).set_index("variable")
    close = ["Population", "Economic output per person", "Piped water coverage", "Non revenue water fraction",
             "Groundwater extraction", "Subsidence rate", "Waste generation", "Waste delivered to Bantargebang",
             "Uncontrolled waste", "Waste in drains", "Landfill remaining capacity", "Cars", "Motorcycles",
             "Congestion level"]
    jumps = table.loc[close, "jump at 2018 %"].abs()
    assert (jumps < 6).all(), jumps[jumps >= 6].to_dict()
