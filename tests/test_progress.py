"""Progress over named steps."""
import pytest

import cityfutures.progress as progress
from cityfutures.progress import named_steps


class Bar:
    """Records what named_steps asks of its tqdm bar."""
    made: list = []

    def __init__(self, total, **kw):
        self.total, self.n, self.names, self.closed = total, 0, [], False
        Bar.made.append(self)

    def update(self, k):
        self.n += k

    def set_postfix_str(self, name):
        self.names.append((name, self.n))

    def close(self):
        self.closed = True


@pytest.fixture
def bar(monkeypatch):
    Bar.made = []
    monkeypatch.setattr(progress, "tqdm", Bar)
    return Bar


def test_each_step_is_named_when_it_starts_and_the_bar_completes(bar):
    with named_steps(3, unit="step", desc="charts") as step:
        for name in ("scorecard", "cost", "brief"):
            step(name)
    (b,) = bar.made
    assert b.names == [("scorecard", 0), ("cost", 1), ("brief", 2)]
    assert b.n == 3 and b.closed


def test_the_bar_completes_and_closes_when_a_step_fails(bar):
    with pytest.raises(RuntimeError):
        with named_steps(4, unit="step", desc="why") as step:
            step("first")
            raise RuntimeError("boom")
    (b,) = bar.made
    assert b.n == 4 and b.closed


def test_no_bar_when_not_shown(bar, capsys):
    with named_steps(2, unit="step", desc="why", show=False) as step:
        step("a")
        step("b")
    assert bar.made == [] and capsys.readouterr().err == ""


def test_a_note_stands_beside_the_first_step_only(bar):
    with named_steps(2, unit="step", desc="why", first="compiles once") as step:
        step("a")
        step("b")
    (b,) = bar.made
    assert b.names == [("a, compiles once", 0), ("b", 1)]
