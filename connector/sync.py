"""Synchronisation of Exchange ActiveSync devices to Intune (SPEC R5).

**Full sync** (daily by default): re-applies Intune's access policy to Exchange, reads the
Exchange servers (remembering the Client Access servers for failover), the CAS mailboxes
that have device partnerships and all their devices, keeps the devices of the users Intune
targets (primary SMTP address = UPN, R5.4), uploads them in pages and completes the sync;
Intune's inventory then equals that snapshot. **Quick sync** (every 2 hours by default) reads
only the devices changed since its watermark and uploads them as a delta — and a change in
who is targeted is a change too: it asks Intune which users became licensed or targeted since
the watermark (and reads all their devices) and which no longer are (and withdraws them, a
`{userPrincipalName, removed: true}` entry), so their devices come and go at the next quick
sync, not only at the daily full one.

Uploads are idempotent (keyed by device id), so a sync interrupted by a fault and repeated
neither loses nor duplicates a device; a sync that fails is never completed, so Intune keeps
its previous inventory and the last successful sync does not move (R5.5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.errors import ConnectorError, ConnectorRetired
from connector.exchange import ExchangeError
from connector.intune import IntuneClient
from connector.log import ConnectorLog
from connector.platform import Platform
from connector.policy import apply_policy
from connector.runspaces import RunspacePool
from connector.state import ConnectorState

FULL_SYNC = "fullSync"
DELTA_SYNC = "deltaSync"
UPLOAD_PAGE_SIZE = 500
DEVICE_CONTAINER = "/ExchangeActiveSyncDevices/"
WATERMARK_OVERLAP = timedelta(minutes=5)


@dataclass
class SyncResult:
    sync_type: str
    sync_id: str
    users: int
    devices: int
    started: datetime
    finished: datetime
    servers: list[dict[str, Any]] = field(default_factory=list)


def mailbox_of(device_identity: str) -> str:
    """`contoso.com/Users/Ann/ExchangeActiveSyncDevices/iPhone§Appl…` → `contoso.com/Users/Ann`."""
    return device_identity.split(DEVICE_CONTAINER, 1)[0]


def _iso(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def device_record(device: dict[str, Any], upn: str) -> dict[str, Any]:
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


class SyncEngine:
    def __init__(
        self,
        platform: Platform,
        pool: RunspacePool,
        intune: IntuneClient,
        state: ConnectorState,
        log: ConnectorLog,
    ) -> None:
        self.platform = platform
        self.pool = pool
        self.intune = intune
        self.state = state
        self.log = log

    # -- reading Exchange ---------------------------------------------------------------------
    def _owners(self, targeted: set[str]) -> dict[str, str]:
        """Mailbox identity → UPN, for the targeted users that have device partnerships."""
        mailboxes = self.pool.invoke(
            "Get-CasMailbox",
            ResultSize="Unlimited",
            Filter="HasActiveSyncDevicePartnership -eq $true",
        )
        owners = {}
        for mb in mailboxes:
            upn = str(mb.get("PrimarySmtpAddress", "")).lower()
            if upn in targeted:
                owners[str(mb["Identity"])] = upn
        return owners

    def _devices(
        self, owners: dict[str, str], filter_text: str | None = None, per_mailbox: bool = False
    ) -> list[dict[str, Any]]:
        settings = self.pool.config.settings
        if per_mailbox or (settings.enable_parallel_command_support and filter_text is None):
            # one call per mailbox, spread over several runspaces (SPEC R5.6)
            calls = [
                ("Get-ActiveSyncDevice", {"Mailbox": identity, "ResultSize": "Unlimited"})
                for identity in owners
            ]
            devices = [d for result in self.pool.map(calls) for d in result]
        else:
            params: dict[str, Any] = {"ResultSize": "Unlimited"}
            if filter_text:
                params["Filter"] = filter_text
            devices = self.pool.invoke("Get-ActiveSyncDevice", **params)
        # each device object is let go as soon as its record exists: at a million devices the
        # objects and the records would not fit in memory together
        records = []
        for index, device in enumerate(devices):
            devices[index] = None  # type: ignore[call-overload]
            upn = owners.get(mailbox_of(str(device.get("Identity", ""))))
            if upn is not None:
                records.append(device_record(device, upn))
        return records

    def _report_failure(self, sync_id: str, sync_type: str, exc: Exception) -> None:
        """Tell Intune the sync failed (it then keeps its inventory and shows disconnected)."""
        try:
            self.intune.complete_sync(
                sync_id,
                "failure",
                {
                    "syncType": sync_type,
                    "error": getattr(exc, "message", str(exc)),
                    "errorCode": getattr(exc, "code", None),
                },
            )
        except ConnectorRetired:
            raise
        except ConnectorError:
            pass  # Intune unreachable: its no-contact rule will show the connection as disconnected

    # -- the two kinds of sync ------------------------------------------------------------------
    def _run(
        self,
        sync_type: str,
        read: Callable[[set[str]], tuple[dict[str, str], list[dict[str, Any]], dict[str, Any]]],
    ) -> SyncResult:
        """Open a sync in Intune, read Exchange with `read`, upload and complete it; on any
        failure complete it as failed so Intune keeps its inventory (SPEC R5.5)."""
        started = self.platform.now()
        targeted = {upn.lower() for upn in self.intune.targeted_users()}
        sync_id = self.intune.start_sync(sync_type)
        try:
            owners, records, summary = read(targeted)
            devices = sum(1 for r in records if "exchangeDeviceId" in r)  # not withdrawn users
            for first in range(0, len(records), UPLOAD_PAGE_SIZE):
                page = records[first : first + UPLOAD_PAGE_SIZE]
                self.intune.upload_devices(sync_id, page)
                self.log.verbose(
                    "UploadPage",
                    f"Uploaded devices {first + 1}-{first + len(page)} of {len(records)}",
                    syncId=sync_id,
                    devices=len(page),
                )
            self.intune.complete_sync(
                sync_id,
                "success",
                {
                    "syncType": sync_type,
                    "devicesSynced": devices,
                    "users": len(owners),
                    "powerShellExchangeServer": self.pool.server,
                    **summary,
                },
            )
        except (ConnectorError, ExchangeError) as exc:
            if not isinstance(exc, ConnectorRetired):
                self._report_failure(sync_id, sync_type, exc)
            raise
        finished = self.platform.now()
        self.state.watermark = (started - WATERMARK_OVERLAP).isoformat()
        title = "Full sync" if sync_type == FULL_SYNC else "Quick sync"
        self.log.info(
            "SyncComplete",
            f"{title} completed successfully. Devices synced: {devices}",
            syncType=sync_type,
            syncId=sync_id,
            devices=devices,
            users=len(owners),
            health={"PowerShellExchangeServer": self.pool.server, "Status": "Connected"},
        )
        return SyncResult(
            sync_type,
            sync_id,
            len(owners),
            devices,
            started,
            finished,
            summary.get("exchangeServers", []),
        )

    def full(self) -> SyncResult:
        """All devices of the targeted users, Exchange server information, and Intune's
        policy re-applied to Exchange."""
        result = self._run(FULL_SYNC, self._read_full)
        self.state.last_full_sync = result.finished.isoformat()
        return result

    def _read_full(
        self, targeted: set[str]
    ) -> tuple[dict[str, str], list[dict[str, Any]], dict[str, Any]]:
        apply_policy(self.pool, self.intune.policy(), self.state, self.log)
        servers = self.pool.invoke("Get-ExchangeServer")
        self.state.cas_servers = sorted(
            str(s["Fqdn"]) for s in servers if s.get("IsClientAccessServer") and s.get("Fqdn")
        )
        owners = self._owners(targeted)
        self.log.info(
            "SyncStart",
            "Handling command: getting the mobile device list without a time filter (full sync) "
            f"for {len(owners)} users",
            syncType=FULL_SYNC,
            users=len(owners),
        )
        server_summary = [
            {
                "name": s.get("Name"),
                "fqdn": s.get("Fqdn"),
                "version": s.get("AdminDisplayVersion"),
                "roles": s.get("ServerRole"),
            }
            for s in servers
        ]
        return owners, self._devices(owners), {"exchangeServers": server_summary}

    def _targeting_changes(self, since: datetime, targeted: set[str]) -> tuple[set[str], list[str]]:
        """Users who became targeted since `since` (and still are), and users who stopped
        being targeted (and still are not), from Intune."""
        added: set[str] = set()
        withdrawn: list[str] = []
        for upn, now_targeted in self.intune.targeting_changes(_iso(since)):
            key = upn.lower()
            if now_targeted and key in targeted:
                added.add(key)
            elif not now_targeted and key not in targeted:
                withdrawn.append(key)
        return added, withdrawn

    def quick(self) -> SyncResult:
        """The devices of the targeted users that changed since the watermark."""
        since = self.state.watermark_time()
        if since is None:
            return self.full()  # no watermark yet: only a full sync knows what Exchange holds
        stamp = since.strftime("%Y-%m-%dT%H:%M:%S")

        def read(targeted: set[str]) -> tuple[dict[str, str], list[dict[str, Any]], dict[str, Any]]:
            owners = self._owners(targeted)
            self.log.info(
                "SyncStart",
                f"Handling command: getting the mobile device list changed since {stamp} (quick sync) "
                f"for {len(owners)} users",
                syncType=DELTA_SYNC,
                users=len(owners),
            )
            records = self._devices(owners, f"WhenChanged -gt '{stamp}'")
            added, withdrawn = self._targeting_changes(since, targeted)
            if added or withdrawn:
                self.log.info(
                    "TargetingChanged",
                    f"Users targeted since {stamp}: {len(added)}; no longer targeted: "
                    f"{len(withdrawn)}",
                    added=len(added),
                    withdrawn=len(withdrawn),
                )
            newcomers = {identity: upn for identity, upn in owners.items() if upn in added}
            if newcomers:  # all their devices, changed or not: Intune has none of them yet
                seen = {str(r["exchangeDeviceId"]).lower() for r in records}
                records += [
                    r
                    for r in self._devices(newcomers, per_mailbox=True)
                    if str(r["exchangeDeviceId"]).lower() not in seen
                ]
            records += [{"userPrincipalName": upn, "removed": True} for upn in withdrawn]
            return owners, records, {}

        result = self._run(DELTA_SYNC, read)
        self.state.last_quick_sync = result.finished.isoformat()
        return result
