"""Output objects: the property names, order and value types Exchange prints for each object
type (reference/exchange-cmdlets.md §2), version by version.

An output object is a `Record`: a dict of properties that also knows its type name (the shell
uses it for default formatting and to bind piped objects). Values stay typed: datetimes are
aware UTC datetimes, multi-valued properties are lists, time spans are `timedelta`, ADObjectId
references print as the object's name.

For `-Filter`, each object type also has a map of filterable properties to getters, so a
filter evaluates only the properties it names and full objects are built only for matches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from operator import attrgetter
from typing import Any

from simulator.exchange import policy_settings
from simulator.exchange.access import decide
from simulator.exchange.model import (
    DEVICE_CONTAINER,
    AuditEntry,
    Device,
    DeviceAccessRule,
    DeviceClass,
    ExchangeServer,
    Mailbox,
    MailboxPolicy,
    Organization,
    UserObject,
    admin_group,
    format_guid,
)
from simulator.exchange.opath import TimeProperty
from simulator.exchange.versions import ExchangeVersion


class Record(dict[str, Any]):
    """An output object: its properties, in the order Exchange prints them, and its type."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str, properties: dict[str, Any]) -> None:
        super().__init__(properties)
        self.type_name = type_name


_new_record = dict.__new__
_fill = dict.update


def policy_name(org: Organization, mailbox: Mailbox) -> str | None:
    policy = org.policy_of(mailbox)
    return policy.name if policy else None


# -- servers -------------------------------------------------------------------------------------
def server_view(org: Organization, server: ExchangeServer, status: bool = False) -> Record:
    v = server.version
    view = {
        "Name": server.name,
        "Fqdn": server.fqdn,
        "Domain": server.domain,
        "Edition": server.edition,
        "ServerRole": server.server_role,
        "AdminDisplayVersion": v.admin_display_version,
        "Site": f"{server.domain}/Configuration/Sites/{server.site}",
        "ExchangeLegacyDN": server.legacy_dn,
        "IsMailboxServer": server.is_mailbox,
        "IsClientAccessServer": server.is_client_access,
        "IsHubTransportServer": "HubTransport" in server.roles
        or (v.major >= 15 and server.is_mailbox),
        "IsUnifiedMessagingServer": "UnifiedMessaging" in server.roles,
        "IsEdgeServer": "Edge" in server.roles,
        "IsE14OrLater": v.major >= 14,
        "IsE15OrLater": v.major >= 15,
        "IsExchange2007OrLater": v.major >= 8,
        "IsExchangeTrialEdition": False,
        "DataPath": r"C:\Program Files\Microsoft\Exchange Server\V15\Mailbox"
        if v.major >= 15
        else r"C:\Program Files\Microsoft\Exchange Server\V14\Mailbox",
        "OrganizationalUnit": f"{server.domain}/Configuration/Servers",
        "ExchangeVersion": v.exchange_version,
        "DistinguishedName": server.distinguished_name,
        "Identity": server.name,
        "Guid": _guid(server.guid),
    }
    if status:
        view.update(
            {
                "CurrentDomainControllers": [org.domain_controller],
                "CurrentGlobalCatalogs": [org.domain_controller],
                "CurrentConfigDomainController": org.domain_controller,
            }
        )
    return Record("ExchangeServer", view)


def _guid(value: int) -> str:
    return format_guid(value)


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
            "ExchangeGuid": _guid(mb.exchange_guid),
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
            "ExchangeGuid": _guid(mb.exchange_guid),
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


# -- devices -------------------------------------------------------------------------------------
_LAST_MAILBOX: list[Any] = [None, None, None]  # (the key, identity, DN) of the last mailbox


def _mailbox_names(mb: Mailbox) -> tuple[str, str]:
    """The mailbox's identity and DN, made once for its consecutive devices (a list of a
    million devices shares them, rather than holding a copy per device)."""
    last = _LAST_MAILBOX
    key = (mb, mb.name, mb.domain, mb.ou)
    if last[0] != key:
        last[0], last[1], last[2] = key, mb.identity, mb.distinguished_name
    return last[1], last[2]


