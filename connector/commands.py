"""Applying Intune's decisions to Exchange (SPEC R7).

Allow and block go through the users' `ActiveSyncAllowedDeviceIDs` / `ActiveSyncBlockedDeviceIDs`
lists (personal exemptions, which Exchange evaluates before any rule); quarantine removes both
exemptions so that the organisation's default level or the device rules decide; wipe and
cancel-wipe use `Clear-ActiveSyncDevice`; remove uses `Remove-ActiveSyncDevice`. Before a device
is blocked or quarantined the user is sent a notification through the notification account
when Intune asks for it (`notifyUser`, the first time a device of the user is blocked).

Commands arrive at least once, so each handler is idempotent: it reads the current state and
changes only what differs, and a device already gone counts as removed.

The outcome reported is what Exchange shows afterwards, read back — never the mere absence
of an error: after allow / block / quarantine the device's `DeviceAccessState`
(Get-ActiveSyncDevice) must be Allowed / Blocked / Quarantined (a device still in Device
Discovery is *pending*: asked again at the next poll); after a wipe the statistics'
`Status` / `DeviceWipeRequestTime` / `DeviceWipeAckTime` (Get-ActiveSyncDeviceStatistics):
the wipe is *pending* until the phone acknowledged it (DeviceWipeSucceeded), and Intune
returns it on every poll, marked pending, so that it is read back again without being
requested twice; a wipe whose request Exchange no longer holds (cancelled there, or the
partnership removed) is *cancelled*; after a removal the partnership must be gone.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from connector.errors import ConnectorError, NotificationFailed
from connector.exchange import ExchangeError, ObjectNotFound
from connector.log import ConnectorLog
from connector.notify import Notifier
from connector.platform import Platform
from connector.runspaces import RunspacePool
from connector.state import ConnectorState

DEVICE_COMMANDS = ("allow", "block", "quarantine", "wipe", "cancelWipe", "removeDevice")
DEFAULT_SUBJECT = "Action required: enroll your device to keep access to your email"
DEFAULT_BODY = (
    "<p>Your device will lose access to company email because it is not managed by Intune.</p>"
    '<p><a href="https://portal.manage.microsoft.com/">Get Started Now</a> to enroll it.</p>'
)


ACCESS_STATES = {"allow": "Allowed", "block": "Blocked", "quarantine": "Quarantined"}


@dataclass
class CommandOutcome:
    outcome: (
        str  # succeeded, failed, pending (Exchange holds it, its effect not shown yet), cancelled
    )
    error: str | None = None
    code: str | None = None
    notified: bool = False
    exchange: dict[str, Any] | None = None  # what Exchange showed afterwards


class CommandFailed(ConnectorError):
    code = "0x0000001d"


class DeviceCommands:
    def __init__(
        self,
        platform: Platform,
        pool: RunspacePool,
        state: ConnectorState,
        log: ConnectorLog,
        notifier: Notifier | None,
    ) -> None:
        self.platform = platform
        self.pool = pool
        self.state = state
        self.log = log
        self.notifier = notifier
        self.notification_error: str | None = None
        self._notify_requested = False
        self._pending = False

    def handle(self, command: dict[str, Any]) -> CommandOutcome:
        kind = str(command.get("type", ""))
        target = command.get("target") or {}
        upn = str(target.get("userPrincipalName", ""))
        device_id = str(target.get("exchangeDeviceId", ""))
        if kind not in DEVICE_COMMANDS or not upn or not device_id:
            return CommandOutcome(
                "failed", f"unsupported command {kind!r} or missing target", CommandFailed.code
            )
        self._notify_requested = bool((command.get("parameters") or {}).get("notifyUser"))
        self._pending = command.get("state") == "pending"  # carried out already: read back
        try:
            outcome: CommandOutcome = getattr(self, "_" + kind)(upn, device_id)
        except ConnectorError as exc:
            return CommandOutcome("failed", exc.message, exc.code)
        except ExchangeError as exc:
            return CommandOutcome("failed", f"{exc.error_id}: {exc.message}", CommandFailed.code)
        return outcome

    # -- helpers --------------------------------------------------------------------------------
    def _lists(self, upn: str) -> tuple[list[str], list[str]]:
        try:
            mailbox = self.pool.invoke("Get-CasMailbox", Identity=upn)[0]
        except ObjectNotFound as exc:
            raise CommandFailed(f"The mailbox of {upn} cannot be found: {exc.message}") from exc
        return list(mailbox.get("ActiveSyncAllowedDeviceIDs") or []), list(
            mailbox.get("ActiveSyncBlockedDeviceIDs") or []
        )

    def _set_lists(self, upn: str, device_id: str, allow: bool | None, block: bool | None) -> None:
        """Add to / remove from the exemption lists only where they differ (True add, False remove)."""
        allowed, blocked = self._lists(upn)
        params: dict[str, Any] = {}
        for name, present_in, wanted in (
            ("ActiveSyncAllowedDeviceIDs", allowed, allow),
            ("ActiveSyncBlockedDeviceIDs", blocked, block),
        ):
            present = any(x.lower() == device_id.lower() for x in present_in)
            if wanted is True and not present:
                params[name] = {"Add": [device_id]}
            elif wanted is False and present:
                params[name] = {"Remove": [x for x in present_in if x.lower() == device_id.lower()]}
        if params:
            self.pool.invoke("Set-CasMailbox", Identity=upn, **params)

    def _find(self, cmdlet: str, id_field: str, upn: str, device_id: str) -> dict[str, Any] | None:
        try:
            devices = self.pool.invoke(cmdlet, Mailbox=upn)
        except ObjectNotFound as exc:
            raise CommandFailed(f"The mailbox of {upn} cannot be found: {exc.message}") from exc
        for device in devices:
            if str(device.get(id_field, "")).lower() == device_id.lower():
                return device
        return None

    def _device(self, upn: str, device_id: str) -> dict[str, Any] | None:
        """The partnership as Get-ActiveSyncDevice shows it (its access state, its identity)."""
        return self._find("Get-ActiveSyncDevice", "DeviceId", upn, device_id)

    def _statistics(self, upn: str, device_id: str) -> dict[str, Any] | None:
        """The partnership's statistics (its wipe status and times)."""
        return self._find("Get-ActiveSyncDeviceStatistics", "DeviceID", upn, device_id)

    def _device_identity(self, upn: str, device_id: str) -> str | None:
        device = self._device(upn, device_id)
        return None if device is None else str(device["Identity"])

    def _gone(self, upn: str, device_id: str) -> CommandFailed:
        return CommandFailed(f"The device {device_id} of {upn} no longer exists in Exchange")

    def _access_outcome(
        self, kind: str, upn: str, device_id: str, notified: bool
    ) -> CommandOutcome:
        """Read the device's access state back: the command succeeded only if Exchange shows
        the state it asked for."""
        device = self._device(upn, device_id)
        if device is None:
            raise self._gone(upn, device_id)
        state = device.get("DeviceAccessState")
        reason = device.get("DeviceAccessStateReason")
        shown = {"deviceAccessState": state, "deviceAccessStateReason": reason}
        if state == ACCESS_STATES[kind]:
            return CommandOutcome("succeeded", notified=notified, exchange=shown)
        if state == "DeviceDiscovery":  # Exchange decides once it has the device's details
            return CommandOutcome("pending", notified=notified, exchange=shown)
        return CommandOutcome(
            "failed",
            f"Exchange shows the device {device_id} of {upn} {state} ({reason}) after the "
            f"{kind}, not {ACCESS_STATES[kind]}",
            CommandFailed.code,
            notified,
            shown,
        )

    def _notify(self, upn: str, device_id: str) -> bool:
        """Mail the user before the block when Intune asks for it (`notifyUser`), once per
        device even if the command is delivered again."""
        key = device_id.lower()
        if not self._notify_requested or self.notifier is None or key in self.state.notified:
            return False
        template = self.state.notification
        try:
            self.notifier.send(
                upn,
                template.get("subject") or DEFAULT_SUBJECT,
                template.get("body") or DEFAULT_BODY,
            )
        except NotificationFailed as exc:
            self.notification_error = exc.message
            self.log.error(
                "SendEmailFailed", exc.message, to=upn, deviceId=device_id, code=exc.code
            )
            return False
        self.notification_error = None
        self.state.notified[key] = self.platform.now().isoformat()
        self.log.info(
            "SendEmail", f"SendEmail from {self.notifier.smtp} to {upn}", to=upn, deviceId=device_id
        )
        return True

    # -- the commands ---------------------------------------------------------------------------
    def _allow(self, upn: str, device_id: str) -> CommandOutcome:
        self._set_lists(upn, device_id, allow=True, block=False)
        self.state.notified.pop(device_id.lower(), None)
        return self._access_outcome("allow", upn, device_id, False)

    def _block(self, upn: str, device_id: str) -> CommandOutcome:
        notified = self._notify(upn, device_id)
        self._set_lists(upn, device_id, allow=False, block=True)
        return self._access_outcome("block", upn, device_id, notified)

    def _quarantine(self, upn: str, device_id: str) -> CommandOutcome:
        notified = self._notify(upn, device_id)
        self._set_lists(upn, device_id, allow=False, block=False)
        return self._access_outcome("quarantine", upn, device_id, notified)

    def _wipe(self, upn: str, device_id: str) -> CommandOutcome:
        stats = self._statistics(upn, device_id)
        if stats is None:
            if self._pending:  # Exchange cancels a pending wipe with the partnership
                return CommandOutcome(
                    "cancelled",
                    f"The partnership of {device_id} was removed before the device acknowledged "
                    "the wipe",
                    exchange={"partnership": False},
                )
            raise self._gone(upn, device_id)
        if _wipe_shown(stats) is None:
            if self._pending:  # requested, and no longer held: cancelled in Exchange
                return CommandOutcome(
                    "cancelled",
                    f"Exchange no longer holds a wipe request for {device_id} (Status "
                    f"{stats.get('Status')})",
                    exchange=_wipe_fields(stats),
                )
            self.pool.invoke(
                "Clear-ActiveSyncDevice", Identity=str(stats["Identity"]), Confirm=False
            )
            stats = self._statistics(upn, device_id)
            if stats is None:
                raise self._gone(upn, device_id)
        outcome = _wipe_shown(stats)
        if outcome is None or outcome == "failed":
            return CommandOutcome(
                "failed",
                f"Exchange shows Status {stats.get('Status')} for {device_id} after the wipe request",
                CommandFailed.code,
                exchange=_wipe_fields(stats),
            )
        return CommandOutcome(outcome, exchange=_wipe_fields(stats))

    def _cancelWipe(self, upn: str, device_id: str) -> CommandOutcome:  # noqa: N802 (named after the command type)
        stats = self._statistics(upn, device_id)
        if stats is None:
            raise self._gone(upn, device_id)
        if _wipe_shown(stats) == "pending":
            self.pool.invoke(
                "Clear-ActiveSyncDevice",
                Identity=str(stats["Identity"]),
                Cancel=True,
                Confirm=False,
            )
            stats = self._statistics(upn, device_id)
            if stats is None:
                raise self._gone(upn, device_id)
        shown = _wipe_fields(stats)
        if _wipe_shown(stats) is None:
            return CommandOutcome("succeeded", exchange=shown)
        return CommandOutcome(
            "failed",
            f"The wipe of {device_id} can no longer be cancelled: Exchange shows Status "
            f"{stats.get('Status')} (acknowledged {shown.get('wipeAckTime')})",
            CommandFailed.code,
            exchange=shown,
        )

    def _removeDevice(self, upn: str, device_id: str) -> CommandOutcome:  # noqa: N802
        identity = self._device_identity(upn, device_id)
        if identity is not None:
            with contextlib.suppress(ObjectNotFound):  # removed meanwhile: the command's goal holds
                self.pool.invoke("Remove-ActiveSyncDevice", Identity=identity, Confirm=False)
            after = self._device(upn, device_id)
            if after is not None and str(after.get("Identity")) == identity:
                return CommandOutcome(
                    "failed",
                    f"Exchange still shows the partnership {identity} after its removal",
                    CommandFailed.code,
                    exchange={"partnership": True},
                )
        return CommandOutcome("succeeded", exchange={"partnership": False})


