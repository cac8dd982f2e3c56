"""The queue of work Intune hands to connectors: sync requests from the console, access
decisions (allow, block, quarantine) and remote actions (wipe, cancel wipe, remove).

Commands belong to a *scope* — the subscription in profile 2016, an Exchange organisation
in 2018 — not to one connector, so a connector that replaces another picks up what was
still pending. Delivery is at-least-once: a command is returned by every poll until its
result is reported. A newer access decision for a device supersedes a pending older one, so
a connector never receives "allow" and "block" for the same device at once.
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
OUTCOMES = ("succeeded", "failed")


@dataclass
class Command:
    command_id: str
    type: str
    scope: str
    issued_at: datetime
    target: dict[str, str] | None = None  # {userPrincipalName, exchangeDeviceId}
    parameters: dict[str, Any] = field(default_factory=dict)
    state: str = "pending"  # pending, succeeded, failed, superseded
    completed_at: datetime | None = None
    error: str | None = None
    error_code: str | None = None

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
        }


class CommandQueue:
    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        self.commands: dict[str, Command] = {}  # in issue order

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
        return command

    def supersede(self, scope: str, device: str, types: tuple[str, ...]) -> None:
        for c in self.pending(scope):
            if c.device == device and c.type in types:
                c.state = "superseded"

    def pending(self, scope: str) -> list[Command]:
        return [c for c in self.commands.values() if c.scope == scope and c.state == "pending"]

    def complete(self, scope: str, command_id: str, body: dict[str, Any], now: datetime) -> Command:
        command = self.commands.get(command_id)
        if command is None or command.scope != scope:
            raise CommandNotFound(f"No command {command_id} was issued to this connector")
        outcome = body.get("outcome")
        if outcome not in OUTCOMES:
            raise InvalidBody(f"outcome must be one of {', '.join(OUTCOMES)}, found {outcome!r}")
        if command.state == "pending":  # a repeated report changes nothing (at-least-once)
            command.state = str(outcome)
            command.completed_at = now
            command.error = body.get("error")
            command.error_code = body.get("errorCode")
        return command

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.commands.values():
            out[c.state] = out.get(c.state, 0) + 1
        return dict(sorted(out.items()))
