"""Steps of an Active Directory administrator: passwords, lockout, enabling, groups, users.

These change Active Directory itself, at the moment of the step — unlike the `faults:` of the
same names, which hold for a span of time and then end. Intune sees users and group
memberships only after its next directory synchronisation (every 30 minutes by default), so
a change of targeting takes effect in Intune then, not at once (`simulator/intune/tenant.py`).

Steps: `set_password`, `lock_account` / `unlock_account`, `disable_account` /
`enable_account`, `expire_password`, `add_to_group` / `remove_from_group`, `set_upn` /
`set_mail` (Exchange reads both AD attributes at once; Intune sees the UPN after its next
directory synchronisation) and `create_user` (optionally with a mailbox on the on-premises
Exchange and an Intune licence).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from simulator.language.steps.base import StepBase, StepError, StepRunner, step

if TYPE_CHECKING:
    from simulator.world.accounts import DirectoryUser
    from simulator.world.directory import Directory

FAMILY = "directory"


class AccountStep(StepBase):
    account: str = Field(description="DOMAIN\\user or UPN")


def _user(run: StepRunner, account: str) -> DirectoryUser:
    user = run.world.directory.find(account)
    if user is None:
        raise StepError(f"no account '{account}' in the directory")
    return user


def _changed(run: StepRunner, what: str, user: DirectoryUser, **fields: object) -> None:
    directory = run.world.directory
    run.world.trace.emit(
        "directory.change", change=what, account=directory.account_name(user), **fields
    )


class SetPassword(AccountStep):
    """An administrator resets an account's password (the old one stops working at once)."""

    do: Literal["set_password"]
    password: str


@step(SetPassword, FAMILY)
def set_password(s: SetPassword, run: StepRunner) -> None:
    run.world.trace.add_secret(s.password)
    user = _user(run, s.account)
    run.world.directory.set_password(s.account, s.password)
    _changed(run, "password_reset", user)


class LockAccount(AccountStep):
    """The account is locked out (too many bad passwords somewhere)."""

    do: Literal["lock_account"]


class UnlockAccount(AccountStep):
    """An administrator unlocks the account."""

    do: Literal["unlock_account"]


class DisableAccount(AccountStep):
    """An administrator disables the account."""

    do: Literal["disable_account"]


class EnableAccount(AccountStep):
    """An administrator enables the account again."""

    do: Literal["enable_account"]


class ExpirePassword(AccountStep):
    """The account's password expires ("User must change password at next logon")."""

    do: Literal["expire_password"]


def _account_change(
    model: type[AccountStep], change: str, apply: Callable[[Directory, DirectoryUser, str], None]
) -> None:
    """Register a step that changes one account's state in place and traces the change."""

    def handler(s: AccountStep, run: StepRunner) -> None:
        user = _user(run, s.account)
        apply(run.world.directory, user, s.account)
        _changed(run, change, user)

    step(model, FAMILY)(handler)


_account_change(LockAccount, "locked", lambda _d, user, _a: setattr(user, "locked", True))
_account_change(UnlockAccount, "unlocked", lambda d, _u, account: d.unlock(account))
_account_change(DisableAccount, "disabled", lambda _d, user, _a: setattr(user, "enabled", False))
_account_change(EnableAccount, "enabled", lambda _d, user, _a: setattr(user, "enabled", True))
_account_change(
    ExpirePassword, "password_expired", lambda _d, user, _a: setattr(user, "password_expired", True)
)


class GroupStep(AccountStep):
    group: str


class AddToGroup(GroupStep):
    """Add an account to an AD group (seen by Intune at its next directory synchronisation)."""

    do: Literal["add_to_group"]


class RemoveFromGroup(GroupStep):
    """Remove an account from an AD group (seen by Intune at its next directory sync)."""

    do: Literal["remove_from_group"]


@step(AddToGroup, FAMILY)
def add_to_group(s: AddToGroup, run: StepRunner) -> None:
    user = _user(run, s.account)
    run.world.directory.add_member(s.account, s.group)
    _changed(run, "group_added", user, group=s.group)


