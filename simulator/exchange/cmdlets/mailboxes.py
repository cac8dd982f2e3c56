"""Mailbox cmdlets: Get-Mailbox and Set-Mailbox — what an administrator uses to see and fix a
recipient's addresses (SPEC R5.4: a mailbox is reported only while its primary SMTP address
equals its owner's UPN). The users' cmdlets are in users.py; what both share in
recipient_writes.py."""

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
    MAILBOX_DETAILS,
    READ_COMMON,
    SET_RECIPIENT_MR,
    account_of,
    check_upn,
    new_addresses,
    write_recipient,
)
from simulator.exchange.cmdlets.recipients import _anr, _in_ou
from simulator.exchange.errors import InvalidArgument, ObjectNotFound
from simulator.exchange.identity import resolve_mailbox, visible_mailboxes
from simulator.exchange.mailbox import Mailbox
from simulator.exchange.recipient_views import (
    mailbox_filter_getters,
    mailbox_view,
)
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


# -- Get-Mailbox ---------------------------------------------------------------------------------
@cmdlet(
    "Get-Mailbox",
    [
        Param(
            "Identity",
            "identity",
            "MailboxIdParameter",
            sets=("Identity",),
            position=0,
            pipeline=True,
        ),
        Param("Anr", sets=("AnrSet",), mandatory=True),
        Param("Database", "identity", "DatabaseIdParameter", sets=("DatabaseSet",), mandatory=True),
        Param("Server", "identity", "ServerIdParameter", sets=("ServerSet",), mandatory=True),
        Param(
            "RecipientTypeDetails",
            "enum_list",
            "RecipientTypeDetails[]",
            choices=MAILBOX_DETAILS,
        ),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "Alias")),
        *READ_COMMON,
    ],
    since=(8, 0),
    output_type="Mailbox",
    roles=("Mail Recipients", "Mail Recipient Creation", "View-Only Recipients"),
)
def get_mailbox(
    ctx: Invocation,
    Identity: str | None = None,
    Anr: str | None = None,
    Database: str | None = None,
    Server: str | None = None,
    RecipientTypeDetails: list[str] | None = None,
    SortBy: str | None = None,
    Filter: str | None = None,
    ResultSize: Any = None,
    OrganizationalUnit: str | None = None,
    IgnoreDefaultScope: bool = False,
    **_: Any,
) -> list[Record]:
    """Returns mailboxes with their addresses and their user's UPN.

    Emulated: PrimarySmtpAddress, EmailAddresses (the primary one `SMTP:`, the others
    `smtp:`), WindowsEmailAddress (AD `mail`), EmailAddressPolicyEnabled, UserPrincipalName; a
    mailbox built for a scenario account (or by `create_user`) takes the account's AD `mail` as
    its primary SMTP address, the UPN only when it has none, and a UPN or `mail` edited in AD
    shows at once; the Identity, AnrSet, DatabaseSet and ServerSet parameter sets, -Filter (with
    UserPrincipalName, PrimarySmtpAddress, WindowsEmailAddress, EmailAddressPolicyEnabled...),
    -RecipientTypeDetails, -ResultSize with its warnings, -SortBy, -OrganizationalUnit,
    -IgnoreDefaultScope; the session's recipient scope.
    Not emulated: arbitration, archive, public folder, inactive and soft-deleted mailboxes and
    their switches; most of the Mailbox object's ~200 properties (quotas, retention, audit...)
    are not shown; -Credential and -ReadFromDomainController are accepted and ignored.
    """
    if Identity:
        return [mailbox_view(ctx.org, resolve_mailbox(ctx, Identity), ctx.version)]
    mailboxes: Iterable[Mailbox] = (
        ctx.org.mailboxes if IgnoreDefaultScope else visible_mailboxes(ctx)
    )
    if Anr:
        mailboxes = _anr(mailboxes, Anr)
    if Database:
        if Database.lower() not in {mb.database.lower() for mb in ctx.org.mailboxes}:
            raise ObjectNotFound.for_identity(Database, ctx.org.domain_controller)
        mailboxes = (mb for mb in mailboxes if mb.database.lower() == Database.lower())
    if Server:
        server = ctx.org.server(Server)
        if server is None:
            raise ObjectNotFound.for_identity(Server, ctx.org.domain_controller)
        mailboxes = (mb for mb in mailboxes if mb.server.lower() == server.name.lower())
    if RecipientTypeDetails:
        wanted = set(RecipientTypeDetails)
        mailboxes = (mb for mb in mailboxes if mb.recipient_type_details in wanted)
    getters = mailbox_filter_getters(ctx.org)
    selected = filtered(_in_ou(mailboxes, OrganizationalUnit), Filter, getters)
    ordered = sort_by(selected, SortBy, getters)
    return [mailbox_view(ctx.org, mb, ctx.version) for mb in limit(ctx, ordered, ResultSize)]


