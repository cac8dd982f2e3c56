"""Taking a snapshot: a run of a scenario that saves its state at a step boundary.

The moment asked for (`--snapshot-at`) is a duration from the start (`3h`), an aware time, or
`step:N` (after N steps). A snapshot is taken between two steps, never inside one: the first
boundary at or after the moment asked for (docs/snapshots.md says why); the result says when
that was, so a caller can tell the user when it is later than asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from simulator.language.schema import Scenario
from simulator.run.results import RunResult
from simulator.run.runner import Runner
from simulator.run.snapshot.capture import Captured, capture
from simulator.run.snapshot.format import SnapshotError, write_snapshot
from simulator.run.trace import write_atomic
from simulator.world.durations import parse_duration


def twin_version() -> str:
    """The twin's version, written in every snapshot (a replay that diverges names it)."""
    try:
        return metadata.version("exchange-connector-twin")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class SnapshotPoint:
    """Where to take the snapshot: at or after `seconds` from the start, or after `steps`."""

    text: str
    seconds: float | None = None
    steps: int | None = None

    def reached(self, steps_done: int, now: float) -> bool:
        if self.steps is not None:
            return steps_done >= self.steps
        return self.seconds is not None and now >= self.seconds


def parse_point(text: str, start: datetime) -> SnapshotPoint:
    """`3h`, `2016-05-02T11:00:00Z` or `step:4`; ValueError saying what is accepted."""
    value = text.strip()
    if value.lower().startswith("step:"):
        number = value[5:].strip()
        if not number.isdigit():
            raise ValueError(f"--snapshot-at {text!r}: step:N needs a number of steps, e.g. step:3")
        return SnapshotPoint(text, steps=int(number))
    try:
        return SnapshotPoint(text, seconds=parse_duration(value))
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise ValueError(
            f"--snapshot-at {text!r}: expected a duration from the start (3h), a time with a "
            "timezone (2016-05-02T11:00:00Z) or step:N (after N steps)"
        )
    seconds = (when - start).total_seconds()
    if seconds < 0:
        raise ValueError(f"--snapshot-at {text!r} is before the scenario's start")
    return SnapshotPoint(text, seconds=seconds)


@dataclass(frozen=True)
class SavedSnapshot:
    """A snapshot written: where, when in the run, after how many steps, how big."""

    path: str
    time: str
    seconds: float
    steps_applied: int
    size: int
    requested: str
    later_than_requested: bool


def coordinate(
    scenario: Scenario, source: str, seed: int, captured: Captured, requested: str
) -> dict[str, Any]:
    """What the state was reached from: resuming replays exactly this."""
    return {
        "scenario": {"name": scenario.name, "path": scenario.path, "source": source},
        "seed": seed,
        "start": scenario.start.isoformat(),
        "steps_applied": captured.steps_applied,
        "steps_total": len(scenario.steps),
        "seconds": captured.seconds,
        "time": captured.time,
        "requested": requested,
    }


class SnapshotTaker:
    """The runner's `between_steps` hook that captures the state once the point is reached
    and writes the file at once (atomically), so a run that fails later keeps its snapshot."""

    def __init__(self, runner: Runner, source: str, point: SnapshotPoint, path: str | Path) -> None:
        self.runner = runner
        self.source = source
        self.point = point
        self.path = str(path)
        self.saved: SavedSnapshot | None = None

    def __call__(self, steps_done: int) -> None:
        runner = self.runner
        if self.saved is not None or not self.point.reached(steps_done, runner.env.now):
            return
        captured = capture(runner, steps_done)
        trace = runner.world.trace
        summary = _redacted(captured.summary, trace.redact_text)
        size = write_snapshot(
            self.path,
            twin_version(),
            coordinate(runner.scenario, self.source, runner.seed, captured, self.point.text),
            summary,
            captured.state_text,
        )
        later = self.point.seconds is not None and captured.seconds > self.point.seconds
        self.saved = SavedSnapshot(
            self.path,
            captured.time,
            captured.seconds,
            steps_done,
            size,
            self.point.text,
            later,
        )


def _redacted(value: Any, redact: Any) -> Any:
    """The summary with every registered secret replaced (it names errors and hosts)."""
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value


def run_and_save(
    scenario: Scenario,
    source: str,
    point: SnapshotPoint,
    path: str | Path,
    seed: int | None = None,
    trace_dir: str | Path | None = None,
    freeze: bool = True,
    runner: Runner | None = None,
) -> tuple[RunResult, SavedSnapshot]:
    """Run `scenario` (whose text is `source`) to its end, saving a snapshot at `point`.

    The run's trace is the same as without the snapshot: capturing only reads. When the
    steps end before the point, nothing is written and `SnapshotError` says when they ended."""
    runner = runner or Runner(scenario, seed, freeze)
    taker = SnapshotTaker(runner, source, point, path)
    runner.between_steps = taker
    result = runner.run()
    if trace_dir is not None:
        write_atomic(Path(trace_dir) / f"{scenario.name}.jsonl", result.trace_bytes)
    if taker.saved is None:
        raise SnapshotError(
            f"{path}: no snapshot written: the steps of {scenario.name} end at "
            f"{result.end.isoformat() if result.end else '?'} after {len(scenario.steps)} steps, "
            f"before --snapshot-at {point.text}"
        )
    return result, taker.saved


def save_snapshot(
    source: str,
    at: str,
    path: str | Path,
    *,
    file: str = "<scenario>",
    seed: int | None = None,
) -> SavedSnapshot:
    """Run the scenario text `source` and save its snapshot at `at` to `path` (the API for
    the lab's export and other callers: docs/snapshots.md)."""
    from simulator.language.loader import parse_scenario

    scenario = parse_scenario(source, file)
    point = parse_point(at, scenario.start)
    _, saved = run_and_save(scenario, source, point, path, seed)
    return saved
