"""Progress over named steps."""
import pytest

from cityfutures.progress import named_steps


def test_named_steps_names_each_step_and_completes(capsys):
    with named_steps(3, unit="step", desc="charts", show=True) as step:
        for name in ("scorecard", "cost", "brief"):
            step(name)
    err = capsys.readouterr().err
    assert "charts" in err and "scorecard" in err and "brief" in err
    assert "3/3" in err


def test_named_steps_completes_when_a_step_fails(capsys):
    with pytest.raises(RuntimeError):
        with named_steps(4, unit="step", desc="why", show=True) as step:
            step("first")
            raise RuntimeError("boom")
    assert "4/4" in capsys.readouterr().err


def test_named_steps_silent_when_not_shown(capsys):
    with named_steps(2, unit="step", desc="why", show=False) as step:
        step("a")
        step("b")
    assert capsys.readouterr().err == ""
