"""The device inventory Intune builds from the connectors' uploads (SPEC R5).

A sync is opened, fed pages of device records, then completed. Records are keyed by
`exchangeDeviceId`, case-insensitively, so a page sent twice changes nothing. On success a
**full** sync makes the scope's inventory equal to its snapshot — a device it no longer
contains is kept, marked removed, with the time it disappeared — and a **delta** sync
applies its records and its `{exchangeDeviceId, removed: true}` entries. A failed sync
changes nothing. Each device belongs to the scope of the connector that reported it (the
subscription in profile 2016, an Exchange organisation in 2018), and a full snapshot only
speaks for its own scope. A delta may also withdraw a user — `{userPrincipalName, removed:
true}`, for a user no longer licensed or targeted — which marks every device of that user in
the scope removed, unless the same delta reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from sys import intern
from typing import Any

from simulator.intune.errors import InvalidDevice

SYNC_TYPES = ("fullSync", "deltaSync")
# Fields whose values a whole fleet shares (a few device types, models, OS versions, user
# agents, access states): kept once, not once per device, in an inventory of a million
_SHARED_FIELDS = (
    "userPrincipalName",
    "deviceType",
    "deviceModel",
    "deviceOS",
    "userAgent",
    "friendlyName",
    "exchangeAccessState",
    "exchangeAccessStateReason",
)


# What Intune adds to a reported record; everything else is what the connector reported
_MANAGED_FIELDS = ("lastReportedDateTime", "scope", "removed")


class Unchanged:
    """A reported record equal to what the inventory already holds for the device: staged
    as a reference to that record and the time it was reported, not as a copy (a daily full
    sync reports a million devices, nearly all unchanged; copies would hold two inventories
    at once). Applying it touches the held record; a failed sync leaves it as it was."""

    __slots__ = ("record", "reported")

    def __init__(self, record: dict[str, Any], reported: str) -> None:
        self.record = record
        self.reported = reported


WITHDRAWN = object()  # staged for a user withdrawn by a delta


@dataclass
class SyncSession:
    sync_id: str
    connector_id: str
    scope: str
    sync_type: str
    started: datetime
    devices: dict[str, dict[str, Any] | Unchanged] = field(default_factory=dict)  # lower id ->
    removed: set[str] = field(default_factory=set)  # lower ids (delta only)
    withdrawn: set[str] = field(default_factory=set)  # lower UPNs whose devices go (delta only)
    held: dict[str, dict[str, Any]] = field(default_factory=dict)  # the inventory's records

    def add(self, records: list[Any], now: datetime) -> int:
        """Validate and keep one page; return how many distinct devices the sync holds."""
        staged: list[tuple[str, Any]] = []
        reported = now.isoformat()
        held, scope = self.held, self.scope
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise InvalidDevice(f"devices[{index}] is not an object")
            device_id = record.get("exchangeDeviceId")
            if (
                device_id is None
                and record.get("removed") is True
                and "userPrincipalName" in record
            ):
                upn = record["userPrincipalName"]
                if not isinstance(upn, str) or not upn.strip():
                    raise InvalidDevice(f"devices[{index}] needs a userPrincipalName to withdraw")
                if self.sync_type == "fullSync":
                    raise InvalidDevice(
                        f"devices[{index}]: a full snapshot lists present devices; "
                        "withdrawals belong to delta syncs"
                    )
                staged.append((upn.lower(), WITHDRAWN))
                continue
            if not isinstance(device_id, str) or not device_id.strip():
                raise InvalidDevice(f"devices[{index}] needs an exchangeDeviceId")
            if record.get("removed") is True:
                if self.sync_type == "fullSync":
                    raise InvalidDevice(
                        f"devices[{index}]: a full snapshot lists present devices; "
                        "removals belong to delta syncs"
                    )
                staged.append((device_id.lower(), None))
            else:
                key = device_id.lower()
                current = held.get(key)
                if (
                    current is not None
                    and current["scope"] == scope
                    and not current["removed"]
                    and len(current) == len(record) + len(_MANAGED_FIELDS)
                    and all(current.get(name) == value for name, value in record.items())
                ):
                    staged.append((key, Unchanged(current, reported)))
                    continue
                kept = {**record, "lastReportedDateTime": reported}
                get = kept.get
                for name in _SHARED_FIELDS:
                    value = get(name)
                    if value.__class__ is str:
                        kept[name] = intern(value)
                staged.append((key, kept))
        for key, record in staged:  # all or nothing: a bad page changes nothing
            if record is WITHDRAWN:
                self.withdrawn.add(key)
            elif record is None:
                self.removed.add(key)
                self.devices.pop(key, None)
            else:
                self.removed.discard(key)
                self.devices[key] = record
        return len(self.devices) + len(self.removed)


class Inventory:
    def __init__(self) -> None:
        self.devices: dict[str, dict[str, Any]] = {}  # lower id -> record (with scope, removed)
        self._present = 0  # how many records are not removed (asked after every connector job)
        self._by_scope: dict[str, int] = {}  # the same, per scope (asked after every sync)

    def apply(self, session: SyncSession, now: datetime) -> None:
        """Apply a successfully completed sync."""
        scope = session.scope
        if session.sync_type == "fullSync":
            for key, record in self.devices.items():
                if (
                    record["scope"] == scope
                    and not record["removed"]
                    and key not in session.devices
                ):
                    self._mark_removed(record, now)
        devices = self.devices
        by_scope = self._by_scope
        added = 0
        for key, staged in session.devices.items():
            previous = devices.get(key)
            if previous is None or previous["removed"]:
                added += 1
            else:  # held already: it may move from another scope
                by_scope[previous["scope"]] -= 1
            by_scope[scope] = by_scope.get(scope, 0) + 1
            if isinstance(staged, Unchanged):
                record = staged.record
                if previous is not record:  # replaced since it was reported: a record of its own
                    record = dict(record)
                record["lastReportedDateTime"] = staged.reported
                record.pop("removedDateTime", None)  # as a fresh record would have it
            else:
                record = staged
            # the session's own record becomes the inventory's (the session ends here): at a
            # million devices a copy would hold two inventories at once
            record["scope"] = scope
            record["removed"] = False
            devices[key] = record
        self._present += added
        for key in sorted(session.removed):
            record = self.devices.get(key)
            if record is not None and record["scope"] == scope and not record["removed"]:
                self._mark_removed(record, now)
        if session.withdrawn:  # users no longer licensed or targeted: all their devices go
            withdrawn = session.withdrawn
            for key, record in self.devices.items():
                if (
                    record["scope"] == scope
                    and not record["removed"]
                    and key not in session.devices
                    and str(record.get("userPrincipalName") or "").lower() in withdrawn
                ):
                    self._mark_removed(record, now)

    def _mark_removed(self, record: dict[str, Any], now: datetime) -> None:
        record["removed"] = True
        record["removedDateTime"] = now.isoformat()
        self._present -= 1
        self._by_scope[record["scope"]] -= 1

    def __len__(self) -> int:
        """How many devices Intune holds (not removed)."""
        return self._present

    def present(self, scope: str | None = None) -> dict[str, dict[str, Any]]:
        """Devices not removed (of one scope, or all), by lower-case id."""
        return {
            k: r
            for k, r in self.devices.items()
            if not r["removed"] and (scope is None or r["scope"] == scope)
        }

    def count(self, scope: str) -> int:
        """How many devices of `scope` Intune holds (`len(present(scope))`, kept as records
        come and go: it is asked at the end of every sync)."""
        return self._by_scope.get(scope, 0)

    def removed(self) -> list[str]:
        return sorted(k for k, r in self.devices.items() if r["removed"])

    def get(self, device_id: str) -> dict[str, Any] | None:
        record = self.devices.get(device_id.lower())
        return None if record is None or record["removed"] else record