def device_view(org: Organization, device: Device, version: ExchangeVersion, now: float) -> Record:
    decision = decide(org, device, now)
    mb = device.mailbox
    modern = version.major >= 15
    rule = decision.rule
    # one conversion when the three times are equal (a partnership that never changed)
    first_sync = org.dt(device.first_sync)
    created = (
        first_sync if device.when_created == device.first_sync else org.dt(device.when_created)
    )
    changed = created if device.when_changed == device.when_created else org.dt(device.when_changed)
    # the names, each made once (`Device.name`, `.identity`, `.distinguished_name` spelled out)
    name = f"{device.device_type}§{device.device_id}"
    owner, mailbox_dn = _mailbox_names(mb)
    identity = f"{owner}/{DEVICE_CONTAINER}/{name}"
    dn = f"CN={name},CN={DEVICE_CONTAINER},{mailbox_dn}"
    view: dict[str, Any] = {
        "FriendlyName": device.friendly_name,
        "DeviceId": device.device_id,
        "DeviceImei": device.imei,
        "DeviceMobileOperator": device.operator,
        "DeviceOS": device.os,
        "DeviceOSLanguage": device.os_language,
        "DeviceTelephoneNumber": device.phone,
        "DeviceType": device.device_type,
        "DeviceUserAgent": device.user_agent,
        "DeviceModel": device.model,
        "FirstSyncTime": first_sync,
        "UserDisplayName": owner,
        "DeviceAccessState": decision.state,
        "DeviceAccessStateReason": decision.reason,
        "DeviceAccessControlRule": rule.name if rule else None,
        "DeviceActiveSyncVersion": device.eas_version,
    }
    if modern:  # 2013+ (reference/exchange-cmdlets.md, Get-ActiveSyncDevice)
        view["ClientVersion"] = device.client_version or device.eas_version
        view["ClientType"] = device.client_type
        view["IsManaged"] = view["IsCompliant"] = view["IsDisabled"] = False
    view["Name"] = name
    view["Identity"] = identity
    view["DistinguishedName"] = dn
    view["Guid"] = format_guid(device.guid)
    view["WhenChanged"] = changed
    view["WhenCreated"] = created
    view["ExchangeVersion"] = version.exchange_version
    view["IsValid"] = True
    return Record("MobileDevice" if modern else "ActiveSyncDevice", view)


def device_statistics_view(
    org: Organization,
    device: Device,
    version: ExchangeVersion,
    now: float,
    show_recovery_password: bool = False,
) -> Record:
    decision = decide(org, device, now)
    policy = org.policy_of(device.mailbox)
    applied = device.last_policy_update is not None
    view: dict[str, Any] = {
        "FirstSyncTime": org.dt(device.first_sync),
        "LastPolicyUpdateTime": org.dt(device.last_policy_update),
        "LastSyncAttemptTime": org.dt(device.last_sync_attempt),
        "LastSuccessSync": org.dt(device.last_success_sync),
        "DeviceType": device.device_type,
        "DeviceID": device.device_id,
        "DeviceUserAgent": device.user_agent,
        "DeviceWipeSentTime": org.dt(device.wipe_sent),
        "DeviceWipeRequestTime": org.dt(device.wipe_requested),
        "DeviceWipeAckTime": org.dt(device.wipe_ack),
        "LastPingHeartbeat": device.heartbeat,
        "RecoveryPassword": (device.recovery_password or "")
        if show_recovery_password
        else "********",
        "DeviceModel": device.model,
        "DeviceImei": device.imei,
        "DeviceFriendlyName": device.friendly_name,
        "DeviceOS": device.os,
        "DeviceOSLanguage": device.os_language,
        "DevicePhoneNumber": device.phone,
        "MailboxLogReport": None,
        "DeviceEnableOutboundSMS": False,
        "DeviceMobileOperator": device.operator,
        "Identity": device.identity,
        "Guid": device.guid_text,
        "IsRemoteWipeSupported": device.provisionable,
        "Status": device.wipe_status,
        "StatusNote": None,
        "DeviceAccessState": decision.state,
        "DeviceAccessStateReason": decision.reason,
        "DeviceAccessControlRule": decision.rule.name if decision.rule else None,
        "DevicePolicyApplied": policy.name if policy and applied else None,
        "DevicePolicyApplicationStatus": (
            ("AppliedInFull" if device.provisionable else "NotApplied") if applied else "Unknown"
        ),
        "LastDeviceWipeRequestor": device.wipe_requestor,
        "DeviceActiveSyncVersion": device.eas_version,
        "NumberOfFoldersSynced": 3 + device.guid % 17,
        "SyncStateUpgradeTime": None,
    }
    if version.major >= 15:
        view["ClientVersion"] = device.client_version or device.eas_version
        view["ClientType"] = device.client_type
    return Record("MobileDeviceConfiguration", view)


