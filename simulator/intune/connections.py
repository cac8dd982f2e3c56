"""Exchange connections: one record per connector registration, and its status (SPEC R3, R6).

Status is derived at the moment it is read, never stored stale: `replaced` and `deleted`
are final; otherwise a connector not heard from for three heartbeat intervals is
`disconnected`; so is one whose last sync failed (until a sync succeeds) or whose last
heartbeat reported it unhealthy (until a healthy heartbeat or a successful sync); otherwise
it is `connected`
once a sync has succeeded and `connectionPending` before.

The *scope* of a connection is what the one-connection rule counts in: the subscription in
profile 2016 (any new registration replaces the active one), the Exchange organisation in
profile 2018 (a second connector for the same organisation needs an explicit Replace).
The console lists every connection in force (`AdminConsole.exchange_connections`): one per
organisation in 2018, the subscription's one in 2016.

Deviations: an organisation is the name the connector reports at registration (the one in
its Exchange server's ExchangeLegacyDN, `/o=<name>/...`), compared without regard to case —
not an organisation GUID; so in profile 2016 a connector for another organisation replaces
the first exactly as one for the same organisation would, and in 2018 two forests whose
organisations share a name would count as one (the world refuses to build such a pair).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

HEARTBEAT_INTERVAL = timedelta(minutes=15)
COMMAND_POLL_INTERVAL = timedelta(minutes=5)
MISSED_HEARTBEATS = 3
SUBSCRIPTION_SCOPE = "subscription"
FINAL_STATES = ("replaced", "deleted")


def scope_of(profile: str, organization: str) -> str:
    return SUBSCRIPTION_SCOPE if profile == "2016" else f"org:{organization.lower()}"


@dataclass
class ConnectorRecord:
    connector_id: str
    token: str
    scope: str
    host: str
    server: str
    server_type: str
    service_account: str
    organization: str
    exchange_version: str
    version: str
    registered_at: datetime
    signed_in_as: str | None = None
    final_state: str | None = None  # replaced or deleted
    retired_at: datetime | None = None
    replaced_by: str | None = None
    last_contact: datetime | None = None
    healthy: bool = True
    last_sync_failed: bool = False
    last_sync_attempt: datetime | None = None
    last_successful_sync: datetime | None = None
    # when that sync opened: what it reported is Exchange as the connector read it then
    last_successful_sync_started: datetime | None = None
    last_sync_type: str | None = None
    last_error: str | None = None
    last_error_code: str | None = None
    power_shell_server: str | None = None
    exchange_servers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.final_state is None

    def retire(self, state: str, now: datetime, replaced_by: str | None = None) -> None:
        self.final_state = state
        self.retired_at = now
        self.replaced_by = replaced_by

    def status_at(self, now: datetime) -> str:
        if self.final_state is not None:
            return self.final_state
        silent_since = self.last_contact or self.registered_at
        if now - silent_since > MISSED_HEARTBEATS * HEARTBEAT_INTERVAL:
            return "disconnected"
        if self.last_sync_failed or not self.healthy:
            return "disconnected"
        return "connected" if self.last_successful_sync else "connectionPending"

    def summary(self, now: datetime) -> dict[str, Any]:
        """What the console and observation show of the connection."""
        return {
            "id": self.connector_id,
            "host": self.host,
            "server": self.server,
            "server_type": self.server_type,
            "account": self.service_account,
            "organization": self.organization,
            "version": self.version,
            "status": self.status_at(now),
            "registered_at": self.registered_at,
            "last_contact": self.last_contact,
            "last_successful_sync": self.last_successful_sync,
            "last_sync_type": self.last_sync_type,
            "last_error": self.last_error,
            "replaced_by": self.replaced_by,
        }
