"""Applying Intune's decisions to Exchange (SPEC R7).

Allow and block go through the users' `ActiveSyncAllowedDeviceIDs` / `ActiveSyncBlockedDeviceIDs`
lists (personal exemptions, which Exchange evaluates before any rule); quarantine removes both
exemptions so that the organisation's default level or the device rules decide; wipe and
cancel-wipe use `Clear-ActiveSyncDevice`; remove uses `Remove-ActiveSyncDevice`. Before a device
is blocked or quarantined the user is sent a notification through the notification account
when Intune asks for it (`notifyUser`, the first time a device of the user is blocked).

Commands arrive at least once, so each handler is idempotent: it reads the current state and
changes only what differs, and a device already gone counts as removed.
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


@dataclass
class CommandOutcome:
    outcome: str  # "succeeded" or "failed"
    error: str | None = None
    code: str | None = None
    notified: bool = False


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
        try:
            notified = getattr(self, "_" + kind)(upn, device_id)
        except ConnectorError as exc:
            return CommandOutcome("failed", exc.message, exc.code)
        except ExchangeError as exc:
            return CommandOutcome("failed", f"{exc.error_id}: {exc.message}", CommandFailed.code)
        return CommandOutcome("succeeded", notified=bool(notified))

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

    def _device_identity(self, upn: str, device_id: str) -> str | None:
        try:
            devices = self.pool.invoke("Get-ActiveSyncDevice", Mailbox=upn)
        except ObjectNotFound as exc:
            raise CommandFailed(f"The mailbox of {upn} cannot be found: {exc.message}") from exc
        for device in devices:
            if str(device.get("DeviceId", "")).lower() == device_id.lower():
                return str(device["Identity"])
        return None

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
    def _allow(self, upn: str, device_id: str) -> bool:
        self._set_lists(upn, device_id, allow=True, block=False)
        self.state.notified.pop(device_id.lower(), None)
        return False

    def _block(self, upn: str, device_id: str) -> bool:
        notified = self._notify(upn, device_id)
        self._set_lists(upn, device_id, allow=False, block=True)
        return notified

    def _quarantine(self, upn: str, device_id: str) -> bool:
        notified = self._notify(upn, device_id)
        self._set_lists(upn, device_id, allow=False, block=False)
        return notified

    def _wipe(self, upn: str, device_id: str) -> bool:
        identity = self._device_identity(upn, device_id)
        if identity is None:
            raise CommandFailed(f"The device {device_id} of {upn} no longer exists in Exchange")
        self.pool.invoke("Clear-ActiveSyncDevice", Identity=identity, Confirm=False)
        return False

    def _cancelWipe(self, upn: str, device_id: str) -> bool:  # noqa: N802 (named after the command type)
        identity = self._device_identity(upn, device_id)
        if identity is None:
            raise CommandFailed(f"The device {device_id} of {upn} no longer exists in Exchange")
        self.pool.invoke("Clear-ActiveSyncDevice", Identity=identity, Cancel=True, Confirm=False)
        return False

    def _removeDevice(self, upn: str, device_id: str) -> bool:  # noqa: N802
        identity = self._device_identity(upn, device_id)
        if identity is not None:
            with contextlib.suppress(ObjectNotFound):  # removed meanwhile: the command's goal holds
                self.pool.invoke("Remove-ActiveSyncDevice", Identity=identity, Confirm=False)
        return False
