"""Mailbox and user cmdlets: Get-Mailbox, Set-Mailbox, Get-User and Set-User — what an
administrator uses to see and fix a recipient's addresses and UPN (SPEC R5.4: a mailbox is
reported only while its primary SMTP address equals its owner's UPN)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from simulator.exchange.addresses import POLICY_WARNING, Addresses, AddressInUse, edit
from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    ENTRY_BASE_PARAMETERS,
    filtered,
    limit,
    no_change,
    sort_by,
)
from simulator.exchange.cmdlets.recipients import _anr, _in_ou
from simulator.exchange.errors import DataValidationError, InvalidArgument, ObjectNotFound
from simulator.exchange.identity import one, resolve_mailbox, visible_mailboxes
from simulator.exchange.mailbox import Mailbox, UserObject
from simulator.exchange.registry import Param, cmdlet
from simulator.exchange.views import (
    Record,
    mailbox_filter_getters,
    mailbox_view,
    user_filter_getters,
    user_view,
)

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation
    from simulator.world.directory import Directory

_MAILBOX_DETAILS = (
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
    "LinkedMailbox",
)
_USER_DETAILS = ("User", "DisabledUser", *_MAILBOX_DETAILS)
_READ_COMMON = [
    Param("Filter"),
    Param("ResultSize", "resultsize"),
    Param("OrganizationalUnit", "identity", "OrganizationalUnitIdParameter"),
    Param("IgnoreDefaultScope", "switch"),
    Param("ReadFromDomainController", "switch"),
    Param("Credential", "object", ps_type="PSCredential"),
    DOMAIN_CONTROLLER,
]


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
            choices=_MAILBOX_DETAILS,
        ),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "Alias")),
        *_READ_COMMON,
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


# -- the address rules Set-Mailbox and Set-User share ---------------------------------------------
def _directory(ctx: Invocation) -> Directory:
    directory = ctx.org.directory
    if directory is None:
        raise InvalidArgument(
            "This Exchange organization has no Active Directory attached in the twin; UPN and "
            "mail changes cannot be written."
        )
    return directory


def _account(user: UserObject | Mailbox) -> str:
    if isinstance(user, UserObject):
        return f"{user.domain}\\{user.user.sam}"
    return f"{user.domain}\\{user.sam}"


def _new_addresses(
    ctx: Invocation,
    mb: Mailbox,
    primary: str | None,
    emails: Any,
    windows: str | None,
    policy_enabled: bool | None,
) -> Addresses | None:
    """The mailbox's addresses after the command, or None when they do not change. An
    enabled email address policy keeps the primary address (with Exchange's warning), and
    -WindowsEmailAddress then has no effect."""
    policy = mb.email_address_policy_enabled if policy_enabled is None else policy_enabled
    current = Addresses(mb.primary_smtp, mb.proxy_addresses)
    new = current
    if emails is not None:
        new = edit(new, emails)
    if primary is not None:
        new = new.with_primary(primary)
    if windows is not None and not policy:
        new = new.with_primary(windows)
    if new.primary != current.primary and policy:
        ctx.warn(POLICY_WARNING)
        return None
    for address in (new.primary, *new.secondary):
        owner = ctx.org.address_owner(address)
        if owner is not None and owner is not mb:
            kind = "SMTP" if address == new.primary else "smtp"
            raise AddressInUse(f"{kind}:{address}", owner.name)
    return None if new == current else new


def _check_upn(ctx: Invocation, account: str, upn: str) -> None:
    """Refuse a malformed UPN, or one another account holds, before anything is written."""
    directory = _directory(ctx)
    if "@" not in upn or upn.startswith("@") or upn.endswith("@"):
        raise DataValidationError(
            f'"{upn}" isn\'t a valid user principal name: use the format user@suffix, for example '
            "ann@contoso.com."
        )
    holder = directory.by_upn(upn)
    if holder is not None and holder is not directory.find(account):
        raise DataValidationError(
            f'The user principal name "{upn}" is already used by '
            f"{directory.account_name(holder)}. Choose another user principal name."
        )


def _write(
    ctx: Invocation,
    mb: Mailbox | None,
    account: str,
    addresses: Addresses | None,
    upn: str | None,
    mail: str | None,
    policy_enabled: bool | None,
) -> bool:
    """Carry out the changes (Exchange's part on the mailbox, AD's part through the
    directory, whose watchers bring it back to the mailbox at once); True if any."""
    directory = _directory(ctx)
    user = directory.find(account)
    changed = False
    if (
        mb is not None
        and policy_enabled is not None
        and mb.email_address_policy_enabled != policy_enabled
    ):
        mb.email_address_policy_enabled = policy_enabled
        changed = True
    if mb is not None and addresses is not None:
        primary_changed = addresses.primary != mb.primary_smtp
        ctx.org.readdress(mb, primary=addresses.primary, secondary=addresses.secondary)
        if primary_changed:  # Exchange keeps AD's mail attribute on the primary address
            directory.set_mail(account, addresses.primary)
        changed = True
    if mail is not None and user is not None and user.mail != mail:
        directory.set_mail(account, mail)
        changed = True
    if upn is not None and user is not None and user.upn != upn:
        directory.set_upn(account, upn)
        changed = True
    if changed and mb is not None:
        mb.when_changed = ctx.now
    return changed


# -- Set-Mailbox ---------------------------------------------------------------------------------
# What Mail Recipients grants of Set-Mailbox and Set-User (rbac: Exchange 2013 CU23's role
# definitions): the address and UPN parameters the twin has
_SET_RECIPIENT_MR = ENTRY_BASE_PARAMETERS | {
    "PrimarySmtpAddress",
    "EmailAddresses",
    "EmailAddressPolicyEnabled",
    "WindowsEmailAddress",
    "UserPrincipalName",
    "FirstName",
    "LastName",
    "Force",
    "IgnoreDefaultScope",
}


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
    roles={"Mail Recipients": _SET_RECIPIENT_MR},
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
    account = _account(mb)
    addresses = _new_addresses(
        ctx, mb, PrimarySmtpAddress, EmailAddresses, WindowsEmailAddress, EmailAddressPolicyEnabled
    )
    if UserPrincipalName is not None:
        _check_upn(ctx, account, UserPrincipalName)
    if not ctx.should_process(f'Setting mailbox "{mb.identity}".'):
        return None
    ctx.changed(mb.identity)
    if not _write(ctx, mb, account, addresses, UserPrincipalName, None, EmailAddressPolicyEnabled):
        no_change(ctx, mb.identity)
    return None


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
        Param("RecipientTypeDetails", "enum_list", "RecipientTypeDetails[]", choices=_USER_DETAILS),
        Param("SortBy", "enum", choices=("Name", "DisplayName", "FirstName", "LastName")),
        *_READ_COMMON,
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
    roles={"Mail Recipients": _SET_RECIPIENT_MR},
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
    account = _account(target)
    addresses = None
    mail = None
    if WindowsEmailAddress is not None:
        if mb is None:
            mail = WindowsEmailAddress
        else:
            addresses = _new_addresses(ctx, mb, None, None, WindowsEmailAddress, None)
    if UserPrincipalName is not None:
        _check_upn(ctx, account, UserPrincipalName)
    if not ctx.should_process(f'Setting user "{target.identity}".'):
        return None
    ctx.changed(target.identity)
    changed = _write(ctx, mb, account, addresses, UserPrincipalName, mail, None)
    user = target.user
    for attr, value in (("first_name", FirstName), ("last_name", LastName)):
        if value is not None and getattr(user, attr) != value:
            setattr(user, attr, value)
            changed = True
    if not changed:
        no_change(ctx, target.identity)
    return None
