"""The explorer's oracles: properties every run must keep, whatever the seed threw at it.

Each invariant has a name and a one-line statement (docs/invariants.md is generated from
these), and is checked by a `Monitor` while the run goes — after every step and every
connector job, the moments at which state can change from the runner's point of view —
and once at its end. A violation names the invariant, what was seen and the simulated time.

Why checks during the run and not only at its end: "last successful sync never moves back"
or "a retired connector never writes again" are about the whole history; an end state can
look right after a history that was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.explore.generate import Generated
    from simulator.run.runner import Runner

SYNC_JOBS = ("fullSync", "quickSync")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
CODE = re.compile(r"\(error (0x[0-9a-fA-F]{8})\)")


SPIN_LIMIT = 500


class Spinning(Exception):
    """Raised out of the run when it stops making progress in simulated time."""


@dataclass(frozen=True)
class Invariant:
    name: str
    statement: str


INVARIANTS: dict[str, Invariant] = {
    i.name: i
    for i in (
        Invariant(
            "convergence",
            "Once faults end and a full sync completes, Intune's inventory equals Exchange's "
            "EAS devices of licensed, targeted users whose SMTP address is their UPN, as Exchange "
            "held them when the last successful sync opened — nothing lost, duplicated or "
            "invented (a device set up after that waits for the next sync).",
        ),
        Invariant(
            "sync_monotonic",
            "A connection's last successful sync never moves back, and moves only when a sync "
            "job of that host has just succeeded.",
        ),
        Invariant(
            "retired_silent",
            "A connector that was replaced or deleted never writes to Intune again (until it "
            "is configured anew).",
        ),
        Invariant(
            "commands_final",
            "Every remote action Intune queued reaches a final state once faults end, and a "
            "wipe reported as succeeded is one Exchange shows wiped.",
        ),
        Invariant(
            "no_secret",
            "No password or other secret given to the world appears in the trace, the "
            "connector's logs or files, or the run's reports.",
        ),
        Invariant(
            "no_crash",
            "The connector never crashes: no exception escapes a connector job or a step "
            "other than the errors the product reports.",
        ),
        Invariant(
            "log_codes",
            "Every failed job is logged as JobFailed with the error code of its failure, and "
            "every error the log records carries a code.",
        ),
        Invariant(
            "progress",
            "The run always moves on: no more than a few hundred connector jobs or steps at "
            "one simulated instant (a connector that retries without waiting spins forever).",
        ),
        Invariant(
            "reconnects",
            "Once the faults are over and the administrator has put the settings right and "
            "reconfigured, the connection is connected within one heartbeat interval.",
        ),
    )
}


@dataclass(frozen=True)
class Violation:
    invariant: str
    message: str
    at: str  # simulated time, ISO 8601

    def to_dict(self) -> dict[str, str]:
        return {"invariant": self.invariant, "message": self.message, "at": self.at}


@dataclass
class Monitor:
    """Watches one run: `during` after every step and job, `at_end` once it is over."""

    plan: Generated
    violations: list[Violation] = field(default_factory=list)
    _last_sync: dict[str, datetime] = field(default_factory=dict)
    _gone: dict[str, str] = field(default_factory=dict)  # host → when Intune answered 410
    _seen_events: int = 0
    _instant: float = -1.0
    _at_instant: int = 0
    _unexplained: dict[str, tuple[str, str]] = field(default_factory=dict)
    _reconnect_checked: bool = False

    def _fail(self, runner: Runner, invariant: str, message: str) -> None:
        if any(v.invariant == invariant for v in self.violations):
            return  # the first violation of each invariant is the one worth shrinking
        self.violations.append(Violation(invariant, message, runner.world.clock.iso()))

    # -- during the run ------------------------------------------------------------------------
    def during(self, runner: Runner) -> None:
        now = runner.world.clock.seconds
        if now == self._instant:
            self._at_instant += 1
            if self._at_instant > SPIN_LIMIT:
                raise Spinning(
                    f"over {SPIN_LIMIT} steps and connector jobs at {runner.world.clock.iso()} without simulated time moving on"
                )
        else:
            self._instant, self._at_instant = now, 0
        events = runner.world.trace.events
        new = events[self._seen_events :]
        self._seen_events = len(events)
        self._sync_monotonic(runner, new)
        self._retired_silent(runner, new)
        self._reconnects(runner)

    def _sync_monotonic(self, runner: Runner, new: list[dict[str, Any]]) -> None:
        """A move is judged by the job that made it. The runner traces a job (`connector.jobs`)
        once the job's simulated time has passed, and a step may look at Intune before then,
        so a move without its job yet is held until that host's next job event."""
        jobs: dict[str, bool] = {}  # host → whether a sync job of its latest job event succeeded
        for e in new:
            if e["kind"] == "connector.jobs":
                ran = [j for j in e.get("ran", []) if j in SYNC_JOBS]
                if ran:
                    errors = e.get("errors") or {}
                    jobs[str(e.get("host"))] = any(j not in errors for j in ran)
        for cid, (host, moved_to) in list(self._unexplained.items()):
            if host in jobs:
                del self._unexplained[cid]
                if not jobs[host]:
                    self._fail(
                        runner,
                        "sync_monotonic",
                        f"connection {cid} ({host}): last successful sync moved to {moved_to} but that host's sync failed",
                    )
        for conn in runner.world.intune.connectors.values():
            now = conn.last_successful_sync
            if now is None:
                continue
            before = self._last_sync.get(conn.connector_id)
            self._last_sync[conn.connector_id] = now
            if before is not None and now < before:
                self._fail(
                    runner,
                    "sync_monotonic",
                    f"connection {conn.connector_id} ({conn.host}): last successful sync moved back from {before.isoformat()} to {now.isoformat()}",
                )
            elif before is None or now > before:
                if jobs.get(str(conn.host)) is True:
                    continue
                if jobs.get(str(conn.host)) is False:
                    self._fail(
                        runner,
                        "sync_monotonic",
                        f"connection {conn.connector_id} ({conn.host}): last successful sync moved to {now.isoformat()} in a job whose syncs failed",
                    )
                else:
                    self._unexplained[conn.connector_id] = (str(conn.host), now.isoformat())

    def _retired_silent(self, runner: Runner, new: list[dict[str, Any]]) -> None:
        """Intune tells a replaced or deleted connector so with 410 Gone; from then on that
        host must not write until the wizard configures it anew."""
        for e in new:
            if e["kind"] in ("connector.configured", "connector.reconfigured"):
                self._gone.pop(str(e.get("host")), None)
            elif e["kind"] == "http":
                host = str(e.get("host"))
                # the wizard's registration (POST …/connectors) is a new connector, not the old one
                own = not str(e.get("url", "")).rstrip("/").endswith("/connectors")
                if host in self._gone and e.get("method") in WRITES and own:
                    self._fail(
                        runner,
                        "retired_silent",
                        f"{host} was told at {self._gone[host]} that its connection is gone (410), yet sent {e['method']} {e['url']} at {e['t']}",
                    )
                if e.get("status") == 410 and host not in self._gone:
                    self._gone[host] = e["t"]

    @staticmethod
    def _configured_since(new: list[dict[str, Any]], host: str) -> bool:
        return any(
            e["kind"] in ("connector.configured", "connector.reconfigured")
            and e.get("host") == host
            for e in new
        )

    def _reconnects(self, runner: Runner) -> None:
        if self._reconnect_checked:
            return
        now = runner.world.clock.seconds
        deadline = self.plan.repair_at + self._bound(runner)
        if now < deadline:
            return
        self._reconnect_checked = True
        conn = runner.world.intune.exchange_connection()
        status = conn.status_at(runner.world.clock.now()) if conn is not None else None
        if status != "connected":
            self._fail(
                runner,
                "reconnects",
                f"{_span(now - self.plan.repair_at)} after the repair the connection is {status or 'absent'}",
            )

    def _bound(self, runner: Runner) -> float:
        """One heartbeat (and a full sync's worth of work) after the repair, in seconds."""
        interval = 60.0
        for rt in runner.connectors.values():
            svc = rt.service
            if svc is not None and svc.config is not None:
                interval = max(interval, svc.config.settings.heartbeat_interval_minutes * 60.0)
        return interval + 900.0

    # -- at the end --------------------------------------------------------------------------------
    def at_end(self, runner: Runner, trace: bytes, reports: list[bytes]) -> None:
        self.during(runner)
        for cid, (host, moved_to) in self._unexplained.items():
            self._fail(
                runner,
                "sync_monotonic",
                f"connection {cid} ({host}): last successful sync moved to {moved_to} and no job of that host accounts for it",
            )
        self._reconnects(runner)
        self._convergence(runner)
        self._commands_final(runner)
        self._no_secret(runner, trace, reports)
        self._log_codes(runner)

    def _convergence(self, runner: Runner) -> None:
        world = runner.world
        present = sorted(world.intune.inventory.present())
        expected = world.expected_inventory()
        if len(present) != len(set(present)):
            self._fail(runner, "convergence", "Intune's inventory holds a device twice")
        if present != expected:
            missing = sorted(set(expected) - set(present))
            extra = sorted(set(present) - set(expected))
            self._fail(
                runner,
                "convergence",
                f"Intune holds {len(present)} devices, Exchange's targeted devices are {len(expected)}: missing {missing[:5]}, extra {extra[:5]}",
            )

    def _commands_final(self, runner: Runner) -> None:
        """Open commands at the end are a violation, except a wipe whose phone is not in
        contact (it stays pending until the phone comes back: that is real) and a command
        whose device is gone from Exchange altogether."""
        world = runner.world
        by_id = world.observe_exchange()["devices"]["by_id"]
        for command in world.intune.commands.commands.values():
            device = by_id.get(command.device) if command.device else None
            if command.open:
                if device is None:
                    continue
                if command.type == "wipe" and device.get("handset") != "active":
                    continue
                self._fail(
                    runner,
                    "commands_final",
                    f"{command.type} of {command.device} is still {command.state} at the end (issued {command.issued_at.isoformat()}); Exchange shows {device.get('status')}, {device.get('reported')}",
                )
                return
            shown = None if device is None else (device.get("status"), device.get("handset"))
            wrongly_succeeded = (
                command.type == "wipe"
                and command.state == "succeeded"
                and shown is not None
                and shown[0] != "DeviceWipeSucceeded"
                and shown[1] != "wiped"
            )
            if wrongly_succeeded and shown is not None:
                self._fail(
                    runner,
                    "commands_final",
                    f"wipe of {command.device} reported succeeded, Exchange shows {shown[0]}",
                )
                return

    def _no_secret(self, runner: Runner, trace: bytes, reports: list[bytes]) -> None:
        places: list[tuple[str, bytes]] = [("the trace", trace)]
        places += [(f"report {i + 1}", r) for i, r in enumerate(reports)]
        for name, host in runner.world.hosts.items():
            for path, data in host.files.values():
                places.append((f"{name}:{path}", data))
        for secret in self.plan.secrets:
            needle = secret.encode()
            for where, data in places:
                if needle in data:
                    self._fail(runner, "no_secret", f"a secret ({secret[:2]}…) appears in {where}")
                    return

    def _log_codes(self, runner: Runner) -> None:
        for name in runner.connectors:
            observed = runner.observe_root("hosts")[name].get("connector") or {}
            log = observed.get("log") or {}
            errors = log.get("errors", 0)
            coded = sum((log.get("codes") or {}).values())
            if errors > coded:
                self._fail(
                    runner,
                    "log_codes",
                    f"{name}: {errors} error records in the log, only {coded} with a code",
                )
                return
        failures: dict[str, list[str]] = {}
        for e in runner.world.trace.events:
            if e["kind"] == "connector.jobs":
                for job, message in (e.get("errors") or {}).items():
                    found = CODE.search(str(message))
                    if found is None:
                        self._fail(
                            runner,
                            "log_codes",
                            f"{e.get('host')}: {job} failed without an error code: {message}",
                        )
                        return
                    failures.setdefault(str(e.get("host")), []).append(found.group(1).lower())
        for host, codes in failures.items():
            observed = runner.observe_root("hosts")[host].get("connector") or {}
            logged = {str(c).lower() for c in ((observed.get("log") or {}).get("codes") or {})}
            missing = sorted(set(codes) - logged)
            if missing:
                self._fail(
                    runner,
                    "log_codes",
                    f"{host}: jobs failed with {missing} but the log has no record with that code",
                )
                return


def _span(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))
