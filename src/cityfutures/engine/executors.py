"""Where chunks of runs execute. One interface, three places.

An executor takes a pure, picklable function and a sequence of chunks and yields one
:class:`ChunkResult` per chunk, **in the order of the chunks**, whatever order they finish in.
A chunk that raises is returned as a result with its error and sample ids instead of
stopping the others. Because the work is plain data and the answers come back in order,
every executor returns the same numbers for the same plan::

    with make_executor("dask", n_workers=2) as ex:          # or "inprocess", "process"
        for res in ex.map_chunks(run_chunk, chunks):
            ...

``InProcessExecutor`` runs chunks one after another here (the default; the batch engine
vectorises inside a chunk). ``ProcessPoolExecutor`` uses local processes. ``DaskExecutor``
sends chunks to a Dask ``distributed`` cluster: an existing scheduler (``tcp://HOST:PORT``)
or a local cluster it starts and stops itself.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import traceback as _traceback
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import InputError

__all__ = ["Chunk", "ChunkResult", "Executor", "InProcessExecutor", "ProcessPoolExecutor", "DaskExecutor",
           "make_executor", "EXECUTORS"]

EXECUTORS = ("inprocess", "process", "dask")


@dataclass(frozen=True)
class Chunk:
    """A piece of work: its position, the sample ids it covers, and the plain data to run."""

    index: int
    ids: tuple[int, ...]
    payload: Any


@dataclass(frozen=True)
class ChunkResult:
    """What came back for one chunk: ``value`` or, if it failed, ``error`` (and traceback)."""

    index: int
    ids: tuple[int, ...]
    value: Any = None
    error: str | None = None
    traceback: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def call_chunk(fn: Callable[[Any], Any], chunk: Chunk) -> ChunkResult:
    """Run ``fn(chunk.payload)``; an exception becomes a failed :class:`ChunkResult`."""
    try:
        return ChunkResult(chunk.index, chunk.ids, value=fn(chunk.payload))
    except Exception as exc:  # noqa: BLE001 - a failed chunk is reported, not raised
        return ChunkResult(chunk.index, chunk.ids, error=f"{type(exc).__name__}: {exc}",
                           traceback=_traceback.format_exc())


class Executor:
    """Runs chunks and yields their results in chunk order. Use as a context manager."""

    name = "executor"
    n_workers = 1

    def map_chunks(self, fn: Callable[[Any], Any], chunks: Iterable[Chunk]) -> Iterator[ChunkResult]:
        raise NotImplementedError

    def close(self) -> None:
        """Release workers (a no-op where there are none)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def describe(self) -> str:
        return self.name


class InProcessExecutor(Executor):
    """Run the chunks one after another in this process."""

    name = "inprocess"

    def map_chunks(self, fn, chunks):
        for chunk in chunks:
            yield call_chunk(fn, chunk)


def _ordered(submit: Callable[[Chunk], Any], result: Callable[[Any], ChunkResult], chunks: Iterable[Chunk],
             window: int) -> Iterator[ChunkResult]:
    """Keep at most ``window`` chunks in flight; yield their results in submission order."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append((chunk, submit(chunk)))
        if len(pending) >= window:
            c, fut = pending.popleft()
            yield result(c, fut)
    while pending:
        c, fut = pending.popleft()
        yield result(c, fut)


class ProcessPoolExecutor(Executor):
    """Local worker processes (``concurrent.futures``, started with ``spawn``: no inherited state).

    Parameters
    ----------
    n_workers : int, optional
        Number of processes (default: the number of CPUs, at most 8).
    """

    name = "process"

    def __init__(self, n_workers: int | None = None):
        self.n_workers = n_workers or min(os.cpu_count() or 1, 8)
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.n_workers, mp_context=multiprocessing.get_context("spawn"))

    def map_chunks(self, fn, chunks):
        def result(chunk, fut):
            try:
                return fut.result()
            except Exception as exc:  # noqa: BLE001 - e.g. a worker died
                return ChunkResult(chunk.index, chunk.ids, error=f"{type(exc).__name__}: {exc}")
        yield from _ordered(lambda c: self._pool.submit(call_chunk, fn, c), result, chunks,
                            window=2 * self.n_workers)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def describe(self) -> str:
        return f"process pool ({self.n_workers} workers)"


class DaskExecutor(Executor):
    """A Dask ``distributed`` cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running scheduler, ``tcp://HOST:PORT``. Without it a local cluster is
        started (and stopped by :meth:`close`).
    n_workers : int
        Workers of the local cluster.
    processes : bool
        Local cluster with worker processes (default) or threads in this process.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, n_workers: int = 2, processes: bool = True,
                 threads_per_worker: int = 1):
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise InputError("the dask executor needs 'dask[distributed]'", field="--executor",
                             allowed="pip install 'cityfutures[cluster]'") from exc
        self._cluster = None
        if scheduler:
            if not str(scheduler).startswith(("tcp://", "tls://", "inproc://", "ws://", "wss://")):
                raise InputError(f"'{scheduler}' is not a scheduler address", field="--scheduler",
                                 allowed="tcp://HOST:PORT")
            try:
                self._client = Client(scheduler, timeout="10s")
            except OSError as exc:
                raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                                 field="--scheduler") from exc
        else:
            self._cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                         processes=processes, dashboard_address=None)
            self._client = Client(self._cluster)
        self.scheduler = scheduler
        self.n_workers = max(len(self._client.scheduler_info().get("workers", {})), 1)

    @property
    def client(self):
        return self._client

    def map_chunks(self, fn, chunks):
        def submit(chunk):
            return self._client.submit(call_chunk, fn, chunk, pure=False)

        def result(chunk, fut):
            try:
                return fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a killed task
                return ChunkResult(chunk.index, chunk.ids, error=f"{type(exc).__name__}: {exc}")
            finally:
                fut.release()
        yield from _ordered(submit, result, chunks, window=2 * self.n_workers)

    def close(self):
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> str:
        where = self.scheduler or "local cluster"
        return f"dask ({where}, {self.n_workers} workers)"


def make_executor(name: str = "inprocess", *, scheduler: str | None = None, n_workers: int | None = None,
                  processes: bool = True) -> Executor:
    """An executor by name: ``inprocess`` (default), ``process`` or ``dask``.

    A ``scheduler`` address implies ``dask``.
    """
    if scheduler and name in ("inprocess", None):
        name = "dask"
    if name == "inprocess":
        return InProcessExecutor()
    if name == "process":
        return ProcessPoolExecutor(n_workers)
    if name == "dask":
        return DaskExecutor(scheduler, n_workers=n_workers or 2, processes=processes)
    raise InputError(f"unknown executor '{name}'", field="--executor", allowed=", ".join(EXECUTORS))


def chunked(ids: Sequence[int], size: int) -> list[tuple[int, ...]]:
    """Split sample ids into consecutive chunks of at most ``size``."""
    size = max(int(size), 1)
    return [tuple(int(i) for i in ids[a:a + size]) for a in range(0, len(ids), size)]
