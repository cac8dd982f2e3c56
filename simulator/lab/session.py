"""One student's live world: a scenario played by the runner, its clock following wall time.

A session is a `Runner` that never finishes. It opens the run as `Runner.run` does (`begin`),
plays the starting scenario's own steps, then waits for the student: every action arrives as a
step of the scenario language, is played by the very method a scenario's steps go through
(`Runner.play_step`, the steps' own handlers), and is appended to the action log together with
the `at:` step that brings a replay to the same simulated moment. The log is the export: the
starting scenario plus those steps, which `exchange-twin run` replays to the same trace.

Why the replay matches byte for byte:

* The live world is advanced by running its simpy environment (`advance_to`), in slices
  between requests; simpy processes events in (time, priority, creation) order however the
  run is cut, so slicing changes nothing.
* An action's moment is chosen so that nothing else can be ordered differently in the
  replay: strictly after every event already processed, with no event waiting at that exact
  instant, and a time the replay's own arithmetic (`at:` waits `T - now` from where the
  previous step ended) lands on exactly (`_moment`).
* A scenario's `at:` step is traced where its wait *begins* — right after the previous step —
  while the student's moment is known only when they act: the session remembers that place
  (`_mark`) and puts the step's trace event there afterwards (`Trace.insert`).
* Typed secrets are replaced by stand-ins before the step is played (`SecretBook`), so the
  live world and the replay play the same step.

No threads: the server calls `advance_to` / `act` from its one event loop. The wall clock is
not frozen here (`Runner(freeze=False)`): freezegun's start walks every loaded module, about
9 ms each time a world is entered, and a server cannot keep the process's clock frozen
between requests. Nothing in a run may read the wall clock anyway; the export test replays
with the freezer on and compares the bytes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import simpy
from pydantic import TypeAdapter, ValidationError

from simulator.language.expectations import Expectation
from simulator.language.schema import At, Scenario, Step
from simulator.language.steps import STEPS
from simulator.run.runner import Runner, StepOutcome
from simulator.world.durations import format_time
from simulator.world.trace import REDACTED

SPEEDS = (0, 1, 60, 3600)
STUDENT_FAMILIES = frozenset({"connector", "console", "exchange", "directory"})
SECRET_KEYS = ("password", "secret")
_STEP = TypeAdapter(Step)


class SessionError(Exception):
    """A request the session refuses before anything is played (bad input, not allowed);
    `field` names the offending field (dotted), `status` the HTTP status it maps to."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def parse_step(data: Any) -> Any:
    """A step model from JSON data, exactly as a scenario file's step is read; `SessionError`
    naming the first invalid field."""
    if not isinstance(data, dict):
        raise SessionError('a step is a JSON object such as {"do": "install"}', "step")
    do = data.get("do")
    if do is not None and do not in STEPS:
        raise SessionError(f"unknown action {do!r} (actions: {', '.join(sorted(STEPS))})", "do")
    try:
        return _STEP.validate_python(data)
    except ValidationError as exc:
        raise SessionError(*validation_message(exc)) from None


def validation_message(exc: ValidationError) -> tuple[str, str | None]:
    """pydantic's first error as (message naming the field, dotted field)."""
    first = exc.errors()[0]
    # the union's tag is the first element of a step's error location: not a field
    loc = [str(p) for p in first.get("loc", ()) if not (isinstance(p, str) and p in STEPS)]
    where = ".".join(loc) or None
    return (f"{where}: {first.get('msg')}" if where else str(first.get("msg"))), where


