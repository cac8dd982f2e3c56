"""What several cmdlets share: `-ResultSize` with Exchange's two warnings, `-Filter`, the
2013+ deprecation warning of the *-ActiveSync* cmdlets, multi-valued property updates, the
"no settings modified" warning, and the built-in roles that several cmdlets share (`roles=`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from simulator.exchange.errors import ValueAlreadyPresent
from simulator.exchange.opath import Getter, compile_filter
from simulator.exchange.registry import UNLIMITED, Param

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation

T = TypeVar("T")
DEFAULT_RESULT_SIZE = 1000
DEFAULT_CAP_WARNING = (
    "By default, only the first 1000 items are returned. Use the ResultSize parameter to specify the "
    'number of items returned. To return all items, specify "-ResultSize Unlimited". Be aware that, '
    "depending on the actual number of items, returning all items can take a long time and consume a "
    "large amount of memory. Also, we don't recommend storing the results in a variable. Instead, pipe "
    "the results to another task or script to perform batch changes."
)
EXPLICIT_CAP_WARNING = (
    "There are more results available than are currently displayed. To view them, increase the value "
    "for the ResultSize parameter."
)
DOMAIN_CONTROLLER = Param("DomainController", "fqdn")

#: The built-in roles whose entries read recipients (Get-Recipient, Set-/Get-ADServerSettings),
#: as Exchange 2013 CU23's role definitions list them.
RECIPIENT_READERS = (
    "Mail Recipients",
    "Mail Recipient Creation",
    "View-Only Recipients",
    "Exchange Servers",
    "Message Tracking",
    "Distribution Groups",
    "Migration",
    "Move Mailboxes",
    "Team Mailboxes",
    "Audit Logs",
    "Journaling",
    "Retention Management",
    "Transport Hygiene",
    "Security Group Creation and Membership",
    "Role Management",
)
#: The built-in roles whose entries read the configuration (Get-ExchangeServer,
#: Get-OrganizationConfig).
CONFIGURATION_READERS = (
    "View-Only Configuration",
    "Exchange Servers",
    "Exchange Virtual Directories",
    "Message Tracking",
    "Monitoring",
    "Move Mailboxes",
    "Databases",
    "Database Copies",
    "Exchange Connectors",
    "Exchange Server Certificates",
    "POP3 And IMAP4 Protocols",
    "Receive Connectors",
    "Transport Queues",
    "Journaling",
    "Retention Management",
    "Transport Hygiene",
    "Role Management",
)
#: What every parameter-restricted entry of a Set- cmdlet keeps of it.
ENTRY_BASE_PARAMETERS = frozenset({"Identity", "DomainController", "WhatIf", "Confirm"})


def deprecated(ctx: Invocation, old: str, new: str) -> None:
    """Exchange 2013+ warns before running an *-ActiveSync* cmdlet that has a MobileDevice twin."""
    if ctx.major >= 15:
        ctx.warn(
            f"The {old} cmdlet will be removed in a future version of Exchange. Use the {new} cmdlet "
            f"instead. If you have any scripts that use the {old} cmdlet, update them to use the {new} "
            "cmdlet. For more information, see http://go.microsoft.com/fwlink/p/?LinkId=254711."
        )


def limit(ctx: Invocation, items: Iterable[T], result_size: Any) -> list[T]:
    """Apply -ResultSize (default 1000) with Exchange's two different warnings."""
    if result_size == UNLIMITED:
        return list(items)
    cap = DEFAULT_RESULT_SIZE if result_size is None else int(result_size)
    out: list[T] = []
    for item in items:
        if len(out) == cap:
            ctx.warn(DEFAULT_CAP_WARNING if result_size is None else EXPLICIT_CAP_WARNING)
            break
        out.append(item)
    return out


def filtered(items: Iterable[T], text: str | None, getters: dict[str, Getter]) -> Iterator[T]:
    """Objects matching the OPATH `-Filter` (compiled once, evaluated lazily per object)."""
    if not text:
        return iter(items)
    return filter(compile_filter(text, getters), items)


def sort_by(
    items: Iterable[T], key: str | None, getters: dict[str, Callable[[T], Any]]
) -> Iterable[T]:
    """-SortBy: ascending, case-insensitive; `-Name` style descending is not offered by Exchange."""
    if not key:
        return items
    getter = getters[key]
    return sorted(items, key=lambda item: _sort_key(getter(item)))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    return (1, value.lower() if isinstance(value, str) else value)


def update_multivalued(current: list[str], value: Any) -> list[str]:
    """A MultiValuedProperty update: a list replaces, `@{Add=..;Remove=..}` edits, `$null` clears.
    Adding a value already present is refused, as Exchange does; removing an absent one is not."""
    if value is None:
        return []
    if isinstance(value, dict):
        out = list(current)
        for item in value.get("remove", []):
            out = [v for v in out if v.lower() != item.lower()]
        for item in value.get("add", []):
            if any(v.lower() == item.lower() for v in out):
                raise ValueAlreadyPresent(item)
            out.append(item)
        return out
    seen: set[str] = set()
    for item in value:
        if item.lower() in seen:
            raise ValueAlreadyPresent(item)
        seen.add(item.lower())
    return list(value)


def no_change(ctx: Invocation, identity: str) -> None:
    ctx.warn(
        f"The command completed successfully but no settings of '{identity}' have been modified."
    )
