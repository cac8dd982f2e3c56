"""Recipient cmdlets: Get-Recipient, Get-CASMailbox and Set-CASMailbox."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    ENTRY_BASE_PARAMETERS,
    RECIPIENT_READERS,
    filtered,
    limit,
    no_change,
    sort_by,
    update_multivalued,
)
from simulator.exchange.errors import InvalidArgument, ObjectNotFound
from simulator.exchange.identity import resolve_mailbox, resolve_policy, visible_mailboxes
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.recipient_views import (
    cas_filter_getters,
    cas_mailbox_view,
    recipient_filter_getters,
    recipient_view,
)
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

RECIPIENT_TYPES = (
    "DynamicDistributionGroup",
    "MailContact",
    "MailNonUniversalGroup",
    "MailUniversalDistributionGroup",
    "MailUniversalSecurityGroup",
    "MailUser",
    "PublicFolder",
    "UserMailbox",
)
_MAILBOX_DETAILS = (
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
    "LinkedMailbox",
)
RECIPIENT_TYPE_DETAILS = (
    *_MAILBOX_DETAILS,
    "DiscoveryMailbox",
    "MailContact",
    "MailUser",
    "MailUniversalDistributionGroup",
    "MailUniversalSecurityGroup",
    "MailNonUniversalGroup",
    "DynamicDistributionGroup",
    "PublicFolder",
    "RemoteUserMailbox",
)
_DETAIL_TYPE = (
    {d: "UserMailbox" for d in _MAILBOX_DETAILS}
    | {d: d for d in RECIPIENT_TYPE_DETAILS if d not in _MAILBOX_DETAILS}
    | {"DiscoveryMailbox": "UserMailbox", "RemoteUserMailbox": "MailUser"}
)

_MAILBOX_ID = dict(ps_type="MailboxIdParameter", position=0, pipeline=True)
_ANR_FIELDS = ("name", "alias", "display_name", "primary_smtp")


def _anr(mailboxes: Iterable[Mailbox], text: str) -> Iterator[Mailbox]:
    """Ambiguous name resolution: a prefix of Name, Alias, DisplayName or SMTP address (or of
    the first or last word of the display name)."""
    needle = text.lower()
    for mb in mailboxes:
        words = mb.display_name.lower().split()
        if any(str(getattr(mb, f)).lower().startswith(needle) for f in _ANR_FIELDS) or any(
            w.startswith(needle) for w in words
        ):
            yield mb


def _in_ou(mailboxes: Iterable[Mailbox], ou: str | None) -> Iterable[Mailbox]:
    if not ou:
        return mailboxes
    root = ou.lower().rstrip("/")
    return (
        mb
        for mb in mailboxes
        if f"{mb.domain}/{mb.ou}".lower() == root or mb.ou.lower() == root or mb.domain == root
    )


# -- Get-Recipient -------------------------------------------------------------------------------
@cmdlet(
    "Get-Recipient",
    [
        Param(
            "Identity",
            "identity",
            "RecipientIdParameter",
            sets=("Identity",),
            position=0,
            pipeline=True,
        ),
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("Database", "identity", "DatabaseIdParameter", sets=("DatabaseSet",), mandatory=True),
        Param("Filter"),
        Param("RecipientType", "enum_list", "RecipientType[]", choices=RECIPIENT_TYPES),
        Param(
            "RecipientTypeDetails",
            "enum_list",
            "RecipientTypeDetails[]",
            choices=RECIPIENT_TYPE_DETAILS,
        ),
        Param("ResultSize", "resultsize"),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "Alias")),
        Param("OrganizationalUnit", "identity", "ExtendedOrganizationalUnitIdParameter"),
        Param(
            "PropertySet",
            "enum",
            choices=("All", "ControlPanel", "ConsoleSmallSet", "ConsoleLargeSet", "Minimum"),
        ),
        Param("IgnoreDefaultScope", "switch"),
        Param("ReadFromDomainController", "switch"),
        Param("Credential", "object", ps_type="PSCredential"),
        Param("Properties", "multivalued", ps_type="String[]", since=(15, 0)),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    output_type="ReducedRecipient",
    roles=RECIPIENT_READERS,
)
def get_recipient(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    Database: str | None = None,
    Filter: str | None = None,
    RecipientType: list[str] | None = None,
    RecipientTypeDetails: list[str] | None = None,
    ResultSize: Any = None,
    SortBy: str | None = None,
    OrganizationalUnit: str | None = None,
    IgnoreDefaultScope: bool = False,
    **_: Any,
) -> list[Record]:
    """Returns recipients (the organisation's user, shared, room and equipment mailboxes).

    Emulated: the Identity, AnrSet and DatabaseSet parameter sets, -Filter, -RecipientType and
    -RecipientTypeDetails (with the "None of the specified RecipientTypeDetails..." error),
    -ResultSize, -SortBy, -OrganizationalUnit, -IgnoreDefaultScope.
    Not emulated: recipients other than mailboxes (contacts, groups, mail users); -PropertySet,
    -Properties, -Credential and -ReadFromDomainController are accepted and ignored.
    """
    if RecipientType and RecipientTypeDetails:
        types = set(RecipientType)
        if not any(_DETAIL_TYPE.get(d) in types for d in RecipientTypeDetails):
            raise InvalidArgument(
                "None of the specified RecipientTypeDetails are included in any specified recipient type."
            )
    if Identity:
        return [recipient_view(ctx.org, resolve_mailbox(ctx, Identity))]
    mailboxes: Iterable[Mailbox] = (
        ctx.org.mailboxes if IgnoreDefaultScope else visible_mailboxes(ctx)
    )
    if Anr:
        mailboxes = _anr(mailboxes, Anr)
    if Database:
        known = {mb.database.lower() for mb in ctx.org.mailboxes}
        if Database.lower() not in known:
            raise ObjectNotFound.for_identity(Database, ctx.org.domain_controller)
        mailboxes = (mb for mb in mailboxes if mb.database.lower() == Database.lower())
    if RecipientType:
        mailboxes = (mb for mb in mailboxes if "UserMailbox" in RecipientType)
    if RecipientTypeDetails:
        wanted = set(RecipientTypeDetails)
        mailboxes = (mb for mb in mailboxes if mb.recipient_type_details in wanted)
    getters = recipient_filter_getters(ctx.org)
    selected = filtered(_in_ou(mailboxes, OrganizationalUnit), Filter, getters)
    ordered = sort_by(selected, SortBy, getters)
    return [recipient_view(ctx.org, mb) for mb in limit(ctx, ordered, ResultSize)]


# -- Get-CASMailbox ------------------------------------------------------------------------------
@cmdlet(
    "Get-CASMailbox",
    [
        Param("Identity", "identity", sets=("Identity",), **_MAILBOX_ID),  # type: ignore[arg-type]
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("Filter"),
        Param("ResultSize", "resultsize"),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "ServerLegacyDN")),
        Param("OrganizationalUnit", "identity", "OrganizationalUnitIdParameter"),
        Param("ActiveSyncDebugLogging", "switch"),
        Param("ProtocolSettings", "switch"),
        Param("IgnoreDefaultScope", "switch"),
        Param("ReadFromDomainController", "switch"),
        Param("Credential", "object", ps_type="PSCredential"),
        Param("Monitoring", "switch", since=(15, 0)),
        Param("RecalculateHasActiveSyncDevicePartnership", "switch", since=(15, 0)),
        Param("ReadIsOptimizedForAccessibility", "switch", since=(15, 1)),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    output_type="CASMailbox",
    roles=(
        "Organization Client Access",
        "Recipient Policies",
        "Mail Recipients",
        "View-Only Recipients",
        "User Options",
    ),
)
def get_cas_mailbox(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    SortBy: str | None = None,
    OrganizationalUnit: str | None = None,
    ActiveSyncDebugLogging: bool = False,
    IgnoreDefaultScope: bool = False,
    DomainController: str | None = None,
    **_: Any,
) -> list[Record]:
    """Returns the client access settings of mailboxes, ActiveSync ones included.

    Emulated: the Identity and AnrSet parameter sets, -Filter (e.g.
    `HasActiveSyncDevicePartnership -eq $true`), -ResultSize with its warnings, -SortBy,
    -OrganizationalUnit, -ActiveSyncDebugLogging (without it the property shows False),
    -IgnoreDefaultScope (forest-wide; then -Identity must be a distinguished name and
    -DomainController is refused).
    Not emulated: -ProtocolSettings, -Monitoring, -ReadFromDomainController, -Credential and
    -ReadIsOptimizedForAccessibility are accepted and ignored; HasActiveSyncDevicePartnership is
    always current, so -RecalculateHasActiveSyncDevicePartnership changes nothing.
    """
    if IgnoreDefaultScope and DomainController:
        raise InvalidArgument(
            "The DomainController parameter can't be used with the IgnoreDefaultScope parameter."
        )
    version = ctx.version
    if Identity:
        if IgnoreDefaultScope:
            if not Identity.lower().startswith("cn="):
                raise InvalidArgument(
                    "When the IgnoreDefaultScope parameter is specified, the Identity parameter must be "
                    "a distinguished name."
                )
            found = ctx.org.find_mailboxes(Identity)
            if not found:
                raise ObjectNotFound.for_identity(Identity, ctx.org.domain_controller)
            mailbox = found[0]
        else:
            mailbox = resolve_mailbox(ctx, Identity)
        return [cas_mailbox_view(ctx.org, mailbox, version, ActiveSyncDebugLogging)]
    mailboxes: Iterable[Mailbox] = (
        ctx.org.mailboxes if IgnoreDefaultScope else visible_mailboxes(ctx)
    )
    if Anr:
        mailboxes = _anr(mailboxes, Anr)
    getters = cas_filter_getters(ctx.org)
    getters["ServerLegacyDN"] = lambda m: m.server
    selected = filtered(_in_ou(mailboxes, OrganizationalUnit), Filter, getters)
    ordered = sort_by(selected, SortBy, getters)
    return [
        cas_mailbox_view(ctx.org, mb, version, ActiveSyncDebugLogging)
        for mb in limit(ctx, ordered, ResultSize)
    ]


# -- Set-CASMailbox ------------------------------------------------------------------------------
_FLAGS = {
    "ActiveSyncEnabled": "activesync_enabled",
    "ActiveSyncDebugLogging": "debug_logging",
    "OWAEnabled": "owa_enabled",
    "OWAforDevicesEnabled": "owa_for_devices_enabled",
    "ECPEnabled": "ecp_enabled",
    "PopEnabled": "pop_enabled",
    "ImapEnabled": "imap_enabled",
    "MAPIEnabled": "mapi_enabled",
    "EwsEnabled": "ews_enabled",
}
# What the built-in roles grant of Set-CASMailbox (rbac: Exchange 2013 CU23's role definitions)
_SET_CAS_MR = ENTRY_BASE_PARAMETERS | {
    "ActiveSyncEnabled",
    "ActiveSyncMailboxPolicy",
    "ActiveSyncDebugLogging",
    "HasActiveSyncDevicePartnership",
    "OWAEnabled",
    "OWAforDevicesEnabled",
    "ECPEnabled",
    "PopEnabled",
    "ImapEnabled",
    "MAPIEnabled",
    "EwsEnabled",
}
_SET_CAS_OCA = ENTRY_BASE_PARAMETERS | {"ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs"}
_SET_CAS_EVD = ENTRY_BASE_PARAMETERS | {"ResetAutoBlockedDevices"}
_SET_CAS_USER_OPTIONS = ENTRY_BASE_PARAMETERS | {"ActiveSyncDebugLogging"}


_UNSET = object()


@cmdlet(
    "Set-CASMailbox",
    [
        Param("Identity", "identity", mandatory=True, **_MAILBOX_ID),  # type: ignore[arg-type]
        Param("ActiveSyncEnabled", "bool"),
        Param("ActiveSyncAllowedDeviceIDs", "multivalued"),
        Param("ActiveSyncBlockedDeviceIDs", "multivalued"),
        Param("ActiveSyncMailboxPolicy", "object", ps_type="MailboxPolicyIdParameter"),
        Param("ActiveSyncDebugLogging", "bool"),
        Param("HasActiveSyncDevicePartnership", "bool", since=(14, 0), until=14),
        Param("ResetAutoBlockedDevices", "switch"),
        Param("OWAEnabled", "bool"),
        Param("OWAforDevicesEnabled", "bool", since=(15, 0)),
        Param("ECPEnabled", "bool"),
        Param("PopEnabled", "bool"),
        Param("ImapEnabled", "bool"),
        Param("MAPIEnabled", "bool"),
        Param("EwsEnabled", "bool", since=(14, 1)),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    roles={
        "Organization Client Access": _SET_CAS_OCA,
        "Mail Recipients": _SET_CAS_MR,
        "Exchange Virtual Directories": _SET_CAS_EVD,
        "User Options": _SET_CAS_USER_OPTIONS,
    },
)
def set_cas_mailbox(
    ctx: Invocation,
    Identity: str,
    ActiveSyncAllowedDeviceIDs: Any = _UNSET,
    ActiveSyncBlockedDeviceIDs: Any = _UNSET,
    ActiveSyncMailboxPolicy: Any = _UNSET,
    HasActiveSyncDevicePartnership: bool | None = None,
    ResetAutoBlockedDevices: bool = False,
    **values: Any,
) -> None:
    """Changes the client access settings of one mailbox, ActiveSync ones included.

    Emulated: -ActiveSyncEnabled (False refuses every device of the mailbox), the allow and
    block lists (a list replaces, @{Add=..;Remove=..} edits, $null clears; adding a value
    already present is an error), -ActiveSyncMailboxPolicy ($null returns to the default and
    sets ActiveSyncMailboxPolicyIsDefaulted; naming the default policy leaves it False), the
    protocol switches, -ActiveSyncDebugLogging; parameter-level RBAC (only Organization Client
    Access grants the two lists); write scope; the "no settings modified" warning.
    Not emulated: -ActiveSyncDebugLogging does not revert after 72 hours; the 2010-only
    -HasActiveSyncDevicePartnership and -ResetAutoBlockedDevices are accepted and change nothing
    (the twin never auto-blocks).
    """
    mailbox = resolve_mailbox(ctx, Identity)
    ctx.check_recipient_write(mailbox)
    changes: dict[str, Any] = {}
    for param, attr in _FLAGS.items():
        if (
            param in values
            and values[param] is not None
            and getattr(mailbox, attr) != values[param]
        ):
            changes[attr] = values[param]
    if ActiveSyncAllowedDeviceIDs is not _UNSET:
        new = update_multivalued(mailbox.allowed_device_ids, ActiveSyncAllowedDeviceIDs)
        if new != mailbox.allowed_device_ids:
            changes["allowed_device_ids"] = new
    if ActiveSyncBlockedDeviceIDs is not _UNSET:
        new = update_multivalued(mailbox.blocked_device_ids, ActiveSyncBlockedDeviceIDs)
        if new != mailbox.blocked_device_ids:
            changes["blocked_device_ids"] = new
    if ActiveSyncMailboxPolicy is not _UNSET:
        if ActiveSyncMailboxPolicy is None:
            policy = None
        else:
            policy = resolve_policy(ctx, _identity_of(ActiveSyncMailboxPolicy))
        if policy is not mailbox.policy:
            changes["policy"] = policy
    if not ctx.should_process(f'Setting CAS mailbox "{mailbox.identity}".'):
        return None
    ctx.changed(mailbox.identity)
    if not changes:
        no_change(ctx, mailbox.identity)
        return None
    for attr, value in changes.items():
        setattr(mailbox, attr, value)
    mailbox.when_changed = ctx.now
    return None


def _identity_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("Identity") or value.get("Name") or "")
    return str(value)
