"""A recipient's addresses: the primary SMTP address, secondary (proxy) addresses, the AD
`mail` attribute (WindowsEmailAddress), the UPN, and the email address policy that governs
the primary address (reference: Set-Mailbox's -EmailAddresses, -PrimarySmtpAddress,
-WindowsEmailAddress and -EmailAddressPolicyEnabled).

The primary SMTP address is the `SMTP:` (capital) entry of EmailAddresses; the others are
`smtp:`. A mailbox is its AD user object: its UPN and `mail` are AD attributes, so a change
made in AD (a directory step, Set-User) is seen by Exchange at once, and one made through
Exchange (Set-Mailbox -PrimarySmtpAddress, which also writes `mail`) is in AD at once.
Intune sees the UPN only after its next directory synchronisation, and the connector matches
a mailbox to an Intune user by primary SMTP address = UPN (SPEC R5.4), so a mailbox whose
address differs from its UPN is not reported until one of the two is changed to match.

With EmailAddressPolicyEnabled $true (every mailbox's default) the email address policy owns
the primary address: a command that would change it without also passing
`-EmailAddressPolicyEnabled $false` changes no address and warns, with the warning Exchange
2013 prints; -WindowsEmailAddress then has no effect, as documented. With the policy off,
-PrimarySmtpAddress and -WindowsEmailAddress set the primary address and `mail` to the same
value, and the former primary address stays as a secondary one.

Deviations: there are no email address policy objects, so turning the policy back on does
not re-stamp a policy address (the primary address stays as it is), and a UPN or alias
change never generates addresses; -PrimarySmtpAddress under an enabled policy is refused with
Exchange 2013's EmailAddresses warning on every version (Exchange 2013 and later are said to
turn the policy off by themselves instead — not verified, so not emulated); only SMTP proxy
addresses exist (an X400:, X500:, SIP: or other typed address is refused with an error naming
the gap); the wording of the errors for a duplicate UPN, for removing the primary address
and for two SMTP: entries is the twin's own (Exchange's was not available); editing `mail` in
AD leaves the primary address alone, as documented — but Set-User does not copy `mail` over
a differing primary address, which Exchange has been reported to do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.exchange.errors import DataValidationError, InvalidArgument

_SMTP = re.compile(
    r"^[^@\s\"<>(),;:\\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
POLICY_WARNING = (
    "Couldn't update the primary SMTP address because this mailbox is configured to use an email "
    "address policy. To disable the email address policy for this mailbox, run the command with "
    "the EmailAddressPolicyEnabled parameter set to $false."
)


def invalid_smtp_detail(address: str) -> str:
    """The text of Exchange's SmtpAddress format error."""
    return (
        f'The email address "{address}" isn\'t correct. Please use this format: user name, the @ '
        "sign, followed by the domain name. For example, tonysmith@contoso.com or "
        "tony.smith@contoso.com."
    )


def is_smtp(address: str) -> bool:
    return bool(_SMTP.match(address))


class AddressInUse(DataValidationError):
    """Another recipient already holds the address (as its primary or a secondary one)."""

    def __init__(self, proxy: str, holder: str) -> None:
        super().__init__(
            f'The proxy address "{proxy}" is already being used by the proxy addresses or '
            f'LegacyExchangeDN of "{holder}". Please choose another proxy address.'
        )
        self.target = holder


class UnsupportedProxyType(InvalidArgument):
    """A typed proxy address other than SMTP: the twin keeps SMTP addresses only."""

    def __init__(self, proxy: str) -> None:
        super().__init__(
            f"The proxy address '{proxy}' is not an SMTP address; the Exchange twin models SMTP "
            "proxy addresses only (X400, X500, SIP and other address types are not emulated)."
        )


@dataclass(frozen=True)
class Addresses:
    """A primary SMTP address and the secondary ones, in order, compared case-insensitively."""

    primary: str
    secondary: tuple[str, ...] = ()

    def holds(self, address: str) -> bool:
        low = address.lower()
        return self.primary.lower() == low or any(a.lower() == low for a in self.secondary)

    def with_primary(self, address: str) -> Addresses:
        """`address` becomes primary; the former primary address stays as a secondary one."""
        if address.lower() == self.primary.lower():
            return Addresses(address, self.secondary)
        rest = [a for a in self.secondary if a.lower() != address.lower()]
        return Addresses(address, (self.primary, *rest))


def _split(proxy: str) -> tuple[str | None, str]:
    """`SMTP:a@b` → ("SMTP", "a@b"); `a@b` → (None, "a@b"). Other prefixes are refused."""
    if ":" in proxy:
        prefix, address = proxy.split(":", 1)
        if prefix.lower() != "smtp":
            raise UnsupportedProxyType(proxy)
        return prefix, address
    return None, proxy


def _checked(proxy: str, address: str) -> str:
    if not is_smtp(address):
        raise DataValidationError(invalid_smtp_detail(address))
    return address


def edit(current: Addresses, value: object) -> Addresses:
    """-EmailAddresses: a list replaces every address (its `SMTP:` entry, or else its first,
    is the primary one); `@{Add=..;Remove=..}` edits the list (an added `SMTP:` entry becomes
    primary). Removing the primary address is refused: a mailbox always has one."""
    if isinstance(value, dict):
        return _add_remove(current, value)
    items = [str(v) for v in (value if isinstance(value, list | tuple) else [value])]
    if not items:
        raise DataValidationError("A mailbox must have a primary SMTP address.")
    parsed = [(*_split(item), item) for item in items]
    primaries = [address for prefix, address, _ in parsed if prefix == "SMTP"]
    if len(primaries) > 1:
        raise DataValidationError(
            "Only one address can be the primary SMTP address (SMTP:); the others must be smtp:."
        )
    primary = primaries[0] if primaries else parsed[0][1]
    secondary: list[str] = []
    for _, address, item in parsed:
        _checked(item, address)
        if address.lower() != primary.lower() and all(
            a.lower() != address.lower() for a in secondary
        ):
            secondary.append(address)
    return Addresses(primary, tuple(secondary))


def _add_remove(current: Addresses, value: dict[str, list[str]]) -> Addresses:
    out = current
    for item in value.get("remove", []):
        _, address = _split(item)
        if address.lower() == out.primary.lower():
            raise DataValidationError(
                f"The primary SMTP address '{address}' can't be removed; make another address "
                "primary first."
            )
        out = Addresses(
            out.primary, tuple(a for a in out.secondary if a.lower() != address.lower())
        )
    for item in value.get("add", []):
        prefix, address = _split(item)
        _checked(item, address)
        if prefix == "SMTP":
            out = out.with_primary(address)
        elif not out.holds(address):
            out = Addresses(out.primary, (*out.secondary, address))
    return out
