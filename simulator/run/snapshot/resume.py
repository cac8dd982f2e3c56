"""Resuming a snapshot: its coordinate replayed, its state checked, then other steps.

A simpy world cannot be restored from data — its processes are Python generators waiting
inside their loops — so the snapshot's coordinate (the scenario's text, the seed, the steps
applied) is replayed instead: the derived scenario is the original one with the steps after
the snapshot replaced by the steps file's (and its expectations by the file's `expect:`, when
it has one). Determinism makes the replay reach the snapshot's state; that is checked, not
assumed: at the snapshot's step boundary the state is captured again and its SHA-256 compared
with the file's, and a replay that arrives elsewhere (a snapshot of another twin version) is
refused naming the first difference. Then the run goes on. Its trace is the whole history,
the replayed prefix included — with the rest of the original steps, byte for byte the trace of
the run that was never interrupted (tests/run/test_snapshot.py, every library scenario).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simulator.language import yamlsafe
from simulator.language.loader import (
    ScenarioError,
    error_from_validation,
    located_error,
    parse_scenario,
    step_problem,
)
from simulator.language.schema import Scenario
from simulator.run.results import RunResult
from simulator.run.runner import Runner
from simulator.run.snapshot.capture import capture
from simulator.run.snapshot.format import Snapshot, SnapshotError, read_snapshot, state_sha256
from simulator.run.snapshot.take import (
    SavedSnapshot,
    SnapshotPoint,
    SnapshotTaker,
    twin_version,
)
from simulator.run.trace import write_atomic

STEPS_FILE_KEYS = ("steps", "expect")


@dataclass(frozen=True)
class Continuation:
    """A steps file: the steps to play after the snapshot, and the expectations that replace
    the scenario's (None: the scenario's own still apply)."""

    file: str
    steps: list[Any]
    expect: list[Any] | None


def load_continuation(path: str | Path, scenario: Scenario) -> Continuation:
    """The steps file at `path`, checked against the snapshot's scenario (its hosts, its
    start); a problem is a `ScenarioError` naming the file, line and field."""
    file = str(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(yamlsafe.MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(file, 1, 1, "", f"cannot read the file ({exc.strerror})") from None
    try:
        data, root = yamlsafe.load(yamlsafe.decode(raw))
    except yamlsafe.YamlInputError as exc:
        raise ScenarioError(file, exc.line, exc.column, "", exc.message) from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ScenarioError(
            file,
            1,
            1,
            "",
            "a steps file must be a mapping with a list of steps (steps: [...]) and, if the "
            "scenario's expectations should not apply, expect: [...]",
        )
    for key in data:
        if key not in STEPS_FILE_KEYS:
            raise located_error(
                file,
                root,
                (key,),
                f"unknown key {key!r} (a steps file has {' and '.join(STEPS_FILE_KEYS)})",
            )
    expect = data.get("expect")
    shaped = {
        "name": scenario.name,
        "start": scenario.start,
        "world": scenario.world,
        "steps": data["steps"],
        "expect": expect if expect is not None else [],
    }
    try:
        checked = Scenario.model_validate(shaped)
    except ValidationError as exc:
        raise error_from_validation(file, root, exc) from None
    problem = step_problem(checked)
    if problem is not None:
        raise located_error(file, root, *problem)
    return Continuation(file, list(data["steps"]), list(expect) if expect is not None else None)


def derived_source(source: str, steps_applied: int, continuation: Continuation | None) -> str:
    """The scenario the resumed run plays: the snapshot's, its steps after `steps_applied`
    replaced by the continuation's (and its expectations, when the continuation has some)."""
    if continuation is None:
        return source
    data, _ = yamlsafe.load(source)
    data["steps"] = list(data.get("steps") or [])[:steps_applied] + continuation.steps
    if continuation.expect is not None:
        data["expect"] = continuation.expect
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


class SnapshotDiverged(SnapshotError):
    """The replay of a snapshot's coordinate reached another state than the one it holds."""


class _Check:
    """The `between_steps` hook that compares the replayed state with the snapshot's."""

    def __init__(self, runner: Runner, snapshot: Snapshot) -> None:
        self.runner = runner
        self.snapshot = snapshot
        self.steps = int(snapshot.coordinate["steps_applied"])
        self.done = False

    def __call__(self, steps_done: int) -> None:
        if self.done or steps_done != self.steps:
            return
        captured = capture(self.runner, steps_done)
        self.done = True
        if state_sha256(captured.state_text) == self.snapshot.state_sha256:
            return
        import json

        where = first_difference(self.snapshot.state, json.loads(captured.state_text))
        header = self.snapshot.header
        raise SnapshotDiverged(
            f"{self.snapshot.path}: replaying its scenario to step {steps_done} "
            f"({captured.time}) does not reach the state it holds (taken at "
            f"{header['coordinate']['time']} by twin {header['twin']}; this is twin "
            f"{twin_version()}); first difference at {where}. The snapshot is refused: take it "
            "again with this twin"
        )


def first_difference(a: Any, b: Any, path: str = "state") -> str:
    """The path of the first place where two decoded states differ (for the refusal)."""
    if type(a) is not type(b):
        return path
    if isinstance(a, dict):
        for key in a.keys() | b.keys():
            if key not in a or key not in b:
                return f"{path}.{key}"
        for key in a:
            if a[key] != b[key]:
                return first_difference(a[key], b[key], f"{path}.{key}")
        return path
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
        return f"{path}[{min(len(a), len(b))}]" if len(a) != len(b) else path
    return path


@dataclass(frozen=True)
class Resumed:
    """A resumed run: its result, the snapshot it came from, and a new snapshot if one was
    taken on the way."""

    result: RunResult
    snapshot: Snapshot
    scenario: Scenario
    saved: SavedSnapshot | None = None


def resume(
    snapshot_path: str | Path,
    steps_path: str | Path | None = None,
    *,
    trace_dir: str | Path | None = None,
    freeze: bool = True,
    point: SnapshotPoint | None = None,
    save: str | Path | None = None,
) -> Resumed:
    """Resume the snapshot at `snapshot_path` with the steps file at `steps_path` (None: the
    rest of the original steps); with `point` and `save`, take a new snapshot on the way (a
    fork of a fork). Errors: `SnapshotError` (the file, or a replay that diverges),
    `ScenarioError` (the steps file)."""
    snapshot = read_snapshot(snapshot_path)
    coordinate = snapshot.coordinate
    source = str(coordinate["scenario"]["source"])
    label = str(coordinate["scenario"].get("path") or f"{snapshot_path} (its scenario)")
    original = parse_scenario(source, label)
    continuation = None if steps_path is None else load_continuation(steps_path, original)
    text = derived_source(source, int(coordinate["steps_applied"]), continuation)
    scenario = parse_scenario(text, label) if continuation is not None else original
    runner = Runner(scenario, int(coordinate["seed"]), freeze)
    check = _Check(runner, snapshot)
    taker = SnapshotTaker(runner, text, point, save) if point and save else None

    def between(steps_done: int) -> None:
        check(steps_done)
        if taker is not None:
            taker(steps_done)

    runner.between_steps = between
    result = runner.run()
    if not check.done:  # the steps changed under the snapshot: cannot happen by construction
        raise SnapshotDiverged(f"{snapshot_path}: the replay never reached the snapshot's step")
    if trace_dir is not None:
        write_atomic(Path(trace_dir) / f"{scenario.name}.jsonl", result.trace_bytes)
    return Resumed(result, snapshot, scenario, taker.saved if taker else None)
