"""Intune as scenarios observe it (`intune.*`): the tenant, connections, inventory,
conditional access, enrolment, decisions and commands (`Observation.observe`, a part of
`IntuneService`), and Intune's record of one device (`intune.devices.by_id.<id>`).

What the Intune console shows of an Exchange ActiveSync device: its owner, platform, whether
it is enrolled and compliant, the access state Exchange last showed (from the connector's
last upload or its read-back after a command, whichever is newer), Intune's own access
decision, the state of its latest wipe (`issued`, `pending`, `succeeded`, `failed`,
`cancelled` — Graph's `wipeIssued`, `wipePending`, done, `wipeFailed`, `wipeCanceled`) and
when a connector sync last reported it. Entries are computed only when a path reaches them,
so observing a large inventory stays cheap.

Deviations: `last_sync` is when a connector sync last reported the device, not Exchange's
`LastSuccessSync` (the connector reads Get-ActiveSyncDevice, which does not carry it, and
reads statistics only for wipes); the access state is Exchange's as the connector last read
it, not live — for hours the phone itself may still get the cached access (SPEC R5.9).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.exchange.observe import LazyMap
from simulator.intune.access import ConditionalAccess, ManagedDevice, governable, platform_of
from simulator.intune.commands import ACCESS_COMMANDS, DEVICE_COMMANDS, Command, CommandQueue
from simulator.intune.connections import ConnectorRecord
from simulator.intune.inventory import Inventory
from simulator.intune.tenant import Tenant

if TYPE_CHECKING:
    from simulator.intune.service import IntuneService


class Observation:
    """`IntuneService.observe`: the `intune` root of observation paths (state made in the
    service's `__init__`)."""

    tenant: Tenant
    connectors: dict[str, ConnectorRecord]
    inventory: Inventory
    access: ConditionalAccess
    enrolled: dict[str, ManagedDevice]
    commands: CommandQueue
    decisions: dict[str, str]
    now: Callable[[], datetime]
    targeted: Callable[[], tuple[str, ...]]
    active_connectors: Callable[[], list[ConnectorRecord]]
    exchange_connection: Callable[[], ConnectorRecord | None]

    def observe(self, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.now()
        conn = self.exchange_connection()
        present = self.inventory.present()
        removed = self.inventory.removed()
        decisions: dict[str, int] = {}
        for access in self.decisions.values():
            decisions[access] = decisions.get(access, 0) + 1
        issued: dict[str, int] = {}
        for command in self.commands.commands.values():
            issued[command.type] = issued.get(command.type, 0) + 1
        tenant = self.tenant
        return {
            "tenant": tenant.name,
            "tenant_id": tenant.tenant_id,
            "mdm_authority": tenant.mdm_authority,
            "profile": tenant.profile,
            "exchange_online_connector": tenant.exchange_online_connector,
            "directory_sync": {
                "enabled": tenant.directory_sync,
                "interval_minutes": tenant.directory_sync_interval / 60,
                "last_sync": tenant.last_directory_sync,
                "users": len(tenant.users),
            },
            "licensed_users": {
                "count": len(tenant.licensed("intune")),
                "upns": list(tenant.licensed("intune")),
            },
            "targeted_users": {"count": len(self.targeted())},
            "connectors": len(self.connectors),
            "active_connectors": len(self.active_connectors()),
            "connections": [c.summary(now) for c in self.connectors.values()],
            "exchange_connection": None if conn is None else conn.summary(now),
            # every connection in force: one per organisation in 2018, one at most in 2016
            "exchange_connections": [c.summary(now) for c in self.active_connectors()],
            "inventory": {
                "count": len(present),
                "device_ids": sorted(present),
                "removed_count": len(removed),
                "removed_ids": removed,
            },
            "conditional_access": {
                "enabled": self.access.enabled,
                "unmanaged_device_access": self.access.unmanaged_access,
                "included_groups": list(self.access.included_groups),
                "excluded_groups": list(self.access.excluded_groups),
            },
            "enrolment": {
                "count": len(self.enrolled),
                "compliant": sum(1 for d in self.enrolled.values() if d.compliant),
                "noncompliant": sum(1 for d in self.enrolled.values() if not d.compliant),
            },
            "devices": {"by_id": LazyMap(device_ids(self), lambda key: device_entry(self, key))},
            "decisions": {a: decisions.get(a, 0) for a in ACCESS_COMMANDS},
            "decided_device_ids": sorted(self.decisions),
            "ungoverned_device_ids": sorted(k for k, r in present.items() if not governable(r)),
            "commands": {
                "pending": sum(1 for c in self.commands.commands.values() if c.open),
                "states": self.commands.counts(),
                "issued": dict(sorted(issued.items())),
            },
        }


def device_ids(service: IntuneService) -> list[str]:
    """Every device Intune has a record of: reported by a connector (removed ones included)
    or enrolled — in the order Intune learnt of them (not sorted: an inventory of a million
    is observed after every expectation's path reaches `intune`)."""
    held = service.inventory.devices
    return [*held, *(k for k in service.enrolled if k not in held)]


def _command(command: Command | None) -> dict[str, Any] | None:
    if command is None:
        return None
    return {
        "state": command.state,
        "issued": command.issued_at.isoformat(),
        "updated": _iso(command.updated_at),
        "completed": _iso(command.completed_at),
        "error": command.error,
        "exchange_status": command.exchange.get("wipeStatus"),
        "requested": command.exchange.get("wipeRequestTime"),
        "acknowledged": command.exchange.get("wipeAckTime"),
    }


def _access_state(
    service: IntuneService, key: str, record: dict[str, Any] | None
) -> tuple[Any, Any]:
    """Exchange's access state as Intune last learnt it, and its reason."""
    state = reason = None
    reported: datetime | None = None
    if record is not None:
        state = record.get("exchangeAccessState")
        reason = record.get("exchangeAccessStateReason")
        if record.get("lastReportedDateTime"):
            reported = datetime.fromisoformat(record["lastReportedDateTime"])
    readback = service.readback.get(key)
    if readback is not None and "deviceAccessState" in readback[1]:
        when, shown = readback
        if reported is None or when >= reported:
            state, reason = shown.get("deviceAccessState"), shown.get("deviceAccessStateReason")
    return state, reason


def device_entry(service: IntuneService, key: str) -> dict[str, Any]:
    record = service.inventory.devices.get(key)
    managed = service.enrolled.get(key)
    latest = service.commands.latest
    wipe = latest.get((key, "wipe"))
    access, reason = _access_state(service, key, record)
    owner = (record or {}).get("userPrincipalName") or (managed.upn if managed else None)
    device_type = str((record or {}).get("deviceType") or "")
    if managed is not None:
        compliance = "compliant" if managed.compliant else "notCompliant"
    else:
        compliance = "notEnrolled"
    last = max(
        (c for c in (latest.get((key, t)) for t in DEVICE_COMMANDS) if c is not None),
        key=lambda c: c.issued_at,
        default=None,
    )
    return {
        "exchange_device_id": (record or {}).get("exchangeDeviceId")
        or (managed.eas_device_id if managed else key),
        "owner": str(owner).lower() if owner else None,
        "platform": managed.platform if managed else (platform_of(device_type) if record else None),
        "device_type": device_type or None,
        "reported": record is not None and not record.get("removed"),
        "removed_at": (record or {}).get("removedDateTime"),
        "first_sync": (record or {}).get("firstSyncTime"),
        "last_sync": (record or {}).get("lastReportedDateTime"),
        "access_state": access,
        "access_state_reason": reason,
        "decision": service.decisions.get(key),
        "governed": record is None or governable(record),
        "enrolled": managed is not None,
        "compliant": managed.compliant if managed else None,
        "compliance": compliance,
        "wipe_state": wipe.state if wipe is not None else "none",
        "wipe": _command(wipe),
        "last_command": None if last is None else {"type": last.type, **(_command(last) or {})},
    }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None
