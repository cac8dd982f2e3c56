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
import multiprocessing
import re
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import simpy
from freezegun import freeze_time

from connector import SERVICE_NAME
from connector.config import ConfigStore, ServiceSettings
from connector.configure import ConfigurationWizard, ConnectResult
from connector.errors import ConnectorError, Finding, PrerequisiteNotMet
from connector.install import InstallResult, lingering_certificate
from connector.install import install as install_connector
from connector.install import uninstall as uninstall_connector
from connector.log import ConnectorLog
from connector.platform import ServiceStartResult
from connector.service import ConnectorService
from simulator.exchange.population import gc_paused
from simulator.intune.service import IntuneError
from simulator.language.schema import (
    Advance,
    At,
    Check,
    Expectation,
    Scenario,
    is_where_operator,
    moment_seconds,
    where_matches,
)
from simulator.language.steps import STEPS, StepError
from simulator.language.steps.base import WizardRequest, wrap
from simulator.run.adapters import HttpMount, SimPlatform, SimRemoteShell, configuration_request
from simulator.run.trace import write_atomic
from simulator.world.clock import format_span, format_time
from simulator.world.directory import LogonError
from simulator.world.world import World, build_world

T = TypeVar("T")
__all__ = ["RunResult", "Runner", "StepError", "run_many", "run_scenario"]

# What the world raises when it refuses a step (an unknown name, a console refusal, a value
# the model does not accept): reported as the step's failure, with the world's message.
WORLD_REFUSALS = (IntuneError, KeyError, ValueError, FileNotFoundError, LogonError)


@dataclass
class HostConnector:
    """The connector product on one host: the runner drives its service on the clock, and the
    connector's scenario steps handle it as an administrator does — setup, the configuration
    wizard, its configuration file, the Windows service — through these methods, so that the
    runner and the adapters stay the only modules that know both sides (DESIGN)."""

    platform: SimPlatform
    shell: SimRemoteShell
    changed: simpy.Event
    service: ConnectorService | None = None
    last_error: str | None = None
    findings: list[Finding] = field(default_factory=list)  # the last prerequisite check

    @property
    def installed(self) -> bool:
        return self.platform.service_state(SERVICE_NAME) is not None

    @property
    def configured(self) -> bool:
        return ConfigStore(self.platform).load() is not None

    def install(self, folder: str, profile: str) -> InstallResult:
        """Run setup from `folder`; its findings are kept even when it refuses."""
        try:
            result = install_connector(self.platform, folder, profile)
        except PrerequisiteNotMet as exc:
            self.findings = list(exc.findings)
            raise
        self.findings = list(result.findings)
        return result

    def uninstall(self) -> None:
        uninstall_connector(self.platform)
        self.service = None
        self.findings = []

    def _wizard(self) -> ConfigurationWizard:
        return ConfigurationWizard(self.platform, self.shell, ConnectorLog(self.platform))

    def connect(self, request: WizardRequest) -> ConnectResult:
        """The wizard's Connect; the service then (re)reads the stored configuration."""
        result = self._wizard().connect(configuration_request(request))
        if self.service is None:
            self.service = ConnectorService(self.platform, self.shell)
        else:
            self.service.reload()
        return result

    def preflight(self, request: WizardRequest) -> list[Finding]:
        """Setup's prerequisite check for `request`, nothing registered."""
        self.findings = self._wizard().preflight(configuration_request(request))
        return self.findings

    def set_service_keys(self, keys: dict[str, str]) -> ServiceSettings:
        return ConfigStore(self.platform).set_keys(keys)

    def restart(self, service: str) -> ServiceStartResult:
        """Stop and start a Windows service; the connector's reads its configuration again."""
        self.platform.stop_service(service)
        started = self.platform.start_service(service)
        if service.upper() == SERVICE_NAME:
            if self.service is not None:
                self.service.reload()
            elif started.started and self.configured:
                self.service = ConnectorService(self.platform, self.shell)
        return started


