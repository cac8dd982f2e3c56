"""The Exchange organisation: its servers, mailboxes, ActiveSync device partnerships,
organisation settings, mailbox policies, device access rules, device classes and admin audit
log, with the identity indexes that find them (the objects themselves: servers.py, mailbox.py,
device.py, settings.py; their names: naming.py; the recipients and their indexes:
recipient_index.py).

Built for scale (benchmarked at 1,000,000 devices): slotted dataclasses; times stored as float
seconds of the simulated clock (converted to aware datetimes only when an object is shown);
GUIDs stored as 128-bit integers and formatted on demand; identity indexes keep only the keys
that cannot be derived (name, alias, SMTP, sAMAccountName), and the long forms (canonical
name, distinguished name, legacyExchangeDN) are parsed back to those keys when looked up.

Device access is derived, never stored: `simulator.exchange.access` evaluates Exchange's fixed
order each time it is asked. What a device *effectively* gets is a separate, cached answer
(SPEC R5.9), kept on the device.

Deviations: the organisation has one domain controller, `dc01.<domain>`, named in errors; the
`HasActiveSyncDevicePartnership` flag is always accurate (Exchange 2013 can leave it stale
until `-RecalculateHasActiveSyncDevicePartnership`).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from simulator.exchange.device import Device, DeviceClass
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.naming import admin_group, dc_path, guid_bits
from simulator.exchange.rbac import RbacModel
from simulator.exchange.recipient_index import Recipients
from simulator.exchange.servers import ExchangeServer
from simulator.exchange.settings import (
    AuditEntry,
    DeviceAccessRule,
    MailboxPolicy,
    OrganizationSettings,
)
from simulator.exchange.throttling import Throttling, ThrottlingPolicy
from simulator.world.directory import Directory

_CHARACTERISTIC_FIELD = {
    "DeviceType": "device_type",
    "DeviceModel": "model",
    "DeviceOS": "os",
    "UserAgent": "user_agent",
    "XMSWLHeader": "xmswl_header",
}


def _changed_since_index(mailbox: Mailbox, when: float) -> None:
    """Keep `Mailbox.devices_changed` at or above the WhenChanged of each of its devices."""
    if when > mailbox.devices_changed:
        mailbox.devices_changed = when


class Organization(Recipients):
    """One Exchange organisation: its configuration objects, recipients and partnerships."""

    def __init__(self, name: str, domain: str, epoch: datetime) -> None:
        self.name = name
        self.domain = domain.lower()
        self.epoch = epoch
        self.servers: list[ExchangeServer] = []
        self.mailboxes: list[Mailbox] = []
        self._mailbox_keys: dict[str, Mailbox | list[Mailbox]] = {}  # a list only when shared
        self._mailbox_guids: dict[int, Mailbox] = {}
        self._device_guids: dict[int, Device] = {}
        self._device_ids: dict[str, Device | list[Device]] = {}  # a list only when shared
        self.settings = OrganizationSettings(guid=0)
        self.policies: list[MailboxPolicy] = []
        self.rules: list[DeviceAccessRule] = []
        self._rule_index: dict[tuple[str, str], list[DeviceAccessRule]] | None = None
        self.device_classes: dict[tuple[str, str], DeviceClass] = {}
        self.audit_log: list[AuditEntry] = []
        self.domain_controller = f"dc01.{self.domain}"
        self.cas_arrays: list[str] = []  # names of Client Access arrays (not one server)
        self.access_cache_seconds = 6 * 3600.0  # SPEC R5.9
        self.discovery_seconds = 14 * 60.0  # the Device Discovery transient
        self.rbac = RbacModel()
        # forests holding another organisation of the world: their accounts' role groups are
        # that organisation's, not this one's (simulator/exchange/organizations.py)
        self.other_forests: frozenset[str] = frozenset()
        # the Active Directory the recipients live in (set when the world is built): Set-User
        # and Set-Mailbox write UPN and `mail` there, and its changes come back at once
        self.directory: Directory | None = None
        self.throttling = Throttling(ThrottlingPolicy())
        # objects created by cmdlets draw their GUIDs here; the world gives it a seeded generator
        self.rng = random.Random(f"{name}:{domain}")
        # output objects kept for reuse while their mailbox is unchanged (views.cas_mailbox_view)
        self.view_cache: dict[Mailbox, tuple[Any, dict[str, Any]]] = {}

    def new_guid(self) -> int:
        return guid_bits(self.rng)

    # -- time ----------------------------------------------------------------------------------
    def dt(self, seconds: float | None) -> datetime | None:
        """Simulated seconds → the aware UTC datetime an output object shows."""
        # positional: the same timedelta, built faster than with `seconds=` (once per shown time)
        return None if seconds is None else self.epoch + timedelta(0, seconds)

    # -- configuration names --------------------------------------------------------------------
    @property
    def admin_group(self) -> str:
        """`/o=<name>/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)`: the legacyExchangeDN
        prefix of the organisation's servers and recipients."""
        return admin_group(self.name)

    @property
    def legacy_dn(self) -> str:
        return f"/o={self.name}"

    @property
    def guid(self) -> int:
        """The organisation container's objectGUID: derived from its ActiveSync settings' GUID
        (drawn when the organisation is built) rather than drawn itself, so that adding it left
        every other object's GUID as it was."""
        return self.settings.guid ^ (1 << 125)

    @property
    def config_dn(self) -> str:
        return f"CN={self.name},CN=Microsoft Exchange,CN=Services,CN=Configuration,{dc_path(self.domain)}"

    @property
    def mobile_settings_dn(self) -> str:
        return f"CN=Mobile Mailbox Settings,{self.config_dn}"

    def policy_dn(self, name: str) -> str:
        return f"CN={name},CN=Mobile Mailbox Policies,{self.config_dn}"

    def rule_dn(self, name: str) -> str:
        return f"CN={name},CN=Mobile Mailbox Settings,{self.config_dn}"

    def device_class_dn(self, name: str) -> str:
        return f"CN={name},CN=ExchangeDeviceClasses,CN=Mobile Mailbox Settings,{self.config_dn}"

    # -- servers -----------------------------------------------------------------------------
    def add_server(self, server: ExchangeServer) -> None:
        server.organization = self.name
        self.servers.append(server)

    def server(self, name: str) -> ExchangeServer | None:
        name = name.lower()
        return next(
            (s for s in self.servers if s.name.lower() == name or s.fqdn.lower() == name), None
        )

    # -- devices -------------------------------------------------------------------------------
    def devices(self) -> list[Device]:
        return [d for mb in self.mailboxes for d in mb.devices]

    def device_count(self) -> int:
        return len(self._device_guids)

    def add_device(self, device: Device) -> None:
        """Create the partnership (a new device, or a removed one syncing again)."""
        device.partnered = True
        device.mailbox.devices.append(device)
        _changed_since_index(device.mailbox, device.when_changed)
        self._device_guids[device.guid] = device
        key = device.device_id.lower()
        ids = self._device_ids
        bucket = ids.get(key)
        if bucket is None:  # one device per id, nearly always: kept alone, not in a list
            ids[device.device_id if key == device.device_id else key] = device
        elif type(bucket) is list:
            bucket.append(device)
        else:
            ids[key] = [bucket, device]
        self.touch_device_class(device, device.first_sync)

    def device_changed(self, device: Device, when: float) -> None:
        """The partnership object changed at `when` (its WhenChanged): the only way to set it
        once the device is in the organisation, so that its mailbox's index follows."""
        device.when_changed = when
        _changed_since_index(device.mailbox, when)

    def remove_device(self, device: Device) -> None:
        """Delete the partnership; the handset itself lives on (see `Device`)."""
        device.partnered = False
        device.mailbox.devices.remove(device)
        self._device_guids.pop(device.guid, None)
        key = device.device_id.lower()
        bucket = self._device_ids.get(key)
        if bucket is device:
            del self._device_ids[key]
        elif type(bucket) is list:
            if device in bucket:
                bucket.remove(device)
            if not bucket:
                del self._device_ids[key]

    def device_by_guid(self, guid: int) -> Device | None:
        return self._device_guids.get(guid)

    def devices_by_device_id(self, device_id: str) -> list[Device]:
        bucket = self._device_ids.get(device_id.lower())
        if bucket is None:
            return []
        return list(bucket) if type(bucket) is list else [bucket]

    def touch_device_class(self, device: Device, when: float) -> None:
        """Record the device's (type, model) class, as Exchange does on a device's contact."""
        key = (device.device_type, device.model)
        known = self.device_classes.get(key)
        if known is None:
            # the class GUID derives from the first device of the class, so no generator is needed
            self.device_classes[key] = DeviceClass(
                device.device_type, device.model, device.guid ^ (1 << 127), when
            )
        elif when > known.last_update:
            known.last_update = when

    # -- policies and rules ------------------------------------------------------------------------
    def default_policy(self) -> MailboxPolicy | None:
        for policy in self.policies:  # a loop, not next(genexpr): asked once per output object
            if policy.is_default:
                return policy
        return None

    def policy_of(self, mailbox: Mailbox) -> MailboxPolicy | None:
        return mailbox.policy if mailbox.policy is not None else self.default_policy()

    def rules_changed(self) -> None:
        self._rule_index = None

    def matching_rules(self, device: Device) -> list[DeviceAccessRule]:
        """The device access rules whose characteristic equals the device's (case-insensitive)."""
        index = self._rule_index
        if index is None:
            index = {}
            for rule in self.rules:
                index.setdefault((rule.characteristic, rule.query_string.lower()), []).append(rule)
            self._rule_index = index
        if not index:
            return []
        out: list[DeviceAccessRule] = []
        for characteristic, attr in _CHARACTERISTIC_FIELD.items():
            value = getattr(device, attr)
            if value:
                out.extend(index.get((characteristic, value.lower()), ()))
        return out

    # -- audit ---------------------------------------------------------------------------------------
    def audit(self, entry: AuditEntry) -> None:
        self.audit_log.append(entry)
