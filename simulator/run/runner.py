"""Runs a scenario: builds the world, plays the steps on the simulated clock while the
installed connectors' services run beside them, then checks the expectations.

This is the one place (with `adapters`) that knows both the world and the connector. The
connector's service is plain synchronous code: a simpy process per host asks it when it next
has work (`next_wakeup`) and runs it then (`run_due`), waiting afterwards for the simulated
time its port calls spent. The wall clock is frozen to simulated time with freezegun, so a
stray wall-clock read in a dependency sees the simulated time too.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import simpy
from freezegun import freeze_time

from connector import SERVICE_NAME
from connector.errors import ConnectorError
from simulator.exchange.population import gc_paused
from simulator.intune.service import IntuneError
from simulator.language.expectations import (
    Expectation,
)
from simulator.language.schema import Advance, At, Scenario
from simulator.language.steps import STEPS, StepError
from simulator.language.steps.base import wrap
from simulator.run.adapters import SimPlatform, SimRemoteShell
from simulator.run.checks import check
from simulator.run.connector import HostConnector
from simulator.run.http_mount import HttpMount
from simulator.run.observe import observe, observe_root
from simulator.run.results import RunResult
from simulator.world.accounts import LogonError
from simulator.world.durations import format_time
from simulator.world.world import World, build_world

T = TypeVar("T")
__all__ = ["RunResult", "Runner", "StepError"]

# What the world raises when it refuses a step (an unknown name, a console refusal, a value
# the model does not accept): reported as the step's failure, with the world's message.
WORLD_REFUSALS = (IntuneError, KeyError, ValueError, FileNotFoundError, LogonError)


class Runner:
    def __init__(self, scenario: Scenario, seed: int | None = None, freeze: bool = True) -> None:
        self.scenario = scenario
        self.world: World = build_world(scenario, seed)
        self.seed = self.world.seed
        self.freeze = freeze
        self.env = self.world.clock.env
        self.connectors: dict[str, HostConnector] = {}
        self.failures: list[str] = []
        self._frozen: Any = None
        self._gc_frozen = False  # live: the collector skips what existed before (see `live`)
        self._started = False
        self._last_sample: dict[str, Any] | None = None
        self._checked: set[int] = set()
        self.step_failed = False
        self.failed_step: int | None = None  # the first step that did not go as written
        # called with the number of steps done, between two steps and after the last, in the
        # steps' process: where a snapshot is taken or checked (simulator/run/snapshot/)
        self.between_steps: Callable[[int], None] | None = None

    # -- plumbing -----------------------------------------------------------------------------
    @contextmanager
    def live(self) -> Iterator[None]:
        """The world switched on: HTTP routed to the fake services, the wall clock frozen to
        simulated time, the world's own processes started (once, however often it is entered).

        `run` enters it once for the whole scenario; the pytest harness enters it around each
        thing a test does, so that nothing leaks into the test's own code between calls."""
        freezer = freeze_time(self.world.clock.now()) if self.freeze else None
        self._frozen = freezer.start() if freezer else None
        # The world (millions of objects at scale) outlives everything the run creates: keep
        # it out of the cyclic collector's scans while live, or each full collection walks it
        # again (at a million devices, most of a full sync's time).
        gc.freeze()
        self._gc_frozen = True
        try:
            with HttpMount(self.world):
                if not self._started:
                    self._started = True
                    for process in self.world.processes():
                        self.env.process(process)
                yield
        finally:
            gc.unfreeze()
            self._gc_frozen = False
            if freezer is not None:
                freezer.stop()
            self._frozen = None

    def job(self, fn: Callable[[], T]) -> Generator[simpy.Event, Any, T]:
        """Run `fn` as a job on the clock, with the frozen wall clock moved to simulated now."""
        if self._frozen is not None:
            self._frozen.move_to(self.world.clock.now())
        if not self._gc_frozen:
            return (yield from self.world.clock.job(fn))
        # What the run holds so far (an inventory...) is not this job's garbage, and a job (a
        # full sync of a million devices) makes its objects far faster than any of them dies:
        # the collector waits for the job's end instead of scanning them again and again.
        gc.freeze()

        def paused() -> T:
            with gc_paused():
                return fn()

        return (yield from self.world.clock.job(paused))

    def connector(self, host_name: str) -> HostConnector:
        host = self.world.host(host_name)
        rt = self.connectors.get(host.name)
        if rt is None:
            rt = HostConnector(
                SimPlatform(self.world, host), SimRemoteShell(self.world, host), self.env.event()
            )
            self.connectors[host.name] = rt
            self.env.process(self._drive(rt))
        return rt

    @property
    def profile(self) -> str:
        return self.scenario.profile

    def notify(self, rt: HostConnector) -> None:
        """Wake the host's service loop: its configuration or service changed (a step)."""
        if not rt.changed.triggered:
            rt.changed.succeed()

    # -- processes ---------------------------------------------------------------------------------
    def _drive(self, rt: HostConnector) -> Generator[simpy.Event, Any, None]:
        """The connector service's loop on the simulated clock."""
        clock = self.world.clock
        while True:
            wake = rt.service.next_wakeup() if rt.service else None
            waits: list[simpy.Event] = [rt.changed]
            if wake is not None:
                waits.append(self.env.timeout(max(0.0, clock.to_seconds(wake) - self.env.now)))
            yield self.env.any_of(waits)
            if rt.changed.triggered:
                rt.changed = self.env.event()
            svc = rt.service
            if svc is not None and (due := svc.next_wakeup()) is not None and due <= clock.now():
                ran = yield from self.job(svc.run_due)
                if svc.last_error is not None:
                    rt.last_error = str(svc.last_error)
                self.world.trace.emit(
                    "connector.jobs",
                    host=rt.platform.host.name,
                    ran=ran,
                    errors=dict(svc.run_errors),
                    retired=svc.retired,
                )
                self.sample()

    def _steps(self) -> Generator[simpy.Event, Any, None]:
        for index, step in enumerate(self.scenario.steps, start=1):
            if self.between_steps is not None:
                self.between_steps(index - 1)
            yield from self.play_step(index, step)
        if self.between_steps is not None:
            self.between_steps(len(self.scenario.steps))

    def play_step(self, index: int, step: Any) -> Generator[simpy.Event, Any, StepOutcome]:
        """One step as a scenario plays it: played, sampled, and a failure recorded (an
        expected one passes) — the rest of the scenario still runs, so one run shows every
        problem. The browser lab plays its students' steps through this same method."""
        trace = self.world.trace
        try:
            result = yield from self.play(index, step)
        except (StepError, ConnectorError) as exc:
            message = str(exc)
            label = _label(step)
            expected = getattr(step, "expect_error", None)
            if expected and expected.lower() in message.lower():
                trace.emit("step.failed", index=index, do=label, expected=True, error=message)
                self.sample()
                return StepOutcome(error=message)
            trace.emit("step.failed", index=index, do=label, expected=False, error=message)
            self.sample()
            self._step_failed(index)
            self.failures.append(
                f"step {index} ({label}) failed at {self.world.clock.iso()}: {message}"
            )
            return StepOutcome(error=message)
        self.sample()
        if isinstance(step, Advance | At):
            return StepOutcome()
        if step.expect_error:
            self._step_failed(index)
            self.failures.append(
                f"step {index} ({step.do}) succeeded at {self.world.clock.iso()} but was expected to fail "
                f"with {step.expect_error!r}"
            )
        return StepOutcome(result=result)

    def _step_failed(self, index: int) -> None:
        """Remember the first step that did not go as written: every expectation checked
        after it is marked, since what it finds may follow from that failure."""
        if self.failed_step is None:
            self.failed_step = index
        self.step_failed = True

    def play(self, index: int, step: Advance | Any) -> Generator[simpy.Event, Any, Any]:
        """One step on the clock; raises `StepError`/`ConnectorError` when it fails, else
        returns what its handler returned (the shell's output for `exchange`).

        Separate from `_steps` so that the pytest harness can play a single step and let the
        test see the exception, while a scenario turns it into a failure (or an expected one)."""
        trace = self.world.trace
        if isinstance(step, Advance):
            trace.emit("step", index=index, advance=step.advance)
            yield self.env.timeout(step.seconds)
            return
        if isinstance(step, At):
            target = step.seconds(self.world.clock.start)
            trace.emit("step", index=index, at=format_time(self.world.clock.to_datetime(target)))
            if target < self.env.now:
                raise StepError(
                    f"at {format_time(self.world.clock.to_datetime(target))}: the run is already "
                    f"at {self.world.clock.iso()}"
                )
            yield self.env.timeout(target - self.env.now)
            return
        trace.emit("step", index=index, do=step.do)
        return (yield from self.job(lambda: self._action(step)))

    def _action(self, step: Any) -> Any:
        """Carry out an action through its family's handler (simulator/steps/)."""
        try:
            return STEPS[step.do].handler(step, self)
        except WORLD_REFUSALS as exc:
            raise wrap(exc) from None

    # -- observation and expectations ---------------------------------------------------------------
    def observe_root(self, root: str) -> Any:
        return observe_root(self.world, self.connectors, root)

    def observe(self, path: str) -> Any:
        return observe(self.world, self.connectors, path)

    def check(self, exp: Expectation) -> list[str]:
        """The failures of `exp` now (none when it holds): `checks.check` on this run."""
        return check(exp, self.world, self.observe)

    # -- samples for the report ----------------------------------------------------------------------
    def sample(self) -> None:
        """Record the few numbers the report's timeline draws, when they changed.

        Emitted after each step and each connector job (the moments state can change from the
        runner's point of view); skipped when nothing changed since the last one, so that a
        week of heartbeats does not fill the trace with identical lines. A reader holds each
        value until the next sample."""
        world = self.world
        conn = world.intune.exchange_connection()
        values: dict[str, Any] = {
            "exchange_devices": world.org.device_count(),
            "intune_devices": len(world.intune.inventory),
            "connection": conn.status_at(world.clock.now()) if conn is not None else None,
            "connectors": {
                name: rt.platform.service_state(SERVICE_NAME) or "absent"
                for name, rt in sorted(self.connectors.items())
            },
        }
        if values != self._last_sample:
            self._last_sample = values
            world.trace.emit("sample", **values)

    def _emit_faults(self) -> None:
        """The fault timeline as it stood at the end, one event per fault, for the report's bands.

        Emitted at the end rather than when each fault is scheduled because faults come from
        several places (the world's set-up, steps, models) and all of them end up on the one
        timeline; reading it once is the only way to be sure none is missed."""
        clock = self.world.clock
        for fault in self.world.faults.faults:
            self.world.trace.emit(
                "fault",
                fault=fault.kind,
                start=format_time(clock.to_datetime(fault.start)),
                end=format_time(clock.to_datetime(fault.end)) if fault.end is not None else None,
                params=dict(fault.params),
            )

    # -- expectations over time -----------------------------------------------------------------------
    def _record(self, index: int, exp: Expectation, fails: list[str], timed: bool) -> None:
        self._checked.add(index)
        extra: dict[str, Any] = {"at": self.world.clock.iso()} if timed else {}
        if self.failed_step is not None:
            extra["after_failed_step"] = self.failed_step
            fails = [f"{f} (checked after step {self.failed_step} failed)" for f in fails]
        self.world.trace.emit(
            "expect",
            index=index,
            expectation=exp.describe(),
            passed=not fails,
            failures=fails,
            **extra,
        )
        self.failures.extend(fails)

    def _check_at(
        self, index: int, exp: Expectation, seconds: float
    ) -> Generator[simpy.Event, Any, None]:
        """Check `exp` once the clock reaches `seconds`, after whatever else is due then."""
        yield _Late(self.env, max(0.0, seconds - self.env.now))
        self._record(index, exp, self.check(exp), timed=True)

    def _finish_timed(self, index: int, exp: Expectation, seconds: float) -> None:
        """A timed expectation the run did not reach by itself: due now, or never reached."""
        if seconds <= self.env.now:
            self._record(index, exp, self.check(exp), timed=True)
            return
        when = format_time(self.world.clock.to_datetime(seconds))
        self._record(
            index,
            exp,
            [
                f"{exp.describe()}: never checked, the run ended at {self.world.clock.iso()} "
                f"before {when}"
            ],
            timed=True,
        )

    # -- the run --------------------------------------------------------------------------------------
    def begin(self) -> dict[int, tuple[Expectation, float]]:
        """The run's opening: `run.start`, the first sample, and the timed expectations put
        on the clock (entered `live`); the timed ones, for `finish`."""
        world = self.world
        scenario = self.scenario
        world.trace.emit(
            "run.start",
            scenario=scenario.name,
            seed=self.seed,
            profile=scenario.profile,
            summary=" ".join(scenario.summary.split()),
            spec=scenario.spec,
            tags=scenario.tags,
        )
        self.sample()
        timed = {
            index: (exp, seconds)
            for index, exp in enumerate(scenario.expect, start=1)
            if (seconds := exp.at_seconds(world.clock.start)) is not None
        }
        for index, (exp, seconds) in timed.items():
            self.env.process(self._check_at(index, exp, seconds))
        return timed

    def finish(self, timed: dict[int, tuple[Expectation, float]]) -> None:
        """The run's close once its steps are done (entered `live`): the last sample, every
        expectation not yet checked, the fault timeline and `run.end`."""
        self.sample()
        for index, exp in enumerate(self.scenario.expect, start=1):
            if index in self._checked:
                continue
            if index in timed:
                self._finish_timed(index, exp, timed[index][1])
            else:
                self._record(index, exp, self.check(exp), timed=False)
        self._emit_faults()
        self.world.trace.emit("run.end", passed=not self.failures, failures=len(self.failures))

    def run(self) -> RunResult:
        wall = time.perf_counter()  # wall-clock-ok: reported duration only, never in the trace
        world = self.world
        scenario = self.scenario
        with self.live():
            timed = self.begin()
            steps = self.env.process(self._steps())
            self.env.run(until=steps)
            self.finish(timed)
        data = world.trace.data()
        return RunResult(
            name=scenario.name,
            path=scenario.path,
            seed=self.seed,
            passed=not self.failures,
            failures=[world.trace.redact_text(f) for f in self.failures],
            sha256=world.trace.sha256(),
            trace_bytes=data,
            start=world.clock.start,
            end=world.clock.now(),
            events=len(world.trace.events),
            wall_seconds=time.perf_counter() - wall,  # wall-clock-ok
        )


@dataclass(frozen=True)
class StepOutcome:
    """How a played step went: the failure's message (None when it went as written) and
    what its handler returned."""

    error: str | None = None
    result: Any = None


def _label(step: Any) -> str:
    """How a step is named in failures: its action, or the clock step it is."""
    if isinstance(step, Advance):
        return f"advance {step.advance}"
    if isinstance(step, At):
        return "at"
    return str(step.do)


class _Late(simpy.Event):
    """A timeout that fires after every ordinary event due at the same simulated instant.

    simpy orders events of one instant by priority, then by creation; a plain timeout created
    at the start would fire *before* a connector job that is due at the same instant. A timed
    expectation must see the world as it is at that moment, jobs of that moment included, so it
    uses a priority lower than simpy's NORMAL. This mirrors `simpy.Timeout`'s own constructor."""

    LATE = 2  # simpy.events.URGENT is 0, NORMAL is 1

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, self.LATE, delay)