@dataclass
class RunResult:
    name: str
    path: str | None
    seed: int
    passed: bool
    failures: list[str] = field(default_factory=list)
    error: str | None = None
    sha256: str = ""
    trace_bytes: bytes = b""
    start: datetime | None = None
    end: datetime | None = None
    events: int = 0
    wall_seconds: float = 0.0

    @property
    def simulated_span(self) -> str:
        if not self.start or not self.end:
            return "-"
        return format_span((self.end - self.start).total_seconds())

    def reproducer(self) -> str:
        return f"exchange-twin run {self.path or '<scenario>'} --seed {self.seed}"

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the `--json` report's entries).

        The wall-clock duration is left out on purpose: with it, two runs of the same suite
        would never give the same report, and the report is meant to be diffed."""
        return {
            "name": self.name,
            "path": self.path,
            "seed": self.seed,
            "passed": self.passed,
            "failures": list(self.failures),
            "error": self.error,
            "sha256": self.sha256,
            "start": format_time(self.start) if self.start else None,
            "end": format_time(self.end) if self.end else None,
            "simulated": self.simulated_span,
            "events": self.events,
            "reproducer": self.reproducer(),
        }


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
        trace = self.world.trace
        for index, step in enumerate(self.scenario.steps, start=1):
            try:
                yield from self.play(index, step)
            except (StepError, ConnectorError) as exc:
                message = str(exc)
                label = _label(step)
                expected = getattr(step, "expect_error", None)
                if expected and expected.lower() in message.lower():
                    trace.emit("step.failed", index=index, do=label, expected=True, error=message)
                    self.sample()
                    continue
                trace.emit("step.failed", index=index, do=label, expected=False, error=message)
                self.sample()
                self._step_failed(index)
                self.failures.append(
                    f"step {index} ({label}) failed at {self.world.clock.iso()}: {message}"
                )
                continue  # the rest still runs, so one run shows every problem
            self.sample()
            if isinstance(step, Advance | At):
                continue
            if step.expect_error:
                self._step_failed(index)
                self.failures.append(
                    f"step {index} ({step.do}) succeeded at {self.world.clock.iso()} but was expected to fail "
                    f"with {step.expect_error!r}"
                )

    def _step_failed(self, index: int) -> None:
        """Remember the first step that did not go as written: every expectation checked
        after it is marked, since what it finds may follow from that failure."""
        if self.failed_step is None:
            self.failed_step = index
        self.step_failed = True

    def play(self, index: int, step: Advance | Any) -> Generator[simpy.Event, Any, None]:
        """One step on the clock; raises `StepError`/`ConnectorError` when it fails.

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
        yield from self.job(lambda: self._action(step))

    def _action(self, step: Any) -> None:
        """Carry out an action through its family's handler (simulator/steps/)."""
        try:
            STEPS[step.do].handler(step, self)
        except WORLD_REFUSALS as exc:
            raise wrap(exc) from None

    # -- observation and expectations ---------------------------------------------------------------
    def observe_root(self, root: str) -> Any:
        world = self.world
        if root == "intune":
            return world.intune.observe()
        if root == "exchange":
            return world.observe_exchange()
        if root == "expected":
            return world.expected()
        if root == "console":
            return {"exchange_connection": world.console.exchange_connection()}
        if root == "hosts":
            return {name: self._observe_host(name) for name in world.hosts}
        raise KeyError(f"unknown root {root!r}; roots: intune, exchange, expected, console, hosts")

    def _observe_host(self, name: str) -> dict[str, Any]:
        host = self.world.hosts[name]
        rt = self.connectors.get(name)
        out: dict[str, Any] = {
            "services": {s.name: s.state for s in host.services.values()},
            "events": [e.event_id for e in host.event_log],
        }
        if rt is not None:
            svc = rt.service
            records = ConnectorLog(rt.platform).records()
            out["connector"] = {
                "installed": rt.platform.service_state("WIEC") is not None,
                "service_state": rt.platform.service_state("WIEC"),
                "configured": svc is not None and svc.config is not None,
                "retired": svc.retired if svc else None,
                "last_error": rt.last_error,
                "last_sync": None
                if svc is None or svc.last_result is None
                else {
                    "type": svc.last_result.sync_type,
                    "devices": svc.last_result.devices,
                    "users": svc.last_result.users,
                    "started": format_time(svc.last_result.started),
                    "finished": format_time(svc.last_result.finished),
                    # simulated seconds the job took: what parallel runspaces shorten
                    "duration": (
                        svc.last_result.finished - svc.last_result.started
                    ).total_seconds(),
                },
                "log": {
                    "records": len(records),
                    "errors": sum(1 for r in records if r["level"] == "Error"),
                    "events": dict(sorted(Counter(str(r["event"]) for r in records).items())),
                    "codes": dict(
                        sorted(Counter(str(r["code"]) for r in records if r.get("code")).items())
                    ),
                    "error_messages": [r["message"] for r in records if r["level"] == "Error"],
                },
                "findings": [
                    {
                        "requirement": f.requirement,
                        "title": f.title,
                        "severity": f.severity,
                        "found": f.found,
                        "needed": f.needed,
                    }
                    for f in rt.findings
                ],
                "blockers": _requirements(rt.findings, "blocker"),
                "warnings": _requirements(rt.findings, "warning"),
                "checked": sorted({f.requirement for f in rt.findings}, key=_spec_order),
                "security_findings": [
                    f.describe() for f in (lingering_certificate(rt.platform),) if f is not None
                ],
            }
        return out

    def observe(self, path: str) -> Any:
        parts = path.split(".")
        value = self.observe_root(parts[0])
        for i, part in enumerate(parts[1:], start=1):
            if isinstance(value, dict):
                if part in value:
                    value = value[part]
                    continue
                lowered = {str(k).lower(): k for k in value}
                if part.lower() in lowered:
                    value = value[lowered[part.lower()]]
                    continue
                raise KeyError(
                    f"{'.'.join(parts[:i])} has no {part!r} (it has: {', '.join(map(str, value)) or 'nothing'})"
                )
            if isinstance(value, list) and part.lstrip("-").isdigit():
                value = value[int(part)]
                continue
            if value is None:
                raise KeyError(f"{'.'.join(parts[:i])} is not set")
            raise KeyError(f"{'.'.join(parts[:i])} is a {type(value).__name__}, it has no {part!r}")
        return value

    def check(self, exp: Expectation) -> list[str]:
        """The failures of `exp` now (none when it holds); `any_of` holds when one alternative does."""
        if exp.any_of is None:
            return self._check_one(exp)
        tried = [self._check_one(alt) for alt in exp.alternatives()]
        if any(not fails for fails in tried):
            return []
        return [f"none of the alternatives held: {'; '.join(f for fails in tried for f in fails)}"]

    def _check_one(self, exp: Check) -> list[str]:
        world = self.world
        when = world.clock.iso()
        if exp.trace is not None:
            n = self._count(exp)
            fails = []
            for op, target in exp.operators():
                ok = {
                    "count": n == target,
                    "count_at_least": n >= target,
                    "count_at_most": n <= target,
                }[op]
                if not ok:
                    fails.append(f"{exp.describe_check()}: found {n} at {when}")
            return fails
        try:
            value = self.observe(exp.path or "")
        except KeyError as exc:
            return [f"{exp.path}: {exc.args[0]} at {when}"]
        fails = []
        for op, target in exp.operators():
            ok, found = self._apply(op, value, target)
            if not ok:
                fails.append(f"{exp.path}: expected {op} {_short(target)}, found {found} at {when}")
        return fails

    def _count(self, exp: Check) -> int:
        """How many trace events of the kind match `where` (plain values or operators) and
        fall inside `after`/`before`. Plain equality only takes the trace's own fast count."""
        trace = self.world.trace
        kind = str(exp.trace)
        plain = all(not is_where_operator(v) for v in exp.where.values())
        if plain and exp.after is None and exp.before is None:
            return trace.count(kind, **exp.where)
        start = self.world.clock.start
        after = moment_seconds(exp.after, start)
        before = moment_seconds(exp.before, start)
        low = None if after is None else format_time(self.world.clock.to_datetime(after))
        high = None if before is None else format_time(self.world.clock.to_datetime(before))
        n = 0
        for event in trace.events:
            if event["kind"] != kind:
                continue
            t = event["t"]  # fixed-width ISO text: compares as times do
            if (low is not None and t <= low) or (high is not None and t >= high):
                continue
            if all(where_matches(event, k, v) for k, v in exp.where.items()):
                n += 1
        return n

    def _apply(self, op: str, value: Any, target: Any) -> tuple[bool, str]:
        found = _short(value)
        if op == "equals":
            return _eq(value, target), found
        if op == "not_equals":
            return not _eq(value, target), found
        if op == "contains":
            return (target in value) if isinstance(value, list | str | dict) else False, found
        if op == "not_contains":
            return (target not in value) if isinstance(value, list | str | dict) else False, found
        if op in ("at_least", "at_most"):
            number = len(value) if isinstance(value, list | dict) else value
            if not isinstance(number, int | float):
                return False, f"{found} (not a number)"
            return (number >= target if op == "at_least" else number <= target), found
        if op == "matches":
            return re.search(str(target), _text(value)) is not None, found
        if op == "not_matches":
            return re.search(str(target), _text(value)) is None, found
        if op == "is_set":
            is_set = value not in (None, "", [], {})
            return is_set == bool(target), found
        if op == "length":
            return isinstance(value, list | dict | str) and len(value) == target, found
        if op == "not_same_as":
            try:
                other = self.observe(str(target))
            except KeyError as exc:
                return False, f"(cannot read {target}: {exc.args[0]})"
            return not _eq(value, other), f"{found}, the same as {target}"
        if op == "same_as":
            try:
                other = self.observe(str(target))
            except KeyError as exc:
                return False, f"(cannot read {target}: {exc.args[0]})"
            if _eq(value, other):
                return True, found
            if isinstance(value, list) and isinstance(other, list):
                missing = sorted(set(map(str, other)) - set(map(str, value)))
                extra = sorted(set(map(str, value)) - set(map(str, other)))
                return False, (
                    f"{len(value)} items vs {len(other)}; missing {len(missing)} "
                    f"{missing[:5]}, extra {len(extra)} {extra[:5]}"
                )
            return False, f"{found} vs {_short(other)}"
        raise ValueError(op)

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
    def run(self) -> RunResult:
        wall = time.perf_counter()  # wall-clock-ok: reported duration only, never in the trace
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
        with self.live():
            for index, (exp, seconds) in timed.items():
                self.env.process(self._check_at(index, exp, seconds))
            steps = self.env.process(self._steps())
            self.env.run(until=steps)
            self.sample()
            for index, exp in enumerate(scenario.expect, start=1):
                if index in self._checked:
                    continue
                if index in timed:
                    self._finish_timed(index, exp, timed[index][1])
                else:
                    self._record(index, exp, self.check(exp), timed=False)
        self._emit_faults()
        world.trace.emit("run.end", passed=not self.failures, failures=len(self.failures))
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