@cmdlet(
    "Set-Mailbox",
    [
        Param(
            "Identity",
            "identity",
            "MailboxIdParameter",
            mandatory=True,
            position=0,
            pipeline=True,
        ),
        Param("PrimarySmtpAddress", "smtp"),
        Param("EmailAddresses", "multivalued", ps_type="ProxyAddressCollection"),
        Param("EmailAddressPolicyEnabled", "bool"),
        Param("WindowsEmailAddress", "smtp"),
        Param("UserPrincipalName", since=(14, 0)),
        Param("Force", "switch"),
        Param("IgnoreDefaultScope", "switch"),
        DOMAIN_CONTROLLER,
    ],
    since=(8, 0),
    roles={"Mail Recipients": SET_RECIPIENT_MR},
)
def set_mailbox(
    ctx: Invocation,
    Identity: str,
    PrimarySmtpAddress: str | None = None,
    EmailAddresses: Any = None,
    EmailAddressPolicyEnabled: bool | None = None,
    WindowsEmailAddress: str | None = None,
    UserPrincipalName: str | None = None,
    **_: Any,
) -> None:
    """Changes a mailbox's addresses and its user's UPN.

    Emulated: -PrimarySmtpAddress (the former primary address stays as a secondary one; also
    writes WindowsEmailAddress), -EmailAddresses (a list replaces; its `SMTP:` entry or else
    its first is primary; @{Add=..;Remove=..} edits; an added `SMTP:` entry becomes primary),
    -EmailAddressPolicyEnabled, -WindowsEmailAddress (no effect under an enabled policy; else
    primary address and `mail` together), -UserPrincipalName (written to AD: Exchange sees it
    at once, Intune at its next directory synchronisation); an enabled email address policy
    keeps the primary address, with Exchange's "Couldn't update the primary SMTP address"
    warning; the address format error; the "already being used by the proxy addresses" error
    for an address another recipient holds; -PrimarySmtpAddress with -EmailAddresses refused;
    write scope; -WhatIf; the "no settings modified" warning; the admin audit log.
    Not emulated: every other Set-Mailbox parameter (quotas, delivery, retention, type
    conversion...); the email address policy itself (see addresses.py); -Force and
    -IgnoreDefaultScope are accepted and change nothing.
    """
    if PrimarySmtpAddress is not None and EmailAddresses is not None:
        raise InvalidArgument(
            "You can't use the PrimarySmtpAddress and EmailAddresses parameters at the same time."
        )
    mb = resolve_mailbox(ctx, Identity)
    ctx.check_recipient_write(mb)
    account = account_of(mb)
    addresses = new_addresses(
        ctx, mb, PrimarySmtpAddress, EmailAddresses, WindowsEmailAddress, EmailAddressPolicyEnabled
    )
    if UserPrincipalName is not None:
        check_upn(ctx, account, UserPrincipalName)
    if not ctx.should_process(f'Setting mailbox "{mb.identity}".'):
        return None
    ctx.changed(mb.identity)
    if not write_recipient(
        ctx, mb, account, addresses, UserPrincipalName, None, EmailAddressPolicyEnabled
    ):
        no_change(ctx, mb.identity)
    return None
