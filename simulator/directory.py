"""Active Directory: domains, trusts, user accounts and their logon state.

Only what the connector's world needs: accounts that log on (service, notification,
administrators, proxy users), the users behind mailboxes, group membership (Exchange role
groups are AD groups) and the trust relationships between domains (SPEC R1.7).
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
    forest: str

    def __post_init__(self) -> None:
        self.dns_name = self.dns_name.lower()
        self.netbios = self.netbios.upper()


@dataclass(slots=True)
class DirectoryUser:
    sam: str
    domain: str  # DNS name of the user's domain
    upn: str
    display_name: str
    password: str | None = None  # None: the account cannot log on interactively (population users)
    enabled: bool = True
    locked: bool = False
    password_expired: bool = False
    groups: list[str] = field(default_factory=list)
    first_name: str = ""
    last_name: str = ""


class Directory:
    def __init__(self) -> None:
        self.domains: dict[str, Domain] = {}  # by DNS name
        self._netbios: dict[str, Domain] = {}
        self._trusts: set[tuple[str, str]] = set()  # (trusting, trusted)
        self._users: dict[tuple[str, str], DirectoryUser] = {}  # (domain dns, sam lower)
        self._by_upn: dict[str, DirectoryUser] = {}

    # -- domains and trusts --------------------------------------------------------------
    def add_domain(
        self, dns_name: str, netbios: str | None = None, forest: str | None = None
    ) -> Domain:
        dns_name = dns_name.lower()
        domain = Domain(dns_name, netbios or dns_name.split(".")[0], (forest or dns_name).lower())
        self.domains[domain.dns_name] = domain
        self._netbios[domain.netbios] = domain
        return domain

    def domain(self, name: str) -> Domain | None:
        """A domain by DNS or NetBIOS name."""
        return self.domains.get(name.lower()) or self._netbios.get(name.upper())

    def add_trust(self, trusting: str, trusted: str, two_way: bool = True) -> None:
        a, b = self._require(trusting).dns_name, self._require(trusted).dns_name
        self._trusts.add((a, b))
        if two_way:
            self._trusts.add((b, a))

    def trusts(self, trusting: str, trusted: str) -> bool:
        """Does `trusting` accept logons from accounts of `trusted`? Domains of one forest do."""
        a, b = self.domain(trusting), self.domain(trusted)
        if a is None or b is None:
            return False
        return a.forest == b.forest or (a.dns_name, b.dns_name) in self._trusts

    def _require(self, name: str) -> Domain:
        domain = self.domain(name)
        if domain is None:
            raise KeyError(f"unknown domain {name!r}")
        return domain

    # -- users -----------------------------------------------------------------------------
    def add_user(self, user: DirectoryUser) -> DirectoryUser:
        key = (self._require(user.domain).dns_name, user.sam.lower())
        if key in self._users:
            raise ValueError(f"duplicate account {user.domain}\\{user.sam}")
        user.domain = key[0]
        self._users[key] = user
        self._by_upn[user.upn.lower()] = user
        return user

    def find(self, account: str) -> DirectoryUser | None:
        """`DOMAIN\\user`, `user@upn` or a bare sAMAccountName (first domain)."""
        if "\\" in account:
            dom, sam = account.split("\\", 1)
            domain = self.domain(dom)
            return self._users.get((domain.dns_name, sam.lower())) if domain else None
        if "@" in account:
            return self._by_upn.get(account.lower())
        for (_, sam), user in self._users.items():
            if sam == account.lower():
                return user
        return None

    def by_upn(self, upn: str) -> DirectoryUser | None:
        return self._by_upn.get(upn.lower())

    def users(self) -> list[DirectoryUser]:
        return list(self._users.values())

    def netbios_of(self, user: DirectoryUser) -> str:
        return self._require(user.domain).netbios

    def authenticate(self, account: str, password: str) -> DirectoryUser:
        """Check a logon the way a domain controller would, in its order of checks."""
        user = self.find(account)
        if user is None or user.password is None:
            raise LogonError("unknown_user", account)
        if user.password != password:
            raise LogonError("bad_password", account)
        if not user.enabled:
            raise LogonError("disabled", account)
        if user.locked:
            raise LogonError("locked", account)
        if user.password_expired:
            raise LogonError("password_expired", account)
        return user