def _label(step: Any) -> str:
    """How a step is named in failures: its action, or the clock step it is."""
    if isinstance(step, Advance):
        return f"advance {step.advance}"
    if isinstance(step, At):
        return "at"
    return str(step.do)


def _spec_order(requirement: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", requirement)]


def _requirements(findings: list[Finding], severity: str) -> list[str]:
    return sorted({f.requirement for f in findings if f.severity == severity}, key=_spec_order)


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


def _eq(value: Any, target: Any) -> bool:
    if isinstance(value, datetime) and isinstance(target, str):
        return format_time(value) == target or value.isoformat() == target
    if isinstance(value, datetime) and isinstance(target, datetime):
        return value == target
    return value == target


def _text(value: Any) -> str:
    return format_time(value) if isinstance(value, datetime) else str(value)


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(repr, value[:5]))}, ... ({len(value)} items)]"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."


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

    Processes rather than threads because a run freezes the wall clock and patches `requests`
    process-wide, and simpy worlds are not thread-safe. Workers are *spawned*, never forked: a
    fork would copy whatever the parent holds (the progress bar's refresh thread and its lock,
    a frozen clock) and behaves differently across platforms, while spawn is the same
    everywhere. Each run is self-contained (its seed and world are built inside the worker), so
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
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(_run_guarded, scenario, seed, trace_dir): index
            for index, scenario in enumerate(scenarios)
        }
        for future in as_completed(futures):
            index = futures[future]
            results[index] = future.result()
            if on_result is not None:
                on_result(index, results[index])  # type: ignore[arg-type]
    return [r for r in results if r is not None]
