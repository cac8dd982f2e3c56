"""What a registered connector does with Intune: heartbeats and status, the access policy,
sync sessions (opened, fed with pages of devices, completed — a successful one replacing or
updating the inventory, then every decision evaluated again), and the command queue it
polls and reports results to.

The part of `IntuneService` behind the connector's routes once `Registration.authenticate`
has let the call in (`api.py` maps each route to one of these); it is never used alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.intune.access import ConditionalAccess
from simulator.intune.commands import Command, CommandQueue
from simulator.intune.connections import ConnectorRecord
from simulator.intune.errors import InvalidBody, InvalidSyncType, SyncNotFound
from simulator.intune.inventory import SYNC_TYPES, Inventory, SyncSession


class ConnectorCalls:
    """`IntuneService`'s connector routes (state made in the service's `__init__`)."""

    syncs: dict[str, SyncSession]
    inventory: Inventory
    access: ConditionalAccess
    commands: CommandQueue
    decisions: dict[str, str]
    readback: dict[str, tuple[datetime, dict[str, Any]]]
    new_guid: Callable[[], str]
    evaluate: Callable[[datetime], list[Command]]

    def heartbeat(self, record: ConnectorRecord, body: dict[str, Any], now: datetime) -> dict:
        health = body.get("health", "healthy")
        if health not in ("healthy", "unhealthy"):
            raise InvalidBody(f"health must be healthy or unhealthy, found {health!r}")
        record.healthy = health == "healthy"
        if not record.healthy:
            record.last_error = str(body.get("lastError") or "unhealthy")
            record.last_error_code = body.get("errorCode")
        if isinstance(body.get("exchangeServer"), str):
            record.power_shell_server = body["exchangeServer"]
        return {
            "status": record.status_at(now),
            "pendingCommands": len(self.commands.pending(record.scope)),
        }

    def status(self, record: ConnectorRecord, now: datetime) -> dict[str, Any]:
        return {
            "connectorId": record.connector_id,
            "status": record.status_at(now),
            "lastSyncDateTime": _iso(record.last_successful_sync),
            "lastSyncType": record.last_sync_type,
            "exchangeServer": record.server,
        }

    def policy(self) -> dict[str, Any]:
        return self.access.policy()

    def start_sync(self, record: ConnectorRecord, sync_type: str, now: datetime) -> SyncSession:
        if sync_type not in SYNC_TYPES:
            raise InvalidSyncType("syncType must be fullSync or deltaSync")
        session = SyncSession(
            self.new_guid(),
            record.connector_id,
            record.scope,
            sync_type,
            now,
            held=self.inventory.devices,
        )
        self.syncs[session.sync_id] = session
        record.last_sync_attempt = now
        return session

    def sync_session(self, record: ConnectorRecord, sync_id: str) -> SyncSession:
        session = self.syncs.get(sync_id)
        if session is None or session.connector_id != record.connector_id:
            raise SyncNotFound(f"No sync {sync_id} is open for this connector")
        return session

    def add_devices(self, session: SyncSession, devices: Any, now: datetime) -> int:
        if not isinstance(devices, list):
            raise InvalidBody("devices must be a list")
        return session.add(devices, now)

    def complete_sync(
        self, record: ConnectorRecord, session: SyncSession, body: dict[str, Any], now: datetime
    ) -> dict[str, Any]:
        outcome = body.get("outcome")
        if outcome not in ("success", "failure"):
            raise InvalidBody(f"outcome must be success or failure, found {outcome!r}")
        del self.syncs[session.sync_id]
        if outcome == "failure":
            record.last_sync_failed = True
            record.last_error = str(body.get("error") or "sync failed")
            record.last_error_code = body.get("errorCode")
        else:
            self.inventory.apply(session, now)
            if session.sync_type == "fullSync":
                record.exchange_servers = list(body.get("exchangeServers") or [])
            if isinstance(body.get("powerShellExchangeServer"), str):
                record.power_shell_server = body["powerShellExchangeServer"]
            record.last_sync_failed = False
            record.healthy = True  # a sync that just succeeded is newer news than any heartbeat
            record.last_error = None
            record.last_error_code = None
            record.last_successful_sync = now
            record.last_successful_sync_started = session.started
            record.last_sync_type = session.sync_type
            self.evaluate(now)
        return {
            "status": record.status_at(now),
            "lastSyncDateTime": _iso(record.last_successful_sync),
            "devices": self.inventory.count(record.scope),
        }

    def poll_commands(self, record: ConnectorRecord) -> list[Command]:
        return self.commands.pending(record.scope)

    def report_command(
        self, record: ConnectorRecord, command_id: str, body: dict[str, Any], now: datetime
    ) -> Command:
        """A command's result as the connector read it back from Exchange (commands.py)."""
        command = self.commands.complete(record.scope, command_id, body, now)
        device = command.device
        if command.state == "failed" and device and self.decisions.get(device) == command.type:
            del self.decisions[device]  # decided again, and so re-issued, at the next evaluation
        if device and command.updated_at == now and command.exchange:
            self.readback[device] = (now, command.exchange)
        if command.type == "cancelWipe" and command.state == "succeeded" and device:
            for wipe in self.commands.pending(command.scope):
                if wipe.device == device and wipe.type == "wipe":
                    self.commands.end(wipe, "cancelled", now)
        return command


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
