"""Output objects of the recipient family: CASMailbox (reused while its mailbox is unchanged,
`Organization.view_cache`), ReducedRecipient, Mailbox and User — their property names, order
and value types, version by version — and the properties `-Filter` can name on each.

Beside `views.py` (Record, servers, configuration objects) and `device_views.py`.
"""

from __future__ import annotations

from operator import attrgetter

from simulator.exchange.mailbox import Mailbox, UserObject
from simulator.exchange.model import Organization
from simulator.exchange.naming import admin_group
from simulator.exchange.opath import TimeProperty
from simulator.exchange.versions import ExchangeVersion
from simulator.exchange.views import Getter, Record, guid_text, policy_name

# -- recipients ----------------------------------------------------------------------------------
# Everything of a mailbox that its CASMailbox object shows; a cached object is reused only
# while all of it (and the policy's name, the version, the switches) is what it was.
_CAS_FIELDS = attrgetter(
    "name",
    "activesync_enabled",
    "owa_enabled",
    "pop_enabled",
    "imap_enabled",
    "mapi_enabled",
    "ews_enabled",
    "ecp_enabled",
    "owa_for_devices_enabled",
    "debug_logging",
    "display_name",
    "alias",
    "primary_smtp",
    "proxy_addresses",
    "sam",
    "server",
    "domain",
    "ou",
    "guid",
    "when_changed",
    "when_created",
    "policy",
)
_new_record = dict.__new__
_fill = dict.update
VIEW_CACHE_SIZE = 10_000  # mailboxes (~1.5 KB each); past it, objects are built every time
_CAS_LISTS = ("ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs", "EmailAddresses")


def cas_mailbox_view(
    org: Organization, mb: Mailbox, version: ExchangeVersion, debug_logging: bool = False
) -> Record:
    """The CASMailbox object. The connector lists every mailbox with partnerships at each
    quick sync (every two hours), so an unchanged mailbox's object is copied from the last
    one built rather than built again: a copy with fresh lists, so that a caller changing it
    changes nothing else."""
    cache = org.view_cache
    cached = cache.get(mb)
    if cached is None and len(cache) >= VIEW_CACHE_SIZE:
        return _cas_mailbox_view(org, mb, version, debug_logging)  # not cached, no room left
    policy = mb.policy
    key = (
        _CAS_FIELDS(mb),
        tuple(mb.allowed_device_ids),
        tuple(mb.blocked_device_ids),
        bool(mb.devices),
        policy.name if policy is not None else policy_name(org, mb),
        version,
        debug_logging,
        org.epoch,
    )
    if cached is not None and cached[0] == key:
        kept = cached[1]
        view = _new_record(Record)  # Record("CASMailbox", kept) without a Python-level __init__
        _fill(view, kept)
        view.type_name = "CASMailbox"
        view["ActiveSyncAllowedDeviceIDs"] = list(key[1])
        view["ActiveSyncBlockedDeviceIDs"] = list(key[2])
        view["EmailAddresses"] = list(kept["EmailAddresses"])
        return view
    view = _cas_mailbox_view(org, mb, version, debug_logging)
    if cached is not None or len(cache) < VIEW_CACHE_SIZE:
        kept = dict(view)
        for name in _CAS_LISTS:  # never the caller's lists: it may change them
            kept[name] = tuple(kept[name])
        cache[mb] = (key, kept)
    return view


