"""The Exchange organisation's state: servers, mailboxes with their CAS settings, ActiveSync
device partnerships, organisation settings, mailbox policies, device access rules and device
classes, plus the admin audit log.

Device access is derived, never stored: `Organization.access` evaluates Exchange's fixed order
(SPEC R7.1; reference/connector-behaviour.md §4, ABQ order) each time it is asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.exchange.rbac import RbacModel
from simulator.exchange.versions import ExchangeVersion

DEVICE_CONTAINER = "ExchangeActiveSyncDevices"


@dataclass(slots=True)
class ExchangeServer:
    name: str
    fqdn: str
    domain: str
    roles: tuple[str, ...]
    version: ExchangeVersion
    guid: str
    site: str = "Default-First-Site-Name"
    edition: str = "Standard"

    @property
    def is_client_access(self) -> bool:
        return "ClientAccess" in self.roles or (
            self.version.product >= 2016 and "Mailbox" in self.roles
        )

    @property
    def server_role(self) -> str:
        return ", ".join(self.roles)


@dataclass(slots=True)
class Mailbox:
    guid: str
    exchange_guid: str
    name: str
    alias: str
    display_name: str
    upn: str
    primary_smtp: str
    sam: str
    domain: str  # DNS name of the user's domain
    server: str  # name of the mailbox server
    database: str
    when_created: datetime
    when_changed: datetime
    ou: str = "Users"
    activesync_enabled: bool = True
    allowed_device_ids: list[str] = field(default_factory=list)
    blocked_device_ids: list[str] = field(default_factory=list)
    policy: str | None = None  # None: the organisation's default policy (IsDefaulted)
    recipient_type_details: str = "UserMailbox"
    devices: list[Device] = field(default_factory=list)

    @property
    def identity(self) -> str:
        """The canonical name Exchange prints as Identity, e.g. `contoso.com/Users/Ann Lee`."""
        return f"{self.domain}/{self.ou}/{self.name}"

    @property
    def distinguished_name(self) -> str:
        dcs = ",".join(f"DC={p}" for p in self.domain.split("."))
        return f"CN={self.name},CN={self.ou},{dcs}"

    @property
    def legacy_dn(self) -> str:
        return f"/o=First Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={self.alias}"


@dataclass(slots=True)
class Device:
    guid: str
    mailbox: Mailbox
    device_id: str
    device_type: str
    model: str
    os: str
    user_agent: str
    friendly_name: str
    imei: str
    operator: str
    phone: str
    os_language: str
    eas_version: str
    first_sync: datetime
    last_success_sync: datetime
    when_created: datetime
    when_changed: datetime
    client_type: str = "EAS"
    wipe_requested: datetime | None = None
    wipe_sent: datetime | None = None
    wipe_ack: datetime | None = None
    wipe_requestor: str | None = None

    @property
    def name(self) -> str:
        return f"{self.device_type}§{self.device_id}"

    @property
    def identity(self) -> str:
        return f"{self.mailbox.identity}/{DEVICE_CONTAINER}/{self.name}"


@dataclass
class OrganizationSettings:
    default_access_level: str = "Allow"
    user_mail_insert: str = ""
    admin_mail_recipients: list[str] = field(default_factory=list)
    ota_notification_mail_insert: str = ""
    allow_access_for_unsupported_platform: bool = True
    is_intune_managed: bool = False
    when_changed: datetime | None = None


@dataclass
class MailboxPolicy:
    name: str
    guid: str
    is_default: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    when_changed: datetime | None = None


@dataclass
class DeviceAccessRule:
    query_string: str
    characteristic: str  # DeviceType, DeviceModel, DeviceOS, UserAgent, XMSWLHeader
    access_level: str  # Allow, Block, Quarantine
    guid: str
    when_changed: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.query_string} ({self.characteristic})"


@dataclass(frozen=True)
class AuditEntry:
    time: datetime
    caller: str
    cmdlet: str
    parameters: dict[str, Any]
    object_modified: str
    succeeded: bool
    error: str = ""


_CHARACTERISTIC_FIELD = {
    "DeviceType": "device_type",
    "DeviceModel": "model",
    "DeviceOS": "os",
    "UserAgent": "user_agent",
}


class Organization:
    def __init__(self, name: str, domain: str) -> None:
        self.name = name
        self.domain = domain.lower()
        self.servers: list[ExchangeServer] = []
        self.mailboxes: list[Mailbox] = []
        self._mailbox_keys: dict[str, list[Mailbox]] = {}
        self.settings = OrganizationSettings()
        self.policies: list[MailboxPolicy] = []
        self.rules: list[DeviceAccessRule] = []
        self.audit_log: list[AuditEntry] = []
        self.domain_controller = f"dc01.{self.domain}"
        self.cas_arrays: list[str] = []  # names of Client Access arrays (not one server)
        self.rbac = RbacModel()

    # -- servers -----------------------------------------------------------------------------
    def add_server(self, server: ExchangeServer) -> None:
        self.servers.append(server)

    def server(self, name: str) -> ExchangeServer | None:
        name = name.lower()
        return next(
            (s for s in self.servers if s.name.lower() == name or s.fqdn.lower() == name), None
        )

    @property
    def legacy_dn_org(self) -> str:
        return "/o=First Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"

    # -- mailboxes ------------------------------------------------------------------------------
    def add_mailbox(self, mailbox: Mailbox) -> None:
        self.mailboxes.append(mailbox)
        for key in self._keys(mailbox):
            self._mailbox_keys.setdefault(key, []).append(mailbox)

    @staticmethod
    def _keys(mb: Mailbox) -> set[str]:
        netbios = mb.domain.split(".")[0]
        return {
            k.lower()
            for k in (
                mb.name,
                mb.alias,
                mb.upn,
                mb.primary_smtp,
                mb.guid,
                mb.identity,
                mb.distinguished_name,
                f"{netbios}\\{mb.sam}",
                mb.sam,
                mb.legacy_dn,
            )
        }

    def find_mailboxes(self, identity: str) -> list[Mailbox]:
        return list(self._mailbox_keys.get(identity.lower().strip(), []))

    def devices(self) -> list[Device]:
        return [d for mb in self.mailboxes for d in mb.devices]

    def add_device(self, device: Device) -> None:
        device.mailbox.devices.append(device)

    def remove_device(self, device: Device) -> None:
        device.mailbox.devices.remove(device)

    def default_policy(self) -> MailboxPolicy | None:
        return next((p for p in self.policies if p.is_default), None)

    # -- access decisions -----------------------------------------------------------------------
    def access(self, device: Device) -> tuple[str, str, DeviceAccessRule | None]:
        """(DeviceAccessState, DeviceAccessStateReason, rule) in Exchange's order (SPEC R7.1)."""
        mb = device.mailbox
        if not mb.activesync_enabled:
            return "Blocked", "Individual", None
        did = device.device_id.lower()
        if any(x.lower() == did for x in mb.blocked_device_ids):
            return "Blocked", "Individual", None
        if any(x.lower() == did for x in mb.allowed_device_ids):
            return "Allowed", "Individual", None
        for level in ("Block", "Quarantine", "Allow"):
            for rule in self.rules:
                if rule.access_level == level and self._rule_matches(rule, device):
                    return _STATE_OF_LEVEL[level], "DeviceRule", rule
        return _STATE_OF_LEVEL[self.settings.default_access_level], "Global", None

    @staticmethod
    def _rule_matches(rule: DeviceAccessRule, device: Device) -> bool:
        attr = _CHARACTERISTIC_FIELD.get(rule.characteristic)
        return attr is not None and getattr(device, attr) == rule.query_string


_STATE_OF_LEVEL = {"Allow": "Allowed", "Block": "Blocked", "Quarantine": "Quarantined"}
