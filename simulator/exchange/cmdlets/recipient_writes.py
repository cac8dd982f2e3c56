"""What the mailbox and user cmdlets share: the recipient types and read parameters of
Get-Mailbox and Get-User, and the address rules of Set-Mailbox and Set-User (new primary and
secondary SMTP addresses, the email address policy, the UPN's uniqueness in the forest, and
the write to Active Directory that both make) with what Mail Recipients grants of them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.addresses import POLICY_WARNING, Addresses, AddressInUse, edit
from simulator.exchange.cmdlets.common import (
    DOMAIN_CONTROLLER,
    ENTRY_BASE_PARAMETERS,
)
from simulator.exchange.errors import DataValidationError, InvalidArgument
from simulator.exchange.mailbox import Mailbox, UserObject
from simulator.exchange.registry import Param

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation
    from simulator.world.directory import Directory

MAILBOX_DETAILS = (
    "UserMailbox",
    "SharedMailbox",
    "RoomMailbox",
    "EquipmentMailbox",
    "LinkedMailbox",
)
USER_DETAILS = ("User", "DisabledUser", *MAILBOX_DETAILS)
READ_COMMON = [
    Param("Filter"),
    Param("ResultSize", "resultsize"),
    Param("OrganizationalUnit", "identity", "OrganizationalUnitIdParameter"),
    Param("IgnoreDefaultScope", "switch"),
    Param("ReadFromDomainController", "switch"),
    Param("Credential", "object", ps_type="PSCredential"),
    DOMAIN_CONTROLLER,
]


# What Mail Recipients grants of Set-Mailbox and Set-User (rbac: Exchange 2013 CU23's role
# definitions): the address and UPN parameters the twin has
SET_RECIPIENT_MR = ENTRY_BASE_PARAMETERS | {
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


# -- the address rules Set-Mailbox and Set-User share ---------------------------------------------
def directory_of(ctx: Invocation) -> Directory:
    directory = ctx.org.directory
    if directory is None:
        raise InvalidArgument(
            "This Exchange organization has no Active Directory attached in the twin; UPN and "
            "mail changes cannot be written."
        )
    return directory


def account_of(user: UserObject | Mailbox) -> str:
    if isinstance(user, UserObject):
        return f"{user.domain}\\{user.user.sam}"
    return f"{user.domain}\\{user.sam}"


def new_addresses(
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


def check_upn(ctx: Invocation, account: str, upn: str) -> None:
    """Refuse a malformed UPN, or one another account holds, before anything is written."""
    directory = directory_of(ctx)
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


def write_recipient(
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
    directory = directory_of(ctx)
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