def _iso(value: Any) -> Any:
    return value.isoformat().replace("+00:00", "Z") if hasattr(value, "isoformat") else value


def _wipe_fields(stats: dict[str, Any]) -> dict[str, Any]:
    """The wipe as Get-ActiveSyncDeviceStatistics shows it, for Intune."""
    return {
        "partnership": True,
        "wipeStatus": stats.get("Status"),
        "wipeRequestTime": _iso(stats.get("DeviceWipeRequestTime")),
        "wipeSentTime": _iso(stats.get("DeviceWipeSentTime")),
        "wipeAckTime": _iso(stats.get("DeviceWipeAckTime")),
        "wipeRequestor": stats.get("LastDeviceWipeRequestor"),
    }


def _wipe_shown(stats: dict[str, Any]) -> str | None:
    """What the statistics say of a wipe: None (no request held), pending (requested, not
    acknowledged), succeeded (acknowledged: DeviceWipeSucceeded), failed (any other status
    with a request)."""
    status = str(stats.get("Status") or "")
    if stats.get("DeviceWipeRequestTime") is None and status != "DeviceWipeSucceeded":
        return None
    if status == "DeviceWipeSucceeded" and stats.get("DeviceWipeAckTime") is not None:
        return "succeeded"
    if status == "DeviceWipePending" and stats.get("DeviceWipeAckTime") is None:
        return "pending"
    return "failed"
