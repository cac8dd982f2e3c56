"""The Intune tenant and subscription: MDM authority, administrators and their roles,
licences, and the copy of Active Directory that directory synchronisation keeps.

Intune never reads Active Directory directly: it sees the users and group memberships of
its **last directory synchronisation** (Azure AD Connect's cycle, every 30 minutes by
default). A user created, disabled, renamed or moved between groups on-premises is seen by
Intune — licensing, conditional access targeting, the connector's list of users — only
after the next cycle. Licences are assigned in the cloud, directly to a synchronised user
(effective at once) or through group-based licensing on a synchronised AD group (effective
when the membership arrives with a cycle). A user whose UPN changes on-premises stays the same
Azure AD user (matched by its on-premises account): after the next cycle it is known by the
new UPN — the one the connector must find as a mailbox's primary SMTP address (SPEC R5.4) —
and its direct licences follow it.

Administrator sign-in at registration (model, docs/intune-api.md): profile 2016 registers
with the account certificate alone — the 2016 installation guide has no sign-in step;
profile 2018 requires an administrator to sign in, as the later documentation says. The
tenant's `admin_sign_in` overrides either way.

Deviations: across a UPN change a synchronised user is matched by its on-premises account
(NETBIOS\\sam) where Azure AD Connect uses the source anchor (objectGUID or
ms-DS-ConsistencyGuid), so an account whose sAMAccountName and UPN change in the same cycle is
seen as one user removed and another added, its direct licences lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.intune.admin_roles import GLOBAL_ADMIN, INTUNE_ROLES
from simulator.intune.errors import (
    BadRequest,
    CertificateEnrollmentFailed,
    Conflict,
    Forbidden,
    SignInFailed,
)
from simulator.world.accounts import directory_changes
from simulator.world.directory import Directory

LICENCES = ("intune", "exchange")
MDM_AUTHORITIES = ("none", "intune", "configmgr", "office365")
_AUTHORITY_NAMES = {
    "none": "not set",
    "intune": "Intune",
    "configmgr": "Configuration Manager",
    "office365": "Office 365",
}


def authority_name(value: str) -> str:
    return _AUTHORITY_NAMES.get(value, value)


@dataclass
class Administrator:
    """A tenant account with an administrator role (a cloud account, or a synced one)."""

    upn: str
    password: str | None = None  # None: this account cannot sign in interactively
    roles: tuple[str, ...] = (GLOBAL_ADMIN,)
    licences: tuple[str, ...] = ("intune",)
    mfa: bool = False  # multi-factor authentication, which the connector's sign-in cannot do

    @property
    def manages_intune(self) -> bool:
        return any(r in INTUNE_ROLES for r in self.roles)


@dataclass(frozen=True, slots=True)
class SyncedUser:
    """A user as Azure AD holds it after a directory synchronisation."""

    upn: str  # lower-case
    account: str  # NETBIOS\sam on-premises
    mail: str
    enabled: bool
    groups: tuple[str, ...]  # lower-case names, nested memberships expanded


@dataclass(frozen=True)
class SyncChange:
    """What one directory synchronisation changed, for the trace."""

    added: int
    removed: int
    changed: int

    @property
    def any(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class Tenant:
    tenant_id: str
    name: str
    profile: str = "2016"
    mdm_authority: str = "intune"
    directory_sync: bool = True
    directory_sync_interval: float = 1800.0
    admin_sign_in: str = "auto"  # auto (by profile), required, not_required
    exchange_online_connector: bool = False
    admins: dict[str, Administrator] = field(default_factory=dict)  # by lower-case UPN
    direct_licences: dict[str, frozenset[str]] = field(default_factory=dict)  # lower UPN -> SKUs
    licence_groups: dict[str, list[str]] = field(default_factory=dict)  # SKU -> lower group names
    users: dict[str, SyncedUser] = field(default_factory=dict)  # the last synchronised copy
    last_directory_sync: datetime | None = None
    # what the last synchronisation read (the directory and its change count): a cycle over an
    # unchanged directory changes nothing, so it need not read every user again
    _synced_from: tuple[Directory, int] | None = field(default=None, repr=False, compare=False)
    # sku -> (users dict, licence state, UPNs): licensed users are asked for once per page of
    # the connector's user list, so they are computed once per change, not once per call
    _licensed: dict[str, tuple[Any, ...]] = field(default_factory=dict, repr=False, compare=False)
    _licence_changes: int = field(default=0, repr=False, compare=False)

    # -- administrators --------------------------------------------------------------------
    def add_admin(self, admin: Administrator) -> None:
        admin.upn = admin.upn.lower()
        self.admins[admin.upn] = admin

    def require_admin(self, upn: str, roles: tuple[str, ...] = INTUNE_ROLES) -> Administrator:
        """The administrator `upn` if it holds one of `roles`; else a 403 naming what is missing."""
        admin = self.admins.get(upn.lower())
        if admin is None:
            raise Forbidden(f"{upn} is not an administrator of the {self.name} tenant")
        if not any(r in roles for r in admin.roles):
            raise Forbidden(
                f"{upn} has the role(s) {', '.join(admin.roles) or 'none'}; this needs "
                f"{' or '.join(roles)}"
            )
        return admin

    def sign_in_required(self) -> bool:
        if self.admin_sign_in == "auto":
            return self.profile == "2018"
        return self.admin_sign_in == "required"

    def sign_in(self, upn: str, password: str) -> Administrator:
        """The administrator's sign-in during Connect (SPEC R1, customer issues C03, C04, C05,
        C27): profile 2016 documents a Global Administrator (else the certificate enrolment
        fails, C03); later, an Intune Service Administrator suffices (else "(400) Bad
        Request", C04)."""
        admin = self.admins.get(upn.lower())
        if admin is None or admin.password is None or admin.password != password:
            raise SignInFailed(f"Sign-in failed for {upn}: the user name or password is incorrect")
        if admin.mfa:
            raise SignInFailed(
                f"Sign-in failed for {upn}: an unexpected error occurred (multi-factor "
                "authentication is required and the connector cannot complete it)"
            )
        if self.profile == "2016" and GLOBAL_ADMIN not in admin.roles:
            raise CertificateEnrollmentFailed(
                "CertEnroll::CX509Enrollment::_CreateRequest: The system cannot find the file "
                f"specified. 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND): {upn} is not a Global "
                "Administrator"
            )
        if not admin.manages_intune:
            raise BadRequest(
                f"(400) Bad Request: {upn} must be an Intune Service Administrator or a Global "
                "Administrator to configure the connector"
            )
        if "intune" not in admin.licences:
            raise BadRequest(f"(400) Bad Request: {upn} has no Intune licence")
        return admin

    # -- MDM authority -----------------------------------------------------------------------
    def set_mdm_authority(self, value: str) -> None:
        """Set the MDM authority. Once set, profile 2016 cannot change it (a support case);
        profile 2018 can move from Configuration Manager or Office 365 to Intune (the MDM
        authority change of early 2017), nothing else."""
        if value not in MDM_AUTHORITIES or value == "none":
            raise Conflict(f"{value!r} is not an MDM authority one can set")
        current = self.mdm_authority
        if current in ("none", value):
            self.mdm_authority = value
            return
        if self.profile == "2018" and value == "intune":
            self.mdm_authority = value
            return
        raise Conflict(
            f"The MDM authority is already {authority_name(current)}; it cannot be changed to "
            f"{authority_name(value)} from the console"
        )

    # -- directory synchronisation and licences ---------------------------------------------
    def synchronise(self, directory: Directory, now: datetime) -> SyncChange:
        """One directory synchronisation cycle: Azure AD becomes a copy of AD as it is now.

        A cycle over a directory that has not changed since the last one (`directory_changes`
        counts every change a cycle could see) finds nothing to copy; a cycle over a changed
        one compares every user, keeping the records that did not change."""
        stamp = (directory, directory_changes())
        if self._synced_from == stamp and self._synced_from[0] is directory:
            self.last_directory_sync = now
            return SyncChange(added=0, removed=0, changed=0)
        old = self.users
        fresh: dict[str, SyncedUser] = {}
        netbios: dict[str, str] = {}
        memberships: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
        changed = 0
        renamed = 0
        by_account: dict[str, SyncedUser] | None = None  # built only if a UPN is new
        for user in directory.users():
            upn = _lower(user.upn)
            nb = netbios.get(user.domain)
            if nb is None:
                nb = netbios[user.domain] = directory.netbios_of(user)
            account = f"{nb}\\{user.sam}"
            mail = _lower(user.primary_smtp)
            direct = tuple(user.groups)
            groups = memberships.get(direct)
            if groups is None:
                groups = memberships[direct] = tuple(directory.memberships(user))
            previous = old.get(upn)
            if (
                previous is not None
                and previous.account == account
                and previous.mail == mail
                and previous.enabled == user.enabled
                and previous.groups == groups
            ):
                fresh[upn] = previous
                continue
            if previous is None:
                # a UPN not seen before: a new user, or one whose UPN changed — the same Azure
                # AD object (matched by its on-premises account), whose licences follow it
                if by_account is None:
                    by_account = {rec.account: rec for rec in old.values()}
                former = by_account.get(account)
                if former is not None and former.upn not in fresh:
                    renamed += 1
                    self._rename(former.upn, upn)
                    previous = former
            if previous is not None:
                changed += 1
            fresh[upn] = SyncedUser(
                upn=upn, account=account, mail=mail, enabled=user.enabled, groups=groups
            )
        change = SyncChange(
            added=sum(1 for u in fresh if u not in old) - renamed,
            removed=sum(1 for u in old if u not in fresh) - renamed,
            changed=changed,
        )
        self.users = fresh
        self.last_directory_sync = now
        self._synced_from = stamp
        return change

    def _rename(self, old_upn: str, new_upn: str) -> None:
        """A synchronised user's UPN changed: its direct licences stay with it."""
        skus = self.direct_licences.pop(old_upn, None)
        if skus is not None:
            self.direct_licences[new_upn] = skus
            self._licence_changes += 1

    def licences_of(self, upn: str) -> set[str]:
        """SKUs a synchronised user holds, directly or through a licensing group."""
        user = self.users.get(upn.lower())
        if user is None:
            return set()
        out = set(self.direct_licences.get(user.upn, set()))
        for sku, groups in self.licence_groups.items():
            if any(g in user.groups for g in groups):
                out.add(sku)
        return out

    def licensed_users(self, sku: str = "intune") -> list[str]:
        """Lower-case UPNs of the synchronised users holding `sku`, sorted."""
        return list(self.licensed(sku))

    def licensed(self, sku: str = "intune") -> tuple[str, ...]:
        """`licensed_users` as a shared tuple, computed again only after a change (of the
        synchronised users, the direct licences or the licensing groups)."""
        users = self.users
        state = (
            self._licence_changes,
            len(self.direct_licences),
            len(users),
            tuple((k, tuple(v)) for k, v in self.licence_groups.items()),
        )
        cached = self._licensed.get(sku)
        if cached is not None and cached[0] is users and cached[1] == state:
            return cached[2]  # type: ignore[no-any-return]
        direct = self.direct_licences
        groups = self.licence_groups.get(sku, [])
        value = tuple(
            sorted(
                u
                for u, rec in users.items()
                if sku in direct.get(rec.upn, ()) or any(g in rec.groups for g in groups)
            )
        )
        self._licensed[sku] = (users, state, value)
        return value

    def assign_licence(self, upn: str, sku: str) -> None:
        if sku not in LICENCES:
            raise Conflict(f"unknown licence {sku!r}; licences: {', '.join(LICENCES)}")
        key = upn.lower()
        self.direct_licences[key] = _skus(self.direct_licences.get(key, frozenset()) | {sku})
        self._licence_changes += 1

    def remove_licence(self, upn: str, sku: str) -> None:
        key = upn.lower()
        if key in self.direct_licences:
            self.direct_licences[key] = _skus(self.direct_licences[key] - {sku})
        self._licence_changes += 1


def _lower(text: str) -> str:
    """`text.lower()`, or `text` itself when it already is (one string kept, not two)."""
    low = text.lower()
    return text if low == text else low


_SKU_SETS: dict[frozenset[str], frozenset[str]] = {}


def _skus(skus: frozenset[str]) -> frozenset[str]:
    """One shared set per combination of SKUs (a tenant of a million users holds a handful)."""
    return _SKU_SETS.setdefault(skus, skus)
