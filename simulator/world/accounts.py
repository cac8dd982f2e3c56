"""Active Directory's objects: domains, trusts, users, groups and computer accounts, and the
count of changes a directory synchronisation could see (`directory_changes`).

The directory that holds them and decides logons is `directory.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

# Changes to any directory that a directory synchronisation could see (users added or removed;
# a user's UPN, mail, account name, domain, enabled flag or groups; groups and their nesting;
# domains). Intune's synchronisation cycle (every 30 minutes of a month-long run) compares
# this count with the one it last read instead of reading every user again.
_CHANGES = [0]
_SYNCED_FIELDS = frozenset({"sam", "domain", "upn", "enabled", "groups", "mail"})


def note_change() -> None:
    """Count one change a directory synchronisation could see (the directory's own changes:
    domains, users added or removed)."""
    _CHANGES[0] += 1


def directory_changes() -> int:
    """How many changes a directory synchronisation could see have been made so far."""
    return _CHANGES[0]


class _Tracked(list):  # type: ignore[type-arg]
    """A list of group names whose every change is counted (a user's groups, a group's
    parents), so that changing it in place is seen like assigning it."""

    __slots__ = ()


def _counted(name: str) -> Any:
    method = getattr(list, name)

    def counted(self: list[Any], *args: Any) -> Any:
        _CHANGES[0] += 1
        return method(self, *args)

    counted.__name__ = name
    return counted


for _name in (
    "append",
    "extend",
    "insert",
    "remove",
    "pop",
    "clear",
    "sort",
    "reverse",
    "__setitem__",
    "__delitem__",
    "__iadd__",
    "__imul__",
):
    setattr(_Tracked, _name, _counted(_name))


def _track(name: str, value: Any) -> Any:
    _CHANGES[0] += 1
    return (
        _Tracked(value)
        if name in ("groups", "member_of") and type(value) is not _Tracked
        else value
    )


class Clock(Protocol):
    @property
    def seconds(self) -> float: ...

    def now(self) -> datetime: ...


class LogonError(Exception):
    """A refused logon; `reason` is unknown_user, bad_password, locked, disabled or password_expired."""

    def __init__(self, reason: str, account: str) -> None:
        super().__init__(f"{reason}: {account}")
        self.reason = reason
        self.account = account


@dataclass
class Domain:
    dns_name: str
    netbios: str
    forest: str  # DNS name of the forest root domain

    def __post_init__(self) -> None:
        self.dns_name = self.dns_name.lower()
        self.netbios = self.netbios.upper()
        self.forest = self.forest.lower()


@dataclass(frozen=True)
class Trust:
    """`trusting` accepts logons of accounts from `trusted` (one direction of a trust)."""

    trusting: str
    trusted: str
    kind: str = "external"  # external (these two domains) or forest (every domain of both)


@dataclass(slots=True, init=False)
class DirectoryUser:
    sam: str
    domain: str  # DNS name of the user's domain
    upn: str
    display_name: str
    password: str | None = None  # None: the account cannot log on interactively (population users)
    enabled: bool = True
    locked: bool = False
    password_expired: bool = False  # "must change password at next logon"
    groups: list[str] = field(default_factory=list)  # direct memberships, by group name
    first_name: str = ""
    last_name: str = ""
    # the `mail` attribute (Exchange's WindowsEmailAddress); a mailbox built for the account
    # takes it as its primary SMTP address; unset: the UPN
    mail: str | None = None
    password_expires: date | None = None  # expired from this date (UTC) on
    bad_passwords: int = 0

    def __init__(
        self,
        sam: str,
        domain: str,
        upn: str,
        display_name: str,
        password: str | None = None,
        enabled: bool = True,
        locked: bool = False,
        password_expired: bool = False,
        groups: list[str] | None = None,
        first_name: str = "",
        last_name: str = "",
        mail: str | None = None,
        password_expires: date | None = None,
        bad_passwords: int = 0,
    ) -> None:
        # written out rather than generated: the generated one would go through the
        # counting `__setattr__` for every field of every one of a population's users
        init = object.__setattr__
        init(self, "sam", sam)
        init(self, "domain", domain)
        init(self, "upn", upn)
        init(self, "display_name", display_name)
        init(self, "password", password)
        init(self, "enabled", enabled)
        init(self, "locked", locked)
        init(self, "password_expired", password_expired)
        init(self, "groups", _Tracked(() if groups is None else groups))
        init(self, "first_name", first_name)
        init(self, "last_name", last_name)
        init(self, "mail", mail)
        init(self, "password_expires", password_expires)
        init(self, "bad_passwords", bad_passwords)

    @property
    def primary_smtp(self) -> str:
        return self.mail or self.upn

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, _track(name, value) if name in _SYNCED_FIELDS else value)


@dataclass
class Group:
    name: str
    domain: str
    member_of: list[str] = field(default_factory=list)  # parent groups (nesting)
    description: str = ""

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, _track(name, value))


@dataclass
class Computer:
    """A computer account: a host or server joined to a domain."""

    name: str
    domain: str
    operating_system: str = ""
    enabled: bool = True

    @property
    def dns_host_name(self) -> str:
        return f"{self.name.lower()}.{self.domain}"
