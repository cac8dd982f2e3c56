"""The queue of work Intune hands to connectors: sync requests from the console, access
decisions (allow, block, quarantine) and remote actions (wipe, cancel wipe, remove).

Commands belong to a *scope* — the subscription in profile 2016, an Exchange organisation
in 2018 — not to one connector, so a connector that replaces another picks up what was
still open. Delivery is at-least-once: a command is returned by every poll until its final
result is reported. A newer access decision for a device supersedes an open older one, so
a connector never receives "allow" and "block" for the same device at once.

A command's life is what Exchange shows, read back by the connector (never the mere absence
of an error): **issued** (waiting for the connector) → **pending** (Exchange holds it but
does not show its effect yet: a wipe requested that the phone has not acknowledged, a
device still in Device Discovery) → **succeeded**, **failed** or **cancelled** (a wipe whose
request Exchange no longer holds: cancelled, or the partnership removed first). A pending
command is still returned by every poll, with its state, so that the connector reads it back
again.

Deviations: a wipe of a phone that never contacts Exchange again stays pending for ever
(model: Intune documents no expiry for an Exchange ActiveSync wipe; its device actions show
pending until the device checks in — Graph's `actionState` `pending`, `managementState`
`wipePending`); the twin's phones always acknowledge a wipe as done, so a wipe fails only on
a status the connector does not recognise or a refused cmdlet, never on the phone's own
failure report (MS-ASPROV status 2); a pending command is read back at every poll (every
five minutes) — the real protocol, and how often the real connector looks, are not public.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.intune.errors import CommandNotFound, InvalidBody

COMMAND_TYPES = (
    "quickSync",
    "fullSync",
    "allow",
    "block",
    "quarantine",
    "wipe",
    "cancelWipe",
    "removeDevice",
)
ACCESS_COMMANDS = ("allow", "block", "quarantine")
DEVICE_COMMANDS = (*ACCESS_COMMANDS, "wipe", "cancelWipe", "removeDevice")
OUTCOMES = ("succeeded", "failed", "pending", "cancelled")
OPEN_STATES = ("issued", "pending")  # returned by polls


@dataclass
class Command:
    command_id: str
    type: str
    scope: str
    issued_at: datetime
    target: dict[str, str] | None = None  # {userPrincipalName, exchangeDeviceId}
    parameters: dict[str, Any] = field(default_factory=dict)
    state: str = "issued"  # issued, pending, succeeded, failed, cancelled, superseded
    completed_at: datetime | None = None
    updated_at: datetime | None = None  # the last report (pending ones included)
    error: str | None = None
    error_code: str | None = None
    exchange: dict[str, Any] = field(default_factory=dict)  # what Exchange showed, read back

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def device(self) -> str | None:
        return self.target["exchangeDeviceId"].lower() if self.target else None

    def to_json(self) -> dict[str, Any]:
        return {
            "commandId": self.command_id,
            "type": self.type,
            "target": self.target,
            "issuedAt": self.issued_at.isoformat(),
            "parameters": self.parameters,
            "state": self.state,
        }


class CommandQueue:
    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        self.commands: dict[str, Command] = {}  # in issue order
        self.latest: dict[tuple[str, str], Command] = {}  # (lower device id, type) -> newest

    def issue(
        self,
        scope: str,
        type_: str,
        now: datetime,
        target: dict[str, str] | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> Command:
        if type_ not in COMMAND_TYPES:
            raise ValueError(f"unknown command type {type_!r}")
        command = Command(self._new_id(), type_, scope, now, target, dict(parameters or {}))
        if command.device and type_ in ACCESS_COMMANDS:
            self.supersede(scope, command.device, ACCESS_COMMANDS)
        self.commands[command.command_id] = command
        if command.device:
            self.latest[(command.device, type_)] = command
        return command

    def supersede(
        self, scope: str, device: str, types: tuple[str, ...], state: str = "superseded"
    ) -> None:
        """End the open commands of `types` for `device` (not yet carried out, or pending)."""
        for c in self.pending(scope):
            if c.device == device and c.type in types:
                c.state = state

    def pending(self, scope: str) -> list[Command]:
        """The scope's open commands (issued or pending), returned by every poll."""
        return [c for c in self.commands.values() if c.scope == scope and c.open]

    def complete(self, scope: str, command_id: str, body: dict[str, Any], now: datetime) -> Command:
        command = self.commands.get(command_id)
        if command is None or command.scope != scope:
            raise CommandNotFound(f"No command {command_id} was issued to this connector")
        outcome = body.get("outcome")
        if outcome not in OUTCOMES:
            raise InvalidBody(f"outcome must be one of {', '.join(OUTCOMES)}, found {outcome!r}")
        if outcome == "pending" and command.type not in DEVICE_COMMANDS:
            raise InvalidBody(f"a {command.type} command is not pending in Exchange")
        if outcome == "cancelled" and command.type != "wipe":
            raise InvalidBody("only a wipe can be cancelled")
        exchange = body.get("exchange", {})
        if not isinstance(exchange, dict):
            raise InvalidBody("exchange must be an object (what Exchange showed afterwards)")
        if command.open:  # a final report stands: a repeated one changes nothing
            command.state = str(outcome)
            command.updated_at = now
            command.exchange = dict(exchange)
            command.error = body.get("error")
            command.error_code = body.get("errorCode")
            if outcome != "pending":
                command.completed_at = now
        return command

    def end(self, command: Command, state: str, now: datetime) -> None:
        """Close an open command as Intune learnt it otherwise (a wipe cancelled by its
        cancelWipe's success)."""
        if command.open:
            command.state = state
            command.completed_at = command.updated_at = now

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.commands.values():
            out[c.state] = out.get(c.state, 0) + 1
        return dict(sorted(out.items()))