def _cas_mailbox_view(
    org: Organization, mb: Mailbox, version: ExchangeVersion, debug_logging: bool
) -> Record:
    created = org.dt(mb.when_created)
    changed = created if mb.when_changed == mb.when_created else org.dt(mb.when_changed)
    view = {
        "Name": mb.name,
        "ActiveSyncEnabled": mb.activesync_enabled,
        "OWAEnabled": mb.owa_enabled,
        "PopEnabled": mb.pop_enabled,
        "ImapEnabled": mb.imap_enabled,
        "MAPIEnabled": mb.mapi_enabled,
        "EwsEnabled": mb.ews_enabled,
        "ECPEnabled": mb.ecp_enabled,
        "OWAforDevicesEnabled": mb.owa_for_devices_enabled,
        "ActiveSyncAllowedDeviceIDs": list(mb.allowed_device_ids),
        "ActiveSyncBlockedDeviceIDs": list(mb.blocked_device_ids),
        "ActiveSyncMailboxPolicy": policy_name(org, mb),
        "ActiveSyncMailboxPolicyIsDefaulted": mb.policy is None,
        "ActiveSyncDebugLogging": mb.debug_logging if debug_logging else False,
        "HasActiveSyncDevicePartnership": bool(mb.devices),
        "DisplayName": mb.display_name,
        "Alias": mb.alias,
        "PrimarySmtpAddress": mb.primary_smtp,
        "EmailAddresses": mb.email_addresses,
        "SamAccountName": mb.sam,
        "LegacyExchangeDN": mb.legacy_dn,
        "ServerName": mb.server.lower(),
        "ServerLegacyDN": f"{admin_group(mb.organization)}/cn=Configuration/cn=Servers/cn={mb.server}",
        "ExternalDirectoryObjectId": "",
        "Identity": mb.identity,
        "Guid": mb.guid_text,
        "DistinguishedName": mb.distinguished_name,
        "OrganizationalUnit": f"{mb.domain}/{mb.ou}",
        "WhenChanged": changed,
        "WhenCreated": created,
        "ExchangeVersion": version.exchange_version,
        "IsValid": True,
    }
    return Record("CASMailbox", view)


def recipient_view(org: Organization, mb: Mailbox) -> Record:
    return Record(
        "ReducedRecipient",
        {
            "Name": mb.name,
            "RecipientType": "UserMailbox",
            "RecipientTypeDetails": mb.recipient_type_details,
            "Alias": mb.alias,
            "DisplayName": mb.display_name,
            "PrimarySmtpAddress": mb.primary_smtp,
            "EmailAddresses": mb.email_addresses,
            "SamAccountName": mb.sam,
            "OrganizationalUnit": f"{mb.domain}/{mb.ou}",
            "Database": mb.database,
            "ServerName": mb.server.lower(),
            "ActiveSyncMailboxPolicy": policy_name(org, mb),
            "ActiveSyncMailboxPolicyIsDefaulted": mb.policy is None,
            "HasActiveSyncDevicePartnership": bool(mb.devices),
            "ExchangeGuid": guid_text(mb.exchange_guid),
            "Guid": mb.guid_text,
            "Identity": mb.identity,
            "DistinguishedName": mb.distinguished_name,
            "WhenCreated": org.dt(mb.when_created),
            "WhenChanged": org.dt(mb.when_changed),
        },
    )


def mailbox_view(org: Organization, mb: Mailbox, version: ExchangeVersion) -> Record:
    """The Mailbox object (Get-Mailbox): the recipient's addresses, UPN and placement."""
    return Record(
        "Mailbox",
        {
            "Database": mb.database,
            "SamAccountName": mb.sam,
            "ServerLegacyDN": f"{admin_group(mb.organization)}/cn=Configuration/cn=Servers/cn={mb.server}",
            "ServerName": mb.server.lower(),
            "UserPrincipalName": mb.upn,
            "ExchangeGuid": guid_text(mb.exchange_guid),
            "RecipientType": "UserMailbox",
            "RecipientTypeDetails": mb.recipient_type_details,
            "Alias": mb.alias,
            "OrganizationalUnit": f"{mb.domain}/{mb.ou}",
            "DisplayName": mb.display_name,
            "EmailAddresses": mb.email_addresses,
            "LegacyExchangeDN": mb.legacy_dn,
            "PrimarySmtpAddress": mb.primary_smtp,
            "WindowsEmailAddress": mb.mail,
            "EmailAddressPolicyEnabled": mb.email_address_policy_enabled,
            "Identity": mb.identity,
            "IsValid": True,
            "ExchangeVersion": version.exchange_version,
            "Name": mb.name,
            "DistinguishedName": mb.distinguished_name,
            "Guid": mb.guid_text,
            "WhenChanged": org.dt(mb.when_changed),
            "WhenCreated": org.dt(mb.when_created),
        },
    )


