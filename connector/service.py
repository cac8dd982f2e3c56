"""The connector service's scheduler (SPEC R5.2, R6).

The service is plain synchronous code driven from outside: `next_wakeup()` says when it
next has work, `run_due()` does everything that is due at `platform.now()`. On a real host a
loop sleeps until the wakeup; in the twin the scenario runner does it on the simulated clock.
A full sync runs as soon as the service starts and then every `FullSyncIntervalMinutes`; a
heartbeat tells Intune every `HeartbeatIntervalMinutes` that the connector is alive and how
healthy it is (Intune shows a connector silent for three intervals as disconnected).
A replaced or deleted connector stops for good (SPEC R3.3, R6.2).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from connector import SERVICE_NAME
from connector.config import ConfigStore, ConnectorConfiguration
from connector.configure import exchange_errors
from connector.errors import ConnectorError, ConnectorRetired, ExchangeCommandFailed
from connector.exchange import ExchangeError, RemoteShell
from connector.install import stored_certificate
from connector.intune import IntuneClient
from connector.log import ConnectorLog
from connector.platform import Platform
from connector.sync import SyncResult, full_sync

RETRY_AFTER_FAILURE = timedelta(minutes=15)


class ConnectorService:
    def __init__(self, platform: Platform, shell: RemoteShell) -> None:
        self.platform = platform
        self.shell = shell
        self.store = ConfigStore(platform)
        self.config: ConnectorConfiguration | None = None
        self.log = ConnectorLog(platform)
        self.retired: str | None = None
        self.next_full: datetime | None = None
        self.next_heartbeat: datetime | None = None
        self.last_result: SyncResult | None = None
        self.last_error: ConnectorError | None = None
        self.reload()

    def reload(self) -> None:
        """Read the stored configuration again (after the wizard ran, or at service start)."""
        self.config = self.store.load()
        if self.config is None:
            self.next_full = self.next_heartbeat = None
            return
        self.log.level = self.config.settings.log_level
        for secret in (
            self.config.service_account.password,
            self.config.proxy.password if self.config.proxy else None,
            self.config.registration.token if self.config.registration else None,
        ):
            self.log.add_secret(secret)
        self.retired = None
        self.next_full = self.platform.now()
        self.next_heartbeat = self.platform.now() + self._heartbeat_interval()

    @property
    def running(self) -> bool:
        return (
            self.config is not None
            and self.retired is None
            and self.platform.service_state(SERVICE_NAME) == "Running"
        )

    def next_wakeup(self) -> datetime | None:
        if not self.running:
            return None
        due = [t for t in (self.next_full, self.next_heartbeat) if t is not None]
        return min(due) if due else None

    def run_due(self) -> list[str]:
        """Run every job due now; return the names of the jobs that ran."""
        ran: list[str] = []
        now = self.platform.now()  # what is due when the call starts; later work waits its turn
        if self.running and self.next_full is not None and now >= self.next_full:
            self._full_sync()
            ran.append("fullSync")
        if self.running and self.next_heartbeat is not None and now >= self.next_heartbeat:
            self._heartbeat()
            ran.append("heartbeat")
        return ran

    def _heartbeat_interval(self) -> timedelta:
        assert self.config is not None
        return timedelta(minutes=self.config.settings.heartbeat_interval_minutes)

    def _heartbeat(self) -> None:
        assert self.config is not None
        error = self.last_error
        try:
            self._intune().heartbeat(
                {
                    "health": "unhealthy" if error else "healthy",
                    "lastError": error.message if error else None,
                    "errorCode": error.code if error else None,
                    "exchangeServer": self.config.exchange.server,
                }
            )
        except ConnectorRetired as exc:
            self._retire(exc)
        except ConnectorError as exc:
            self.log.warning("Heartbeat", exc.message, code=exc.code)
        self.next_heartbeat = self.platform.now() + self._heartbeat_interval()

    def _retire(self, exc: ConnectorRetired) -> None:
        self.retired = exc.reason
        self.log.error(
            "ConnectorRetired",
            f"Intune no longer accepts this connector: {exc.message}",
            reason=exc.reason,
            code=exc.code,
        )
        self.platform.stop_service(SERVICE_NAME)

    def _intune(self) -> IntuneClient:
        assert self.config is not None and self.config.registration is not None
        cert = stored_certificate(self.platform)
        return IntuneClient(
            self.platform,
            cert.service_endpoint,
            self.config.proxy,
            token=self.config.registration.token,
            connector_id=self.config.registration.connector_id,
        )

    def _full_sync(self) -> None:
        assert self.config is not None
        interval = timedelta(minutes=self.config.settings.full_sync_interval_minutes)
        try:
            with exchange_errors(self.config.exchange.server):
                session = self.shell.open(self.config.exchange.server, self.config.service_account)
            try:
                with exchange_errors(self.config.exchange.server):
                    self.last_result = full_sync(session, self._intune(), self.log)
            finally:
                session.close()
            self.last_error = None
            self.next_full = self.platform.now() + interval
        except ConnectorRetired as exc:
            self._retire(exc)
        except ConnectorError as exc:
            self.last_error = exc
            self.log.error("SyncFailed", exc.message, code=exc.code, syncType="fullSync")
            self.next_full = self.platform.now() + RETRY_AFTER_FAILURE
        except ExchangeError as exc:
            self.last_error = ExchangeCommandFailed("Exchange", exc.error_id, exc.message)
            self.log.error(
                "SyncFailed",
                exc.message,
                errorId=exc.error_id,
                code=self.last_error.code,
                syncType="fullSync",
            )
            self.next_full = self.platform.now() + RETRY_AFTER_FAILURE
