"""Runs a scenario: builds the world, plays the steps on the simulated clock while the
installed connectors' services run beside them, then checks the expectations.

This is the one place (with `adapters`) that knows both the world and the connector. The
connector's service is plain synchronous code: a simpy process per host asks it when it next
has work (`next_wakeup`) and runs it then (`run_due`), waiting afterwards for the simulated
time its port calls spent. The wall clock is frozen to simulated time with freezegun, so a
stray wall-clock read in a dependency sees the simulated time too.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import simpy
from freezegun import freeze_time

from connector.config import ProxySettings
from connector.configure import ConfigurationRequest, ConfigurationWizard
from connector.errors import ConnectorError
from connector.exchange import Credential
from connector.install import install as run_setup
from connector.log import ConnectorLog
from connector.service import ConnectorService
from simulator.adapters import HttpMount, SimPlatform, SimRemoteShell
from simulator.clock import format_time
from simulator.intune.package import PACKAGE_NAME, read_package
from simulator.intune.service import IntuneError
from simulator.scenario import Advance, Configure, DownloadPackage, Expectation, Install, Scenario
from simulator.world import World, build_world

T = TypeVar("T")


class StepError(Exception):
    """A step could not be carried out (the world refused it, or the connector failed)."""


@dataclass
class HostConnector:
    """The connector product on one host, as the runner drives it."""

    platform: SimPlatform
    shell: SimRemoteShell
    changed: simpy.Event
    service: ConnectorService | None = None
    last_error: str | None = None


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
        seconds = int((self.end - self.start).total_seconds())
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, secs = divmod(rest, 60)
        text = (
            (f"{days}d" if days else "")
            + (f"{hours}h" if hours else "")
            + (f"{minutes}m" if minutes else "")
        )
        return text or f"{secs}s"

    def reproducer(self) -> str:
        return f"exchange-twin run {self.path or '<scenario>'} --seed {self.seed}"


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

    # -- plumbing -----------------------------------------------------------------------------
    def _job(self, fn: Callable[[], T]) -> Generator[simpy.Event, Any, T]:
        if self._frozen is not None:
            self._frozen.move_to(self.world.clock.now())
        return (yield from self.world.clock.job(fn))

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

    def _notify(self, rt: HostConnector) -> None:
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
                ran = yield from self._job(svc.run_due)
                if svc.last_error is not None:
                    rt.last_error = str(svc.last_error)
                self.world.trace.emit(
                    "connector.jobs",
                    host=rt.platform.host.name,
                    ran=ran,
                    error=str(svc.last_error) if svc.last_error else None,
                    retired=svc.retired,
                )

    def _steps(self) -> Generator[simpy.Event, Any, None]:
        trace = self.world.trace
        for index, step in enumerate(self.scenario.steps, start=1):
            if isinstance(step, Advance):
                trace.emit("step", index=index, advance=step.advance)
                yield self.env.timeout(step.seconds)
                continue
            trace.emit("step", index=index, do=step.do)
            try:
                yield from self._job(lambda step=step: self._action(step))
            except (StepError, ConnectorError) as exc:
                message = str(exc)
                if step.expect_error and step.expect_error.lower() in message.lower():
                    trace.emit("step.failed", index=index, do=step.do, expected=True, error=message)
                    continue
                trace.emit("step.failed", index=index, do=step.do, expected=False, error=message)
                self.failures.append(
                    f"step {index} ({step.do}) failed at {self.world.clock.iso()}: {message}"
                )
                return
            if step.expect_error:
                self.failures.append(
                    f"step {index} ({step.do}) succeeded at {self.world.clock.iso()} but was expected to fail "
                    f"with {step.expect_error!r}"
                )
                return

    # -- actions ------------------------------------------------------------------------------------
    def _action(self, step: Any) -> None:
        handler = {
            DownloadPackage: self._download,
            Install: self._install,
            Configure: self._configure,
        }[type(step)]
        try:
            handler(step)
        except IntuneError as exc:
            raise StepError(f"{exc.message} (HTTP {exc.status} {exc.error})") from None
        except KeyError as exc:
            raise StepError(str(exc.args[0])) from None

    def _download(self, step: DownloadPackage) -> None:
        world = self.world
        admin = step.admin or next(iter(sorted(world.intune.admins)), "")
        name, data = world.console.download_connector(admin, world.clock.now())
        host = world.host(step.host)
        path = f"{step.to.rstrip(chr(92))}\\{name}"
        host.write_file(path, data)
        world.trace.emit(
            "package.downloaded", host=host.name, path=path, admin=admin, bytes=len(data)
        )

    def _install(self, step: Install) -> None:
        world = self.world
        host = world.host(step.host)
        if not host.is_dir(step.folder):
            zips = [p for p, _ in host.files.values() if p.lower().endswith(PACKAGE_NAME.lower())]
            if not zips:
                raise StepError(
                    f"{step.folder} does not exist and no {PACKAGE_NAME} was downloaded to {host.name}"
                )
            for name, data in sorted(read_package(host.read_file(zips[-1])).items()):
                host.write_file(f"{step.folder}\\{name}", data)
            world.trace.emit("package.extracted", host=host.name, zip=zips[-1], folder=step.folder)
        rt = self.connector(host.name)
        result = run_setup(rt.platform, step.folder, self.scenario.profile)
        world.trace.emit(
            "connector.installed",
            host=host.name,
            folder=step.folder,
            tenant=result.tenant,
            warnings=result.warnings,
            findings=[f.describe() for f in result.findings if f.severity != "ok"],
        )

    def _configure(self, step: Configure) -> None:
        world = self.world
        rt = self.connector(step.host or world.host(None).name)
        for secret in (
            step.account.password,
            step.proxy and step.proxy.password,
            step.notification and step.notification.password,
        ):
            world.trace.add_secret(secret or None)
        request = ConfigurationRequest(
            server_type=step.exchange.type,
            server=step.exchange.server,
            service_account=Credential(step.account.user, step.account.password),
            notification_account=Credential(step.notification.user, step.notification.password)
            if step.notification
            else None,
            proxy=ProxySettings(
                step.proxy.address, step.proxy.port, step.proxy.user, step.proxy.password
            )
            if step.proxy
            else None,
            replace=step.replace,
        )
        wizard = ConfigurationWizard(rt.platform, rt.shell, ConnectorLog(rt.platform))
        result = wizard.connect(request)
        world.trace.emit(
            "connector.configured",
            host=rt.platform.host.name,
            connector_id=result.connector_id,
            status=result.status,
            replaced=result.replaced,
            server=step.exchange.server,
        )
        if rt.service is None:
            rt.service = ConnectorService(rt.platform, rt.shell)
        else:
            rt.service.reload()
        self._notify(rt)

    # -- observation and expectations ---------------------------------------------------------------
    def observe_root(self, root: str) -> Any:
        world = self.world
        if root == "intune":
            return world.intune.observe()
        if root == "exchange":
            return world.observe_exchange()
        if root == "expected":
            ids = world.expected_inventory()
            return {"inventory": {"count": len(ids), "device_ids": ids}}
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
                },
                "log": {
                    "records": len(records),
                    "errors": sum(1 for r in records if r["level"] == "Error"),
                },
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
        world = self.world
        when = world.clock.iso()
        if exp.trace is not None:
            n = world.trace.count(exp.trace, **exp.where)
            fails = []
            for op, target in exp.operators():
                ok = {
                    "count": n == target,
                    "count_at_least": n >= target,
                    "count_at_most": n <= target,
                }[op]
                if not ok:
                    fails.append(f"{exp.describe()}: found {n} at {when}")
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

    def _apply(self, op: str, value: Any, target: Any) -> tuple[bool, str]:
        found = _short(value)
        if op == "equals":
            return _eq(value, target), found
        if op == "not_equals":
            return not _eq(value, target), found
        if op == "contains":
            return (target in value) if isinstance(value, list | str | dict) else False, found
        if op in ("at_least", "at_most"):
            number = len(value) if isinstance(value, list | dict) else value
            if not isinstance(number, int | float):
                return False, f"{found} (not a number)"
            return (number >= target if op == "at_least" else number <= target), found
        if op == "matches":
            return re.search(str(target), _text(value)) is not None, found
        if op == "is_set":
            is_set = value not in (None, "", [], {})
            return is_set == bool(target), found
        if op == "length":
            return isinstance(value, list | dict | str) and len(value) == target, found
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

    # -- the run --------------------------------------------------------------------------------------
    def run(self) -> RunResult:
        wall = time.perf_counter()  # wall-clock-ok: reported duration only, never in the trace
        world = self.world
        world.trace.emit(
            "run.start", scenario=self.scenario.name, seed=self.seed, profile=self.scenario.profile
        )
        freezer = freeze_time(world.clock.now()) if self.freeze else None
        self._frozen = freezer.start() if freezer else None
        try:
            with HttpMount(world):
                for process in world.processes():
                    self.env.process(process)
                steps = self.env.process(self._steps())
                self.env.run(until=steps)
                step_failed = bool(self.failures)
                for exp in self.scenario.expect:
                    if step_failed:
                        world.trace.emit(
                            "expect", expectation=exp.describe(), passed=None, skipped=True
                        )
                        continue
                    fails = self.check(exp)
                    world.trace.emit(
                        "expect", expectation=exp.describe(), passed=not fails, failures=fails
                    )
                    self.failures.extend(fails)
        finally:
            if freezer is not None:
                freezer.stop()
        world.trace.emit("run.end", passed=not self.failures, failures=len(self.failures))
        data = world.trace.data()
        return RunResult(
            name=self.scenario.name,
            path=self.scenario.path,
            seed=self.seed,
            passed=not self.failures,
            failures=list(self.failures),
            sha256=world.trace.sha256(),
            trace_bytes=data,
            start=world.clock.start,
            end=world.clock.now(),
            events=len(world.trace.events),
            wall_seconds=time.perf_counter() - wall,  # wall-clock-ok
        )


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
        out = Path(trace_dir) / f"{scenario.name}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".jsonl.tmp")
        tmp.write_bytes(result.trace_bytes)
        tmp.replace(out)
    return result
