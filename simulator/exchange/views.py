"""Output objects: the property names and value types Exchange prints for each object type
(reference/exchange-cmdlets.md §2). Values stay typed: datetimes are aware UTC datetimes,
multi-valued properties are lists, ADObjectId references print as the object's name."""

from __future__ import annotations

from typing import Any

from simulator.exchange.model import Device, ExchangeServer, Mailbox, Organization

CAS_MAILBOX_FILTERABLE = (
    "ActiveSyncEnabled",
    "ActiveSyncAllowedDeviceIDs",
    "ActiveSyncBlockedDeviceIDs",
    "ActiveSyncMailboxPolicy",
    "HasActiveSyncDevicePartnership",
    "Name",
    "DisplayName",
    "PrimarySmtpAddress",
    "SamAccountName",
    "Alias",
    "ServerName",
    "OWAEnabled",
    "PopEnabled",
    "ImapEnabled",
    "MAPIEnabled",
    "EwsEnabled",
    "WhenChanged",
    "WhenCreated",
)
RECIPIENT_FILTERABLE = (
    "Name",
    "Alias",
    "DisplayName",
    "PrimarySmtpAddress",
    "EmailAddresses",
    "RecipientType",
    "RecipientTypeDetails",
    "SamAccountName",
    "ServerName",
    "HasActiveSyncDevicePartnership",
    "WhenChanged",
    "WhenCreated",
    "Database",
)
DEVICE_FILTERABLE = (
    "ClientType",
    "DeviceAccessControlRule",
    "DeviceAccessState",
    "DeviceAccessStateReason",
    "DeviceActiveSyncVersion",
    "DeviceId",
    "DeviceImei",
    "DeviceMobileOperator",
    "DeviceModel",
    "DeviceOS",
    "DeviceOSLanguage",
    "DeviceTelephoneNumber",
    "DeviceType",
    "DeviceUserAgent",
    "FirstSyncTime",
    "FriendlyName",
    "UserDisplayName",
)


def policy_name(org: Organization, mailbox: Mailbox) -> str | None:
    if mailbox.policy is not None:
        return mailbox.policy
    default = org.default_policy()
    return default.name if default else None


def server_view(server: ExchangeServer) -> dict[str, Any]:
    v = server.version
    return {
        "Name": server.name,
        "Fqdn": server.fqdn,
        "Domain": server.domain,
        "Edition": server.edition,
        "ServerRole": server.server_role,
        "AdminDisplayVersion": v.admin_display_version,
        "Site": f"{server.domain}/Configuration/Sites/{server.site}",
        "ExchangeLegacyDN": f"/o=First Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Configuration/cn=Servers/cn={server.name}",
        "IsMailboxServer": "Mailbox" in server.roles,
        "IsClientAccessServer": server.is_client_access,
        "IsHubTransportServer": "HubTransport" in server.roles or v.major >= 15,
        "IsEdgeServer": "Edge" in server.roles,
        "IsE14OrLater": v.major >= 14,
        "IsE15OrLater": v.major >= 15,
        "IsExchange2007OrLater": v.major >= 8,
        "IsExchangeTrialEdition": False,
        "ExchangeVersion": "0.1 (8.0.535.0)",
        "Guid": server.guid,
        "Identity": server.name,
    }


def cas_mailbox_view(org: Organization, mb: Mailbox) -> dict[str, Any]:
    return {
        "Identity": mb.identity,
        "Name": mb.name,
        "DisplayName": mb.display_name,
        "Alias": mb.alias,
        "PrimarySmtpAddress": mb.primary_smtp,
        "SamAccountName": mb.sam,
        "LegacyExchangeDN": mb.legacy_dn,
        "ServerName": mb.server.lower(),
        "EmailAddresses": [f"SMTP:{mb.primary_smtp}"],
        "ActiveSyncEnabled": mb.activesync_enabled,
        "ActiveSyncAllowedDeviceIDs": list(mb.allowed_device_ids),
        "ActiveSyncBlockedDeviceIDs": list(mb.blocked_device_ids),
        "ActiveSyncMailboxPolicy": policy_name(org, mb),
        "ActiveSyncMailboxPolicyIsDefaulted": mb.policy is None,
        "ActiveSyncDebugLogging": False,
        "HasActiveSyncDevicePartnership": bool(mb.devices),
        "OWAEnabled": True,
        "OWAforDevicesEnabled": True,
        "ECPEnabled": True,
        "PopEnabled": True,
        "ImapEnabled": True,
        "MAPIEnabled": True,
        "EwsEnabled": True,
        "WhenChanged": mb.when_changed,
        "WhenCreated": mb.when_created,
        "Guid": mb.guid,
        "DistinguishedName": mb.distinguished_name,
    }


def recipient_view(org: Organization, mb: Mailbox) -> dict[str, Any]:
    return {
        "Identity": mb.identity,
        "Name": mb.name,
        "Alias": mb.alias,
        "DisplayName": mb.display_name,
        "PrimarySmtpAddress": mb.primary_smtp,
        "EmailAddresses": [f"SMTP:{mb.primary_smtp}"],
        "RecipientType": "UserMailbox",
        "RecipientTypeDetails": mb.recipient_type_details,
        "SamAccountName": mb.sam,
        "OrganizationalUnit": f"{mb.domain}/{mb.ou}",
        "Database": mb.database,
        "ServerName": mb.server.lower(),
        "ActiveSyncMailboxPolicy": policy_name(org, mb),
        "ActiveSyncMailboxPolicyIsDefaulted": mb.policy is None,
        "HasActiveSyncDevicePartnership": bool(mb.devices),
        "ExchangeGuid": mb.exchange_guid,
        "Guid": mb.guid,
        "DistinguishedName": mb.distinguished_name,
        "WhenCreated": mb.when_created,
        "WhenChanged": mb.when_changed,
    }


def device_view(org: Organization, device: Device, major: int) -> dict[str, Any]:
    state, reason, rule = org.access(device)
    mb = device.mailbox
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
        "FirstSyncTime": device.first_sync,
        "UserDisplayName": f"{mb.domain}/{mb.ou}/{mb.name}",
        "DeviceAccessState": state,
        "DeviceAccessStateReason": reason,
        "DeviceAccessControlRule": rule.name if rule else None,
        "DeviceActiveSyncVersion": device.eas_version,
        "Name": device.name,
        "Identity": device.identity,
        "DistinguishedName": f"CN={device.name},CN=ExchangeActiveSyncDevices,{mb.distinguished_name}",
        "Guid": device.guid,
        "WhenCreated": device.when_created,
        "WhenChanged": device.when_changed,
    }
    if major >= 15:
        view.update(
            {
                "ClientVersion": device.eas_version,
                "ClientType": device.client_type,
                "IsManaged": False,
                "IsCompliant": False,
                "IsDisabled": False,
            }
        )
    return view