@step(RemoveFromGroup, FAMILY)
def remove_from_group(s: RemoveFromGroup, run: StepRunner) -> None:
    user = _user(run, s.account)
    if run.world.directory.group(s.group) is None:
        raise StepError(f"unknown group '{s.group}'")
    run.world.directory.remove_member(s.account, s.group)
    _changed(run, "group_removed", user, group=s.group)


class SetUpn(AccountStep):
    """An administrator changes an account's user principal name in AD (Exchange shows the
    new UserPrincipalName at once; Intune, the connector's user list and licences follow at
    the next directory synchronisation)."""

    do: Literal["set_upn"]
    upn: str = Field(description="user@suffix")


class SetMail(AccountStep):
    """An administrator edits an account's E-mail (`mail`) attribute in AD: Exchange shows it
    as WindowsEmailAddress at once, but — as documented — a mailbox's primary SMTP address
    does not change with it."""

    do: Literal["set_mail"]
    mail: str | None = Field(description="an SMTP address; null clears the attribute")


@step(SetUpn, FAMILY)
def set_upn(s: SetUpn, run: StepRunner) -> None:
    user = _user(run, s.account)
    old = user.upn
    try:
        run.world.directory.set_upn(s.account, s.upn)
    except ValueError as exc:
        raise StepError(str(exc)) from None
    _changed(run, "upn", user, old=old, upn=s.upn)


@step(SetMail, FAMILY)
def set_mail(s: SetMail, run: StepRunner) -> None:
    user = _user(run, s.account)
    from simulator.exchange.addresses import invalid_smtp_detail, is_smtp

    if s.mail is not None and not is_smtp(s.mail):
        raise StepError(invalid_smtp_detail(s.mail))
    old = user.mail
    run.world.directory.set_mail(s.account, s.mail)
    _changed(run, "mail", user, old=old, mail=s.mail)


class CreateUser(StepBase):
    """Create an AD user, optionally with a mailbox on the on-premises Exchange and a direct
    Intune licence (effective once directory synchronisation has brought the user over)."""

    do: Literal["create_user"]
    name: str = Field(description="DOMAIN\\user")
    password: str | None = None
    upn: str | None = Field(
        None, description="user@domain; <user>@<the domain's DNS name> if unset"
    )
    mail: str | None = Field(
        None,
        description="the E-mail attribute: the mailbox's primary SMTP address; the UPN if unset",
    )
    groups: list[str] = Field(default_factory=list)
    mailbox: bool = False
    server: str | None = Field(None, description="the mailbox server; the first one if unset")
    licensed: bool = False


@step(CreateUser, FAMILY)
def create_user(s: CreateUser, run: StepRunner) -> None:
    from simulator.world.accounts import DirectoryUser

    world = run.world
    directory = world.directory
    if "\\" not in s.name:
        raise StepError(f"expected DOMAIN\\user, found '{s.name}'")
    dom, sam = s.name.split("\\", 1)
    domain = directory.domain(dom)
    if domain is None:
        raise StepError(f"unknown domain '{dom}' (domains: {', '.join(sorted(directory.domains))})")
    world.trace.add_secret(s.password)
    upn = s.upn or f"{sam.lower()}@{domain.dns_name}"
    from simulator.exchange.addresses import invalid_smtp_detail, is_smtp

    if s.mail is not None and not is_smtp(s.mail):
        raise StepError(invalid_smtp_detail(s.mail))
    user = directory.add_user(
        DirectoryUser(
            sam=sam,
            domain=domain.dns_name,
            upn=upn,
            display_name=sam,
            password=s.password,
            mail=s.mail,
        )
    )
    for group in s.groups:
        directory.add_member(s.name, group)
    if s.mailbox:
        from simulator.exchange.build import account_mailbox  # the organisation's, when run

        org = world.org
        servers = [x.name for x in org.servers if x.is_mailbox] or [org.servers[0].name]
        server = org.server(s.server or servers[0])
        if server is None:
            raise StepError(f"no Exchange server '{s.server}'")
        org.add_mailbox(account_mailbox(user, server.name, org.rng, world.clock.seconds))
    if s.licensed:
        world.intune.tenant.assign_licence(upn, "intune")
    world.trace.emit(
        "directory.change",
        change="created",
        account=directory.account_name(user),
        upn=upn,
        mailbox=s.mailbox,
        licensed=s.licensed,
        **({"mail": s.mail} if s.mail else {}),
    )
