"""Mailboxes with their CAS settings, and AD users as Exchange's User object shows them.

Slotted dataclasses, built for scale: times are float seconds of the simulated clock, GUIDs
integers; the long forms of a name (canonical name, distinguished name, legacyExchangeDN) are
derived on demand, never stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from simulator.exchange.naming import DEFAULT_ORGANIZATION, admin_group, dc_path, format_guid
from simulator.exchange.settings import MailboxPolicy
from simulator.world.accounts import DirectoryUser

if TYPE_CHECKING:
    from simulator.exchange.device import Device


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
