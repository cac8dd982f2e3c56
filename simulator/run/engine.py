"""Running many independent jobs (scenario runs, explored seeds) serially or on Dask.

Why Dask distributed: it is the Python field's engine for exactly this — a `LocalCluster` of
processes on one machine by default, and the same code against a remote scheduler
(`tcp://host:8786`) when a sweep outgrows the machine (`dask scheduler` on one host,
`dask worker tcp://host:8786` on the others). Every job is self-contained (its world and
seed are built inside the worker), so results — and trace hashes — are byte for byte those
of a serial run, whatever the number of workers or the order they finish in.

Processes, one thread each: a run freezes the wall clock and patches `requests` in its
process, and a simpy world is not thread-safe. The frozen clock must not reach Dask's own
threads (heartbeats, timeouts), so each worker tells freezegun to leave Dask's, Tornado's and
asyncio's modules the real time before its first job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Modules that must keep the real wall clock while a run inside the worker freezes it.
REAL_TIME_MODULES = ("distributed", "dask", "tornado", "asyncio", "concurrent", "msgpack", "psutil")


def _worker_ready() -> None:
    import freezegun

    freezegun.configure(extend_ignore_list=list(REAL_TIME_MODULES))


def _call(fn: Callable[[T], R], item: T) -> R:
    _worker_ready()
    return fn(item)


@contextmanager
def _client(workers: int, scheduler: str | None) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,  # errors only: a sweep's table is the output
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_all(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[int, R], None] | None = None,
) -> list[R]:
    """`fn(item)` for every item, results in the order of `items`.

    Serial in this process when `workers` is 1 and no scheduler is given; otherwise on a
    Dask cluster (a local one of `workers` processes, or the scheduler's). `fn` must be a
    module-level function (or a `functools.partial` of one) so that it pickles.
    `on_result(index, result)` is called as each finishes, in completion order."""
    results: list[Any] = [None] * len(items)
    if not items:
        return []
    if scheduler is None and workers <= 1:
        for index, item in enumerate(items):
            results[index] = fn(item)
            if on_result is not None:
                on_result(index, results[index])
        return results
    from dask.distributed import as_completed

    with _client(max(1, min(workers, len(items))), scheduler) as client:
        futures = client.map(_call, [fn] * len(items), list(items), pure=False)
        index_of = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            index = index_of[future.key]
            results[index] = future.result()
            if on_result is not None:
                on_result(index, results[index])
            future.release()
    return results
