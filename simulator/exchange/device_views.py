"""Output objects of the device family: MobileDevice / ActiveSyncDevice (2013+ and 2010
shapes) and the device statistics, and the properties `-Filter` can name on a device.

Beside `views.py` (Record, servers, configuration objects) and `recipient_views.py`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from simulator.exchange.access import decide
from simulator.exchange.device import DEVICE_CONTAINER, Device
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.model import Organization
from simulator.exchange.naming import format_guid
from simulator.exchange.opath import TimeProperty
from simulator.exchange.versions import ExchangeVersion
from simulator.exchange.views import Getter, Record

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
