"""Active Directory: forests, domains, trusts, users, groups and computer accounts.

Only what the connector's world needs: accounts that log on (service, notification,
administrators, proxy users), the users behind mailboxes (UPN, primary SMTP address), group
membership (Exchange role groups and the groups conditional access targets are AD groups,
optionally nested), computer accounts of the joined hosts, and the trusts between domains
(SPEC R1.7): every domain of a forest trusts the others; an *external* trust links two
domains only; a *forest* trust links every domain of two forests; either is one-way or
two-way.

A logon is decided at the simulated time of the call: the fault timeline can lock, disable,
expire or change the password of an account from a given instant, and a password expiry
date is compared with the simulated date. With a lockout threshold, bad passwords lock the
account the way a domain controller's lockout policy does.
"""

from __future__ import annotations

from collections.abc import Callable

from simulator.world.accounts import (
    Clock,
    Computer,
    DirectoryUser,
    Domain,
    Group,
    LogonError,
    Trust,
    note_change,
)
from simulator.world.faults import FaultTimeline


class Directory:
    def __init__(self, faults: FaultTimeline | None = None, clock: Clock | None = None) -> None:
        self.faults = faults or FaultTimeline()
        self.clock = clock
        self.domains: dict[str, Domain] = {}  # by DNS name
        self._netbios: dict[str, Domain] = {}
        self._trusts: set[Trust] = set()
        self._users: dict[tuple[str, str], DirectoryUser] = {}  # (domain dns, sam lower)
        self._by_upn: dict[str, DirectoryUser] = {}
        self.groups: dict[str, Group] = {}  # by lower-case name
        self.computers: dict[tuple[str, str], Computer] = {}  # (domain dns, name lower)
        self.lockout_threshold = 0  # bad passwords before lockout; 0 never locks
        # who reads these attributes straight from AD (Exchange: a mailbox *is* its user
        # object): told of every UPN or mail change at once, (user, attribute, old value)
        self.watchers: list[Callable[[DirectoryUser, str, str | None], None]] = []

    # -- forests, domains and trusts -------------------------------------------------------
    def add_domain(
        self, dns_name: str, netbios: str | None = None, forest: str | None = None
    ) -> Domain:
        dns_name = dns_name.lower()
        domain = Domain(dns_name, netbios or dns_name.split(".")[0], (forest or dns_name).lower())
        self.domains[domain.dns_name] = domain
        self._netbios[domain.netbios] = domain
        note_change()
        return domain

    def domain(self, name: str) -> Domain | None:
        """A domain by DNS or NetBIOS name."""
        return self.domains.get(name.lower()) or self._netbios.get(name.upper())

    def forests(self) -> dict[str, list[str]]:
        """Forest root → the DNS names of its domains, in a stable order."""
        out: dict[str, list[str]] = {}
        for dom in sorted(self.domains.values(), key=lambda d: d.dns_name):
            out.setdefault(dom.forest, []).append(dom.dns_name)
        return out

    def add_trust(
        self, trusting: str, trusted: str, two_way: bool = True, kind: str = "external"
    ) -> None:
        if kind not in ("external", "forest"):
            raise ValueError(f"a trust is external or forest, not {kind!r}")
        a, b = self._require(trusting), self._require(trusted)
        if kind == "forest":
            a_name, b_name = a.forest, b.forest
        else:
            a_name, b_name = a.dns_name, b.dns_name
        self._trusts.add(Trust(a_name, b_name, kind))
        if two_way:
            self._trusts.add(Trust(b_name, a_name, kind))

    def trusts(self, trusting: str, trusted: str) -> bool:
        """Does `trusting` accept logons from accounts of `trusted`?"""
        a, b = self.domain(trusting), self.domain(trusted)
        if a is None or b is None:
            return False
        return (
            a.forest == b.forest
            or Trust(a.dns_name, b.dns_name, "external") in self._trusts
            or Trust(a.forest, b.forest, "forest") in self._trusts
        )

    def trust_list(self) -> list[Trust]:
        return sorted(self._trusts, key=lambda t: (t.trusting, t.trusted, t.kind))

    def _require(self, name: str) -> Domain:
        domain = self.domain(name)
        if domain is None:
            raise KeyError(f"unknown domain {name!r}")
        return domain

    # -- users -----------------------------------------------------------------------------
    def add_user(self, user: DirectoryUser) -> DirectoryUser:
        sam = user.sam.lower()
        key = (self._require(user.domain).dns_name, user.sam if sam == user.sam else sam)
        if key in self._users:
            raise ValueError(f"duplicate account {user.domain}\\{user.sam}")
        user.domain = key[0]  # counts as a change (a new user is one)
        self._users[key] = user
        upn = user.upn.lower()
        self._by_upn[user.upn if upn == user.upn else upn] = user
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

    def account_name(self, user: DirectoryUser) -> str:
        """`NETBIOS\\sam`, the form services and faults name accounts by."""
        return f"{self.netbios_of(user)}\\{user.sam}"

    def remove_user(self, account: str) -> None:
        user = self._require_user(account)
        del self._users[(user.domain, user.sam.lower())]
        del self._by_upn[user.upn.lower()]
        note_change()

    def set_upn(self, account: str, upn: str) -> None:
        """Change the user principal name (the logon name Intune's directory sync keys users
        by). Refused when another account already holds it, as a domain controller refuses a
        UPN that is not unique in the forest."""
        user = self._require_user(account)
        if "@" not in upn or upn.startswith("@") or upn.endswith("@"):
            raise ValueError(f"a user principal name is user@suffix, not {upn!r}")
        holder = self._by_upn.get(upn.lower())
        if holder is not None and holder is not user:
            raise ValueError(
                f"the user principal name {upn} is already used by {self.account_name(holder)}"
            )
        old = user.upn
        if old == upn:
            return
        del self._by_upn[old.lower()]
        user.upn = upn
        self._by_upn[upn.lower()] = user
        self._tell(user, "upn", old)

    def set_mail(self, account: str, mail: str | None) -> None:
        """Change the `mail` attribute (ADUC's E-mail field; Exchange's WindowsEmailAddress).
        Exchange reads it at once — but, as documented for Set-Mailbox -WindowsEmailAddress,
        editing it in AD does not change a mailbox's primary SMTP address."""
        user = self._require_user(account)
        old = user.mail
        if old == mail:
            return
        user.mail = mail
        self._tell(user, "mail", old)

    def _tell(self, user: DirectoryUser, attribute: str, old: str | None) -> None:
        for watcher in self.watchers:
            watcher(user, attribute, old)

    def set_password(self, account: str, password: str) -> None:
        """An administrator resets the password (which also clears 'must change')."""
        user = self._require_user(account)
        user.password = password
        user.password_expired = False
        user.bad_passwords = 0

    def unlock(self, account: str) -> None:
        user = self._require_user(account)
        user.locked = False
        user.bad_passwords = 0

    def _require_user(self, account: str) -> DirectoryUser:
        user = self.find(account)
        if user is None:
            raise KeyError(f"unknown account {account!r}")
        return user

    # -- groups ------------------------------------------------------------------------------
    def add_group(self, name: str, domain: str | None = None, description: str = "") -> Group:
        if name.lower() in self.groups:
            raise ValueError(f"duplicate group {name!r}")
        dom = self._require(domain).dns_name if domain else next(iter(self.domains), "")
        group = Group(name, dom, [], description)  # counts as a change
        self.groups[name.lower()] = group
        return group

    def group(self, name: str) -> Group | None:
        return self.groups.get(name.lower())

    def nest(self, child: str, parent: str) -> None:
        """Make group `child` a member of group `parent`."""
        group = self.group(child)
        if group is None or self.group(parent) is None:
            raise KeyError(f"unknown group {child if group is None else parent!r}")
        if parent.lower() not in (g.lower() for g in group.member_of):
            group.member_of.append(self.groups[parent.lower()].name)

    def add_member(self, account: str, group: str) -> None:
        user = self._require_user(account)
        if self.group(group) is None:
            raise KeyError(f"unknown group {group!r}")
        if group.lower() not in (g.lower() for g in user.groups):
            user.groups.append(self.groups[group.lower()].name)

    def remove_member(self, account: str, group: str) -> None:
        user = self._require_user(account)
        user.groups[:] = [g for g in user.groups if g.lower() != group.lower()]

    def memberships(self, user: DirectoryUser, nested: bool = True) -> list[str]:
        """The groups `user` belongs to (through nesting too), lower-case and sorted."""
        seen: set[str] = set()
        todo = [g.lower() for g in user.groups]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            group = self.groups.get(name)
            if nested and group is not None:
                todo.extend(p.lower() for p in group.member_of)
        return sorted(seen)

    # -- computers -----------------------------------------------------------------------------
    def add_computer(self, name: str, domain: str, operating_system: str = "") -> Computer:
        dom = self._require(domain).dns_name
        computer = Computer(name.upper(), dom, operating_system)
        self.computers[(dom, name.lower())] = computer
        return computer

    def computer(self, name: str, domain: str) -> Computer | None:
        dom = self.domain(domain)
        return self.computers.get((dom.dns_name, name.lower())) if dom else None

    # -- logon -----------------------------------------------------------------------------------
    def _identities(self, user: DirectoryUser) -> list[str]:
        return [self.account_name(user), user.upn]

    def _fault(self, kind: str, user: DirectoryUser, at: float) -> bool:
        return any(self.faults.active(kind, at, account=i) for i in self._identities(user))

    def effective_password(self, user: DirectoryUser, at: float | None = None) -> str | None:
        """The password that works now: a `password_changed` fault in force overrides the stored one."""
        at = self._at(at)
        for ident in self._identities(user):
            fault = self.faults.active("password_changed", at, account=ident)
            if fault is not None:
                return str(fault.params["password"])
        return user.password

    def password_is_expired(self, user: DirectoryUser, at: float | None = None) -> bool:
        at = self._at(at)
        if user.password_expired or self._fault("password_expired", user, at):
            return True
        if user.password_expires is not None and self.clock is not None:
            return self.clock.now().date() >= user.password_expires
        return False

    def is_locked(self, user: DirectoryUser, at: float | None = None) -> bool:
        return user.locked or self._fault("account_locked", user, self._at(at))

    def is_enabled(self, user: DirectoryUser, at: float | None = None) -> bool:
        return user.enabled and not self._fault("account_disabled", user, self._at(at))

    def _at(self, at: float | None) -> float:
        if at is not None:
            return at
        return self.clock.seconds if self.clock is not None else 0.0

    def authenticate(self, account: str, password: str) -> DirectoryUser:
        """Check a logon the way a domain controller would, in its order of checks, at the
        simulated time of the call."""
        user = self.find(account)
        if user is None or user.password is None:
            raise LogonError("unknown_user", account)
        at = self._at(None)
        if password != self.effective_password(user, at):
            if self.lockout_threshold and not user.locked:
                user.bad_passwords += 1
                if user.bad_passwords >= self.lockout_threshold:
                    user.locked = True
            raise LogonError("bad_password", account)
        if not self.is_enabled(user, at):
            raise LogonError("disabled", account)
        if self.is_locked(user, at):
            raise LogonError("locked", account)
        if self.password_is_expired(user, at):
            raise LogonError("password_expired", account)
        user.bad_passwords = 0
        return user