# -- secrets --------------------------------------------------------------------------------------
class SecretBook:
    """Typed secrets → what the step carries: a secret the starting world already holds is
    kept (the starting scenario carries it anyway); any other typed value becomes a stand-in,
    the same value always the same stand-in, before the step is played."""

    def __init__(self, known: frozenset[str]) -> None:
        self.known = known
        self._standins: dict[str, str] = {}

    def standin(self, value: str) -> str:
        if not value or value in self.known:
            return value
        if value not in self._standins:
            n = len(self._standins) + 1
            while f"lab-secret-{n}" in self.known:
                n += 1
            self._standins[value] = f"lab-secret-{n}"
        return self._standins[value]

    def scrub(self, data: Any, key: str = "") -> Any:
        """`data` (a step as JSON) with every typed secret replaced by what the step carries."""
        if isinstance(data, dict):
            return {k: self.scrub(v, str(k)) for k, v in data.items()}
        if isinstance(data, list):
            return [self.scrub(v) for v in data]
        if isinstance(data, str) and is_secret_key(key):
            return self.standin(data)
        return data


def is_secret_key(key: str) -> bool:
    return any(s in key.lower() for s in SECRET_KEYS)


def hide_secrets(data: Any, key: str = "") -> Any:
    """`data` with every value under a secret-naming key shown as `***` (for responses)."""
    if isinstance(data, dict):
        return {k: hide_secrets(v, str(k)) for k, v in data.items()}
    if isinstance(data, list):
        return [hide_secrets(v) for v in data]
    if is_secret_key(key) and data not in (None, ""):
        return REDACTED
    return data


# -- the action log -------------------------------------------------------------------------------
@dataclass
class Action:
    """One step a student (or the trainer) took: its number in the export, when, how it went."""

    index: int
    at: datetime
    step: Any
    by: str
    error: str | None
    output: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "at": format_time(self.at),
            "do": self.step.do,
            "by": self.by,
            "ok": self.ok,
            "error": self.error,
            "step": hide_secrets(self.step.model_dump(mode="json", exclude_unset=True)),
        }


@dataclass
class _Mark:
    """Where the next `at:` step's trace event belongs: the trace position and the simulated
    time at which the previous step ended."""

    position: int
    seconds: float
    when: datetime


@dataclass
class Clock:
    """Simulated time following wall time × speed: an anchor pair moved at every change."""

    speed: int = 0
    wall_anchor: float = 0.0
    sim_anchor: float = 0.0

    def target(self, wall: float) -> float:
        return self.sim_anchor + max(0.0, wall - self.wall_anchor) * self.speed

    def anchor(self, wall: float, sim: float) -> None:
        self.wall_anchor, self.sim_anchor = wall, sim


@dataclass
class _Pending:
    index: int
    step: Any
    done: simpy.Event


