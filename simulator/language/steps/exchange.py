"""An Exchange administrator's step: any line of the Exchange Management Shell.

`{exchange: "Set-CASMailbox ann -ActiveSyncEnabled $false"}` (or `do: exchange` with
`command:`) runs the line in a remote session opened as an account of the scenario — the
first one holding an Exchange role unless `account:` names another — through the shell twin
(`simulator/exchange/shell/`): the session checks the account's logon, RBAC and throttling as
it would for anyone, each cmdlet spends its simulated time and is written to the admin audit
log. A line that reports an error fails the step with PowerShell's own error text.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.language.steps.base import StepBase, StepError, StepRunner, step

FAMILY = "exchange"
OUTPUT_IN_TRACE = 2000  # characters of the shell's output kept in the trace event


class ExchangeCommand(StepBase):
    """Run a line in the Exchange Management Shell as an administrator of the scenario;
    a line that reports an error fails the step with the PowerShell-shaped error."""

    do: Literal["exchange"]
    command: str = Field(description='e.g. "Set-CASMailbox ann -ActiveSyncEnabled $false"')
    account: str | None = Field(
        None, description="DOMAIN\\user of the scenario; the first with an Exchange role if unset"
    )
    server: str | None = Field(None, description="the server to connect to; the first CAS if unset")


@step(ExchangeCommand, FAMILY)
def exchange(s: ExchangeCommand, run: StepRunner) -> str:
    """The line's output is returned as well as traced (cut short there): the browser lab's
    shell shows all of it."""
    # the shell (parser, interpreter, session), loaded when a step runs: reading needs none
    from simulator.exchange.shell.lab import LabError, open_shell

    world = run.world
    try:
        shell = open_shell(world, s.account, s.server, live=False)
    except LabError as exc:
        raise StepError(str(exc)) from None
    try:
        output = shell.execute(s.command)
    finally:
        shell.session.close()
    world.trace.emit(
        "exchange.command",
        account=shell.session.account,
        command=s.command,
        ok=shell.last_ok,
        output=world.trace.redact_text(output.strip())[:OUTPUT_IN_TRACE],
    )
    if not shell.last_ok:
        raise StepError(output.strip())
    return output


class AddRoleGroupMember(StepBase):
    """Add an account to an Exchange role group, as Add-RoleGroupMember does (the shell line
    `{exchange: "Add-RoleGroupMember ..."}` does the same through an administrator's session);
    the account's next session has the group's cmdlets (R1.10, C08)."""

    do: Literal["add_role_group_member"]
    role_group: str = Field(description="e.g. Organization Management, or a custom role group")
    member: str = Field(description="DOMAIN\\user")


@step(AddRoleGroupMember, FAMILY)
def add_role_group_member(s: AddRoleGroupMember, run: StepRunner) -> None:
    world = run.world
    rbac = world.org.rbac
    if rbac.role_group(s.role_group) is None:
        raise StepError(f"no role group '{s.role_group}'")
    user = world.directory.find(s.member)
    if user is None:
        raise StepError(f"no account '{s.member}' in the directory")
    account = world.directory.account_name(user)
    rbac.add_member(s.role_group, account)
    world.trace.emit("exchange.role_group_member", role_group=s.role_group, member=account)
