"""ActiveSync device partnerships (and the handsets behind them) and device classes.

A device's access is never stored here: `simulator.exchange.access` derives it; what the device
*effectively* got at its last contact is cached on it (SPEC R5.9).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.mailbox import Mailbox
from simulator.exchange.naming import format_guid

DEVICE_CONTAINER = "ExchangeActiveSyncDevices"


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


@dataclass(slots=True, eq=False)
class DeviceClass:
    device_type: str
    model: str
    guid: int
    last_update: float

    @property
    def name(self) -> str:
        return f"{self.device_type}§{self.model}"