# -- the session ----------------------------------------------------------------------------------
class LabSession:
    """One student's world, live. `wall` is the wall clock the speed follows (injectable: the
    tests drive it by hand and never sleep)."""

    def __init__(
        self,
        scenario: Scenario,
        student: str,
        seed: int | None = None,
        wall: Callable[[], float] = time.monotonic,  # wall-clock-ok: pacing only, never the trace
        speed: int = 0,
    ) -> None:
        self.scenario = scenario
        self.student = student
        self.runner = Runner(scenario, seed, freeze=False)
        self.world = self.runner.world
        self.env = self.runner.env
        self.wall = wall
        self.actions: list[Action] = []
        self.history: list[str] = []  # shell lines, oldest first
        self.steps: list[Any] = list(scenario.steps)  # the export's steps so far
        self.secrets = SecretBook(self.world.trace.secrets)
        self.broken: str | None = None  # set when the world itself crashed
        self.cache: dict[str, Any] = {}  # what readers keep between requests (the timeline)
        self._pending: _Pending | None = None
        self._more: simpy.Event | None = None
        self._mark: _Mark | None = None
        self._live_depth = 0
        with self._live():
            self._timed = self.runner.begin()
            self._ready = self.env.event()
            self.env.process(self._play())
            self._run(self._ready)  # the starting scenario's own steps, at once
        self.clock = Clock(0, wall(), self.env.now)
        self.set_speed(speed)

    # -- plumbing ---------------------------------------------------------------------------------
    @contextmanager
    def _live(self) -> Iterator[None]:
        """The world switched on (its HTTP mount, the collector paused) once, however nested."""
        if self._live_depth:
            yield
            return
        self._live_depth += 1
        try:
            with self.runner.live():
                yield
        finally:
            self._live_depth -= 1

    def _run(self, until: simpy.Event | float) -> Any:
        """`env.run(until=...)` without its leftover: a run stopped by its `until` puts that
        event back on the queue at the same instant (priority -1, no callbacks left) so that
        a resumed run would see it. It does nothing; it is taken off at once so that "is
        anything waiting at this instant" (`_moment`) sees only the world's own events."""
        value = self.env.run(until=until)
        queue = self.env._queue  # simpy keeps its heap here; read, and popped only as above
        while queue and queue[0][1] == -1 and not queue[0][3].callbacks:
            self.env.step()
        return value

    def _play(self) -> Generator[simpy.Event, Any, None]:
        """The session's step process: the scenario's own steps, then each student step as
        it comes — after the sample the replay's `at:` step takes."""
        runner = self.runner
        for index, step in enumerate(self.scenario.steps, start=1):
            yield from runner.play_step(index, step)
        outcome: StepOutcome | None = None
        done: simpy.Event | None = self._ready
        while True:
            self._mark = _Mark(len(self.world.trace.events), self.env.now, self.world.clock.now())
            self._more = self.env.event()
            if done is not None:
                done.succeed(outcome)
            yield self._more
            pending = self._pending
            assert pending is not None
            self._pending = None
            runner.sample()  # what the replay's `at:` step does once it has waited
            outcome = yield from runner.play_step(pending.index, pending.step)
            done = pending.done

    @property
    def now(self) -> datetime:
        return self.world.clock.now()

    # -- time -------------------------------------------------------------------------------------
    def advance_to(self, target: float, budget: float | None = None) -> bool:
        """Run the world until simulated second `target` (its events before it; then the clock
        stands at it). With `budget` (wall seconds), stop early when it is spent; True when
        `target` was reached."""
        if self.broken or target <= self.env.now:
            return True
        deadline = None if budget is None else self.wall() + budget
        with self._live(), self._guard():
            while self.env.peek() < target:
                self.env.step()
                if deadline is not None and self.wall() > deadline:
                    return False
            if target > self.env.now:
                self._run(target)
        return True

    def tick(self, budget: float | None = None) -> bool:
        """Catch up with the wall clock at the current speed (what the server calls)."""
        target = self.clock.target(self.wall())
        reached = self.advance_to(target, budget)
        if not reached:  # the world cannot go this fast: it runs as fast as it can instead
            self.clock.anchor(self.wall(), self.env.now)
        return reached

    def set_speed(self, speed: int) -> None:
        if speed not in SPEEDS:
            raise SessionError(
                f"speed must be one of {', '.join(map(str, SPEEDS))} (0 pauses); found {speed!r}",
                "speed",
            )
        self.tick()
        self.clock.speed = speed
        self.clock.anchor(self.wall(), self.env.now)

    def next_job(self) -> float | None:
        """The simulated second of the next connector job on any host, or None."""
        times = []
        for rt in self.runner.connectors.values():
            wake = rt.service.next_wakeup() if rt.service else None
            if wake is not None:
                times.append(max(self.env.now, self.world.clock.to_seconds(wake)))
        return min(times) if times else None

    def next_event(self) -> float | None:
        """The next thing on the run's timeline: a connector job, or a fault starting or
        ending (the world's faults, scheduled or started by a step)."""
        now = self.env.now
        edges = [
            t
            for fault in self.world.faults.faults
            for t in (fault.start, fault.end)
            if t is not None and t > now
        ]
        job = self.next_job()
        candidates = edges + ([job] if job is not None else [])
        return min(candidates) if candidates else None

    def jump(self, to: str) -> float:
        """Run to the next connector job (and run it) or the next event; the time jumped to."""
        if to not in ("next_job", "next_event"):
            raise SessionError(f"to must be next_job or next_event; found {to!r}", "to")
        target = self.next_job() if to == "next_job" else self.next_event()
        if target is None:
            what = "connector job" if to == "next_job" else "job or fault on the timeline"
            raise SessionError(f"there is no next {what}: nothing is scheduled", "to")
        self.advance_to(target)
        with self._live(), self._guard():
            jobs = self.world.trace.kinds["connector.jobs"]
            events = len(self.world.trace.events)
            # what is due at that instant runs; a job runs to its end (its port calls' time)
            while self.env.peek() <= target:
                self.env.step()
            for _ in range(100_000):  # a job's end is a few events away; bounded all the same
                if to != "next_job" or self.world.trace.kinds["connector.jobs"] > jobs:
                    break
                if self.env.peek() == math.inf:
                    break
                self.env.step()
            if len(self.world.trace.events) == events and self.env.peek() < math.inf:
                self.env.step()  # nothing happened at that instant: the jump still moves on
        self.clock.anchor(self.wall(), self.env.now)
        return target

    def clock_state(self) -> dict[str, Any]:
        clock = self.world.clock
        job, event = self.next_job(), self.next_event()
        target = self.clock.target(self.wall())
        return {
            "now": clock.iso(),
            "start": format_time(clock.start),
            "elapsed": self.env.now,
            "speed": self.clock.speed,
            "paused": self.clock.speed == 0,
            "next_job": None if job is None else format_time(clock.to_datetime(job)),
            "next_event": None if event is None else format_time(clock.to_datetime(event)),
            "behind": max(0.0, target - self.env.now),
        }

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """A crash inside the world (a bug, not a refusal) marks the session broken rather
        than leaving it half-run: later requests say so instead of running on."""
        try:
            yield
        except simpy.core.EmptySchedule:
            return
        except Exception as exc:
            self.broken = f"{type(exc).__name__}: {self.world.trace.redact_text(str(exc))}"
            raise

    # -- actions ----------------------------------------------------------------------------------
    def _moment(self) -> float:
        """The simulated second the next action is played at (the world run up to it): after
        every event processed so far, no event waiting at it, and reached exactly by the
        replay's arithmetic (its `at:` waits `T - t` from the previous step's end `t`)."""
        assert self._mark is not None
        start = self._mark.seconds
        k = math.floor(self.env.now * 1000) + 1
        while True:
            moment = k / 1000
            if moment > self.env.now and start + (moment - start) == moment:
                self.advance_to(moment)
                if self.env.now == moment and self.env.peek() != moment:
                    return moment
            k += 1

    def act(self, data: Any, by: str = "student") -> Action:
        """Play one step (JSON as in a scenario file) now; the action, as logged. A step the
        world refuses is a logged action with its error; `SessionError` for bad input."""
        if self.broken:
            raise SessionError(
                f"this world stopped after an internal error: {self.broken}", None, 500
            )
        if by == "student" and isinstance(data, dict):
            family = STEPS[data["do"]].family if data.get("do") in STEPS else None
            if family is not None and family not in STUDENT_FAMILIES:
                raise SessionError(
                    f"'{data['do']}' changes the world itself ({family}): the trainer's panel "
                    "does that",
                    "do",
                    403,
                )
        if isinstance(data, dict) and ("advance" in data or "at" in data) and "do" not in data:
            raise SessionError("time passes through the clock (/api/clock), not as a step", "do")
        step = parse_step(self.secrets.scrub(data))
        with self._live(), self._guard():
            moment = self._moment()
            mark = self._mark
            assert mark is not None and self._more is not None
            at_index = len(self.steps) + 1
            self.world.trace.insert(
                mark.position,
                mark.when,
                "step",
                index=at_index,
                at=format_time(self.world.clock.to_datetime(moment)),
            )
            self.steps += [At(at=moment), step]
            done = self.env.event()
            self._pending = _Pending(at_index + 1, step, done)
            self._more.succeed()
            outcome: StepOutcome = self._run(done)
        error = None if outcome.error is None else self.world.trace.redact_text(outcome.error)
        output = outcome.result if isinstance(outcome.result, str) else None
        if step.do == "exchange":
            output = error if error is not None else output
            output = None if output is None else self.world.trace.redact_text(output)
        action = Action(at_index + 1, self.world.clock.to_datetime(moment), step, by, error, output)
        self.actions.append(action)
        self.clock.anchor(self.wall(), self.env.now)
        return action

    # -- observing (never changes the world) ------------------------------------------------------
    def observe(self, path: str) -> Any:
        return self.runner.observe(path)

    def check(self, expectation: Expectation) -> list[str]:
        """The failures of a scenario expectation now (none when it holds)."""
        return self.runner.check(expectation)

    # -- the session as a scenario ----------------------------------------------------------------
    def _closing(self) -> tuple[float, int]:
        """Bring the clock to a moment the export can end at; (that moment, its step index)."""
        with self._live(), self._guard():
            return self._moment(), len(self.steps) + 1

    def export_data(self, end: float) -> dict[str, Any]:
        data = self.scenario.model_dump(mode="json", exclude_unset=True, exclude={"path"})
        data["name"] = self.scenario.name
        data["seed"] = self.runner.seed
        data["steps"] = [_step_data(s) for s in [*self.steps, At(at=end)]]
        return data

    def export(self) -> tuple[str, bytes]:
        """(the session as a scenario YAML, the trace a replay of it writes) at one moment —
        the trace computed from the live run, on a fork, without ending it."""
        import yaml

        end, index = self._closing()
        body = yaml.safe_dump(self.export_data(end), sort_keys=False, allow_unicode=True, width=100)
        failed = [a for a in self.actions if not a.ok]
        header = [
            f"# The browser lab session of {self.student}, exported at simulated "
            f"{format_time(self.world.clock.to_datetime(end))}.",
            "# Replay: exchange-twin run <this file> (the same trace, byte for byte).",
            "# `at:` values are simulated seconds from the start; typed secrets that the starting",
            "# scenario does not hold are stand-ins (lab-secret-N).",
        ]
        if failed:
            header.append(f"# {len(failed)} step(s) failed in the session, as they will here:")
            header += [f"#   step {a.index} ({a.step.do}): {_one_line(a.error)}" for a in failed]
        return "\n".join(header) + "\n" + body, self._closing_trace(end, index)

    def _closing_trace(self, end: float, index: int) -> bytes:
        """The run's trace if it ended at `end`: the closing `at:` step, the last sample, the
        expectations, the fault timeline and `run.end`, written on a fork of the trace with the
        runner's bookkeeping put back afterwards."""
        runner, world = self.runner, self.world
        mark = self._mark
        assert mark is not None
        saved = (
            world.trace,
            runner._last_sample,
            list(runner.failures),
            set(runner._checked),
            runner.step_failed,
            runner.failed_step,
        )
        fork = world.trace.fork()
        world.trace = fork
        try:
            fork.insert(
                mark.position,
                mark.when,
                "step",
                index=index,
                at=format_time(world.clock.to_datetime(end)),
            )
            runner.sample()
            runner.finish(self._timed)
            return fork.data()
        finally:
            (
                world.trace,
                runner._last_sample,
                runner.failures,
                runner._checked,
                runner.step_failed,
                runner.failed_step,
            ) = saved

    def trace_bytes(self) -> bytes:
        """The trace so far, with the fault timeline as it stands (a run writes it at its
        end; the live timeline draws its bands from it): written on a fork."""
        world = self.world
        saved, world.trace = world.trace, world.trace.fork()
        try:
            self.runner._emit_faults()
            return world.trace.data()
        finally:
            world.trace = saved


def _step_data(step: Any) -> dict[str, Any]:
    """A step as a scenario file writes it: its action first, then what was set."""
    data = step.model_dump(mode="json", exclude_unset=True)
    if "do" in data:
        data = {"do": data.pop("do"), **data}
    return data


def _one_line(text: str | None) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= 160 else line[:157] + "..."
