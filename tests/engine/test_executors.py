"""Executors: one interface, results in chunk order, a failed chunk reported, not fatal."""
from __future__ import annotations

import pytest

from cityfutures.engine.executors import Chunk, InProcessExecutor, ProcessPoolExecutor, chunked, make_executor
from cityfutures.errors import InputError


def square_or_fail(x):
    if x == 3:
        raise ValueError("three is unlucky")
    return x * x


def test_in_process_keeps_order_and_reports_failure():
    chunks = [Chunk(i, (10 * i, 10 * i + 1), i) for i in range(6)]
    res = list(InProcessExecutor().map_chunks(square_or_fail, chunks))
    assert [r.index for r in res] == list(range(6))
    assert [r.value for r in res if r.ok] == [0, 1, 4, 16, 25]
    bad = [r for r in res if not r.ok]
    assert len(bad) == 1 and bad[0].ids == (30, 31) and "three is unlucky" in bad[0].error


@pytest.mark.slow
def test_process_pool_same_answers_in_order():
    chunks = [Chunk(i, (i,), i) for i in range(8)]
    with ProcessPoolExecutor(2) as ex:
        res = list(ex.map_chunks(square_or_fail, chunks))
    assert [r.index for r in res] == list(range(8))
    assert [r.value for r in res] == [0, 1, 4, None, 16, 25, 36, 49]
    assert res[3].error.startswith("ValueError")


def test_make_executor_names():
    assert make_executor("inprocess").name == "inprocess"
    with pytest.raises(InputError, match="unknown executor"):
        make_executor("mpi")
    with pytest.raises(InputError, match="scheduler address"):
        make_executor("dask", scheduler="localhost:8786")


def test_chunked():
    assert chunked(list(range(5)), 2) == [(0, 1), (2, 3), (4,)]