# -- configuration objects ------------------------------------------------------------------------
def organization_config_view(org: Organization, version: ExchangeVersion) -> Record:
    """The organisation object (Get-OrganizationConfig): its name, the Identity, DN and
    legacyExchangeDN that carry it, and when setup created it."""
    created = org.dt(org.settings.when_created)
    view: dict[str, Any] = {
        "Name": org.name,
        "LegacyExchangeDN": org.legacy_dn,
        "ExchangeVersion": version.exchange_version,
        "DistinguishedName": org.config_dn,
        "Identity": org.name,
        "Guid": _guid(org.guid),
        "WhenChanged": created,
        "WhenCreated": created,
        "WhenChangedUTC": created,
        "WhenCreatedUTC": created,
        "OriginatingServer": org.domain_controller,
        "IsValid": True,
    }
    return Record("OrganizationConfig", view)


def org_settings_view(org: Organization, version: ExchangeVersion) -> Record:
    s = org.settings
    view: dict[str, Any] = {
        "Name": "Mobile Mailbox Settings",
        "DefaultAccessLevel": s.default_access_level,
        "UserMailInsert": s.user_mail_insert or None,
        "AdminMailRecipients": list(s.admin_mail_recipients),
        "OtaNotificationMailInsert": s.ota_notification_mail_insert or None,
    }
    if version.major >= 15:
        view["AllowAccessForUnSupportedPlatform"] = s.allow_access_for_unsupported_platform
        view["DeviceFiltering"] = s.device_filtering
        view["IsIntuneManaged"] = s.is_intune_managed
    if version.at_least(15, 1):
        view["AllowRMSSupportForUnenlightenedApps"] = s.allow_rms_for_unenlightened_apps
    view.update(
        {
            "AdminDisplayName": "",
            "ExchangeVersion": version.exchange_version,
            "DistinguishedName": org.mobile_settings_dn,
            "Identity": "Mobile Mailbox Settings",
            "Guid": _guid(s.guid),
            "WhenChanged": org.dt(s.when_changed),
            "WhenCreated": org.dt(s.when_created),
            "WhenChangedUTC": org.dt(s.when_changed),
            "WhenCreatedUTC": org.dt(s.when_created),
            "IsValid": True,
        }
    )
    return Record("ActiveSyncOrganizationSettings", view)


def _setting_value(setting: policy_settings.Setting, value: Any) -> Any:
    if setting.kind == "bytes" and isinstance(value, int):
        return policy_settings.format_bytes(value)
    if setting.kind == "list":
        return list(value)
    return value


def policy_view(
    org: Organization, policy: MailboxPolicy, version: ExchangeVersion, mobile: bool = False
) -> Record:
    """Get-ActiveSyncMailboxPolicy's object; with `mobile`, Get-MobileDeviceMailboxPolicy's."""
    view: dict[str, Any] = {"Name": policy.name}
    for setting in policy_settings.SETTINGS:
        if setting.min_major > version.major:
            continue
        value = _setting_value(setting, policy.settings.get(setting.name, setting.default))
        if mobile and setting.new_name:
            view[setting.new_name] = value
            continue
        view[setting.name] = value
        if version.major >= 15 and setting.new_name:
            view[setting.new_name] = value
    if version.major >= 15:
        view["IsDefault"] = policy.is_default
    view["IsDefaultPolicy"] = policy.is_default
    view.update(
        {
            "AdminDisplayName": "",
            "ExchangeVersion": version.exchange_version,
            "DistinguishedName": org.policy_dn(policy.name),
            "Identity": policy.name,
            "Guid": _guid(policy.guid),
            "WhenChanged": org.dt(policy.when_changed),
            "WhenCreated": org.dt(policy.when_created),
            "IsValid": True,
        }
    )
    return Record("MobileMailboxPolicy", view)


