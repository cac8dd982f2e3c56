"""The explorer's speed: seeds per second with two Dask workers against the serial rate
(scale-out efficiency; target ≥ 1.7×), and the time to shrink a planted failure to its
minimum (target ≤ 60 s, and a minimum of at most 3 devices and 2 faults).

`explore.throughput`: the same seeds run serially in this process (the floor: one core's
rate), then on a `LocalCluster` of two processes (cluster start-up included, as a user pays
it). The value is the parallel rate over the serial one. `explore.throughput_warm`: the same
seeds on a cluster already started and warmed (each worker has imported the twin and run a
seed), through the engine's `--scheduler` path — the scale-out efficiency a long sweep sees,
where the start-up of a few seconds is spread over thousands of seeds. `explore.shrink`: the first seed
that the test-only `convergence` plant breaks, shrunk; its floor is one run of that seed (a
shrink is a few dozen runs, so its ratio says how many runs' worth it took).
"""

from __future__ import annotations

import time

from benchmarks.common import Record, progress
from simulator.explore.check import explore_seed
from simulator.explore.generate import Options, generate
from simulator.explore.shrink import device_count, fault_count, shrink
from simulator.run.engine import run_all

SIZES = {"full": 24, "tiny": 2}  # seeds in the throughput sweep
SHRINK_RUNS = {"full": 400, "tiny": 6}  # the shrinker's budget (tiny: the harness only)
OPTIONS = Options(days=0.5)


def _wall(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(size: str) -> list[Record]:
    seeds = list(range(1, SIZES[size] + 1))
    serial = _wall(lambda: run_all(_seed, seeds))
    parallel = _wall(lambda: run_all(_seed, seeds, workers=2))
    rate_serial, rate_parallel = len(seeds) / serial, len(seeds) / parallel
    progress(f"serial {rate_serial:.2f} seeds/s, 2 workers {rate_parallel:.2f} seeds/s")
    # the floor is the serial rate: the ratio is the scale-out efficiency (target 1.7×)
    records = [
        Record("explore.throughput", rate_parallel, "seeds/s", 1.7 * rate_serial, rate_serial)
    ]
    warm = _warm_rate(seeds)
    progress(f"2 workers, cluster warm: {warm:.2f} seeds/s")
    records.append(
        Record("explore.throughput_warm", warm, "seeds/s", 1.7 * rate_serial, rate_serial)
    )

    seed = next(
        s
        for s in range(1, 201)
        if "convergence" in explore_seed(s, OPTIONS, plant="convergence").invariants
    )
    plan = generate(seed, OPTIONS)
    one = _wall(lambda: explore_seed(seed, OPTIONS, plant="convergence"))
    small = None

    def do() -> None:
        nonlocal small
        small = shrink(plan, "convergence", plant="convergence", max_runs=SHRINK_RUNS[size])

    seconds = _wall(do)
    assert small is not None
    progress(
        f"shrink: {seconds:.1f} s, {small.runs} runs, minimum {device_count(small.plan)} devices, "
        f"{fault_count(small.plan)} faults"
    )
    records.append(Record("explore.shrink", seconds, "s", 60.0, one))
    records.append(
        Record("explore.shrink_devices", float(device_count(small.plan)), "count", 3.0, 1.0)
    )
    records.append(
        Record("explore.shrink_faults", float(fault_count(small.plan)), "count", 2.0, 1.0)
    )
    return records


def _warm_rate(seeds: list[int]) -> float:
    """Seeds per second on a started two-process cluster that has already run a seed on
    each worker (imports and first-run caches paid), measured through the engine."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    ) as cluster:
        address = cluster.scheduler_address
        run_all(_seed, [seeds[0], seeds[-1]], scheduler=address)  # warm both workers
        return len(seeds) / _wall(lambda: run_all(_seed, seeds, scheduler=address))


def _seed(seed: int):
    return explore_seed(seed, OPTIONS)
