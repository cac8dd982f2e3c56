"""Running scenarios: one (`run_scenario`, its trace written when asked) or many, serially
or in spawned worker processes with results identical to a serial run (`run_many`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.language.schema import Scenario
from simulator.run.results import RunResult
from simulator.run.runner import Runner
from simulator.run.trace import write_atomic


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    trace_dir: str | Path | None = None,
    freeze: bool = True,
) -> RunResult:
    """Run one scenario; with `trace_dir`, write its trace there as `<name>.jsonl`."""
    result = Runner(scenario, seed, freeze).run()
    if trace_dir is not None:
        write_atomic(Path(trace_dir) / f"{scenario.name}.jsonl", result.trace_bytes)
    return result


def _run_guarded(scenario: Scenario, seed: int | None, trace_dir: str | Path | None) -> RunResult:
    """`run_scenario` that turns a crash of the twin into an errored result.

    In a suite, one scenario that trips over a bug (or a world the models refuse to build)
    must not take the other results with it. Module-level so a spawned worker can import it."""
    try:
        return run_scenario(scenario, seed, trace_dir)
    except Exception as exc:  # noqa: BLE001 - reported as the scenario's error, not swallowed
        message = f"{type(exc).__name__}: {exc}"
        return RunResult(
            name=scenario.name,
            path=scenario.path,
            seed=scenario.seed if seed is None else seed,
            passed=False,
            failures=[f"the run stopped with an error: {message}"],
            error=message,
        )


def run_many(
    scenarios: Sequence[Scenario],
    seed: int | None = None,
    trace_dir: str | Path | None = None,
    workers: int = 1,
    on_result: Callable[[int, RunResult], None] | None = None,
) -> list[RunResult]:
    """Run scenarios, serially or in `workers` processes; results in the order given.

    In parallel, the runs go to a local Dask cluster of `workers` processes (simulator/run/
    engine.py, the explorer's engine too), one thread each: a run freezes the wall clock and
    patches `requests` process-wide, and simpy worlds are not thread-safe. Each run is self-contained (its seed and world are built inside the worker), so
    a result and its trace are byte for byte those of a serial run. `on_result(index, result)`
    is called as each one finishes, in completion order, for progress display."""
    results: list[RunResult | None] = [None] * len(scenarios)
    workers = max(1, min(workers, len(scenarios)))
    if workers == 1:
        for index, scenario in enumerate(scenarios):
            results[index] = _run_guarded(scenario, seed, trace_dir)
            if on_result is not None:
                on_result(index, results[index])  # type: ignore[arg-type]
        return [r for r in results if r is not None]
    from simulator.run.engine import run_all

    items = [(scenario, seed, trace_dir) for scenario in scenarios]
    return run_all(_run_item, items, workers=workers, on_result=on_result)


def _run_item(item: tuple[Scenario, int | None, str | Path | None]) -> RunResult:
    """One scenario of a batch, as the engine calls it in a worker (module-level: it pickles)."""
    return _run_guarded(*item)
