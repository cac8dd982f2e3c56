"""The connector service: its scheduler, and what it does on each wakeup (SPEC R5.2, R5.3, R6).

The service is plain synchronous code driven from outside: `next_wakeup()` says when it next
has work and `run_due()` does everything due at `platform.now()` — on a real host a loop
sleeps in between; in the twin the scenario runner does it on the simulated clock. Four
jobs, each on its own interval: command polling, full sync (as soon as the service starts,
then daily), quick sync (every two hours) and the heartbeat that reports health. A sync asked
for by a command runs at once. A failed job is retried with exponential back-off and a
deterministic jitter (hashed from the connector id, so two connectors do not retry in step),
and the normal schedule resumes after a success. A connector that Intune says was replaced or
deleted stops for good (SPEC R3.3, R6.2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from connector import SERVICE_NAME
from connector.commands import DeviceCommands
from connector.config import ConfigStore, ConnectorConfiguration
from connector.configure import exchange_errors
from connector.errors import ConnectorError, ConnectorRetired, ExchangeCommandFailed
from connector.exchange import ExchangeError, RemoteShell
from connector.install import lingering_certificate, stored_certificate
from connector.intune import IntuneClient
from connector.log import ConnectorLog
from connector.notify import Notifier
from connector.platform import Platform
from connector.runspaces import RunspacePool
from connector.state import ConnectorState
from connector.sync import DELTA_SYNC, FULL_SYNC, SyncEngine, SyncResult

BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=2)
JOBS = ("poll", "fullSync", "quickSync", "heartbeat")
SYNC_JOBS = ("fullSync", "quickSync")


class ConnectorService:
    def __init__(self, platform: Platform, shell: RemoteShell) -> None:
        self.platform = platform
        self.shell = shell
        self.store = ConfigStore(platform)
        self.log = ConnectorLog(platform)
        self.config: ConnectorConfiguration | None = None
        self.state = ConnectorState()
        self.retired: str | None = None
        self.due: dict[str, datetime] = {}
        self.failures: dict[str, int] = dict.fromkeys(JOBS, 0)
        self.pending_sync_commands: dict[str, list[str]] = {"fullSync": [], "quickSync": []}
        self.last_result: SyncResult | None = None
        self.last_error: ConnectorError | None = None
        self.run_errors: dict[str, str] = {}  # job -> "message (error code)" for the last wakeup
        self.notification_error: str | None = None
        self.pool: RunspacePool | None = None
        self._client: IntuneClient | None = None  # kept from job to job, as an HTTP client is
        self.reload()

    # -- configuration --------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the stored configuration again (after the wizard ran, or at service start)."""
        self.config = self.store.load()
        self._client = None  # its proxy, token and connection id came from the old configuration
        self.state = ConnectorState.load(self.platform)
        self.due = {}
        if self.config is None:
            return
        settings = self.config.settings
        self.log.level = settings.log_level
        for secret in (
            self.config.service_account.password,
            self.config.proxy.password if self.config.proxy else None,
            self.config.notification_account.password if self.config.notification_account else None,
            self.config.registration.token if self.config.registration else None,
        ):
            self.log.add_secret(secret)
        self.retired = None
        self.failures = dict.fromkeys(JOBS, 0)
        now = self.platform.now()
        self.due = {
            "poll": now,
            "fullSync": now,
            "quickSync": now + timedelta(minutes=settings.quick_sync_interval_minutes),
            "heartbeat": now,
        }
        if self.pool is not None:
            self.pool.close()
        self.pool = RunspacePool(self.platform, self.shell, self.config, self.state, self.log)

    @property
    def running(self) -> bool:
        return (
            self.config is not None
            and self.retired is None
            and self.platform.service_state(SERVICE_NAME) == "Running"
        )

    def next_wakeup(self) -> datetime | None:
        return min(self.due.values()) if self.running and self.due else None

    # -- the wakeup ---------------------------------------------------------------------------------
    def run_due(self) -> list[str]:
        """Run every job due now; return the names of the jobs that ran."""
        if not self.running or self.pool is None:
            return []
        now = self.platform.now()
        ran: list[str] = []
        self.run_errors = {}
        self.pool.begin_job()
        try:
            for job in JOBS:
                if self.retired is not None:
                    break  # replaced or deleted: nothing more is sent
                if self.due[job] > now or (job == "quickSync" and "fullSync" in ran):
                    continue  # not due, or the full sync just covered it
                ran.append(job)
                self._guard(job, self._job(job))
                if job == "fullSync" and self.retired is None:
                    self.due["quickSync"] = max(
                        self.due["quickSync"], self.platform.now() + self._interval("quickSync")
                    )
        finally:
            self.pool.close()
            self.state.save(self.platform)
        return ran

    def _job(self, job: str) -> Callable[[], Any]:
        if job in SYNC_JOBS:
            return lambda: self._sync(job)
        return self._poll if job == "poll" else self._heartbeat

    def _interval(self, job: str) -> timedelta:
        assert self.config is not None
        s = self.config.settings
        minutes = {
            "poll": s.command_poll_interval_minutes,
            "fullSync": s.full_sync_interval_minutes,
            "quickSync": s.quick_sync_interval_minutes,
            "heartbeat": s.heartbeat_interval_minutes,
        }[job]
        return timedelta(minutes=minutes)

    def _backoff(self, job: str) -> timedelta:
        """Exponential back-off with a deterministic jitter of up to 25 %."""
        n = self.failures[job]
        base = min(BACKOFF_BASE * (2 ** min(n - 1, 16)), BACKOFF_MAX)
        seed = f"{self._connector_id()}:{job}:{n}".encode()
        jitter = int.from_bytes(hashlib.sha256(seed).digest()[:4], "big") / 2**32
        return base * (1 + 0.25 * jitter)

    def _connector_id(self) -> str:
        reg = self.config.registration if self.config else None
        return reg.connector_id if reg else ""

    def _guard(self, job: str, fn: Callable[[], Any]) -> None:
        """Run one job; on failure log it with its code and schedule a retry with back-off."""
        try:
            fn()
        except ConnectorRetired as exc:
            self._retire(exc)
            return
        except ConnectorError as exc:
            self._failed(job, exc)
            return
        except ExchangeError as exc:
            self._failed(job, ExchangeCommandFailed("Exchange", exc.error_id, exc.message))
            return
        self.failures[job] = 0
        self.due[job] = self.platform.now() + self._interval(job)
        if job in SYNC_JOBS:
            self.last_error = None

    def _failed(self, job: str, exc: ConnectorError) -> None:
        self.failures[job] += 1
        self.run_errors[job] = str(exc)
        delay = self._backoff(job)
        self.due[job] = (
            self.platform.now() + min(delay, self._interval(job))
            if job in ("poll", "heartbeat")
            else self.platform.now() + delay
        )
        if job in SYNC_JOBS:
            self.last_error = exc
        self.log.error(
            "JobFailed",
            f"{_JOB_TITLES[job]} failed: {exc.message}",
            job=job,
            code=exc.code,
            attempt=self.failures[job],
            retryAt=self.due[job].isoformat(),
        )

    def _retire(self, exc: ConnectorRetired) -> None:
        self.retired = exc.reason
        self.due = {}
        self.log.error(
            "ConnectorRetired",
            f"Intune no longer accepts this connector ({exc.reason}): {exc.message}. Uninstall it from this computer.",
            reason=exc.reason,
            code=exc.code,
        )
        self.platform.stop_service(SERVICE_NAME)

    # -- the jobs -------------------------------------------------------------------------------------
    def _intune(self) -> IntuneClient:
        assert self.config is not None and self.config.registration is not None
        # read at each job: a connector uninstalled meanwhile fails here, as it did
        cert = stored_certificate(self.platform)
        client = self._client
        if client is None or client.endpoint != cert.service_endpoint.rstrip("/"):
            client = self._client = IntuneClient(
                self.platform,
                cert.service_endpoint,
                self.config.proxy,
                token=self.config.registration.token,
                connector_id=self.config.registration.connector_id,
            )
        return client

    def _notifier(self) -> Notifier | None:
        assert self.config is not None
        account, smtp = self.config.notification_account, self.config.notification_smtp
        if account is None or not smtp:
            return None
        return Notifier(self.platform, account, smtp, self.config.settings)

    def _sync(self, kind: str) -> None:
        assert self.config is not None and self.pool is not None
        intune = self._intune()
        engine = SyncEngine(self.platform, self.pool, intune, self.state, self.log)
        commands = self.pending_sync_commands[kind]
        try:
            with exchange_errors(self.config.exchange.server):
                self.last_result = engine.full() if kind == "fullSync" else engine.quick()
        except (ConnectorError, ExchangeError) as exc:
            code = getattr(exc, "code", ExchangeCommandFailed.code)
            self._report_commands(
                intune, commands, "failed", getattr(exc, "message", str(exc)), code
            )
            raise
        self._report_commands(intune, commands, "succeeded")
        if kind == "fullSync":  # a full sync also answers the quick-sync requests
            self._report_commands(intune, self.pending_sync_commands["quickSync"], "succeeded")

    def _report_commands(
        self,
        intune: IntuneClient,
        ids: list[str],
        outcome: str,
        error: str | None = None,
        code: str | None = None,
    ) -> None:
        while ids:
            try:
                intune.report_command(ids[0], outcome, error, code)
            except ConnectorRetired:
                raise
            except ConnectorError:
                return  # the command will be delivered again and handled idempotently
            ids.pop(0)

    def _poll(self) -> None:
        assert self.config is not None and self.pool is not None
        intune = self._intune()
        commands = intune.commands()
        if not commands:
            return
        if any((c.get("parameters") or {}).get("notifyUser") for c in commands):
            # the console's notification template may have changed since the last full sync
            notification = intune.policy().get("notification")
            if notification:
                self.state.notification = {k: str(v) for k, v in notification.items() if v}
        handler = DeviceCommands(self.platform, self.pool, self.state, self.log, self._notifier())
        now = self.platform.now()
        for command in commands:
            kind, command_id = str(command.get("type", "")), str(command.get("commandId", ""))
            if kind in SYNC_JOBS:
                if command_id not in self.pending_sync_commands[kind]:
                    self.pending_sync_commands[kind].append(command_id)
                self.due[kind] = min(self.due[kind], now)  # never later than already due
                self.log.info(
                    "Command",
                    f"Handling command {command_id}: {kind} requested from the console",
                    commandId=command_id,
                    type=kind,
                )
                continue
            with exchange_errors(self.config.exchange.server):
                outcome = handler.handle(command)
            target = command.get("target") or {}
            still = command.get("state") == "pending" and outcome.outcome == "pending"
            self.log.write(
                _OUTCOME_LEVELS.get(outcome.outcome, "Error") if not still else "Verbose",
                "Command",
                f"Command {command_id} ({kind}) for device {target.get('exchangeDeviceId')} of "
                f"{target.get('userPrincipalName')}: {outcome.outcome}"
                + (f": {outcome.error}" if outcome.error else ""),
                commandId=command_id,
                type=kind,
                outcome=outcome.outcome,
                code=outcome.code,
            )
            if not still:  # Intune already knows it is pending: nothing new to report
                intune.report_command(
                    command_id, outcome.outcome, outcome.error, outcome.code, outcome.exchange
                )
        self.notification_error = handler.notification_error

    def health(self) -> dict[str, Any]:
        """What the heartbeat reports and what an administrator would check first."""
        cert = lingering_certificate(self.platform)
        return {
            "health": "unhealthy" if self.last_error else "healthy",
            "lastError": self.last_error.message if self.last_error else None,
            "errorCode": self.last_error.code if self.last_error else None,
            "exchangeServer": self.pool.server
            if self.pool and self.pool.server
            else (self.config.exchange.server if self.config else None),
            "casFailover": bool(self.pool and self.pool.on_failover),
            "lastSyncType": self.last_result.sync_type if self.last_result else None,
            "notification": {"lastError": self.notification_error},
            "securityFindings": [cert.describe()] if cert else [],
        }

    def _heartbeat(self) -> None:
        self._intune().heartbeat(self.health())


_OUTCOME_LEVELS = {
    "succeeded": "Information",
    "pending": "Information",
    "cancelled": "Warning",
    "failed": "Error",
}
_JOB_TITLES = {
    "poll": "Get next command",
    "fullSync": "Full sync",
    "quickSync": "Quick sync",
    "heartbeat": "Heartbeat",
}
__all__ = ["ConnectorService", "DELTA_SYNC", "FULL_SYNC"]
