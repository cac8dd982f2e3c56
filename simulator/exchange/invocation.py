"""What a cmdlet function sees while it runs: its organisation, its caller's session, the
simulated time, its bound parameters, and PowerShell's ShouldProcess / ShouldContinue.

ShouldProcess follows PowerShell's rules: `-WhatIf` prints "What if: <text>" and changes
nothing; a cmdlet whose ConfirmImpact is High asks for confirmation unless `-Confirm:$false`;
any cmdlet asks when `-Confirm` is given. Asking needs a host that can prompt (the interactive
shell passes a `Prompter`). A caller that cannot prompt — the connector, or the shell's `-c`
mode — gets PowerShell's "A command that prompts the user failed because the host program ...
does not support user interaction" error (HostFunctionNotImplemented), exactly what a
non-interactive remote runspace returns; the connector therefore passes `Confirm=False`.
ShouldContinue (e.g. removing a mailbox policy that still has users) is not silenced by
`-Confirm:$false`, only by `-Force`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import HostPromptNotSupported, WriteScopeError

if TYPE_CHECKING:
    from simulator.exchange.model import Organization, Scoped
    from simulator.exchange.rbac import Grant
    from simulator.exchange.registry import CmdletSpec
    from simulator.exchange.session import RemoteSession
    from simulator.exchange.versions import ExchangeVersion

Prompter = Callable[[str, str], bool]
"""(caption, message) → True to go on. Raising stops the pipeline."""


@dataclass
class Invocation:
    org: Organization
    session: RemoteSession
    spec: CmdletSpec
    grant: Grant
    now: float  # simulated seconds
    parameter_set: str
    values: dict[str, Any]
    prompter: Prompter | None = None
    messages: list[tuple[str, str]] = field(default_factory=list)  # (warning|whatif, text)
    modified: list[str] = field(default_factory=list)

    @property
    def version(self) -> ExchangeVersion:
        return self.session.server.version

    @property
    def major(self) -> int:
        return self.session.server.version.major

    @property
    def now_dt(self) -> datetime:
        return self.org.epoch + timedelta(seconds=self.now)

    @property
    def caller(self) -> str:
        return self.session.account

    def warn(self, text: str) -> None:
        self.messages.append(("warning", text))

    @property
    def warnings(self) -> list[str]:
        return [text for kind, text in self.messages if kind == "warning"]

    @property
    def whatif(self) -> bool:
        return bool(self.values.get("WhatIf"))

    # -- ShouldProcess / ShouldContinue -------------------------------------------------------
    def should_process(self, text: str) -> bool:
        """May the cmdlet change what `text` describes? Prints "What if:" under -WhatIf."""
        if self.whatif:
            self.messages.append(("whatif", f"What if: {text}"))
            return False
        confirm = self.values.get("Confirm")
        if confirm is False:
            return True
        if confirm is True or self.spec.confirm_impact == "High":
            return self._ask("Confirm", f"Are you sure you want to perform this action?\n{text}")
        return True

    def should_continue(self, text: str, force: bool) -> bool:
        if force:
            return True
        return self._ask("Confirm", text)

    def _ask(self, caption: str, text: str) -> bool:
        if self.prompter is None:
            raise HostPromptNotSupported(text)
        return self.prompter(caption, text)

    # -- scopes ---------------------------------------------------------------------------------
    def check_recipient_write(self, mailbox: Scoped) -> None:
        """Raise the write-scope error when no role granting this cmdlet may write `mailbox`."""
        roots = self.grant.write_roots
        if roots is None:
            return
        identity = mailbox.identity.lower()
        if not any(identity.startswith(root + "/") or mailbox.domain == root for root in roots):
            raise WriteScopeError.recipient(mailbox.identity)

    def changed(self, identity: str) -> None:
        """Record that the cmdlet wrote `identity` (for the admin audit log)."""
        self.modified.append(identity)
