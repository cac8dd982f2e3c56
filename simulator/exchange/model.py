"""The Exchange organisation's state: servers, mailboxes with their CAS settings, ActiveSync
device partnerships, organisation settings, mailbox policies, device access rules, device
classes and the admin audit log.

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
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from simulator.exchange.rbac import RbacModel
from simulator.exchange.throttling import Throttling, ThrottlingPolicy
from simulator.exchange.versions import ExchangeVersion
from simulator.world.accounts import DirectoryUser
from simulator.world.directory import Directory

DEVICE_CONTAINER = "ExchangeActiveSyncDevices"
DEFAULT_ORGANIZATION = "First Organization"  # what Exchange setup names an organisation
ADMIN_GROUP_NAME = "Exchange Administrative Group (FYDIBOHF23SPDLT)"
ROLE_ORDER = ("Mailbox", "ClientAccess", "UnifiedMessaging", "HubTransport", "Edge")


def guid_bits(rng: random.Random) -> int:
    """A random version-4 GUID as an integer, drawn from `rng` (never from the OS)."""
    bits = rng.getrandbits(128)
    return (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)


def format_guid(value: int) -> str:
    """`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (what str(uuid.UUID) gives, several times faster)."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def parse_guid(text: str) -> int | None:
    """The integer of a GUID string, or None when `text` is not one."""
    text = text.strip().strip("{}")
    if len(text) != 36 or text.count("-") != 4:
        return None
    try:
        return uuid.UUID(text).int
    except ValueError:
        return None


@lru_cache(maxsize=256)
def dc_path(domain: str) -> str:
    return ",".join(f"DC={p}" for p in domain.split("."))


@lru_cache(maxsize=64)
def admin_group(organization: str) -> str:
    """The legacyExchangeDN prefix of everything in an organisation's (2007+) administrative
    group: `/o=<organisation>/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)`."""
    return f"/o={organization}/ou={ADMIN_GROUP_NAME}"


@dataclass(slots=True, eq=False)
class ExchangeServer:
    name: str
    fqdn: str
    domain: str
    roles: tuple[str, ...]
    version: ExchangeVersion
    guid: int
    site: str = "Default-First-Site-Name"
    edition: str = "Standard"
    organization: str = DEFAULT_ORGANIZATION  # set by `Organization.add_server`

    @property
    def is_client_access(self) -> bool:
        """Exchange 2016 folded the Client Access role into the Mailbox role."""
        return "ClientAccess" in self.roles or (self.version.product >= 2016 and self.is_mailbox)

    @property
    def is_mailbox(self) -> bool:
        return "Mailbox" in self.roles

    @property
    def display_roles(self) -> tuple[str, ...]:
        """Roles as `ServerRole` prints them: flag order; 2016+ shows Mailbox, not ClientAccess."""
        roles = set(self.roles)
        if self.version.product >= 2016 and "ClientAccess" in roles:
            roles.discard("ClientAccess")
            roles.add("Mailbox")
        return tuple(r for r in ROLE_ORDER if r in roles)

    @property
    def server_role(self) -> str:
        return ", ".join(self.display_roles)

    @property
    def distinguished_name(self) -> str:
        return (
            f"CN={self.name},CN=Servers,CN={ADMIN_GROUP_NAME},CN=Administrative Groups,"
            f"CN={self.organization},CN=Microsoft Exchange,CN=Services,"
            f"CN=Configuration,{dc_path(self.domain)}"
        )

    @property
    def legacy_dn(self) -> str:
        return f"{admin_group(self.organization)}/cn=Configuration/cn=Servers/cn={self.name}"


@dataclass(slots=True, eq=False)
class Mailbox:
    guid: int
    exchange_guid: int
    name: str
    alias: str
    display_name: str
    upn: str
    primary_smtp: str
    sam: str
    domain: str  # DNS name of the user's domain
    server: str  # name of the mailbox server
    database: str
    when_created: float
    when_changed: float
    ou: str = "Users"
    organization: str = DEFAULT_ORGANIZATION  # set by `Organization.add_mailbox`
    recipient_type_details: str = "UserMailbox"
    proxy_addresses: tuple[str, ...] = ()  # secondary SMTP addresses
    # the AD `mail` attribute (WindowsEmailAddress); None: the primary SMTP address, which is
    # what Exchange writes there whenever it sets the primary address
    windows_email_address: str | None = None
    email_address_policy_enabled: bool = True
    activesync_enabled: bool = True
    allowed_device_ids: list[str] = field(default_factory=list)
    blocked_device_ids: list[str] = field(default_factory=list)
    policy: MailboxPolicy | None = None  # None: the organisation's default (IsDefaulted)
    debug_logging: bool = False
    owa_enabled: bool = True
    owa_for_devices_enabled: bool = True
    ecp_enabled: bool = True
    pop_enabled: bool = True
    imap_enabled: bool = True
    mapi_enabled: bool = True
    ews_enabled: bool = True
    devices: list[Device] = field(default_factory=list)
    # An index for "devices changed since" filters (every quick sync's): never below the
    # WhenChanged of any of its devices (`Organization.add_device`, `.device_changed`), so a
    # mailbox below a filter's date holds no device that could match it.
    devices_changed: float = float("-inf")

    @property
    def identity(self) -> str:
        """The canonical name Exchange prints as Identity, e.g. `contoso.com/Users/Ann Lee`."""
        return f"{self.domain}/{self.ou}/{self.name}"

    @property
    def distinguished_name(self) -> str:
        return f"CN={self.name.replace(',', chr(92) + ',')},{self.ou_dn}"

    @property
    def ou_dn(self) -> str:
        container = "CN=Users" if self.ou == "Users" else f"OU={self.ou}"
        return f"{container},{dc_path(self.domain)}"

    @property
    def legacy_dn(self) -> str:
        return f"{admin_group(self.organization)}/cn=Recipients/cn={self.alias}"

    @property
    def netbios(self) -> str:
        return self.domain.split(".")[0].upper()

    @property
    def mail(self) -> str:
        """WindowsEmailAddress: the AD `mail` attribute."""
        address = self.windows_email_address
        return self.primary_smtp if address is None else address

    @property
    def email_addresses(self) -> list[str]:
        primary = f"SMTP:{self.primary_smtp}"
        if not self.proxy_addresses:
            return [primary]
        return [primary, *(f"smtp:{a}" for a in self.proxy_addresses)]

    @property
    def guid_text(self) -> str:
        return format_guid(self.guid)


class Scoped(Protocol):
    """What recipient read and write scopes look at: the object's domain and canonical name."""

    @property
    def domain(self) -> str: ...

    @property
    def identity(self) -> str: ...


@dataclass(frozen=True, slots=True)
class UserObject:
    """An AD user as Exchange's User object shows it (Get-User, Set-User): the directory
    account, and its mailbox when it has one (then the two are one AD object)."""

    user: DirectoryUser
    mailbox: Mailbox | None = None

    @property
    def name(self) -> str:
        return self.mailbox.name if self.mailbox is not None else self.user.display_name

    @property
    def domain(self) -> str:
        return self.user.domain

    @property
    def ou(self) -> str:
        return self.mailbox.ou if self.mailbox is not None else "Users"

    @property
    def identity(self) -> str:
        return f"{self.domain}/{self.ou}/{self.name}"

    @property
    def distinguished_name(self) -> str:
        if self.mailbox is not None:
            return self.mailbox.distinguished_name
        return f"CN={self.name.replace(',', chr(92) + ',')},CN=Users,{dc_path(self.domain)}"

    @property
    def guid(self) -> int:
        """The AD object's GUID: the mailbox's, or one derived from the account's name (a
        user without a mailbox has no GUID of its own in the twin; derived, never drawn)."""
        if self.mailbox is not None:
            return self.mailbox.guid
        return uuid.uuid5(uuid.NAMESPACE_URL, f"ad:{self.domain}\\{self.user.sam}".lower()).int

    @property
    def guid_text(self) -> str:
        return format_guid(self.guid)

    @property
    def recipient_type_details(self) -> str:
        if self.mailbox is not None:
            return self.mailbox.recipient_type_details
        return "User" if self.user.enabled else "DisabledUser"


@dataclass(slots=True, eq=False)
class Device:
    """One ActiveSync device partnership, and the handset behind it.

    The partnership is Exchange's object (`partnered`); the handset keeps living when the
    partnership is removed and recreates it at its next sync. Behaviour fields (`state`,
    `interval`, `next_sync`) belong to the fleet process; `served_*` and `cache_*` are what
    the device effectively got at its last contact (SPEC R5.9).
    """

    guid: int
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
    first_sync: float
    last_success_sync: float | None
    last_sync_attempt: float | None
    when_created: float
    when_changed: float
    client_type: str = "EAS"
    client_version: str = ""
    provisionable: bool = True
    xmswl_header: str = ""
    heartbeat: int | None = None
    last_policy_update: float | None = None
    discovery_until: float = float("-inf")
    wipe_requested: float | None = None
    wipe_sent: float | None = None
    wipe_ack: float | None = None
    wipe_requestor: str | None = None
    wipe_account_only: bool = False
    wipe_notify: tuple[str, ...] = ()
    recovery_password: str | None = None
    partnered: bool = True
    state: str = "active"  # the handset: active, offline, stale, wiped
    interval: float = 3600.0
    next_sync: float = 0.0
    slot: int = -1  # the fleet's timing-wheel slot the device is due in; -1: none
    back_at: float = 0.0
    served_state: str | None = None
    cache_state: str | None = None
    cache_reason: str | None = None
    cache_until: float = float("-inf")

    @property
    def name(self) -> str:
        return f"{self.device_type}§{self.device_id}"

    @property
    def identity(self) -> str:
        return f"{self.mailbox.identity}/{DEVICE_CONTAINER}/{self.name}"

    @property
    def distinguished_name(self) -> str:
        return f"CN={self.name},CN={DEVICE_CONTAINER},{self.mailbox.distinguished_name}"

    @property
    def guid_text(self) -> str:
        return format_guid(self.guid)

    @property
    def wipe_status(self) -> str:
        """`Status` (DeviceRemoteWipeStatus) of the statistics object."""
        if self.wipe_requested is None:
            return "DeviceOk"
        if self.wipe_ack is not None:
            return "DeviceWipeSucceeded"
        return "DeviceWipePending"

    @property
    def wipe_pending(self) -> bool:
        return self.wipe_requested is not None and self.wipe_ack is None


@dataclass(slots=True)
class OrganizationSettings:
    guid: int
    default_access_level: str = "Allow"
    user_mail_insert: str = ""
    admin_mail_recipients: list[str] = field(default_factory=list)
    ota_notification_mail_insert: str = ""
    allow_access_for_unsupported_platform: bool = False
    allow_rms_for_unenlightened_apps: bool = False
    device_filtering: str | None = None
    is_intune_managed: bool = False
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True, eq=False)
class MailboxPolicy:
    name: str
    guid: int
    is_default: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True, eq=False)
class DeviceAccessRule:
    name: str
    query_string: str
    characteristic: str  # DeviceType, DeviceModel, DeviceOS, UserAgent, XMSWLHeader
    access_level: str  # Allow, Block, Quarantine
    guid: int
    when_created: float = 0.0
    when_changed: float = 0.0


@dataclass(slots=True, eq=False)
class DeviceClass:
    device_type: str
    model: str
    guid: int
    last_update: float

    @property
    def name(self) -> str:
        return f"{self.device_type}§{self.model}"


@dataclass(slots=True)
class AuditEntry:
    """One admin audit log record (what Search-AdminAuditLog returns)."""

    time: float
    caller: str
    cmdlet: str
    parameters: dict[str, Any]
    object_modified: str
    succeeded: bool
    error: str = ""
    server: str = ""


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


class Organization:
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

    # -- mailboxes ------------------------------------------------------------------------------
    def add_mailbox(self, mailbox: Mailbox) -> None:
        mailbox.organization = self.name  # its legacyExchangeDN names the organisation
        self.mailboxes.append(mailbox)
        self._mailbox_guids[mailbox.guid] = mailbox
        self._mailbox_guids[mailbox.exchange_guid] = mailbox
        self._index(mailbox)

    def _keys(self, mailbox: Mailbox) -> list[str]:
        """The lower-case keys a mailbox is found by: name, alias, UPN, addresses, account."""
        seen: list[str] = []
        for text in (
            mailbox.name,
            mailbox.alias,
            mailbox.upn,
            mailbox.primary_smtp,
            mailbox.sam,
            *mailbox.proxy_addresses,
        ):
            key = text.lower()
            if key == text:
                key = text  # already lower-case: keep the one string, not a copy
            if key not in seen:
                seen.append(key)
        return seen

    def _index(self, mailbox: Mailbox) -> None:
        keys = self._mailbox_keys
        for key in self._keys(mailbox):
            bucket = keys.get(key)
            if bucket is None:  # one mailbox per key, nearly always: kept alone, not in a list
                keys[key] = mailbox
            elif type(bucket) is list:
                bucket.append(mailbox)
            else:
                keys[key] = [bucket, mailbox]

    def _unindex(self, mailbox: Mailbox) -> None:
        keys = self._mailbox_keys
        for key in self._keys(mailbox):
            bucket = keys.get(key)
            if bucket is mailbox:
                del keys[key]
            elif type(bucket) is list and mailbox in bucket:
                bucket.remove(mailbox)
                if len(bucket) == 1:
                    keys[key] = bucket[0]

    def readdress(
        self,
        mailbox: Mailbox,
        *,
        upn: str | None = None,
        primary: str | None = None,
        secondary: tuple[str, ...] | None = None,
    ) -> None:
        """Change what a mailbox is found by (its UPN, primary or secondary SMTP addresses),
        keeping the identity index true."""
        self._unindex(mailbox)
        if upn is not None:
            mailbox.upn = upn
        if primary is not None:
            mailbox.primary_smtp = primary
        if secondary is not None:
            mailbox.proxy_addresses = secondary
        self._index(mailbox)

    def address_owner(self, address: str) -> Mailbox | None:
        """The mailbox holding `address` as a primary or secondary SMTP address, if any."""
        low = address.lower()
        for mb in self._named(low):
            if mb.primary_smtp.lower() == low or any(a.lower() == low for a in mb.proxy_addresses):
                return mb
        return None

    def mailbox_of(self, user: DirectoryUser) -> Mailbox | None:
        """The mailbox of a directory user (by its domain and sAMAccountName), if it has one."""
        sam = user.sam.lower()
        return next(
            (m for m in self._named(sam) if m.sam.lower() == sam and m.domain == user.domain),
            None,
        )

    def users(self) -> Iterator[UserObject]:
        """Every AD user of the organisation's directory, with its mailbox when it has one."""
        directory = self.directory
        if directory is None:
            return iter(())
        others = self.other_forests  # another organisation's forest holds its own users
        return (
            UserObject(u, self.mailbox_of(u))
            for u in directory.users()
            if not others or _forest(directory, u.domain) not in others
        )

    def find_users(self, identity: str) -> list[UserObject]:
        """Every user `identity` names (UserIdParameter): a mailbox user by any of its mailbox
        identities; a user without a mailbox by DOMAIN\\user, UPN, sAMAccountName, name,
        canonical name, distinguished name or GUID."""
        found = [UserObject(self._user_of(m), m) for m in self.find_mailboxes(identity)]
        if self.directory is None:
            return found
        text = identity.strip()
        low = text.lower()
        guid = parse_guid(text)
        direct = self.directory.find(text) if ("\\" in text or "@" in text) else None
        if low.startswith("cn="):
            name = _first_rdn(text).lower()
        else:
            name = low.rsplit("/", 1)[-1]
        for user in self.directory.users():
            # cheap tests first: a directory of a million users is scanned for each identity
            if not (
                user is direct
                or user.sam.lower() == low
                or user.display_name.lower() == name
                or guid is not None
            ):
                continue
            mailbox = self.mailbox_of(user)
            if mailbox is not None:
                continue  # mailbox users were found above, by their mailbox's identities
            obj = UserObject(user)
            if (
                user is direct
                or user.sam.lower() == low
                or obj.name.lower() == low
                or obj.identity.lower() == low
                or obj.distinguished_name.lower() == low
                or (guid is not None and obj.guid == guid)
            ):
                found.append(obj)
        return found

    def _user_of(self, mailbox: Mailbox) -> DirectoryUser:
        user = None
        if self.directory is not None:
            user = self.directory.find(f"{mailbox.domain}\\{mailbox.sam}")
        if user is None:  # a mailbox built without a directory (unit tests of the model)
            user = DirectoryUser(mailbox.sam, mailbox.domain, mailbox.upn, mailbox.display_name)
        return user

    def directory_changed(self, user: DirectoryUser, attribute: str, old: str | None) -> None:
        """Active Directory told of a change: a mailbox is its AD user object, so Exchange
        sees a new UPN or `mail` attribute at once (`Directory.watchers`)."""
        mailbox = self.mailbox_of(user)
        if mailbox is None:
            return
        if attribute == "upn":
            self.readdress(mailbox, upn=user.upn)
        elif attribute == "mail":
            mail = user.mail
            mailbox.windows_email_address = None if mail == mailbox.primary_smtp else (mail or "")

    def _named(self, key: str) -> list[Mailbox] | tuple[Mailbox, ...]:
        """The mailboxes indexed under `key` (lower-case name, alias, address or account)."""
        bucket = self._mailbox_keys.get(key)
        if bucket is None:
            return ()
        return bucket if type(bucket) is list else (bucket,)

    def find_mailboxes(self, identity: str) -> list[Mailbox]:
        """Every mailbox `identity` names: Name, Alias, UPN, SMTP address, GUID, canonical
        name, distinguished name, DOMAIN\\user, sAMAccountName or legacyExchangeDN."""
        text = identity.strip()
        low = text.lower()
        guid = parse_guid(text)
        if guid is not None:
            found = self._mailbox_guids.get(guid)
            return [found] if found else []
        if low.startswith("smtp:"):
            low = low[5:]
        if "\\" in low and "/" not in low:
            netbios, sam = low.split("\\", 1)
            return [
                m for m in self._named(sam) if m.sam.lower() == sam and m.netbios.lower() == netbios
            ]
        if low.startswith("cn="):
            name = _first_rdn(text)
            return [m for m in self._named(name.lower()) if m.distinguished_name.lower() == low]
        if low.startswith("/o="):
            alias = low.rsplit("/cn=", 1)[-1]
            return [m for m in self._named(alias) if m.legacy_dn.lower() == low]
        if "/" in low:
            name = low.rsplit("/", 1)[-1]
            return [m for m in self._named(name) if m.identity.lower() == low]
        return list(self._named(low))

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


def _forest(directory: Directory, domain: str) -> str | None:
    """The forest root of a user's domain (None for a domain the directory does not hold)."""
    found = directory.domain(domain)
    return found.forest if found is not None else None


def _first_rdn(dn: str) -> str:
    """`CN=Lee\\, Ann,CN=Users,...` → `Lee, Ann` (escaped commas kept)."""
    value, i = [], 3
    while i < len(dn):
        ch = dn[i]
        if ch == "\\" and i + 1 < len(dn):
            value.append(dn[i + 1])
            i += 2
            continue
        if ch == ",":
            break
        value.append(ch)
        i += 1
    return "".join(value)
