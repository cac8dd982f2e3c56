"""Role Based Access Control: management roles → cmdlets (down to parameters), role groups →
roles, role assignments (with an optional recipient write scope) → accounts, and the grants a
new session gets (reference/exchange-cmdlets.md §3, Exchange 2013 CU23 role definitions).
`Get-Command` and `Get-Help` are implicit in every session and are not role entries.

A role entry maps a cmdlet to the parameters it grants, or to `ALL`. A caller's grants are the
union over every role of every role group they belong to plus their direct assignments; a
cmdlet's write scope is the union of the scopes of the assignments that grant it (one unscoped
assignment makes it organisation-wide). Grants are computed when a session opens: role changes
apply to new sessions only, as in Exchange.

Deviations: only the roles that contain one of the connector's cmdlets carry entries (other
built-in roles exist, with no entries, so that role groups list them); the parameter-restricted
`Get-ActiveSyncDevice` entries of Recipient Policies and Organization Client Access grant every
parameter; management scopes are recipient-root (OU or domain) scopes only — no recipient
filters, configuration scopes or exclusive scopes; Exchange 2007 has no RBAC (it used ACLs)
and the twin applies RBAC to it anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.exchange.registry import ALL

MOBILE_EQUIVALENT = {
    "Get-ActiveSyncDevice": "Get-MobileDevice",
    "Get-ActiveSyncDeviceStatistics": "Get-MobileDeviceStatistics",
    "Clear-ActiveSyncDevice": "Clear-MobileDevice",
    "Remove-ActiveSyncDevice": "Remove-MobileDevice",
    "Get-ActiveSyncMailboxPolicy": "Get-MobileDeviceMailboxPolicy",
    "Set-ActiveSyncMailboxPolicy": "Set-MobileDeviceMailboxPolicy",
    "New-ActiveSyncMailboxPolicy": "New-MobileDeviceMailboxPolicy",
    "Remove-ActiveSyncMailboxPolicy": "Remove-MobileDeviceMailboxPolicy",
}

_COMMON = frozenset({"Identity", "DomainController", "WhatIf", "Confirm"})
_SET_CAS_MR = _COMMON | {
    "ActiveSyncEnabled",
    "ActiveSyncMailboxPolicy",
    "ActiveSyncDebugLogging",
    "HasActiveSyncDevicePartnership",
    "OWAEnabled",
    "OWAforDevicesEnabled",
    "ECPEnabled",
    "PopEnabled",
    "ImapEnabled",
    "MAPIEnabled",
    "EwsEnabled",
}
_SET_CAS_OCA = _COMMON | {"ActiveSyncAllowedDeviceIDs", "ActiveSyncBlockedDeviceIDs"}
_SET_CAS_EVD = _COMMON | {"ResetAutoBlockedDevices"}
_SET_CAS_USER_OPTIONS = _COMMON | {"ActiveSyncDebugLogging"}

# Set-Mailbox / Set-User: the address and UPN parameters the twin has are Mail Recipients'
_SET_RECIPIENT_MR = _COMMON | {
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
_READ_USERS = {"Get-Mailbox": ALL, "Get-User": ALL}

_READ_CONFIG = {"Get-ExchangeServer": ALL}
_READ_RECIPIENTS = {"Get-Recipient": ALL, "Set-ADServerSettings": ALL, "Get-ADServerSettings": ALL}


def _with_mobile(entries: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """The MobileDevice* cmdlets (2013+) have the same role membership as their ActiveSync twins."""
    out = dict(entries)
    for old, new in MOBILE_EQUIVALENT.items():
        if old in entries:
            out[new] = entries[old]
    return out


ROLES: dict[str, dict[str, frozenset[str]]] = {
    name: _with_mobile(entries)
    for name, entries in {
        "Organization Client Access": {
            "Get-ActiveSyncOrganizationSettings": ALL,
            "Set-ActiveSyncOrganizationSettings": ALL,
            "Get-ActiveSyncDeviceAccessRule": ALL,
            "Set-ActiveSyncDeviceAccessRule": ALL,
            "New-ActiveSyncDeviceAccessRule": ALL,
            "Remove-ActiveSyncDeviceAccessRule": ALL,
            "Get-ActiveSyncDeviceClass": ALL,
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_OCA,
            "Get-ActiveSyncDevice": ALL,
        },
        "View-Only Configuration": {
            "Get-ActiveSyncOrganizationSettings": ALL,
            "Get-ActiveSyncDeviceAccessRule": ALL,
            "Get-ActiveSyncDeviceClass": ALL,
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-ADServerSettings": ALL,
            **_READ_CONFIG,
        },
        "Recipient Policies": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Set-ActiveSyncMailboxPolicy": ALL,
            "New-ActiveSyncMailboxPolicy": ALL,
            "Remove-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Get-ActiveSyncDevice": ALL,
        },
        "Mail Recipients": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_MR,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            "Clear-ActiveSyncDevice": ALL,
            "Remove-ActiveSyncDevice": ALL,
            "Set-Mailbox": _SET_RECIPIENT_MR,
            "Set-User": _SET_RECIPIENT_MR,
            **_READ_USERS,
            **_READ_RECIPIENTS,
        },
        "Mail Recipient Creation": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            **_READ_USERS,
            **_READ_RECIPIENTS,
        },
        "View-Only Recipients": {
            "Get-ActiveSyncMailboxPolicy": ALL,
            "Get-CASMailbox": ALL,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            **_READ_USERS,
            **_READ_RECIPIENTS,
        },
        "Exchange Servers": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Exchange Virtual Directories": {"Set-CASMailbox": _SET_CAS_EVD, **_READ_CONFIG},
        "Message Tracking": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Monitoring": {**_READ_CONFIG, "Get-ADServerSettings": ALL},
        "User Options": {
            "Get-CASMailbox": ALL,
            "Set-CASMailbox": _SET_CAS_USER_OPTIONS,
            "Get-ActiveSyncDevice": ALL,
            "Get-ActiveSyncDeviceStatistics": ALL,
            "Clear-ActiveSyncDevice": ALL,
            "Remove-ActiveSyncDevice": ALL,
        },
        "Distribution Groups": dict(_READ_RECIPIENTS),
        "Migration": dict(_READ_RECIPIENTS),
        "Move Mailboxes": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Team Mailboxes": dict(_READ_RECIPIENTS),
        "Databases": {**_READ_CONFIG, "Get-ADServerSettings": ALL},
        "Database Copies": {**_READ_CONFIG, "Get-ADServerSettings": ALL},
        "Exchange Connectors": dict(_READ_CONFIG),
        "Exchange Server Certificates": dict(_READ_CONFIG),
        "POP3 And IMAP4 Protocols": dict(_READ_CONFIG),
        "Receive Connectors": dict(_READ_CONFIG),
        "Transport Queues": dict(_READ_CONFIG),
        "Audit Logs": {"Search-AdminAuditLog": ALL, **_READ_RECIPIENTS},
        "View-Only Audit Logs": {"Search-AdminAuditLog": ALL},
        "Journaling": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Retention Management": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Transport Hygiene": {**_READ_CONFIG, **_READ_RECIPIENTS},
        "Security Group Creation and Membership": dict(_READ_RECIPIENTS),
        "Role Management": {**_READ_CONFIG, **_READ_RECIPIENTS},
    }.items()
}

ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    "Organization Management": tuple(r for r in ROLES if r != "View-Only Audit Logs"),
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
class RoleAssignment:
    """A role given to a role group or an account, optionally scoped to a recipient root
    (`contoso.local` or `contoso.local/Sales`) for writes."""

    role: str
    recipient_root: str | None = None


@dataclass(frozen=True)
class Grant:
    """What a session may do with one cmdlet: its parameters (`ALL` or names) and the recipient
    roots it may write under (`None`: the whole organisation)."""

    name: str
    parameters: frozenset[str]
    write_roots: tuple[str, ...] | None = None

    def allows(self, parameter: str) -> bool:
        return "*" in self.parameters or parameter in self.parameters


@dataclass
class RbacModel:
    """The organisation's RBAC configuration beyond the built-in roles and role groups."""

    custom_role_groups: dict[str, tuple[RoleAssignment, ...]] = field(default_factory=dict)
    group_members: dict[str, list[str]] = field(default_factory=dict)  # account -> groups
    direct_assignments: dict[str, list[RoleAssignment]] = field(default_factory=dict)

    def role_group(self, name: str) -> tuple[RoleAssignment, ...] | None:
        for group, roles in ROLE_GROUPS.items():
            if group.lower() == name.lower():
                return tuple(RoleAssignment(r) for r in roles)
        for group, assignments in self.custom_role_groups.items():
            if group.lower() == name.lower():
                return assignments
        return None

    def add_role_group(
        self,
        name: str,
        roles: list[str],
        recipient_root: str | None = None,
        members: list[str] | None = None,
    ) -> None:
        if self.role_group(name) is not None:
            raise ValueError(f"a role group named {name!r} already exists")
        self.custom_role_groups[name] = tuple(
            RoleAssignment(canonical_role(r), recipient_root) for r in roles
        )
        for member in members or ():
            self.group_members.setdefault(member.lower(), []).append(name)

    def assign(self, account: str, role: str, recipient_root: str | None = None) -> None:
        self.direct_assignments.setdefault(account.lower(), []).append(
            RoleAssignment(canonical_role(role), recipient_root)
        )

    def assignments_for(self, account: str, groups: list[str]) -> list[RoleAssignment]:
        out: list[RoleAssignment] = []
        for group in [*groups, *self.group_members.get(account.lower(), ())]:
            out.extend(self.role_group(group) or ())
        out.extend(self.direct_assignments.get(account.lower(), ()))
        return out

    def roles_for(self, account: str, groups: list[str]) -> list[str]:
        return sorted({a.role for a in self.assignments_for(account, groups)})

    def grants(self, account: str, groups: list[str]) -> dict[str, Grant]:
        """lower cmdlet name → Grant, for a session that opens now."""
        params: dict[str, frozenset[str]] = dict(IMPLICIT_CMDLETS)
        roots: dict[str, set[str] | None] = {name: None for name in IMPLICIT_CMDLETS}
        for assignment in self.assignments_for(account, groups):
            for cmdlet, granted in ROLES[assignment.role].items():
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
    role = next((r for r in ROLES if r.lower() == name.lower()), None)
    if role is None:
        raise ValueError(f"unknown management role {name!r}; roles: {', '.join(sorted(ROLES))}")
    return role


def role_group_names() -> list[str]:
    return list(ROLE_GROUPS)
