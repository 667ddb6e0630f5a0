"""A dashboard server in its own process, for the tests that talk to it over HTTP or through a browser."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dashboard_server(lib: Path, folder: Path, *options: str, wait: float = 60.0):
    """``cityfutures dashboard --scenarios LIB`` on a free port, run in ``folder``; yields ``(port, log)``
    once it listens, and stops it afterwards."""
    port = free_port()
    log = folder / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cityfutures", "dashboard", "--scenarios", str(lib),
                                 "--port", str(port), *options], stdout=out, stderr=subprocess.STDOUT, cwd=folder)
    try:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"the dashboard server stopped: {log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"the dashboard server did not listen within {wait:g} s: {log.read_text()}")
        yield port, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
