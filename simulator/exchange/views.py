"""Output objects: the property names, order and value types Exchange prints for each object
type (reference/exchange-cmdlets.md §2), version by version.

An output object is a `Record`: a dict of properties that also knows its type name (the shell
uses it for default formatting and to bind piped objects). Values stay typed: datetimes are
aware UTC datetimes, multi-valued properties are lists, time spans are `timedelta`, ADObjectId
references print as the object's name.

For `-Filter`, each object type also has a map of filterable properties to getters, so a
filter evaluates only the properties it names and full objects are built only for matches.

This module holds the `Record`, servers and the configuration objects (organisation
settings, mailbox policies, device access rules, device classes, audit entries); the
recipient family is in `recipient_views.py` and the device family in `device_views.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from simulator.exchange import policy_settings
from simulator.exchange.device import DeviceClass
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.model import Organization
from simulator.exchange.naming import format_guid
from simulator.exchange.servers import ExchangeServer
from simulator.exchange.settings import AuditEntry, DeviceAccessRule, MailboxPolicy
from simulator.exchange.versions import ExchangeVersion


class Record(dict[str, Any]):
    """An output object: its properties, in the order Exchange prints them, and its type."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str, properties: dict[str, Any]) -> None:
        super().__init__(properties)
        self.type_name = type_name


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
        "Guid": guid_text(server.guid),
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


def guid_text(value: int) -> str:
    return format_guid(value)


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
        "Guid": guid_text(org.guid),
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
            "Guid": guid_text(s.guid),
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
            "Guid": guid_text(policy.guid),
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
            "Guid": guid_text(rule.guid),
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
            "Guid": guid_text(cls.guid),
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


def device_class_filter_getters(org: Organization) -> dict[str, Getter]:
    return {
        "DeviceType": lambda c: c.device_type,
        "DeviceModel": lambda c: c.model,
        "LastUpdateTime": lambda c: org.dt(c.last_update),
        "Name": lambda c: c.name,
    }
