"""Work that cannot fit is refused before it starts: one line naming the bound and the option that lowers it."""
from __future__ import annotations

import os

import pytest

from cityfutures import resources
from cityfutures.cli import main
from cityfutures.errors import InputError
from cityfutures.resources import available_memory, bytes_text, check_run_size, require_memory
from tests.helpers import MINI, write_workshop

UNCERTAIN = ("uncertain:\n  constants:\n    Exposure fraction: {dist: uniform, min: 0.05, max: 0.15}\n"
             "  shocks:\n    flood: {annual_probability: 0.2, magnitude: {dist: uniform, min: 0.5, max: 2}}\n")


@pytest.fixture(scope="module", autouse=True)
def _cache(tmp_path_factory):
    os.environ.setdefault("CITYFUTURES_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def little_memory(monkeypatch):
    """A machine with 64 MB free."""
    monkeypatch.setattr(resources, "available_memory", lambda: 64 * 2**20)


def _workshop(tmp_path):
    path = write_workshop(tmp_path)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text() + UNCERTAIN)
    return path


def test_the_memory_available_is_a_positive_number_of_bytes():
    assert 0 < available_memory() < 2**62
    assert bytes_text(17.2 * 2**30) == "17.2 GB" and bytes_text(512) == "512 bytes"


def test_require_memory_names_what_and_how_many_fit(little_memory):
    with pytest.raises(InputError) as info:
        require_memory(2**40, what="1,000 futures", allowed="at most {fits:,} futures (--samples)",
                       field="--samples", per=2**20)
    assert str(info.value) == ("<command line>: --samples: 1,000 futures needs about 1.0 TB of memory, more than "
                               "the 64.0 MB available (allowed: at most 64 futures (--samples))")
    require_memory(2**20, what="x", allowed="y", field="z")      # fits: nothing happens


def test_a_small_need_is_granted_without_reading_the_system(monkeypatch):
    def unreadable():
        raise AssertionError("read the system's figures for a small run")
    monkeypatch.setattr(resources, "available_memory", unreadable)
    require_memory(resources.SMALL_NEED, what="one run", allowed="y", field="z")
    with pytest.raises(AssertionError):
        require_memory(resources.SMALL_NEED + 1, what="more", allowed="y", field="z")


def test_an_ensemble_of_a_billion_futures_is_refused_at_once(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["ensemble", str(_workshop(tmp_path)), "--samples", "1000000000", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--samples: 1,000,000,000 futures x 5 runs" in err
    assert "of memory, more than the" in err and "fewer samples: at most about" in err
    assert not out.exists()


def test_a_sensitivity_design_too_large_is_refused(tmp_path, capsys, little_memory):
    assert main(["sensitivity", str(_workshop(tmp_path)), "--samples", "1048576", "--out",
                 str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "--samples:" in err and "futures x 5 runs" in err and "(--samples)" in err


def test_a_horizon_kept_at_every_tiny_step_is_refused(tmp_path, capsys, little_memory):
    path = write_workshop(tmp_path)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text() + "horizon: {dt: 0.0001, saveper: 0.0001}\n")
    assert main(["compare", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "horizon.saveper: 5 runs x 100,001 saved times x" in err and "a longer horizon.saveper" in err
    assert not (tmp_path / "out").exists()


def test_a_chunk_size_too_large_is_refused(tmp_path, capsys, little_memory):
    path = _workshop(tmp_path)
    base = tmp_path / "baseline.yaml"
    base.write_text(base.read_text() + "horizon: {dt: 0.0001, saveper: 0.0001}\n")
    assert main(["ensemble", str(path), "--samples", "8", "--chunk-size", "8", "--out", str(tmp_path / "o")]) == 2
    assert "--chunk-size: chunks of 8 futures x 5 runs needs about" in capsys.readouterr().err


@pytest.mark.parametrize("settings, field, words", [
    ((0, 10, 0, 1), "TIME STEP", "takes inf steps"),
    ((0, 10, 1e-9, 1), "TIME STEP", "10,000,000,000 steps, more than 1,000,000"),
    ((0, 10, -1, 1), "TIME STEP", "steps"),
    ((5, 5, 1, 1), "FINAL TIME", "from 5 to 5"),
    ((0, 10, 1, 0), "SAVEPER", "must be positive"),
])
def test_time_settings_that_cannot_be_stepped_are_refused(settings, field, words):
    with pytest.raises(InputError, match=words) as info:
        check_run_size(*settings, runs=1, kept=10, path="m.mdl")
    assert info.value.field == field and info.value.path == "m.mdl"


def test_simulate_refuses_a_model_with_a_zero_time_step(tmp_path, capsys):
    model = tmp_path / "zero.mdl"
    model.write_text(MINI.read_text().replace("TIME STEP  = 0.0625", "TIME STEP  = 0"))
    for engine in ("batch", "pysd"):
        assert main(["simulate", str(model), "--engine", engine]) == 2
        err = capsys.readouterr().err
        assert "TIME STEP: a run from 2018 to 2028 in steps of 0 takes inf steps" in err, err
