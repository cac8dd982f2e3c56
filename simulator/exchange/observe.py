"""What scenarios can observe of the Exchange organisation (`exchange.*` expectation paths).

`exchange.devices.by_id.<device id>` gives one device: what Exchange reports (`reported`,
`reason`, `rule`) and what the device effectively gets (`effective`: the access a contact now
would get, from the access cache; `served`: what it got at its last contact) — the two differ
for hours after a change (SPEC R5.9). `exchange.access.reported` / `.effective` count devices
per state; `exchange.audit_log` holds the admin audit log (`count`, `cmdlets`, `entries`).
Per-device entries are computed only when a path reaches them, so observing a large
organisation stays cheap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from simulator.exchange.access import decide
from simulator.exchange.behaviour import Fleet
from simulator.exchange.model import Device, Mailbox, Organization


class LazyMap(dict[str, Any]):
    """A dict whose values are computed when read (keys are known up front)."""

    def __init__(self, keys: list[str], compute: Callable[[str], Any]) -> None:
        super().__init__(dict.fromkeys(keys))
        self._compute = compute

    def __getitem__(self, key: str) -> Any:
        if not dict.__contains__(self, key):
            raise KeyError(key)
        return self._compute(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (self[k] for k in self)

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((k, self[k]) for k in self)

    def __repr__(self) -> str:
        return (
            f"<{len(self)} entries: {', '.join(list(self)[:5])}{', ...' if len(self) > 5 else ''}>"
        )


def effective_state(org: Organization, device: Device, now: float) -> str:
    """The access a contact at `now` would get, without recording it."""
    if now < device.cache_until and device.cache_state is not None:
        return device.cache_state
    if not device.mailbox.activesync_enabled:
        return "Blocked"
    return decide(org, device, now).state


def device_entry(org: Organization, device: Device, now: float) -> dict[str, Any]:
    decision = decide(org, device, now)
    return {
        "device_id": device.device_id,
        "mailbox": device.mailbox.primary_smtp,
        "partnership": device.partnered,
        "handset": device.state,
        "reported": decision.state if device.partnered else None,
        "reason": decision.reason if device.partnered else None,
        "rule": decision.rule.name if decision.rule else None,
        "effective": effective_state(org, device, now),
        "served": device.served_state,
        "status": device.wipe_status,
        "first_sync": org.dt(device.first_sync),
        "last_success_sync": org.dt(device.last_success_sync),
        "last_sync_attempt": org.dt(device.last_sync_attempt),
        "wipe_requested": org.dt(device.wipe_requested),
        "wipe_acknowledged": org.dt(device.wipe_ack),
    }


def mailbox_entry(mb: Mailbox) -> dict[str, Any]:
    """A mailbox's addresses as Get-Mailbox shows them (what R5.4 matching depends on)."""
    return {
        "upn": mb.upn,
        "primary_smtp": mb.primary_smtp,
        "windows_email_address": mb.mail,
        "email_addresses": mb.email_addresses,
        "email_address_policy_enabled": mb.email_address_policy_enabled,
        "smtp_is_upn": mb.primary_smtp.lower() == mb.upn.lower(),
    }


def observe_exchange(org: Organization, fleet: Fleet | None, now: float) -> dict[str, Any]:
    partnered = org.devices()
    handsets = fleet.devices if fleet is not None else partnered
    by_id: dict[str, Device] = {}
    for device in handsets:
        by_id.setdefault(device.device_id.lower(), device)
    reported = Counter(decide(org, d, now).state for d in partnered)
    by_alias = {mb.alias.lower(): mb for mb in org.mailboxes}
    effective = Counter(effective_state(org, d, now) for d in handsets if d.state == "active")
    return {
        "organization": org.name,
        "servers": [
            {
                "name": s.name,
                "fqdn": s.fqdn,
                "version": s.version.admin_display_version,
                "roles": s.server_role,
            }
            for s in org.servers
        ],
        "mailboxes": {
            "count": len(org.mailboxes),
            "by_alias": LazyMap(sorted(by_alias), lambda key: mailbox_entry(by_alias[key])),
        },
        "devices": {
            "count": len(partnered),
            "device_ids": sorted(d.device_id.lower() for d in partnered),
            "by_id": LazyMap(sorted(by_id), lambda key: device_entry(org, by_id[key], now)),
            "handsets": dict(Counter(d.state for d in handsets)),
        },
        "access": {"reported": dict(reported), "effective": dict(effective)},
        "settings": {"default_access_level": org.settings.default_access_level},
        "rules": [r.name for r in org.rules],
        "policies": [p.name for p in org.policies],
        "device_classes": sorted(c.name for c in org.device_classes.values()),
        "audit_log": {
            "count": len(org.audit_log),
            "cmdlets": [e.cmdlet for e in org.audit_log],
            "entries": [
                {
                    "time": org.dt(e.time),
                    "caller": e.caller,
                    "cmdlet": e.cmdlet,
                    "object": e.object_modified,
                    "parameters": sorted(e.parameters),
                    "succeeded": e.succeeded,
                    "error": e.error,
                    "server": e.server,
                }
                for e in org.audit_log
            ],
        },
        "fleet": dict(fleet.stats) if fleet is not None else {},
    }
