"""Role Based Access Control: management roles → cmdlets (down to parameters), role groups →
roles, role assignments (with an optional recipient write scope) → accounts, and the grants a
new session gets (reference/exchange-cmdlets.md §3, Exchange 2013 CU23 role definitions).
`Get-Command` and `Get-Help` are implicit in every session and are not role entries.

A role entry maps a cmdlet to the parameters it grants, or to `ALL`. The built-in roles' entries
are declared where each cmdlet is registered (`@cmdlet(..., roles=...)`, registry.py) and read
from the registry here (`built_in_entries`). A caller's grants are the
union over every role of every role group they belong to plus their direct assignments; a
cmdlet's write scope is the union of the scopes of the assignments that grant it (one unscoped
assignment makes it organisation-wide). Grants are computed when a session opens: role changes
apply to new sessions only, as in Exchange.

Administrators change all of it with the cmdlets of `cmdlets/roles.py`, `role_entries.py`
and `role_groups.py`: a custom role is a child of one role (`New-ManagementRole -Parent`)
that starts with a copy of its parent's entries and may only hold entries, and parameters, its parent has; built-in roles cannot be
changed. Removing one entry, or one parameter of an entry, from a custom role assigned to an
account is how an account comes to lack exactly one cmdlet or one parameter. Role groups hold
role assignments named `<Role>-<Group>`; their members are the accounts whose AD groups include
them plus those added with Add-RoleGroupMember.

Deviations: only the roles that contain one of the connector's cmdlets carry entries (other
built-in roles exist, with no entries, so that role groups list them); the parameter-restricted
`Get-ActiveSyncDevice` entries of Recipient Policies and Organization Client Access grant every
parameter; management scopes are recipient-root (OU or domain) scopes only — no recipient
filters, configuration scopes or exclusive scopes; there are no delegating role assignments,
end-user roles, assignment policies or unscoped top-level roles; the texts of RBAC's refusals
(built-in role, entry or parameter the parent lacks, entry a child holds) are modelled on
Exchange's, not copied from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.exchange.registry import ALL, REGISTRY

#: The built-in management roles, in the order Exchange lists them. Which cmdlets each one
#: carries (and which of their parameters) is declared by the cmdlets themselves
#: (`@cmdlet(..., roles=...)`): `built_in_entries` reads it from the registry.
BUILT_IN_ROLES: tuple[str, ...] = (
    "Organization Client Access",
    "View-Only Configuration",
    "Recipient Policies",
    "Mail Recipients",
    "Mail Recipient Creation",
    "View-Only Recipients",
    "Exchange Servers",
    "Exchange Virtual Directories",
    "Message Tracking",
    "Monitoring",
    "User Options",
    "Distribution Groups",
    "Migration",
    "Move Mailboxes",
    "Team Mailboxes",
    "Databases",
    "Database Copies",
    "Exchange Connectors",
    "Exchange Server Certificates",
    "POP3 And IMAP4 Protocols",
    "Receive Connectors",
    "Transport Queues",
    "Audit Logs",
    "View-Only Audit Logs",
    "Journaling",
    "Retention Management",
    "Transport Hygiene",
    "Security Group Creation and Membership",
    "Role Management",
)


def built_in_entries() -> dict[str, dict[str, frozenset[str]]]:
    """Each built-in role's entries (cmdlet name → the parameters granted), from the cmdlets'
    own `roles=` as registered. The registry is filled when `simulator.exchange.cmdlets` is
    imported (all cmdlets at once), so an empty registry is a mistake, not a role model."""
    if not REGISTRY:
        raise RuntimeError(
            "no cmdlet is registered: import simulator.exchange.cmdlets before building RBAC"
        )
    entries: dict[str, dict[str, frozenset[str]]] = {role: {} for role in BUILT_IN_ROLES}
    for spec in REGISTRY.values():
        for role, granted in spec.roles.items():
            if role not in entries:
                raise ValueError(
                    f"{spec.name}: roles names {role!r}, which is no built-in management role"
                )
            entries[role][spec.name] = granted
    return entries


ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "Organization Management": tuple(r for r in BUILT_IN_ROLES if r != "View-Only Audit Logs"),
    "Recipient Management": (
        "Distribution Groups",
        "Mail Recipient Creation",
        "Mail Recipients",
        "Message Tracking",
        "Migration",
        "Move Mailboxes",
        "Recipient Policies",
        "Team Mailboxes",
    ),
    "View-Only Organization Management": (
        "View-Only Configuration",
        "View-Only Recipients",
        "Monitoring",
    ),
    "Server Management": (
        "Exchange Servers",
        "Exchange Virtual Directories",
        "Databases",
        "Database Copies",
        "Exchange Connectors",
        "Exchange Server Certificates",
        "Monitoring",
        "POP3 And IMAP4 Protocols",
        "Receive Connectors",
        "Transport Queues",
    ),
    "Help Desk": ("User Options", "View-Only Recipients"),
    "Compliance Management": (
        "View-Only Configuration",
        "View-Only Recipients",
        "Audit Logs",
        "Journaling",
        "Retention Management",
    ),
    "Hygiene Management": ("View-Only Configuration", "View-Only Recipients", "Transport Hygiene"),
    "Records Management": ("Audit Logs", "Journaling", "Message Tracking", "Retention Management"),
}

IMPLICIT_CMDLETS: dict[str, frozenset[str]] = {"Get-Command": ALL, "Get-Help": ALL}


@dataclass(frozen=True)
class Grant:
    """What a session may do with one cmdlet: its parameters (`ALL` or names) and the recipient
    roots it may write under (`None`: the whole organisation)."""

    name: str
    parameters: frozenset[str]
    write_roots: tuple[str, ...] | None = None

    def allows(self, parameter: str) -> bool:
        return "*" in self.parameters or parameter in self.parameters


BUILT_IN_PARENT = None
MAX_NAME = 64


def role_type(name: str) -> str:
    """A built-in role's RoleType: its name without spaces or hyphens (`View-Only
    Configuration` → ViewOnlyConfiguration), as Exchange's RoleType enumeration spells them."""
    return "".join(word[:1].upper() + word[1:] for word in name.replace("-", " ").split())


@dataclass
class ManagementRole:
    """A management role: a built-in one (a root role, its entries fixed) or a custom child of
    one (`New-ManagementRole -Parent`), whose entries are a subset of its parent's."""

    name: str
    entries: dict[str, frozenset[str]]  # cmdlet name -> parameters (`ALL` or names)
    parent: str | None = None
    description: str = ""
    created: float = 0.0

    @property
    def built_in(self) -> bool:
        return self.parent is None

    def entry(self, cmdlet: str) -> tuple[str, frozenset[str]] | None:
        for name, params in self.entries.items():
            if name.lower() == cmdlet.lower():
                return name, params
        return None


@dataclass(frozen=True)
class RoleAssignment:
    """A role given to a role group or to a user (`RoleAssigneeType` RoleGroup or User),
    optionally scoped for writes to a recipient root (`contoso.local` or `contoso.local/Sales`)."""

    name: str
    role: str
    assignee: str  # a role group's name, or an account's DOMAIN\user
    assignee_type: str = "RoleGroup"  # RoleGroup | User
    recipient_root: str | None = None
    created: float = 0.0


@dataclass
class RoleGroup:
    name: str
    built_in: bool = False
    description: str = ""


def assignment_name(role: str, assignee: str) -> str:
    """`<role>-<assignee>`, as Exchange names an assignment made without -Name (64 characters)."""
    return f"{role}-{assignee}"[:MAX_NAME]


class RbacModel:
    """The organisation's RBAC configuration: every role (built-in and custom), every role group,
    every role assignment and the members added to role groups (beyond the accounts' own AD
    group memberships). Grants are computed from it when a session opens."""

    def __init__(self) -> None:
        self.roles: dict[str, ManagementRole] = {
            name.lower(): ManagementRole(name, entries)
            for name, entries in built_in_entries().items()
        }
        self.role_groups: dict[str, RoleGroup] = {
            name.lower(): RoleGroup(name, built_in=True) for name in ROLE_GROUPS
        }
        self.assignments: list[RoleAssignment] = [
            RoleAssignment(assignment_name(role, group), role, group)
            for group, roles in ROLE_GROUPS.items()
            for role in roles
        ]
        self.group_members: dict[str, list[str]] = {}  # account (lower) -> role groups

    # -- look-ups ------------------------------------------------------------------------------
    def role(self, name: str) -> ManagementRole | None:
        return self.roles.get(name.lower())

    def group(self, name: str) -> RoleGroup | None:
        return self.role_groups.get(name.lower())

    def role_group(self, name: str) -> tuple[RoleAssignment, ...] | None:
        """The assignments of a role group (None when there is no such group)."""
        if self.group(name) is None:
            return None
        return tuple(
            a
            for a in self.assignments
            if a.assignee_type == "RoleGroup" and a.assignee.lower() == name.lower()
        )

    def children(self, role: str) -> list[ManagementRole]:
        return [r for r in self.roles.values() if (r.parent or "").lower() == role.lower()]

    # -- changes (the RBAC cmdlets, and the scenario's set-up) -------------------
    def add_role(
        self, name: str, parent: str, description: str = "", now: float = 0.0
    ) -> ManagementRole:
        """A custom role: a child of `parent` holding a copy of every entry of it."""
        if self.role(name) is not None:
            raise ValueError(f"a management role named {name!r} already exists")
        base = self.role(parent)
        if base is None:
            raise ValueError(f"unknown management role {parent!r}")
        role = ManagementRole(name, dict(base.entries), base.name, description, now)
        self.roles[name.lower()] = role
        return role

    def add_role_group(
        self,
        name: str,
        roles: list[str],
        recipient_root: str | None = None,
        members: list[str] | None = None,
        description: str = "",
        now: float = 0.0,
    ) -> RoleGroup:
        if self.group(name) is not None:
            raise ValueError(f"a role group named {name!r} already exists")
        group = self.role_groups[name.lower()] = RoleGroup(name, description=description)
        for role in roles:
            canonical = self.canonical(role)
            self.assignments.append(
                RoleAssignment(
                    assignment_name(canonical, name),
                    canonical,
                    name,
                    "RoleGroup",
                    recipient_root,
                    now,
                )
            )
        for member in members or ():
            self.add_member(name, member)
        return group

    def add_member(self, group: str, account: str) -> None:
        self.group_members.setdefault(account.lower(), []).append(self.group(group).name)  # type: ignore[union-attr]

    def assign(
        self,
        account: str,
        role: str,
        recipient_root: str | None = None,
        name: str | None = None,
        now: float = 0.0,
    ) -> RoleAssignment:
        canonical = self.canonical(role)
        assignment = RoleAssignment(
            name or assignment_name(canonical, account.split("\\")[-1]),
            canonical,
            account,
            "User",
            recipient_root,
            now,
        )
        self.assignments.append(assignment)
        return assignment

    def canonical(self, name: str) -> str:
        role = self.role(name)
        if role is None:
            raise ValueError(
                f"unknown management role {name!r}; roles: {', '.join(sorted(r.name for r in self.roles.values()))}"
            )
        return role.name

    # -- what a caller gets --------------------------------------------------------------------
    def groups_of(self, account: str, groups: list[str]) -> list[str]:
        """The role groups `account` belongs to: its AD groups that are role groups, and the
        members added by Add-RoleGroupMember."""
        out: list[str] = []
        for group in [*groups, *self.group_members.get(account.lower(), ())]:
            found = self.group(group)
            if found is not None and found.name not in out:
                out.append(found.name)
        return out

    def assignments_for(self, account: str, groups: list[str]) -> list[RoleAssignment]:
        member_of = {g.lower() for g in self.groups_of(account, groups)}
        return [
            a
            for a in self.assignments
            if (a.assignee_type == "RoleGroup" and a.assignee.lower() in member_of)
            or (a.assignee_type == "User" and a.assignee.lower() == account.lower())
        ]

    def roles_for(self, account: str, groups: list[str]) -> list[str]:
        return sorted({a.role for a in self.assignments_for(account, groups)})

    def grants(self, account: str, groups: list[str]) -> dict[str, Grant]:
        """lower cmdlet name → Grant, for a session that opens now."""
        params: dict[str, frozenset[str]] = dict(IMPLICIT_CMDLETS)
        roots: dict[str, set[str] | None] = {name: None for name in IMPLICIT_CMDLETS}
        for assignment in self.assignments_for(account, groups):
            role = self.role(assignment.role)
            if role is None:
                continue
            for cmdlet, granted in role.entries.items():
                have = params.get(cmdlet)
                params[cmdlet] = ALL if ALL in (have, granted) else (have or frozenset()) | granted
                if cmdlet in roots and roots[cmdlet] is None:
                    continue  # already organisation-wide
                if assignment.recipient_root is None:
                    roots[cmdlet] = None
                else:
                    current = roots.setdefault(cmdlet, set())
                    assert current is not None
                    current.add(assignment.recipient_root.lower())
        return {
            name.lower(): Grant(
                name, granted, None if roots.get(name) is None else tuple(sorted(roots[name] or ()))
            )
            for name, granted in params.items()
        }


def canonical_role(name: str) -> str:
    role = next((r for r in BUILT_IN_ROLES if r.lower() == name.lower()), None)
    if role is None:
        raise ValueError(
            f"unknown management role {name!r}; roles: {', '.join(sorted(BUILT_IN_ROLES))}"
        )
    return role


def role_group_names() -> list[str]:
    return list(ROLE_GROUPS)