def rule_view(org: Organization, rule: DeviceAccessRule, version: ExchangeVersion) -> Record:
    return Record(
        "ActiveSyncDeviceAccessRule",
        {
            "Name": rule.name,
            "QueryString": rule.query_string,
            "Characteristic": rule.characteristic,
            "AccessLevel": rule.access_level,
            "AdminDisplayName": "",
            "ExchangeVersion": version.exchange_version,
            "DistinguishedName": org.rule_dn(rule.name),
            "Identity": rule.name,
            "Guid": _guid(rule.guid),
            "WhenChanged": org.dt(rule.when_changed),
            "WhenCreated": org.dt(rule.when_created),
            "IsValid": True,
        },
    )


def device_class_view(org: Organization, cls: DeviceClass, version: ExchangeVersion) -> Record:
    return Record(
        "ActiveSyncDeviceClass",
        {
            "DeviceType": cls.device_type,
            "DeviceModel": cls.model,
            "LastUpdateTime": org.dt(cls.last_update),
            "Name": cls.name,
            "Identity": cls.name,
            "DistinguishedName": org.device_class_dn(cls.name),
            "Guid": _guid(cls.guid),
            "ExchangeVersion": version.exchange_version,
            "IsValid": True,
        },
    )


def audit_view(org: Organization, entry: AuditEntry) -> Record:
    return Record(
        "AdminAuditLogEvent",
        {
            "RunDate": org.dt(entry.time),
            "Caller": entry.caller,
            "CmdletName": entry.cmdlet,
            "CmdletParameters": [f"{k}={_param_text(v)}" for k, v in entry.parameters.items()],
            "ObjectModified": entry.object_modified,
            "Succeeded": entry.succeeded,
            "Error": entry.error or None,
            "OriginatingServer": entry.server,
        },
    )


def _param_text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={','.join(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    if isinstance(value, timedelta):
        return policy_settings.format_timespan(value)
    return str(value)


# -- filterable properties --------------------------------------------------------------------------
Getter = Callable[[Any], Any]


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


def device_filter_getters(org: Organization, now: float) -> dict[str, Getter]:
    """Filterable properties of Get-ActiveSyncDevice / Get-MobileDevice (a device → value)."""
    return {
        "ClientType": lambda d: d.client_type,
        "DeviceAccessControlRule": lambda d: r.name if (r := decide(org, d, now).rule) else None,
        "DeviceAccessState": lambda d: decide(org, d, now).state,
        "DeviceAccessStateReason": lambda d: decide(org, d, now).reason,
        "DeviceActiveSyncVersion": lambda d: d.eas_version,
        "DeviceId": lambda d: d.device_id,
        "DeviceImei": lambda d: d.imei,
        "DeviceMobileOperator": lambda d: d.operator,
        "DeviceModel": lambda d: d.model,
        "DeviceOS": lambda d: d.os,
        "DeviceOSLanguage": lambda d: d.os_language,
        "DeviceTelephoneNumber": lambda d: d.phone,
        "DeviceType": lambda d: d.device_type,
        "DeviceUserAgent": lambda d: d.user_agent,
        "FirstSyncTime": TimeProperty(attrgetter("first_sync"), org.epoch, org.dt),
        "FriendlyName": lambda d: d.friendly_name,
        "UserDisplayName": lambda d: d.mailbox.identity,
        "WhenChanged": TimeProperty(attrgetter("when_changed"), org.epoch, org.dt),
        "WhenCreated": TimeProperty(attrgetter("when_created"), org.epoch, org.dt),
    }


def device_class_filter_getters(org: Organization) -> dict[str, Getter]:
    return {
        "DeviceType": lambda c: c.device_type,
        "DeviceModel": lambda c: c.model,
        "LastUpdateTime": lambda c: org.dt(c.last_update),
        "Name": lambda c: c.name,
    }
