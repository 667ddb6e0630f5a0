"""The engine by name (cityfutures.engine): the default engine from ``CITYFUTURES_ENGINE``, checked where used."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cityfutures.engine import DEFAULT_ENGINE, ENGINE_ENV, ENGINES, check_engine
from cityfutures.errors import InputError
from tests.helpers import MINI, REPO


def _run(code: str, engine: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != ENGINE_ENV}
    if engine is not None:
        env[ENGINE_ENV] = engine
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env,
                          timeout=300)


def test_the_suite_runs_on_the_engine_its_conftest_names():
    assert DEFAULT_ENGINE == os.environ[ENGINE_ENV]     # batch unless set (tests/conftest.py)


@pytest.mark.parametrize("engine, expected", [(None, "compiled"), ("", "compiled"), ("batch", "batch"),
                                              (" pysd ", "pysd")])
def test_the_default_engine_is_compiled_unless_the_environment_names_one(engine, expected):
    out = _run("from cityfutures.engine import DEFAULT_ENGINE; print(DEFAULT_ENGINE)", engine)
    assert out.returncode == 0 and out.stdout.strip() == expected, out.stderr


def test_a_bad_engine_in_the_environment_is_one_line_exit_2_and_writes_nothing(tmp_path):
    target = tmp_path / "out" / "run.csv"
    out = _run(f"import sys; from cityfutures.cli import main; sys.exit(main(['simulate', {str(MINI)!r}, "
               f"'--out', {str(target)!r}]))", "numpy")
    assert out.returncode == 2
    assert out.stderr == (f"error: <environment>: {ENGINE_ENV}: unknown engine 'numpy' "
                          f"(allowed: {', '.join(ENGINES)})\n")
    assert not target.parent.exists()


def test_a_bad_engine_argument_names_the_argument():
    with pytest.raises(InputError, match=r"^engine: unknown engine 'numpy' \(allowed: compiled, batch, pysd\)$"):
        check_engine("numpy")
    assert check_engine("compiled") == "compiled"