def user_view(org: Organization, user: UserObject, version: ExchangeVersion) -> Record:
    """The User object (Get-User): the AD account, with or without a mailbox."""
    mb = user.mailbox
    return Record(
        "User",
        {
            "IsSecurityPrincipal": True,
            "SamAccountName": user.user.sam,
            "UserPrincipalName": user.user.upn,
            "FirstName": user.user.first_name,
            "LastName": user.user.last_name,
            "WindowsEmailAddress": mb.mail if mb is not None else (user.user.mail or ""),
            "RecipientType": "UserMailbox" if mb is not None else "User",
            "RecipientTypeDetails": user.recipient_type_details,
            "DisplayName": user.user.display_name,
            "Name": user.name,
            "DistinguishedName": user.distinguished_name,
            "Identity": user.identity,
            "Guid": user.guid_text,
            "OrganizationalUnit": f"{user.domain}/{user.ou}",
            "ExchangeVersion": version.exchange_version,
            "IsValid": True,
            "WhenChanged": org.dt(mb.when_changed) if mb is not None else None,
            "WhenCreated": org.dt(mb.when_created) if mb is not None else None,
        },
    )


def cas_filter_getters(org: Organization) -> dict[str, Getter]:
    """Filterable properties of Get-CASMailbox (a mailbox → its value)."""
    return {
        "Name": lambda m: m.name,
        "Alias": lambda m: m.alias,
        "DisplayName": lambda m: m.display_name,
        "PrimarySmtpAddress": lambda m: m.primary_smtp,
        "EmailAddresses": lambda m: m.email_addresses,
        "SamAccountName": lambda m: m.sam,
        "ServerName": lambda m: m.server.lower(),
        "Database": lambda m: m.database,
        "ActiveSyncEnabled": lambda m: m.activesync_enabled,
        "ActiveSyncAllowedDeviceIDs": lambda m: m.allowed_device_ids,
        "ActiveSyncBlockedDeviceIDs": lambda m: m.blocked_device_ids,
        "ActiveSyncMailboxPolicy": lambda m: policy_name(org, m),
        "HasActiveSyncDevicePartnership": lambda m: bool(m.devices),
        "OWAEnabled": lambda m: m.owa_enabled,
        "OWAforDevicesEnabled": lambda m: m.owa_for_devices_enabled,
        "ECPEnabled": lambda m: m.ecp_enabled,
        "PopEnabled": lambda m: m.pop_enabled,
        "ImapEnabled": lambda m: m.imap_enabled,
        "MAPIEnabled": lambda m: m.mapi_enabled,
        "EwsEnabled": lambda m: m.ews_enabled,
        "WhenChanged": TimeProperty(attrgetter("when_changed"), org.epoch, org.dt),
        "WhenCreated": TimeProperty(attrgetter("when_created"), org.epoch, org.dt),
    }


def recipient_filter_getters(org: Organization) -> dict[str, Getter]:
    getters = cas_filter_getters(org)
    return {
        **{
            k: getters[k]
            for k in (
                "Name",
                "Alias",
                "DisplayName",
                "PrimarySmtpAddress",
                "EmailAddresses",
                "SamAccountName",
                "ServerName",
                "Database",
                "ActiveSyncMailboxPolicy",
                "HasActiveSyncDevicePartnership",
                "WhenChanged",
                "WhenCreated",
            )
        },
        "RecipientType": lambda m: "UserMailbox",
        "RecipientTypeDetails": lambda m: m.recipient_type_details,
        "OrganizationalUnit": lambda m: f"{m.domain}/{m.ou}",
    }


def mailbox_filter_getters(org: Organization) -> dict[str, Getter]:
    """Filterable properties of Get-Mailbox (a mailbox → its value)."""
    getters = recipient_filter_getters(org)
    return {
        **getters,
        "UserPrincipalName": lambda m: m.upn,
        "WindowsEmailAddress": lambda m: m.mail,
        "EmailAddressPolicyEnabled": lambda m: m.email_address_policy_enabled,
    }


def user_filter_getters(org: Organization) -> dict[str, Getter]:
    """Filterable properties of Get-User (a UserObject → its value)."""
    return {
        "Name": lambda u: u.name,
        "DisplayName": lambda u: u.user.display_name,
        "FirstName": lambda u: u.user.first_name,
        "LastName": lambda u: u.user.last_name,
        "SamAccountName": lambda u: u.user.sam,
        "UserPrincipalName": lambda u: u.user.upn,
        "WindowsEmailAddress": lambda u: u.mailbox.mail if u.mailbox else (u.user.mail or ""),
        "RecipientType": lambda u: "UserMailbox" if u.mailbox else "User",
        "RecipientTypeDetails": lambda u: u.recipient_type_details,
        "OrganizationalUnit": lambda u: f"{u.domain}/{u.ou}",
    }
