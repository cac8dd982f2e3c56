"""Synchronisation of Exchange ActiveSync devices to Intune (SPEC R5).

A full sync reads the Exchange servers, the CAS mailboxes that have device partnerships and
all their devices, keeps the devices of users Intune targets (primary SMTP address = UPN,
SPEC R5.4), uploads them in pages and completes the sync, which makes Intune's inventory
equal to that snapshot. Last successful sync advances only on success (R5.5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connector.exchange import ExchangeTransport
from connector.intune import IntuneClient
from connector.log import ConnectorLog

FULL_SYNC = "fullSync"
DELTA_SYNC = "deltaSync"
UPLOAD_PAGE_SIZE = 500
DEVICE_CONTAINER = "/ExchangeActiveSyncDevices/"


@dataclass
class SyncResult:
    sync_type: str
    sync_id: str
    users: int
    devices: int
    servers: list[dict[str, Any]] = field(default_factory=list)


def _device_record(device: dict[str, Any], upn: str) -> dict[str, Any]:
    """The inventory record Intune keeps for one EAS device partnership."""
    return {
        "exchangeDeviceId": device["DeviceId"],
        "userPrincipalName": upn,
        "deviceType": device.get("DeviceType"),
        "deviceModel": device.get("DeviceModel"),
        "deviceOS": device.get("DeviceOS"),
        "userAgent": device.get("DeviceUserAgent"),
        "friendlyName": device.get("FriendlyName"),
        "firstSyncTime": _iso(device.get("FirstSyncTime")),
        "exchangeAccessState": device.get("DeviceAccessState"),
        "exchangeAccessStateReason": device.get("DeviceAccessStateReason"),
        "identity": device.get("Identity"),
    }


def _iso(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def mailbox_of(device_identity: str) -> str:
    """`contoso.com/Users/Ann/ExchangeActiveSyncDevices/iPhone§Appl…` → `contoso.com/Users/Ann`."""
    return device_identity.split(DEVICE_CONTAINER, 1)[0]


def full_sync(session: ExchangeTransport, intune: IntuneClient, log: ConnectorLog) -> SyncResult:
    targeted = {upn.lower() for upn in intune.targeted_users()}
    session.invoke("Set-ADServerSettings", ViewEntireForest=True)
    servers = session.invoke("Get-ExchangeServer")
    mailboxes = session.invoke(
        "Get-CasMailbox", ResultSize="Unlimited", Filter="HasActiveSyncDevicePartnership -eq $true"
    )
    owners = {
        mb["Identity"]: str(mb["PrimarySmtpAddress"]).lower()
        for mb in mailboxes
        if str(mb.get("PrimarySmtpAddress", "")).lower() in targeted
    }
    log.info(
        "SyncStart",
        f"Handling command: getting the mobile device list without a time filter (full sync) for {len(owners)} users",
        syncType=FULL_SYNC,
        users=len(owners),
    )
    sync_id = intune.start_sync(FULL_SYNC)
    devices = session.invoke("Get-ActiveSyncDevice", ResultSize="Unlimited")
    records = []
    for device in devices:
        upn = owners.get(mailbox_of(str(device.get("Identity", ""))))
        if upn is not None:
            records.append(_device_record(device, upn))
    for start in range(0, len(records), UPLOAD_PAGE_SIZE):
        intune.upload_devices(sync_id, records[start : start + UPLOAD_PAGE_SIZE])
    server_summary = [
        {
            "name": s.get("Name"),
            "fqdn": s.get("Fqdn"),
            "version": s.get("AdminDisplayVersion"),
            "roles": s.get("ServerRole"),
        }
        for s in servers
    ]
    intune.complete_sync(
        sync_id,
        "success",
        {
            "syncType": FULL_SYNC,
            "devicesSynced": len(records),
            "users": len(owners),
            "exchangeServers": server_summary,
            "powerShellExchangeServer": session.server,
        },
    )
    log.info(
        "SyncComplete",
        f"Full sync completed successfully. Devices synced: {len(records)}",
        syncType=FULL_SYNC,
        syncId=sync_id,
        devices=len(records),
        health={"PowerShellExchangeServer": session.server, "Status": "Connected"},
    )
    return SyncResult(FULL_SYNC, sync_id, len(owners), len(records), server_summary)
