"""User cmdlets: Get-User and Set-User — Active Directory users as Exchange shows them
(with or without a mailbox), and their UPN and mail attributes fixed from the Exchange side
(SPEC R5.4). What they share with the mailbox cmdlets is in recipient_writes.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    filtered,
    limit,
    no_change,
    sort_by,
)
from simulator.exchange.cmdlets.recipient_writes import (
    READ_COMMON,
    SET_RECIPIENT_MR,
    USER_DETAILS,
    account_of,
    check_upn,
    new_addresses,
    write_recipient,
)
from simulator.exchange.identity import one
from simulator.exchange.mailbox import UserObject
from simulator.exchange.recipient_views import (
    user_filter_getters,
    user_view,
)
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


# -- Get-User ------------------------------------------------------------------------------------
def _visible_users(ctx: Invocation, everything: bool) -> Iterable[UserObject]:
    users = ctx.org.users()
    if everything or ctx.session.sees_everything:
        return users
    visible = ctx.session.visible
    return (u for u in users if visible(u.mailbox if u.mailbox is not None else u))


def _resolve_user(ctx: Invocation, identity: str) -> UserObject:
    visible = ctx.session.visible
    found = [
        u
        for u in ctx.org.find_users(identity)
        if visible(u.mailbox if u.mailbox is not None else u)
    ]
    return one(ctx, identity, found)


def _user_anr(users: Iterable[UserObject], text: str) -> Iterable[UserObject]:
    needle = text.lower()
    for u in users:
        fields = (u.name, u.user.display_name, u.user.sam, u.user.first_name, u.user.last_name)
        if any(f.lower().startswith(needle) for f in fields if f):
            yield u


def _user_in_ou(users: Iterable[UserObject], ou: str | None) -> Iterable[UserObject]:
    if not ou:
        return users
    root = ou.lower().rstrip("/")
    return (
        u
        for u in users
        if f"{u.domain}/{u.ou}".lower() == root or u.ou.lower() == root or u.domain == root
    )


@cmdlet(
    "Get-User",
    [
        Param(
            "Identity",
            "identity",
            "UserIdParameter",
            sets=("Identity",),
            position=0,
            pipeline=True,
        ),
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("RecipientTypeDetails", "enum_list", "RecipientTypeDetails[]", choices=USER_DETAILS),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "FirstName", "LastName")),
        *READ_COMMON,
    ],
    since=(8, 0),
    output_type="User",
    roles=("Mail Recipients", "Mail Recipient Creation", "View-Only Recipients"),
)
def get_user(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    RecipientTypeDetails: list[str] | None = None,
    SortBy: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    OrganizationalUnit: str | None = None,
    IgnoreDefaultScope: bool = False,
    **_: Any,
) -> list[Record]:
    """Returns AD users, with a mailbox (RecipientType UserMailbox) or without (User).

    Emulated: UserPrincipalName (what Intune's directory synchronisation copies),
    WindowsEmailAddress, the names; the Identity and AnrSet parameter sets (Identity: name, UPN, DOMAIN\\user,
    sAMAccountName, canonical name, DN, GUID, or any identity of the user's mailbox),
    -RecipientTypeDetails (User, DisabledUser and the mailbox kinds), -Filter, -ResultSize with
    its warnings, -SortBy, -OrganizationalUnit, -IgnoreDefaultScope; the recipient scope.
    Not emulated: contacts, linked users and the User object's address, phone and organisation
    properties; a user without a mailbox has no WhenCreated/WhenChanged and a GUID derived from
    its account name; -Credential and -ReadFromDomainController are accepted and ignored.
    """
    if Identity:
        return [user_view(ctx.org, _resolve_user(ctx, Identity), ctx.version)]
    users: Iterable[UserObject] = _visible_users(ctx, IgnoreDefaultScope)
    if Anr:
        users = _user_anr(users, Anr)
    if RecipientTypeDetails:
        wanted = set(RecipientTypeDetails)
        users = (u for u in users if u.recipient_type_details in wanted)
    getters = user_filter_getters(ctx.org)
    selected = filtered(_user_in_ou(users, OrganizationalUnit), Filter, getters)
    ordered = sort_by(selected, SortBy, getters)
    return [user_view(ctx.org, u, ctx.version) for u in limit(ctx, ordered, ResultSize)]


# -- Set-User ------------------------------------------------------------------------------------
@cmdlet(
    "Set-User",
    [
        Param(
            "Identity",
            "identity",
            "UserIdParameter",
            mandatory=True,
            position=0,
            pipeline=True,
        ),
        Param("UserPrincipalName"),
        Param("WindowsEmailAddress", "smtp"),
        Param("FirstName"),
        Param("LastName"),
        Param("IgnoreDefaultScope", "switch"),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    roles={"Mail Recipients": SET_RECIPIENT_MR},
)
def set_user(
    ctx: Invocation,
    Identity: str,
    UserPrincipalName: str | None = None,
    WindowsEmailAddress: str | None = None,
    FirstName: str | None = None,
    LastName: str | None = None,
    **_: Any,
) -> None:
    """Changes an AD user's UPN, `mail` attribute and names.

    Emulated: -UserPrincipalName (a malformed UPN, or one another account holds, is refused;
    Exchange shows it at once, Intune at its next directory synchronisation, the user's direct
    licences following it, and the connector then reports the mailbox's devices if its primary
    SMTP address equals the new UPN),
    -WindowsEmailAddress (on a mailbox user under an enabled email address policy it has no
    effect; otherwise it writes `mail`, and a mailbox user's primary address with it),
    -FirstName, -LastName; users with and without mailboxes; write scope; -WhatIf; the
    "no settings modified" warning; the admin audit log.
    Not emulated: the other AD attributes (phones, address, manager...), -Instance, and
    Set-User's reported habit of copying `mail` over a differing primary address.
    """
    target = _resolve_user(ctx, Identity)
    mb = target.mailbox
    ctx.check_recipient_write(mb if mb is not None else target)
    account = account_of(target)
    addresses = None
    mail = None
    if WindowsEmailAddress is not None:
        if mb is None:
            mail = WindowsEmailAddress
        else:
            addresses = new_addresses(ctx, mb, None, None, WindowsEmailAddress, None)
    if UserPrincipalName is not None:
        check_upn(ctx, account, UserPrincipalName)
    if not ctx.should_process(f'Setting user "{target.identity}".'):
        return None
    ctx.changed(target.identity)
    changed = write_recipient(ctx, mb, account, addresses, UserPrincipalName, mail, None)
    user = target.user
    for attr, value in (("first_name", FirstName), ("last_name", LastName)):
        if value is not None and getattr(user, attr) != value:
            setattr(user, attr, value)
            changed = True
    if not changed:
        no_change(ctx, target.identity)
    return None
